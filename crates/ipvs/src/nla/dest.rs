//! `IPVS_DEST_ATTR_*`: a real server, nested in `IPVS_CMD_ATTR_DEST`.

use netlink_packet_core::{DecodeError, DefaultNla, Nla, NlaBuffer, Parseable};

use super::{InetAddr, put, u8_of, u16_be, u16_ne, u32_ne};

const ADDR: u16 = 1;
const PORT: u16 = 2;
const FWD_METHOD: u16 = 3;
const WEIGHT: u16 = 4;
const U_THRESH: u16 = 5;
const L_THRESH: u16 = 6;
const ACTIVE_CONNS: u16 = 7;
const INACT_CONNS: u16 = 8;
const PERSIST_CONNS: u16 = 9;
const ADDR_FAMILY: u16 = 11;
const TUN_TYPE: u16 = 13;
const TUN_PORT: u16 = 14;
const TUN_FLAGS: u16 = 15;

/// One attribute of a destination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DestAttr {
    /// `IPVS_DEST_ATTR_ADDR`: the real server's address.
    Addr(InetAddr),
    /// `IPVS_DEST_ATTR_PORT`: its port (network order on the wire).
    Port(u16),
    /// `IPVS_DEST_ATTR_FWD_METHOD` (u32): `IP_VS_CONN_F_MASQ` 0,
    /// `_TUNNEL` 2, `_DROUTE` 3.
    FwdMethod(u32),
    /// `IPVS_DEST_ATTR_WEIGHT` (u32; the kernel reads an int).
    Weight(u32),
    /// `IPVS_DEST_ATTR_U_THRESH` (u32).
    UThresh(u32),
    /// `IPVS_DEST_ATTR_L_THRESH` (u32).
    LThresh(u32),
    /// `IPVS_DEST_ATTR_ACTIVE_CONNS` (u32, dumps only).
    ActiveConns(u32),
    /// `IPVS_DEST_ATTR_INACT_CONNS` (u32, dumps only).
    InactConns(u32),
    /// `IPVS_DEST_ATTR_PERSIST_CONNS` (u32, dumps only).
    PersistConns(u32),
    /// `IPVS_DEST_ATTR_ADDR_FAMILY` (u16): the real server's family,
    /// which may differ from the service's for tunnelled servers.
    AddrFamily(u16),
    /// `IPVS_DEST_ATTR_TUN_TYPE` (u8): ipip 0, gue 1, gre 2.
    TunType(u8),
    /// `IPVS_DEST_ATTR_TUN_PORT`: the GUE port (network order on the wire).
    TunPort(u16),
    /// `IPVS_DEST_ATTR_TUN_FLAGS` (u16): nocsum 0, csum 1, remcsum 2.
    TunFlags(u16),
    /// Anything else (statistics, newer attributes), kept as it came.
    Other(DefaultNla),
}

impl Nla for DestAttr {
    fn value_len(&self) -> usize {
        match self {
            Self::Addr(_) => 16,
            Self::Port(_)
            | Self::AddrFamily(_)
            | Self::TunPort(_)
            | Self::TunFlags(_) => 2,
            Self::TunType(_) => 1,
            Self::FwdMethod(_)
            | Self::Weight(_)
            | Self::UThresh(_)
            | Self::LThresh(_)
            | Self::ActiveConns(_)
            | Self::InactConns(_)
            | Self::PersistConns(_) => 4,
            Self::Other(nla) => nla.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self {
            Self::Addr(_) => ADDR,
            Self::Port(_) => PORT,
            Self::FwdMethod(_) => FWD_METHOD,
            Self::Weight(_) => WEIGHT,
            Self::UThresh(_) => U_THRESH,
            Self::LThresh(_) => L_THRESH,
            Self::ActiveConns(_) => ACTIVE_CONNS,
            Self::InactConns(_) => INACT_CONNS,
            Self::PersistConns(_) => PERSIST_CONNS,
            Self::AddrFamily(_) => ADDR_FAMILY,
            Self::TunType(_) => TUN_TYPE,
            Self::TunPort(_) => TUN_PORT,
            Self::TunFlags(_) => TUN_FLAGS,
            Self::Other(nla) => nla.kind(),
        }
    }

    fn emit_value(&self, buf: &mut [u8]) {
        match self {
            Self::Addr(a) => put(buf, &a.0),
            Self::Port(v) | Self::TunPort(v) => put(buf, &v.to_be_bytes()),
            Self::AddrFamily(v) | Self::TunFlags(v) => {
                put(buf, &v.to_ne_bytes())
            }
            Self::TunType(v) => buf[0] = *v,
            Self::FwdMethod(v)
            | Self::Weight(v)
            | Self::UThresh(v)
            | Self::LThresh(v)
            | Self::ActiveConns(v)
            | Self::InactConns(v)
            | Self::PersistConns(v) => put(buf, &v.to_ne_bytes()),
            Self::Other(nla) => nla.emit_value(buf),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for DestAttr {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        let p = buf.value();
        Ok(match buf.kind() {
            ADDR => Self::Addr(InetAddr::parse(p)?),
            PORT => Self::Port(u16_be(p, "IPVS_DEST_ATTR_PORT")?),
            FWD_METHOD => {
                Self::FwdMethod(u32_ne(p, "IPVS_DEST_ATTR_FWD_METHOD")?)
            }
            WEIGHT => Self::Weight(u32_ne(p, "IPVS_DEST_ATTR_WEIGHT")?),
            U_THRESH => Self::UThresh(u32_ne(p, "IPVS_DEST_ATTR_U_THRESH")?),
            L_THRESH => Self::LThresh(u32_ne(p, "IPVS_DEST_ATTR_L_THRESH")?),
            ACTIVE_CONNS => {
                Self::ActiveConns(u32_ne(p, "IPVS_DEST_ATTR_ACTIVE_CONNS")?)
            }
            INACT_CONNS => {
                Self::InactConns(u32_ne(p, "IPVS_DEST_ATTR_INACT_CONNS")?)
            }
            PERSIST_CONNS => {
                Self::PersistConns(u32_ne(p, "IPVS_DEST_ATTR_PERSIST_CONNS")?)
            }
            ADDR_FAMILY => {
                Self::AddrFamily(u16_ne(p, "IPVS_DEST_ATTR_ADDR_FAMILY")?)
            }
            TUN_TYPE => Self::TunType(u8_of(p, "IPVS_DEST_ATTR_TUN_TYPE")?),
            TUN_PORT => Self::TunPort(u16_be(p, "IPVS_DEST_ATTR_TUN_PORT")?),
            TUN_FLAGS => Self::TunFlags(u16_ne(p, "IPVS_DEST_ATTR_TUN_FLAGS")?),
            _ => Self::Other(DefaultNla::parse(buf)?),
        })
    }
}

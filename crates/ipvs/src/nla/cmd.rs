//! `IPVS_CMD_ATTR_*`: the top level of every IPVS command.

use netlink_packet_core::{DecodeError, DefaultNla, Nla, NlaBuffer, Parseable};

use super::{
    DaemonAttr, DestAttr, SvcAttr, list_emit, list_len, parse_all, put, u32_ne,
};

const SERVICE: u16 = 1;
const DEST: u16 = 2;
const DAEMON: u16 = 3;
const TIMEOUT_TCP: u16 = 4;
const TIMEOUT_TCP_FIN: u16 = 5;
const TIMEOUT_UDP: u16 = 6;

/// One top-level attribute of an IPVS command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CmdAttr {
    /// `IPVS_CMD_ATTR_SERVICE` (nested).
    Service(Vec<SvcAttr>),
    /// `IPVS_CMD_ATTR_DEST` (nested).
    Dest(Vec<DestAttr>),
    /// `IPVS_CMD_ATTR_DAEMON` (nested).
    Daemon(Vec<DaemonAttr>),
    /// `IPVS_CMD_ATTR_TIMEOUT_TCP` (u32, seconds).
    TimeoutTcp(u32),
    /// `IPVS_CMD_ATTR_TIMEOUT_TCP_FIN` (u32, seconds).
    TimeoutTcpFin(u32),
    /// `IPVS_CMD_ATTR_TIMEOUT_UDP` (u32, seconds).
    TimeoutUdp(u32),
    /// Anything else, kept as it came.
    Other(DefaultNla),
}

impl Nla for CmdAttr {
    fn value_len(&self) -> usize {
        match self {
            Self::Service(a) => list_len(a),
            Self::Dest(a) => list_len(a),
            Self::Daemon(a) => list_len(a),
            Self::TimeoutTcp(_)
            | Self::TimeoutTcpFin(_)
            | Self::TimeoutUdp(_) => 4,
            Self::Other(nla) => nla.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self {
            Self::Service(_) => SERVICE,
            Self::Dest(_) => DEST,
            Self::Daemon(_) => DAEMON,
            Self::TimeoutTcp(_) => TIMEOUT_TCP,
            Self::TimeoutTcpFin(_) => TIMEOUT_TCP_FIN,
            Self::TimeoutUdp(_) => TIMEOUT_UDP,
            Self::Other(nla) => nla.kind(),
        }
    }

    fn is_nested(&self) -> bool {
        // keepalived compat: libnl's nla_nest_start marks nested
        // attributes with NLA_F_NESTED (seen in keepalived's requests);
        // the kernel accepts them with or without it.
        match self {
            Self::Service(_) | Self::Dest(_) | Self::Daemon(_) => true,
            Self::Other(nla) => nla.is_nested(),
            _ => false,
        }
    }

    fn emit_value(&self, buf: &mut [u8]) {
        match self {
            Self::Service(a) => list_emit(a, buf),
            Self::Dest(a) => list_emit(a, buf),
            Self::Daemon(a) => list_emit(a, buf),
            Self::TimeoutTcp(v)
            | Self::TimeoutTcpFin(v)
            | Self::TimeoutUdp(v) => {
                put(buf, &v.to_ne_bytes());
            }
            Self::Other(nla) => nla.emit_value(buf),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for CmdAttr {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        let p = buf.value();
        Ok(match buf.kind() {
            SERVICE => Self::Service(parse_all(p)?),
            DEST => Self::Dest(parse_all(p)?),
            DAEMON => Self::Daemon(parse_all(p)?),
            TIMEOUT_TCP => {
                Self::TimeoutTcp(u32_ne(p, "IPVS_CMD_ATTR_TIMEOUT_TCP")?)
            }
            TIMEOUT_TCP_FIN => {
                Self::TimeoutTcpFin(u32_ne(p, "IPVS_CMD_ATTR_TIMEOUT_TCP_FIN")?)
            }
            TIMEOUT_UDP => {
                Self::TimeoutUdp(u32_ne(p, "IPVS_CMD_ATTR_TIMEOUT_UDP")?)
            }
            _ => Self::Other(DefaultNla::parse(buf)?),
        })
    }
}

//! `IPVS_DAEMON_ATTR_*`: a connection sync daemon, nested in
//! `IPVS_CMD_ATTR_DAEMON`.

use std::net::{Ipv4Addr, Ipv6Addr};

use netlink_packet_core::{DecodeError, DefaultNla, Nla, NlaBuffer, Parseable};

use super::{fixed, put, put_str, str_len, string, u8_of, u16_ne, u32_ne};

const STATE: u16 = 1;
const MCAST_IFN: u16 = 2;
const SYNC_ID: u16 = 3;
const SYNC_MAXLEN: u16 = 4;
const MCAST_GROUP: u16 = 5;
const MCAST_GROUP6: u16 = 6;
const MCAST_PORT: u16 = 7;
const MCAST_TTL: u16 = 8;

/// One attribute of a sync daemon.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DaemonAttr {
    /// `IPVS_DAEMON_ATTR_STATE` (u32): `IP_VS_STATE_MASTER` 1, `_BACKUP` 2.
    State(u32),
    /// `IPVS_DAEMON_ATTR_MCAST_IFN` (string): the interface.
    McastIfn(String),
    /// `IPVS_DAEMON_ATTR_SYNC_ID` (u32).
    SyncId(u32),
    /// `IPVS_DAEMON_ATTR_SYNC_MAXLEN` (u16): UDP payload size.
    SyncMaxlen(u16),
    /// `IPVS_DAEMON_ATTR_MCAST_GROUP` (`in_addr`, network order).
    McastGroup(Ipv4Addr),
    /// `IPVS_DAEMON_ATTR_MCAST_GROUP6` (`in6_addr`).
    McastGroup6(Ipv6Addr),
    /// `IPVS_DAEMON_ATTR_MCAST_PORT` (u16, host order as the kernel's
    /// `nla_get_u16` reads it).
    McastPort(u16),
    /// `IPVS_DAEMON_ATTR_MCAST_TTL` (u8).
    McastTtl(u8),
    /// Anything else, kept as it came.
    Other(DefaultNla),
}

impl Nla for DaemonAttr {
    fn value_len(&self) -> usize {
        match self {
            Self::State(_) | Self::SyncId(_) | Self::McastGroup(_) => 4,
            Self::McastIfn(s) => str_len(s),
            Self::SyncMaxlen(_) | Self::McastPort(_) => 2,
            Self::McastGroup6(_) => 16,
            Self::McastTtl(_) => 1,
            Self::Other(nla) => nla.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self {
            Self::State(_) => STATE,
            Self::McastIfn(_) => MCAST_IFN,
            Self::SyncId(_) => SYNC_ID,
            Self::SyncMaxlen(_) => SYNC_MAXLEN,
            Self::McastGroup(_) => MCAST_GROUP,
            Self::McastGroup6(_) => MCAST_GROUP6,
            Self::McastPort(_) => MCAST_PORT,
            Self::McastTtl(_) => MCAST_TTL,
            Self::Other(nla) => nla.kind(),
        }
    }

    fn emit_value(&self, buf: &mut [u8]) {
        match self {
            Self::State(v) | Self::SyncId(v) => put(buf, &v.to_ne_bytes()),
            Self::McastIfn(s) => put_str(buf, s),
            Self::SyncMaxlen(v) | Self::McastPort(v) => {
                put(buf, &v.to_ne_bytes())
            }
            Self::McastGroup(a) => put(buf, &a.octets()),
            Self::McastGroup6(a) => put(buf, &a.octets()),
            Self::McastTtl(v) => buf[0] = *v,
            Self::Other(nla) => nla.emit_value(buf),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for DaemonAttr {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        let p = buf.value();
        Ok(match buf.kind() {
            STATE => Self::State(u32_ne(p, "IPVS_DAEMON_ATTR_STATE")?),
            MCAST_IFN => {
                Self::McastIfn(string(p, "IPVS_DAEMON_ATTR_MCAST_IFN")?)
            }
            SYNC_ID => Self::SyncId(u32_ne(p, "IPVS_DAEMON_ATTR_SYNC_ID")?),
            SYNC_MAXLEN => {
                Self::SyncMaxlen(u16_ne(p, "IPVS_DAEMON_ATTR_SYNC_MAXLEN")?)
            }
            MCAST_GROUP => Self::McastGroup(Ipv4Addr::from(fixed::<4>(
                p,
                "IPVS_DAEMON_ATTR_MCAST_GROUP",
            )?)),
            MCAST_GROUP6 => Self::McastGroup6(Ipv6Addr::from(fixed::<16>(
                p,
                "IPVS_DAEMON_ATTR_MCAST_GROUP6",
            )?)),
            MCAST_PORT => {
                Self::McastPort(u16_ne(p, "IPVS_DAEMON_ATTR_MCAST_PORT")?)
            }
            MCAST_TTL => {
                Self::McastTtl(u8_of(p, "IPVS_DAEMON_ATTR_MCAST_TTL")?)
            }
            _ => Self::Other(DefaultNla::parse(buf)?),
        })
    }
}

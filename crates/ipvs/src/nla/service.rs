//! `IPVS_SVC_ATTR_*`: a virtual service, nested in `IPVS_CMD_ATTR_SERVICE`.

use netlink_packet_core::{DecodeError, DefaultNla, Nla, NlaBuffer, Parseable};

use super::{InetAddr, put, put_str, str_len, string, u16_be, u16_ne, u32_ne};

const AF: u16 = 1;
const PROTOCOL: u16 = 2;
const ADDR: u16 = 3;
const PORT: u16 = 4;
const FWMARK: u16 = 5;
const SCHED_NAME: u16 = 6;
const FLAGS: u16 = 7;
const TIMEOUT: u16 = 8;
const NETMASK: u16 = 9;
const PE_NAME: u16 = 11;

/// One attribute of a service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SvcAttr {
    /// `IPVS_SVC_ATTR_AF` (u16): `AF_INET` or `AF_INET6`.
    Af(u16),
    /// `IPVS_SVC_ATTR_PROTOCOL` (u16): the IP protocol number.
    Protocol(u16),
    /// `IPVS_SVC_ATTR_ADDR`: the virtual address.
    Addr(InetAddr),
    /// `IPVS_SVC_ATTR_PORT`: the virtual port (network order on the wire).
    Port(u16),
    /// `IPVS_SVC_ATTR_FWMARK` (u32).
    Fwmark(u32),
    /// `IPVS_SVC_ATTR_SCHED_NAME` (string).
    SchedName(String),
    /// `IPVS_SVC_ATTR_FLAGS`: `struct ip_vs_flags { flags, mask }`.
    Flags {
        /// `IP_VS_SVC_F_*` bits.
        flags: u32,
        /// Which bits to change (keepalived sends `~0`).
        mask: u32,
    },
    /// `IPVS_SVC_ATTR_TIMEOUT` (u32): persistence timeout in seconds.
    Timeout(u32),
    /// `IPVS_SVC_ATTR_NETMASK` (u32) as the kernel's `__be32 netmask`
    /// field holds it: for IPv4 the mask's bytes in network order, for
    /// IPv6 the prefix length as a plain number.
    Netmask(u32),
    /// `IPVS_SVC_ATTR_PE_NAME` (string): the persistence engine.
    PeName(String),
    /// Anything else (statistics, newer attributes), kept as it came.
    Other(DefaultNla),
}

impl Nla for SvcAttr {
    fn value_len(&self) -> usize {
        match self {
            Self::Af(_) | Self::Protocol(_) | Self::Port(_) => 2,
            Self::Fwmark(_) | Self::Timeout(_) | Self::Netmask(_) => 4,
            Self::Addr(_) => 16,
            Self::Flags { .. } => 8,
            Self::SchedName(s) | Self::PeName(s) => str_len(s),
            Self::Other(nla) => nla.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self {
            Self::Af(_) => AF,
            Self::Protocol(_) => PROTOCOL,
            Self::Addr(_) => ADDR,
            Self::Port(_) => PORT,
            Self::Fwmark(_) => FWMARK,
            Self::SchedName(_) => SCHED_NAME,
            Self::Flags { .. } => FLAGS,
            Self::Timeout(_) => TIMEOUT,
            Self::Netmask(_) => NETMASK,
            Self::PeName(_) => PE_NAME,
            Self::Other(nla) => nla.kind(),
        }
    }

    fn emit_value(&self, buf: &mut [u8]) {
        match self {
            Self::Af(v) | Self::Protocol(v) => put(buf, &v.to_ne_bytes()),
            Self::Port(v) => put(buf, &v.to_be_bytes()),
            Self::Fwmark(v) | Self::Timeout(v) | Self::Netmask(v) => {
                put(buf, &v.to_ne_bytes())
            }
            Self::Addr(a) => put(buf, &a.0),
            Self::Flags { flags, mask } => {
                put(buf, &flags.to_ne_bytes());
                put(&mut buf[4..], &mask.to_ne_bytes());
            }
            Self::SchedName(s) | Self::PeName(s) => put_str(buf, s),
            Self::Other(nla) => nla.emit_value(buf),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for SvcAttr {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        let p = buf.value();
        Ok(match buf.kind() {
            AF => Self::Af(u16_ne(p, "IPVS_SVC_ATTR_AF")?),
            PROTOCOL => Self::Protocol(u16_ne(p, "IPVS_SVC_ATTR_PROTOCOL")?),
            ADDR => Self::Addr(InetAddr::parse(p)?),
            PORT => Self::Port(u16_be(p, "IPVS_SVC_ATTR_PORT")?),
            FWMARK => Self::Fwmark(u32_ne(p, "IPVS_SVC_ATTR_FWMARK")?),
            SCHED_NAME => {
                Self::SchedName(string(p, "IPVS_SVC_ATTR_SCHED_NAME")?)
            }
            FLAGS => {
                if p.len() != 8 {
                    return Err(format!(
                        "IPVS_SVC_ATTR_FLAGS: {} bytes",
                        p.len()
                    )
                    .into());
                }
                Self::Flags {
                    flags: u32_ne(&p[..4], "flags")?,
                    mask: u32_ne(&p[4..], "mask")?,
                }
            }
            TIMEOUT => Self::Timeout(u32_ne(p, "IPVS_SVC_ATTR_TIMEOUT")?),
            NETMASK => Self::Netmask(u32_ne(p, "IPVS_SVC_ATTR_NETMASK")?),
            PE_NAME => Self::PeName(string(p, "IPVS_SVC_ATTR_PE_NAME")?),
            _ => Self::Other(DefaultNla::parse(buf)?),
        })
    }
}

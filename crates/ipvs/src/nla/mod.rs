//! The IPVS generic netlink attributes (`include/uapi/linux/ip_vs.h`),
//! one enum per attribute space, in the style of netlink-packet-route:
//! each variant emits and parses its own value, unknown attributes are
//! kept as [`DefaultNla`] so a dump from a newer kernel still parses.
//!
//! Integer encodings are the ones keepalived's libipvs and the kernel
//! use: `NLA_U16`/`NLA_U32` in host order, ports and the tunnel port in
//! network order (`__be16` fields put with `NLA_PUT_U16`), addresses as
//! the 16 bytes of `union nf_inet_addr`.

mod cmd;
mod daemon;
mod dest;
mod service;

pub use cmd::CmdAttr;
pub use daemon::DaemonAttr;
pub use dest::DestAttr;
pub use service::SvcAttr;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use netlink_packet_core::{DecodeError, NlaBuffer, NlasIterator, Parseable};

/// `union nf_inet_addr` as IPVS carries it: 16 bytes, an IPv4 address in
/// the first four.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct InetAddr(pub [u8; 16]);

impl InetAddr {
    /// The bytes of `ip`, zero-padded.
    pub fn from_ip(ip: IpAddr) -> Self {
        let mut b = [0u8; 16];
        match ip {
            IpAddr::V4(v4) => b[..4].copy_from_slice(&v4.octets()),
            IpAddr::V6(v6) => b = v6.octets(),
        }
        Self(b)
    }

    /// The address read in `family` (`AF_INET` or `AF_INET6`).
    pub fn to_ip(self, family: u16) -> Option<IpAddr> {
        match family {
            AF_INET => Some(IpAddr::V4(Ipv4Addr::new(
                self.0[0], self.0[1], self.0[2], self.0[3],
            ))),
            AF_INET6 => Some(IpAddr::V6(Ipv6Addr::from(self.0))),
            _ => None,
        }
    }

    fn parse(payload: &[u8]) -> Result<Self, DecodeError> {
        // keepalived's GET_DEST request puts 4 bytes for IPv4; the kernel
        // always answers with 16.
        let mut b = [0u8; 16];
        match payload.len() {
            4 | 16 => b[..payload.len()].copy_from_slice(payload),
            n => return Err(format!("IPVS address of {n} bytes").into()),
        }
        Ok(Self(b))
    }
}

/// `AF_INET`.
pub const AF_INET: u16 = 2;
/// `AF_INET6`.
pub const AF_INET6: u16 = 10;

/// Writes `bytes` at the start of `buf`.
fn put(buf: &mut [u8], bytes: &[u8]) {
    buf[..bytes.len()].copy_from_slice(bytes);
}

/// A NUL-terminated string attribute's length (`NLA_PUT_STRING`).
fn str_len(s: &str) -> usize {
    s.len() + 1
}

/// Writes a NUL-terminated string.
fn put_str(buf: &mut [u8], s: &str) {
    put(buf, s.as_bytes());
    buf[s.len()] = 0;
}

fn fixed<const N: usize>(
    payload: &[u8],
    what: &str,
) -> Result<[u8; N], DecodeError> {
    payload.try_into().map_err(|_| {
        format!("{what}: {} bytes, expected {N}", payload.len()).into()
    })
}

fn u8_of(p: &[u8], what: &str) -> Result<u8, DecodeError> {
    Ok(fixed::<1>(p, what)?[0])
}

fn u16_ne(p: &[u8], what: &str) -> Result<u16, DecodeError> {
    Ok(u16::from_ne_bytes(fixed(p, what)?))
}

fn u16_be(p: &[u8], what: &str) -> Result<u16, DecodeError> {
    Ok(u16::from_be_bytes(fixed(p, what)?))
}

fn u32_ne(p: &[u8], what: &str) -> Result<u32, DecodeError> {
    Ok(u32::from_ne_bytes(fixed(p, what)?))
}

fn string(p: &[u8], what: &str) -> Result<String, DecodeError> {
    let end = p.iter().position(|&b| b == 0).unwrap_or(p.len());
    String::from_utf8(p[..end].to_vec())
        .map_err(|e| format!("{what}: {e}").into())
}

/// Parses every attribute of a nested or top-level attribute area.
pub(crate) fn parse_all<A>(buf: &[u8]) -> Result<Vec<A>, DecodeError>
where
    A: for<'a> Parseable<NlaBuffer<&'a [u8]>>,
{
    NlasIterator::new(buf).map(|nla| A::parse(&nla?)).collect()
}

/// The length of a list of attributes, padding included.
pub(crate) fn list_len<A: netlink_packet_core::Nla>(attrs: &[A]) -> usize {
    netlink_packet_core::Emitable::buffer_len(&attrs)
}

/// Emits a list of attributes.
pub(crate) fn list_emit<A: netlink_packet_core::Nla>(
    attrs: &[A],
    buf: &mut [u8],
) {
    netlink_packet_core::Emitable::emit(&attrs, buf);
}

#[cfg(test)]
#[path = "nla_tests.rs"]
mod tests;

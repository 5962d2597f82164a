//! Value types of a VRRP advert: units and families live in types.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{AUTH_AH, AUTH_NONE, AUTH_PASS};

/// VRRP protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub enum Version {
    /// VRRPv2, RFC 3768 (IPv4; keepalived also sends it over IPv6).
    V2,
    /// VRRPv3, RFC 5798 / RFC 9568.
    V3,
}

impl Version {
    /// The version nibble.
    pub const fn as_u8(self) -> u8 {
        match self {
            Self::V2 => 2,
            Self::V3 => 3,
        }
    }

    /// The version for a nibble, if it is 2 or 3.
    pub const fn from_u8(v: u8) -> Option<Self> {
        match v {
            2 => Some(Self::V2),
            3 => Some(Self::V3),
            _ => None,
        }
    }
}

/// The advert interval as carried on the wire. Never a bare `u16`: v2
/// counts whole seconds in 8 bits (RFC 3768 §5.3.7), v3 centiseconds in
/// 12 bits (RFC 5798 §5.2.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub enum AdverInt {
    /// VRRPv2: seconds.
    Secs(u8),
    /// VRRPv3: centiseconds; only the low 12 bits go on the wire.
    Centis(u16),
}

impl AdverInt {
    /// Largest VRRPv3 interval, 40.95 s.
    pub const MAX_CENTIS: u16 = 0x0fff;

    /// The interval as a duration.
    pub const fn as_duration(self) -> Duration {
        match self {
            Self::Secs(s) => Duration::from_secs(s as u64),
            Self::Centis(c) => Duration::from_millis(c as u64 * 10),
        }
    }

    /// Value for the v2 field: whole seconds, saturating (keepalived
    /// `adver_int / TIMER_HZ`).
    pub const fn wire_secs(self) -> u8 {
        match self {
            Self::Secs(s) => s,
            Self::Centis(c) => {
                let s = c / 100;
                if s > 255 { 255 } else { s as u8 }
            }
        }
    }

    /// Value for the v3 field: centiseconds masked to 12 bits
    /// (keepalived `(adver_int / TIMER_CENTI_HZ) & 0x0FFF`).
    pub const fn wire_centis(self) -> u16 {
        match self {
            Self::Secs(s) => (s as u16 * 100) & Self::MAX_CENTIS,
            Self::Centis(c) => c & Self::MAX_CENTIS,
        }
    }
}

impl fmt::Display for AdverInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Secs(s) => write!(f, "{s}s"),
            Self::Centis(c) => write!(f, "{c}cs"),
        }
    }
}

/// The address family of an instance and of its advert's address list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub enum AddressFamily {
    /// IPv4.
    Ipv4,
    /// IPv6.
    Ipv6,
}

impl AddressFamily {
    /// Octets per address.
    pub const fn addr_len(self) -> usize {
        match self {
            Self::Ipv4 => 4,
            Self::Ipv6 => 16,
        }
    }
}

/// The advert's address list, of one family only.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub enum AddrList {
    /// IPv4 virtual addresses.
    V4(Vec<Ipv4Addr>),
    /// IPv6 virtual addresses.
    V6(Vec<Ipv6Addr>),
}

impl AddrList {
    /// The family.
    pub const fn family(&self) -> AddressFamily {
        match self {
            Self::V4(_) => AddressFamily::Ipv4,
            Self::V6(_) => AddressFamily::Ipv6,
        }
    }

    /// Number of addresses.
    pub fn len(&self) -> usize {
        match self {
            Self::V4(v) => v.len(),
            Self::V6(v) => v.len(),
        }
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Count written on the wire: at most 255 (the field is 8 bits; emit
    /// writes only the first 255).
    pub fn wire_count(&self) -> u8 {
        self.len().min(255) as u8
    }

    /// The addresses as `IpAddr`s.
    pub fn iter(&self) -> impl Iterator<Item = IpAddr> + '_ {
        let (a, b) = match self {
            Self::V4(v) => (Some(v.iter().map(|a| IpAddr::V4(*a))), None),
            Self::V6(v) => (None, Some(v.iter().map(|a| IpAddr::V6(*a)))),
        };
        a.into_iter().flatten().chain(b.into_iter().flatten())
    }

    /// Parses `count` addresses of `af` from `bytes` (exactly long enough).
    pub(super) fn from_bytes(af: AddressFamily, bytes: &[u8]) -> Self {
        match af {
            AddressFamily::Ipv4 => Self::V4(
                bytes
                    .chunks_exact(4)
                    .map(|c| Ipv4Addr::new(c[0], c[1], c[2], c[3]))
                    .collect(),
            ),
            AddressFamily::Ipv6 => Self::V6(
                bytes
                    .chunks_exact(16)
                    .map(|c| {
                        let mut o = [0u8; 16];
                        o.copy_from_slice(c);
                        Ipv6Addr::from(o)
                    })
                    .collect(),
            ),
        }
    }

    /// Writes the first [`Self::wire_count`] addresses into `out`.
    pub(super) fn write(&self, out: &mut [u8]) {
        let n = usize::from(self.wire_count());
        match self {
            Self::V4(v) => {
                for (c, a) in out.chunks_exact_mut(4).zip(&v[..n]) {
                    c.copy_from_slice(&a.octets());
                }
            }
            Self::V6(v) => {
                for (c, a) in out.chunks_exact_mut(16).zip(&v[..n]) {
                    c.copy_from_slice(&a.octets());
                }
            }
        }
    }
}

/// VRRPv2 authentication (RFC 2338 §5.3.6; removed by RFC 3768 but still
/// sent by keepalived). Always [`Auth::None`] for VRRPv3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub enum Auth {
    /// Auth type 0; the 8 data octets are zero on send, ignored on receive
    /// (RFC 3768 §5.3.10).
    None,
    /// Auth type 1: the 8-octet password, zero padded.
    Pass([u8; 8]),
    /// Auth type 2: IPsec AH outside the VRRP message (see [`crate::ah`]);
    /// the 8 data octets are zero.
    Ah,
}

impl Auth {
    /// The auth type code.
    pub const fn type_code(&self) -> u8 {
        match self {
            Self::None => AUTH_NONE,
            Self::Pass(_) => AUTH_PASS,
            Self::Ah => AUTH_AH,
        }
    }

    /// keepalived compat: `auth_pass` is truncated to 8 octets and zero
    /// padded (`vrrp_parser.c` copies at most `sizeof auth_data`).
    pub fn pass(password: &[u8]) -> Self {
        Self::Pass(key8(password))
    }
}

/// The 8-octet key keepalived derives from `auth_pass`: truncated and zero
/// padded. Used as the PASS data and as the AH HMAC key.
pub fn key8(password: &[u8]) -> [u8; 8] {
    let mut k = [0u8; 8];
    let n = password.len().min(8);
    k[..n].copy_from_slice(&password[..n]);
    k
}

/// Source and destination of the IP packet carrying the advert: the VRRP
/// checksum's pseudo-header needs them, and they fix the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub enum Endpoints {
    /// IPv4 (from the IPv4 header).
    V4 {
        /// Source address.
        src: Ipv4Addr,
        /// Destination address (group or unicast peer).
        dst: Ipv4Addr,
    },
    /// IPv6 (from `IPV6_PKTINFO` and the peer address).
    V6 {
        /// Source address.
        src: Ipv6Addr,
        /// Destination address.
        dst: Ipv6Addr,
    },
}

impl Endpoints {
    /// The family.
    pub const fn family(&self) -> AddressFamily {
        match self {
            Self::V4 { .. } => AddressFamily::Ipv4,
            Self::V6 { .. } => AddressFamily::Ipv6,
        }
    }

    /// The source address.
    pub const fn src(&self) -> IpAddr {
        match self {
            Self::V4 { src, .. } => IpAddr::V4(*src),
            Self::V6 { src, .. } => IpAddr::V6(*src),
        }
    }

    /// The destination address.
    pub const fn dst(&self) -> IpAddr {
        match self {
            Self::V4 { dst, .. } => IpAddr::V4(*dst),
            Self::V6 { dst, .. } => IpAddr::V6(*dst),
        }
    }
}

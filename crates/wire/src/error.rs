//! Why a packet was refused.
//!
//! [`DecodeError`] has one variant per counter keepalived keeps for a bad
//! advert (`vrrp_check_packet`, RFC 6527 `vrrpv3StatisticsTable` and the
//! RFC 2787 v2 MIB), so the engine can count and rate-limit by reason.
//! [`FrameError`] covers the ARP and Neighbour Advertisement frames, which
//! keepalived only sends; we parse them for tests and the virtual LAN.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::vrrp::AdverInt;

/// A VRRP advert (with its IPv4 and AH headers) that must not reach the
/// state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub enum DecodeError {
    /// Fewer octets than the fixed headers need (keepalived:
    /// `vrrp_get_header` "packet too short"; RFC 6527
    /// `vrrpv3StatisticsPacketLengthErrors`).
    Truncated {
        /// Octets received.
        len: usize,
        /// Octets the fixed headers need.
        need: usize,
    },
    /// The received length is not the one the address count (or the IPv4
    /// total length) implies (keepalived `packet_len_err`, RFC 6527
    /// `vrrpv3StatisticsPacketLengthErrors`).
    Length {
        /// Octets the headers say the packet has.
        expected: usize,
        /// Octets received.
        received: usize,
    },
    /// An IPv4 packet whose header is malformed: version not 4, IHL below
    /// 5, or a bad header checksum (the kernel drops these before a raw
    /// socket sees them; we check for packets from other sources).
    IpHeader,
    /// An IP protocol other than VRRP (112) or AH (51).
    Protocol(u8),
    /// TTL / hop limit not 255 on a multicast advert (RFC 5798 §7.1;
    /// keepalived `ip_ttl_err`, RFC 6527 `vrrpv3StatisticsIpTtlErrors`).
    Ttl(u8),
    /// VRRP version not 2 or 3, or not the configured one (keepalived
    /// `vers_err`, RFC 6527 `vrrpv3StatisticsVersionErrors`).
    Version(u8),
    /// VRRP packet type not ADVERTISEMENT (keepalived
    /// `invalid_type_rcvd`, RFC 6527 `vrrpv3StatisticsRcvdInvalidType`).
    Type(u8),
    /// VRRPv2 auth type not 0, 1 or 2 (keepalived `invalid_authtype`,
    /// RFC 2787 `vrrpStatsInvalidAuthType`).
    AuthType(u8),
    /// VRRPv2 auth type (or AH presence) differs from the configured one
    /// (keepalived `authtype_mismatch`, RFC 2787
    /// `vrrpStatsAuthTypeMismatch`).
    AuthTypeMismatch {
        /// Auth type received.
        received: u8,
        /// Auth type configured.
        expected: u8,
    },
    /// Wrong password or AH ICV/SPI (keepalived `auth_failure`, RFC 2787
    /// `vrrpStatsAuthFailures`).
    AuthFailure,
    /// VRRPv2 advert interval differs from ours (RFC 3768 §7.1; keepalived
    /// drops it silently rather than counting it, RFC 2787
    /// `vrrpStatsAdvertisementIntervalErrors`).
    AdverInt {
        /// Interval received.
        received: AdverInt,
        /// Interval configured.
        expected: AdverInt,
    },
    /// Address count differs from the configured one (keepalived
    /// `addr_list_err`, RFC 6527 `vrrpv3StatisticsAddressListErrors`).
    AddrList {
        /// Count received.
        received: u8,
        /// Count configured.
        expected: u8,
    },
    /// VRRP checksum does not verify (keepalived `chk_err`, RFC 6527
    /// `vrrpv3StatisticsChecksumErrors`).
    Checksum {
        /// Checksum field received.
        received: u16,
    },
    /// An AH header protecting something other than VRRP (keepalived
    /// drops it without counting).
    AhNextHeader(u8),
}

impl DecodeError {
    /// True where keepalived returns `VRRP_PACKET_DROP` ("not relevant to
    /// us", nothing counted) rather than `VRRP_PACKET_KO`.
    pub const fn is_silent_drop(&self) -> bool {
        matches!(self, Self::AdverInt { .. } | Self::AhNextHeader(_))
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { len, need } => {
                write!(f, "packet too short: {len} bytes, need {need}")
            }
            Self::Length { expected, received } => write!(
                f,
                "packet length {received} does not match expected {expected}"
            ),
            Self::IpHeader => f.write_str("malformed ipv4 header"),
            Self::Protocol(p) => write!(f, "unexpected ip protocol {p}"),
            Self::Ttl(t) => write!(f, "ttl/hop limit {t}, expected 255"),
            Self::Version(v) => write!(f, "wrong vrrp version {v}"),
            Self::Type(t) => write!(f, "invalid packet type {t}"),
            Self::AuthType(t) => write!(f, "invalid auth type {t}"),
            Self::AuthTypeMismatch { received, expected } => write!(
                f,
                "auth type mismatch: received {received}, expected {expected}"
            ),
            Self::AuthFailure => f.write_str("authentication failure"),
            Self::AdverInt { received, expected } => write!(
                f,
                "advertisement interval mismatch: received {received}, \
                 expected {expected}"
            ),
            Self::AddrList { received, expected } => {
                write!(f, "address count {received}, expected {expected}")
            }
            Self::Checksum { received } => {
                write!(f, "bad checksum {received:#06x}")
            }
            Self::AhNextHeader(n) => {
                write!(f, "ah header for protocol {n}, not vrrp")
            }
        }
    }
}

impl std::error::Error for DecodeError {}

/// A gratuitous ARP or Neighbour Advertisement frame we cannot use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub enum FrameError {
    /// Fewer octets than the headers need.
    Truncated {
        /// Octets received.
        len: usize,
        /// Octets needed.
        need: usize,
    },
    /// An Ethernet type other than the one expected.
    EtherType(u16),
    /// ARP for something other than Ethernet/IPv4 (htype 1, ptype 0x0800,
    /// hlen 6, plen 4).
    ArpFormat,
    /// IPv6 header malformed (version not 6, length beyond the frame) or
    /// next header not ICMPv6.
    Ipv6Header,
    /// Hop limit not 255 (RFC 4861 §7.1.2).
    HopLimit(u8),
    /// ICMPv6 type/code not Neighbour Advertisement (136/0).
    IcmpType(u8, u8),
    /// ICMPv6 checksum does not verify.
    Checksum,
    /// An ND option of length zero (RFC 4861 §4.6: discard the packet).
    BadOption,
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { len, need } => {
                write!(f, "frame too short: {len} bytes, need {need}")
            }
            Self::EtherType(t) => write!(f, "unexpected ethertype {t:#06x}"),
            Self::ArpFormat => f.write_str("arp not for ethernet/ipv4"),
            Self::Ipv6Header => f.write_str("malformed ipv6 header"),
            Self::HopLimit(h) => write!(f, "hop limit {h}, expected 255"),
            Self::IcmpType(t, c) => {
                write!(f, "icmpv6 type {t} code {c}, expected 136/0")
            }
            Self::Checksum => f.write_str("bad icmpv6 checksum"),
            Self::BadOption => f.write_str("nd option of length zero"),
        }
    }
}

impl std::error::Error for FrameError {}

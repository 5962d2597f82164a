//! Wire formats for keepalived-rs: VRRPv2/v3 adverts, the IPv4 and IPv6
//! headers around them, keepalived's IPsec-AH, gratuitous ARP,
//! unsolicited Neighbour Advertisements and BFD control packets.
//!
//! Every protocol has two layers, as in smoltcp:
//!
//! * a `Packet<T: AsRef<[u8]>>` view with field accessors. If
//!   `Packet::new_checked` (or `check_len`) succeeded, no accessor or
//!   setter panics;
//! * a `Repr`, produced by a total `parse` (it never panics, whatever the
//!   bytes) and consumed by `emit`, which never panics when the buffer is
//!   at least `Repr::buffer_len()` octets long and never allocates.
//!
//! `emit(parse(x)) == x` holds for canonical packets (reserved bits zero,
//! no IPv4 options, fields as keepalived sends them); the property tests
//! check it for every mode.
//!
//! The crate does no I/O: the socket drivers hand it bytes and the
//! addresses/TTL they learnt from ancillary data, and the VRRP engine gets
//! typed [`vrrp::Repr`]s or a [`DecodeError`] naming the RFC 6527 counter
//! to bump.
#![warn(missing_docs)]

pub mod advert;
pub mod ah;
pub mod arp;
pub mod bfd;
pub mod checksum;
mod error;
pub mod ethernet;
pub mod ipv4;
pub mod ipv6;
pub mod ndisc;
pub mod vrrp;

pub use error::{DecodeError, FrameError};

/// IANA protocol number of VRRP (RFC 5798 §5.1.1.4, RFC 3768 §5.2.4).
pub const IPPROTO_VRRP: u8 = 112;
/// IANA protocol number of the IPsec Authentication Header (RFC 4302).
pub const IPPROTO_AH: u8 = 51;
/// IANA protocol number of ICMPv6 (RFC 4443).
pub const IPPROTO_ICMPV6: u8 = 58;
/// The TTL / hop limit VRRP sends and, for multicast, requires
/// (RFC 5798 §5.1.1.3 and §7.1, RFC 3768 §5.2.3).
pub const VRRP_TTL: u8 = 255;

//! Ethernet II framing (IEEE 802.3 §3.1.1) for the frames keepalived
//! sends on `PF_PACKET` sockets: gratuitous ARP and unsolicited NA.
//!
//! ```text
//! +-----------------+-----------------+-----------+-------------
//! | destination (6) |   source (6)    | type (2)  | payload ...
//! +-----------------+-----------------+-----------+-------------
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::FrameError;

/// Length of an Ethernet II header (no VLAN tag).
pub const HEADER_LEN: usize = 14;
/// EtherType of IPv4.
pub const ETHERTYPE_IPV4: u16 = 0x0800;
/// EtherType of ARP.
pub const ETHERTYPE_ARP: u16 = 0x0806;
/// EtherType of IPv6.
pub const ETHERTYPE_IPV6: u16 = 0x86dd;

/// A 48-bit MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[derive(Serialize, Deserialize)]
pub struct EthernetAddress(pub [u8; 6]);

impl EthernetAddress {
    /// ff:ff:ff:ff:ff:ff.
    pub const BROADCAST: Self = Self([0xff; 6]);

    /// The VRRP virtual MAC 00-00-5E-00-01-{VRID} (RFC 5798 §7.3); IPv6
    /// uses 00-00-5E-00-02-{VRID}.
    pub const fn vrrp_vmac(vrid: u8, ipv6: bool) -> Self {
        Self([0, 0, 0x5e, 0, if ipv6 { 2 } else { 1 }, vrid])
    }

    /// The multicast MAC an IPv6 multicast group maps to (RFC 2464 §7).
    pub const fn ipv6_multicast(group: std::net::Ipv6Addr) -> Self {
        let o = group.octets();
        Self([0x33, 0x33, o[12], o[13], o[14], o[15]])
    }
}

impl fmt::Display for EthernetAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

/// A parsed Ethernet II header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub struct Repr {
    /// Destination MAC.
    pub dst: EthernetAddress,
    /// Source MAC.
    pub src: EthernetAddress,
    /// EtherType.
    pub ethertype: u16,
}

impl Repr {
    /// Parses the header; returns it and the payload.
    pub fn parse(frame: &[u8]) -> Result<(Self, &[u8]), FrameError> {
        let Some((hdr, payload)) = frame.split_first_chunk::<HEADER_LEN>()
        else {
            return Err(FrameError::Truncated {
                len: frame.len(),
                need: HEADER_LEN,
            });
        };
        let mut dst = [0u8; 6];
        let mut src = [0u8; 6];
        dst.copy_from_slice(&hdr[0..6]);
        src.copy_from_slice(&hdr[6..12]);
        let ethertype = u16::from_be_bytes([hdr[12], hdr[13]]);
        let repr = Self {
            dst: EthernetAddress(dst),
            src: EthernetAddress(src),
            ethertype,
        };
        Ok((repr, payload))
    }

    /// Writes the header into the first 14 octets of `buf`, which must be
    /// at least [`HEADER_LEN`] long.
    pub fn emit(&self, buf: &mut [u8]) {
        buf[0..6].copy_from_slice(&self.dst.0);
        buf[6..12].copy_from_slice(&self.src.0);
        buf[12..14].copy_from_slice(&self.ethertype.to_be_bytes());
    }
}

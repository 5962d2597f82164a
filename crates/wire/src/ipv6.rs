//! The fixed IPv6 header (RFC 8200 §3). keepalived builds it only for
//! unsolicited Neighbour Advertisements (`vrrp_ndisc.c`); for VRRP the
//! kernel builds it and we get the fields from ancillary data, but the
//! test vectors carry whole IPv6 packets, so we parse it here too.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version| Traffic Class |           Flow Label                  |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |         Payload Length        |  Next Header  |   Hop Limit   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                   Source Address (16)                         |
//! |                   Destination Address (16)                    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use std::net::Ipv6Addr;

use serde::{Deserialize, Serialize};

use crate::FrameError;

/// Length of the fixed header.
pub const HEADER_LEN: usize = 40;

/// A parsed fixed IPv6 header. Extension headers are not followed: VRRP
/// and NA packets carry none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub struct Repr {
    /// Traffic class (keepalived adverts: 0xc0; NA: 0).
    pub traffic_class: u8,
    /// Flow label (20 bits).
    pub flow_label: u32,
    /// Payload length.
    pub payload_len: u16,
    /// Next header (112 VRRP, 58 ICMPv6).
    pub next_header: u8,
    /// Hop limit.
    pub hop_limit: u8,
    /// Source address.
    pub src: Ipv6Addr,
    /// Destination address.
    pub dst: Ipv6Addr,
}

fn addr(b: &[u8]) -> Ipv6Addr {
    let mut o = [0u8; 16];
    o.copy_from_slice(&b[..16]);
    Ipv6Addr::from(o)
}

impl Repr {
    /// Parses the header; returns it and the payload (payload length
    /// octets; trailing link-layer padding is dropped).
    pub fn parse(packet: &[u8]) -> Result<(Self, &[u8]), FrameError> {
        if packet.len() < HEADER_LEN {
            return Err(FrameError::Truncated {
                len: packet.len(),
                need: HEADER_LEN,
            });
        }
        if packet[0] >> 4 != 6 {
            return Err(FrameError::Ipv6Header);
        }
        let word =
            u32::from_be_bytes([packet[0], packet[1], packet[2], packet[3]]);
        let payload_len = u16::from_be_bytes([packet[4], packet[5]]);
        let end = HEADER_LEN + usize::from(payload_len);
        let Some(payload) = packet.get(HEADER_LEN..end) else {
            return Err(FrameError::Truncated {
                len: packet.len(),
                need: end,
            });
        };
        let repr = Self {
            traffic_class: (word >> 20) as u8,
            flow_label: word & 0x000f_ffff,
            payload_len,
            next_header: packet[6],
            hop_limit: packet[7],
            src: addr(&packet[8..24]),
            dst: addr(&packet[24..40]),
        };
        Ok((repr, payload))
    }

    /// Header length emitted.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header into the first 40 octets of `buf`.
    pub fn emit(&self, buf: &mut [u8]) {
        let word = (6u32 << 28)
            | (u32::from(self.traffic_class) << 20)
            | (self.flow_label & 0x000f_ffff);
        buf[0..4].copy_from_slice(&word.to_be_bytes());
        buf[4..6].copy_from_slice(&self.payload_len.to_be_bytes());
        buf[6] = self.next_header;
        buf[7] = self.hop_limit;
        buf[8..24].copy_from_slice(&self.src.octets());
        buf[24..40].copy_from_slice(&self.dst.octets());
    }
}

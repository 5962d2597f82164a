//! ARP over Ethernet/IPv4 (RFC 826) and the gratuitous ARP keepalived
//! sends for each IPv4 VIP (`vrrp_arp.c: send_gratuitous_arp_immediate`).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |      Hardware Type (1)        |     Protocol Type (0x0800)    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |   HLEN (6)    |   PLEN (4)    |          Operation            |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Sender HW address (6) | Sender IP (4) | Target HW (6) | Target IP (4)
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! keepalived compat: the gratuitous ARP is a *request* (not a reply),
//! broadcast at the Ethernet layer, with sender IP = target IP = the VIP,
//! sender MAC = the interface's (or VMAC's) MAC, and target MAC =
//! ff:ff:ff:ff:ff:ff (the interface's broadcast address; RFC 5227 §3
//! would use zeros). 42 octets; the NIC pads to 60. IPoIB framing is not
//! supported here.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use crate::FrameError;
use crate::ethernet::{self, ETHERTYPE_ARP, ETHERTYPE_IPV4, EthernetAddress};

/// Length of an Ethernet/IPv4 ARP packet.
pub const PACKET_LEN: usize = 28;
/// Length of a gratuitous ARP frame as keepalived sends it.
pub const GARP_FRAME_LEN: usize = ethernet::HEADER_LEN + PACKET_LEN;
/// ARP hardware type Ethernet (`ARPHRD_ETHER`).
pub const HTYPE_ETHERNET: u16 = 1;

mod field {
    use std::ops::Range;
    pub(super) const HTYPE: Range<usize> = 0..2;
    pub(super) const PTYPE: Range<usize> = 2..4;
    pub(super) const HLEN: usize = 4;
    pub(super) const PLEN: usize = 5;
    pub(super) const OPER: Range<usize> = 6..8;
    pub(super) const SHA: Range<usize> = 8..14;
    pub(super) const SPA: Range<usize> = 14..18;
    pub(super) const THA: Range<usize> = 18..24;
    pub(super) const TPA: Range<usize> = 24..28;
}

/// ARP operation; unknown codes round-trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub enum Operation {
    /// 1.
    Request,
    /// 2.
    Reply,
    /// Anything else.
    Unknown(u16),
}

impl Operation {
    const fn from_u16(v: u16) -> Self {
        match v {
            1 => Self::Request,
            2 => Self::Reply,
            o => Self::Unknown(o),
        }
    }

    const fn as_u16(self) -> u16 {
        match self {
            Self::Request => 1,
            Self::Reply => 2,
            Self::Unknown(o) => o,
        }
    }
}

/// A parsed Ethernet/IPv4 ARP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub struct Repr {
    /// Operation.
    pub operation: Operation,
    /// Sender hardware address.
    pub source_hw: EthernetAddress,
    /// Sender protocol address.
    pub source_ip: Ipv4Addr,
    /// Target hardware address.
    pub target_hw: EthernetAddress,
    /// Target protocol address.
    pub target_ip: Ipv4Addr,
}

fn mac(b: &[u8]) -> EthernetAddress {
    let mut m = [0u8; 6];
    m.copy_from_slice(b);
    EthernetAddress(m)
}

fn ip4(b: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(b[0], b[1], b[2], b[3])
}

impl Repr {
    /// The gratuitous ARP keepalived sends for `vip` from `mac`.
    pub const fn gratuitous(mac: EthernetAddress, vip: Ipv4Addr) -> Self {
        Self {
            operation: Operation::Request,
            source_hw: mac,
            source_ip: vip,
            target_hw: EthernetAddress::BROADCAST,
            target_ip: vip,
        }
    }

    /// True for a gratuitous ARP (RFC 5227 §3: sender IP = target IP).
    pub fn is_gratuitous(&self) -> bool {
        self.source_ip == self.target_ip
    }

    /// Parses an ARP packet (no Ethernet header); trailing padding is
    /// ignored.
    pub fn parse(b: &[u8]) -> Result<Self, FrameError> {
        if b.len() < PACKET_LEN {
            return Err(FrameError::Truncated {
                len: b.len(),
                need: PACKET_LEN,
            });
        }
        let u16_at = |r: std::ops::Range<usize>| {
            u16::from_be_bytes([b[r.start], b[r.start + 1]])
        };
        if u16_at(field::HTYPE) != HTYPE_ETHERNET
            || u16_at(field::PTYPE) != ETHERTYPE_IPV4
            || b[field::HLEN] != 6
            || b[field::PLEN] != 4
        {
            return Err(FrameError::ArpFormat);
        }
        Ok(Self {
            operation: Operation::from_u16(u16_at(field::OPER)),
            source_hw: mac(&b[field::SHA]),
            source_ip: ip4(&b[field::SPA]),
            target_hw: mac(&b[field::THA]),
            target_ip: ip4(&b[field::TPA]),
        })
    }

    /// Octets emitted.
    pub const fn buffer_len(&self) -> usize {
        PACKET_LEN
    }

    /// Writes the packet into the first 28 octets of `b`.
    pub fn emit(&self, b: &mut [u8]) {
        b[field::HTYPE].copy_from_slice(&HTYPE_ETHERNET.to_be_bytes());
        b[field::PTYPE].copy_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
        b[field::HLEN] = 6;
        b[field::PLEN] = 4;
        b[field::OPER].copy_from_slice(&self.operation.as_u16().to_be_bytes());
        b[field::SHA].copy_from_slice(&self.source_hw.0);
        b[field::SPA].copy_from_slice(&self.source_ip.octets());
        b[field::THA].copy_from_slice(&self.target_hw.0);
        b[field::TPA].copy_from_slice(&self.target_ip.octets());
    }
}

/// Builds keepalived's gratuitous ARP frame for `vip`: Ethernet broadcast
/// from `mac`, then [`Repr::gratuitous`].
pub fn garp_frame(mac: EthernetAddress, vip: Ipv4Addr) -> [u8; GARP_FRAME_LEN] {
    let mut f = [0u8; GARP_FRAME_LEN];
    let eth = ethernet::Repr {
        dst: EthernetAddress::BROADCAST,
        src: mac,
        ethertype: ETHERTYPE_ARP,
    };
    eth.emit(&mut f);
    Repr::gratuitous(mac, vip).emit(&mut f[ethernet::HEADER_LEN..]);
    f
}

/// Parses an Ethernet frame carrying ARP.
pub fn parse_frame(frame: &[u8]) -> Result<(ethernet::Repr, Repr), FrameError> {
    let (eth, payload) = ethernet::Repr::parse(frame)?;
    if eth.ethertype != ETHERTYPE_ARP {
        return Err(FrameError::EtherType(eth.ethertype));
    }
    Ok((eth, Repr::parse(payload)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garp_bytes_match_keepalived_layout() {
        let m = EthernetAddress([0x96, 0x31, 0x0f, 0x91, 0x67, 0x81]);
        let vip = Ipv4Addr::new(192, 0, 2, 100);
        let f = garp_frame(m, vip);
        #[rustfmt::skip]
        let want: [u8; 42] = [
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // broadcast
            0x96, 0x31, 0x0f, 0x91, 0x67, 0x81, // interface MAC
            0x08, 0x06,                         // ARP
            0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01, // Ethernet/IPv4, request
            0x96, 0x31, 0x0f, 0x91, 0x67, 0x81, 192, 0, 2, 100, // sender
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 192, 0, 2, 100, // target
        ];
        assert_eq!(f, want);
        let (eth, arp) = parse_frame(&f).unwrap();
        assert_eq!(eth.dst, EthernetAddress::BROADCAST);
        assert_eq!(arp, Repr::gratuitous(m, vip));
        assert!(arp.is_gratuitous());
    }

    #[test]
    fn padded_frame_parses_and_errors_are_typed() {
        let mut f = garp_frame(
            EthernetAddress::vrrp_vmac(51, false),
            [10, 0, 0, 1].into(),
        )
        .to_vec();
        f.resize(60, 0);
        assert!(parse_frame(&f).is_ok());
        assert!(matches!(
            parse_frame(&f[..20]),
            Err(FrameError::Truncated { .. })
        ));
        f[15] = 6; // htype 6
        assert_eq!(parse_frame(&f), Err(FrameError::ArpFormat));
        f[12] = 0x86;
        assert!(matches!(parse_frame(&f), Err(FrameError::EtherType(_))));
    }
}

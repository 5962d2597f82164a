//! ICMPv6 Neighbour Advertisement (RFC 4861 §4.4) and the unsolicited NA
//! keepalived sends for each IPv6 VIP (`vrrp_ndisc.c:
//! ndisc_send_unsolicited_na_immediate`, RFC 4861 §7.2.6).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     Type      |     Code      |          Checksum             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |R|S|O|                     Reserved                            |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                       Target Address (16)                     |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Type = 2     |  Length = 1   |  Target Link-Layer Address (6)
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! keepalived compat: Ethernet dst 33:33:00:00:00:01, src = interface (or
//! VMAC) MAC; IPv6 traffic class 0, flow 0, hop limit 255, **source = the
//! VIP itself**, destination ff02::1; flags Override, plus Router when
//! forwarding is on for the interface, never Solicited (RFC 4861 §7.2.6);
//! one Target Link-Layer Address option.

use std::net::Ipv6Addr;

use serde::{Deserialize, Serialize};

use crate::checksum::{accumulate, finish, pseudo_header_v6};
use crate::ethernet::{self, ETHERTYPE_IPV6, EthernetAddress};
use crate::{FrameError, IPPROTO_ICMPV6, ipv6};

/// ICMPv6 type of a Neighbour Advertisement.
pub const TYPE_NEIGHBOR_ADVERT: u8 = 136;
/// ND option type Target Link-Layer Address (RFC 4861 §4.6.1).
pub const OPT_TARGET_LLADDR: u8 = 2;
/// Length of an NA without options.
pub const NA_LEN: usize = 24;
/// The all-nodes group, ff02::1.
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
/// Hop limit of ND messages (RFC 4861 §7.1.2).
pub const HOP_LIMIT: u8 = 255;
/// Length of the NA keepalived sends (header, target, TLLA option).
pub const KEEPALIVED_NA_LEN: usize = NA_LEN + 8;
/// Length of the whole frame keepalived sends.
pub const FRAME_LEN: usize =
    ethernet::HEADER_LEN + ipv6::HEADER_LEN + KEEPALIVED_NA_LEN;

mod field {
    use std::ops::Range;
    pub(super) const TYPE: usize = 0;
    pub(super) const CODE: usize = 1;
    pub(super) const CHECKSUM: Range<usize> = 2..4;
    pub(super) const FLAGS: usize = 4;
    pub(super) const RESERVED: Range<usize> = 5..8;
    pub(super) const TARGET: Range<usize> = 8..24;
    pub(super) const OPTIONS: usize = 24;
}

/// NA flags (RFC 4861 §4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[derive(Serialize, Deserialize)]
pub struct NaFlags {
    /// R: the sender is a router.
    pub router: bool,
    /// S: sent in response to a solicitation.
    pub solicited: bool,
    /// O: override an existing cache entry.
    pub override_entry: bool,
}

impl NaFlags {
    const fn to_u8(self) -> u8 {
        (self.router as u8) << 7
            | (self.solicited as u8) << 6
            | (self.override_entry as u8) << 5
    }

    const fn from_u8(b: u8) -> Self {
        Self {
            router: b & 0x80 != 0,
            solicited: b & 0x40 != 0,
            override_entry: b & 0x20 != 0,
        }
    }
}

/// A parsed Neighbour Advertisement (the ICMPv6 message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub struct Repr {
    /// R/S/O flags.
    pub flags: NaFlags,
    /// Target address (the VIP).
    pub target: Ipv6Addr,
    /// The Target Link-Layer Address option, if present.
    pub target_lladdr: Option<EthernetAddress>,
}

impl Repr {
    /// The unsolicited NA keepalived sends for `vip` from `mac`; `router`
    /// when IPv6 forwarding is enabled on the interface.
    pub const fn unsolicited(
        mac: EthernetAddress,
        vip: Ipv6Addr,
        router: bool,
    ) -> Self {
        Self {
            flags: NaFlags {
                router,
                solicited: false,
                override_entry: true,
            },
            target: vip,
            target_lladdr: Some(mac),
        }
    }

    /// Parses an ICMPv6 NA message (as a raw ICMPv6 socket returns it).
    /// `verify` checks the checksum over the RFC 8200 §8.1 pseudo-header
    /// for `src`/`dst`; raw ICMPv6 sockets have already done so.
    pub fn parse(
        b: &[u8],
        src: Ipv6Addr,
        dst: Ipv6Addr,
        verify: bool,
    ) -> Result<Self, FrameError> {
        if b.len() < NA_LEN {
            return Err(FrameError::Truncated {
                len: b.len(),
                need: NA_LEN,
            });
        }
        if b[field::TYPE] != TYPE_NEIGHBOR_ADVERT || b[field::CODE] != 0 {
            return Err(FrameError::IcmpType(b[field::TYPE], b[field::CODE]));
        }
        if verify && icmp_sum(b, src, dst) != 0 {
            return Err(FrameError::Checksum);
        }
        let mut t = [0u8; 16];
        t.copy_from_slice(&b[field::TARGET]);
        Ok(Self {
            flags: NaFlags::from_u8(b[field::FLAGS]),
            target: Ipv6Addr::from(t),
            target_lladdr: find_tlla(&b[field::OPTIONS..])?,
        })
    }

    /// Octets emitted: 24, plus 8 with the option.
    pub const fn buffer_len(&self) -> usize {
        match self.target_lladdr {
            Some(_) => NA_LEN + 8,
            None => NA_LEN,
        }
    }

    /// Writes the message and its checksum for `src`/`dst` into the first
    /// [`Self::buffer_len`] octets of `b`.
    pub fn emit(&self, b: &mut [u8], src: Ipv6Addr, dst: Ipv6Addr) {
        let len = self.buffer_len();
        let b = &mut b[..len];
        b[field::TYPE] = TYPE_NEIGHBOR_ADVERT;
        b[field::CODE] = 0;
        b[field::CHECKSUM].fill(0);
        b[field::FLAGS] = self.flags.to_u8();
        b[field::RESERVED].fill(0);
        b[field::TARGET].copy_from_slice(&self.target.octets());
        if let Some(mac) = self.target_lladdr {
            b[24] = OPT_TARGET_LLADDR;
            b[25] = 1; // units of 8 octets
            b[26..32].copy_from_slice(&mac.0);
        }
        let c = icmp_sum(b, src, dst);
        b[field::CHECKSUM].copy_from_slice(&c.to_be_bytes());
    }
}

/// The ICMPv6 checksum of `msg` (field included: 0 means it verifies).
fn icmp_sum(msg: &[u8], src: Ipv6Addr, dst: Ipv6Addr) -> u16 {
    let acc = pseudo_header_v6(src, dst, IPPROTO_ICMPV6, msg.len() as u32);
    finish(accumulate(acc, msg))
}

/// Walks ND options (RFC 4861 §4.6) for an Ethernet TLLA; unknown options
/// are skipped, a zero length discards the packet.
fn find_tlla(mut opts: &[u8]) -> Result<Option<EthernetAddress>, FrameError> {
    let mut found = None;
    while let [kind, len, ..] = *opts {
        let n = usize::from(len) * 8;
        if n == 0 {
            return Err(FrameError::BadOption);
        }
        let Some(opt) = opts.get(..n) else {
            return Err(FrameError::Truncated {
                len: opts.len(),
                need: n,
            });
        };
        if kind == OPT_TARGET_LLADDR && n == 8 && found.is_none() {
            let mut m = [0u8; 6];
            m.copy_from_slice(&opt[2..8]);
            found = Some(EthernetAddress(m));
        }
        opts = &opts[n..];
    }
    Ok(found)
}

/// Builds keepalived's unsolicited NA frame for `vip` from `mac`.
pub fn unsolicited_na_frame(
    mac: EthernetAddress,
    vip: Ipv6Addr,
    router: bool,
) -> [u8; FRAME_LEN] {
    let mut f = [0u8; FRAME_LEN];
    ethernet::Repr {
        dst: EthernetAddress::ipv6_multicast(ALL_NODES),
        src: mac,
        ethertype: ETHERTYPE_IPV6,
    }
    .emit(&mut f);
    let ip = ipv6::Repr {
        traffic_class: 0,
        flow_label: 0,
        payload_len: KEEPALIVED_NA_LEN as u16,
        next_header: IPPROTO_ICMPV6,
        hop_limit: HOP_LIMIT,
        src: vip,
        dst: ALL_NODES,
    };
    let off = ethernet::HEADER_LEN;
    ip.emit(&mut f[off..]);
    let na = Repr::unsolicited(mac, vip, router);
    na.emit(&mut f[off + ipv6::HEADER_LEN..], vip, ALL_NODES);
    f
}

/// Parses an Ethernet frame carrying an NA: Ethernet, IPv6 (next header
/// 58, hop limit 255 per RFC 4861 §7.1.2), then the checked NA.
pub fn parse_frame(
    frame: &[u8],
) -> Result<(ethernet::Repr, ipv6::Repr, Repr), FrameError> {
    let (eth, payload) = ethernet::Repr::parse(frame)?;
    if eth.ethertype != ETHERTYPE_IPV6 {
        return Err(FrameError::EtherType(eth.ethertype));
    }
    let (ip, body) = ipv6::Repr::parse(payload)?;
    if ip.next_header != IPPROTO_ICMPV6 {
        return Err(FrameError::Ipv6Header);
    }
    if ip.hop_limit != HOP_LIMIT {
        return Err(FrameError::HopLimit(ip.hop_limit));
    }
    let na = Repr::parse(body, ip.src, ip.dst, true)?;
    Ok((eth, ip, na))
}

#[cfg(test)]
mod tests;

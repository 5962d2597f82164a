//! The IPv4 header (RFC 791 §3.1), as keepalived builds it for adverts
//! (`vrrp_build_ip4`) and as raw sockets hand it to us.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version|  IHL  |Type of Service|          Total Length         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |         Identification        |Flags|      Fragment Offset    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Time to Live |    Protocol   |         Header Checksum       |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                       Source Address                          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Destination Address                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Options (IHL > 5)                          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use crate::DecodeError;
use crate::checksum;

/// Length of a header without options.
pub const HEADER_LEN: usize = 20;

/// keepalived compat: adverts carry TOS "internetwork control"
/// (`IPTOS_PREC_INTERNETCONTROL`, `vrrp_build_ip4`).
pub const TOS_INTERNETWORK_CONTROL: u8 = 0xc0;

mod field {
    use std::ops::Range;
    pub(super) const VER_IHL: usize = 0;
    pub(super) const TOS: usize = 1;
    pub(super) const LENGTH: Range<usize> = 2..4;
    pub(super) const IDENT: Range<usize> = 4..6;
    pub(super) const FLG_OFF: Range<usize> = 6..8;
    pub(super) const TTL: usize = 8;
    pub(super) const PROTOCOL: usize = 9;
    pub(super) const CHECKSUM: Range<usize> = 10..12;
    pub(super) const SRC: Range<usize> = 12..16;
    pub(super) const DST: Range<usize> = 16..20;
}

/// A read/write view of an IPv4 header and its payload.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer after [`Self::check_len`].
    pub fn new_checked(buffer: T) -> Result<Self, DecodeError> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks that the fixed header, the options IHL announces and the
    /// total length all fit in the buffer, so that no accessor panics.
    pub fn check_len(&self) -> Result<(), DecodeError> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(DecodeError::Truncated {
                len,
                need: HEADER_LEN,
            });
        }
        let hl = self.header_len();
        if hl < HEADER_LEN {
            return Err(DecodeError::IpHeader);
        }
        let total = usize::from(self.total_len());
        if len < hl || len < total {
            return Err(DecodeError::Truncated {
                len,
                need: hl.max(total),
            });
        }
        if total < hl {
            return Err(DecodeError::Length {
                expected: hl,
                received: total,
            });
        }
        Ok(())
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    fn u16_at(&self, r: std::ops::Range<usize>) -> u16 {
        let d = &self.b()[r];
        u16::from_be_bytes([d[0], d[1]])
    }

    /// Version field (4 for IPv4).
    pub fn version(&self) -> u8 {
        self.b()[field::VER_IHL] >> 4
    }

    /// Header length in octets (IHL × 4), options included.
    pub fn header_len(&self) -> usize {
        usize::from(self.b()[field::VER_IHL] & 0x0f) * 4
    }

    /// Type of service / DSCP+ECN octet.
    pub fn tos(&self) -> u8 {
        self.b()[field::TOS]
    }

    /// Total length of header and payload.
    pub fn total_len(&self) -> u16 {
        self.u16_at(field::LENGTH)
    }

    /// Identification.
    pub fn ident(&self) -> u16 {
        self.u16_at(field::IDENT)
    }

    /// Don't Fragment flag.
    pub fn dont_frag(&self) -> bool {
        self.u16_at(field::FLG_OFF) & 0x4000 != 0
    }

    /// More Fragments flag.
    pub fn more_frags(&self) -> bool {
        self.u16_at(field::FLG_OFF) & 0x2000 != 0
    }

    /// Fragment offset in 8-octet units.
    pub fn frag_offset(&self) -> u16 {
        self.u16_at(field::FLG_OFF) & 0x1fff
    }

    /// Time to live.
    pub fn ttl(&self) -> u8 {
        self.b()[field::TTL]
    }

    /// Protocol of the payload.
    pub fn protocol(&self) -> u8 {
        self.b()[field::PROTOCOL]
    }

    /// Header checksum field.
    pub fn checksum(&self) -> u16 {
        self.u16_at(field::CHECKSUM)
    }

    /// Source address.
    pub fn src_addr(&self) -> Ipv4Addr {
        let d = &self.b()[field::SRC];
        Ipv4Addr::new(d[0], d[1], d[2], d[3])
    }

    /// Destination address.
    pub fn dst_addr(&self) -> Ipv4Addr {
        let d = &self.b()[field::DST];
        Ipv4Addr::new(d[0], d[1], d[2], d[3])
    }

    /// True if the header checksum (options included) verifies.
    pub fn verify_checksum(&self) -> bool {
        checksum::checksum(&self.b()[..self.header_len()]) == 0
    }

    /// The header, options included.
    pub fn header(&self) -> &[u8] {
        &self.b()[..self.header_len()]
    }

    /// The payload: from the end of the options to the total length
    /// (anything after it is link-layer padding).
    pub fn payload(&self) -> &[u8] {
        &self.b()[self.header_len()..usize::from(self.total_len())]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    fn bm(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }

    fn set_u16(&mut self, r: std::ops::Range<usize>, v: u16) {
        self.bm()[r].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets version 4 and the header length (a multiple of 4).
    pub fn set_version_and_header_len(&mut self, header_len: usize) {
        self.bm()[field::VER_IHL] = 0x40 | ((header_len / 4) as u8 & 0x0f);
    }

    /// Sets the TOS octet.
    pub fn set_tos(&mut self, v: u8) {
        self.bm()[field::TOS] = v;
    }

    /// Sets the total length.
    pub fn set_total_len(&mut self, v: u16) {
        self.set_u16(field::LENGTH, v);
    }

    /// Sets the identification.
    pub fn set_ident(&mut self, v: u16) {
        self.set_u16(field::IDENT, v);
    }

    /// Sets flags and fragment offset (offset in 8-octet units).
    pub fn set_frag(&mut self, dont_frag: bool, more: bool, offset: u16) {
        let v = (u16::from(dont_frag) << 14)
            | (u16::from(more) << 13)
            | (offset & 0x1fff);
        self.set_u16(field::FLG_OFF, v);
    }

    /// Sets the TTL.
    pub fn set_ttl(&mut self, v: u8) {
        self.bm()[field::TTL] = v;
    }

    /// Sets the protocol.
    pub fn set_protocol(&mut self, v: u8) {
        self.bm()[field::PROTOCOL] = v;
    }

    /// Sets the checksum field.
    pub fn set_checksum(&mut self, v: u16) {
        self.set_u16(field::CHECKSUM, v);
    }

    /// Sets the source address.
    pub fn set_src_addr(&mut self, a: Ipv4Addr) {
        self.bm()[field::SRC].copy_from_slice(&a.octets());
    }

    /// Sets the destination address.
    pub fn set_dst_addr(&mut self, a: Ipv4Addr) {
        self.bm()[field::DST].copy_from_slice(&a.octets());
    }

    /// Computes and stores the header checksum.
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let hl = self.header_len();
        let c = checksum::checksum(&self.b()[..hl]);
        self.set_checksum(c);
    }

    /// The payload, mutable (up to the total length).
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let (hl, total) = (self.header_len(), usize::from(self.total_len()));
        &mut self.bm()[hl..total]
    }
}

/// Whether [`Repr::parse`] checks the header checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[derive(Serialize, Deserialize)]
pub enum HeaderChecksum {
    /// Verify it in software (packets from a fake, a capture or a fuzzer).
    #[default]
    Verify,
    /// The kernel verified it already (raw sockets never deliver a bad
    /// header), or the sender left it for the kernel (keepalived writes 0
    /// and `IP_HDRINCL` fills it in).
    Trust,
}

/// A parsed IPv4 header. Options are skipped on parse and never emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub struct Repr {
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Payload protocol (112 VRRP, 51 AH).
    pub protocol: u8,
    /// TOS octet (keepalived: 0xc0).
    pub tos: u8,
    /// Identification (keepalived: incremented per advert, never 0).
    pub ident: u16,
    /// Don't Fragment (keepalived: clear; FRR: set).
    pub dont_frag: bool,
    /// Time to live (keepalived: 255, or `unicast_ttl`).
    pub ttl: u8,
    /// Payload length (total length minus the header, options included).
    pub payload_len: usize,
}

impl Repr {
    /// Parses a header. Fragments are accepted as headers; VRRP adverts
    /// are never fragmented and the kernel reassembles before raw sockets.
    pub fn parse<T: AsRef<[u8]>>(
        packet: &Packet<T>,
        cks: HeaderChecksum,
    ) -> Result<Self, DecodeError> {
        packet.check_len()?;
        if packet.version() != 4 {
            return Err(DecodeError::IpHeader);
        }
        if cks == HeaderChecksum::Verify && !packet.verify_checksum() {
            return Err(DecodeError::IpHeader);
        }
        Ok(Self {
            src: packet.src_addr(),
            dst: packet.dst_addr(),
            protocol: packet.protocol(),
            tos: packet.tos(),
            ident: packet.ident(),
            dont_frag: packet.dont_frag(),
            ttl: packet.ttl(),
            payload_len: usize::from(packet.total_len()) - packet.header_len(),
        })
    }

    /// Header length emitted (no options).
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header (IHL 5) and its checksum into the first 20 octets
    /// of `packet`, which must hold at least [`Self::buffer_len`] octets.
    /// The total length is `20 + payload_len`, saturated at 65535.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) {
        let total = (HEADER_LEN + self.payload_len).min(usize::from(u16::MAX));
        packet.set_version_and_header_len(HEADER_LEN);
        packet.set_tos(self.tos);
        packet.set_total_len(total as u16);
        packet.set_ident(self.ident);
        packet.set_frag(self.dont_frag, false, 0);
        packet.set_ttl(self.ttl);
        packet.set_protocol(self.protocol);
        packet.set_src_addr(self.src);
        packet.set_dst_addr(self.dst);
        packet.fill_checksum();
    }
}

/// keepalived compat: the next IP ID after `id`; it wraps to 1, never 0,
/// "kernel will fill in ID if left to 0" (`vrrp_update_pkt`).
pub const fn next_ident(id: u16) -> u16 {
    match id.wrapping_add(1) {
        0 => 1,
        n => n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Provenance: /work/shared/vectors/bfd-frr-frr.txt, first packet (FRR
    // sets DF, TOS 0xc0, TTL 255).
    const BFD: &str = "45c00034c3e94000ff1132f1c000020ec000020fc0000ec8\
                       00205b5520c003189bfb92879bfb9287000186a0000186a0\
                       0000c350";

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn parse_and_emit_frr_bfd_header() {
        let bytes = hex(BFD);
        let p = Packet::new_checked(&bytes[..]).unwrap();
        let r = Repr::parse(&p, HeaderChecksum::Verify).unwrap();
        assert_eq!(r.src, Ipv4Addr::new(192, 0, 2, 14));
        assert_eq!(r.dst, Ipv4Addr::new(192, 0, 2, 15));
        assert_eq!((r.tos, r.ttl, r.protocol), (0xc0, 255, 17));
        assert!(r.dont_frag);
        assert_eq!(r.ident, 0xc3e9);
        assert_eq!(r.payload_len, 32);
        let mut out = vec![0u8; 20];
        r.emit(&mut Packet::new_unchecked(&mut out[..]));
        assert_eq!(out, bytes[..20]);
    }

    #[test]
    fn options_are_skipped() {
        let mut b = [0u8; 28];
        b[0] = 0x46; // IHL 6: one option word
        b[2..4].copy_from_slice(&28u16.to_be_bytes());
        b[24..28].copy_from_slice(&[1, 2, 3, 4]);
        let mut p = Packet::new_unchecked(&mut b[..]);
        p.fill_checksum();
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.payload(), &[1, 2, 3, 4]);
        let r = Repr::parse(&p, HeaderChecksum::Verify).unwrap();
        assert_eq!(r.payload_len, 4);
    }

    #[test]
    fn bad_header_checksum_and_version() {
        let mut b = hex(BFD);
        b[10] ^= 1;
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(
            Repr::parse(&p, HeaderChecksum::Verify),
            Err(DecodeError::IpHeader)
        );
        assert!(Repr::parse(&p, HeaderChecksum::Trust).is_ok());
        b[0] = 0x65;
        let p = Packet::new_unchecked(&b[..]);
        assert!(Repr::parse(&p, HeaderChecksum::Trust).is_err());
    }

    #[test]
    fn ident_skips_zero() {
        assert_eq!(next_ident(1), 2);
        assert_eq!(next_ident(u16::MAX), 1);
    }
}

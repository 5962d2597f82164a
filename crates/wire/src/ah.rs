//! keepalived's IPsec Authentication Header for VRRPv2 over IPv4
//! (`vrrp_ipsecah.h`, `vrrp_build_ipsecah`, `vrrp_update_pkt`,
//! `vrrp_in_chk_ipsecah`), after RFC 2402 §2 and the expired
//! draft-ietf-vrrp-ipsecah-spec-00. It sits between the IPv4 header
//! (protocol 51) and the VRRP message.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! | Next Header   |  Payload Len  |          RESERVED             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                 Security Parameters Index (SPI)               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Sequence Number Field                      |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |          Authentication Data (ICV, HMAC-MD5-96, 12 octets)    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! keepalived compat, all of it: next header 112, payload length 4
//! (RFC 2402 §2.2: 32-bit words minus 2), SPI = the sender's IPv4 address
//! (not negotiated), sequence number incremented before each advert, ICV
//! = HMAC-MD5 (RFC 2403) truncated to 96 bits, keyed with the 8-octet
//! `auth_pass`, over: the IPv4 header with TOS, flags/fragment offset and
//! header checksum zeroed (and TTL too for unicast instances), then the AH
//! header with the ICV zeroed, then the VRRP message.

use std::net::Ipv4Addr;

use hmac::{Hmac, Mac};
use md5::Md5;
use serde::{Deserialize, Serialize};

use crate::{DecodeError, IPPROTO_VRRP, ipv4};

/// Length of keepalived's AH header.
pub const HEADER_LEN: usize = 24;
/// Octets of the truncated ICV (RFC 2403 §2, HMAC-MD5-96).
pub const ICV_LEN: usize = 12;
/// Payload length field keepalived sends (`IPSEC_AH_PLEN`).
pub const PAYLOAD_LEN: u8 = 4;
/// keepalived compat: past this sequence number the counter "cycles" and
/// a master steps down (`vrrp_update_pkt`).
pub const SEQ_CYCLE: u32 = 0xffff_fffd;

mod field {
    use std::ops::Range;
    pub(super) const NEXT_HEADER: usize = 0;
    pub(super) const PAYLOAD_LEN: usize = 1;
    pub(super) const RESERVED: Range<usize> = 2..4;
    pub(super) const SPI: Range<usize> = 4..8;
    pub(super) const SEQ: Range<usize> = 8..12;
    pub(super) const ICV: Range<usize> = 12..24;
}

/// A parsed AH header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub struct Repr {
    /// Security Parameters Index: the sender's IPv4 address.
    pub spi: Ipv4Addr,
    /// Sequence number (replay protection is the engine's job: keepalived
    /// accepts only a number above the last one seen).
    pub seq: u32,
    /// Integrity check value as received (zero before signing).
    pub icv: [u8; ICV_LEN],
}

impl Repr {
    /// Parses the header at the start of `bytes`. keepalived compat: the
    /// payload length is not checked; another next header is dropped
    /// silently.
    pub fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        let Some(h) = bytes.first_chunk::<HEADER_LEN>() else {
            return Err(DecodeError::Truncated {
                len: bytes.len(),
                need: HEADER_LEN,
            });
        };
        if h[field::NEXT_HEADER] != IPPROTO_VRRP {
            return Err(DecodeError::AhNextHeader(h[field::NEXT_HEADER]));
        }
        let s = &h[field::SPI];
        let q = &h[field::SEQ];
        let mut icv = [0u8; ICV_LEN];
        icv.copy_from_slice(&h[field::ICV]);
        Ok(Self {
            spi: Ipv4Addr::new(s[0], s[1], s[2], s[3]),
            seq: u32::from_be_bytes([q[0], q[1], q[2], q[3]]),
            icv,
        })
    }

    /// Octets emitted.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header (with `self.icv`) into the first 24 octets.
    pub fn emit(&self, buf: &mut [u8]) {
        buf[field::NEXT_HEADER] = IPPROTO_VRRP;
        buf[field::PAYLOAD_LEN] = PAYLOAD_LEN;
        buf[field::RESERVED].fill(0);
        buf[field::SPI].copy_from_slice(&self.spi.octets());
        buf[field::SEQ].copy_from_slice(&self.seq.to_be_bytes());
        buf[field::ICV].copy_from_slice(&self.icv);
    }
}

/// Computes the ICV of a whole IPv4 packet (header, AH, VRRP, up to the
/// total length) as keepalived does; `None` if it is too short to hold an
/// IPv4 and an AH header.
pub fn compute_icv(
    packet: &[u8],
    key: &[u8],
    unicast: bool,
) -> Option<[u8; ICV_LEN]> {
    let ip = ipv4::Packet::new_checked(packet).ok()?;
    let hl = ip.header_len();
    let total = usize::from(ip.total_len());
    if total < hl + HEADER_LEN {
        return None;
    }
    // Mutable fields zeroed (RFC 2402 §3.3.3.1.1.1); at most 60 octets.
    let mut hdr = [0u8; 60];
    let hdr = &mut hdr[..hl];
    hdr.copy_from_slice(ip.header());
    let mut h = ipv4::Packet::new_unchecked(&mut hdr[..]);
    h.set_tos(0);
    h.set_frag(false, false, 0);
    h.set_checksum(0);
    if unicast {
        h.set_ttl(0);
    }
    let mut ah = [0u8; HEADER_LEN];
    ah.copy_from_slice(&packet[hl..hl + HEADER_LEN]);
    ah[field::ICV].fill(0);
    let mut mac = Hmac::<Md5>::new_from_slice(key).ok()?;
    mac.update(hdr);
    mac.update(&ah);
    mac.update(&packet[hl + HEADER_LEN..total]);
    let digest = mac.finalize().into_bytes();
    let mut icv = [0u8; ICV_LEN];
    icv.copy_from_slice(&digest[..ICV_LEN]);
    Some(icv)
}

/// Signs a built packet in place: writes the ICV into its AH header.
/// Returns false (and writes nothing) if the packet is malformed.
pub fn sign(packet: &mut [u8], key: &[u8], unicast: bool) -> bool {
    let Some(icv) = compute_icv(packet, key, unicast) else {
        return false;
    };
    let hl = ipv4::Packet::new_unchecked(&packet[..]).header_len();
    let start = hl + field::ICV.start;
    packet[start..start + ICV_LEN].copy_from_slice(&icv);
    true
}

/// Verifies a received packet as keepalived's `vrrp_in_chk_ipsecah`:
/// ICV (constant time), then SPI = source address. The sequence number
/// is returned in the header for the engine's replay check.
pub fn verify(
    packet: &[u8],
    key: &[u8],
    unicast: bool,
) -> Result<Repr, DecodeError> {
    let ip = ipv4::Packet::new_checked(packet)?;
    let hl = ip.header_len();
    let repr = Repr::parse(packet.get(hl..).unwrap_or_default())?;
    let icv =
        compute_icv(packet, key, unicast).ok_or(DecodeError::Truncated {
            len: packet.len(),
            need: hl + HEADER_LEN,
        })?;
    let diff = icv.iter().zip(&repr.icv).fold(0u8, |d, (a, b)| d | (a ^ b));
    if diff != 0 || repr.spi != ip.src_addr() {
        return Err(DecodeError::AuthFailure);
    }
    Ok(repr)
}

/// keepalived compat: the sequence number to send next, or `None` once
/// past [`SEQ_CYCLE`] ("cycled": the master must step down).
pub const fn next_seq(seq: u32) -> Option<u32> {
    if seq > SEQ_CYCLE { None } else { Some(seq + 1) }
}

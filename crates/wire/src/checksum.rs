//! The Internet checksum (RFC 1071) and the pseudo-headers VRRP and ICMPv6
//! put under it.
//!
//! Sums are accumulated in a `u32` of 16-bit big-endian words and folded
//! at the end. Every chunk but the last must have an even length, which
//! holds for all our uses (pseudo-headers are 12 or 40 octets).

use std::net::{Ipv4Addr, Ipv6Addr};

/// Adds `data` to a running one's-complement sum of 16-bit words; an odd
/// trailing octet is padded with a zero octet (RFC 1071 §4.1).
pub fn accumulate(mut acc: u32, data: &[u8]) -> u32 {
    let mut words = data.chunks_exact(2);
    for w in &mut words {
        acc = fold32(acc + u32::from(u16::from_be_bytes([w[0], w[1]])));
    }
    if let [last] = words.remainder() {
        acc = fold32(acc + (u32::from(*last) << 8));
    }
    acc
}

/// Keeps a running sum below 2^17 so that additions cannot overflow.
const fn fold32(acc: u32) -> u32 {
    (acc & 0xffff) + (acc >> 16)
}

/// Folds a running sum to 16 bits and complements it: the value that goes
/// in a checksum field. Verifying a packet whose checksum field is
/// included yields 0.
pub fn finish(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = fold32(acc);
    }
    !(acc as u16)
}

/// The Internet checksum of `data` alone (IPv4 header, VRRPv2).
pub fn checksum(data: &[u8]) -> u16 {
    finish(accumulate(0, data))
}

/// Running sum of the IPv4 pseudo-header `{src, dst, 0, proto, len}`
/// (RFC 768 / RFC 5798 §5.2.8).
pub fn pseudo_header_v4(
    src: Ipv4Addr,
    dst: Ipv4Addr,
    proto: u8,
    len: u16,
) -> u32 {
    let mut ph = [0u8; 12];
    ph[0..4].copy_from_slice(&src.octets());
    ph[4..8].copy_from_slice(&dst.octets());
    ph[9] = proto;
    ph[10..12].copy_from_slice(&len.to_be_bytes());
    accumulate(0, &ph)
}

/// Running sum of the IPv6 pseudo-header `{src, dst, len32, 0, 0, 0, nh}`
/// (RFC 8200 §8.1).
pub fn pseudo_header_v6(
    src: Ipv6Addr,
    dst: Ipv6Addr,
    next_header: u8,
    len: u32,
) -> u32 {
    let mut ph = [0u8; 40];
    ph[0..16].copy_from_slice(&src.octets());
    ph[16..32].copy_from_slice(&dst.octets());
    ph[32..36].copy_from_slice(&len.to_be_bytes());
    ph[39] = next_header;
    accumulate(0, &ph)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(checksum(&data), !0xddf2);
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(checksum(&[0x12]), checksum(&[0x12, 0x00]));
    }

    #[test]
    fn verifying_with_field_included_gives_zero() {
        let mut data = [0x45, 0x00, 0x00, 0x1c, 0xab, 0xcd, 0, 0];
        let c = checksum(&data);
        data[6..8].copy_from_slice(&c.to_be_bytes());
        assert_eq!(checksum(&data), 0);
    }
}

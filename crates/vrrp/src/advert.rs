//! The VRRP advertisement as the engine sees it, with a minimal codec.
//!
//! This is a stop-gap until `ka-wire`'s `vrrp::Repr` lands (the engine
//! will then decode and emit through it). The layouts are RFC 3768 §5.1
//! (v2) and RFC 5798 §5.1 (v3); checksums as keepalived computes them
//! (`vrrp.c: vrrp_build_vrrp_v2/v3`, KEEPALIVED.md §2.9).
//!
//! ```text
//!  v2: |Ver|Type| VRID | Priority | Count IP | AuthType | AdvInt(s) | Checksum | IPs… | Auth(8)
//!  v3: |Ver|Type| VRID | Priority | Count IP | rsvd:4 MaxAdvInt:12 (cs) | Checksum | IPs…
//! ```

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::timers::Version;

/// IANA protocol number of VRRP (RFC 5798 §5.1.1.4).
pub(crate) const IPPROTO_VRRP: u8 = 112;
/// Length of the fixed VRRP header.
pub(crate) const HEADER_LEN: usize = 8;
/// Length of the v2 authentication data (RFC 3768 §5.3.10).
pub(crate) const AUTH_LEN: usize = 8;

/// A decoded (or to-be-encoded) advertisement.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct Advert {
    /// Protocol version.
    pub version: Version,
    /// Virtual router id.
    pub vrid: u8,
    /// Sender priority (0 = resigning master).
    pub priority: u8,
    /// Advert interval: whole seconds (v2) or centiseconds (v3).
    pub adver_int: u16,
    /// v2 auth type (0 for v3).
    pub auth_type: u8,
    /// v2 authentication data (PASS password), zeroes otherwise.
    pub auth_data: [u8; AUTH_LEN],
    /// The advertised virtual addresses.
    pub addrs: Vec<IpAddr>,
}

/// How the checksum is computed (RFC 5798 §5.2.8 and keepalived options).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChecksumMode {
    /// v2, or v3 with `v3_checksum_as_v2`: the VRRP message alone.
    Plain,
    /// v3: with the IP pseudo-header of `src`/`dst`.
    Pseudo {
        /// IP source address.
        src: IpAddr,
        /// IP destination address.
        dst: IpAddr,
    },
}

impl Advert {
    /// Encoded length for the address family of the VIPs (`ipv6`).
    pub fn len(&self, ipv6: bool) -> usize {
        let alen = if ipv6 { 16 } else { 4 };
        let auth = if self.version == Version::V2 && !ipv6 {
            AUTH_LEN
        } else {
            0
        };
        HEADER_LEN + self.addrs.len() * alen + auth
    }

    /// Whether the advert has no addresses (a valid but odd advert).
    pub fn is_empty(&self) -> bool {
        self.addrs.is_empty()
    }

    /// Encode, filling in the checksum. Addresses of the other family than
    /// `ipv6` are skipped.
    pub fn encode(&self, ipv6: bool, mode: ChecksumMode) -> Vec<u8> {
        let addrs: Vec<&IpAddr> =
            self.addrs.iter().filter(|a| a.is_ipv6() == ipv6).collect();
        let mut b = Vec::with_capacity(self.len(ipv6));
        b.push((self.version.number() << 4) | 1);
        b.push(self.vrid);
        b.push(self.priority);
        b.push(u8::try_from(addrs.len()).unwrap_or(u8::MAX));
        match self.version {
            Version::V2 => {
                b.push(self.auth_type);
                b.push(u8::try_from(self.adver_int).unwrap_or(u8::MAX));
            }
            Version::V3 => {
                b.extend_from_slice(&(self.adver_int & 0x0fff).to_be_bytes())
            }
        }
        b.extend_from_slice(&[0, 0]);
        for a in addrs {
            match a {
                IpAddr::V4(v4) => b.extend_from_slice(&v4.octets()),
                IpAddr::V6(v6) => b.extend_from_slice(&v6.octets()),
            }
        }
        if self.version == Version::V2 && !ipv6 {
            b.extend_from_slice(&self.auth_data);
        }
        let sum = checksum(&b, mode);
        b[6..8].copy_from_slice(&sum.to_be_bytes());
        b
    }
}

/// The fixed header fields, read without validating anything else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    /// Version nibble.
    pub(crate) version: u8,
    /// Type nibble.
    pub(crate) kind: u8,
    /// VRID.
    pub(crate) vrid: u8,
    /// Priority.
    pub(crate) priority: u8,
    /// Count of addresses.
    pub(crate) naddr: u8,
    /// v2 auth type byte / v3 high byte of the interval word.
    pub(crate) byte4: u8,
    /// v2 interval byte / v3 low byte of the interval word.
    pub(crate) byte5: u8,
}

impl Header {
    /// Read the fixed header; `None` if shorter than 8 bytes.
    pub(crate) fn read(b: &[u8]) -> Option<Self> {
        let h = b.get(..HEADER_LEN)?;
        Some(Self {
            version: h[0] >> 4,
            kind: h[0] & 0x0f,
            vrid: h[1],
            priority: h[2],
            naddr: h[3],
            byte4: h[4],
            byte5: h[5],
        })
    }

    /// v3 Max Adver Int (12 bits, centiseconds).
    pub(crate) fn v3_adver_int(&self) -> u16 {
        u16::from_be_bytes([self.byte4, self.byte5]) & 0x0fff
    }

    /// Expected message length for the received version and family
    /// (keepalived `expected_vrrp_pkt_len`).
    pub(crate) fn expected_len(&self, ipv6: bool) -> usize {
        let alen = if ipv6 { 16 } else { 4 };
        let auth = if self.version == 2 && !ipv6 {
            AUTH_LEN
        } else {
            0
        };
        HEADER_LEN + usize::from(self.naddr) * alen + auth
    }
}

/// Decode a message whose length has been checked against
/// [`Header::expected_len`]; `None` if it is shorter than that.
pub fn decode(b: &[u8], ipv6: bool) -> Option<Advert> {
    let h = Header::read(b)?;
    if b.len() < h.expected_len(ipv6) {
        return None;
    }
    let alen = if ipv6 { 16 } else { 4 };
    let mut addrs = Vec::with_capacity(usize::from(h.naddr));
    for chunk in b[HEADER_LEN..].chunks_exact(alen).take(h.naddr.into()) {
        let addr = if let Ok(a) = <[u8; 16]>::try_from(chunk) {
            IpAddr::from(a)
        } else {
            let a = <[u8; 4]>::try_from(chunk).ok()?;
            IpAddr::from(a)
        };
        addrs.push(addr);
    }
    let (version, adver_int, auth_type) = match h.version {
        2 => (Version::V2, u16::from(h.byte5), h.byte4),
        _ => (Version::V3, h.v3_adver_int(), 0),
    };
    let mut auth_data = [0; AUTH_LEN];
    if version == Version::V2 && !ipv6 {
        let start = HEADER_LEN + addrs.len() * alen;
        auth_data.copy_from_slice(b.get(start..start + AUTH_LEN)?);
    }
    Some(Advert {
        version,
        vrid: h.vrid,
        priority: h.priority,
        adver_int,
        auth_type,
        auth_data,
        addrs,
    })
}

/// The Internet checksum (RFC 1071) of `b`, with the pseudo-header of
/// RFC 5798 §5.2.8 when `mode` asks for it. Over a message that already
/// carries a correct checksum the result is 0.
pub fn checksum(b: &[u8], mode: ChecksumMode) -> u16 {
    let mut sum: u32 = 0;
    if let ChecksumMode::Pseudo { src, dst } = mode {
        let len = u32::try_from(b.len()).unwrap_or(u32::MAX);
        match (src, dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                sum = add_bytes(sum, &s.octets());
                sum = add_bytes(sum, &d.octets());
                sum += u32::from(IPPROTO_VRRP) + (len & 0xffff);
            }
            _ => {
                sum = add_bytes(sum, &ip_octets(src));
                sum = add_bytes(sum, &ip_octets(dst));
                sum += (len >> 16) + (len & 0xffff) + u32::from(IPPROTO_VRRP);
            }
        }
    }
    sum = add_bytes(sum, b);
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn ip_octets(a: IpAddr) -> [u8; 16] {
    match a {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
        IpAddr::V6(v6) => v6.octets(),
    }
}

fn add_bytes(mut sum: u32, b: &[u8]) -> u32 {
    let mut it = b.chunks_exact(2);
    for w in &mut it {
        sum += u32::from(u16::from_be_bytes([w[0], w[1]]));
        if sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
    }
    if let [last] = it.remainder() {
        sum += u32::from(*last) << 8;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn vip() -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(192, 168, 200, 16))
    }

    // Golden vectors from KEEPALIVED.md §2.9 (VRID 51, prio 100, one VIP).
    #[test]
    fn v2_golden_vector() {
        let a = Advert {
            version: Version::V2,
            vrid: 51,
            priority: 100,
            adver_int: 1,
            auth_type: 0,
            auth_data: [0; 8],
            addrs: vec![vip()],
        };
        let b = a.encode(false, ChecksumMode::Plain);
        #[rustfmt::skip]
        let want = [0x21, 0x33, 0x64, 0x01, 0x00, 0x01, 0xf2, 0x10,
                    0xc0, 0xa8, 0xc8, 0x10, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(b, want);
        assert_eq!(decode(&b, false), Some(a));
        assert_eq!(checksum(&b, ChecksumMode::Plain), 0);
    }

    #[test]
    fn v3_golden_vector_with_pseudo_header() {
        let a = Advert {
            version: Version::V3,
            vrid: 51,
            priority: 100,
            adver_int: 100,
            auth_type: 0,
            auth_data: [0; 8],
            addrs: vec![vip()],
        };
        let mode = ChecksumMode::Pseudo {
            src: IpAddr::V4(Ipv4Addr::new(192, 168, 200, 1)),
            dst: IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18)),
        };
        let b = a.encode(false, mode);
        let want = [0x31, 0x33, 0x64, 0x01, 0x00, 0x64, 0x78, 0x74];
        assert_eq!(&b[..8], &want);
        assert_eq!(checksum(&b, mode), 0);
        let plain = a.encode(false, ChecksumMode::Plain);
        assert_eq!(&plain[6..8], &[0xe1, 0xad]);
        assert_eq!(decode(&b, false), Some(a));
    }

    #[test]
    fn decode_short_is_none() {
        assert_eq!(decode(&[0x31, 1, 2], false), None);
        assert_eq!(decode(&[0x31, 1, 100, 2, 0, 100, 0, 0, 1, 2], false), None);
    }
}

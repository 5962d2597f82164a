//! Whole IPv4 adverts, as keepalived sends them through its `IP_HDRINCL`
//! raw socket and reads them back: IPv4 header, optional AH, VRRP.
//!
//! ```text
//! +----------------+------------------------+-------------------------+
//! | IPv4 (20, TOS  | AH (24, proto 51 only, | VRRP (8 + 4n [+ 8 auth])|
//! | 0xc0, TTL 255) | VRRPv2 auth_type AH)   |                         |
//! +----------------+------------------------+-------------------------+
//! ```
//!
//! IPv6 adverts need no helper: the kernel builds the header and hands
//! only the VRRP message, so drivers use [`crate::vrrp`] directly with
//! [`crate::vrrp::Endpoints::V6`].

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use crate::ipv4::{self, HeaderChecksum, TOS_INTERNETWORK_CONTROL};
use crate::vrrp::{self, Auth, ChecksumMode, Endpoints, Expect};
use crate::{DecodeError, IPPROTO_AH, IPPROTO_VRRP, ah};

/// A parsed (or to-be-sent) IPv4 advert.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub struct Ipv4Advert {
    /// The IPv4 header (its `protocol` and `payload_len` are recomputed
    /// on emit).
    pub ip: ipv4::Repr,
    /// The AH header, for VRRPv2 with `auth_type AH`.
    pub ah: Option<ah::Repr>,
    /// The advert.
    pub vrrp: vrrp::Repr,
}

/// Receive policy for [`Ipv4Advert::parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub struct Ipv4ParseCtx {
    /// Verify the IPv4 header checksum (the kernel already has, for raw
    /// sockets).
    pub ip_checksum: HeaderChecksum,
    /// Enforce TTL 255 (RFC 5798 §7.1); keepalived compat: false for
    /// unicast instances.
    pub check_ttl: bool,
    /// VRRP checksum policy.
    pub checksum: ChecksumMode,
    /// Instance expectations (version, auth, interval, address count).
    pub expect: Expect,
    /// AH key (`auth_pass`, 8 octets zero padded): when set, the ICV and
    /// SPI of an AH packet are verified.
    pub ah_key: Option<[u8; 8]>,
    /// keepalived compat: unicast instances also zero the TTL in the ICV.
    pub unicast: bool,
}

impl Default for Ipv4ParseCtx {
    fn default() -> Self {
        Self {
            ip_checksum: HeaderChecksum::Verify,
            check_ttl: true,
            checksum: ChecksumMode::Standard,
            expect: Expect::default(),
            ah_key: None,
            unicast: false,
        }
    }
}

/// Send policy for [`Ipv4Advert::emit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[derive(Serialize, Deserialize)]
pub struct Ipv4EmitCtx {
    /// VRRP checksum policy.
    pub checksum: ChecksumMode,
    /// AH key: when set and `ah` is present, the ICV is computed.
    pub ah_key: Option<[u8; 8]>,
    /// keepalived compat: unicast instances also zero the TTL in the ICV.
    pub unicast: bool,
}

impl Ipv4Advert {
    /// The advert keepalived's `vrrp_build_ip4` + `vrrp_update_pkt` would
    /// send: TOS 0xc0, no DF, the given ID (see [`ipv4::next_ident`]) and
    /// TTL (255, or `unicast_ttl`), AH with SPI = `src` when `ah_seq` is
    /// given.
    pub fn keepalived(
        src: Ipv4Addr,
        dst: Ipv4Addr,
        ident: u16,
        ttl: u8,
        vrrp: vrrp::Repr,
        ah_seq: Option<u32>,
    ) -> Self {
        let ah = ah_seq.map(|seq| ah::Repr {
            spi: src,
            seq,
            icv: [0; ah::ICV_LEN],
        });
        let mut a = Self {
            ip: ipv4::Repr {
                src,
                dst,
                protocol: IPPROTO_VRRP,
                tos: TOS_INTERNETWORK_CONTROL,
                ident,
                dont_frag: false,
                ttl,
                payload_len: 0,
            },
            ah,
            vrrp,
        };
        a.ip.protocol = a.protocol();
        a.ip.payload_len = a.buffer_len() - ipv4::HEADER_LEN;
        a
    }

    fn protocol(&self) -> u8 {
        if self.ah.is_some() {
            IPPROTO_AH
        } else {
            IPPROTO_VRRP
        }
    }

    fn ah_len(&self) -> usize {
        if self.ah.is_some() { ah::HEADER_LEN } else { 0 }
    }

    /// Octets [`Self::emit`] writes: 20 + (24) + VRRP.
    pub fn buffer_len(&self) -> usize {
        ipv4::HEADER_LEN + self.ah_len() + self.vrrp.buffer_len()
    }

    /// Writes the packet into `buf` (at least [`Self::buffer_len`]
    /// octets), IP header checksum included (the kernel would fill it; we
    /// write it so the bytes equal what is on the wire), then signs AH.
    pub fn emit(&self, buf: &mut [u8], cx: &Ipv4EmitCtx) {
        let total = self.buffer_len();
        let buf = &mut buf[..total];
        let ip = ipv4::Repr {
            protocol: self.protocol(),
            payload_len: total - ipv4::HEADER_LEN,
            ..self.ip
        };
        ip.emit(&mut ipv4::Packet::new_unchecked(&mut buf[..]));
        let off = ipv4::HEADER_LEN + self.ah_len();
        if let Some(ah) = &self.ah {
            ah.emit(&mut buf[ipv4::HEADER_LEN..off]);
        }
        let vcx = vrrp::EmitCtx {
            endpoints: Endpoints::V4 {
                src: self.ip.src,
                dst: self.ip.dst,
            },
            checksum: cx.checksum,
        };
        let mut vp = vrrp::Packet::new_unchecked(&mut buf[off..]);
        self.vrrp.emit(&mut vp, &vcx);
        if let (Some(_), Some(key)) = (&self.ah, cx.ah_key) {
            ah::sign(buf, &key, cx.unicast);
        }
    }

    /// [`Self::emit`] into a new buffer of [`Self::buffer_len`] octets.
    pub fn to_bytes(&self, cx: &Ipv4EmitCtx) -> Vec<u8> {
        let mut buf = vec![0; self.buffer_len()];
        self.emit(&mut buf, cx);
        buf
    }

    /// Parses a packet read from a raw IPv4 socket (header included),
    /// in keepalived's order: headers present, AH presence matches the
    /// auth type, AH verified, IP total length, then the VRRP checks of
    /// [`vrrp::Repr::parse`].
    pub fn parse(bytes: &[u8], cx: &Ipv4ParseCtx) -> Result<Self, DecodeError> {
        let p = ipv4::Packet::new_checked(bytes)?;
        let ip = ipv4::Repr::parse(&p, cx.ip_checksum)?;
        let hl = p.header_len();
        let has_ah = match ip.protocol {
            IPPROTO_VRRP => false,
            IPPROTO_AH => true,
            other => return Err(DecodeError::Protocol(other)),
        };
        check_ah_presence(bytes, hl, has_ah, &cx.expect)?;
        let rest = bytes.get(hl..).unwrap_or_default();
        let ah = if has_ah {
            let ah = ah::Repr::parse(rest)?;
            let total = usize::from(p.total_len());
            match (cx.ah_key, cx.expect.auth) {
                (Some(key), _) => {
                    ah::verify(&bytes[..total], &key, cx.unicast)?;
                }
                // An instance that expects AH must never accept an AH
                // packet it could not verify.
                (None, Some(Auth::Ah)) => return Err(DecodeError::AuthFailure),
                (None, _) => {}
            }
            Some(ah)
        } else {
            None
        };
        let off = hl + if has_ah { ah::HEADER_LEN } else { 0 };
        let vp =
            vrrp::Packet::new_checked(bytes.get(off..).unwrap_or_default())?;
        let total = usize::from(p.total_len());
        // keepalived: "ip_tot_len mismatch against received length".
        if !vrrp::length_acceptable(total, bytes.len()) {
            return Err(DecodeError::Length {
                expected: total,
                received: bytes.len(),
            });
        }
        let vcx = vrrp::ParseCtx {
            endpoints: Endpoints::V4 {
                src: ip.src,
                dst: ip.dst,
            },
            ttl: Some(ip.ttl),
            check_ttl: cx.check_ttl,
            outer_len: off,
            checksum: cx.checksum,
            expect: cx.expect,
        };
        let vrrp = vrrp::Repr::parse(&vp, &vcx)?;
        Ok(Self { ip, ah, vrrp })
    }
}

/// What a receiver learns from a raw IPv4 packet before it knows which
/// instance the packet is for (keepalived `vrrp_get_header` plus the
/// socket's protocol).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub struct Ipv4Peek {
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address (group or our unicast address).
    pub dst: Ipv4Addr,
    /// TTL as received.
    pub ttl: u8,
    /// IP protocol 51: an AH header precedes the VRRP message.
    pub ah: bool,
    /// The VRID of the VRRP message (behind the AH header, if any).
    pub vrid: u8,
}

/// Reads the addresses, TTL, protocol and VRID of a raw IPv4 packet;
/// an error when the fixed headers (IPv4, AH, VRRP) are not all there or
/// the
/// protocol is neither VRRP nor AH (keepalived drops such packets before
/// looking for an instance).
pub fn peek(bytes: &[u8]) -> Result<Ipv4Peek, DecodeError> {
    let p = ipv4::Packet::new_checked(bytes)?;
    let ah = match p.protocol() {
        IPPROTO_VRRP => false,
        IPPROTO_AH => true,
        other => return Err(DecodeError::Protocol(other)),
    };
    let off = p.header_len() + if ah { ah::HEADER_LEN } else { 0 };
    // keepalived `vrrp_get_header`: the whole fixed VRRP header.
    let vp = vrrp::Packet::new_checked(bytes.get(off..).unwrap_or_default())?;
    let vrid = vp.vrid();
    Ok(Ipv4Peek {
        src: p.src_addr(),
        dst: p.dst_addr(),
        ttl: p.ttl(),
        ah,
        vrid,
    })
}

/// keepalived: "Received AH header but auth type not AH" / "No AH header
/// but auth type is AH", counted as an auth type mismatch.
fn check_ah_presence(
    bytes: &[u8],
    hl: usize,
    has_ah: bool,
    expect: &Expect,
) -> Result<(), DecodeError> {
    let Some(auth) = expect.auth else {
        return Ok(());
    };
    let want_ah = auth == Auth::Ah;
    if has_ah == want_ah {
        return Ok(());
    }
    let received = if has_ah {
        vrrp::AUTH_AH
    } else {
        bytes.get(hl + 4).copied().unwrap_or(vrrp::AUTH_NONE)
    };
    Err(DecodeError::AuthTypeMismatch {
        received,
        expected: auth.type_code(),
    })
}

#[cfg(test)]
mod tests;

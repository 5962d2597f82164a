//! The VRRP `Repr`, its total parser (keepalived's validation order) and
//! its emitter (keepalived's bytes).

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use super::types::{AddrList, AddressFamily, AdverInt, Auth, Endpoints};
use super::{
    AUTH_AH, AUTH_DATA_LEN, AUTH_NONE, AUTH_PASS, HEADER_LEN, Packet,
    TYPE_ADVERTISEMENT, Version, field,
};
use crate::checksum::{self, pseudo_header_v4, pseudo_header_v6};
use crate::{DecodeError, IPPROTO_VRRP, VRRP_TTL};

/// How the VRRP checksum is computed and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[derive(Serialize, Deserialize)]
pub enum ChecksumMode {
    /// v2/IPv4: over the message incl. auth data (RFC 3768 §5.3.8).
    /// v3/IPv4: over the pseudo-header `{src, dst, 0, 112, len}` and the
    /// message (RFC 5798 §5.2.8; keepalived's default). IPv6, v2 or v3:
    /// over the RFC 8200 §8.1 pseudo-header, as the kernel computes with
    /// `IPV6_CHECKSUM`.
    #[default]
    Standard,
    /// keepalived `v3_checksum_as_v2`: v3/IPv4 without the pseudo-header
    /// (how Cisco and Juniper read RFC 5798 §5.2.8). Elsewhere as
    /// [`Self::Standard`].
    V3AsV2,
    /// keepalived `old_unicast_checksum` (pre-1.3.6): v3/IPv4 unicast with
    /// the multicast group, not the peer, in the pseudo-header.
    /// Elsewhere as [`Self::Standard`].
    OldUnicast {
        /// The group put in the pseudo-header (224.0.0.18 by default).
        group: Ipv4Addr,
    },
    /// IPv6 with `IPV6_CHECKSUM`: the kernel verified it on receive, and
    /// fills it on send, so `parse` skips it and `emit` writes 0 as
    /// keepalived does. IPv4 has no such offload: as [`Self::Standard`].
    KernelVerified,
}

/// What the receiving instance expects; each `Some` adds a keepalived
/// check. `Default` checks nothing instance-specific.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[derive(Serialize, Deserialize)]
pub struct Expect {
    /// Configured version (RFC 5798 §7.1 "MUST verify the VRRP version").
    pub version: Option<Version>,
    /// Configured v2 authentication (RFC 2338 §7.1 auth checks).
    pub auth: Option<Auth>,
    /// Configured v2 interval; v3 mismatches are only logged by keepalived
    /// (RFC 5798 §6.4.3 learns the master's), so only `Secs` is compared.
    pub adver_int: Option<AdverInt>,
    /// Configured address count (keepalived checks it only with
    /// `check_vip_addr`; since 2.3.3 it only logs).
    pub naddr: Option<u8>,
}

/// What [`Repr::parse`] needs besides the VRRP bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub struct ParseCtx {
    /// IP source and destination (pseudo-header, family).
    pub endpoints: Endpoints,
    /// Received TTL / hop limit, if the socket told us (keepalived
    /// `rx_ttl_hop_limit`, -1 when unknown: then not checked).
    pub ttl: Option<u8>,
    /// RFC 5798 §7.1: TTL must be 255. keepalived compat: not checked for
    /// unicast instances (set false there).
    pub check_ttl: bool,
    /// Octets of IPv4 and AH headers before the VRRP message (0 for
    /// IPv6), for keepalived's Ethernet padding rule.
    pub outer_len: usize,
    /// Checksum policy.
    pub checksum: ChecksumMode,
    /// Instance expectations.
    pub expect: Expect,
}

impl ParseCtx {
    /// A context that checks only what the packet itself says: TTL 255
    /// when `ttl` is given, the standard checksum, no expectations.
    pub const fn new(endpoints: Endpoints, ttl: Option<u8>) -> Self {
        Self {
            endpoints,
            ttl,
            check_ttl: true,
            outer_len: 0,
            checksum: ChecksumMode::Standard,
            expect: Expect {
                version: None,
                auth: None,
                adver_int: None,
                naddr: None,
            },
        }
    }
}

/// What [`Repr::emit`] needs besides the repr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub struct EmitCtx {
    /// IP source and destination (pseudo-header).
    pub endpoints: Endpoints,
    /// Checksum policy.
    pub checksum: ChecksumMode,
}

/// A VRRP advertisement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub struct Repr {
    /// Protocol version.
    pub version: Version,
    /// Virtual router ID (1..=255 in valid configs; 0 is not refused here).
    pub vrid: u8,
    /// Priority: 0 = master stepping down, 255 = address owner.
    pub priority: u8,
    /// Advert interval (`Secs` for v2, `Centis` for v3 after parse).
    pub adver_int: AdverInt,
    /// Virtual addresses.
    pub addrs: AddrList,
    /// v2 authentication; `None` for v3 and for v2 over IPv6.
    pub auth: Auth,
}

/// keepalived `expected_vrrp_pkt_len`: length of a VRRP message with
/// `naddr` addresses, given the received version nibble. keepalived
/// compat: only v2 over IPv4 carries the 8 auth octets; v2 forced onto
/// IPv6 sends none.
pub const fn expected_len(version: u8, naddr: u8, af: AddressFamily) -> usize {
    let auth = match (version, af) {
        (2, AddressFamily::Ipv4) => AUTH_DATA_LEN,
        _ => 0,
    };
    HEADER_LEN + naddr as usize * af.addr_len() + auth
}

/// Minimum Ethernet frame (no FCS) and header length (IEEE 802.3).
const ETH_ZLEN: usize = 60;
const ETH_HLEN: usize = 14;
const VLAN_TAG_SIZE: usize = 4;

/// keepalived compat (2.3.x `vrrp_check_packet`, fixing 2.2.7's exact
/// match): `received` octets are acceptable for an `expected`-octet packet
/// if equal, or if the difference is Ethernet padding up to the 46-octet
/// minimum payload, less any stripped 4-octet VLAN tags: expected below
/// 46 and `received - expected ≡ 2 (mod 4)`.
pub const fn length_acceptable(expected: usize, received: usize) -> bool {
    if expected == received {
        return true;
    }
    let min_payload = ETH_ZLEN - ETH_HLEN;
    expected < min_payload
        && expected < received
        && (received - expected) % VLAN_TAG_SIZE
            == (VLAN_TAG_SIZE - min_payload % VLAN_TAG_SIZE) % VLAN_TAG_SIZE
}

/// The running sum of the pseudo-header the mode puts under a message of
/// `len` octets, or `None` when the message is summed alone.
fn pseudo_sum(
    version: u8,
    ep: &Endpoints,
    mode: ChecksumMode,
    len: usize,
) -> Option<u32> {
    match *ep {
        // RFC 3768 §5.3.8: v2 over IPv4 sums the message only.
        Endpoints::V4 { .. } if version == 2 => None,
        Endpoints::V4 { .. } if mode == ChecksumMode::V3AsV2 => None,
        Endpoints::V4 { src, dst } => {
            let dst = match mode {
                ChecksumMode::OldUnicast { group } => group,
                _ => dst,
            };
            Some(pseudo_header_v4(src, dst, IPPROTO_VRRP, len as u16))
        }
        // RFC 5798 §5.2.8 / RFC 8200 §8.1; the kernel does the same for
        // v2 over IPv6 (keepalived sets IPV6_CHECKSUM for both).
        Endpoints::V6 { src, dst } => {
            Some(pseudo_header_v6(src, dst, IPPROTO_VRRP, len as u32))
        }
    }
}

/// True if the packet's checksum verifies under `mode` (always true for
/// IPv6 with [`ChecksumMode::KernelVerified`]). The message length comes
/// from the address count, as keepalived computes it; a packet too short
/// for it fails. To auto-detect an old-style unicast peer (keepalived
/// `CHKSUM_COMPATIBILITY_AUTO`), retry a failed v3 unicast packet with
/// [`ChecksumMode::OldUnicast`].
pub fn verify_checksum<T: AsRef<[u8]>>(
    packet: &Packet<T>,
    ep: &Endpoints,
    mode: ChecksumMode,
) -> bool {
    if mode == ChecksumMode::KernelVerified
        && ep.family() == AddressFamily::Ipv6
    {
        return true;
    }
    let b = packet.as_bytes();
    if b.len() < HEADER_LEN {
        return false;
    }
    let len = expected_len(packet.version(), packet.naddr(), ep.family());
    let Some(msg) = b.get(..len) else {
        return false;
    };
    let acc = pseudo_sum(packet.version(), ep, mode, len).unwrap_or(0);
    checksum::finish(checksum::accumulate(acc, msg)) == 0
}

/// Constant-time equality (keepalived `memcmp_constant_time`).
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

impl Repr {
    /// Parses and validates an advert in keepalived's order
    /// (`vrrp_check_packet`): length, TTL, version, v2 auth type, auth
    /// type match, password, v2 interval, packet type, address count,
    /// checksum. AH is verified by [`crate::advert`] before this.
    pub fn parse<T: AsRef<[u8]>>(
        packet: &Packet<T>,
        cx: &ParseCtx,
    ) -> Result<Self, DecodeError> {
        packet.check_len()?;
        let af = cx.endpoints.family();
        let version = packet.version();
        check_length(packet, af, cx.outer_len)?;
        // RFC 5798 §7.1: "MUST verify that the IPvX TTL/HL is 255".
        if cx.check_ttl
            && let Some(ttl) = cx.ttl
            && ttl != VRRP_TTL
        {
            return Err(DecodeError::Ttl(ttl));
        }
        let v = check_version(version, cx.expect.version)?;
        let auth = match v {
            Version::V2 => check_v2_auth(packet, af, &cx.expect)?,
            Version::V3 => Auth::None,
        };
        let adver_int = match v {
            Version::V2 => AdverInt::Secs(packet.adver_int_v2()),
            Version::V3 => AdverInt::Centis(packet.adver_int_v3()),
        };
        // RFC 3768 §7.1: v2 interval must match; keepalived drops silently.
        if let (Version::V2, Some(exp)) = (v, cx.expect.adver_int)
            && exp.wire_secs() != packet.adver_int_v2()
        {
            return Err(DecodeError::AdverInt {
                received: adver_int,
                expected: AdverInt::Secs(exp.wire_secs()),
            });
        }
        if packet.kind() != TYPE_ADVERTISEMENT {
            return Err(DecodeError::Type(packet.kind()));
        }
        if let Some(exp) = cx.expect.naddr
            && exp != packet.naddr()
        {
            return Err(DecodeError::AddrList {
                received: packet.naddr(),
                expected: exp,
            });
        }
        if !verify_checksum(packet, &cx.endpoints, cx.checksum) {
            return Err(DecodeError::Checksum {
                received: packet.checksum(),
            });
        }
        let addr_bytes = packet.addr_bytes(af).unwrap_or_default();
        Ok(Self {
            version: v,
            vrid: packet.vrid(),
            priority: packet.priority(),
            adver_int,
            addrs: AddrList::from_bytes(af, addr_bytes),
            auth,
        })
    }

    /// Octets [`Self::emit`] writes.
    pub fn buffer_len(&self) -> usize {
        expected_len(
            self.version.as_u8(),
            self.addrs.wire_count(),
            self.addrs.family(),
        )
    }

    /// Writes the advert as keepalived builds it; `packet` must hold at
    /// least [`Self::buffer_len`] octets. The address family comes from
    /// `addrs`; the checksum uses `cx.endpoints`.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut Packet<T>,
        cx: &EmitCtx,
    ) {
        let n = self.addrs.wire_count();
        let len = self.buffer_len();
        let v = self.version.as_u8();
        packet.set_version_and_kind(v, TYPE_ADVERTISEMENT);
        packet.set_vrid(self.vrid);
        packet.set_priority(self.priority);
        packet.set_naddr(n);
        match self.version {
            Version::V2 => {
                packet.set_auth_type(self.auth.type_code());
                packet.set_adver_int_v2(self.adver_int.wire_secs());
            }
            // RFC 5798 §5.2.5: reserved bits MUST be zero on send.
            Version::V3 => {
                packet.set_adver_int_v3(self.adver_int.wire_centis())
            }
        }
        packet.set_checksum(0);
        let af = self.addrs.family();
        let buf = packet.bm();
        self.addrs.write(&mut buf[field::addrs(n, af.addr_len())]);
        if len > HEADER_LEN + usize::from(n) * af.addr_len() {
            let data = match self.auth {
                Auth::Pass(pw) => pw,
                // RFC 3768 §5.3.10: zero on transmit.
                Auth::None | Auth::Ah => [0u8; AUTH_DATA_LEN],
            };
            buf[field::auth_data(n)].copy_from_slice(&data);
        }
        let c = emit_checksum(&buf[..len], v, &cx.endpoints, cx.checksum);
        packet.set_checksum(c);
    }
}

/// The checksum to write for `msg` (checksum field zero).
fn emit_checksum(
    msg: &[u8],
    version: u8,
    ep: &Endpoints,
    mode: ChecksumMode,
) -> u16 {
    // keepalived compat: on IPv6 the kernel fills it (IPV6_CHECKSUM).
    if mode == ChecksumMode::KernelVerified
        && ep.family() == AddressFamily::Ipv6
    {
        return 0;
    }
    let acc = pseudo_sum(version, ep, mode, msg.len()).unwrap_or(0);
    checksum::finish(checksum::accumulate(acc, msg))
}

/// RFC 5798 §7.1: "MUST verify that the received packet contains the
/// complete VRRP packet (including fixed fields, and IPvX address(es))";
/// keepalived compat: Ethernet padding allowed ([`length_acceptable`]).
fn check_length<T: AsRef<[u8]>>(
    packet: &Packet<T>,
    af: AddressFamily,
    outer_len: usize,
) -> Result<(), DecodeError> {
    let expected =
        outer_len + expected_len(packet.version(), packet.naddr(), af);
    let received = outer_len + packet.as_bytes().len();
    if length_acceptable(expected, received) {
        Ok(())
    } else {
        Err(DecodeError::Length { expected, received })
    }
}

fn check_version(
    version: u8,
    expected: Option<Version>,
) -> Result<Version, DecodeError> {
    match (Version::from_u8(version), expected) {
        (None, _) => Err(DecodeError::Version(version)),
        (Some(v), Some(e)) if v != e => Err(DecodeError::Version(version)),
        (Some(v), _) => Ok(v),
    }
}

/// RFC 2338 §7.1 / keepalived: auth type known, equal to ours, password
/// equal (constant time).
fn check_v2_auth<T: AsRef<[u8]>>(
    packet: &Packet<T>,
    af: AddressFamily,
    expect: &Expect,
) -> Result<Auth, DecodeError> {
    let code = packet.auth_type();
    let auth = match (code, af) {
        (AUTH_NONE, _) => Auth::None,
        // keepalived compat: v2 over IPv6 carries no auth data, and
        // keepalived refuses authentication for IPv6 instances.
        (_, AddressFamily::Ipv6) => return Err(DecodeError::AuthType(code)),
        (AUTH_PASS, AddressFamily::Ipv4) => {
            Auth::Pass(packet.auth_data().unwrap_or_default())
        }
        (AUTH_AH, AddressFamily::Ipv4) => Auth::Ah,
        _ => return Err(DecodeError::AuthType(code)),
    };
    let Some(exp) = expect.auth else {
        return Ok(auth);
    };
    if exp.type_code() != code {
        return Err(DecodeError::AuthTypeMismatch {
            received: code,
            expected: exp.type_code(),
        });
    }
    if let (Auth::Pass(want), Auth::Pass(got)) = (exp, auth)
        && !ct_eq(&want, &got)
    {
        return Err(DecodeError::AuthFailure);
    }
    Ok(auth)
}

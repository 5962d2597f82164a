//! Received-advert validation, in keepalived's order
//! (`vrrp.c: vrrp_check_packet`, KEEPALIVED.md §2.8), each failure counted.
//!
//! The wire checks (length, TTL, version, v2 auth type and password, v2
//! interval, type, address count, checksum) are `ka_wire::vrrp::Repr::
//! parse`, the project's one fuzzed decoder; this module chooses its
//! policy from the instance configuration, counts each
//! [`DecodeError`] and adds the checks that need instance state (cast,
//! VIP list, unicast peer, owner).

use std::fmt;
use std::net::IpAddr;

use ka_wire::DecodeError;
use ka_wire::vrrp::{
    AddressFamily, AdverInt, ChecksumMode, Endpoints, Expect, Packet, ParseCtx,
    Repr,
};

use crate::config::{Auth, InstanceConfig};
use crate::stats::Stats;
use crate::timers::Version;
use crate::tx;

/// Octets of the IPv4 header the driver stripped (no options, as
/// keepalived sends), for `ka-wire`'s Ethernet padding rule.
const IPV4_HEADER_LEN: usize = 20;
/// Octets of keepalived's IPsec AH header (`vrrp_ipsecah.h`).
const AH_HEADER_LEN: usize = 24;

/// Why a received packet was not handed to the FSM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RxError {
    /// A wire check failed (counted under its RFC 6527 / keepalived
    /// counter).
    Decode(DecodeError),
    /// Source and destination addresses of different families.
    Family,
    /// Multicast received on a unicast instance or vice versa.
    CastMismatch,
    /// One of our VIPs is missing from the advert.
    VipMissing(IpAddr),
    /// Unicast source is not a configured peer.
    NotAPeer(IpAddr),
    /// Unicast TTL outside the peer's `min_ttl..=max_ttl`.
    PeerTtl(u8),
    /// Address owner with `owner_ignore_adverts`.
    OwnerIgnores,
}

impl fmt::Display for RxError {
    /// keepalived's wording where it has one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Decode(e) => fmt_decode(e, f),
            Self::Family => write!(f, "address family mismatch"),
            Self::CastMismatch => {
                write!(f, "Expected and received packet cast differ")
            }
            Self::VipMissing(a) => write!(
                f,
                "ip address associated with VRID not present in MASTER \
                 advert: {a}"
            ),
            Self::NotAPeer(a) => {
                write!(f, "unicast source address {a} not a unicast peer")
            }
            Self::PeerTtl(t) => write!(f, "TTL/HL {t} not in range"),
            Self::OwnerIgnores => write!(f, "owner ignoring advert"),
        }
    }
}

impl RxError {
    /// A short name for what was wrong, the unit of log rate limiting
    /// (whatever the sender or the values).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Decode(e) => match e {
                DecodeError::Truncated { .. } | DecodeError::Length { .. } => {
                    "length"
                }
                DecodeError::Ttl(_) => "TTL",
                DecodeError::Version(_) => "version",
                DecodeError::AuthType(_)
                | DecodeError::AuthTypeMismatch { .. } => "auth type",
                DecodeError::AuthFailure => "password",
                DecodeError::AdverInt { .. } => "advert interval",
                DecodeError::Type(_) => "packet type",
                DecodeError::AddrList { .. } => "address count",
                DecodeError::Checksum { .. } => "checksum",
                DecodeError::IpHeader
                | DecodeError::Protocol(_)
                | DecodeError::AhNextHeader(_) => "IP header",
            },
            Self::Family => "address family",
            Self::CastMismatch => "cast",
            Self::VipMissing(_) => "VIP list",
            Self::NotAPeer(_) => "unicast peer",
            Self::PeerTtl(_) => "peer TTL",
            Self::OwnerIgnores => "owner",
        }
    }
}

/// keepalived's log wording for a wire error (`vrrp_check_packet`).
fn fmt_decode(e: &DecodeError, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match *e {
        DecodeError::Truncated { len, need } => {
            write!(f, "vrrp packet too short, length {len} and expect {need}")
        }
        DecodeError::Length { expected, received } => {
            let dir = if received > expected { "long" } else { "short" };
            write!(
                f,
                "vrrp packet too {dir}, length {received} and expect \
                 {expected}"
            )
        }
        DecodeError::Ttl(t) => {
            write!(f, "invalid TTL/HL. Received {t} and expect 255")
        }
        DecodeError::Version(v) => write!(f, "wrong version. Received {v}"),
        DecodeError::AuthType(t) => write!(f, "Invalid auth type: {t}"),
        DecodeError::AuthTypeMismatch { received, .. } => {
            write!(f, "received a {received} auth")
        }
        DecodeError::AuthFailure => write!(f, "received an invalid passwd!"),
        DecodeError::AdverInt { received, expected } => write!(
            f,
            "advertisement interval mismatch mine={} sec rcv'd={} sec",
            expected.wire_secs(),
            received.wire_secs()
        ),
        DecodeError::Type(t) => {
            write!(f, "Invalid packet type. {t} and expect 1")
        }
        DecodeError::AddrList { received, .. } => {
            write!(f, "received an unexpected ip number count {received}")
        }
        DecodeError::Checksum { .. } => write!(f, "Invalid VRRP checksum"),
        DecodeError::IpHeader
        | DecodeError::Protocol(_)
        | DecodeError::AhNextHeader(_) => write!(f, "{e}"),
    }
}

/// One received packet and its ancillary data.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rx<'a> {
    pub(crate) src: IpAddr,
    pub(crate) dst: IpAddr,
    pub(crate) ttl: u8,
    pub(crate) bytes: &'a [u8],
}

/// Validate `rx` for `cfg` (keepalived `vrrp_check_packet`), counting
/// every failure in `stats`. `check_vip_addr` is false only for a backup
/// with `skip_check_adv_addr` hearing its current master again.
pub(crate) fn check_packet(
    cfg: &InstanceConfig,
    stats: &mut Stats,
    rx: Rx<'_>,
    check_vip_addr: bool,
) -> Result<Repr, RxError> {
    let ep = tx::endpoints(rx.src, rx.dst).ok_or(RxError::Family)?;
    let adv = parse(cfg, ep, rx, check_vip_addr).map_err(|e| {
        stats.count_decode_error(&e);
        RxError::Decode(e)
    })?;
    if rx.dst.is_multicast() == cfg.is_unicast() {
        stats.addr_list_err += 1;
        return Err(RxError::CastMismatch);
    }
    // "Correct type, version, and length. Count as VRRP advertisement".
    stats.advert_rcvd += 1;
    if check_vip_addr {
        check_vips_and_peer(cfg, stats, rx, &adv)?;
    }
    if adv.priority == 0 {
        stats.pri_zero_rcvd += 1;
    }
    // keepalived compat: `owner_ignore_adverts` (strict mode) drops every
    // advert at an address owner.
    if cfg.priority == 255 && cfg.owner_ignore_adverts {
        return Err(RxError::OwnerIgnores);
    }
    Ok(adv)
}

/// `Repr::parse` with the instance's policy; a v3 IPv4 unicast advert
/// that fails the checksum is tried again as a pre-1.3.6 peer would have
/// summed it (keepalived compat: `old_unicast_checksum` auto-detection,
/// the multicast group in the pseudo-header).
fn parse(
    cfg: &InstanceConfig,
    ep: Endpoints,
    rx: Rx<'_>,
    check_vip_addr: bool,
) -> Result<Repr, DecodeError> {
    let packet = Packet::new_unchecked(rx.bytes);
    let cx = parse_ctx(cfg, ep, rx.ttl, check_vip_addr);
    let first = Repr::parse(&packet, &cx);
    let retry = matches!(first, Err(DecodeError::Checksum { .. }))
        && cfg.is_unicast()
        && cfg.version == Version::V3
        && cx.checksum == ChecksumMode::Standard;
    match (retry, cfg.multicast_group()) {
        (true, IpAddr::V4(group)) => {
            let old = ParseCtx {
                checksum: ChecksumMode::OldUnicast { group },
                ..cx
            };
            Repr::parse(&packet, &old).or(first)
        }
        _ => first,
    }
}

/// What `ka-wire` checks for this instance.
fn parse_ctx(
    cfg: &InstanceConfig,
    endpoints: Endpoints,
    ttl: u8,
    check_vip_addr: bool,
) -> ParseCtx {
    let v2 = cfg.version == Version::V2;
    let ipv4 = endpoints.family() == AddressFamily::Ipv4;
    let outer_len = match (ipv4, &cfg.auth) {
        (true, Auth::Ah(_)) => IPV4_HEADER_LEN + AH_HEADER_LEN,
        (true, _) => IPV4_HEADER_LEN,
        (false, _) => 0,
    };
    let checksum = if !ipv4 {
        // IPv6: the kernel verified it (`IPV6_CHECKSUM`).
        ChecksumMode::KernelVerified
    } else if cfg.v3_checksum_as_v2 {
        ChecksumMode::V3AsV2
    } else {
        ChecksumMode::Standard
    };
    let count = cfg.advertised_vips().count();
    let naddr = u8::try_from(count).unwrap_or(u8::MAX);
    ParseCtx {
        endpoints,
        ttl: Some(ttl),
        // RFC 5798 §7.1 "MUST verify that the IPv4 TTL/IPv6 HL is 255";
        // keepalived compat: not for unicast.
        check_ttl: !cfg.is_unicast(),
        outer_len,
        checksum,
        expect: Expect {
            version: Some(cfg.version),
            // keepalived compat: no auth checks for v2 over IPv6.
            auth: (v2 && ipv4).then(|| cfg.auth.wire()),
            // RFC 3768 §7.1: the v2 interval must be ours (v3 learns it).
            adver_int: v2.then(|| AdverInt::Secs(cfg.adver_int.secs())),
            naddr: check_vip_addr.then_some(naddr),
        },
    }
}

fn check_vips_and_peer(
    cfg: &InstanceConfig,
    stats: &mut Stats,
    rx: Rx<'_>,
    adv: &Repr,
) -> Result<(), RxError> {
    // RFC 5798 §7.1: "MAY verify that the IP address(es) associated with
    // the VRID are valid".
    let mut ours = cfg.advertised_vips();
    if let Some(v) = ours.find(|v| !adv.addrs.iter().any(|a| a == *v)) {
        stats.addr_list_err += 1;
        return Err(RxError::VipMissing(v));
    }
    let peers_checked = cfg.check_unicast_src
        || cfg
            .unicast_peers
            .iter()
            .any(|p| p.min_ttl != 0 || p.max_ttl != 255);
    if cfg.is_unicast() && peers_checked {
        let Some(peer) = cfg.unicast_peers.iter().find(|p| p.addr == rx.src)
        else {
            stats.unicast_src_err += 1;
            return Err(RxError::NotAPeer(rx.src));
        };
        if rx.ttl < peer.min_ttl || rx.ttl > peer.max_ttl {
            stats.ip_ttl_err += 1;
            return Err(RxError::PeerTtl(rx.ttl));
        }
    }
    Ok(())
}

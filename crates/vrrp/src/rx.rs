//! Received-advert validation, in keepalived's order
//! (`vrrp.c: vrrp_check_packet`, KEEPALIVED.md §2.8), each failure counted.
//!
//! The wire checks (IPv4 header, AH presence and ICV, length, TTL,
//! version, v2 auth type and password, v2 interval, type, address count,
//! checksum) are `ka_wire::advert::Ipv4Advert::parse` (IPv4, the raw
//! datagram) and `ka_wire::vrrp::Repr::parse` (IPv6), the project's one
//! fuzzed decoder; this module chooses their policy from the instance
//! configuration, counts each [`DecodeError`] and adds the checks that
//! need instance state (AH replay, cast, VIP list, unicast peer, owner).

use std::fmt;
use std::net::IpAddr;

use ka_wire::DecodeError;
use ka_wire::advert::{self, Ipv4Advert, Ipv4ParseCtx};
use ka_wire::ipv4::HeaderChecksum;
use ka_wire::vrrp::{AdverInt, ChecksumMode, Expect, Packet, ParseCtx, Repr};

use crate::config::InstanceConfig;
use crate::event::RxPacket;
use crate::stats::Stats;
use crate::timers::Version;
use crate::tx;

/// Why a received packet was not handed to the FSM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RxError {
    /// A wire check failed (counted under its RFC 6527 / keepalived
    /// counter).
    Decode(DecodeError),
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
    /// The ICV or SPI of an AH packet did not verify (counted as an
    /// authentication failure).
    AhAuth,
    /// An AH packet's sequence number was not above the instance's
    /// counter: a replay (counted as an authentication failure).
    AhReplay {
        /// Sequence number received.
        seq: u32,
        /// The instance's counter.
        local: u32,
    },
}

impl fmt::Display for RxError {
    /// keepalived's wording where it has one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Decode(e) => fmt_decode(e, f),
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
            Self::AhAuth => write!(
                f,
                "IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields \
                 mutation or bad password !"
            ),
            Self::AhReplay { seq, local } => write!(
                f,
                "IPSEC-AH : sequence number {seq} already processed. \
                 Packet dropped. Local({local})"
            ),
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
            Self::AhAuth => "AH authentication",
            Self::AhReplay { .. } => "AH sequence number",
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

/// One received packet, as far as it is known before an instance is
/// chosen (keepalived `vrrp_get_header`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rx<'a> {
    pub(crate) src: IpAddr,
    pub(crate) dst: IpAddr,
    /// IPv4 TTL / IPv6 hop limit.
    pub(crate) ttl: u8,
    /// IPv4 protocol 51: the packet carries an AH header.
    pub(crate) ah: bool,
    pub(crate) vrid: u8,
    /// IPv4: the whole datagram, header included. IPv6: the VRRP message.
    pub(crate) bytes: &'a [u8],
}

impl<'a> Rx<'a> {
    /// The headers of `packet`; `None` when they do not reach the VRID
    /// (keepalived: "VRRP packet too short", no instance to count it).
    pub(crate) fn new(packet: &'a RxPacket) -> Option<Self> {
        match packet {
            RxPacket::V4(bytes) => {
                let p = advert::peek(bytes).ok()?;
                Some(Self {
                    src: IpAddr::V4(p.src),
                    dst: IpAddr::V4(p.dst),
                    ttl: p.ttl,
                    ah: p.ah,
                    vrid: p.vrid,
                    bytes,
                })
            }
            RxPacket::V6 {
                src,
                dst,
                hop_limit,
                bytes,
            } => Some(Self {
                src: IpAddr::V6(*src),
                dst: IpAddr::V6(*dst),
                ttl: *hop_limit,
                ah: false,
                vrid: Packet::new_checked(&bytes[..]).ok()?.vrid(),
                bytes,
            }),
        }
    }
}

/// Validate `rx` for `cfg` (keepalived `vrrp_check_packet`), counting
/// every failure in `stats`. `check_vip_addr` is false only for a backup
/// with `skip_check_adv_addr` hearing its current master again. `ah_seq`
/// is the instance's AH sequence counter, which an accepted AH packet
/// advances.
pub(crate) fn check_packet(
    cfg: &InstanceConfig,
    stats: &mut Stats,
    ah_seq: &mut u32,
    rx: Rx<'_>,
    check_vip_addr: bool,
) -> Result<Repr, RxError> {
    let (adv, seq) = parse(cfg, rx, check_vip_addr).map_err(|e| {
        stats.count_decode_error(&e);
        match e {
            DecodeError::AuthFailure if cfg.ah_key().is_some() => {
                RxError::AhAuth
            }
            e => RxError::Decode(e),
        }
    })?;
    if let Some(seq) = seq {
        ah_replay_check(stats, ah_seq, seq)?;
    }
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
    if cfg.priority.is_owner() && cfg.owner_ignore_adverts {
        return Err(RxError::OwnerIgnores);
    }
    Ok(adv)
}

/// keepalived compat (`vrrp_in_chk_ipsecah`): one AH sequence counter per
/// instance serves sending and replay protection. A verified packet's
/// sequence number above it becomes the counter (our next advert
/// continues from there); anything else is a replay, counted as an
/// authentication failure.
fn ah_replay_check(
    stats: &mut Stats,
    counter: &mut u32,
    seq: u32,
) -> Result<(), RxError> {
    if seq > *counter {
        *counter = seq;
        Ok(())
    } else {
        stats.auth_failure += 1;
        Err(RxError::AhReplay {
            seq,
            local: *counter,
        })
    }
}

/// The wire decode with the instance's policy: the advert and, for AH,
/// its verified sequence number. A v3 IPv4 unicast advert that fails the
/// checksum is tried again as a pre-1.3.6 peer would have summed it
/// (keepalived compat: `old_unicast_checksum` auto-detection, the
/// multicast group in the pseudo-header).
fn parse(
    cfg: &InstanceConfig,
    rx: Rx<'_>,
    check_vip_addr: bool,
) -> Result<(Repr, Option<u32>), DecodeError> {
    let expect = expect(cfg, rx.src.is_ipv4(), check_vip_addr);
    if rx.src.is_ipv6() {
        // Both addresses come from one `RxPacket::V6`.
        let ep = tx::endpoints(rx.src, rx.dst).ok_or(DecodeError::IpHeader)?;
        let cx = ParseCtx {
            endpoints: ep,
            ttl: Some(rx.ttl),
            // RFC 5798 §7.1 "MUST verify that the IPv4 TTL/IPv6 HL is
            // 255"; keepalived compat: not for unicast.
            check_ttl: !cfg.is_unicast(),
            outer_len: 0,
            // IPv6: the kernel verified it (`IPV6_CHECKSUM`).
            checksum: ChecksumMode::KernelVerified,
            expect,
        };
        let adv = Repr::parse(&Packet::new_unchecked(rx.bytes), &cx)?;
        return Ok((adv, None));
    }
    let cx = Ipv4ParseCtx {
        // The kernel drops IPv4 packets with a bad header checksum before
        // a raw socket sees them.
        ip_checksum: HeaderChecksum::Trust,
        check_ttl: !cfg.is_unicast(),
        checksum: if cfg.v3_checksum_as_v2 {
            ChecksumMode::V3AsV2
        } else {
            crate::tx::old_unicast(cfg).unwrap_or(ChecksumMode::Standard)
        },
        expect,
        ah_key: cfg.ah_key(),
        // keepalived compat: the instance's unicast flag decides whether
        // the TTL is in the ICV.
        unicast: cfg.is_unicast(),
    };
    let first = Ipv4Advert::parse(rx.bytes, &cx);
    let retry = matches!(first, Err(DecodeError::Checksum { .. }))
        && cfg.old_unicast_checksum == crate::OldUnicastChecksum::Detect
        && cfg.is_unicast()
        && cfg.version == Version::V3
        && cx.checksum == ChecksumMode::Standard;
    let got = match (retry, cfg.multicast_group()) {
        (true, IpAddr::V4(group)) => {
            let old = Ipv4ParseCtx {
                checksum: ChecksumMode::OldUnicast { group },
                ..cx
            };
            Ipv4Advert::parse(rx.bytes, &old).or(first)
        }
        _ => first,
    }?;
    Ok((got.vrrp, got.ah.map(|a| a.seq)))
}

/// What `ka-wire` checks for this instance.
fn expect(cfg: &InstanceConfig, ipv4: bool, check_vip_addr: bool) -> Expect {
    let v2 = cfg.version == Version::V2;
    let count = cfg.advertised_vips().count();
    let naddr = u8::try_from(count).unwrap_or(u8::MAX);
    Expect {
        version: Some(cfg.version),
        // keepalived compat: no auth checks for v2 over IPv6. For IPv4
        // every instance checks its auth type: one configured with AH
        // accepts only packets that carry an AH header and verify.
        auth: (v2 && ipv4).then(|| cfg.auth.wire()),
        // RFC 3768 §7.1: the v2 interval must be ours (v3 learns it).
        adver_int: v2.then(|| AdverInt::Secs(cfg.adver_int.secs())),
        naddr: check_vip_addr.then_some(naddr),
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

//! Received-advert validation, in keepalived's order
//! (`vrrp.c: vrrp_check_packet`, KEEPALIVED.md §2.8), each failure counted.

use std::fmt;
use std::net::IpAddr;

use crate::advert::{self, Advert, ChecksumMode, Header};
use crate::config::{Auth, InstanceConfig};
use crate::stats::Stats;
use crate::timers::Version;

/// Why a received packet was not handed to the FSM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RxError {
    /// Shorter than the fixed header.
    Truncated,
    /// Length differs from what the address count implies.
    Length {
        /// Received length.
        got: usize,
        /// Expected length.
        want: usize,
    },
    /// Multicast TTL / hop limit not 255.
    Ttl(u8),
    /// Version differs from ours.
    Version(u8),
    /// Unknown v2 auth type.
    InvalidAuthType(u8),
    /// v2 auth type differs from ours.
    AuthTypeMismatch(u8),
    /// v2 password differs.
    AuthFailure,
    /// v2 advert interval differs from ours (seconds).
    AdverInt(u16),
    /// Not an ADVERTISEMENT.
    Type(u8),
    /// Address count differs from our VIP count.
    AddrCount(u8),
    /// Checksum does not verify.
    Checksum,
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
            Self::Truncated => write!(f, "vrrp packet too short"),
            Self::Length { got, want } => {
                let dir = if got > want { "long" } else { "short" };
                write!(
                    f,
                    "vrrp packet too {dir}, length {got} and expect {want}"
                )
            }
            Self::Ttl(t) => {
                write!(f, "invalid TTL/HL. Received {t} and expect 255")
            }
            Self::Version(v) => write!(f, "wrong version. Received {v}"),
            Self::InvalidAuthType(t) => write!(f, "Invalid auth type: {t}"),
            Self::AuthTypeMismatch(t) => write!(f, "received a {t} auth"),
            Self::AuthFailure => write!(f, "received an invalid passwd!"),
            Self::AdverInt(s) => {
                write!(f, "advertisement interval mismatch rcv'd={s} sec")
            }
            Self::Type(t) => {
                write!(f, "Invalid packet type. {t} and expect 1")
            }
            Self::AddrCount(n) => {
                write!(f, "received an unexpected ip number count {n}")
            }
            Self::Checksum => write!(f, "Invalid VRRP checksum"),
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
) -> Result<Advert, RxError> {
    let ipv6 = cfg.is_ipv6();
    let h = Header::read(rx.bytes).ok_or_else(|| {
        stats.packet_len_err += 1;
        RxError::Truncated
    })?;
    // RFC 5798 §7.1: "MUST verify that the received packet contains the
    // complete VRRP packet". keepalived compat: exact length in 2.2.7.
    let want = h.expected_len(ipv6);
    if rx.bytes.len() != want {
        stats.packet_len_err += 1;
        return Err(RxError::Length {
            got: rx.bytes.len(),
            want,
        });
    }
    // RFC 5798 §7.1: "MUST verify that the IPv4 TTL/IPv6 HL is 255";
    // keepalived compat: not for unicast.
    if !cfg.is_unicast() && rx.ttl != 255 {
        stats.ip_ttl_err += 1;
        return Err(RxError::Ttl(rx.ttl));
    }
    // RFC 5798 §7.1: "MUST verify the VRRP version ID".
    if h.version != cfg.version.number() {
        stats.vers_err += 1;
        return Err(RxError::Version(h.version));
    }
    if cfg.version == Version::V2 {
        check_v2_auth_and_interval(cfg, stats, &h, rx.bytes, ipv6)?;
    }
    if h.kind != 1 {
        stats.invalid_type_rcvd += 1;
        return Err(RxError::Type(h.kind));
    }
    if check_vip_addr && usize::from(h.naddr) != cfg.vips.len() {
        stats.addr_list_err += 1;
        return Err(RxError::AddrCount(h.naddr));
    }
    check_checksum(cfg, stats, rx, ipv6)?;
    if rx.dst.is_multicast() == cfg.is_unicast() {
        stats.addr_list_err += 1;
        return Err(RxError::CastMismatch);
    }
    let adv = advert::decode(rx.bytes, ipv6).ok_or_else(|| {
        stats.packet_len_err += 1;
        RxError::Truncated
    })?;
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

fn check_v2_auth_and_interval(
    cfg: &InstanceConfig,
    stats: &mut Stats,
    h: &Header,
    b: &[u8],
    ipv6: bool,
) -> Result<(), RxError> {
    if !ipv6 {
        if h.byte4 > 2 {
            stats.invalid_authtype += 1;
            return Err(RxError::InvalidAuthType(h.byte4));
        }
        if h.byte4 != cfg.auth.wire_type() {
            stats.authtype_mismatch += 1;
            return Err(RxError::AuthTypeMismatch(h.byte4));
        }
        if let Auth::Pass(pw) = &cfg.auth {
            let start = b.len().saturating_sub(advert::AUTH_LEN);
            if !constant_time_eq(b.get(start..).unwrap_or(&[]), pw) {
                stats.auth_failure += 1;
                return Err(RxError::AuthFailure);
            }
        }
    }
    // RFC 3768 §7.1: "MUST verify that the Adver Interval in the packet is
    // the same as the locally configured for this virtual router";
    // keepalived returns DROP. The counter is ours (keepalived has it but
    // does not bump it here).
    if u16::from(h.byte5) != u16::from(cfg.adver_int.secs()) {
        stats.advert_interval_err += 1;
        return Err(RxError::AdverInt(h.byte5.into()));
    }
    Ok(())
}

fn check_checksum(
    cfg: &InstanceConfig,
    stats: &mut Stats,
    rx: Rx<'_>,
    ipv6: bool,
) -> Result<(), RxError> {
    let mode = if cfg.version == Version::V2 || cfg.v3_checksum_as_v2 {
        ChecksumMode::Plain
    } else {
        ChecksumMode::Pseudo {
            src: rx.src,
            dst: rx.dst,
        }
    };
    // IPv6: the kernel verified the checksum (keepalived compat); a
    // v2-over-IPv6 message carries a kernel checksum with pseudo-header.
    if ipv6 && cfg.version == Version::V2 {
        return Ok(());
    }
    if advert::checksum(rx.bytes, mode) == 0 {
        return Ok(());
    }
    // keepalived compat: pre-1.3.6 peers computed the v3 unicast checksum
    // over the multicast group (`old_unicast_checksum` auto-detection).
    if cfg.is_unicast() && matches!(mode, ChecksumMode::Pseudo { .. }) {
        let old = ChecksumMode::Pseudo {
            src: rx.src,
            dst: cfg.multicast_group(),
        };
        if advert::checksum(rx.bytes, old) == 0 {
            return Ok(());
        }
    }
    stats.chk_err += 1;
    Err(RxError::Checksum)
}

fn check_vips_and_peer(
    cfg: &InstanceConfig,
    stats: &mut Stats,
    rx: Rx<'_>,
    adv: &Advert,
) -> Result<(), RxError> {
    // RFC 5798 §7.1: "MAY verify that the IP address(es) associated with
    // the VRID are valid".
    if let Some(v) = cfg.vips.iter().find(|v| !adv.addrs.contains(&v.addr)) {
        stats.addr_list_err += 1;
        return Err(RxError::VipMissing(v.addr));
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

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

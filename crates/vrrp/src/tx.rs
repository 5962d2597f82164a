//! Outgoing adverts: the engine's configuration turned into a
//! `ka_wire::vrrp::Repr` and encoded by `ka-wire`, the project's one VRRP
//! codec (DESIGN.md §2 "Packets are two layers"). Nothing here knows a
//! byte offset or a checksum rule; it only chooses the policy.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ka_wire::advert::{Ipv4Advert, Ipv4EmitCtx};
use ka_wire::vrrp::{
    AdverInt, Auth, ChecksumMode, EmitCtx, Endpoints, Packet, Repr,
};
use ka_wire::{ah, ipv4};

use crate::config::InstanceConfig;
use crate::timers::Version;

/// The advert `cfg` sends with `priority` (keepalived
/// `vrrp_build_vrrp_v2` / `vrrp_build_vrrp_v3`).
pub(crate) fn advert_repr(cfg: &InstanceConfig, priority: u8) -> Repr {
    let (adver_int, auth) = match cfg.version {
        // keepalived compat: v2 forced onto IPv6 carries no auth data.
        Version::V2 if cfg.is_ipv6() => {
            (AdverInt::Secs(cfg.adver_int.secs()), Auth::None)
        }
        Version::V2 => (AdverInt::Secs(cfg.adver_int.secs()), cfg.auth.wire()),
        Version::V3 => (AdverInt::Centis(cfg.adver_int.centis()), Auth::None),
    };
    Repr {
        version: cfg.version,
        vrid: cfg.vrid.get(),
        priority,
        adver_int,
        addrs: cfg.advert_addrs(),
        auth,
    }
}

/// The IP endpoints of a packet, if both addresses have one family.
pub(crate) fn endpoints(src: IpAddr, dst: IpAddr) -> Option<Endpoints> {
    match (src, dst) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => Some(Endpoints::V4 { src, dst }),
        (IpAddr::V6(src), IpAddr::V6(dst)) => Some(Endpoints::V6 { src, dst }),
        _ => None,
    }
}

/// What an instance counts per packet it sends (keepalived
/// `vrrp_update_pkt`): the IPv4 identification and the IPsec-AH
/// sequence number, which received AH packets advance too
/// (`vrrp_in_chk_ipsecah`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TxCounters {
    /// Last IPv4 ID sent.
    pub(crate) ip_id: u16,
    /// Last AH sequence number sent or accepted.
    pub(crate) ah_seq: u32,
}

/// The bytes the socket writes for `repr` from `src` to `dst` (`None`
/// if `dst` is of the other family).
///
/// IPv4: the whole datagram keepalived builds for its `IP_HDRINCL`
/// socket (`vrrp_build_ip4`, `vrrp_build_ipsecah`, `vrrp_update_pkt`):
/// TOS 0xc0, no DF, an ID incremented per packet and never 0, TTL `ttl`,
/// and for `auth_type AH` the AH header with the next sequence number,
/// signed. keepalived compat: without a known source the header says
/// 0.0.0.0, which the kernel fills in. IPv6: the VRRP message; the kernel
/// writes the header.
pub(crate) fn packet(
    cfg: &InstanceConfig,
    counters: &mut TxCounters,
    repr: &Repr,
    src: Option<IpAddr>,
    dst: IpAddr,
    ttl: Option<u8>,
) -> Option<Vec<u8>> {
    let IpAddr::V4(dst4) = dst else {
        return encode(cfg, repr, src, dst);
    };
    let src4 = match src {
        None => Ipv4Addr::UNSPECIFIED,
        Some(IpAddr::V4(s)) => s,
        Some(IpAddr::V6(_)) => return None,
    };
    counters.ip_id = ipv4::next_ident(counters.ip_id);
    let key = cfg.ah_key();
    let seq = key.map(|_| {
        // keepalived compat: the sequence restarts when it cycles.
        counters.ah_seq = ah::next_seq(counters.ah_seq).unwrap_or(1);
        counters.ah_seq
    });
    // RFC 5798 §5.1.1.3: TTL 255 unless `unicast_ttl` says otherwise.
    let ttl = ttl.unwrap_or(ka_wire::VRRP_TTL);
    let a = Ipv4Advert::keepalived(
        src4,
        dst4,
        counters.ip_id,
        ttl,
        repr.clone(),
        seq,
    );
    Some(a.to_bytes(&Ipv4EmitCtx {
        checksum: checksum_mode(cfg),
        ah_key: key,
        // keepalived compat: unicast instances zero the TTL in the ICV.
        unicast: cfg.is_unicast(),
    }))
}

fn checksum_mode(cfg: &InstanceConfig) -> ChecksumMode {
    if cfg.v3_checksum_as_v2 {
        ChecksumMode::V3AsV2
    } else {
        old_unicast(cfg).unwrap_or(ChecksumMode::Standard)
    }
}

/// keepalived compat (`old_unicast_checksum`): the old checksum mode when
/// configured for this VRRPv3 IPv4 unicast instance.
pub(crate) fn old_unicast(cfg: &InstanceConfig) -> Option<ChecksumMode> {
    let on = cfg.old_unicast_checksum == crate::OldUnicastChecksum::Always
        && cfg.is_unicast()
        && cfg.version == crate::Version::V3;
    match (on, cfg.multicast_group()) {
        (true, IpAddr::V4(group)) => Some(ChecksumMode::OldUnicast { group }),
        _ => None,
    }
}

/// Encodes `repr` from `src` (the unspecified address when the source is
/// not known yet) to `dst`; `None` if `dst` is of the other family.
///
/// VRRPv3 over IPv4 sums the pseudo-header unless `v3_checksum_as_v2`
/// (RFC 5798 §5.2.8; keepalived's default). IPv6 adverts carry the
/// RFC 8200 checksum computed here, which the daemon's `IPV6_CHECKSUM`
/// socket overwrites with the kernel's (same value for the same source).
fn encode(
    cfg: &InstanceConfig,
    repr: &Repr,
    src: Option<IpAddr>,
    dst: IpAddr,
) -> Option<Vec<u8>> {
    let unspecified = if dst.is_ipv6() {
        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    };
    let endpoints = endpoints(src.unwrap_or(unspecified), dst)?;
    let checksum = checksum_mode(cfg);
    let mut bytes = vec![0; repr.buffer_len()];
    let cx = EmitCtx {
        endpoints,
        checksum,
    };
    repr.emit(&mut Packet::new_unchecked(&mut bytes[..]), &cx);
    Some(bytes)
}

/// TTL / hop limit of an advert to `dst` (keepalived compat): 255 for
/// multicast (RFC 5798 §5.1.1.3) and for IPv4 unicast without
/// `unicast_ttl`; `None`, the kernel default, for IPv6 unicast without it.
pub(crate) fn ttl(cfg: &InstanceConfig) -> Option<u8> {
    match (cfg.is_unicast(), cfg.unicast_ttl) {
        (false, _) => Some(ka_wire::VRRP_TTL),
        (true, Some(t)) => Some(t),
        (true, None) if cfg.is_ipv6() => None,
        (true, None) => Some(ka_wire::VRRP_TTL),
    }
}

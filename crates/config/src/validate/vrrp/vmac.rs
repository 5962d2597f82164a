//! VMAC and ipvlan checks, and the number of VIPs an advert can carry
//! (keepalived's `vrrp_complete_instance()`).

use crate::diag::Diagnostics;
use crate::model::vrrp::{AuthType, Instance, VrrpVersion};

/// keepalived's `DEFAULT_MTU`, used when the interface MTU is unknown.
const DEFAULT_MTU: usize = 1500;

/// keepalived's `VRRP_MAX_ADDR`: the advert's address count is 8 bits.
const VRRP_MAX_ADDR: usize = 255;

/// keepalived compat: VIPs beyond what fits in one advert (255, or the
/// space left in a 1500-byte frame: 89 IPv6 addresses) are reported and
/// moved to the excluded VIPs, which are configured but not advertised.
pub(super) fn vip_limit(
    i: &mut Instance,
    version: VrrpVersion,
    v6: bool,
    d: &mut Diagnostics,
) {
    // Ethernet + IP header + VRRP header (+ v2 authentication data).
    let max = if v6 {
        (DEFAULT_MTU - (14 + 40 + 8)) / 16
    } else {
        let mut hdr = 14 + 20 + 8;
        if version == VrrpVersion::V2 {
            hdr += 8;
            if i.auth.as_ref().is_some_and(|a| a.auth_type == AuthType::Ah) {
                hdr += 24;
            }
        }
        (DEFAULT_MTU - hdr) / 4
    }
    .min(VRRP_MAX_ADDR);
    if i.vips.len() <= max {
        return;
    }
    d.error(i.loc.0, format!("({}) Number of VIPs ({}) exceeds maximum/space available in packet (max {max} addresses) - excess moved to eVIPs", i.name, i.vips.len()));
    let excess = i.vips.split_off(max);
    i.evips.extend(excess);
}

/// keepalived compat: `vmac_xmit_base` without `use_vmac` is reported and
/// cleared; an IPv4 ipvlan needs an address of the instance's family
/// (otherwise the instance starts in FAULT, reported as an error); `use_vmac`
/// on a VIP of a VMAC instance is reported.
pub(super) fn vmac(i: &mut Instance, v6: bool, d: &mut Diagnostics) {
    let at = i.loc.0;
    if i.vmac_xmit_base && i.vmac.is_none() {
        d.error(
            at,
            format!("({}) vmac_xmit_base is only valid with a vmac", i.name),
        );
        i.vmac_xmit_base = false;
    }
    if let Some(words) = &i.ipvlan {
        let addr = words.iter().find_map(|w| {
            let a = w.split('/').next().unwrap_or(w);
            a.parse::<std::net::IpAddr>().ok()
        });
        match addr {
            None if !v6 => d.error(at, format!("({}) IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state", i.name)),
            Some(a) if a.is_ipv6() != v6 => d.error(at, format!("({}) IPv4 ipvlan address family does not match instance. setting instance to fault state", i.name)),
            _ => {}
        }
    }
    if i.vmac.is_none() {
        return;
    }
    let own = i.interface.clone();
    for a in i.vips.iter_mut().chain(i.evips.iter_mut()) {
        let same_if = a.dev.is_none() || a.dev == own;
        if a.use_vmac && same_if && a.addr.is_ipv6() == v6 {
            d.error(at, format!("({}) use_vmac specified for VIP/eVIP {}/{} and vrrp instance", i.name, a.addr, a.prefix_len));
            a.use_vmac = false;
        }
    }
}

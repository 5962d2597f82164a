//! Virtual addresses: the engine's [`Vip`] and the netlink details.

use std::net::{IpAddr, Ipv4Addr};

use ka_config::model::vrrp::{Broadcast, IpAddress, PreferredLft, Scope};
use ka_sys::netlink::AddrScope;
use ka_vrrp::Vip;

use super::AddressDetail;

/// The engine's view of an address.
pub(super) fn vip(a: &IpAddress) -> Vip {
    Vip {
        addr: a.addr,
        prefix_len: a.prefix_len,
        dev: a.dev.clone(),
    }
}

/// The netlink details of an address on `dev`, as keepalived's
/// `alloc_ipaddress()` and `netlink_ipaddress()` would send it.
pub(super) fn detail(
    a: &IpAddress,
    dev: String,
    excluded: bool,
) -> AddressDetail {
    let v6 = a.addr.is_ipv6();
    AddressDetail {
        dev,
        prefix_len: a.prefix_len,
        scope: if v6 { AddrScope::Global } else { scope(a) },
        broadcast: broadcast(a),
        label: if v6 { None } else { a.label.clone() },
        peer: a.peer,
        // keepalived compat: IPv6 VIPs get IFA_F_NODAD unless `-nodad`.
        nodad: v6 && !a.nodad,
        noprefixroute: a.noprefixroute,
        home: a.home,
        preferred_lft: preferred_lft(a),
        // keepalived compat: both are IPv6 address flags
        // (IFA_F_MNGTMPADDR, IFA_F_MCAUTOJOIN) that it sends whatever the
        // family; the kernel ignores them on IPv4.
        mngtmpaddr: a.mngtmpaddr,
        autojoin: a.autojoin,
        excluded,
        no_track: a.no_track,
    }
}

fn scope(a: &IpAddress) -> AddrScope {
    match a.scope {
        None | Some(Scope::Global) => AddrScope::Global,
        Some(Scope::Site) => AddrScope::Site,
        Some(Scope::Link) => AddrScope::Link,
        Some(Scope::Host) => AddrScope::Host,
        Some(Scope::Nowhere) => AddrScope::Nowhere,
        // keepalived compat: any number from rt_scopes goes to the kernel
        // as it is (`ifa_scope`).
        Some(Scope::Other(n)) => AddrScope::Other(n),
    }
}

/// keepalived compat: `brd +`/`-` set/clear the host bits of the address
/// when the prefix is at most /30, nothing otherwise; no broadcast with a
/// peer; IPv4 only.
fn broadcast(a: &IpAddress) -> Option<Ipv4Addr> {
    let IpAddr::V4(ip) = a.addr else { return None };
    if a.peer.is_some() {
        return None;
    }
    let host_bits = u32::MAX.checked_shr(u32::from(a.prefix_len)).unwrap_or(0);
    let b = match a.broadcast? {
        Broadcast::Addr(b) => b,
        _ if a.prefix_len > 30 => return None,
        Broadcast::Plus => Ipv4Addr::from(u32::from(ip) | host_bits),
        Broadcast::Minus => Ipv4Addr::from(u32::from(ip) & !host_bits),
    };
    // keepalived sends IFA_BROADCAST only when it is not 0.0.0.0.
    (!b.is_unspecified()).then_some(b)
}

/// keepalived compat (vrrp_ipaddress.c, v2.2.7): an IPv6 address without
/// `preferred_lft` gets 0 (deprecated, never picked as a source) when it
/// is a /128, forever otherwise; IPv4 addresses ignore the option.
fn preferred_lft(a: &IpAddress) -> Option<u32> {
    if a.addr.is_ipv4() {
        return None;
    }
    match a.preferred_lft {
        Some(PreferredLft::Forever) => None,
        Some(PreferredLft::Secs(s)) => Some(s),
        None if a.prefix_len == 128 => Some(0),
        None => None,
    }
}

//! KEEPALIVED-MIB vrrpAddressTable (`.2.6.1`): keepalived
//! `vrrp_snmp_address` over `vrrp_header_ar_table`: the static addresses
//! (index 0.N), then for each instance (index I.N, I from 1) its VIPs and
//! then its eVIPs.

use std::net::IpAddr;

use ka_agentx::{MibView, Value};
use ka_sys::netlink::AddrScope;

use super::{Row, inet_octets, inet_type, vrrp_oid};
use crate::core::operator::Status;
use crate::vrrp::dump::IfaceInfo;
use crate::vrrp::plan::AddressDetail;

/// keepalived `snmp_scope`: Linux scope to InetScopeType.
fn scope(s: AddrScope) -> i32 {
    match s {
        AddrScope::Global => 14,
        AddrScope::Host => 1,
        AddrScope::Link => 2,
        AddrScope::Site => 5,
        AddrScope::Nowhere | AddrScope::Other(_) => 0,
    }
}

/// One address row.
struct Addr<'a> {
    addr: IpAddr,
    prefix_len: u8,
    detail: Option<&'a AddressDetail>,
    /// The instance's interface, for a VIP without `dev`.
    dev: Option<&'a str>,
    set: bool,
    advertised: bool,
}

pub(super) fn fill(
    v: &mut MibView,
    status: &Status,
    rows: &[Row<'_>],
    ifaces: &[IfaceInfo],
) {
    let col = |c: u32| vrrp_oid().child(&[6, 1, c]);
    for c in 2..=12 {
        v.declare(col(c));
    }
    let Some(plan) = &status.plan.vrrp else {
        return;
    };
    let mut put = |i: u32, n: u32, a: &Addr<'_>| {
        let idx = [i, n];
        let mut set = |c: u32, value: Value| v.set(&col(c), &idx, value);
        set(2, Value::Integer(inet_type(a.addr.is_ipv6())));
        set(3, Value::OctetString(inet_octets(a.addr)));
        if a.addr.is_ipv4() {
            let brd = a.detail.and_then(|d| d.broadcast);
            let brd = brd.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED);
            set(4, Value::OctetString(brd.octets().to_vec()));
        }
        let prefix = a.detail.map_or(a.prefix_len, |d| d.prefix_len);
        set(5, Value::Gauge32(u32::from(prefix)));
        let sc = a.detail.map_or(AddrScope::Global, |d| d.scope);
        set(6, Value::Integer(scope(sc)));
        let dev = a.detail.map(|d| d.dev.as_str()).or(a.dev);
        if let Some(dev) = dev {
            let index =
                ifaces.iter().find(|f| f.name == dev).map_or(0, |f| f.index);
            set(7, Value::Integer(index as i32));
            set(8, Value::string(dev));
        }
        if let Some(label) = a.detail.and_then(|d| d.label.as_deref()) {
            set(9, Value::string(label));
        }
        set(10, Value::truth(a.set));
        set(11, Value::truth(a.advertised));
        if let Some(peer) = a.detail.and_then(|d| d.peer) {
            set(12, Value::OctetString(inet_octets(peer)));
        }
    };
    // Static addresses: keepalived-rs does not track whether each one is
    // installed; they are reported as set (they are added at start).
    for (n, (addr, d)) in plan.statics.addresses.iter().enumerate() {
        let a = Addr {
            addr: *addr,
            prefix_len: d.prefix_len,
            detail: Some(d),
            dev: None,
            set: true,
            advertised: false,
        };
        put(0, n as u32 + 1, &a);
    }
    for r in rows {
        let vips = r.c.vips.iter().map(|x| (x, true));
        let evips = r.c.evips.iter().map(|x| (x, false));
        for (n, (vip, advertised)) in vips.chain(evips).enumerate() {
            // keepalived marks each address set as it adds it;
            // keepalived-rs knows it per instance (`vips_set`). keepalived
            // reports isAdvertised false for the VIPs of every instance
            // after the first (its iterator sets the flag for the first
            // only); keepalived-rs reports every VIP advertised
            // (docs/compat.md).
            let a = Addr {
                addr: vip.addr,
                prefix_len: vip.prefix_len,
                detail: plan.addresses.get(&(r.s.name.clone(), vip.addr)),
                dev: vip.dev.as_deref().or(r.c.interface.as_deref()),
                set: r.s.vips_set,
                advertised,
            };
            put(r.index, n as u32 + 1, &a);
        }
    }
}

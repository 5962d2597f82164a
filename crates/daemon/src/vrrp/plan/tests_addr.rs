//! Address options mapped to netlink details: numeric scopes and the
//! IPv6 flags keepalived passes through.

use super::tests::plan;
use super::*;

#[test]
fn numeric_scope_and_flags_reach_the_netlink_request() {
    let p = plan(
        "vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    virtual_ipaddress {
        192.0.2.100/24 scope 100
        192.0.2.101/24 scope 253
    }
    virtual_ipaddress_excluded {
        2001:db8::1/64 mngtmpaddr autojoin
    }
}",
    );
    let d = |a: &str| &p.addresses[&("VI_1".to_owned(), a.parse().unwrap())];
    assert_eq!(d("192.0.2.100").scope, AddrScope::Other(100));
    assert_eq!(d("192.0.2.101").scope, AddrScope::Link);
    let spec = d("2001:db8::1").spec(2, "2001:db8::1".parse().unwrap());
    assert!(spec.mngtmpaddr && spec.autojoin);
    let plain = d("192.0.2.100").spec(2, "192.0.2.100".parse().unwrap());
    assert!(!plain.mngtmpaddr && !plain.autojoin);
    assert!(p.not_implemented.is_empty(), "{:?}", p.not_implemented);
}

//! Address options mapped to netlink details (numeric scopes, the IPv6
//! flags keepalived passes through) and static entries' track groups.

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

#[test]
fn track_group_members_track_the_static_entries_interfaces() {
    let p = plan(
        "track_group G1 {
    group {
        VI_1
    }
}
static_ipaddress {
    203.0.113.5/24 dev eth1 track_group G1
    203.0.113.6/24 track_group G1 no_track
    203.0.113.7/24 dev eth0 track_group G1
}
static_routes {
    198.51.100.0/24 via 203.0.113.1 dev lo track_group G1
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    virtual_ipaddress {
        192.0.2.100/24
    }
}
vrrp_instance VI_2 {
    interface eth0
    virtual_router_id 52
    priority 100
    virtual_ipaddress {
        192.0.2.101/24
    }
}",
    );
    let tracked = |n: usize| -> Vec<String> {
        p.engine.instances[n]
            .track
            .iter()
            .map(|t| format!("{:?}/{}", t.kind, t.weight))
            .collect()
    };
    assert_eq!(
        tracked(0),
        ["Interface(\"eth1\")/0", "Interface(\"lo\")/0"],
        "{:?}",
        p.not_implemented
    );
    assert!(tracked(1).is_empty());
    assert_eq!(p.statics.addresses.len(), 3);
    assert!(
        p.not_implemented.iter().all(|n| !n.contains("track_group")),
        "{:?}",
        p.not_implemented
    );
}

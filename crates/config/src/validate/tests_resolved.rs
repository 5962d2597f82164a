//! Validation resolves every keepalived default once; the resolved view
//! ([`Instance::resolved`]) reads them back.

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use crate::LoadOptions;
use crate::host::FakeHost;
use crate::model::vrrp::{
    GarpSchedule, Instance, InstanceState, Loc, Resolved, VrrpVersion,
};

const PATH: &str = "/etc/keepalived/keepalived.conf";

fn load(text: &str) -> Vec<Instance> {
    let h = FakeHost::new().with_file(PATH, text);
    crate::load(Path::new(PATH), &h, &LoadOptions::default())
        .config
        .vrrp
        .instances
}

fn resolved(text: &str) -> Resolved {
    load(text)[0].resolved().expect("validated instance")
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test literal")
}

#[test]
fn an_unvalidated_instance_has_no_resolved_view() {
    assert_eq!(Instance::new("VI_1", Loc::default()).resolved(), None);
}

#[test]
fn state_master_without_priority_resolves_to_the_owner() {
    let r = resolved(
        "vrrp_instance VI_1 {\n interface eth0\n state MASTER\n \
         virtual_router_id 51\n virtual_ipaddress {\n  192.0.2.10/24\n }\n}\n",
    );
    let want = Resolved {
        state: InstanceState::Master,
        priority: 255,
        version: VrrpVersion::V2,
        ipv6: false,
        strict: false,
        accept: true,
        skip_check_adv_addr: false,
        lower_prio_no_advert: false,
        higher_prio_send_advert: false,
        notify_priority_changes: false,
        smtp_alert: false,
        down_timer_adverts: 3,
        garp: GarpSchedule {
            master_delay: Duration::from_secs(5),
            master_repeat: 5,
            master_refresh: Duration::ZERO,
            master_refresh_repeat: 1,
            lower_prio_delay: Duration::from_secs(5),
            lower_prio_repeat: 5,
        },
    };
    assert_eq!(r, want);
}

#[test]
fn strict_mode_and_globals_resolve_into_the_instance() {
    let text = "global_defs {\n vrrp_strict\n vrrp_version 3\n \
                vrrp_garp_master_delay 2\n vrrp_garp_master_repeat 4\n \
                vrrp_mcast_group4 239.0.0.1\n}\n\
                vrrp_instance VI_1 {\n interface eth0\n \
                virtual_router_id 51\n priority 100\n \
                virtual_ipaddress {\n  192.0.2.10/24\n }\n}\n";
    let i = &load(text)[0];
    let r = i.resolved().expect("validated instance");
    assert_eq!(
        (r.state, r.version, r.strict, r.accept),
        (InstanceState::Backup, VrrpVersion::V3, true, false)
    );
    assert!(r.lower_prio_no_advert && !r.higher_prio_send_advert);
    let g = r.garp;
    assert_eq!(
        (g.master_delay, g.master_repeat),
        (Duration::from_secs(2), 4)
    );
    // keepalived compat: strict mode sends no lower-priority GARPs.
    assert_eq!(
        (g.lower_prio_delay, g.lower_prio_repeat),
        (Duration::ZERO, 0)
    );
    assert_eq!(i.mcast_dst_ip, Some(ip("239.0.0.1")));
}

#[test]
fn multicast_group_defaults_per_family_and_unicast_has_none() {
    let inst = |vip: &str, extra: &str| {
        format!(
            "vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n\
             {extra}\n virtual_ipaddress {{\n  {vip}\n }}\n}}\n"
        )
    };
    let v4 = load(&inst("192.0.2.10/24", ""));
    assert_eq!(v4[0].mcast_dst_ip, Some(ip("224.0.0.18")));
    let v6 = load(&inst("fe80::10/64", ""));
    assert_eq!(v6[0].mcast_dst_ip, Some(ip("ff02::12")));
    let uni = load(&inst(
        "192.0.2.10/24",
        " unicast_src_ip 192.0.2.1\n unicast_peer {\n  192.0.2.2\n }",
    ));
    assert_eq!(uni[0].mcast_dst_ip, None);
    assert_eq!(uni[0].unicast_ttl, Some(255));
}

/// keepalived 2.2.7 `vrrp_min_garp_handler`: settings still at their
/// default when it is read become minimal; others, and later ones, stay.
#[test]
fn vrrp_min_garp_minimises_the_defaults_it_finds() {
    let inst = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n \
                priority 100\n virtual_ipaddress {\n  192.0.2.10/24\n }\n}\n";
    let garp = |globals: &str| {
        resolved(&format!("global_defs {{\n{globals}\n}}\n{inst}")).garp
    };
    let g = garp(" vrrp_min_garp");
    assert_eq!(
        (g.master_delay, g.master_repeat, g.master_refresh),
        (Duration::ZERO, 1, Duration::ZERO)
    );
    assert_eq!(g.master_refresh_repeat, 0);
    assert_eq!(
        (g.lower_prio_delay, g.lower_prio_repeat),
        (Duration::ZERO, 1)
    );
    // Set before to a non-default value: kept.
    let g = garp(" vrrp_garp_master_repeat 3\n vrrp_min_garp");
    assert_eq!((g.master_repeat, g.master_delay), (3, Duration::ZERO));
    // Set before to the default value: minimised all the same.
    let g = garp(" vrrp_garp_master_delay 5\n vrrp_min_garp");
    assert_eq!(g.master_delay, Duration::ZERO);
    // Set after: the later keyword wins.
    let g = garp(" vrrp_min_garp\n vrrp_garp_master_repeat 5");
    assert_eq!(g.master_repeat, 5);
    // `vrrp_min_garp false` changes nothing, even after a `true`.
    let g = garp(" vrrp_min_garp false");
    assert_eq!(
        (g.master_delay, g.master_repeat),
        (Duration::from_secs(5), 5)
    );
    let g = garp(" vrrp_min_garp\n vrrp_min_garp false");
    assert_eq!(g.master_repeat, 1);
}

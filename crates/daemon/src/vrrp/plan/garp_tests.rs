//! `garp_group` lanes and `garp_extra_if` interfaces, mapped.

use std::time::Duration;

use super::super::tests::plan;

const TWO_IF: &str = "vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    EXTRA
    virtual_ipaddress {
        192.0.2.100/24
        192.0.2.101/24 dev eth1
    }
}";

#[test]
fn garp_groups_become_lanes_and_a_vmac_joins_its_parent() {
    let text = format!(
        "global_defs {{\n vrrp_garp_interval 0.01\n}}\n\
         garp_group {{\n garp_interval 0.5\n interfaces {{\n  eth1\n }}\n}}\n\
         garp_group {{\n gna_interval 0.2\n interface eth1\n}}\n\
         garp_group {{\n interface eth3\n}}\n{}",
        TWO_IF.replace("EXTRA", "use_vmac")
    );
    let p = plan(&text);
    let lanes = &p.engine.garp_lanes;
    assert_eq!(lanes.len(), 3, "{lanes:?}");
    assert_eq!(lanes[0].interfaces, ["eth1"]);
    assert_eq!(lanes[0].garp_interval, Some(Duration::from_millis(500)));
    assert_eq!(lanes[0].gna_interval, None);
    // eth1 was claimed by the first group; the group without any delay
    // is dropped.
    assert!(lanes[1].interfaces.is_empty());
    assert_eq!(lanes[1].gna_interval, Some(Duration::from_millis(200)));
    assert_eq!(lanes[2].interfaces, ["eth0", "vrrp.51"]);
    assert_eq!(lanes[2].garp_interval, Some(Duration::from_millis(10)));
}

#[test]
fn extra_if_needs_all_for_a_plain_interface() {
    let p = plan(&TWO_IF.replace("EXTRA", "garp_extra_if 3"));
    assert_eq!(p.engine.instances[0].garp_extra_if, None);
    let p = plan(&TWO_IF.replace("EXTRA", "garp_extra_if all 3"));
    let x = p.engine.instances[0].garp_extra_if.clone().unwrap();
    assert_eq!(x.interval, Duration::from_secs(3));
    assert_eq!(x.interfaces, ["eth1"]);
    let p = plan(&TWO_IF.replace("EXTRA", "garp_extra_if all 0"));
    assert_eq!(p.engine.instances[0].garp_extra_if, None);
}

#[test]
fn global_extra_if_applies_and_xmit_base_adds_the_own_vmac() {
    let text = format!(
        "global_defs {{\n vrrp_garp_extra_if all 2\n}}\n{}",
        TWO_IF.replace("EXTRA", "use_vmac\n    vmac_xmit_base")
    );
    let p = plan(&text);
    let x = p.engine.instances[0].garp_extra_if.clone().unwrap();
    assert_eq!(x.interval, Duration::from_secs(2));
    assert_eq!(x.interfaces, ["vrrp.51", "eth1"]);
}

#[test]
fn up_down_delays_stay_below_the_master_down_adverts() {
    let text = format!(
        "interface_up_down_delays {{\n eth0 5 0.5\n eth1 1\n}}\n{}",
        TWO_IF.replace("EXTRA", "advert_int 1")
    );
    let p = plan(&text);
    let eth0 = p.if_delays["eth0"];
    // (3 - 1) × 1 s - 1 s / 256.
    assert_eq!(eth0.down, Duration::from_micros(2_000_000 - 3_906));
    assert_eq!(eth0.up, Duration::from_millis(500));
    // No instance on eth1: as configured.
    assert_eq!(p.if_delays["eth1"].down, Duration::from_secs(1));
    let p = plan(&text.replace("advert_int 1", "down_timer_adverts 1"));
    assert_eq!(p.if_delays["eth0"], Default::default());
}

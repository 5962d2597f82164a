//! Which interfaces linkbeat polls (keepalived `init_interface_linkbeat`).

use super::tests::plan;
use super::*;

fn polled(p: &VrrpPlan) -> Vec<(&str, Option<LbType>)> {
    p.linkbeat
        .polled
        .iter()
        .map(|(n, t)| (n.as_str(), *t))
        .collect()
}

const TWO: &str = "
    vrrp_instance VI_1 {
        interface eth0
        virtual_router_id 51
        virtual_ipaddress { 192.0.2.1 }
    }
    vrrp_instance VI_2 {
        interface eth1
        virtual_router_id 52
        virtual_ipaddress { 192.0.2.2 }
    }";

#[test]
fn nothing_is_polled_by_default() {
    let p = plan(TWO);
    assert!(p.linkbeat.polled.is_empty() && p.linkbeat.turned_off.is_empty());
}

#[test]
fn root_keyword_polls_every_instance_interface() {
    let p = plan(&format!("linkbeat_use_polling\n{TWO}"));
    assert_eq!(polled(&p), vec![("eth0", None), ("eth1", None)]);
    assert!(p.not_implemented.iter().all(|n| !n.contains("linkbeat")));
}

#[test]
fn instance_keyword_polls_only_its_interface() {
    let text = TWO.replace(
        "virtual_router_id 52",
        "virtual_router_id 52\n        linkbeat_use_polling",
    );
    let p = plan(&text);
    assert_eq!(polled(&p), vec![("eth1", None)]);
    assert!(p.not_implemented.iter().all(|n| !n.contains("linkbeat")));
}

#[test]
fn linkbeat_interfaces_keep_their_type_and_unused_ones_are_turned_off() {
    let p = plan(
        "linkbeat_use_polling
        vrrp_instance VI_0 {
            interface eth0
            virtual_router_id 50
            track_interface { eth1 }
            virtual_ipaddress { 192.0.2.3 }
        }
        linkbeat_interfaces {
            eth1 ETHTOOL
            lo MII
        }",
    );
    // eth1 is tracked by VI_0; lo is used by nobody; eth0 is VI_0's own
    // interface, polled by the root keyword.
    assert_eq!(
        polled(&p),
        vec![("eth0", None), ("eth1", Some(LbType::Ethtool))]
    );
    assert_eq!(
        p.linkbeat.turned_off,
        vec![(
            "lo".to_owned(),
            "Turning off linkbeat for lo since not used for tracking"
                .to_owned()
        )]
    );
}

#[test]
fn vmacs_are_left_to_netlink() {
    let p = plan(
        "linkbeat_use_polling
        vrrp_instance VI_1 {
            interface eth0
            use_vmac vrrp.51
            virtual_router_id 51
            virtual_ipaddress { 192.0.2.1 }
        }",
    );
    assert!(p.linkbeat.polled.is_empty(), "{:?}", p.linkbeat);
    assert_eq!(
        p.linkbeat.turned_off,
        vec![(
            "vrrp.51".to_owned(),
            "Turning off linkbeat for vrrp.51 since netlink works for vmacs/ipvlans"
                .to_owned()
        )]
    );
}

#[test]
fn sync_group_track_interface_counts_as_used() {
    let p = plan(
        "linkbeat_interfaces { eth1 }
        vrrp_sync_group G {
            group { VI_1 }
            track_interface { eth1 }
        }
        vrrp_instance VI_1 {
            interface eth0
            virtual_router_id 51
            virtual_ipaddress { 192.0.2.1 }
        }",
    );
    assert_eq!(polled(&p), vec![("eth1", None)]);
}

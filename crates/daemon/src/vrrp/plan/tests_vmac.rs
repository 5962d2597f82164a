//! `use_vmac`, `vmac_xmit_base` and the firewall settings, mapped.

use super::tests::plan;
use super::*;

const VMAC: &str = "vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    use_vmac
    virtual_ipaddress {
        192.0.2.100/24
        192.0.2.101/24 dev eth1
    }
}";

#[test]
fn use_vmac_makes_the_vmac_the_instance_interface() {
    let p = plan(VMAC);
    let c = &p.engine.instances[0];
    assert_eq!(c.interface.as_deref(), Some("vrrp.51"));
    assert_eq!(c.vips[0].dev, None);
    assert_eq!(c.vips[1].dev.as_deref(), Some("eth1"));
    let v = &p.vmacs[0];
    assert_eq!((v.parent.as_str(), v.name.as_str()), ("eth0", "vrrp.51"));
    assert_eq!(v.mac, [0, 0, 0x5e, 0, 1, 51]);
    assert!(!v.xmit_base && !v.ipv6 && !v.other_family && !v.src_configured);
    let dev = |a: &str| {
        p.addresses[&("VI_1".to_owned(), a.parse().unwrap())]
            .dev
            .clone()
    };
    assert_eq!(dev("192.0.2.100"), "vrrp.51");
    assert_eq!(dev("192.0.2.101"), "eth1");
}

#[test]
fn xmit_base_keeps_the_parent_and_moves_the_vips() {
    let p = plan(&VMAC.replace(
        "use_vmac",
        "use_vmac vmac51 02:11:22:33:44\n    vmac_xmit_base",
    ));
    let c = &p.engine.instances[0];
    assert_eq!(c.interface.as_deref(), Some("eth0"));
    assert_eq!(c.vips[0].dev.as_deref(), Some("vmac51"));
    assert_eq!(c.vips[1].dev.as_deref(), Some("eth1"));
    let v = &p.vmacs[0];
    assert!(v.xmit_base);
    assert_eq!(v.mac, [2, 0x11, 0x22, 0x33, 0x44, 51]);
}

#[test]
fn two_instances_on_one_vrid_get_distinct_names() {
    let second = VMAC
        .replace("VI_1", "VI_2")
        .replace("interface eth0", "interface eth1");
    let p = plan(&format!("{VMAC}\n{second}"));
    let names: Vec<&str> = p.vmacs.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["vrrp.51", "vrrp1.51"]);
}

#[test]
fn firewall_settings_come_from_global_defs() {
    let p = plan(VMAC);
    assert_eq!(p.firewall, FirewallConfig::default());
    let p = plan(&format!(
        "global_defs {{\n nftables kad\n nftables_priority -5\n nftables_counters\n nftables_ifindex\n disable_local_igmp\n}}\n{VMAC}"
    ));
    let want = FirewallConfig {
        table: "kad".into(),
        priority: -5,
        counters: true,
        igmp: false,
        ifindex: true,
    };
    assert_eq!(p.firewall, want);
    assert!(
        !p.not_implemented
            .iter()
            .any(|n| n.contains("nftables") || n.contains("igmp"))
    );
}

const ADDR_VMAC: &str = "global_defs {\n vmac_addr_prefix vaddr\n}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    use_vmac_addr
    virtual_ipaddress {
        192.0.2.100/24
        198.51.100.1/24 dev eth1
        198.51.100.2/24 dev eth1 no_track
    }
    virtual_ipaddress_excluded {
        2001:db8::1/64
    }
}";

fn dev_of(p: &VrrpPlan, a: &str) -> String {
    p.addresses[&("VI_1".to_owned(), a.parse().unwrap())]
        .dev
        .clone()
}

#[test]
fn use_vmac_addr_puts_other_interfaces_and_families_on_vmacs() {
    let p = plan(ADDR_VMAC);
    let c = &p.engine.instances[0];
    // The instance itself has no VMAC: its own-family VIP stays on eth0.
    assert_eq!(c.interface.as_deref(), Some("eth0"));
    assert_eq!(dev_of(&p, "192.0.2.100"), "eth0");
    assert_eq!(c.vips[0].dev, None);
    let got: Vec<_> = p
        .vmacs
        .iter()
        .map(|v| (v.parent.as_str(), v.name.as_str(), v.mac, v.ipv6))
        .collect();
    assert_eq!(
        got,
        [
            ("eth1", "vaddr.51", [0, 0, 0x5e, 0, 1, 51], false),
            ("eth0", "vaddr6.51", [0, 0, 0x5e, 0, 2, 51], true),
        ]
    );
    assert!(p.vmacs.iter().all(|v| v.for_addresses && !v.xmit_base));
    // Two addresses of one family on eth1 share one VMAC.
    assert_eq!(dev_of(&p, "198.51.100.1"), "vaddr.51");
    assert_eq!(dev_of(&p, "198.51.100.2"), "vaddr.51");
    assert_eq!(c.vips[1].dev.as_deref(), Some("vaddr.51"));
    assert_eq!(dev_of(&p, "2001:db8::1"), "vaddr6.51");
    assert_eq!(c.evips[0].dev.as_deref(), Some("vaddr6.51"));
    // The address VMACs are tracked (weight 0) as keepalived does.
    let tracked: Vec<_> = c
        .track
        .iter()
        .map(|t| format!("{:?}/{}", t.kind, t.weight))
        .collect();
    assert!(
        tracked.contains(&"Interface(\"vaddr.51\")/0".to_owned()),
        "{tracked:?}"
    );
    assert!(p.not_implemented.iter().all(|n| !n.contains("use_vmac")));
}

#[test]
fn per_address_use_vmac_moves_only_that_address() {
    let conf = ADDR_VMAC
        .replace("    use_vmac_addr\n", "")
        .replace("dev eth1 no_track", "dev eth1 use_vmac");
    let p = plan(&conf);
    assert_eq!(dev_of(&p, "198.51.100.1"), "eth1");
    assert_eq!(dev_of(&p, "198.51.100.2"), "vaddr.51");
    assert_eq!(dev_of(&p, "2001:db8::1"), "eth0");
    assert_eq!(p.vmacs.len(), 1);
    assert!(p.not_implemented.iter().all(|n| !n.contains("use_vmac")));
}

#[test]
fn other_family_evips_stay_on_the_parent_of_an_instance_vmac() {
    let conf = ADDR_VMAC.replace("use_vmac_addr", "use_vmac");
    let p = plan(&conf);
    let c = &p.engine.instances[0];
    assert_eq!(c.interface.as_deref(), Some("vrrp.51"));
    assert_eq!(dev_of(&p, "192.0.2.100"), "vrrp.51");
    assert_eq!(dev_of(&p, "198.51.100.1"), "eth1");
    assert_eq!(dev_of(&p, "2001:db8::1"), "eth0");
    assert_eq!(c.evips[0].dev.as_deref(), Some("eth0"));
    assert_eq!(p.vmacs.len(), 1);
}

#[test]
fn use_ipvlan_is_the_instance_interface_and_its_address_the_source() {
    let p = plan(
        &VMAC.replace("use_vmac", "use_ipvlan vepa 192.0.2.11/24 ipv0 private"),
    );
    let c = &p.engine.instances[0];
    assert_eq!(c.interface.as_deref(), Some("ipv0"));
    assert_eq!(c.src_addr, Some("192.0.2.11".parse().unwrap()));
    // keepalived compat: the VIPs stay on the configured interface.
    assert_eq!(c.vips[0].dev.as_deref(), Some("eth0"));
    assert_eq!(c.vips[1].dev.as_deref(), Some("eth1"));
    let dev = |a: &str| {
        p.addresses[&("VI_1".to_owned(), a.parse().unwrap())]
            .dev
            .clone()
    };
    assert_eq!(dev("192.0.2.100"), "eth0");
    let v = &p.vmacs[0];
    assert_eq!((v.parent.as_str(), v.name.as_str()), ("eth0", "ipv0"));
    // The first flag word counts: vepa.
    let want = VifKind::IpVlan {
        flags: 2,
        addr: Some(("192.0.2.11".parse().unwrap(), 24)),
    };
    assert_eq!(v.kind, want);
    assert!(v.src_configured && !v.xmit_base && !v.for_addresses);
    assert!(!p.not_implemented.iter().any(|n| n.contains("ipvlan")));
}

#[test]
fn use_ipvlan_defaults_to_a_vmac_name_bridge_and_a_host_address() {
    let p = plan(&VMAC.replace(
        "use_vmac",
        "use_ipvlan 192.0.2.11\n    unicast_src_ip 192.0.2.12",
    ));
    let c = &p.engine.instances[0];
    assert_eq!(c.interface.as_deref(), Some("vrrp.51"));
    // A configured source wins over the ipvlan's address.
    assert_eq!(c.src_addr, Some("192.0.2.12".parse().unwrap()));
    let want = VifKind::IpVlan {
        flags: 0,
        addr: Some(("192.0.2.11".parse().unwrap(), 32)),
    };
    assert_eq!(p.vmacs[0].kind, want);
}

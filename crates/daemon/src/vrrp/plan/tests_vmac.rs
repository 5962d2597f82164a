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
        "global_defs {{\n nftables kad\n nftables_priority -5\n nftables_counters\n disable_local_igmp\n}}\n{VMAC}"
    ));
    let want = FirewallConfig {
        table: "kad".into(),
        priority: -5,
        counters: true,
        igmp: false,
    };
    assert_eq!(p.firewall, want);
    assert!(
        !p.not_implemented
            .iter()
            .any(|n| n.contains("nftables") || n.contains("igmp"))
    );
}

//! Golden tests of the rendered nftables scripts, and (as root) a check
//! that `nft` accepts them in a private namespace.

use std::net::IpAddr;

use super::*;
use crate::vrrp::plan::{AddressDetail, FirewallConfig, VrrpPlan};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn plan_with_ll(instance: &str, addr: &str, dev: &str) -> VrrpPlan {
    let mut p = VrrpPlan::default();
    let d = AddressDetail {
        dev: dev.into(),
        prefix_len: 128,
        scope: ka_sys::netlink::AddrScope::Global,
        broadcast: None,
        label: None,
        peer: None,
        nodad: true,
        noprefixroute: false,
        home: false,
        mngtmpaddr: false,
        autojoin: false,
        preferred_lft: None,
        excluded: false,
        no_track: false,
    };
    p.addresses.insert((instance.into(), ip(addr)), d);
    p
}

const V4_VMAC_AND_VIPS: &str = "\
table ip keepalived {
}
delete table ip keepalived
table ip keepalived {
\tmap vmac_map {
\t\ttype iface_index : iface_index
\t\telements = { \"vrrp.51\" : \"eth0\" }
\t}
\tset vips {
\t\ttype ipv4_addr
\t\telements = { 192.0.2.100, 192.0.2.101 }
\t}
\tchain out {
\t\ttype filter hook output priority -1; policy accept;
\t\tip protocol igmp meta oifkind \"macvlan\" dup to ip daddr device oif map @vmac_map drop
\t\tip saddr @vips drop
\t}
\tchain in {
\t\ttype filter hook input priority -1; policy accept;
\t\tip daddr @vips drop
\t}
}
";

fn vmac(name: &str, ipv6: bool) -> FwVmac {
    FwVmac {
        name: name.into(),
        parent: "eth0".into(),
        ipv6,
        other_family: false,
    }
}

#[test]
fn ipv4_vmac_and_blocked_vips_render_like_keepalived() {
    let mut f = Firewall::new(FirewallConfig::default());
    assert_eq!(f.render(), "");
    f.set_vmacs(vec![vmac("vrrp.51", false)]);
    f.block(
        &VrrpPlan::default(),
        "VI_1",
        &[ip("192.0.2.100"), ip("192.0.2.101")],
        true,
    );
    assert_eq!(f.render(), V4_VMAC_AND_VIPS);
}

#[test]
fn unblocking_empties_the_set_but_keeps_the_chains() {
    let mut f = Firewall::new(FirewallConfig::default());
    f.block(&VrrpPlan::default(), "VI_1", &[ip("192.0.2.100")], true);
    f.block(&VrrpPlan::default(), "VI_1", &[ip("192.0.2.100")], false);
    let want = "\
table ip keepalived {
}
delete table ip keepalived
table ip keepalived {
\tset vips {
\t\ttype ipv4_addr
\t}
\tchain out {
\t\ttype filter hook output priority -1; policy accept;
\t\tip saddr @vips drop
\t}
\tchain in {
\t\ttype filter hook input priority -1; policy accept;
\t\tip daddr @vips drop
\t}
}
";
    assert_eq!(f.render(), want);
}

#[test]
fn disable_local_igmp_leaves_ipv4_vmacs_alone() {
    let cfg = FirewallConfig {
        igmp: false,
        ..FirewallConfig::default()
    };
    let mut f = Firewall::new(cfg);
    f.set_vmacs(vec![vmac("vrrp.51", false)]);
    assert_eq!(f.render(), "");
}

const V6_FULL: &str = "\
table ip6 kad {
}
delete table ip6 kad
table ip6 kad {
\tmap vmac_map {
\t\ttype iface_index : iface_index
\t\telements = { \"vrrp.52\" : \"eth0\" }
\t}
\tset vmac_set {
\t\ttype iface_index
\t\telements = { \"vrrp.52\" }
\t}
\tset vips {
\t\ttype ipv6_addr
\t\telements = { 2001:db8::100 }
\t}
\tset neighbor-discovery {
\t\ttype icmpv6_type
\t\tflags constant
\t\telements = { nd-neighbor-solicit, nd-neighbor-advert }
\t}
\tset vips_link_local {
\t\ttype ipv6_addr . iface_index
\t\telements = { fe80::52 . \"vrrp.52\" }
\t}
\tchain out {
\t\ttype filter hook output priority -5; policy accept;
\t\ticmpv6 type mld2-listener-report meta oifkind \"macvlan\" dup to ip6 daddr device oif map @vmac_map counter drop
\t\ticmpv6 type nd-router-solicit meta oifkind \"macvlan\" oif @vmac_set counter drop
\t\ticmpv6 type @neighbor-discovery counter accept
\t\tip6 saddr fe80::/10 counter goto out_link_local
\t\tip6 saddr @vips counter drop
\t}
\tchain in {
\t\ttype filter hook input priority -5; policy accept;
\t\ticmpv6 type @neighbor-discovery counter accept
\t\tip6 daddr fe80::/10 counter goto in_link_local
\t\tip6 daddr @vips counter drop
\t}
\tchain in_link_local {
\t\tip6 daddr . iif @vips_link_local counter drop
\t}
\tchain out_link_local {
\t\tip6 saddr . oif @vips_link_local counter drop
\t}
}
";

fn v6_firewall() -> Firewall {
    let cfg = FirewallConfig {
        table: "kad".into(),
        priority: -5,
        counters: true,
        igmp: true,
        ifindex: false,
    };
    let mut f = Firewall::new(cfg);
    f.set_vmacs(vec![vmac("vrrp.52", true)]);
    let plan = plan_with_ll("VI_6", "fe80::52", "vrrp.52");
    f.block(&plan, "VI_6", &[ip("fe80::52"), ip("2001:db8::100")], true);
    f
}

#[test]
fn ipv6_vmac_counters_and_link_local_vips_render_like_keepalived() {
    assert_eq!(v6_firewall().render(), V6_FULL);
}

/// A `dont_track_primary` instance on eth0 with the link-local VIP
/// fe80::1 on eth0, and the firewall as `nftables_ifindex` says.
fn dont_track_primary_firewall(ifindex: bool) -> Firewall {
    let mut plan = plan_with_ll("VI_D", "fe80::1", "eth0");
    let vrid = ka_vrrp::Vrid::new(54).unwrap();
    let mut c =
        ka_vrrp::InstanceConfig::new("VI_D", vrid, ka_vrrp::Priority::new(100));
    c.interface = Some("eth0".into());
    c.dont_track_primary = true;
    plan.engine.instances.push(c);
    let cfg = FirewallConfig {
        ifindex,
        ..FirewallConfig::default()
    };
    let mut f = Firewall::new(cfg);
    f.block(&plan, "VI_D", &[ip("fe80::1")], true);
    f
}

#[test]
fn dont_track_primary_link_local_vips_match_by_name_unless_nftables_ifindex() {
    // keepalived compat (`nft_update_ipv6_address`).
    let by_name = dont_track_primary_firewall(false).render();
    assert!(by_name.contains("\tset vips_link_local_name {\n\t\ttype ipv6_addr . ifname\n\t\telements = { fe80::1 . \"eth0\" }"), "{by_name}");
    assert!(by_name.contains("ip6 daddr . iifname @vips_link_local_name drop"));
    assert!(by_name.contains("ip6 saddr . oifname @vips_link_local_name drop"));
    assert!(!by_name.contains("set vips_link_local {"), "{by_name}");
    let by_index = dont_track_primary_firewall(true).render();
    assert!(by_index.contains("ip6 daddr . iif @vips_link_local drop"));
    assert!(!by_index.contains("vips_link_local_name"), "{by_index}");
    // Without dont_track_primary: by index, as before.
    let mut f = Firewall::new(FirewallConfig::default());
    f.block(
        &plan_with_ll("VI_6", "fe80::52", "eth0"),
        "VI_6",
        &[ip("fe80::52")],
        true,
    );
    assert!(!f.render().contains("vips_link_local_name"));
    if let Some(listed) = nft_in_netns(by_name) {
        assert!(
            listed.contains("ip6 daddr . iifname @vips_link_local_name drop"),
            "{listed}"
        );
    }
}

#[test]
fn delete_script_covers_both_families() {
    let f = Firewall::new(FirewallConfig::default());
    assert_eq!(
        f.delete_script(),
        "table ip keepalived {\n}\ndelete table ip keepalived\ntable ip6 keepalived {\n}\ndelete table ip6 keepalived\n"
    );
}

/// Applies a script with `nft` in a private namespace where `eth0`,
/// `vrrp.51` and `vrrp.52` exist, then returns `nft list ruleset`.
fn nft_in_netns(script: String) -> Option<String> {
    let no_nft = || {
        std::process::Command::new("nft")
            .arg("-v")
            .output()
            .is_err()
            .then(|| "nft is not installed".to_owned())
    };
    if ka_lab::skip_if(ka_sys::testns::skip_reason().or_else(no_nft)) {
        return None;
    }
    Some(ka_sys::testns::in_new_netns(move || {
        ka_sys::testns::ip("link add eth0 type veth peer name eth1");
        ka_sys::testns::ip(
            "link add link eth0 name vrrp.51 type macvlan mode private",
        );
        ka_sys::testns::ip(
            "link add link eth0 name vrrp.52 type macvlan mode private",
        );
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(ka_sys::nft::apply(&script))
            .expect("nft accepts the script");
        // Applying twice replaces the table (the declare/delete prefix).
        rt.block_on(ka_sys::nft::apply(&script))
            .expect("nft accepts it twice");
        let out = std::process::Command::new("nft")
            .args(["list", "ruleset"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }))
}

#[test]
fn nft_accepts_the_rendered_scripts() {
    let mut f = v6_firewall();
    f.set_vmacs(vec![vmac("vrrp.52", true), vmac("vrrp.51", false)]);
    f.block(&VrrpPlan::default(), "VI_1", &[ip("192.0.2.100")], true);
    let Some(listed) = nft_in_netns(f.render()) else {
        return;
    };
    for want in [
        "table ip kad",
        "table ip6 kad",
        "elements = { 192.0.2.100 }",
        "fe80::52 . \"vrrp.52\"",
        "ip6 daddr . iif @vips_link_local counter packets 0 bytes 0 drop",
        "dup to ip daddr device oif map @vmac_map",
    ] {
        assert!(listed.contains(want), "{want:?} not in\n{listed}");
    }
}

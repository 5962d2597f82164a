//! Validation tests through [`crate::load`] and [`FakeHost`]. Each case
//! mirrors a configuration run through keepalived 2.2.7 (`keepalived -t`,
//! exit status noted): 5 is a configuration error, 6 a script security
//! violation.

use std::path::{Path, PathBuf};

use crate::host::{FakeHost, FileInfo};
use crate::{Category, LoadOptions, Loaded, Severity};

const PATH: &str = "/etc/keepalived/keepalived.conf";

fn host() -> FakeHost {
    let mut h = FakeHost::new();
    let root_file = FileInfo {
        uid: 0,
        gid: 0,
        mode: 0o755,
        is_dir: false,
    };
    h.file_infos.insert(PathBuf::from("/bin/true"), root_file);
    let root_dir = FileInfo {
        mode: 0o755,
        is_dir: true,
        ..root_file
    };
    h.file_infos.insert(PathBuf::from("/"), root_dir);
    h.file_infos.insert(PathBuf::from("/bin"), root_dir);
    h
}

fn load_on(h: FakeHost, text: &str) -> Loaded {
    let h = h.with_file(PATH, text);
    crate::load(Path::new(PATH), &h, &LoadOptions::default())
}

fn load(text: &str) -> Loaded {
    load_on(host(), text)
}

fn errors(l: &Loaded) -> Vec<String> {
    l.diagnostics
        .iter()
        .filter(|x| x.severity == Severity::Error)
        .map(|x| x.message.clone())
        .collect()
}

/// keepalived's `-t` exit status for these diagnostics.
fn exit(l: &Loaded) -> i32 {
    if l.diagnostics.has_security_violation() {
        6
    } else if l.diagnostics.has_errors() {
        5
    } else {
        0
    }
}

fn vi(extra: &str) -> String {
    format!(
        "vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n \
         priority 100\n{extra}\n virtual_ipaddress {{\n  192.0.2.10/24\n \
         }}\n}}\n"
    )
}

const CHK: &str = "vrrp_script chk {\n script \"/bin/true\"\n}\n";

fn tracked(extra: &str) -> String {
    vi(&format!(" track_script {{\n  chk\n }}\n{extra}"))
}

#[test]
fn script_user_must_exist() {
    // keepalived: "Error setting global script uid/gid", exit 5.
    let l = load(&format!(
        "global_defs {{\n script_user nosuch\n}}\n{}",
        vi("")
    ));
    assert_eq!(errors(&l), ["Error setting global script uid/gid"]);
    let l = load(&format!(
        "global_defs {{\n script_user root nogroup_here\n}}\n{}",
        vi("")
    ));
    assert_eq!(exit(&l), 5);
}

#[test]
fn vrrp_script_user_must_exist() {
    // keepalived: "Unable to set uid/gid for script /bin/true", then
    // "(VI_1) track script chk not found, ignoring...", exit 5.
    let text = format!(
        "global_defs {{\n enable_script_security\n}}\n\
         vrrp_script chk {{\n script \"/bin/true\"\n user nosuch\n}}\n{}",
        tracked("")
    );
    let l = load(&text);
    assert_eq!(
        errors(&l),
        [
            "Unable to set uid/gid for script /bin/true",
            "(VI_1) track script chk not found, ignoring..."
        ]
    );
    assert!(l.config.vrrp.scripts.is_empty());
    assert!(l.config.vrrp.instances[0].track.scripts.is_empty());
}

#[test]
fn script_security_needs_keepalived_script_user() {
    let mut h = host();
    h.users.remove("keepalived_script");
    let text = format!(
        "global_defs {{\n enable_script_security\n}}\n{CHK}{}",
        tracked("")
    );
    // keepalived: three errors, exit 5.
    let l = load_on(h.clone(), &text);
    assert_eq!(
        errors(&l),
        [
            "Unable to set default user keepalived_script for script",
            "Unable to set default user for vrrp script chk - removing",
            "(VI_1) track script chk not found, ignoring..."
        ]
    );
    // Without any script there is nothing to complain about (exit 0).
    let l = load_on(
        h.clone(),
        &format!("global_defs {{\n enable_script_security\n}}\n{}", vi("")),
    );
    assert_eq!(exit(&l), 0, "{:?}", errors(&l));
    // Without script security the default is root: a security violation
    // (exit 6) but no user error.
    let l = load_on(h, &format!("{CHK}{}", tracked("")));
    assert_eq!(exit(&l), 6);
    assert_eq!(l.config.vrrp.scripts.len(), 1);
}

#[test]
fn notify_script_with_unknown_user_is_dropped_quietly() {
    let l = load(&vi(" notify_master \"/bin/true\" nosuch"));
    assert_eq!(l.config.vrrp.instances[0].notify_master, None);
    assert_eq!(exit(&l), 0, "{:?}", errors(&l));
}

#[test]
fn fifo_script_without_fifo_still_counts_for_security() {
    // keepalived: SECURITY VIOLATION, exit 6; with script security, 0.
    let g = "global_defs {\n notify_fifo_script /bin/true\n}\n";
    let l = load(&format!("{g}{}", vi("")));
    assert_eq!(exit(&l), 6);
    let g = "global_defs {\n notify_fifo_script /bin/true\n \
             enable_script_security\n}\n";
    let l = load(&format!("{g}{}", vi("")));
    assert_eq!(exit(&l), 0, "{:?}", errors(&l));
}

#[test]
fn missing_interfaces_are_errors() {
    let cases = [
        (
            vi("").replace(
                "  192.0.2.10/24",
                "  192.0.2.9/24\n  192.0.2.10/24 dev nosuch0",
            ),
            "WARNING - interface nosuch0 for ip address 192.0.2.10/24 doesn't exist",
        ),
        (
            vi(" track_interface {\n  nosuch0\n }"),
            "(VI_1) tracked interface nosuch0 doesn't exist",
        ),
        (
            "garp_group {\n garp_interval 0.1\n interface nosuch0\n}\n"
                .to_string(),
            "WARNING - interface nosuch0 specified for garp_group doesn't exist",
        ),
        (
            "static_ipaddress {\n 192.0.2.20/24 dev nosuch0\n}\n".to_string(),
            "WARNING - interface nosuch0 for ip address 192.0.2.20/24 doesn't exist",
        ),
        (
            "static_routes {\n 198.51.100.0/24 via 192.0.2.1 dev nosuch0\n}\n"
                .to_string(),
            "WARNING - interface nosuch0 for VROUTE nexthop doesn't exist",
        ),
        (
            "static_rules {\n from 192.0.2.0/24 table 100 iif nosuch0 \
             preference 100\n}\n"
                .to_string(),
            "WARNING - interface nosuch0 for rule doesn't exist",
        ),
        (
            "global_defs {\n default_interface nosuch0\n}\n\
             static_ipaddress {\n 192.0.2.20/24\n}\n"
                .to_string(),
            "Static address 192.0.2.20/24 requires either an interface or default interface must exist",
        ),
    ];
    for (text, want) in cases {
        let l = load(&text);
        // keepalived's VRRP process then stops, saying why.
        assert_eq!(
            errors(&l),
            [want, "Non-existent interface specified in configuration"],
            "{text}"
        );
        assert!(l.vrrp_stop.is_some(), "{text}");
        // keepalived: no error with dynamic_interfaces (exit 0).
        let dynamic =
            format!("global_defs {{\n dynamic_interfaces\n}}\n{text}");
        let l = load(&dynamic);
        assert_eq!(exit(&l), 0, "{dynamic}: {:?}", errors(&l));
    }
    // A static address without `dev` uses eth0, which exists (exit 0).
    let l = load("static_ipaddress {\n 192.0.2.20/24\n}\n");
    assert_eq!(exit(&l), 0, "{:?}", errors(&l));
}

#[test]
fn vips_beyond_one_advert_become_evips() {
    let v4: String = (1..=254)
        .map(|n| format!("  203.0.113.{n}/32\n"))
        .chain((1..=120).map(|n| format!("  198.51.100.{n}/32\n")))
        .collect();
    let text = vi("").replace("  192.0.2.10/24\n", &v4);
    let l = load(&text);
    // keepalived: "(VI_1) Number of VIPs (374) exceeds maximum/space
    // available in packet (max 255 addresses) - excess moved to eVIPs".
    assert_eq!(errors(&l).len(), 1, "{:?}", errors(&l));
    let i = &l.config.vrrp.instances[0];
    assert_eq!((i.vips.len(), i.evips.len()), (255, 119));
    // IPv6: 89 addresses fit in a 1500-byte frame.
    let v6: String = std::iter::once("  fe80::1\n".to_string())
        .chain((1..=95).map(|n| format!("  2001:db8::{n:x}/128\n")))
        .collect();
    let l = load(&vi("").replace("  192.0.2.10/24\n", &v6));
    let i = &l.config.vrrp.instances[0];
    assert_eq!((i.vips.len(), i.evips.len()), (89, 7));
}

#[test]
fn sync_group_members_ignore_weights() {
    let script = "vrrp_script chk {\n script \"/bin/true\"\n weight 10\n}\n";
    let group = |extra: &str| {
        format!(
            "vrrp_sync_group G {{\n group {{\n  VI_1\n  VI_2\n }}\n{extra}}}\n"
        )
    };
    let vi2 = "vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 52\n \
               virtual_ipaddress {\n  192.0.2.11/24\n }\n}\n";
    let sec = "global_defs {\n enable_script_security\n}\n";
    let text = format!("{sec}{script}{}{}{vi2}", group(""), tracked(""));
    let l = load(&text);
    // keepalived: an error, exit 5 (6 without script security).
    assert_eq!(
        errors(&l),
        ["(VI_1) ignoring tracked script chk with weights due to SYNC group"]
    );
    assert!(l.config.vrrp.instances[0].track.scripts.is_empty());
    let text = format!(
        "{sec}{script}{}{}{vi2}",
        group(" sync_group_tracking_weight\n"),
        tracked("")
    );
    let l = load(&text);
    assert_eq!(exit(&l), 0, "{:?}", errors(&l));
    // Interface weights are set to 0 and kept.
    let text = format!(
        "{}{}{vi2}",
        group(""),
        vi(" track_interface {\n  eth1 weight 10\n }")
    );
    let l = load(&text);
    assert_eq!(
        errors(&l),
        ["(VI_1) ignoring eth1 tracked interface weight due to SYNC group"]
    );
    assert_eq!(l.config.vrrp.instances[0].track.interfaces[0].weight, 0);
}

#[test]
fn owner_drops_weighted_interfaces_and_own_interface() {
    let l = load(
        &vi(" track_interface {\n  eth1 weight 10\n }")
            .replace("priority 100", "priority 255"),
    );
    assert_eq!(
        errors(&l),
        ["(VI_1) ignoring eth1 tracked interface due to address owner"]
    );
    let l = load(&vi(" track_interface {\n  eth0\n }"));
    assert_eq!(
        errors(&l),
        ["(VI_1) Ignoring track_interface eth0 since own interface"]
    );
}

#[test]
fn vmac_and_ipvlan_checks() {
    let l = load(&vi(" vmac_xmit_base"));
    assert_eq!(
        errors(&l),
        ["(VI_1) vmac_xmit_base is only valid with a vmac"]
    );
    assert!(!l.config.vrrp.instances[0].vmac_xmit_base);
    let l = load(&vi(" use_ipvlan"));
    assert_eq!(errors(&l).len(), 1, "{:?}", errors(&l));
    let l = load(&vi(" use_ipvlan ipv0 192.0.2.50/24"));
    assert_eq!(exit(&l), 0, "{:?}", errors(&l));
    let l = load(
        &vi(" use_vmac").replace("192.0.2.10/24", "192.0.2.10/24 use_vmac"),
    );
    assert_eq!(
        errors(&l),
        [
            "(VI_1) use_vmac specified for VIP/eVIP 192.0.2.10/24 and vrrp instance"
        ]
    );
}

#[test]
fn security_category_is_kept() {
    let l = load(&format!("{CHK}{}", tracked("")));
    assert!(
        l.diagnostics
            .iter()
            .any(|d| d.category == Category::Security)
    );
}

const ROOT_USER: &str =
    "global_defs {\n enable_script_security\n script_user root\n}\n";

fn world_writable_host() -> FakeHost {
    let mut h = host();
    let ww = FileInfo {
        uid: 0,
        gid: 0,
        mode: 0o777,
        is_dir: false,
    };
    h.file_infos.insert(PathBuf::from("/bin/ww.sh"), ww);
    h
}

#[test]
fn an_insecure_vrrp_script_is_disabled_and_untracked() {
    // keepalived 2.2.7 -t: "Disabling track script chk due to insecure", 5.
    let text = format!(
        "{ROOT_USER}vrrp_script chk {{\n script /bin/ww.sh\n}}\n{}",
        vi(" track_script {\n  chk\n }")
    );
    let l = load_on(world_writable_host(), &text);
    assert_eq!(errors(&l), ["Disabling track script chk due to insecure"]);
    assert_eq!(l.diagnostics.config_test_status(), 5);
    assert!(l.config.vrrp.scripts.is_empty());
    assert!(l.config.vrrp.instances[0].track.scripts.is_empty());
}

#[test]
fn a_missing_vrrp_script_is_an_error_with_or_without_security() {
    // keepalived 2.2.7 -t: "... since not found/accessible", 5 either way.
    for g in [ROOT_USER, ""] {
        let text = format!(
            "{g}vrrp_script chk {{\n script /bin/absent\n}}\n{}",
            vi(" track_script {\n  chk\n }")
        );
        let l = load(&text);
        assert_eq!(
            errors(&l),
            ["Disabling track script chk since not found/accessible"]
        );
        assert_eq!(l.diagnostics.config_test_status(), 5);
    }
}

#[test]
fn an_insecure_notify_script_is_dropped_quietly() {
    // keepalived 2.2.7 -t: only logged, 0; never run.
    let text = format!("{ROOT_USER}{}", vi(" notify_master /bin/ww.sh"));
    let l = load_on(world_writable_host(), &text);
    assert_eq!(l.diagnostics.config_test_status(), 0);
    assert!(l.config.vrrp.instances[0].notify_master.is_none());
}

#[test]
fn an_insecure_script_without_security_says_so() {
    // Run as root (no keepalived_script user): the path is checked.
    let mut h = world_writable_host();
    h.users.remove("keepalived_script");
    let text = format!(
        "vrrp_script chk {{\n script /bin/ww.sh\n}}\n{}",
        vi(" track_script {\n  chk\n }")
    );
    let l = load_on(h, &text);
    assert_eq!(l.diagnostics.config_test_status(), 6);
    assert!(
        l.diagnostics
            .iter()
            .any(|d| d.category == Category::Security
                && d.message.ends_with(" There are insecure scripts."))
    );
}

#[test]
fn routes_take_a_family_word_after_via() {
    let ok = vi(
        " virtual_routes {\n  198.51.100.0/24 via inet 192.0.2.1 dev eth0\n  \
                2001:db8:1::/64 via inet6 2001:db8::1 dev eth0\n }",
    );
    let l = load(&ok);
    assert_eq!(errors(&l), Vec::<String>::new());
    let routes = &l.config.vrrp.instances[0].routes;
    assert_eq!(routes.len(), 2);
    assert_eq!(routes[0].via, Some("192.0.2.1".parse().unwrap()));
    let bad = vi(
        " virtual_routes {\n  198.51.100.0/24 via inet6 192.0.2.1 dev eth0\n }",
    );
    assert_eq!(
        errors(&load(&bad)),
        ["Cannot mix IPv4 and IPv6 addresses for route"]
    );
}

#[test]
fn unicast_addresses_drop_a_prefix_length() {
    let l = load(&vi(
        " unicast_src_ip 192.0.2.1/24\n unicast_peer {\n  192.0.2.2/33\n }",
    ));
    assert_eq!(errors(&l), Vec::<String>::new());
    let i = &l.config.vrrp.instances[0];
    assert_eq!(i.src_ip, Some("192.0.2.1".parse().unwrap()));
    assert_eq!(
        i.unicast_peers[0].addr,
        "192.0.2.2".parse::<std::net::IpAddr>().unwrap()
    );
}

#[test]
fn an_smtp_server_name_must_resolve() {
    let g =
        |s: &str| format!("global_defs {{\n smtp_server {s}\n}}\n{}", vi(""));
    assert_eq!(
        errors(&load(&g("no-such-host.invalid"))),
        ["Invalid smtp server no-such-host.invalid 25"]
    );
    assert_eq!(errors(&load(&g("localhost 2525"))), Vec::<String>::new());
    assert_eq!(errors(&load(&g("192.0.2.25"))), Vec::<String>::new());
}

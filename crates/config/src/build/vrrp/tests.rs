//! Tests of the VRRP, global and BFD builders and validation, through
//! the test item helper (the parser is not wired yet).

use std::path::PathBuf;
use std::time::Duration;

use crate::build::{Cx, build, testutil::items};
use crate::diag::{Category, Diagnostics, Severity};
use crate::host::{FakeHost, FileInfo};
use crate::model::Config;
use crate::model::vrrp::{InstanceState, VrrpVersion};

fn load_with(text: &str, host: &FakeHost) -> (Config, Diagnostics) {
    let mut cx = Cx::new();
    let mut c = build(&items(text), &mut cx);
    crate::validate::validate(&mut c, host, &mut cx.diags);
    (c, cx.diags)
}

fn load(text: &str) -> (Config, Diagnostics) {
    load_with(text, &FakeHost::new().with_programs(&["/bin/true"]))
}

fn errors(d: &Diagnostics) -> Vec<String> {
    d.iter()
        .filter(|x| x.severity == Severity::Error)
        .map(|x| x.message.clone())
        .collect()
}

const BASIC: &str = "
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    virtual_ipaddress {
        192.0.2.10/24 dev eth0
    }
}
";

#[test]
fn defaults_of_a_minimal_instance() {
    let (c, d) = load(BASIC);
    assert!(errors(&d).is_empty(), "{:?}", errors(&d));
    let i = &c.vrrp.instances[0];
    assert_eq!(i.priority, Some(100));
    assert_eq!(i.state, Some(InstanceState::Backup));
    assert_eq!(i.version, Some(VrrpVersion::V2));
    assert_eq!(i.accept, Some(true));
    assert_eq!(i.advert_int, Duration::from_secs(1));
    assert_eq!(i.garp_master_delay, Some(Duration::from_secs(5)));
    assert_eq!(i.garp_lower_prio_repeat, Some(5));
    assert_eq!(i.mcast_dst_ip, Some("224.0.0.18".parse().unwrap()));
    assert_eq!(i.vips[0].prefix_len, 24);
}

#[test]
fn state_master_without_priority_is_owner() {
    let (c, _) =
        load(&BASIC.replace("interface eth0", "interface eth0\n state MASTER"));
    assert_eq!(c.vrrp.instances[0].priority, Some(255));
}

#[test]
fn priority_out_of_range_falls_back_to_100() {
    // keepalived -t: "number '300' outside range [1, 255]" and
    // "(VI_1) Priority not valid! ... Using default 100", exit 5.
    let (c, d) =
        load(&BASIC.replace("interface eth0", "interface eth0\n priority 300"));
    assert_eq!(c.vrrp.instances[0].priority, Some(100));
    assert!(
        errors(&d)
            .iter()
            .any(|e| e.contains("priority 300 out of range 1..=255"))
    );
}

#[test]
fn ipv6_forces_version_3_and_v2_rounds_advert_int() {
    let t = BASIC.replace("192.0.2.10/24 dev eth0", "fe80::1\n 2001:db8::1");
    let (c, _) = load(&t);
    assert_eq!(c.vrrp.instances[0].version, Some(VrrpVersion::V3));
    let (c, d) = load(
        &BASIC.replace("interface eth0", "interface eth0\n advert_int 1.5"),
    );
    assert_eq!(c.vrrp.instances[0].advert_int, Duration::from_secs(2));
    assert!(errors(&d).iter().any(|e| e.contains("rounding")));
}

#[test]
fn strict_mode_effects() {
    let t = format!("global_defs {{\n vrrp_strict\n}}\n{}", BASIC.replace("interface eth0", "interface eth0\n preempt_delay 5\n authentication {\n auth_type PASS\n auth_pass secret\n }"));
    let (c, d) = load(&t);
    let i = &c.vrrp.instances[0];
    assert_eq!(i.accept, Some(false));
    assert_eq!(i.auth, None);
    assert_eq!(i.preempt_delay, Duration::ZERO);
    assert_eq!(i.lower_prio_no_advert, Some(true));
    assert_eq!(i.garp_lower_prio_repeat, Some(0));
    assert!(
        errors(&d)
            .iter()
            .any(|e| e.contains("Strict mode does not support authentication"))
    );
}

#[test]
fn nopreempt_rules() {
    let (c, d) = load(&BASIC.replace(
        "interface eth0",
        "interface eth0\n state MASTER\n priority 150\n nopreempt",
    ));
    assert!(!c.vrrp.instances[0].nopreempt);
    assert!(
        errors(&d)
            .iter()
            .any(|e| e.contains("nopreempt will not work"))
    );
}

#[test]
fn loopback_and_missing_interfaces_are_refused() {
    let (_, d) = load(&BASIC.replace("eth0\n", "lo\n"));
    assert!(errors(&d).iter().any(|e| e.contains("loopback")));
    let (_, d) = load(&BASIC.replace("interface eth0", "interface eth9"));
    assert!(errors(&d).iter().any(|e| e.contains("doesn't exist")));
}

#[test]
fn duplicate_vrid_on_one_interface() {
    let t = format!("{BASIC}{}", BASIC.replace("VI_1", "VI_2"));
    let (_, d) = load(&t);
    assert!(errors(&d).iter().any(|e| e.contains("both use VRID 51")));
}

#[test]
fn track_script_must_be_declared_first() {
    let t = BASIC.replace(
        "interface eth0",
        "interface eth0\n track_script {\n chk\n }",
    );
    let (c, d) = load(&format!(
        "{t}vrrp_script chk {{\n script \"/bin/true\"\n}}\n"
    ));
    assert!(c.vrrp.instances[0].track.scripts.is_empty());
    assert!(
        errors(&d)
            .iter()
            .any(|e| e.contains("track script chk not found"))
    );
    let (c, _) = load(&format!(
        "vrrp_script chk {{\n script \"/bin/true\"\n weight -20\n}}\n{t}"
    ));
    assert_eq!(c.vrrp.instances[0].track.scripts[0].weight, -20);
}

#[test]
fn sync_group_members_are_checked() {
    let t = format!(
        "{BASIC}vrrp_sync_group G {{\n group {{\n VI_1\n VI_X\n }}\n}}\n"
    );
    let (c, d) = load(&t);
    assert_eq!(c.vrrp.sync_groups[0].members, vec!["VI_1".to_string()]);
    assert!(errors(&d).iter().any(|e| e.contains("VI_X specified in sync group G doesn't exist")));
}

#[test]
fn script_security_violation_when_scripts_exist() {
    let mut host = FakeHost::new();
    host.file_infos.insert(
        PathBuf::from("/bin/true"),
        FileInfo {
            uid: 0,
            gid: 0,
            mode: 0o755,
            is_dir: false,
        },
    );
    let t = BASIC.replace(
        "interface eth0",
        "interface eth0\n notify_master \"/bin/true arg\"",
    );
    let (c, d) = load_with(&t, &host);
    assert_eq!(
        c.vrrp.instances[0].notify_master.as_ref().unwrap().argv,
        ["/bin/true", "arg"]
    );
    assert!(d.has_security_violation());
    let (_, d) = load_with(
        &format!("global_defs {{\n enable_script_security\n}}\n{t}"),
        &host,
    );
    assert!(!d.has_security_violation());
    // A missing script is not "a script being executed".
    let (_, d) = load_with(&t, &FakeHost::new());
    assert!(!d.iter().any(|x| x.category == Category::Security));
}

#[test]
fn addresses_routes_rules_are_typed() {
    let t = "
static_ipaddress {
    192.0.2.1/24 brd + dev eth0 scope link label eth0:1
    2001:db8::5/64 dev eth1 -nodad preferred_lft forever
}
static_routes {
    198.51.100.0/24 via 192.0.2.254 dev eth0 table 100 metric 5 mtu lock 1400
    blackhole 203.0.113.0/24 no_track
}
static_rules {
    from 192.0.2.0/24 table 100 preference 10
}
";
    let (c, d) = load(t);
    assert!(errors(&d).is_empty(), "{:?}", errors(&d));
    let a = &c.vrrp.static_addresses;
    assert_eq!(a[0].label.as_deref(), Some("eth0:1"));
    assert!(a[1].nodad);
    let r = &c.vrrp.static_routes;
    assert_eq!(r[0].table.as_deref(), Some("100"));
    assert!(r[0].metrics[0].lock);
    assert_eq!(r[1].route_type.as_deref(), Some("blackhole"));
    assert_eq!(c.vrrp.static_rules[0].preference, Some(10));
}

#[test]
fn bfd_defaults_and_track_bfd() {
    let t = format!(
        "bfd_instance B1 {{\n neighbor_ip 192.0.2.2\n}}\n{}",
        BASIC.replace(
            "interface eth0",
            "interface eth0\n track_bfd {\n B1 weight 10\n }"
        )
    );
    let (c, d) = load(&t);
    assert!(errors(&d).is_empty(), "{:?}", errors(&d));
    let b = &c.bfd.instances[0];
    assert_eq!(
        (b.min_rx, b.multiplier, b.ttl),
        (Duration::from_millis(10), 5, Some(255))
    );
    assert_eq!(c.vrrp.instances[0].track.bfds[0].weight, 10);
}

#[test]
fn unknown_keyword_suggests() {
    let (_, d) =
        load(&BASIC.replace("interface eth0", "interface eth0\n priorty 10"));
    assert!(
        d.iter()
            .any(|x| x.help.as_deref() == Some("did you mean `priority`?"))
    );
}

const RICH: &str = "
global_defs {
    router_id LB1
    notification_email {
        ops@example.org
    }
    smtp_server 192.0.2.25 25
    script_user root
    enable_script_security
    vrrp_garp_master_delay 2
    vrrp_garp_interval 0.001
    vrrp_version 3
    notify_fifo /run/ka.fifo
    notify_fifo_script \"/usr/local/bin/fifo reader\"
    enable_snmp_vrrp
}
bfd_instance B1 {
    neighbor_ip 192.0.2.2
    min_rx 20.5
}
vrrp_script chk {
    script \"/usr/bin/pgrep -x 'my proc'\"
    interval 2
    weight -20 reverse
    fall 3
}
track_file tf {
    file /run/tf
    weight 5
}
vrrp_track_process tp {
    process haproxy -f /etc/h.cfg
    quorum 2
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 0.5
    virtual_ipaddress {
        192.0.2.10/24 dev eth0 label eth0:vip
        192.0.2.11
    }
    virtual_ipaddress_excluded {
        2001:db8::10/64
    }
    virtual_routes {
        198.51.100.0/24 via 192.0.2.1 dev eth0
    }
    track_script {
        chk
    }
    track_file {
        tf weight 2
    }
    track_process {
        tp
    }
    track_bfd {
        B1
    }
    track_interface {
        eth1 weight -10
    }
    unicast_src_ip 192.0.2.3
    unicast_peer {
        192.0.2.4 min_ttl 5
    }
    notify_master \"/etc/ka/master.sh \\\"x y\\\"\" root
    notify \"/etc/ka/notify.sh\"
    use_vmac vrrp51
    vmac_xmit_base
}
vrrp_instance VI_2 {
    interface eth1
    virtual_router_id 52
    nopreempt
    preempt_delay 3
    virtual_ipaddress {
        fe80::10
    }
}
vrrp_sync_group G {
    group {
        VI_1
        VI_2
    }
    notify_backup /etc/ka/g.sh
}
";

#[test]
fn print_then_load_gives_the_same_model() {
    for text in [BASIC, RICH] {
        let (c1, _) = load(text);
        let printed = crate::print(&c1);
        let (c2, d2) = load(&printed);
        assert_eq!(c1, c2, "printed:\n{printed}");
        // A printed model has nothing left to fix.
        assert!(
            errors(&d2).iter().all(|e| !e.contains("rounding")),
            "{:?}",
            errors(&d2)
        );
    }
}

#[test]
fn instance_lvs_sync_daemon_interface_sets_the_global_sync_daemon() {
    let inst = |name: &str, ifname: &str| {
        format!(
            "vrrp_instance {name} {{\n interface eth0\n virtual_router_id 5\n \
             lvs_sync_daemon_interface {ifname}\n \
             virtual_ipaddress {{\n 192.0.2.1\n }}\n}}\n"
        )
    };
    let (c, d) = load(&inst("VI_1", "eth1"));
    let s = c.global.lvs_sync_daemon.as_ref().expect("sync daemon");
    assert_eq!(
        (s.interface.as_str(), s.instance.as_deref()),
        ("eth1", Some("VI_1"))
    );
    assert_eq!(
        errors(&d),
        [
            "(VI_1) Specifying lvs_sync_daemon_interface against a vrrp is deprecated.",
            "        Please use global lvs_sync_daemon",
        ]
    );
    assert!(!d.iter().any(|x| x.category == Category::Unsupported));
    // keepalived compat: the first one in file order wins.
    let text = format!(
        "{}{}global_defs {{\n lvs_sync_daemon eth3 VI_1\n}}\n",
        inst("VI_1", "eth1"),
        inst("VI_2", "eth2")
    );
    let (c, d) = load(&text);
    let s = c.global.lvs_sync_daemon.as_ref().expect("sync daemon");
    assert_eq!(s.interface, "eth1");
    let e = errors(&d);
    assert!(e.contains(&"(VI_2) lvs_sync_daemon_interface has already been specified as eth1 - ignoring".to_string()), "{e:?}");
    assert!(e.contains(&"lvs_sync_daemon has already been specified as eth1 VI_1 - ignoring".to_string()), "{e:?}");
}

//! Mapping representative configurations, loaded through `ka_config::load`.

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use ka_config::LoadOptions;
use ka_config::host::{FakeHost, UserInfo};
use ka_config::model::vrrp::ParamMatch;
use ka_sys::netlink::AddrScope;
use ka_vrrp::{
    AdverInt, Auth, GarpConfig, InitialState, InstanceConfig, TrackKind,
    TrackRef, UnicastPeer, Version,
};

use super::*;

/// Users of the test machine.
struct Resolver;

impl UserResolver for Resolver {
    fn uid_gid(&self, user: &str, group: Option<&str>) -> Option<(u32, u32)> {
        let (uid, gid) = match user {
            "root" => (0, 0),
            "keepalived_script" => (998, 998),
            "nobody" => (65534, 65534),
            _ => return None,
        };
        match group {
            None => Some((uid, gid)),
            Some("adm") => Some((uid, 4)),
            Some(_) => None,
        }
    }
}

/// Every absolute path the configuration names, as an executable owned
/// by root: validation drops scripts that do not exist, as keepalived does.
fn programs_named_in(text: &str) -> Vec<&str> {
    text.split(|c: char| c.is_whitespace() || c == '"' || c == '\'')
        .filter(|w| w.starts_with('/') && w.len() > 1)
        .collect()
}

pub(super) fn plan(text: &str) -> VrrpPlan {
    let mut host = FakeHost::new()
        .with_file("/etc/keepalived/keepalived.conf", text)
        .with_programs(&programs_named_in(text));
    host.users.insert(
        "nobody".into(),
        UserInfo {
            uid: 65534,
            gid: 65534,
        },
    );
    host.groups.insert("adm".into(), 4);
    let path = Path::new("/etc/keepalived/keepalived.conf");
    let loaded = ka_config::load(path, &host, &LoadOptions::default());
    vrrp_plan(&loaded.config, &Resolver)
}

fn one(text: &str) -> (InstanceConfig, VrrpPlan) {
    let p = plan(text);
    (p.engine.instances[0].clone(), p)
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn iface(name: &str, weight: i32) -> TrackRef {
    TrackRef::new(TrackKind::Interface(name.into()), weight)
}

const BASIC: &str = "vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    virtual_ipaddress {
        192.0.2.1/24 brd + label eth0:vip
    }
}
";

#[test]
fn defaults_are_keepalived_defaults() {
    let (c, p) = one(BASIC);
    assert_eq!(
        (c.name.as_str(), c.vrid.get(), c.priority.get()),
        ("VI_1", 51, 100)
    );
    assert_eq!(c.version, Version::V2);
    assert_eq!(c.adver_int, AdverInt::DEFAULT);
    assert_eq!(c.initial_state, InitialState::Backup);
    assert!(!c.nopreempt && c.accept && !c.is_unicast());
    assert_eq!(c.down_timer_adverts, 3);
    assert_eq!(c.mcast_group, Some(ip("224.0.0.18")));
    assert_eq!(c.garp, GarpConfig::default());
    assert_eq!(c.auth, Auth::None);
    assert!(c.track.is_empty());
    assert_eq!(c.vips[0].prefix_len, 24);
    let d = &p.addresses[&("VI_1".to_string(), ip("192.0.2.1"))];
    assert_eq!(d.dev, "eth0");
    assert_eq!(d.broadcast, Some("192.0.2.255".parse().unwrap()));
    assert_eq!(d.label.as_deref(), Some("eth0:vip"));
    assert_eq!(
        (d.nodad, d.preferred_lft, d.scope),
        (false, None, AddrScope::Global)
    );
    assert!(p.hooks.contains_key(&(false, "VI_1".to_string())));
    assert!(p.fifo.is_none() && p.scripts.is_empty());
    assert!(p.not_implemented.is_empty(), "{:?}", p.not_implemented);
}

#[test]
fn state_master_without_priority_is_owner() {
    let text = BASIC.replace(
        "interface eth0",
        "interface eth0\n    state MASTER\n    advert_int 3",
    );
    let (c, _) = one(&text);
    assert_eq!(
        (c.priority.get(), c.initial_state),
        (255, InitialState::Master)
    );
    assert_eq!(c.adver_int, AdverInt::from_secs(3));
}

#[test]
fn ipv6_is_v3_with_deprecated_host_vips() {
    let (c, p) = one("vrrp_instance V6 {
        interface eth0
        virtual_router_id 7
        advert_int 0.5
        virtual_ipaddress {
            fe80::1/64
            2001:db8::1
            2001:db8::2 -nodad preferred_lft forever
        }
    }");
    assert_eq!(c.version, Version::V3);
    assert_eq!(c.adver_int, AdverInt::from_centis(50));
    assert_eq!(c.mcast_group, Some(ip("ff02::12")));
    let d = |a: &str| p.addresses[&("V6".to_string(), ip(a))].clone();
    assert_eq!(
        (d("fe80::1").preferred_lft, d("fe80::1").nodad),
        (None, true)
    );
    assert_eq!(
        (d("2001:db8::1").preferred_lft, d("2001:db8::1").nodad),
        (Some(0), true)
    );
    assert_eq!(
        (d("2001:db8::2").preferred_lft, d("2001:db8::2").nodad),
        (None, false)
    );
}

#[test]
fn unicast_peers_with_ttl_limits() {
    let (c, _) = one("vrrp_instance VI_1 {
        interface eth0
        virtual_router_id 51
        priority 150
        nopreempt
        unicast_src_ip 192.0.2.10
        unicast_peer {
            192.0.2.11 min_ttl 250 max_ttl 255
            192.0.2.12
        }
        virtual_ipaddress { 192.0.2.1 }
    }");
    assert_eq!(c.src_addr, Some(ip("192.0.2.10")));
    assert_eq!(
        c.unicast_peers,
        [
            UnicastPeer {
                addr: ip("192.0.2.11"),
                min_ttl: 250,
                max_ttl: 255
            },
            UnicastPeer::new(ip("192.0.2.12")),
        ]
    );
    assert!(c.check_unicast_src && c.nopreempt);
    assert_eq!(
        (c.unicast_ttl, c.mcast_group, c.priority.get()),
        (Some(255), None, 150)
    );
}

#[test]
fn auth_pass_is_truncated_and_padded_for_pass_and_ah() {
    let auth = |t: &str, p: &str| {
        let text = BASIC.replace("interface eth0", &format!("interface eth0\n authentication {{\n auth_type {t}\n auth_pass {p}\n }}"));
        one(&text)
    };
    let (c, _) = auth("PASS", "abc");
    assert_eq!(c.auth, Auth::Pass(*b"abc\0\0\0\0\0"));
    let (c, _) = auth("PASS", "123456789");
    assert_eq!(c.auth, Auth::Pass(*b"12345678"));
    let (c, _) = auth("AH", "secret");
    assert_eq!(c.auth, Auth::Ah(*b"secret\0\0"));
}

#[test]
fn garp_instance_values_win_over_globals() {
    let text = format!("global_defs {{\n vrrp_garp_master_delay 10\n vrrp_garp_master_refresh 60\n vrrp_garp_interval 0.002\n vrrp_startup_delay 5\n}}\n{}",
        BASIC.replace("interface eth0", "interface eth0\n garp_master_repeat 2\n garp_master_refresh_repeat 3"));
    let (c, p) = one(&text);
    assert_eq!(
        c.garp,
        GarpConfig {
            master_delay: Duration::from_secs(10),
            master_repeat: 2,
            master_refresh: Duration::from_secs(60),
            refresh_repeat: 3,
            lower_prio_delay: Duration::from_secs(10),
            lower_prio_repeat: 5,
        }
    );
    assert_eq!(p.engine.garp_interval, Duration::from_millis(2));
    assert_eq!(p.engine.startup_delay, Duration::from_secs(5));
}

const SCRIPTS: &str = "vrrp_script chk_user {
    script \"/usr/local/bin/check web\"
    user nobody adm
    interval 2
    weight -20 reverse
    rise 2
    fall 3
}
vrrp_script chk_default {
    script /bin/true
    timeout 1
    interval 5
}
vrrp_script unused {
    script /bin/false
}
vrrp_script bad_user {
    script /bin/true
    user nosuchuser
}
track_file tf {
    file /run/prio
    init_file 5 overwrite
}
vrrp_track_process nginx {
    process nginx -g daemon
    param_match initial
    quorum 2
    delay 0.5
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    track_interface {
        eth0 weight 5
        eth1 weight 10 reverse
    }
    track_script {
        chk_user
        chk_default weight 7
        bad_user
    }
    track_file { tf weight -3 }
    track_process { nginx }
    virtual_ipaddress {
        192.0.2.1/24
        198.51.100.1/24 dev eth1
    }
}
";

#[test]
fn scripts_resolve_users_and_timeouts() {
    let p = plan(SCRIPTS);
    let names: Vec<&str> = p.scripts.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["chk_user", "chk_default"]);
    let u = &p.scripts[0];
    assert_eq!(u.spec.argv, ["/usr/local/bin/check", "web"]);
    assert_eq!((u.spec.uid, u.spec.gid), (Some(65534), Some(4)));
    // keepalived compat: timeout defaults to the interval.
    assert_eq!(
        (u.interval, u.timeout, u.spec.timeout),
        (
            Duration::from_secs(2),
            Duration::from_secs(2),
            Some(Duration::from_secs(2))
        )
    );
    let d = &p.scripts[1];
    assert_eq!((d.spec.uid, d.timeout), (Some(998), Duration::from_secs(1)));
    let e = &p.engine.scripts[0];
    assert_eq!((e.rise, e.fall, e.init_fail), (2, 3, false));
    // ka-config already drops a script whose user does not exist.
    assert!(!p.engine.scripts.iter().any(|s| s.name == "bad_user"));
    assert_eq!(
        p.files,
        [FileTracker {
            name: "tf".into(),
            path: "/run/prio".into(),
            init_file: Some(InitFile {
                value: 5,
                overwrite: true
            })
        }]
    );
    let t = &p.processes[0];
    assert_eq!(
        (t.process.as_str(), t.params.as_slice()),
        ("nginx", ["-g".to_string(), "daemon".into()].as_slice())
    );
    assert_eq!(
        (t.param_match, t.full_command),
        (Some(ParamMatch::Initial), true)
    );
    assert_eq!(
        (t.fork_delay, t.terminate_delay),
        (Duration::from_millis(500), Duration::from_millis(500))
    );
    assert_eq!(
        (
            p.engine.processes[0].quorum,
            p.engine.processes[0].quorum_max
        ),
        (2, u32::MAX)
    );
}

#[test]
fn weights_reverse_and_implicit_interface_tracking() {
    let p = plan(SCRIPTS);
    let t = &p.engine.instances[0].track;
    let script = |n: &str, w, reverse| TrackRef {
        kind: TrackKind::Script(n.into()),
        weight: w,
        reverse,
    };
    assert_eq!(
        t,
        &[
            // keepalived ignores the own interface in track_interface, and a
            // VIP's interface forces weight 0.
            iface("eth1", 0),
            script("chk_user", -20, true),
            script("chk_default", 7, false),
            TrackRef::new(TrackKind::File("tf".into()), -3),
            TrackRef::new(TrackKind::Process("nginx".into()), 0),
        ]
    );
}

#[test]
fn dont_track_primary_keeps_weights() {
    let text = SCRIPTS
        .replace(
            "track_interface {",
            "dont_track_primary\n    track_interface {",
        )
        .replace(
            "198.51.100.1/24 dev eth1",
            "198.51.100.1/24 dev eth1 no_track",
        );
    let p = plan(&text);
    let t = &p.engine.instances[0].track;
    assert_eq!(
        t[0],
        TrackRef {
            kind: TrackKind::Interface("eth1".into()),
            weight: 10,
            reverse: true
        }
    );
    assert!(p.engine.instances[0].dont_track_primary);
}

#[test]
fn sync_group_trackers_and_hooks() {
    let text = format!(
        "{SCRIPTS}
vrrp_instance VI_2 {{
    interface eth1
    virtual_router_id 52
    virtual_ipaddress {{ 198.51.100.2 }}
    notify_master \"/bin/m VI_2\"
}}
vrrp_sync_group G {{
    group {{
        VI_1
        VI_2
    }}
    track_script {{ chk_user weight 0 }}
    sync_group_tracking_weight
    notify \"/bin/n\" root
}}
"
    );
    let p = plan(&text);
    let g = &p.engine.sync_groups[0];
    assert_eq!(
        (g.name.as_str(), g.members.as_slice()),
        ("G", ["VI_1".to_string(), "VI_2".into()].as_slice())
    );
    assert!(g.tracking_weight);
    assert_eq!(
        g.track,
        [TrackRef {
            kind: TrackKind::Script("chk_user".into()),
            weight: 0,
            reverse: true
        }]
    );
    let gh = &p.hooks[&(true, "G".to_string())];
    let n = gh.generic.as_ref().unwrap();
    assert_eq!(
        (n.argv.as_slice(), n.uid),
        (["/bin/n".to_string()].as_slice(), Some(0))
    );
    let h = &p.hooks[&(false, "VI_2".to_string())];
    assert_eq!(h.master.as_ref().unwrap().argv, ["/bin/m", "VI_2"]);
    assert_eq!(h.master.as_ref().unwrap().uid, Some(998));
    assert!(h.master.as_ref().unwrap().timeout.is_none());
}

#[test]
fn routes_and_rules_are_ip_command_text() {
    let (c, _) = one("vrrp_instance VI_1 {
        interface eth0
        virtual_router_id 51
        virtual_ipaddress { 192.0.2.1 }
        virtual_routes {
            10.0.0.0/8 via 192.0.2.254 dev eth0 metric 5 no_track
            blackhole 198.51.100.0/24 table 100
        }
        virtual_rules {
            from 192.0.2.0/24 table 100 priority 10
            to 203.0.113.0/24 tos 16 lookup 200
        }
    }");
    let routes: Vec<&str> = c.routes.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        routes,
        [
            "10.0.0.0/8 via 192.0.2.254 dev eth0 metric 5 protocol 18",
            "blackhole 198.51.100.0/24 table 100 protocol 18"
        ]
    );
    let rules: Vec<&str> = c.rules.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        rules,
        [
            "from 192.0.2.0/24 protocol 18 preference 10 table 100",
            "to 203.0.113.0/24 protocol 18 tos 0x10 preference 16384 table 200"
        ]
    );
}

#[test]
fn ipv6_default_route_names_its_family() {
    let (c, _) = one("vrrp_instance V6 {
        interface eth0
        virtual_router_id 7
        virtual_ipaddress { 2001:db8::1/64 }
        virtual_routes { default via fe80::1 dev eth0 }
    }");
    assert_eq!(c.routes[0].0, "::/0 via fe80::1 dev eth0 protocol 18");
}

#[test]
fn not_implemented_features_are_listed() {
    let p = plan(
        "global_defs {
        vrrp_strict
        vrrp_notify_fifo /run/vrrp.fifo
        notify_fifo /run/all.fifo
    }
    bfd_instance B { neighbor_ip 192.0.2.2 }
    vrrp_instance VI_1 {
        interface eth0
        virtual_router_id 51
        priority 100
        use_vmac
        smtp_alert
        track_bfd { B }
        virtual_ipaddress { 192.0.2.1 }
    }",
    );
    let has = |s: &str| p.not_implemented.iter().any(|n| n.contains(s));
    // Both FIFOs get VRRP events: notify_fifo first.
    assert!(!has("notify_fifo"), "{:?}", p.not_implemented);
    let path = |f: &Option<FifoSpec>| f.as_ref().map(|f| f.path.clone());
    assert_eq!(path(&p.global_fifo).as_deref(), Some("/run/all.fifo"));
    assert_eq!(path(&p.fifo).as_deref(), Some("/run/vrrp.fifo"));
    // SMTP alerts are sent.
    assert!(!has("smtp_alert"), "{:?}", p.not_implemented);
    // BFD runs: track_bfd and bfd_instance are not gaps.
    assert!(!has("track_bfd B") && !has("bfd_instance B"));
    assert!(
        !has("use_vmac") && !has("no_accept"),
        "{:?}",
        p.not_implemented
    );
    let c = &p.engine.instances[0];
    assert!(!c.accept && c.lower_prio_no_advert);
    assert!(
        c.track
            .contains(&TrackRef::new(TrackKind::Bfd("B".into()), 0))
    );
    assert_eq!(p.fifo.as_ref().unwrap().path, "/run/vrrp.fifo");
}

#[test]
fn fifo_script_gets_the_path() {
    let p = plan(&format!(
        "global_defs {{\n notify_fifo /run/k.fifo nobody\n notify_fifo_script \"/bin/reader -v\"\n}}\n{BASIC}"
    ));
    let f = p.fifo.unwrap();
    assert_eq!(
        (f.path.as_str(), f.owner),
        ("/run/k.fifo", Some((65534, 65534)))
    );
    assert_eq!(f.script.unwrap().argv, ["/bin/reader", "-v", "/run/k.fifo"]);
}

#[test]
fn fifo_without_a_user_belongs_to_the_default_script_user() {
    let p = plan(&format!(
        "global_defs {{\n notify_fifo /run/k.fifo\n}}\n{BASIC}"
    ));
    // The test resolver knows keepalived_script (998).
    assert_eq!(p.fifo.unwrap().owner, Some((998, 998)));
}

#[test]
fn route_text_escapes_what_iproute2_reads_differently() {
    assert_eq!(route::dsfield_for_test("16"), "0x10");
    assert_eq!(route::dsfield_for_test("0x1c"), "0x1c");
    assert_eq!(route::dsfield_for_test("lowdelay"), "lowdelay");
}

#[test]
fn evips_and_routes_track_their_interfaces() {
    let (c, p) = one("vrrp_instance VI_1 {
        interface eth0
        virtual_router_id 51
        virtual_ipaddress { 192.0.2.1/24 }
        virtual_ipaddress_excluded { 203.0.113.1/24 dev eth1 no_track }
        virtual_routes { 10.0.0.0/8 via 198.51.100.254 dev eth1 }
    }");
    assert_eq!(c.evips[0].dev.as_deref(), Some("eth1"));
    let d = &p.addresses[&("VI_1".to_string(), ip("203.0.113.1"))];
    assert!(d.excluded && d.no_track && d.dev == "eth1");
    // The eVIP is no_track, the route is not: eth1 is tracked, weight 0.
    assert_eq!(c.track, [iface("eth1", 0)]);
    let spec = d.spec(7, ip("203.0.113.1"));
    assert_eq!((spec.ifindex, spec.prefix_len), (7, 24));
}

#[test]
fn an_unvalidated_instance_is_not_run() {
    // Defaults are resolved by validation only: the mapping does not
    // guess them for an instance that skipped it.
    let mut cfg = ka_config::Config::default();
    let mut i =
        ka_config::model::vrrp::Instance::new("VI_1", Default::default());
    i.vrid = Some(51);
    cfg.vrrp.instances.push(i);
    let p = vrrp_plan(&cfg, &Resolver);
    assert!(p.engine.instances.is_empty());
    assert!(
        p.not_implemented.contains(
            &"(VI_1) was not validated; the instance is not run".into()
        ),
        "{:?}",
        p.not_implemented
    );
}

#[test]
fn applied_global_keywords_are_not_listed_as_not_implemented() {
    let p = plan(
        "global_defs {
        fifo_write_vrrp_states_on_reload
        vrrp_iptables
        enable_snmp_vrrp
        enable_dbus
        vrrp_rt_priority 10
        vrrp_cpu_affinity 0
        max_auto_priority 20
    }
    vrrp_instance VI_1 {
        interface eth0
        virtual_router_id 51
        virtual_ipaddress { 192.0.2.1 }
    }",
    );
    // SNMP is reported by the configuration loader, once; DBus runs
    // (core::dbus).
    assert!(p.not_implemented.is_empty(), "{:?}", p.not_implemented);
}

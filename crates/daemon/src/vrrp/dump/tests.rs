//! The data and JSON dumps of configurations loaded through
//! `ka_config::load` and run by a real engine (no I/O), against what
//! keepalived 2.2.7 writes for the same configurations.

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use ka_config::LoadOptions;
use ka_config::host::FakeHost;
use ka_types::Instant;
use ka_vrrp::{Engine, Event};

use super::ifaces::IfaceInfo;
use super::{View, data_text, json_text};
use crate::vrrp::plan::{UserResolver, VrrpPlan, vrrp_plan};

struct RootOnly;

impl UserResolver for RootOnly {
    fn uid_gid(&self, user: &str, _: Option<&str>) -> Option<(u32, u32)> {
        (user == "root").then_some((0, 0))
    }
}

fn plan(text: &str) -> VrrpPlan {
    let host =
        FakeHost::new().with_file("/etc/keepalived/keepalived.conf", text);
    let path = Path::new("/etc/keepalived/keepalived.conf");
    let loaded = ka_config::load(path, &host, &LoadOptions::default());
    vrrp_plan(&loaded.config, &RootOnly)
}

/// The engine's snapshot 5 s after start (every instance in BACKUP or,
/// past its master-down timer, MASTER).
fn snapshot(plan: &VrrpPlan, at_secs: u64) -> ka_vrrp::Snapshot {
    let mut e = Engine::new(plan.engine.clone());
    let mut out = Vec::new();
    e.handle(Instant::from_micros(0), Event::Started, &mut out);
    let now = Instant::from_micros(at_secs * 1_000_000);
    e.handle_timeout(now, &mut out);
    e.snapshot_at(now)
}

const NOW: Duration = Duration::from_secs(1_796_217_994);

fn view<'a>(snap: &'a ka_vrrp::Snapshot, plan: &'a VrrpPlan) -> View<'a> {
    View::new(snap, plan, UNIX_EPOCH + NOW)
}

const PASS_V2: &str = "vrrp_instance VI_1 {
 state BACKUP
 interface eth0
 virtual_router_id 51
 priority 150
 advert_int 1
 authentication {
  auth_type PASS
  auth_pass secret
 }
 virtual_ipaddress {
  192.0.2.100/24 dev eth0 scope global label eth0:v1
  192.0.2.101
 }
 virtual_routes {
  203.0.113.0/24 via 192.0.2.1 dev eth0
 }
 virtual_rules {
  from 203.0.113.5 table 100 priority 100
 }
 track_interface {
  eth1 weight 10
 }
}
";

/// The `data` keys keepalived 2.2.7 wrote for `PASS_V2`, in its order.
const KEEPALIVED_DATA_KEYS: &[&str] = &[
    "iname",
    "dont_track_primary",
    "skip_check_adv_addr",
    "strict_mode",
    "vmac_ifname",
    "ifp_ifname",
    "master_priority",
    "last_transition",
    "garp_delay",
    "garp_refresh",
    "garp_rep",
    "garp_refresh_rep",
    "garp_lower_prio_delay",
    "garp_lower_prio_rep",
    "lower_prio_no_advert",
    "higher_prio_send_advert",
    "vrid",
    "base_priority",
    "effective_priority",
    "vipset",
    "promote_secondaries",
    "adver_int",
    "master_adver_int",
    "accept",
    "nopreempt",
    "preempt_delay",
    "state",
    "wantstate",
    "version",
    "smtp_alert",
    "notify_deleted",
    "vips",
    "vroutes",
    "vrules",
    "track_ifp",
    "auth_type",
    "auth_data",
];

/// Keys of a JSON object, in the order the text has them.
fn keys_in_order(text: &str, obj: &serde_json::Value) -> Vec<String> {
    let Some(map) = obj.as_object() else {
        return Vec::new();
    };
    let mut keys: Vec<(usize, String)> = map
        .keys()
        .filter_map(|k| Some((text.find(&format!("\"{k}\":"))?, k.clone())))
        .collect();
    keys.sort();
    keys.into_iter().map(|(_, k)| k).collect()
}

#[test]
fn json_has_keepalived_keys_in_keepalived_order() {
    let p = plan(PASS_V2);
    let snap = snapshot(&p, 5);
    let text = json_text(&view(&snap, &p));
    let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let data = &v[0]["data"];
    assert_eq!(keys_in_order(&text, data), KEEPALIVED_DATA_KEYS, "{text}");
    assert_eq!(data["auth_data"], "secret");
    assert_eq!(data["vips"][1], "192.0.2.101 dev eth0 scope global set");
    assert_eq!(
        data["vroutes"][0],
        "prepend 203.0.113.0/24 via inet 192.0.2.1 dev eth0 proto 18"
    );
    assert_eq!(
        data["vrules"][0],
        "from 203.0.113.5 priority 100 tos 0x0 protocol 18 lookup 100"
    );
    // keepalived's float formats: %g for intervals, %f for times.
    assert!(text.contains("\"adver_int\":1,"), "{text}");
    let lt = text
        .split("\"last_transition\":")
        .nth(1)
        .and_then(|t| t.split(',').next())
        .unwrap_or_default();
    let (secs, frac) = lt.split_once('.').unwrap_or_default();
    assert!(secs.starts_with("17962179") && frac.len() == 6, "{lt}");
    assert_eq!(v[0]["stats"].as_object().map(|m| m.len()), Some(14));
}

#[test]
fn json_leaves_out_what_keepalived_leaves_out() {
    let p = plan(
        "vrrp_instance VI_2 {\n state BACKUP\n interface eth0\n virtual_router_id 52\n \
         priority 100\n version 3\n virtual_ipaddress {\n 192.0.2.102/24\n }\n}\n",
    );
    let snap = snapshot(&p, 1);
    let text = json_text(&view(&snap, &p));
    let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let data = &v[0]["data"];
    for absent in [
        "evips",
        "vroutes",
        "vrules",
        "track_ifp",
        "track_script",
        "auth_data",
    ] {
        assert!(data.get(absent).is_none(), "{absent} in {text}");
    }
    assert_eq!(data["auth_type"], 0);
    assert_eq!(data["version"], 3);
    assert_eq!(data["state"], 1, "BACKUP one second after start");
}

fn lines_after<'t>(text: &'t str, heading: &str) -> Vec<&'t str> {
    text.lines()
        .skip_while(|l| !l.starts_with(heading))
        .collect()
}

#[test]
fn data_backup_shows_the_master_and_v2_authentication_none() {
    let p = plan(
        "vrrp_instance VI_3 {\n state BACKUP\n interface eth0\n virtual_router_id 53\n \
         priority 90\n nopreempt\n virtual_ipaddress {\n 2001:db8::53/64\n }\n}\n\
         vrrp_instance VI_4 {\n state BACKUP\n interface eth0\n virtual_router_id 54\n \
         priority 90\n virtual_ipaddress {\n 192.0.2.54\n }\n}\n",
    );
    let snap = snapshot(&p, 1);
    let text = data_text(&view(&snap, &p));
    let topo = lines_after(&text, "------< VRRP Topology >------");
    let (v3, v2) = topo
        .split_at(topo.iter().position(|l| l.contains("VI_4")).unwrap_or(0));
    assert!(!v3.contains(&"   Authentication type = none"), "v3: {text}");
    assert!(v2.contains(&"   Authentication type = none"), "v2: {text}");
    for want in [
        " VRRP Instance = VI_3",
        "   Using Native IPv6",
        "   State = BACKUP",
        "   Master router = (none)",
        "   Master priority = 0",
        "   Master advert int = 1.00 sec",
        "   Flags:",
        "   Preempt = disabled",
        "   Virtual IP (1):",
        "     2001:db8::53/64 dev eth0 scope global preferred_lft forever",
    ] {
        assert!(topo.contains(&want), "no {want:?} in:\n{text}");
    }
    assert!(text.starts_with("------< Global definitions >------\n"));
    assert!(text.contains("\n VRRP default protocol version = 2\n"));
    assert!(!text.contains("Interfaces"), "no interfaces were given");
}

#[test]
fn data_master_v3_unicast_lines() {
    let p = plan(
        "vrrp_instance VI_2 {\n state BACKUP\n interface eth0\n virtual_router_id 52\n \
         priority 100\n version 3\n unicast_src_ip 192.0.2.2\n unicast_peer {\n 192.0.2.3\n }\n \
         virtual_ipaddress {\n 192.0.2.102/24\n }\n}\n",
    );
    let snap = snapshot(&p, 5);
    let text = data_text(&view(&snap, &p));
    for want in [
        "   State = MASTER",
        "   Flags:\n     Using unicast\n",
        "   Using src_ip = 192.0.2.2 (from configuration)\n",
        "   Advert interval = 1000 milli-sec\n",
        "   Check unicast src : no\n   Unicast Peer :\n     192.0.2.3 min_ttl 0 max_ttl 255\n",
        "     192.0.2.102/24 dev eth0 scope global set\n",
        " fd_in -1 fd_out = -1\n   Interface = eth0\n   Family = IPv4\n   Protocol = VRRP\n   \
         Type = Unicast\n   Address = 192.0.2.2\n",
    ] {
        assert!(text.contains(want), "no {want:?} in:\n{text}");
    }
    assert!(!text.contains("Multicast address"), "{text}");
    assert!(
        !text.contains("Authentication type"),
        "v3 without auth: {text}"
    );
}

#[test]
fn last_transition_is_wall_clock_before_the_snapshot() {
    let p = plan(PASS_V2);
    let snap = snapshot(&p, 5);
    let v = view(&snap, &p);
    // Taken at engine time 5 s = wall NOW; engine time 2 s is 3 s before.
    let (secs, us) = v.wall(Some(Instant::from_micros(2_000_000)));
    assert_eq!((secs, us), (NOW.as_secs() - 3, 0));
    assert!(
        v.stamp(None)
            .starts_with(&format!("{}.000000 (", NOW.as_secs()))
    );
}

#[test]
fn interfaces_section_lists_tracking_instances_and_hides_vips() {
    let p = plan(PASS_V2);
    let snap = snapshot(&p, 5);
    let ifaces = [IfaceInfo {
        name: "eth0".into(),
        index: 2,
        ipv4: vec![
            "192.0.2.100".parse().unwrap(),
            "192.0.2.10".parse().unwrap(),
        ],
        flags: 0x1043,
        mtu: 1500,
        hw_type: 1,
        mac: Some(("02:00:00:00:00:01".into(), "ff:ff:ff:ff:ff:ff".into())),
        ..IfaceInfo::default()
    }];
    let v = View {
        ifaces: &ifaces,
        ..view(&snap, &p)
    };
    let text = data_text(&v);
    let section = lines_after(&text, "------< Interfaces >------").join("\n");
    for want in [
        " Name = eth0",
        "   IPv4 address = 192.0.2.10",
        "   State = UP, RUNNING",
        "   HW Type = ETHERNET",
        "   Tracking VRRP instances :\n     VI_1, weight 0",
    ] {
        assert!(section.contains(want), "no {want:?} in:\n{section}");
    }
    assert!(
        !section.contains("Additional IPv4"),
        "the VIP is ours: {section}"
    );
}

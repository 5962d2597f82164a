//! The answers built from the real engines' snapshots of a configuration
//! loaded through `ka_config::load` (no I/O), and their JSON shape.

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use ka_config::LoadOptions;
use ka_config::host::FakeHost;
use ka_types::Instant;

use super::*;
use crate::bfd::plan::bfd_plan;
use crate::check::plan::check_plan;
use crate::core::control::{Plan, Snapshot};
use crate::core::operator::Status;
use crate::vrrp::plan::{UserResolver, vrrp_plan};

struct RootOnly;

impl UserResolver for RootOnly {
    fn uid_gid(&self, user: &str, _: Option<&str>) -> Option<(u32, u32)> {
        (user == "root").then_some((0, 0))
    }
}

const CONF: &str = "
bfd_instance B1 {
    neighbor_ip 192.0.2.2
    min_rx 100
    min_tx 200
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24 dev eth0
        192.0.2.101
    }
}
virtual_server 192.0.2.1 80 {
    delay_loop 3
    lvs_sched wrr
    lvs_method NAT
    protocol TCP
    real_server 198.51.100.1 8080 {
        weight 3
        TCP_CHECK {
            connect_timeout 2
        }
    }
    real_server 198.51.100.2 8080 {
        weight 1
    }
}
";

/// Seconds since the epoch the test's wall clock reads.
const NOW: u64 = 1_796_217_994;

/// The status 5 s after start (VI_1 alone on its link: MASTER), the
/// process started 100 s before "now".
fn status() -> Status {
    let path = Path::new("/etc/keepalived/keepalived.conf");
    let host = FakeHost::new().with_file(path.to_str().unwrap(), CONF);
    let cfg = ka_config::load(path, &host, &LoadOptions::default()).config;
    let vrrp = vrrp_plan(&cfg, &RootOnly);
    let check = check_plan(&cfg, &RootOnly);
    let bfd = bfd_plan(&cfg, 7).expect("a BFD plan");
    let now = Instant::from_micros(5_000_000);
    let mut e = ka_vrrp::Engine::new(vrrp.engine.clone());
    let mut out = Vec::new();
    e.handle(Instant::from_micros(0), ka_vrrp::Event::Started, &mut out);
    e.handle_timeout(now, &mut out);
    let snapshot = Snapshot {
        vrrp: Some(e.snapshot_at(now)),
        check: Some(
            ka_check::Engine::new(check.engine.clone(), now, 1).snapshot(now),
        ),
        bfd: Some(ka_bfd::Engine::new(bfd.engine.clone()).snapshot(now)),
    };
    Status {
        snapshot,
        plan: Plan {
            vrrp: Some(vrrp),
            check: Some(check),
            bfd: Some(bfd),
            ..Plan::default()
        },
        started: UNIX_EPOCH + Duration::from_secs(NOW - 100),
    }
}

fn now() -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

#[test]
fn status_counts_every_framework() {
    let s = process_status(&status(), now());
    assert_eq!(s.frameworks, ["vrrp", "check", "bfd"]);
    assert_eq!(s.started, NOW - 100);
    assert_eq!(s.uptime_secs, 100);
    assert_eq!(s.pid, std::process::id());
    assert_eq!(s.keepalived_version, "2.2.7");
    let c = &s.counts;
    assert_eq!(
        (c.vrrp_instances, c.master, c.backup, c.fault),
        (1, 1, 0, 0)
    );
    assert_eq!((c.virtual_servers, c.real_servers), (1, 2));
    assert_eq!((c.bfd_sessions, c.bfd_sessions_up), (1, 0));
}

#[test]
fn instances_join_the_snapshot_with_the_plan() {
    let list = instances(&status(), now());
    assert_eq!(list.len(), 1);
    let i = &list[0];
    assert_eq!(i.name, "VI_1");
    assert_eq!(i.state, "MASTER");
    assert_eq!(i.interface.as_deref(), Some("eth0"));
    assert_eq!((i.vrid, i.version, i.priority), (51, 2, 150));
    assert_eq!(i.effective_priority, 150);
    assert_eq!(i.vips, ["192.0.2.100/24 dev eth0", "192.0.2.101/32"]);
    assert_eq!(i.stats.became_master, 1);
    assert!(i.stats.adverts_sent >= 1, "{:?}", i.stats);
    assert!(i.fault_reasons.is_empty());
    // Became MASTER after Master_Down_Interval (3.41 s at priority 150),
    // so less than 5 s before the snapshot, which was "now".
    let t = i.last_transition.expect("a transition");
    let ago = NOW as f64 - t;
    assert!((0.0..2.0).contains(&ago), "{t} is {ago} s ago");
}

#[test]
fn virtual_servers_name_their_real_servers_and_checkers() {
    let vss = virtual_servers(&status());
    assert_eq!(vss.len(), 1);
    let vs = &vss[0];
    assert_eq!(vs.name, "[192.0.2.1]:tcp:80");
    assert_eq!(vs.scheduler.as_deref(), Some("wrr"));
    assert_eq!(vs.real_servers.len(), 2);
    let rs = &vs.real_servers[0];
    assert_eq!(rs.address, Some("198.51.100.1:8080".parse().unwrap()));
    assert_eq!(rs.configured_weight, 3);
    assert_eq!(rs.checkers.len(), 1);
    assert_eq!(rs.checkers[0].kind, "TCP_CHECK");
    assert_eq!(rs.checkers[0].latency_ms, None, "no probe has run");
    assert!(vs.real_servers[1].checkers.is_empty());
    assert_eq!(vs.real_servers[1].configured_weight, 1);
}

#[test]
fn bfd_sessions_carry_configured_and_live_intervals() {
    let list = bfd_sessions(&status());
    assert_eq!(list.len(), 1);
    let b = &list[0];
    assert_eq!(b.name, "B1");
    assert_eq!(b.neighbor.to_string(), "192.0.2.2");
    assert_eq!(b.local_state, "Down");
    assert_eq!(b.local_diag, "No Diagnostic");
    assert_eq!((b.min_rx_us, b.min_tx_us), (100_000, 200_000));
    assert_eq!(b.last_seen_ms, None);
}

#[test]
fn every_answer_is_one_key_and_reads_back_the_same() {
    let s = status();
    let answers = [
        Response::Status(process_status(&s, now())),
        Response::Instances(instances(&s, now())),
        Response::VirtualServers(virtual_servers(&s)),
        Response::Bfd(bfd_sessions(&s)),
        Response::Reload(ReloadOutcome {
            taken: false,
            error: Some("no".into()),
        }),
        Response::Dump(Box::new(dump(&s, now()))),
        Response::Error("bad".into()),
    ];
    let keys = [
        "status",
        "instances",
        "virtual_servers",
        "bfd",
        "reload",
        "dump",
        "error",
    ];
    for (r, key) in answers.iter().zip(keys) {
        let text = serde_json::to_string(r).unwrap();
        assert!(!text.contains('\n'), "one line: {text}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let obj = v.as_object().expect("an object");
        assert_eq!(obj.keys().collect::<Vec<_>>(), [key], "{text}");
        let back: Response = serde_json::from_str(&text).unwrap();
        assert_eq!(&back, r);
    }
}

#[test]
fn dump_holds_every_section() {
    let d = dump(&status(), now());
    assert_eq!(d.instances.len(), 1);
    assert_eq!(d.virtual_servers.len(), 1);
    assert_eq!(d.bfd.len(), 1);
    assert_eq!(d.status.counts.vrrp_instances, 1);
}

#[test]
fn a_framework_that_does_not_run_answers_empty() {
    let s = Status {
        snapshot: Snapshot::default(),
        plan: Plan::default(),
        started: now(),
    };
    assert!(instances(&s, now()).is_empty());
    assert!(virtual_servers(&s).is_empty());
    assert!(bfd_sessions(&s).is_empty());
    let p = process_status(&s, now());
    assert!(p.frameworks.is_empty());
    assert_eq!(p.counts, Counts::default());
}

//! The encoding of a hand-built [`Status`], read back with a Prometheus
//! text-format parser, and the HTTP endpoint on loopback.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, UNIX_EPOCH};

use ka_check::event::{RsSnapshot, VsSnapshot};
use ka_types::Instant;
use ka_vrrp::{
    FaultFlags, InstanceConfig, InstanceSnapshot, Priority, ProcessSnapshot,
    ScriptSnapshot, State, Stats, TrackKind, TrackRef, TransitionReason, Vrid,
};
use ka_wire::bfd::{Diag, State as BfdState};
use prometheus_parse::{Scrape, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::encode;
use crate::core::control::{Plan, Snapshot};
use crate::core::operator::{Operator, Query, Status};
use crate::vrrp::plan::VrrpPlan;

fn instance(name: &str, state: State) -> InstanceSnapshot {
    let mut stats = Stats {
        advert_rcvd: 7,
        advert_sent: 3,
        become_master: 1,
        auth_failure: 2,
        ..Stats::default()
    };
    stats
        .transitions
        .count(State::Backup, TransitionReason::Init);
    stats
        .transitions
        .count(State::Master, TransitionReason::MasterDown);
    InstanceSnapshot {
        name: name.into(),
        vrid: 51,
        state,
        want_state: state,
        base_priority: 100,
        effective_priority: 90,
        master_addr: None,
        master_priority: 90,
        master_adver_int_us: 1_000_000,
        ms_down_timer_us: 3_609_375,
        next_timer: None,
        read_timeout: None,
        track_weight: -10,
        src_addr: None,
        vips_set: true,
        fault: FaultFlags::default(),
        last_transition: None,
        stats,
        master_reason: ka_vrrp::MasterReason::MasterNoResponse,
    }
}

fn vrrp() -> ka_vrrp::Snapshot {
    ka_vrrp::Snapshot {
        instances: vec![instance("VI_1", State::Master)],
        groups: vec![ka_vrrp::GroupSnapshot {
            name: "G1".into(),
            state: State::Master,
            members: vec!["VI_1".into()],
        }],
        vrid_errors: 4,
        taken_at: None,
        scripts: vec![ScriptSnapshot {
            name: "chk".into(),
            result: 2,
            rise: 2,
            fall: 1,
            init: false,
        }],
        files: vec![("f".into(), -3)],
        processes: vec![ProcessSnapshot {
            name: "nginx".into(),
            count: 0,
            have_quorum: false,
        }],
        links_down: vec!["eth1".into()],
    }
}

/// A plan naming VI_1's interface (eth0) and a tracked one (eth1).
fn vrrp_plan() -> VrrpPlan {
    let vrid = Vrid::new(51).expect("vrid");
    let mut c = InstanceConfig::new("VI_1", vrid, Priority::new(100));
    c.interface = Some("eth0".into());
    c.track
        .push(TrackRef::new(TrackKind::Interface("eth1".into()), 0));
    let mut plan = VrrpPlan::default();
    plan.engine.instances.push(c);
    plan
}

fn check() -> ka_check::Snapshot {
    let mut latency = ka_check::latency::LatencyHistogram::default();
    latency.observe(Duration::from_millis(2));
    latency.observe(Duration::from_millis(20));
    let rs = |name: &str, alive: bool| RsSnapshot {
        name: name.into(),
        alive,
        weight: if alive { 3 } else { 0 },
        in_table: alive,
        checkers: vec![(alive, None)],
        probe_latency: latency,
        effective_weight: if alive { 3 } else { 0 },
        checker_states: Vec::new(),
    };
    ka_check::Snapshot {
        virtual_servers: vec![VsSnapshot {
            name: "203.0.113.1:80".into(),
            quorum_up: true,
            live_weight: 3,
            sorry_active: false,
            in_table: true,
            real_servers: vec![
                rs("198.51.100.11:80", true),
                rs("198.51.100.12:80", false),
            ],
        }],
        timer_delay: {
            let mut late = ka_check::latency::LatencyHistogram::default();
            late.observe(Duration::from_millis(300));
            late
        },
    }
}

fn bfd() -> ka_bfd::Snapshot {
    let s = ka_bfd::SessionSnapshot {
        name: "b1".into(),
        neighbor: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)),
        source: None,
        local_state: BfdState::Up,
        remote_state: BfdState::Up,
        local_discr: 1,
        remote_discr: 2,
        local_diag: Diag::NoDiagnostic,
        remote_diag: Diag::NoDiagnostic,
        remote_min_tx: 10_000,
        remote_min_rx: 10_000,
        remote_detect_mult: 3,
        remote_demand: false,
        poll: false,
        final_: false,
        local_tx_intv: 10_000,
        remote_tx_intv: 10_000,
        local_detect_time: 30_000,
        remote_detect_time: 30_000,
        last_seen: None,
        next_tx: None,
        expires_in: None,
        reset_in: None,
        down_events: 5,
    };
    ka_bfd::Snapshot {
        at: Instant::ZERO,
        sessions: vec![s],
    }
}

fn status() -> Status {
    Status {
        snapshot: Snapshot {
            vrrp: Some(vrrp()),
            bfd: Some(bfd()),
            check: Some(check()),
        },
        plan: Plan {
            vrrp: Some(vrrp_plan()),
            ..Plan::default()
        },
        started: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
    }
}

fn parse(text: &str) -> Scrape {
    Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("parse")
}

/// The value of the one sample of `metric` whose labels include `want`.
fn value(s: &Scrape, metric: &str, want: &[(&str, &str)]) -> Value {
    let found: Vec<_> = s
        .samples
        .iter()
        .filter(|x| {
            x.metric == metric
                && want.iter().all(|(k, v)| x.labels.get(k) == Some(*v))
        })
        .collect();
    assert_eq!(found.len(), 1, "{metric} {want:?}: {found:?}");
    found[0].value.clone()
}

/// The cumulative count of histogram `metric` at the bucket bound `le`
/// (`f64::INFINITY` for +Inf).
fn bucket(
    s: &Scrape,
    metric: &str,
    want: &[(&str, &str)],
    le: f64,
) -> Option<f64> {
    let Value::Histogram(buckets) = value(s, metric, want) else {
        panic!("{metric} is not a histogram");
    };
    buckets
        .iter()
        .find(|b| {
            if le.is_infinite() {
                b.less_than.is_infinite()
            } else {
                (b.less_than - le).abs() < 1e-9
            }
        })
        .map(|b| b.count)
}

fn num(v: Value) -> f64 {
    match v {
        Value::Counter(x) | Value::Gauge(x) | Value::Untyped(x) => x,
        other => panic!("not a number: {other:?}"),
    }
}

#[test]
fn vrrp_instance_metrics_parse_back() {
    let text = encode(status()).expect("encode");
    let s = parse(&text);
    let vi = [("vrrp_instance", "VI_1"), ("vrid", "51")];
    let state = |st| {
        let mut l = vi.to_vec();
        l.push(("state", st));
        num(value(&s, "keepalived_vrrp_state", &l))
    };
    assert_eq!(state("MASTER"), 1.0);
    assert_eq!(state("BACKUP"), 0.0);
    assert_eq!(num(value(&s, "keepalived_vrrp_priority", &vi)), 100.0);
    let eff = value(&s, "keepalived_vrrp_effective_priority", &vi);
    assert_eq!(eff, Value::Gauge(90.0));
    let tr = [("to", "MASTER"), ("reason", "master_down_timer")];
    let t = value(&s, "keepalived_vrrp_transitions_total", &tr);
    assert_eq!(t, Value::Counter(1.0));
    let rx = value(&s, "keepalived_vrrp_adverts_received_total", &vi);
    assert_eq!(rx, Value::Counter(7.0));
    let auth = value(&s, "keepalived_vrrp_auth_failures_total", &vi);
    assert_eq!(num(auth), 2.0);
    let zero = value(&s, "keepalived_vrrp_priority_zero_sent_total", &vi);
    assert_eq!(num(zero), 0.0);
    assert_eq!(
        num(value(&s, "keepalived_vrrp_vrid_errors_total", &[])),
        4.0
    );
    let script = value(&s, "keepalived_vrrp_script_up", &[("script", "chk")]);
    assert_eq!(num(script), 1.0);
    let f = value(&s, "keepalived_vrrp_track_file_value", &[("file", "f")]);
    assert_eq!(num(f), -3.0);
    let p = [("process", "nginx")];
    assert_eq!(num(value(&s, "keepalived_vrrp_track_process_up", &p)), 0.0);
    // The type lines are the Prometheus 0.0.4 ones.
    assert!(
        text.contains("# TYPE keepalived_vrrp_transitions_total counter\n")
    );
    assert!(!text.contains("# EOF"), "OpenMetrics, not 0.0.4:\n{text}");
}

#[test]
fn checker_and_bfd_metrics_parse_back() {
    let s = parse(&encode(status()).expect("encode"));
    let vs = [("virtual_server", "203.0.113.1:80")];
    let up = value(&s, "keepalived_virtual_server_real_servers_up", &vs);
    assert_eq!(num(up), 1.0);
    let q = value(&s, "keepalived_virtual_server_quorum_up", &vs);
    assert_eq!(num(q), 1.0);
    let dead = [("real_server", "198.51.100.12:80")];
    assert_eq!(num(value(&s, "keepalived_real_server_up", &dead)), 0.0);
    let live = [("real_server", "198.51.100.11:80")];
    assert_eq!(num(value(&s, "keepalived_real_server_weight", &live)), 3.0);
    let h = "keepalived_real_server_probe_latency_seconds";
    let at = |le: f64| bucket(&s, h, &live, le);
    // Cumulative: 2 ms in le=0.0025, 20 ms in le=0.025 too.
    assert_eq!(at(0.001), Some(0.0));
    assert_eq!(at(0.0025), Some(1.0));
    assert_eq!(at(0.025), Some(2.0));
    assert_eq!(at(f64::INFINITY), Some(2.0));
    // One checker timer ran 300 ms late.
    let h = "keepalived_checker_timer_delay_seconds";
    assert_eq!(bucket(&s, h, &[], 0.25), Some(0.0));
    assert_eq!(bucket(&s, h, &[], 0.5), Some(1.0));
    let b1 = [("session", "b1"), ("state", "Up")];
    assert_eq!(num(value(&s, "keepalived_bfd_session_state", &b1)), 1.0);
    let downs = "keepalived_bfd_session_down_events_total";
    assert_eq!(num(value(&s, downs, &[("session", "b1")])), 5.0);
    let det = "keepalived_bfd_session_detection_time_seconds";
    assert_eq!(num(value(&s, det, &[("session", "b1")])), 0.03);
    let start = value(&s, "keepalived_start_time_seconds", &[]);
    assert_eq!(num(start), 1_700_000_000.0);
    let build = [("keepalived_version", "2.2.7")];
    assert_eq!(num(value(&s, "keepalived_build_info", &build)), 1.0);
}

#[test]
fn interfaces_and_sync_groups_parse_back() {
    let s = parse(&encode(status()).expect("encode"));
    let vi = [("vrrp_instance", "VI_1"), ("interface", "eth0")];
    assert_eq!(num(value(&s, "keepalived_vrrp_priority", &vi)), 100.0);
    let up = "keepalived_vrrp_interface_up";
    assert_eq!(num(value(&s, up, &[("interface", "eth0")])), 1.0);
    assert_eq!(num(value(&s, up, &[("interface", "eth1")])), 0.0);
    let g = [("sync_group", "G1"), ("state", "MASTER")];
    assert_eq!(num(value(&s, "keepalived_vrrp_sync_group_state", &g)), 1.0);
}

/// The metric names docs/metrics.md lists in its tables (first column).
fn documented() -> Vec<String> {
    let doc = include_str!("../../../../../docs/metrics.md");
    doc.lines()
        .filter_map(|l| l.strip_prefix("| `keepalived_"))
        .filter_map(|l| l.split('`').next())
        .map(|n| format!("keepalived_{n}"))
        .collect()
}

#[test]
fn every_metric_served_is_documented_and_every_documented_one_served() {
    let s = parse(&encode(status()).expect("encode"));
    let mut served: Vec<String> = s.docs.keys().cloned().collect();
    served.sort();
    let documented = documented();
    for name in &served {
        assert!(
            documented.contains(name),
            "{name} is not in docs/metrics.md"
        );
    }
    for name in &documented {
        assert!(served.contains(name), "{name} is documented, not served");
    }
}

#[test]
fn the_sample_dashboard_queries_documented_metrics() {
    let dash = include_str!("../../../../../docs/grafana-dashboard.json");
    let v: serde_json::Value = serde_json::from_str(dash).expect("JSON");
    let panels = v["panels"].as_array().expect("panels");
    assert!(panels.len() >= 6);
    let documented = documented();
    let mut used = 0;
    for p in panels {
        for t in p["targets"].as_array().expect("targets") {
            let expr = t["expr"].as_str().expect("expr");
            let names = expr
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|w| w.starts_with("keepalived_") && !w.ends_with('_'));
            for name in names {
                let base = name.strip_suffix("_bucket").unwrap_or(name);
                assert!(documented.iter().any(|d| d == base), "{name}");
                used += 1;
            }
        }
    }
    assert!(used >= 10, "{used} metric references");
}

#[test]
fn absent_frameworks_write_no_family() {
    let mut st = status();
    st.snapshot = Snapshot::default();
    let text = encode(st).expect("encode");
    assert!(!text.contains("keepalived_vrrp_"), "{text}");
    assert!(!text.contains("keepalived_bfd_"), "{text}");
    assert!(text.contains("keepalived_start_time_seconds"), "{text}");
}

/// One HTTP/1.1 request on a fresh connection; the status code and body.
async fn get(addr: SocketAddr, method: &str, path: &str) -> (u16, String) {
    let mut c = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    );
    c.write_all(req.as_bytes()).await.expect("write");
    let mut out = String::new();
    let read = c.read_to_string(&mut out);
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("answered in time")
        .expect("read");
    let code = out.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b.to_owned());
    (code, body.unwrap_or_default())
}

#[tokio::test]
async fn the_endpoint_serves_metrics_and_404_elsewhere() {
    let (op, mut rx) = Operator::channel();
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let loop_ = tokio::spawn(async move {
        while let Some(q) = rx.recv().await {
            if let Query::Status(tx) = q {
                counter.fetch_add(1, Ordering::SeqCst);
                let _ = tx.send(status());
            }
        }
    });
    let any = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let addr = super::serve(op, any).expect("listen");
    let (code, body) = get(addr, "GET", "/metrics").await;
    assert_eq!(code, 200, "{body}");
    let s = parse(&body);
    let vi = [("vrrp_instance", "VI_1"), ("state", "MASTER")];
    assert_eq!(num(value(&s, "keepalived_vrrp_state", &vi)), 1.0);
    let (code, body) = get(addr, "HEAD", "/metrics").await;
    assert_eq!((code, body.as_str()), (200, ""));
    assert_eq!(get(addr, "GET", "/").await.0, 404);
    assert_eq!(get(addr, "GET", "/metricsx").await.0, 404);
    assert_eq!(get(addr, "POST", "/metrics").await.0, 405);
    // A request whose headers pass the bound is refused, not buffered.
    let mut c = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let huge =
        format!("GET /metrics HTTP/1.1\r\nX: {}\r\n", "a".repeat(20_000));
    let _ = c.write_all(huge.as_bytes()).await;
    let mut out = Vec::new();
    let read = c.read_to_end(&mut out);
    let _ = tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("closed in time");
    let head = String::from_utf8_lossy(&out);
    assert!(!head.starts_with("HTTP/1.1 200"), "{head}");
    // One status request per scrape, none for refused requests.
    assert_eq!(asked.load(Ordering::SeqCst), 2);
    loop_.abort();
}

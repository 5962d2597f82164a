//! Start, stop and snapshot.

use ka_types::lvs::{DataPlane, Op};

use super::testutil::*;
use crate::event::{Action, Event, Notify, Reason};

fn two_vs() -> crate::config::CheckConfig {
    let mut alpha = tcp();
    alpha.alpha = true;
    let mut inhibited = rs(3, 4, vec![alpha.clone()]);
    inhibited.inhibit_on_failure = true;
    config(vec![
        vs(
            80,
            vec![rs(1, 1, vec![tcp()]), rs(2, 2, vec![alpha]), inhibited],
        ),
        vs(443, vec![rs(4, 1, Vec::new())]),
    ])
}

#[test]
fn start_builds_the_table_from_empty() {
    let mut h = Harness::new(two_vs());
    assert_eq!(h.engine.poll_timeout(), Some(at(0)));
    h.run_until(at(0));
    let ops = h.ops();
    assert!(ops.iter().all(|(_, why)| *why == Reason::Start));
    let only_ops: Vec<Op> = ops.into_iter().map(|(o, _)| o).collect();
    assert_eq!(
        only_ops,
        vec![
            Op::AddService(svc(80)),
            Op::AddService(svc(443)),
            Op::AddDest(svc(80).key, dest(1, 1)),
            Op::AddDest(svc(80).key, dest(3, 0)),
            Op::AddDest(svc(443).key, dest(4, 1)),
        ]
    );
    assert!(h.logged(
        "Activating healthchecker for service [198.51.100.1]:tcp:80 for VS [192.0.2.1]:tcp:80"
    ));
    // Three probe checkers, all at once (warmup 0).
    assert_eq!(h.pending.len(), 3);
}

#[test]
fn a_server_without_checkers_is_always_up() {
    let mut h =
        Harness::started(config(vec![vs(80, vec![rs(4, 1, Vec::new())])]));
    h.run_until(at(1000));
    assert_eq!(h.weight(80, 4), Some(1));
    assert_eq!(h.engine.poll_timeout(), None);
}

#[test]
fn stop_removes_everything_and_runs_omega_notifiers() {
    let mut cfg = two_vs();
    cfg.virtual_servers[0].omega = true;
    let mut h = Harness::started(cfg);
    h.run_until(at(5));
    h.clear();
    h.event(Event::Stop);
    assert_eq!(h.mirror, DataPlane::default());
    assert!(h.ops().iter().all(|(_, why)| *why == Reason::Stop));
    let ops: Vec<Op> = h.ops().into_iter().map(|(o, _)| o).collect();
    // Destinations go before their service.
    let del80 = ops.iter().position(|o| *o == Op::DelService(svc(80).key));
    let dest80 = ops
        .iter()
        .position(|o| *o == Op::DelDest(svc(80).key, dest(1, 1).addr));
    assert!(dest80 < del80 && del80.is_some());
    // omega on VS 0 only: its live servers (1 and alpha 2, which came up
    // at its first check) and its quorum; nothing for VS 1.
    assert_eq!(
        h.notifies(),
        vec![
            Notify::RsDown(rsid(0, 0)),
            Notify::RsDown(rsid(0, 1)),
            Notify::RsDown(rsid(0, 2)),
            Notify::QuorumDown(0),
        ]
    );
    assert!(h.logged(
        "Shutting down service [198.51.100.1]:tcp:80 from VS [192.0.2.1]:tcp:80"
    ));
    assert!(matches!(h.all.last(), Some(Action::Stopped)));
    assert_eq!(h.engine.poll_timeout(), None);
    h.clear();
    h.event(Event::Stop);
    h.run_until(at(100));
    assert!(h.all.is_empty(), "nothing after stopping");
}

#[test]
fn stop_without_omega_is_silent_and_before_start_only_stops() {
    let mut h = Harness::new(two_vs());
    h.event(Event::Stop);
    assert_eq!(h.all, vec![Action::Stopped]);
    // Probes unanswered: the inhibited alpha server is still down.
    let mut h = Harness::new(two_vs());
    h.run_until(at(0));
    h.clear();
    h.event(Event::Stop);
    assert!(h.notifies().is_empty());
    assert!(h.logged(
        "Shutting down (inhibited) service [198.51.100.3]:tcp:80 from VS [192.0.2.1]:tcp:80"
    ));
    assert_eq!(h.mirror, DataPlane::default());
}

#[test]
fn snapshot_reports_quorum_weights_and_table_presence() {
    let mut h = Harness::new(two_vs());
    h.run_until(at(0));
    let snap = h.engine.snapshot(h.now);
    let v = &snap.virtual_servers[0];
    assert_eq!(v.name, "[192.0.2.1]:tcp:80");
    assert!(v.quorum_up);
    assert_eq!(v.live_weight, 1);
    assert!(!v.sorry_active);
    let names: Vec<_> = v
        .real_servers
        .iter()
        .map(|r| (r.alive, r.in_table))
        .collect();
    assert_eq!(names, vec![(true, true), (false, false), (false, true)]);
    assert_eq!(v.real_servers[2].weight, 4);
    assert_eq!(snap.virtual_servers[1].real_servers[0].checkers, Vec::new());
}

#[test]
fn a_large_configuration_runs_a_minute_quickly() {
    // 100 virtual servers of 100 real servers: 10 000 checkers, each
    // probed every 10 s, a tenth of them failing.
    let servers = |port: u16| {
        (1..=100)
            .map(|i| {
                let mut r = rs(i, 1, vec![tcp()]);
                r.name = format!("[198.51.100.{i}]:tcp:{port}");
                r
            })
            .collect()
    };
    let cfg =
        config((0..100).map(|p| vs(1000 + p, servers(1000 + p))).collect());
    let mut h = Harness::new(cfg);
    let down = (0..100).flat_map(|v| (0..10).map(move |r| (rsid(v, r), false)));
    h.auto = Some(down.collect());
    let t = std::time::Instant::now();
    h.run_until(at(60));
    // Up: 0, 10, …, 60. Down TCP: 0, then 10, 12, 22, 24, …, 58, 60.
    assert_eq!(h.starts.len(), 9000 * 7 + 1000 * 11);
    let snap = h.engine.snapshot(h.now);
    assert!(snap.virtual_servers.iter().all(|v| v.live_weight == 90));
    assert!(
        t.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        t.elapsed()
    );
}

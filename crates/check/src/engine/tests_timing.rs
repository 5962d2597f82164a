//! Checker timing and verdicts on a virtual clock: warmup, delay_loop,
//! retry / delay_before_retry, alpha, overdue probes, stale answers.

use std::time::Duration;

use super::testutil::*;
use crate::event::{Action, Notify, ProbeResult};

#[test]
fn warmup_zero_probes_at_once_then_every_delay_loop() {
    let mut h =
        Harness::started(config(vec![vs(80, vec![rs(1, 1, vec![tcp()])])]));
    h.run_until(at(35));
    assert_eq!(h.starts_of(cid(0)), vec![0, 10, 20, 30]);
    // The first success is logged (has_run was false), later ones not.
    let successes = h.logs().iter().filter(|l| l.contains("success")).count();
    assert_eq!(successes, 1);
}

#[test]
fn the_bootstrap_delay_comes_before_the_first_probes_and_after_a_reload() {
    let mut cfg = config(vec![vs(80, vec![rs(1, 1, vec![tcp()])])]);
    cfg.bootstrap_delay = crate::config::BOOTSTRAP_DELAY;
    let mut h = Harness::started(cfg.clone());
    h.run_until(at(25));
    // keepalived: BOOTSTRAP_DELAY + warmup, then every delay_loop.
    let secs = |h: &Harness| -> Vec<u64> { h.starts_of(cid(0)) };
    assert_eq!(secs(&h), vec![1, 11, 21]);
    h.event(crate::event::Event::Reloaded(Box::new(cfg)));
    h.run_until(at(40));
    assert_eq!(secs(&h), vec![1, 11, 21, 26, 36]);
}

#[test]
fn warmup_spreads_first_probes_within_it_and_is_seeded() {
    let warm = |seed| {
        let mut c = tcp();
        c.warmup = Duration::from_secs(10);
        let servers = (1..=20).map(|i| rs(i, 1, vec![c.clone()])).collect();
        let mut h = Harness::new(config(vec![vs(80, servers)]));
        h.engine = super::Engine::new(h.engine.config().clone(), at(0), seed);
        h.auto = Some(Default::default());
        h.run_until(at(10));
        let mut firsts: Vec<u64> = (0..20)
            .map(|r| {
                h.starts
                    .iter()
                    .find(|(c, _)| *c == cid(r))
                    .map(|(_, t)| t.micros())
                    .expect("every checker ran within its warmup")
            })
            .collect();
        firsts.sort_unstable();
        firsts
    };
    let a = warm(1);
    assert_eq!(a, warm(1), "same seed, same spread");
    assert_ne!(a, warm(2), "another seed, another spread");
    assert!(a.first() < a.last(), "spread, not all at once: {a:?}");
}

#[test]
fn an_up_server_goes_down_after_its_retries() {
    let mut h =
        Harness::started(config(vec![vs(80, vec![rs(1, 1, vec![tcp()])])]));
    h.run_until(at(5));
    h.clear();
    h.set_up(rsid(0, 0), false);
    // t=10 fails (retry 1 left), t=12 (delay_before_retry) fails: down.
    h.run_until(at(11));
    assert_eq!(h.weight(80, 1), Some(1), "still in after one failure");
    h.run_until(at(12));
    assert_eq!(h.starts_of(cid(0)), vec![10, 12]);
    assert_eq!(h.weight(80, 1), None);
    assert!(h.logged(
        "TCP_CHECK on service [198.51.100.1]:tcp:80 failed after 1 retries."
    ));
    assert!(h.logged(
        "Removing service [198.51.100.1]:tcp:80 from VS [192.0.2.1]:tcp:80"
    ));
    assert_eq!(
        h.notifies(),
        vec![Notify::RsDown(rsid(0, 0)), Notify::QuorumDown(0)]
    );
}

#[test]
fn a_first_failure_downs_a_server_without_retries() {
    let mut h = Harness::new(config(vec![vs(80, vec![rs(1, 1, vec![tcp()])])]));
    h.auto = Some([(rsid(0, 0), false)].into_iter().collect());
    h.run_until(at(0));
    assert_eq!(h.starts_of(cid(0)), vec![0]);
    assert!(h.logged("TCP_CHECK on service [198.51.100.1]:tcp:80 failed."));
    assert_eq!(h.weight(80, 1), None);
}

#[test]
fn a_down_checker_is_retried_every_delay_loop_and_one_success_brings_it_up() {
    let ping = kind("PING_CHECK");
    let mut h = Harness::new(config(vec![vs(80, vec![rs(1, 1, vec![ping])])]));
    h.auto = Some([(rsid(0, 0), false)].into_iter().collect());
    h.run_until(at(35));
    assert_eq!(h.starts_of(cid(0)), vec![0, 10, 20, 30]);
    h.set_up(rsid(0, 0), true);
    h.clear();
    h.run_until(at(40));
    assert!(h.logged("ICMP connection to [198.51.100.1]:tcp:80 success."));
    assert!(h.logged(
        "Adding service [198.51.100.1]:tcp:80 to VS [192.0.2.1]:tcp:80"
    ));
    assert_eq!(h.weight(80, 1), Some(1));
}

#[test]
fn a_failed_http_checker_needs_two_successes_as_keepalived_does() {
    let mut http = kind("HTTP_GET");
    http.delay_before_retry = Duration::from_secs(12);
    let mut h = Harness::new(config(vec![vs(80, vec![rs(1, 1, vec![http])])]));
    h.auto = Some([(rsid(0, 0), false)].into_iter().collect());
    // Down at once, then every max(delay_before_retry, delay_loop).
    h.run_until(at(30));
    assert_eq!(h.starts_of(cid(0)), vec![0, 12, 24]);
    // check_http.c sets has_run before it logs: "after N retries" at once.
    assert!(h.logged(
        "HTTP_CHECK on service [198.51.100.1]:tcp:80 failed after 1 retries."
    ));
    h.set_up(rsid(0, 0), true);
    h.clear();
    // 36: the failed url passes (cleared); 46: up.
    h.run_until(at(45));
    assert_eq!(h.weight(80, 1), None);
    h.run_until(at(46));
    assert_eq!(h.starts_of(cid(0)), vec![36, 46]);
    assert!(
        h.logged("Remote Web server [198.51.100.1]:tcp:80 succeed on service.")
    );
    assert_eq!(h.weight(80, 1), Some(1));
    // An up checker: retried after delay_before_retry, down after retry.
    h.set_up(rsid(0, 0), false);
    h.clear();
    h.run_until(at(68));
    assert_eq!(h.starts_of(cid(0)), vec![56, 68]);
    assert!(h.logged(
        "HTTP_CHECK on service [198.51.100.1]:tcp:80 failed after 1 retries."
    ));
    assert_eq!(h.weight(80, 1), None);
}

#[test]
fn misc_checks_are_timed_from_their_start() {
    let misc = kind("MISC_CHECK");
    let mut h = Harness::new(config(vec![vs(80, vec![rs(1, 1, vec![misc])])]));
    h.run_until(at(0));
    h.run_until(at(2));
    h.answer(cid(0), ProbeResult::Up);
    h.run_until(at(10));
    assert_eq!(
        h.starts_of(cid(0)),
        vec![0, 10],
        "delay_loop from the start"
    );
}

#[test]
fn a_down_tcp_checker_also_spends_its_retries_as_keepalived_does() {
    let mut h = Harness::new(config(vec![vs(80, vec![rs(1, 1, vec![tcp()])])]));
    h.auto = Some([(rsid(0, 0), false)].into_iter().collect());
    h.run_until(at(30));
    // 0 fails (down at once), then tcp_epilog: retry at +2, then +10.
    assert_eq!(h.starts_of(cid(0)), vec![0, 10, 12, 22, 24]);
}

#[test]
fn alpha_starts_down_and_a_first_failure_only_notifies() {
    let mut c = tcp();
    c.alpha = true;
    let mut h = Harness::new(config(vec![vs(80, vec![rs(1, 1, vec![c])])]));
    h.run_until(at(0));
    assert_eq!(h.weight(80, 1), None, "alpha: not in the table at start");
    assert_eq!(h.pending.len(), 1);
    h.answer(cid(0), ProbeResult::Down("refused".into()));
    assert!(h.logged("TCP_CHECK on service [198.51.100.1]:tcp:80 failed."));
    assert!(h.notifies().contains(&Notify::RsDown(rsid(0, 0))));
    assert!(
        h.ops()
            .iter()
            .all(|(op, _)| !matches!(op, ka_types::lvs::Op::DelDest(..)))
    );
    h.run_until(at(10));
    h.answer(cid(0), ProbeResult::Up);
    assert!(h.logged("TCP connection to [198.51.100.1]:tcp:80 success."));
    assert_eq!(h.weight(80, 1), Some(1));
}

#[test]
fn a_probe_running_is_not_started_again_and_an_overdue_one_fails() {
    let mut h = Harness::new(config(vec![vs(80, vec![rs(1, 1, vec![tcp()])])]));
    h.run_until(at(0));
    assert_eq!(h.starts_of(cid(0)), vec![0]);
    // connect_timeout 3 s + 3 s margin: still waiting at 5 s.
    h.run_until(at(5));
    assert_eq!(h.starts_of(cid(0)), vec![0]);
    assert_eq!(h.weight(80, 1), Some(1));
    let (stale, _) = h.pending[&cid(0)];
    // At 6 s it counts as failed: first failure, down.
    h.run_until(at(6));
    assert_eq!(h.weight(80, 1), None);
    // Its late answer is ignored.
    h.pending.remove(&cid(0));
    h.event(crate::event::Event::ProbeDone {
        id: cid(0),
        token: stale,
        result: ProbeResult::Up,
        latency: Duration::from_secs(7),
    });
    assert_eq!(h.weight(80, 1), None);
    // The verdict was reached (down), so the next attempt is a
    // delay_loop after the timeout.
    h.run_until(at(16));
    assert_eq!(h.starts_of(cid(0)), vec![0, 16]);
}

#[test]
fn log_all_failures_logs_the_probe_words_of_an_up_checker() {
    let mut c = tcp();
    c.log_all_failures = true;
    let mut h = Harness::new(config(vec![vs(80, vec![rs(1, 1, vec![c])])]));
    h.run_until(at(0));
    h.answer(cid(0), ProbeResult::Up);
    h.run_until(at(10));
    h.answer(
        cid(0),
        ProbeResult::Down(
            "TCP connection to [198.51.100.1]:tcp:80 timeout.".into(),
        ),
    );
    assert!(h.logged("TCP connection to [198.51.100.1]:tcp:80 timeout."));
    assert_eq!(h.weight(80, 1), Some(1), "one retry left");
}

#[test]
fn latency_lands_in_the_snapshot() {
    let mut h = Harness::new(config(vec![vs(80, vec![rs(1, 1, vec![tcp()])])]));
    h.run_until(at(0));
    h.now += Duration::from_millis(250);
    h.answer(cid(0), ProbeResult::Up);
    let snap = h.engine.snapshot(h.now);
    let r = &snap.virtual_servers[0].real_servers[0];
    assert_eq!(r.checkers, vec![(true, Some(Duration::from_millis(250)))]);
    assert!(r.alive && r.in_table);
    assert!(matches!(h.all.first(), Some(Action::Log { .. })));
}

#[test]
fn the_snapshot_counts_how_late_each_timer_ran() {
    let mut h =
        Harness::started(config(vec![vs(80, vec![rs(1, 1, vec![tcp()])])]));
    h.run_until(at(25));
    // On time at 0, 10 and 20: every delay in the first bucket (<= 1 ms).
    let on_time = h.engine.snapshot(at(25)).timer_delay;
    assert_eq!(on_time.count, 3);
    assert_eq!(on_time.buckets[0], 3);
    // The loop wakes 300 ms after the timer due at 30.
    let late = at(30) + Duration::from_millis(300);
    let mut out = Vec::new();
    h.engine.handle_timeout(late, &mut out);
    assert!(
        out.iter().any(|a| matches!(a, Action::StartProbe { .. })),
        "the late timer starts its probe: {out:?}"
    );
    let d = h.engine.snapshot(late).timer_delay;
    assert_eq!(d.count, 4);
    assert_eq!(d.sum_us, 300_000);
    let bucket = crate::latency::BUCKETS_US
        .iter()
        .position(|b| 300_000 <= *b)
        .unwrap();
    assert_eq!(d.buckets[bucket], 1, "{d:?}");
}

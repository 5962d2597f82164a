//! HTTP_GET / SSL_GET on a virtual clock: one url per attempt as
//! check_http.c walks them (`url_it`, `failed_url`), and `fast_recovery`.
//! Timers of [`tcp`]: delay_loop 10 s, delay_before_retry 2 s, retry 1.

use std::time::Duration;

use super::testutil::*;
use crate::event::{Event, ProbeResult};

/// Seconds and url index of each start of checker 0 of real server 0.
fn walk(h: &Harness) -> Vec<(u64, u32)> {
    h.url_starts_of(cid(0))
        .into_iter()
        .map(|(ms, u)| (ms / 1000, u))
        .collect()
}

const SUCCEED: &str =
    "Remote Web server [198.51.100.1]:tcp:80 succeed on service.";

#[test]
fn each_attempt_fetches_the_next_url_and_the_last_one_decides() {
    let mut h =
        Harness::started(config(vec![vs(80, vec![rs(1, 1, vec![http(3)])])]));
    h.run_until(at(10));
    assert!(!h.logged(SUCCEED), "not before the last url passed");
    h.run_until(at(20));
    assert!(h.logged(SUCCEED), "the walk completed");
    h.run_until(at(45));
    assert_eq!(
        walk(&h),
        vec![(0, 0), (10, 1), (20, 2), (30, 0), (40, 1)],
        "one url per delay_loop, then the first again"
    );
    let successes = h.logs().iter().filter(|l| *l == SUCCEED).count();
    assert_eq!(successes, 1, "logged once, when it first came up");
}

#[test]
fn an_alpha_checker_comes_up_only_when_every_url_passed() {
    let mut c = http(2);
    c.alpha = true;
    let mut h = Harness::started(config(vec![vs(80, vec![rs(1, 1, vec![c])])]));
    assert_eq!(h.weight(80, 1), None);
    h.run_until(at(9));
    assert_eq!(h.weight(80, 1), None, "url 0 passed, url 1 not checked");
    h.run_until(at(10));
    assert_eq!(h.weight(80, 1), Some(1));
}

#[test]
fn a_failing_url_is_rechecked_alone_then_every_url_again() {
    let mut h =
        Harness::new(config(vec![vs(80, vec![rs(1, 1, vec![http(2)])])]));
    h.auto = Some(Default::default());
    h.bad_urls.insert((rsid(0, 0), 1));
    h.run_until(at(35));
    // url 1 fails at 10: one failure is enough before the walk completed
    // once; then it alone, every max(delay_loop, delay_before_retry).
    assert_eq!(walk(&h), vec![(0, 0), (10, 1), (20, 1), (30, 1)]);
    assert_eq!(h.weight(80, 1), None);
    assert!(h.logged(
        "HTTP_CHECK on service [198.51.100.1]:tcp:80 failed after 1 retries."
    ));
    h.bad_urls.clear();
    h.clear();
    // 40: url 1 passes, which only clears it; 50 url 0, 60 url 1: up.
    h.run_until(at(59));
    assert_eq!(h.weight(80, 1), None);
    h.run_until(at(60));
    assert_eq!(walk(&h), vec![(40, 1), (50, 0), (60, 1)]);
    assert_eq!(h.weight(80, 1), Some(1));
    assert!(h.logged(SUCCEED));
}

#[test]
fn an_up_checker_retries_the_same_url_before_going_down() {
    let mut h =
        Harness::started(config(vec![vs(80, vec![rs(1, 1, vec![http(2)])])]));
    h.run_until(at(25));
    h.bad_urls.insert((rsid(0, 0), 1));
    h.clear();
    h.run_until(at(31));
    assert_eq!(h.weight(80, 1), Some(1), "one retry left");
    h.run_until(at(45));
    // 30 fails (retry), 32 fails again: down; 42 the failed url alone.
    assert_eq!(walk(&h), vec![(30, 1), (32, 1), (42, 1)]);
    assert_eq!(h.weight(80, 1), None);
}

#[test]
fn a_success_after_a_retry_moves_on_to_the_next_url() {
    let mut h =
        Harness::started(config(vec![vs(80, vec![rs(1, 1, vec![http(2)])])]));
    h.run_until(at(25));
    h.auto = None;
    h.run_until(at(30));
    h.answer(cid(0), ProbeResult::Down("HTTP status code error".into()));
    h.run_until(at(32));
    h.answer(cid(0), ProbeResult::Up);
    h.auto = Some(Default::default());
    h.run_until(at(42));
    assert_eq!(h.weight(80, 1), Some(1));
    let tail: Vec<_> = walk(&h).into_iter().skip(3).collect();
    assert_eq!(tail, vec![(30, 1), (32, 1), (42, 0)]);
}

#[test]
fn fast_recovery_walks_the_urls_at_once_while_not_run_or_recovering() {
    let mut c = http(2);
    c.fast_recovery = true;
    let mut h = Harness::new(config(vec![vs(80, vec![rs(1, 1, vec![c])])]));
    h.auto = Some(Default::default());
    h.bad_urls.insert((rsid(0, 0), 1));
    h.run_until(at(15));
    // Not run yet: url 1 right after url 0; its failure waits as usual.
    assert_eq!(walk(&h), vec![(0, 0), (0, 1), (10, 1)]);
    assert_eq!(h.weight(80, 1), None);
    h.bad_urls.clear();
    h.clear();
    // 20: url 1 passes, the failed url is cleared and the server is down:
    // every url again at once, up at 20 (without fast_recovery: 40).
    h.run_until(at(20));
    assert_eq!(walk(&h), vec![(20, 1), (20, 0), (20, 1)]);
    assert_eq!(h.weight(80, 1), Some(1));
    h.clear();
    h.run_until(at(35));
    assert_eq!(walk(&h), vec![(30, 0)], "up: delay_loop again");
}

#[test]
fn fast_recovery_does_not_spin_on_a_failure_without_a_failed_url() {
    let mut c = http(2);
    c.fast_recovery = true;
    c.delay_before_retry = Duration::from_secs(3);
    let mut h = Harness::new(config(vec![vs(80, vec![rs(1, 1, vec![c])])]));
    h.auto = Some(Default::default());
    h.bad_urls.insert((rsid(0, 0), 1));
    h.run_until(at(5));
    // url 1 recovers and url 0 fails while the server is down: keepalived
    // would re-check at once forever; here after delay_before_retry.
    h.bad_urls.clear();
    h.bad_urls.insert((rsid(0, 0), 0));
    h.clear();
    h.run_until(at(17));
    assert_eq!(walk(&h), vec![(10, 1), (10, 0), (13, 0), (16, 0)]);
    assert_eq!(h.weight(80, 1), None);
}

#[test]
fn a_reload_that_drops_urls_restarts_the_walk_within_them() {
    let cfg = |n| config(vec![vs(80, vec![rs(1, 1, vec![http(n)])])]);
    let mut h = Harness::started(cfg(3));
    h.run_until(at(20));
    h.event(Event::Reloaded(Box::new(cfg(1))));
    h.clear();
    h.run_until(at(60));
    assert!(walk(&h).iter().all(|(_, u)| *u == 0), "{:?}", walk(&h));
    assert_eq!(h.weight(80, 1), Some(1));
}

#[test]
fn a_url_success_line_is_logged_only_while_the_checker_is_down() {
    let mut c = http(2);
    c.alpha = true;
    let mut h = Harness::new(config(vec![vs(80, vec![rs(1, 1, vec![c])])]));
    h.run_until(at(0));
    h.answer(cid(0), ProbeResult::UpWithLine("url 0 passed".into()));
    assert!(h.logged("url 0 passed"), "down: logged");
    h.run_until(at(10));
    h.answer(cid(0), ProbeResult::UpWithLine("url 1 passed".into()));
    assert!(h.logged("url 1 passed"));
    assert_eq!(h.weight(80, 1), Some(1), "the walk completed: up");
    h.run_until(at(20));
    h.answer(cid(0), ProbeResult::UpWithLine("url 0 again".into()));
    assert!(!h.logged("url 0 again"), "up: not logged");
}

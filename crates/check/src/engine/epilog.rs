//! The checkers' epilogs: from one probe result to the checker's next
//! delay and, when one is reached, its verdict. keepalived's checkers
//! differ in small ways, reproduced here per kind.

use std::time::Duration;

use super::state::CheckerState;
use crate::config::CheckerConfig;

/// What a probe result does to a checker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Step {
    /// Time to the next probe.
    pub(super) delay: Duration,
    /// The verdict to apply (`Some(up)`), if one is reached.
    pub(super) verdict: Option<bool>,
    /// keepalived's `has_run` after this result (every kind but HTTP sets
    /// it on any result).
    pub(super) ran: bool,
}

/// How a checker kind counts retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavour {
    /// check_tcp.c tcp_epilog.
    Tcp,
    /// check_http.c epilog / timeout_epilog.
    Http,
    /// check_udp.c, check_ping.c, check_dns.c, check_smtp.c,
    /// check_misc.c: retries counted only while up.
    Other,
}

fn flavour(keyword: &str) -> Flavour {
    match keyword {
        "TCP_CHECK" => Flavour::Tcp,
        "HTTP_GET" | "SSL_GET" => Flavour::Http,
        _ => Flavour::Other,
    }
}

/// Whether the checker is an HTTP_GET or SSL_GET (one url per attempt).
pub(super) fn is_http(cfg: &CheckerConfig) -> bool {
    flavour(&cfg.keyword) == Flavour::Http
}

/// Updates the checker's retry state for one probe result (`success`)
/// and says when to probe next and which verdict was reached.
/// `has_run` is left to the caller.
pub(super) fn step(
    cfg: &CheckerConfig,
    c: &mut CheckerState,
    success: bool,
) -> Step {
    let (up, has_run) = (c.up, c.has_run);
    let flavour = flavour(&cfg.keyword);
    if flavour == Flavour::Http {
        return http(cfg, c, success);
    }
    // keepalived compat: tcp_epilog counts retries even for a checker
    // already down (it retries after delay_before_retry, then waits
    // delay_loop); the other kinds count them only while up.
    let counts = up || !has_run || flavour == Flavour::Tcp;
    if success || (counts && c.retry_it >= cfg.retry) {
        c.retry_it = 0;
        let verdict = if success {
            (!up || !has_run).then_some(true)
        } else {
            (up || !has_run).then_some(false)
        };
        Step {
            delay: cfg.delay_loop,
            verdict,
            ran: true,
        }
    } else if counts {
        c.retry_it += 1;
        Step {
            delay: cfg.delay_before_retry,
            verdict: None,
            ran: true,
        }
    } else {
        Step {
            delay: cfg.delay_loop,
            verdict: None,
            ran: true,
        }
    }
}

/// check_http.c `epilog` / `timeout_epilog`: one url per attempt.
///
/// A success (REGISTER_CHECKER_NEW) moves to the next url; past the last
/// one with no failed url the checker is up (a verdict only if it was
/// down or had not run), and the walk starts again at the first url a
/// `delay_loop` later. A failure of an up (or never run) checker
/// (REGISTER_CHECKER_RETRY) retries the same url after
/// `delay_before_retry`, `retry` times; the last one marks the url
/// failed and brings the checker down. A down checker's failure
/// (REGISTER_CHECKER_FAILED) changes nothing. While a url has failed,
/// attempts are `max(delay_before_retry, delay_loop)` apart; its first
/// success clears it and the walk restarts at the first url, so the
/// checker comes up only after every url passed in turn.
fn http(cfg: &CheckerConfig, c: &mut CheckerState, success: bool) -> Step {
    let (up, has_run) = (c.up, c.has_run);
    let urls = cfg.urls.max(1);
    let mut verdict = None;
    // keepalived compat: has_run is set only by a failure (timeout_epilog)
    // and by the success of the last url.
    let mut ran = has_run;
    let delay = if success {
        c.retry_it = 0;
        let next = c.url.saturating_add(1);
        if next >= urls && c.failed_url.is_none() {
            // Every url passed in turn.
            if !up || !has_run {
                verdict = Some(true);
            }
            ran = true;
            c.url = 0;
        } else if c.failed_url.is_some() {
            // The failed url passes: check them all again.
            c.failed_url = None;
            c.url = 0;
        } else {
            c.url = next;
        }
        if !ran {
            // keepalived compat: "one failure is enough" until the walk
            // has completed once.
            c.retry_it = cfg.retry;
        }
        cfg.delay_loop
    } else {
        ran = true;
        if up || !has_run {
            c.retry_it = c.retry_it.saturating_add(1);
            if c.retry_it > cfg.retry {
                // keepalived compat: a checker not up (alpha, first
                // failure) marks the url failed without a verdict.
                if up {
                    verdict = Some(false);
                }
                c.failed_url = Some(c.url);
            }
        }
        if c.failed_url.is_some() {
            cfg.delay_before_retry.max(cfg.delay_loop)
        } else {
            cfg.delay_before_retry
        }
    };
    let up_after = verdict.unwrap_or(up);
    // check_http.c: with fast_recovery, a checker that has not run yet,
    // or is down without a failed url, runs its next attempt at once.
    // keepalived compat, except: keepalived also re-runs at once a down
    // checker's failure while no url is marked failed (a url after the
    // one that recovered), a busy loop for as long as the server keeps
    // failing; here a failure always waits (docs/compat.md).
    let fast = cfg.fast_recovery
        && success
        && (!ran || (!up_after && c.failed_url.is_none()));
    Step {
        delay: if fast { Duration::ZERO } else { delay },
        verdict,
        ran,
    }
}

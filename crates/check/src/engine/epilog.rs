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
        }
    } else if counts {
        c.retry_it += 1;
        Step {
            delay: cfg.delay_before_retry,
            verdict: None,
        }
    } else {
        Step {
            delay: cfg.delay_loop,
            verdict: None,
        }
    }
}

/// check_http.c: a failure of an up (or never run) checker is retried
/// `retry` times after `delay_before_retry`; the final one marks the url
/// failed and waits the longer of delay_before_retry and delay_loop, as
/// does a failure of a down checker. keepalived compat: after a failure
/// the first success only clears the failed url; the next one (a
/// delay_loop later) brings the checker up.
fn http(cfg: &CheckerConfig, c: &mut CheckerState, success: bool) -> Step {
    let (up, has_run) = (c.up, c.has_run);
    let slow = cfg.delay_before_retry.max(cfg.delay_loop);
    if success {
        c.retry_it = 0;
        let verdict = if c.http_failed {
            c.http_failed = false;
            None
        } else {
            (!up || !has_run).then_some(true)
        };
        return Step {
            delay: cfg.delay_loop,
            verdict,
        };
    }
    if !up && has_run {
        // REGISTER_CHECKER_FAILED: no retries for a server known dead.
        let delay = if c.http_failed {
            slow
        } else {
            cfg.delay_before_retry
        };
        return Step {
            delay,
            verdict: None,
        };
    }
    c.retry_it = c.retry_it.saturating_add(1);
    if c.retry_it > cfg.retry {
        c.http_failed = true;
        Step {
            delay: slow,
            verdict: Some(false),
        }
    } else {
        Step {
            delay: cfg.delay_before_retry,
            verdict: None,
        }
    }
}

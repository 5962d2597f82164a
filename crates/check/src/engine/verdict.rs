//! From a probe's result to the checker's verdict, the real server's
//! state and the table: keepalived's checker epilogs (check_tcp.c
//! tcp_epilog, check_udp.c, check_ping.c), update_svr_checker_state and
//! perform_svr_state (ipwrapper.c).

use std::cmp::Reverse;
use std::time::Duration;

use ka_types::Instant;

use super::state::{Running, is_probe};
use super::{Engine, epilog, words};
use crate::event::{
    Action, CheckerAlert, CheckerId, Notify, ProbeResult, Reason, RsId,
};

/// A probe with no answer after `connect_timeout` plus this much (or
/// twice `connect_timeout`, whichever is longer) counts as failed.
pub(super) const OVERDUE_MARGIN: Duration = Duration::from_secs(1);

impl Engine {
    /// Starts the probes that are due and fails the overdue ones.
    pub(super) fn run_due(&mut self, now: Instant, out: &mut Vec<Action>) {
        while let Some(Reverse((at, id))) = self.timers.peek().copied() {
            if at > now {
                break;
            }
            self.timers.pop();
            let current = self
                .rs_state(id.rs)
                .and_then(|r| r.checkers.get(id.checker as usize))
                .and_then(|c| c.timer());
            if current == Some(at) {
                self.timer_delay.observe(now.saturating_since(at));
                self.run_one(now, id, out);
            }
        }
    }

    /// One checker's timer.
    fn run_one(&mut self, now: Instant, id: CheckerId, out: &mut Vec<Action>) {
        // The few settings used here, not a clone of the whole
        // configuration (this runs for every check).
        let Some((delay_loop, urls, connect_timeout)) = self
            .checker_config(id)
            .map(|c| (c.delay_loop, c.urls, c.connect_timeout))
        else {
            return;
        };
        let enabled = self.vs_enabled(id.rs.vs as usize);
        let token = self.next_token;
        let Some(c) = self.checker_mut(id) else {
            return;
        };
        if let Some(r) = c.running.take() {
            // Overdue: the probe's answer, if it ever comes, is stale.
            self.checker_result(now, id, (false, "timeout"), r.started, out);
            return;
        }
        if !enabled {
            // check_tcp.c tcp_connect_thread: a disabled (ha_suspend)
            // checker only re-arms its timer.
            c.next = Some(now + delay_loop);
            self.arm(id, now + delay_loop);
            return;
        }
        // keepalived's url_it; a reload may have removed urls.
        if c.url >= urls {
            c.url = 0;
        }
        let url = c.url;
        let margin = connect_timeout.max(OVERDUE_MARGIN);
        let deadline = now + connect_timeout + margin;
        c.next = None;
        c.running = Some(Running {
            token,
            started: now,
            deadline,
        });
        self.arm(id, deadline);
        self.next_token += 1;
        out.push(Action::StartProbe { id, token, url });
    }

    /// `Event::ProbeDone`.
    pub(super) fn probe_done(
        &mut self,
        now: Instant,
        id: CheckerId,
        token: u64,
        result: ProbeResult,
        latency: Duration,
        out: &mut Vec<Action>,
    ) {
        let Some((probe, dynamic)) =
            self.checker_config(id).map(|c| (is_probe(c), c.dynamic))
        else {
            return;
        };
        if !self.started || !probe {
            return;
        }
        let Some(c) = self.checker_mut(id) else {
            return;
        };
        let started = match c.running {
            Some(r) if r.token == token => r.started,
            _ => return,
        };
        c.running = None;
        c.latency = Some(latency);
        let result = match result {
            ProbeResult::UpWithLine(line) => {
                // check_http.c http_handle_response: logged while down.
                if !c.up {
                    Self::log(out, line);
                }
                ProbeResult::Up
            }
            r => r,
        };
        c.latencies.observe(latency);
        match result {
            ProbeResult::Up | ProbeResult::UpWithLine(_) => {
                if dynamic {
                    // check_misc.c: exit status 0 puts the configured
                    // weight back.
                    self.set_dynamic_weight(id, 0, out);
                }
                self.checker_result(now, id, (true, ""), started, out);
            }
            ProbeResult::UpWithWeight(w) => {
                if dynamic {
                    let configured = self
                        .rs_config(id.rs)
                        .map_or(0, |r| i64::from(r.dest.weight));
                    // check_misc.c: cur_weight = (status - 2) - iweight,
                    // so the server's weight becomes the probe's.
                    self.set_dynamic_weight(id, i64::from(w) - configured, out);
                }
                self.checker_result(now, id, (true, ""), started, out);
            }
            ProbeResult::Down(why) => {
                self.checker_result(now, id, (false, &why), started, out);
            }
        }
    }

    /// A probe's verdict, with keepalived's retry counting; schedules the
    /// next probe. `started` is when the probe began.
    fn checker_result(
        &mut self,
        now: Instant,
        id: CheckerId,
        result: (bool, &str),
        started: Instant,
        out: &mut Vec<Action>,
    ) {
        let (success, why) = result;
        // The configuration is borrowed next to the mutable state (no
        // clone per check); names are looked up only for a verdict line.
        let Some((cfg, c)) = self.checker_parts(id) else {
            return;
        };
        let (was_up, has_run) = (c.up, c.has_run);
        if !success && was_up && cfg.log_all_failures && !why.is_empty() {
            Self::log(out, why.to_string());
        }
        let step = epilog::step(cfg, c, success);
        // keepalived compat: check_misc.c times the next run from the
        // start of the last one; the other checkers from its end.
        let base = if cfg.keyword == "MISC_CHECK" {
            started
        } else {
            now
        };
        let next = (base + step.delay).max(now);
        c.next = Some(next);
        let (retry, dynamic) = (cfg.retry, cfg.dynamic);
        let http = epilog::is_http(cfg);
        let keyword = step.verdict.map(|_| cfg.keyword.clone());
        self.arm(id, next);
        match (step.verdict, keyword) {
            (Some(true), Some(keyword)) => {
                let (rs_name, vs_name) = self.names(id.rs);
                let line = words::success(&keyword, &rs_name, &vs_name);
                if let Some(line) = line {
                    Self::log(out, line);
                }
                self.alerting_update(id, true, out);
            }
            (Some(false), Some(keyword)) => {
                let (rs_name, vs_name) = self.names(id.rs);
                // keepalived compat: check_http.c sets has_run before it
                // logs, so HTTP says "after N retries" even at a first
                // failure.
                let line = words::failure(
                    &keyword,
                    (&rs_name, &vs_name),
                    retry,
                    has_run || http,
                    why,
                );
                Self::log(out, line);
                if dynamic {
                    // check_misc.c: a failed dynamic checker gives up its
                    // part of the weight, silently (the server leaves the
                    // pool anyway).
                    if let Some(c) = self.checker_mut(id) {
                        c.cur_weight = 0;
                    }
                }
                self.alerting_update(id, false, out);
            }
            _ => {}
        }
        if step.ran
            && let Some(c) = self.checker_mut(id)
        {
            c.has_run = true;
        }
    }

    /// [`Self::update_checker_state`] for a checker whose own verdict
    /// (a probe's, or a BFD session's) has a mail: keepalived's checker
    /// epilogs note `checker_was_up` and `rs_was_alive`, update, then
    /// `smtp_alert` when the checker's verdict flipped (the daemon
    /// applies `smtp_alert` and `no_checker_emails`).
    pub(super) fn alerting_update(
        &mut self,
        id: CheckerId,
        up: bool,
        out: &mut Vec<Action>,
    ) {
        let was_up = self.checker(id).map(|c| c.up);
        let was_alive = self.rs_state(id.rs).map(|r| r.alive);
        self.update_checker_state(id, up, out);
        let rs_alive = self.rs_state(id.rs).map(|r| r.alive);
        if let (Some(was_up), Some(was), Some(now)) =
            (was_up, was_alive, rs_alive)
            && was_up != up
        {
            out.push(Action::CheckerAlert(CheckerAlert {
                id,
                up,
                rs_alive: now,
                rs_changed: was != now,
            }));
        }
    }

    /// keepalived's update_svr_checker_state: a checker's verdict, and
    /// the real server's if it was the first failure or the last.
    pub(super) fn update_checker_state(
        &mut self,
        id: CheckerId,
        alive: bool,
        out: &mut Vec<Action>,
    ) {
        let alpha = self.checker_config(id).is_some_and(|c| c.alpha);
        let Some(rs) = self.rs_state(id.rs) else {
            return;
        };
        let failed = rs.num_failed();
        let rs_alive = rs.alive;
        let Some(c) = self.checker_mut(id) else {
            return;
        };
        if c.up == alive {
            if !c.has_run {
                c.has_run = true;
                if alpha || !alive {
                    // A first verdict that changes nothing still runs the
                    // real server's notifier (do_rs_notifies).
                    out.push(Action::Notify(if rs_alive {
                        Notify::RsUp(id.rs)
                    } else {
                        Notify::RsDown(id.rs)
                    }));
                }
            }
            return;
        }
        c.has_run = true;
        c.up = alive;
        if (alive && failed <= 1) || (!alive && failed == 0) {
            self.perform_rs_state(id.rs, alive, out);
        }
    }

    /// keepalived's perform_svr_state: a real server comes up or goes
    /// down.
    pub(super) fn perform_rs_state(
        &mut self,
        id: RsId,
        alive: bool,
        out: &mut Vec<Action>,
    ) {
        let vi = id.vs as usize;
        let inhibit = self.rs_config(id).is_some_and(|r| r.inhibit_on_failure);
        let (rs_name, vs_name) = self.names(id);
        let Some(rs) = self.rs_state_mut(id) else {
            return;
        };
        if rs.alive == alive {
            return;
        }
        rs.alive = alive;
        Self::log(out, words::svr_state(alive, inhibit, &rs_name, &vs_name));
        self.sync_vs(vi, &Reason::Verdict(id), out);
        out.push(Action::Notify(if alive {
            Notify::RsUp(id)
        } else {
            Notify::RsDown(id)
        }));
        self.update_quorum(vi, false, out);
    }

    /// Whether virtual server `vi`'s checkers run (ha_suspend).
    pub(super) fn vs_enabled(&self, vi: usize) -> bool {
        let Some(cfg) = self.config.virtual_servers.get(vi) else {
            return false;
        };
        !cfg.ha_suspend
            || cfg
                .vips
                .iter()
                .any(|a| self.addrs.get(a).is_some_and(|n| *n > 0))
    }

    /// FMT_RS and FMT_VS of a real server.
    pub(super) fn names(&self, id: RsId) -> (String, String) {
        let vs = self.config.virtual_servers.get(id.vs as usize);
        let rs = vs.and_then(|v| v.real_servers.get(id.rs as usize));
        (
            rs.map(|r| r.name.clone()).unwrap_or_default(),
            vs.map(|v| v.name.clone()).unwrap_or_default(),
        )
    }

    pub(super) fn rs_config(
        &self,
        id: RsId,
    ) -> Option<&crate::config::RsConfig> {
        self.config
            .virtual_servers
            .get(id.vs as usize)?
            .real_servers
            .get(id.rs as usize)
    }

    pub(super) fn rs_state(&self, id: RsId) -> Option<&super::state::RsState> {
        self.vs.get(id.vs as usize)?.rs.get(id.rs as usize)
    }

    pub(super) fn rs_state_mut(
        &mut self,
        id: RsId,
    ) -> Option<&mut super::state::RsState> {
        self.vs.get_mut(id.vs as usize)?.rs.get_mut(id.rs as usize)
    }

    /// A checker's configuration and its mutable state together (two
    /// disjoint fields of the engine).
    pub(super) fn checker_parts(
        &mut self,
        id: CheckerId,
    ) -> Option<(
        &crate::config::CheckerConfig,
        &mut super::state::CheckerState,
    )> {
        let cfg = self
            .config
            .virtual_servers
            .get(id.rs.vs as usize)?
            .real_servers
            .get(id.rs.rs as usize)?
            .checkers
            .get(id.checker as usize)?;
        let c = self
            .vs
            .get_mut(id.rs.vs as usize)?
            .rs
            .get_mut(id.rs.rs as usize)?
            .checkers
            .get_mut(id.checker as usize)?;
        Some((cfg, c))
    }

    fn checker(&self, id: CheckerId) -> Option<&super::state::CheckerState> {
        self.rs_state(id.rs)?.checkers.get(id.checker as usize)
    }

    pub(super) fn checker_mut(
        &mut self,
        id: CheckerId,
    ) -> Option<&mut super::state::CheckerState> {
        self.rs_state_mut(id.rs)?
            .checkers
            .get_mut(id.checker as usize)
    }
}

/// A checker id from indexes.
pub(super) fn checker_id(vi: usize, ri: usize, ci: usize) -> CheckerId {
    let n = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
    CheckerId {
        rs: RsId {
            vs: n(vi),
            rs: n(ri),
        },
        checker: n(ci),
    }
}

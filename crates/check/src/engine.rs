//! The engine: keepalived's checker framework (check_api.c, ipwrapper.c,
//! the checkers' epilogs) as a state machine over virtual time.
//!
//! State lives in [`state`]; a verdict's path through the real server and
//! the quorum in [`verdict`] and [`quorum`]; the kernel table is always
//! recomputed from that state and diffed ([`table`]), so the operations
//! emitted build exactly [`Engine::table`].

mod epilog;
mod inputs;
mod lifecycle;
mod quorum;
mod reload;
mod rng;
mod snapshot;
mod state;
mod table;
mod verdict;
mod words;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::net::IpAddr;

use ka_types::Instant;
use ka_types::lvs::DataPlane;

use crate::config::CheckConfig;
use crate::event::{Action, CheckerId, Event, LogLevel, Snapshot};

use rng::Rng;
use state::VsState;

/// The checker engine.
///
/// Contract with the daemon:
/// * `track_file` values, BFD states and present addresses known at
///   start are fed before the first [`Engine::handle_timeout`] (which
///   builds the table, reason [`crate::Reason::Start`]).
/// * [`Action::StartProbe`] is answered by [`Event::ProbeDone`] with its
///   token; a probe not answered within `connect_timeout` plus
///   `max(connect_timeout, 1 s)` counts as failed and a late answer is
///   ignored. After a reload every earlier token is stale.
/// * `ProbeResult::Down` carries the probe's own line (ka-probe's
///   `log::attempt`): the engine logs it when keepalived would (an up
///   checker with `log_all_failures`) and folds it into the verdict line
///   of MISC_CHECK, DNS_CHECK and SMTP_CHECK.
/// * The engine logs, in keepalived's words: the verdict lines (`TCP
///   connection to … success.`, `TCP_CHECK on service … failed after N
///   retries.`, …), `Adding/Removing/Enabling/Disabling service …`,
///   quorum and sorry-server lines, weight changes, `Activating/Suspending
///   healthchecker …`, BFD_CHECK lines, reload and shutdown lines. The
///   daemon should not log those again.
/// * Notifications for servers and virtual servers that a reload removes
///   are not emitted (their ids do not exist in the new configuration).
#[derive(Debug)]
pub struct Engine {
    config: CheckConfig,
    table: DataPlane,
    /// When the first [`Engine::handle_timeout`] builds the table.
    start_at: Instant,
    started: bool,
    stopped: bool,
    /// Start and reload: per-server table syncs wait for the final one.
    defer_sync: bool,
    rng: Rng,
    /// The next probe token.
    next_token: u64,
    /// Checker timers, earliest first. An entry whose time is no longer
    /// its checker's timer is stale and skipped.
    timers: BinaryHeap<Reverse<(Instant, CheckerId)>>,
    /// Per virtual server (parallel to `config.virtual_servers`).
    vs: Vec<VsState>,
    /// Last value of every `track_file` seen.
    files: BTreeMap<String, i64>,
    /// Last state of every BFD session seen.
    bfds: BTreeMap<String, bool>,
    /// How many times each address is present (ha_suspend), as
    /// keepalived counts `ha_suspend_addr_count`.
    addrs: BTreeMap<IpAddr, u32>,
    /// How late each checker timer ran ([`Snapshot::timer_delay`]).
    timer_delay: crate::latency::LatencyHistogram,
}

impl Engine {
    /// An engine for `config`, started at `now`: its first actions (the
    /// initial table and the first probes, spread over `warmup`) come
    /// from the first [`Engine::handle_timeout`]. `seed` drives the
    /// warmup spreading (no global random generator).
    ///
    /// `track_file` values, BFD states and present addresses fed through
    /// [`Engine::handle`] before that first timeout are taken into the
    /// initial state, as keepalived reads them before it starts.
    pub fn new(config: CheckConfig, now: Instant, seed: u64) -> Self {
        let vs = config
            .virtual_servers
            .iter()
            .map(|v| VsState {
                rs: state::initial_rs(v),
                ..VsState::default()
            })
            .collect();
        Self {
            config,
            table: DataPlane::default(),
            start_at: now,
            started: false,
            stopped: false,
            defer_sync: false,
            rng: Rng::new(seed),
            next_token: 1,
            timer_delay: crate::latency::LatencyHistogram::default(),
            timers: BinaryHeap::new(),
            vs,
            files: BTreeMap::new(),
            bfds: BTreeMap::new(),
            addrs: BTreeMap::new(),
        }
    }

    /// The configuration it runs.
    pub fn config(&self) -> &CheckConfig {
        &self.config
    }

    /// The desired kernel table now.
    pub fn table(&self) -> &DataPlane {
        &self.table
    }

    /// Handles one input.
    pub fn handle(
        &mut self,
        now: Instant,
        event: Event,
        out: &mut Vec<Action>,
    ) {
        if self.stopped {
            return;
        }
        match event {
            Event::ProbeDone {
                id,
                token,
                result,
                latency,
            } => self.probe_done(now, id, token, result, latency, out),
            Event::TrackFile { name, value } => {
                self.track_file(&name, value, out);
            }
            Event::BfdState { name, up } => self.bfd_state(&name, up, out),
            Event::Address { addr, present } => {
                self.address(addr, present, out);
            }
            Event::Reloaded(config) => self.reload(now, *config, out),
            // The engine keeps no traffic counters; the daemon zeroes
            // the kernel's.
            Event::ClearStats => {}
            Event::Stop => self.stop(out),
        }
        self.prune_timers();
    }

    /// Handles the timer set by [`Engine::poll_timeout`].
    pub fn handle_timeout(&mut self, now: Instant, out: &mut Vec<Action>) {
        if self.stopped {
            return;
        }
        if !self.started {
            if now < self.start_at {
                return;
            }
            self.start(now, out);
        }
        self.run_due(now, out);
        self.prune_timers();
    }

    /// When the engine next needs [`Engine::handle_timeout`].
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.stopped {
            return None;
        }
        if !self.started {
            return Some(self.start_at);
        }
        self.timers.peek().map(|Reverse((at, _))| *at)
    }

    /// The state for dumps and metrics.
    pub fn snapshot(&self, now: Instant) -> Snapshot {
        let _ = now;
        self.build_snapshot()
    }

    /// Arms checker `id`'s timer at `at` (its state already says so).
    fn arm(&mut self, id: CheckerId, at: Instant) {
        self.timers.push(Reverse((at, id)));
    }

    /// Drops stale entries from the top of the timer queue, so that
    /// [`Engine::poll_timeout`] names a real timer.
    fn prune_timers(&mut self) {
        while let Some(Reverse((at, id))) = self.timers.peek().copied() {
            let current = self
                .vs
                .get(id.rs.vs as usize)
                .and_then(|v| v.rs.get(id.rs.rs as usize))
                .and_then(|r| r.checkers.get(id.checker as usize))
                .and_then(state::CheckerState::timer);
            if current == Some(at) {
                return;
            }
            self.timers.pop();
        }
    }

    /// The earliest checker timer (tests).
    #[cfg(test)]
    fn earliest_timer(&self) -> Option<Instant> {
        self.vs
            .iter()
            .flat_map(|v| v.rs.iter())
            .flat_map(|r| r.checkers.iter())
            .filter_map(state::CheckerState::timer)
            .min()
    }

    /// Whether every checker's timer is armed (tests).
    #[cfg(test)]
    fn timers_armed(&self) -> bool {
        self.vs.iter().enumerate().all(|(vi, v)| {
            v.rs.iter().enumerate().all(|(ri, r)| {
                r.checkers.iter().enumerate().all(|(ci, c)| {
                    let id = verdict::checker_id(vi, ri, ci);
                    c.timer().is_none_or(|at| {
                        self.timers.iter().any(|Reverse(e)| *e == (at, id))
                    })
                })
            })
        })
    }

    /// Pushes a log line.
    fn log(out: &mut Vec<Action>, message: String) {
        out.push(Action::Log {
            level: LogLevel::Info,
            message,
        });
    }

    /// The checker's configuration, if the id is valid.
    fn checker_config(
        &self,
        id: CheckerId,
    ) -> Option<&crate::config::CheckerConfig> {
        self.config
            .virtual_servers
            .get(id.rs.vs as usize)?
            .real_servers
            .get(id.rs.rs as usize)?
            .checkers
            .get(id.checker as usize)
    }
}

#[cfg(test)]
mod tests_alerts;
#[cfg(test)]
mod tests_http;
#[cfg(test)]
mod tests_lifecycle;
#[cfg(test)]
mod tests_quorum;
#[cfg(test)]
mod tests_reload;
#[cfg(test)]
mod tests_sim;
#[cfg(test)]
mod tests_timing;
#[cfg(test)]
mod testutil;

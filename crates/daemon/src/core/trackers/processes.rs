//! The `vrrp_track_process` driver: count the processes that match each
//! tracker, debounce quorum changes with `fork_delay` and
//! `terminate_delay` exactly where keepalived 2.2.7 does, and publish the
//! count on the bus as [`Signal::ProcessCount`].
//!
//! keepalived follows the kernel's process events connector; we rescan
//! `/proc` every [`SCAN_INTERVAL`] instead (see `ka_sys::procscan` for
//! why). A scan turns into the connector's events: a new matching pid
//! whose parent matched is a fork, any other new one an exec; a matching
//! pid that is gone is an exit, one still alive that no longer matches
//! (exec of another program, a new `comm`) a change. Each goes through the
//! same quorum arithmetic as `track_process.c`.
//!
//! The engine derives quorum from the count; while a delay runs, the
//! driver holds back the count that would flip it, so the engine's view
//! changes only when keepalived's would.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ka_config::model::vrrp::ParamMatch;
use ka_sys::procscan::{ProcEntry, scan};
use tokio::task::JoinHandle;

use super::ProcessTracker;
use crate::core::bus::{Bus, Signal};
use crate::core::log::target;

/// How often `/proc` is rescanned.
pub(crate) const SCAN_INTERVAL: Duration = Duration::from_millis(100);

/// What a tracker matches a process against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Matcher {
    name: Vec<u8>,
    /// Configured parameters, each followed by a NUL (keepalived's
    /// `process_params`).
    params: Option<Vec<u8>>,
    mode: Option<ParamMatch>,
    full: bool,
}

impl Matcher {
    pub(super) fn new(p: &ProcessTracker) -> Self {
        let params = (!p.params.is_empty()).then(|| {
            p.params.iter().flat_map(|s| s.bytes().chain([0])).collect()
        });
        Self {
            name: p.process.clone().into_bytes(),
            params,
            mode: p.param_match,
            full: p.full_command,
        }
    }

    /// Bytes of command line this matcher needs (keepalived's
    /// `vrrp_max_process_name_len`).
    fn needed(&self) -> usize {
        self.name.len() + 1 + self.params.as_ref().map_or(0, Vec::len)
    }

    /// keepalived compat: without `full_command` the name must equal
    /// `comm` exactly (no regex, no prefix: "ssh" never matches "sshd");
    /// with it, `argv[0]` must equal the name and the parameters match
    /// as `param_match` says.
    pub(super) fn matches(&self, e: &ProcEntry) -> bool {
        if !self.full {
            return e.comm == self.name;
        }
        let Some(c) = &e.cmdline else { return false };
        let end = c.iter().position(|&b| b == 0).unwrap_or(c.len());
        if c[..end] != self.name[..] {
            return false;
        }
        match self.mode {
            None => true,
            Some(m) => check_params(
                m,
                self.params.as_deref(),
                c.get(end + 1..).unwrap_or_default(),
            ),
        }
    }
}

/// keepalived `check_params`: `cfg` and `actual` are NUL-terminated
/// parameters back to back.
fn check_params(mode: ParamMatch, cfg: Option<&[u8]>, actual: &[u8]) -> bool {
    let cfg_len = cfg.map_or(0, <[u8]>::len);
    if actual.len() < cfg_len {
        return false;
    }
    match (mode, cfg) {
        (ParamMatch::Exact, None) => actual.is_empty(),
        (ParamMatch::Exact, Some(c)) => actual == c,
        (_, None) => true,
        (ParamMatch::Partial, Some(c)) => actual[..cfg_len] == *c,
        // keepalived compat: the last configured parameter need only be
        // a prefix of the actual one.
        (ParamMatch::Initial, Some(c)) => {
            cfg_len == 1 || actual[..cfg_len - 1] == c[..cfg_len - 1]
        }
    }
}

/// Why a process started or stopped counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cause {
    /// A child of a counted process (keepalived `check_process_fork`).
    Fork,
    /// Started matching otherwise (exec, `comm` change).
    Exec,
    /// Exited (`check_process_termination`).
    Exit,
    /// Alive but no longer matching (`remove_process_from_track`).
    Changed,
}

/// The count range a tracker's users ask for (`quorum`, `quorum_max`
/// of a `vrrp_track_process`): the delays hold back only counts that
/// cross it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Quorum {
    /// Tracker name.
    pub(crate) name: String,
    /// `quorum` (at least 1).
    pub(crate) quorum: u32,
    /// `quorum_max` (`u32::MAX` when unlimited).
    pub(crate) quorum_max: u32,
}

/// One tracker's count, quorum status and delay timers.
#[derive(Debug)]
pub(super) struct Debounce {
    name: String,
    matcher: Matcher,
    quorum: u32,
    quorum_max: u32,
    fork_delay: Duration,
    terminate_delay: Duration,
    pids: BTreeSet<u32>,
    cur: u32,
    up: bool,
    fork_timer: Option<Instant>,
    term_timer: Option<Instant>,
    reported: u32,
}

impl Debounce {
    /// The tracker's state after the first scan: no delay applies.
    pub(super) fn new(
        p: &ProcessTracker,
        q: Option<&Quorum>,
        entries: &[ProcEntry],
    ) -> Self {
        let matcher = Matcher::new(p);
        let pids: BTreeSet<u32> = entries
            .iter()
            .filter(|e| matcher.matches(e))
            .map(|e| e.pid)
            .collect();
        let cur = u32::try_from(pids.len()).unwrap_or(u32::MAX);
        let (quorum, quorum_max) =
            q.map_or((1, u32::MAX), |q| (q.quorum, q.quorum_max));
        let mut d = Self {
            name: p.name.clone(),
            matcher,
            quorum,
            quorum_max,
            fork_delay: p.fork_delay,
            terminate_delay: p.terminate_delay,
            pids,
            cur,
            up: false,
            fork_timer: None,
            term_timer: None,
            reported: cur,
        };
        d.up = d.ok(cur);
        d
    }

    fn ok(&self, n: u32) -> bool {
        self.quorum <= n && n <= self.quorum_max
    }

    /// The count the engine was last told.
    pub(super) fn reported(&self) -> u32 {
        self.reported
    }

    /// When [`Self::fire`] must run next.
    pub(super) fn deadline(&self) -> Option<Instant> {
        self.fork_timer.into_iter().chain(self.term_timer).min()
    }

    /// Applies a new scan; returns the count to report, if it changed.
    pub(super) fn update(
        &mut self,
        now: Instant,
        entries: &[ProcEntry],
    ) -> Option<u32> {
        let alive: BTreeSet<u32> = entries.iter().map(|e| e.pid).collect();
        let new: Vec<&ProcEntry> =
            entries.iter().filter(|e| self.matcher.matches(e)).collect();
        let new_pids: BTreeSet<u32> = new.iter().map(|e| e.pid).collect();
        // Losses first: a restart (exit, then exec) must cancel the
        // terminate delay, not start one after the gain.
        let gone: Vec<u32> = self.pids.difference(&new_pids).copied().collect();
        for pid in gone {
            let cause = if alive.contains(&pid) {
                Cause::Changed
            } else {
                Cause::Exit
            };
            self.lose(now, cause);
        }
        let born: Vec<Cause> = new
            .iter()
            .filter(|e| !self.pids.contains(&e.pid))
            .map(|e| {
                if self.pids.contains(&e.ppid) {
                    Cause::Fork
                } else {
                    Cause::Exec
                }
            })
            .collect();
        for cause in born {
            self.gain(now, cause);
        }
        self.pids = new_pids;
        self.report()
    }

    /// Runs the delay timers due at `now`; returns the count to report.
    pub(super) fn fire(&mut self, now: Instant) -> Option<u32> {
        let due = |t: &mut Option<Instant>| t.take_if(|d| *d <= now).is_some();
        if due(&mut self.fork_timer) | due(&mut self.term_timer) {
            // keepalived compat: when a delay runs out, the status is
            // whatever the count says then.
            self.set_up(self.ok(self.cur));
        }
        self.report()
    }

    fn gain(&mut self, now: Instant, cause: Cause) {
        self.cur = self.cur.saturating_add(1);
        if self.cur != self.quorum
            && Some(self.cur) != self.quorum_max.checked_add(1)
        {
            return;
        }
        if self.term_timer.take().is_some() {
            // Quorum came back before the terminate delay ran out.
        } else if cause == Cause::Fork && !self.fork_delay.is_zero() {
            // keepalived compat: only a fork waits fork_delay; a process
            // that execs into a match counts at once.
            self.fork_timer = Some(now + self.fork_delay);
            return;
        }
        self.set_up(self.cur == self.quorum);
    }

    fn lose(&mut self, now: Instant, cause: Cause) {
        let before = self.cur;
        self.cur = self.cur.saturating_sub(1);
        if before != self.quorum && self.cur != self.quorum_max {
            return;
        }
        if self.fork_timer.take().is_some() {
            // The fork that was about to give quorum is gone again.
        } else if cause == Cause::Exit && !self.terminate_delay.is_zero() {
            // keepalived compat: only an exit waits terminate_delay; a
            // process that stops matching while alive counts at once.
            self.term_timer = Some(now + self.terminate_delay);
            return;
        }
        self.set_up(self.cur == self.quorum_max);
    }

    fn set_up(&mut self, up: bool) {
        if up != self.up {
            self.up = up;
            let what = if up { "gained" } else { "lost" };
            tracing::info!(target: target::VRRP, "Quorum {what} for tracked process {}", self.name);
        }
    }

    /// The count the engine should see: the real one, unless a delay is
    /// holding back a quorum change, then the last one reported.
    fn report(&mut self) -> Option<u32> {
        let want = if self.ok(self.cur) == self.up
            || self.ok(self.reported) != self.up
        {
            self.cur
        } else {
            self.reported
        };
        (want != self.reported).then(|| {
            self.reported = want;
            want
        })
    }
}

/// Scans `/proc` now (so the counts are queued before the engine starts)
/// and then every [`SCAN_INTERVAL`] in one task.
pub(crate) fn spawn_processes(
    procs: &[ProcessTracker],
    quorums: &[Quorum],
    bus: &Bus,
) -> Option<JoinHandle<()>> {
    spawn_in(PathBuf::from("/proc"), procs, quorums, bus)
}

/// [`spawn_processes`] with another `/proc` (tests).
pub(super) fn spawn_in(
    root: PathBuf,
    procs: &[ProcessTracker],
    quorums: &[Quorum],
    bus: &Bus,
) -> Option<JoinHandle<()>> {
    if procs.is_empty() {
        return None;
    }
    let cmdline_max = procs
        .iter()
        .filter(|p| p.full_command)
        .map(|p| Matcher::new(p).needed() + 2)
        .max();
    let entries = scan_logged(&root, cmdline_max).unwrap_or_default();
    let trackers: Vec<Debounce> = procs
        .iter()
        .map(|p| {
            Debounce::new(
                p,
                quorums.iter().find(|q| q.name == p.name),
                &entries,
            )
        })
        .collect();
    for d in &trackers {
        bus.publish(&Signal::ProcessCount {
            process: d.name.clone(),
            count: d.reported(),
        });
    }
    Some(tokio::spawn(scan_loop(
        root,
        cmdline_max,
        trackers,
        bus.clone(),
    )))
}

/// Rescans on the interval and runs delay timers, reporting changes.
async fn scan_loop(
    root: PathBuf,
    cmdline_max: Option<usize>,
    mut trackers: Vec<Debounce>,
    bus: Bus,
) {
    let mut tick = tokio::time::interval(SCAN_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        let deadline = trackers.iter().filter_map(Debounce::deadline).min();
        let timer = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d.into()).await,
                None => std::future::pending().await,
            }
        };
        let changes: Vec<(String, u32)> = tokio::select! {
            _ = tick.tick() => {
                let r = root.clone();
                let Ok(Some(entries)) = tokio::task::spawn_blocking(move || scan_logged(&r, cmdline_max)).await else {
                    continue;
                };
                let now = Instant::now();
                trackers.iter_mut().filter_map(|d| d.update(now, &entries).map(|n| (d.name.clone(), n))).collect()
            }
            () = timer => {
                let now = Instant::now();
                trackers.iter_mut().filter_map(|d| d.fire(now).map(|n| (d.name.clone(), n))).collect()
            }
        };
        for (process, count) in changes {
            if !bus.publish(&Signal::ProcessCount { process, count }) {
                return;
            }
        }
    }
}

/// A scan, or `None` (logged) if `/proc` cannot be read: then nothing is
/// known to have changed.
fn scan_logged(
    root: &Path,
    cmdline_max: Option<usize>,
) -> Option<Vec<ProcEntry>> {
    scan(root, cmdline_max)
        .map_err(|e| tracing::warn!(target: target::VRRP, "Cannot scan {} for track_process - {e}", root.display()))
        .ok()
}

#[cfg(test)]
#[path = "processes_tests.rs"]
mod tests;

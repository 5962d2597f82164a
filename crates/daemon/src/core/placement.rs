//! Where and how the process runs: its network namespace and private pid
//! directory, its scheduling (nice, SCHED_RR, locked memory, CPU
//! affinity, RLIMIT_RTTIME, `max_auto_priority`) and core dumps
//! (keepalived's core/main.c, core/namespaces.c and lib/process.c, read
//! for behaviour).
//!
//! keepalived runs one child per framework, each with its own
//! `vrrp_*`/`checker_*`/`bfd_*` scheduling; keepalived-rs is one process,
//! so the values of the frameworks that run are merged, the strongest of
//! each winning ([`Sched::merged`]), and one log line says what was
//! applied.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ka_config::model::global::ProcessSched;
use ka_sys::netns::{self, PrivateRun};
use ka_sys::sched;

use crate::core::log::target;

/// keepalived's pid directory (`RUNSTATEDIR "/keepalived/"`).
pub const PID_DIR: &str = "/run/keepalived";

/// keepalived's `RT_RLIMIT_DEFAULT` (µs).
pub const RLIMIT_RTTIME_DEFAULT: u32 = 10_000;

/// keepalived's default `min_auto_priority_delay` (1 s).
const MIN_AUTO_PRIORITY_DELAY_DEFAULT: u32 = 1_000_000;

/// How the process is placed; built from the command line and the
/// configuration's globals.
#[derive(Clone, Debug, Default)]
pub struct Placement {
    /// `-s NAME`, else the `net_namespace` keyword.
    pub namespace: Option<String>,
    /// The pid directory to create (and remove when empty at exit):
    /// `/run/keepalived` with a namespace, `instance` or `use_pid_dir`.
    pub pid_dir: Option<PathBuf>,
    /// Lines to log at start (keepalived's "Overriding config
    /// net_namespace ...", "Changing syslog ident to ...").
    pub notes: Vec<String>,
    /// The scheduling keywords.
    pub sched: Sched,
    /// `-m` (or `-M`): RLIMIT_CORE unlimited.
    pub core_dump: bool,
    /// `-M[PATN]`: `/proc/sys/kernel/core_pattern` while we run.
    pub core_pattern: Option<String>,
}

/// The scheduling keywords of the three frameworks.
#[derive(Clone, Debug, Default)]
pub struct Sched {
    /// `vrrp_priority`, `vrrp_rt_priority`, ...
    pub vrrp: ProcessSched,
    /// `checker_priority`, ...
    pub check: ProcessSched,
    /// `bfd_priority`, ...
    pub bfd: ProcessSched,
    /// `max_auto_priority` (-1 or absent: off).
    pub max_auto_priority: Option<i32>,
    /// `min_auto_priority_delay` (µs).
    pub min_auto_priority_delay: Option<u32>,
}

/// The scheduling actually applied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Nice value (only without a real-time priority, as keepalived).
    pub nice: Option<i8>,
    /// SCHED_RR priority.
    pub rt_priority: Option<u32>,
    /// RLIMIT_RTTIME (µs): set with a real-time priority.
    pub rlimit_rttime: u32,
    /// `mlockall`.
    pub no_swap: bool,
    /// CPU affinity.
    pub cpus: Option<Vec<u32>>,
}

impl Sched {
    /// The settings of the frameworks that run (`running`: VRRP,
    /// checkers, BFD) merged: the highest real-time priority, the lowest
    /// nice value, memory locked if any asks, the first CPU affinity
    /// given (VRRP's, else the checkers', else BFD's: VRRP timing is
    /// what they protect), and the largest RLIMIT_RTTIME.
    pub fn merged(&self, running: [bool; 3]) -> Applied {
        let all = [&self.vrrp, &self.check, &self.bfd];
        let on: Vec<&ProcessSched> = all
            .into_iter()
            .zip(running)
            .filter_map(|(s, r)| r.then_some(s))
            .collect();
        let rt_priority = on.iter().filter_map(|s| s.rt_priority).max();
        Applied {
            // keepalived compat: with a real-time priority the nice value
            // is not set (set_process_priorities).
            nice: if rt_priority.is_some() {
                None
            } else {
                on.iter().filter_map(|s| s.priority).min()
            },
            rt_priority: rt_priority
                .map(|p| p.clamp(1, sched::RT_PRIORITY_MAX)),
            rlimit_rttime: on
                .iter()
                .filter_map(|s| s.rlimit_rttime)
                .max()
                .unwrap_or(RLIMIT_RTTIME_DEFAULT),
            no_swap: on.iter().any(|s| s.no_swap),
            cpus: on.iter().find_map(|s| s.cpu_affinity.clone()),
        }
    }

    /// Whether any framework that runs asks for something.
    fn any(&self, running: [bool; 3]) -> bool {
        let all = [&self.vrrp, &self.check, &self.bfd];
        all.into_iter().zip(running).any(|(s, r)| {
            r && (s.priority.is_some()
                || s.rt_priority.is_some()
                || s.no_swap
                || s.cpu_affinity.is_some()
                || s.rlimit_rttime.is_some())
        })
    }
}

impl Applied {
    /// The log line naming what was applied.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = self.rt_priority {
            parts.push(format!(
                "realtime priority {p} (SCHED_RR), rlimit_rttime {} usecs",
                self.rlimit_rttime
            ));
        }
        if let Some(n) = self.nice {
            parts.push(format!("process priority {n}"));
        }
        if self.no_swap {
            parts.push("memory locked (no swap)".to_string());
        }
        if let Some(c) = &self.cpus {
            let ids: Vec<String> = c.iter().map(u32::to_string).collect();
            parts.push(format!("cpu affinity {}", ids.join(" ")));
        }
        if parts.is_empty() {
            parts.push("defaults".to_string());
        }
        format!(
            "Process scheduling: {}; keepalived-rs is one process: the vrrp_*, checker_* and bfd_* values of the running frameworks are merged (highest realtime priority, lowest nice value, no_swap if any, VRRP's cpu affinity first)",
            parts.join(", ")
        )
    }
}

/// The namespace could not be joined (keepalived exits).
#[derive(Debug, thiserror::Error)]
#[error("Unable to set network namespace {name} - exiting")]
pub struct JoinFailed {
    /// The namespace.
    pub name: String,
    /// Why.
    #[source]
    pub source: netns::NetnsError,
}

/// What [`enter`] set up, undone when dropped.
#[derive(Debug, Default)]
pub struct Held {
    run: Option<PrivateRun>,
    pid_dir: Option<PathBuf>,
    core_pattern: Option<String>,
}

/// Logs the notes, makes the pid directory, joins the namespace (with
/// its private `/run/keepalived`) and sets up core dumps. `Err` when the
/// namespace cannot be joined: keepalived exits.
pub fn enter(p: &Placement) -> Result<Held, JoinFailed> {
    for n in &p.notes {
        tracing::info!(target: target::CORE, "{n}");
    }
    let mut held = Held::default();
    if let Some(dir) = &p.pid_dir {
        match netns::make_dir_0755(dir) {
            Ok(()) => held.pid_dir = Some(dir.clone()),
            Err(e) => tracing::info!(target: target::CORE, "{e}"),
        }
    }
    if let Some(ns) = &p.namespace {
        if let Err(source) = netns::join(ns) {
            tracing::info!(target: target::CORE, "{source}");
            let e = JoinFailed {
                name: ns.clone(),
                source,
            };
            tracing::error!(target: target::CORE, "{e}");
            return Err(e);
        }
        let dir = p.pid_dir.clone().unwrap_or_else(|| PathBuf::from(PID_DIR));
        match PrivateRun::mount(&dir, ns) {
            Ok(run) => held.run = Some(run),
            Err(e) => tracing::info!(target: target::CORE, "{e}"),
        }
    }
    if let Some(pattern) = &p.core_pattern {
        match sched::swap_core_pattern(Path::new(sched::CORE_PATTERN), pattern)
        {
            Ok(old) => held.core_pattern = Some(old),
            Err(_) => {
                tracing::info!(target: target::CORE, "Unable to read/write core_pattern")
            }
        }
    }
    if p.core_dump && sched::unlimited_core().is_err() {
        tracing::info!(target: target::CORE, "Failed to set core file size");
    }
    Ok(held)
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(run) = self.run.take()
            && let Err(e) = run.unmount()
        {
            tracing::info!(target: target::CORE, "{e}");
        }
        if let Some(old) = self.core_pattern.take()
            && sched::swap_core_pattern(Path::new(sched::CORE_PATTERN), &old)
                .is_err()
        {
            tracing::info!(target: target::CORE, "Unable to read/write core_pattern");
        }
        if let Some(dir) = self.pid_dir.take()
            && let Err(e) = netns::remove_dir_if_empty(&dir)
        {
            tracing::info!(target: target::CORE, "unlink of {} failed - {e}", dir.display());
        }
    }
}

/// Applies the merged scheduling of the running frameworks to the
/// calling (main) thread; call it after daemonizing (neither SCHED_RR
/// with reset-on-fork nor locked memory survives a fork) and before the
/// runtime starts its threads.
pub fn apply_sched(s: &Sched, running: [bool; 3]) -> Applied {
    let a = s.merged(running);
    if !s.any(running) {
        return a;
    }
    if let Some(p) = a.rt_priority {
        match sched::set_realtime(p) {
            Err(_) => {
                tracing::warn!(target: target::CORE, "child process: cannot raise priority")
            }
            Ok(()) => {
                if sched::set_rlimit_rttime(u64::from(a.rlimit_rttime)).is_err()
                {
                    tracing::warn!(target: target::CORE, "child process cannot set realtime rlimit");
                }
            }
        }
    } else if let Some(n) = a.nice
        && let Err(e) = sched::set_nice(i32::from(n))
    {
        tracing::info!(target: target::CORE, "Unable to set process priority to {n} - {e}");
    }
    if a.no_swap
        && let Err(e) = sched::lock_memory()
    {
        tracing::info!(target: target::CORE, "Unable to lock process in memory - {e}");
    }
    if let Some(c) = &a.cpus
        && let Err(e) = sched::set_cpu_affinity(c)
    {
        tracing::warn!(target: target::CORE, "unable to set cpu affinity to keepalived-rs process ({e})");
    }
    tracing::info!(target: target::CORE, "{}", a.describe());
    a
}

/// keepalived's `max_auto_priority`: while the loop thread wakes more than
/// `min_auto_priority_delay` after it should, its real-time priority is
/// raised by one (from the SCHED_RR minimum) up to `max_auto_priority`.
/// Runs on the current-thread runtime, so it measures and raises the
/// thread the engines run on. Never returns when enabled.
pub async fn auto_priority(
    s: Sched,
    start_rt: Option<u32>,
    rlimit_rttime: u32,
) {
    let Some(max) = s.max_auto_priority.and_then(|m| u32::try_from(m).ok())
    else {
        return;
    };
    let delay = Duration::from_micros(u64::from(
        s.min_auto_priority_delay
            .unwrap_or(MIN_AUTO_PRIORITY_DELAY_DEFAULT),
    ));
    // A tick a few times per allowed delay, so lateness is seen early.
    let tick = (delay / 4)
        .clamp(Duration::from_millis(10), Duration::from_millis(250));
    let mut cur = start_rt.unwrap_or(0);
    loop {
        let due = tokio::time::Instant::now() + tick;
        tokio::time::sleep_until(due).await;
        let late = tokio::time::Instant::now().saturating_duration_since(due);
        if late <= delay || cur >= max.min(sched::RT_PRIORITY_MAX) {
            continue;
        }
        tracing::info!(target: target::CORE, "A thread timer expired {}.{:06} seconds ago", late.as_secs(), late.subsec_micros());
        let next = if cur == 0 { 1 } else { cur + 1 };
        if sched::set_realtime(next).is_err() {
            tracing::warn!(target: target::CORE, "child process: cannot raise priority");
            continue;
        }
        if cur == 0
            && sched::set_rlimit_rttime(u64::from(rlimit_rttime)).is_err()
        {
            tracing::warn!(target: target::CORE, "child process cannot set realtime rlimit");
        }
        cur = next;
        tracing::info!(target: target::CORE, "Set realtime priority {cur}");
    }
}

#[cfg(test)]
#[path = "placement_tests.rs"]
mod tests;

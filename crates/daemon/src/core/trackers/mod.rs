//! Tracker drivers: scripts run on their interval, file values and
//! process counts are watched; each result is published on the [`Bus`]
//! as a neutral [`Signal`]. The frameworks that use them map signals into
//! their engines' events (VRRP applies rise/fall, quorum and weights).
//!
//! keepalived compat: keepalived runs these trackers in its VRRP child,
//! so their log lines carry the `Keepalived_vrrp` ident.

mod files;
mod processes;

use std::time::Duration;

use ka_config::model::vrrp::ParamMatch;
use ka_sys::script::{ScriptSpec, run};
use tokio::task::JoinHandle;

use super::bus::{Bus, Signal};
use crate::core::log::target;

pub(crate) use files::spawn_files;
pub(crate) use processes::{Quorum, spawn_processes};

/// A `vrrp_script` to run periodically; each result is published
/// on the bus as [`Signal::ScriptExited`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptRunner {
    /// Script name (`track_script` references it).
    pub name: String,
    /// Command, user and group; `spec.timeout` is [`Self::timeout`].
    pub spec: ScriptSpec,
    /// `interval`.
    pub interval: Duration,
    /// `timeout` (keepalived: defaults to the interval).
    pub timeout: Duration,
}

/// A `track_file` to watch; values are published on the
/// bus as [`Signal::FileValue`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileTracker {
    /// Tracker name.
    pub name: String,
    /// The watched file.
    pub path: String,
    /// `init_file [VALUE] [overwrite]`: write `value` at startup if the
    /// file is missing, or always when `overwrite`.
    pub init_file: Option<InitFile>,
}

/// `init_file` of a `track_file`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InitFile {
    /// The value written.
    pub value: i32,
    /// `overwrite`: write even if the file exists.
    pub overwrite: bool,
}

/// A `vrrp_track_process` to watch; counts are published on
/// the bus as [`Signal::ProcessCount`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessTracker {
    /// Tracker name.
    pub name: String,
    /// Process name or path (first word of `process`).
    pub process: String,
    /// Parameters (the other words of `process`).
    pub params: Vec<String>,
    /// How parameters match; `None` when there are none.
    pub param_match: Option<ParamMatch>,
    /// `full_command`: match the whole command line, not the short name.
    pub full_command: bool,
    /// `fork_delay`: wait before counting a new process.
    pub fork_delay: Duration,
    /// `terminate_delay`: wait before counting a process as gone.
    pub terminate_delay: Duration,
}

/// Starts one task per script; abort the handles to stop them (reload,
/// shutdown).
pub(crate) fn spawn_scripts(
    scripts: &[ScriptRunner],
    bus: &Bus,
) -> Vec<JoinHandle<()>> {
    scripts
        .iter()
        .map(|s| {
            let (s, bus) = (s.clone(), bus.clone());
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(s.interval);
                // keepalived compat: a run that is still going when the
                // next is due makes that next run wait; runs never overlap.
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    let outcome = run(&s.spec).await;
                    if let ka_sys::script::ScriptOutcome::SpawnFailed(e) = &outcome {
                        tracing::warn!(target: target::VRRP, "Script {} could not run: {e}", s.name);
                    }
                    let sig = Signal::ScriptExited { script: s.name.clone(), success: outcome.succeeded() };
                    if !bus.publish(&sig) {
                        return;
                    }
                }
            })
        })
        .collect()
}

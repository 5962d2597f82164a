//! Tracker drivers: `vrrp_script` runs on its interval, `track_file`
//! values and `vrrp_track_process` counts are watched; each result is
//! reported to the engine (which applies rise/fall, quorum and weights).

mod files;
mod processes;

use ka_sys::script::run;
use ka_vrrp::Event;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::core::log::target;
use crate::vrrp::plan::{ScriptRunner, VrrpPlan};

pub(crate) use files::spawn_files;
pub(crate) use processes::spawn_processes;

/// Starts every tracker driver of `plan`: scripts, files and processes.
/// File values and process counts are read before this returns, so their
/// events are already queued on `tx` when the engine starts. `reload` is
/// true on SIGHUP (keepalived never overwrites a track file then). Abort
/// the handles to stop them.
pub(crate) fn spawn_all(
    plan: &VrrpPlan,
    reload: bool,
    tx: &UnboundedSender<Event>,
) -> Vec<JoinHandle<()>> {
    let mut all = spawn(&plan.scripts, tx);
    all.extend(spawn_files(&plan.files, reload, tx));
    all.extend(spawn_processes(&plan.processes, &plan.engine.processes, tx));
    all
}

/// Starts one task per script; abort the handles to stop them (reload,
/// shutdown).
pub(crate) fn spawn(
    scripts: &[ScriptRunner],
    tx: &UnboundedSender<Event>,
) -> Vec<JoinHandle<()>> {
    scripts
        .iter()
        .map(|s| {
            let (s, tx) = (s.clone(), tx.clone());
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
                    let ev = Event::ScriptExited { script: s.name.clone(), success: outcome.succeeded() };
                    if tx.send(ev).is_err() {
                        return;
                    }
                }
            })
        })
        .collect()
}

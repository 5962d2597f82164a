//! Tracker drivers: `vrrp_script` runs on its interval, each result
//! reported to the engine (which applies rise/fall and weights).

use ka_sys::script::run;
use ka_vrrp::Event;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::map::ScriptRunner;
use crate::log::target;

/// Starts one task per script; abort the handles to stop them (reload,
/// shutdown).
pub(crate) fn spawn(scripts: &[ScriptRunner], tx: &UnboundedSender<Event>) -> Vec<JoinHandle<()>> {
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

//! VRRP on the bus: the trackers its plan starts, and their signals as
//! engine events.

use ka_vrrp::Event;
use tokio::task::JoinHandle;

use crate::core::bus::{Bus, Signal};
use crate::core::trackers::{
    Quorum, spawn_files, spawn_processes, spawn_scripts,
};
use crate::vrrp::plan::VrrpPlan;

/// Starts every tracker of `plan` (scripts, files, processes), publishing
/// on `bus`. File values and process counts are published before this
/// returns, so they are queued when the engine starts. `reload` is true
/// on SIGHUP (keepalived never overwrites a track file then). Abort the
/// handles to stop them.
pub(crate) fn spawn_trackers(
    plan: &VrrpPlan,
    reload: bool,
    bus: &Bus,
) -> Vec<JoinHandle<()>> {
    let quorums: Vec<Quorum> = plan
        .engine
        .processes
        .iter()
        .map(|p| Quorum {
            name: p.name.clone(),
            quorum: p.quorum,
            quorum_max: p.quorum_max,
        })
        .collect();
    let mut all = spawn_scripts(&plan.scripts, bus);
    all.extend(spawn_files(&plan.files, reload, bus));
    all.extend(spawn_processes(&plan.processes, &quorums, bus));
    all
}

/// The engine event a signal is, if it concerns VRRP.
pub(crate) fn event(signal: Signal) -> Option<Event> {
    Some(match signal {
        Signal::ScriptExited { script, success } => {
            Event::ScriptExited { script, success }
        }
        Signal::FileValue { file, value } => {
            Event::FileValueChanged { file, value }
        }
        Signal::ProcessCount { process, count } => {
            Event::ProcessCountChanged { process, count }
        }
        // keepalived compat: a session restricted to `checker` is not
        // reported to VRRP (`bfd_event_send`).
        Signal::BfdState { name, up, vrrp, .. } => {
            if !vrrp {
                return None;
            }
            Event::BfdStateChanged { bfd: name, up }
        }
        // VRRP's own states, notifications and reloads, published for
        // the checkers, SNMP and DBus.
        Signal::VrrpState { .. }
        | Signal::VrrpNotify { .. }
        | Signal::VrrpReloaded => return None,
    })
}

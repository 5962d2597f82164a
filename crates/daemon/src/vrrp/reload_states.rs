//! `fifo_write_vrrp_states_on_reload`: after a reload, the notify FIFOs
//! get the state of every sync group and instance that kept its state
//! (so a FIFO reader restarted by the reload learns them).
//!
//! keepalived compat (`vrrp_scheduler.c: vrrp_init_state`, 2.2.7): a
//! sync group whose state is the same as before the reload writes
//! `GROUP "name" STATE 0`; an instance that stays BACKUP or FAULT writes
//! `INSTANCE "name" STATE effective_priority`. A kept MASTER
//! (`reload_master`) and anything that changed state (which notifies as
//! usual) write nothing. The lines go to `notify_fifo` and
//! `vrrp_notify_fifo`, groups first, then instances, in configuration
//! order; here after the reload's own notifications.

use ka_vrrp::{Snapshot, State};

/// The FIFO lines for a reload from `before` to `after`.
pub(crate) fn lines(before: &Snapshot, after: &Snapshot) -> Vec<String> {
    let mut out = Vec::new();
    for g in &after.groups {
        let kept = before
            .groups
            .iter()
            .any(|b| b.name == g.name && b.state == g.state);
        if kept {
            out.push(format!("GROUP \"{}\" {} 0\n", g.name, g.state.as_str()));
        }
    }
    for i in &after.instances {
        let kept = before
            .instances
            .iter()
            .any(|b| b.name == i.name && b.state == i.state);
        if kept && matches!(i.state, State::Backup | State::Fault) {
            out.push(format!(
                "INSTANCE \"{}\" {} {}\n",
                i.name,
                i.state.as_str(),
                i.effective_priority
            ));
        }
    }
    out
}

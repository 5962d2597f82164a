//! Sync groups and fault propagation (keepalived `vrrp_sync.c`, the TSM
//! table in `vrrp_scheduler.c`, `down_instance` / `try_up_instance`).
//!
//! All-or-nothing: a member goes MASTER only when every member wants
//! MASTER; a member leaving MASTER for BACKUP drags the others to BACKUP;
//! any member in FAULT puts the whole group in FAULT.

use ka_types::Instant;

use super::{Engine, Group};
use crate::action::{
    Action, LogLevel, LogLine, Notification, NotifyKind, NotifyState,
};
use crate::instance::{Input, State};

impl Engine {
    /// keepalived `VRRP_TSM_HANDLE`: B→M, M→M, F→M run `vrrp_sync_master`;
    /// M→B runs `vrrp_sync_backup`.
    pub(super) fn tsm(
        &mut self,
        idx: usize,
        prev: State,
        now: Instant,
        out: &mut Vec<Action>,
    ) {
        let Some(g) = self.instances[idx].group else {
            return;
        };
        match (prev, self.instances[idx].state) {
            (State::Backup | State::Master | State::Fault, State::Master) => {
                self.sync_master(g, idx, now, out);
            }
            (State::Master, State::Backup) => {
                self.sync_backup(g, idx, now, out);
            }
            _ => {}
        }
    }

    /// keepalived `vrrp_sync_master`.
    fn sync_master(
        &mut self,
        g: usize,
        idx: usize,
        now: Instant,
        out: &mut Vec<Action>,
    ) {
        if self.groups[g].state == State::Master {
            return;
        }
        let others_ready = self.groups[g]
            .members
            .iter()
            .filter(|&&m| m != idx)
            .all(|&m| self.instances[m].want == State::Master);
        if !others_ready {
            return;
        }
        self.sync_all(g, idx, State::Master, now, out);
    }

    /// keepalived `vrrp_sync_backup`.
    fn sync_backup(
        &mut self,
        g: usize,
        idx: usize,
        now: Instant,
        out: &mut Vec<Action>,
    ) {
        if self.groups[g].state != State::Backup {
            self.sync_all(g, idx, State::Backup, now, out);
        }
    }

    /// keepalived `vrrp_sync_fault`.
    fn sync_fault(
        &mut self,
        g: usize,
        idx: usize,
        now: Instant,
        out: &mut Vec<Action>,
    ) {
        if self.groups[g].state != State::Fault {
            self.sync_all(g, idx, State::Fault, now, out);
        }
    }

    /// Drive every other member to `to`, then set and announce the group
    /// state (the group notify follows the members', as in keepalived).
    fn sync_all(
        &mut self,
        g: usize,
        idx: usize,
        to: State,
        now: Instant,
        out: &mut Vec<Action>,
    ) {
        out.push(Action::Log(LogLine {
            level: LogLevel::Info,
            text: format!(
                "VRRP_Group({}) Syncing instances to {} state",
                self.groups[g].name,
                to.as_str()
            ),
        }));
        let input = match to {
            State::Master => Input::SyncMaster,
            State::Fault => Input::SyncFault,
            _ => Input::SyncBackup,
        };
        // keepalived `vrrp_sync_master`: the others become MASTER for the
        // reason the leading instance did.
        let reason = self.instances[idx].master_reason;
        for m in self.groups[g].members.clone() {
            if m != idx && self.instances[m].state != to {
                if to == State::Master {
                    self.instances[m].next_master_reason = reason;
                }
                let (i, mut cx) = self.split(m, now, out);
                i.step(input, &mut cx);
            }
        }
        self.groups[g].state = to;
        out.push(group_notification(&self.groups[g]));
    }

    /// Initial group states (keepalived `vrrp_sync_set_group`) and the
    /// FAULT/BACKUP group notifies of `vrrp_init_state`.
    pub(super) fn init_groups(&mut self, out: &mut Vec<Action>) {
        for g in &mut self.groups {
            let members = g.members.iter().map(|&m| &self.instances[m]);
            let all_owners = members
                .clone()
                .all(|i| i.want == State::Master && i.base_priority == 255);
            g.state = if members.clone().any(|i| i.fault.any()) {
                State::Fault
            } else if all_owners {
                State::Master
            } else {
                State::Backup
            };
            if g.state != State::Master {
                out.push(group_notification(g));
            }
        }
    }

    /// Raise or clear FAULT after tracker changes (keepalived
    /// `down_instance` / `try_up_instance`, with the group counting
    /// faulty members in `num_member_fault`).
    pub(super) fn reconcile_faults(
        &mut self,
        now: Instant,
        out: &mut Vec<Action>,
    ) {
        for idx in 0..self.instances.len() {
            let i = &self.instances[idx];
            if i.group.is_some() || matches!(i.state, State::Init | State::Stop)
            {
                continue;
            }
            if i.fault.any() && i.state != State::Fault {
                self.step(idx, Input::FaultRaised, now, out);
            } else if !i.fault.any() && i.state == State::Fault {
                self.step(idx, Input::FaultCleared, now, out);
            }
        }
        for g in 0..self.groups.len() {
            self.reconcile_group(g, now, out);
        }
    }

    fn reconcile_group(
        &mut self,
        g: usize,
        now: Instant,
        out: &mut Vec<Action>,
    ) {
        let members = self.groups[g].members.clone();
        let live = |e: &Self, m: usize| {
            !matches!(e.instances[m].state, State::Init | State::Stop)
        };
        if members.iter().any(|&m| !live(self, m)) {
            return;
        }
        let faulty = members
            .iter()
            .copied()
            .find(|&m| self.instances[m].fault.any());
        match (faulty, self.groups[g].state) {
            (Some(m), State::Fault) => {
                if self.instances[m].state != State::Fault {
                    self.step(m, Input::FaultRaised, now, out);
                }
            }
            (Some(m), _) => {
                self.step(m, Input::FaultRaised, now, out);
                self.sync_fault(g, m, now, out);
            }
            (None, State::Fault) => {
                let m = members[0];
                self.step(m, Input::FaultCleared, now, out);
                if self.instances[m].state == State::Master {
                    self.sync_master(g, m, now, out);
                } else {
                    self.sync_backup(g, m, now, out);
                }
            }
            (None, _) => {}
        }
    }

    /// keepalived `vrrp_state_master_rx`: "send GARP messages for any other
    /// member of the group that has garp_lower_prio_rep set".
    pub(super) fn group_lower_prio_garps(
        &mut self,
        idx: usize,
        now: Instant,
        out: &mut Vec<Action>,
    ) {
        let Some(g) = self.instances[idx].group else {
            return;
        };
        for m in self.groups[g].members.clone() {
            if m != idx {
                let (i, mut cx) = self.split(m, now, out);
                i.lower_prio_garps(&mut cx);
            }
        }
    }
}

/// The group notify (`GROUP "G" MASTER 0`; groups carry priority 0).
pub(super) fn group_notification(g: &Group) -> Action {
    let state = match g.state {
        State::Master => NotifyState::Master,
        State::Backup => NotifyState::Backup,
        State::Stop => NotifyState::Stop,
        State::Fault | State::Init => NotifyState::Fault,
    };
    Action::Notify(Notification {
        kind: NotifyKind::Group,
        name: g.name.clone(),
        state,
        priority: 0,
    })
}

/// A group's state from its members' (after a reload).
pub(super) fn group_state_from(states: &[State]) -> State {
    if states.contains(&State::Fault) {
        State::Fault
    } else if !states.is_empty() && states.iter().all(|s| *s == State::Master) {
        State::Master
    } else if states.iter().all(|s| *s == State::Init) {
        State::Init
    } else {
        State::Backup
    }
}

//! The instance state machine: one exhaustive `match (state, input)` and
//! one `enter()` holding every side effect of a state change.
//!
//! Sources: RFC 5798 §6.4 (Initialize / Backup / Master), keepalived
//! 2.2.7 `vrrp.c` (`vrrp_state_backup`, `vrrp_state_master_rx`,
//! `vrrp_state_become_master`, `vrrp_state_leave_master`,
//! `vrrp_state_leave_fault`) and `vrrp_scheduler.c` (`vrrp_init_state`,
//! `vrrp_goto_master`, `try_up_instance`).

use std::cmp::Ordering;
use std::net::IpAddr;
use std::time::Duration;

use super::{Ctx, Instance, State};
use crate::action::NotifyState;
use crate::garp::Garp;
use crate::snapshot::MasterReason;
use ka_wire::vrrp::Repr;

use crate::timers::{self, MICROS_PER_CENTI, Version};
use crate::transitions::TransitionReason;

/// What can happen to one instance.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Input<'a> {
    /// The daemon reported initial state (`vrrp_init_state`).
    Startup,
    /// A validated advert from `src`.
    Advert(&'a Repr, IpAddr),
    /// `sands` passed.
    Timeout,
    /// A fault reason appeared (`down_instance`).
    FaultRaised,
    /// Every fault reason cleared (`try_up_instance`).
    FaultCleared,
    /// A sync peer went BACKUP (`vrrp_sync_backup`).
    SyncBackup,
    /// A sync peer went MASTER (`vrrp_sync_master`).
    SyncMaster,
    /// A sync peer went FAULT (`vrrp_sync_fault`).
    SyncFault,
    /// SIGTERM.
    Shutdown,
}

/// Why `enter()` is called, where the side effects differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Why {
    Init,
    Elected,
    HigherPriority,
    /// `down_instance`: also send the extra priority-0 advert.
    Fault,
    Synced,
    FaultCleared,
    Shutdown,
}

impl Why {
    /// The reason the metrics show.
    const fn reason(self) -> TransitionReason {
        match self {
            Self::Init => TransitionReason::Init,
            Self::Elected => TransitionReason::MasterDown,
            Self::HigherPriority => TransitionReason::HigherPriority,
            Self::Fault => TransitionReason::Fault,
            Self::Synced => TransitionReason::SyncGroup,
            Self::FaultCleared => TransitionReason::FaultCleared,
            Self::Shutdown => TransitionReason::Shutdown,
        }
    }
}

/// Outcome of an input that the engine must act on across instances.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// A lower-priority advert was answered: sync-group members send their
    /// lower-priority GARPs too (`vrrp_state_master_rx`).
    pub(crate) lower_prio_seen: bool,
}

impl Instance {
    /// Feed one input: one function per state, each exhaustive over the
    /// inputs (state × input, RFC 5798 §6.4 and keepalived's TSM).
    pub(crate) fn step(
        &mut self,
        input: Input<'_>,
        cx: &mut Ctx<'_>,
    ) -> Outcome {
        match self.state {
            State::Init => self.step_init(input, cx),
            State::Backup => self.step_backup(input, cx),
            State::Master => return self.step_master(input, cx),
            State::Fault => self.step_fault(input, cx),
            // SIGTERM was handled: every later input is ignored.
            State::Stop => {}
        }
        Outcome::default()
    }

    /// RFC 5798 §6.4.1 Initialize.
    fn step_init(&mut self, input: Input<'_>, cx: &mut Ctx<'_>) {
        match input {
            // RFC 5798 §6.4.1: leave Initialize on Startup.
            Input::Startup => self.startup(cx),
            // keepalived compat: packets in INIT are ignored.
            Input::Advert(..) | Input::Timeout | Input::FaultCleared => {}
            Input::FaultRaised => self.force(State::Fault, Why::Fault, cx),
            Input::SyncBackup => self.force(State::Backup, Why::Synced, cx),
            Input::SyncMaster => self.force(State::Master, Why::Synced, cx),
            Input::SyncFault => self.force(State::Fault, Why::Synced, cx),
            Input::Shutdown => self.enter(State::Stop, Why::Shutdown, cx),
        }
    }

    /// RFC 5798 §6.4.2 Backup.
    fn step_backup(&mut self, input: Input<'_>, cx: &mut Ctx<'_>) {
        match input {
            Input::Startup | Input::FaultCleared | Input::SyncBackup => {}
            // RFC 5798 §6.4.2: Backup receives an ADVERTISEMENT.
            Input::Advert(adv, src) => self.backup_rx(adv, src, cx),
            // RFC 5798 §6.4.2: "If the Master_Down_Timer fires".
            Input::Timeout => self.goto_master(cx),
            // keepalived `down_instance`.
            Input::FaultRaised => self.force(State::Fault, Why::Fault, cx),
            // keepalived `vrrp_sync_master` / `vrrp_sync_fault`.
            Input::SyncMaster => self.force(State::Master, Why::Synced, cx),
            Input::SyncFault => self.force(State::Fault, Why::Synced, cx),
            Input::Shutdown => self.enter(State::Stop, Why::Shutdown, cx),
        }
    }

    /// RFC 5798 §6.4.3 Master.
    fn step_master(&mut self, input: Input<'_>, cx: &mut Ctx<'_>) -> Outcome {
        let mut outcome = Outcome::default();
        match input {
            Input::Startup | Input::FaultCleared | Input::SyncMaster => {}
            // RFC 5798 §6.4.3: Master receives an ADVERTISEMENT.
            Input::Advert(adv, src) => {
                outcome.lower_prio_seen = self.master_rx(adv, src, cx);
            }
            // RFC 5798 §6.4.3: "If the Adver_Timer fires".
            Input::Timeout => self.master_tx(cx),
            // keepalived `down_instance`.
            Input::FaultRaised => self.force(State::Fault, Why::Fault, cx),
            // keepalived `vrrp_sync_backup` / `vrrp_sync_fault`.
            Input::SyncBackup => self.force(State::Backup, Why::Synced, cx),
            Input::SyncFault => self.force(State::Fault, Why::Synced, cx),
            Input::Shutdown => self.enter(State::Stop, Why::Shutdown, cx),
        }
        outcome
    }

    /// keepalived FAULT.
    fn step_fault(&mut self, input: Input<'_>, cx: &mut Ctx<'_>) {
        match input {
            // keepalived compat: packets in FAULT are ignored.
            Input::Startup
            | Input::Advert(..)
            | Input::Timeout
            | Input::FaultRaised
            | Input::SyncFault => {}
            // keepalived `try_up_instance`.
            Input::FaultCleared => self.leave_fault(cx),
            // keepalived `vrrp_sync_backup` / `vrrp_sync_master`.
            Input::SyncBackup => self.force(State::Backup, Why::Synced, cx),
            Input::SyncMaster => self.force(State::Master, Why::Synced, cx),
            Input::Shutdown => self.enter(State::Stop, Why::Shutdown, cx),
        }
    }

    /// A transition the instance wants as well as takes (fault, sync).
    fn force(&mut self, to: State, why: Why, cx: &mut Ctx<'_>) {
        self.want = to;
        self.enter(to, why, cx);
    }

    /// keepalived `vrrp_init_state`.
    fn startup(&mut self, cx: &mut Ctx<'_>) {
        let new_state = cx.sync.map_or(self.want, |s| s.state);
        let owner = self.base_priority == 255;
        if !self.fault.any()
            && new_state == State::Master
            && owner
            && self.want == State::Master
        {
            // "The simplest way to become master is to timeout from the
            // backup state very quickly (1usec)" — RFC 5798 §6.4.1: an
            // owner transitions to Master at once (RFC 6527: preempted).
            self.next_master_reason = MasterReason::Preempted;
            self.state = State::Backup;
            self.ms_down_timer = 1;
            self.sands = Some(self.backup_sands(cx));
            return;
        }
        self.ms_down_timer =
            if new_state == State::Backup && self.want == State::Master {
                // "We need to allow one adver_int to pass to ensure there is
                // no other master".
                self.master_adver_int
                    + timers::skew_min(self.cfg.version, self.master_adver_int)
            } else {
                self.ms_down()
            };
        self.next_master_reason = MasterReason::MasterNoResponse;
        if !self.fault.any() && new_state != State::Fault {
            self.enter(State::Backup, Why::Init, cx);
        } else {
            self.enter(State::Fault, Why::Init, cx);
        }
    }

    /// keepalived `vrrp_state_backup` (RFC 5798 §6.4.2 advert rules).
    fn backup_rx(&mut self, adv: &Repr, src: IpAddr, cx: &mut Ctx<'_>) {
        let eff = self.effective_priority;
        let pd = self.cfg.preempt_delay;
        let preempt_pending =
            !pd.is_zero() && self.preempt_time.is_none_or(|t| t > cx.now);
        if adv.priority == 0 {
            // RFC 5798 §6.4.2: "If the Priority in the ADVERTISEMENT is
            // zero, then: Set the Master_Down_Timer to Skew_Time".
            self.ms_down_timer = self.skew();
            self.next_master_reason = MasterReason::Priority;
        } else if self.cfg.nopreempt || adv.priority >= eff || preempt_pending {
            // RFC 5798 §6.4.2: "If Preempt_Mode is False, or if the
            // Priority in the ADVERTISEMENT is greater than or equal to the
            // local Priority": reset Master_Down_Timer. keepalived compat:
            // equal priority is accepted regardless of the sender address.
            self.learn_interval(adv, cx);
            self.ms_down_timer = self.ms_down();
            self.master_addr = Some(src);
            self.master_priority = adv.priority;
            self.next_master_reason = MasterReason::MasterNoResponse;
            if !pd.is_zero() {
                if adv.priority >= eff {
                    self.preempt_time = None;
                } else if self.preempt_time.is_none() {
                    // keepalived compat: preempt_delay starts on the first
                    // lower-priority advert.
                    self.preempt_time = Some(cx.now + pd);
                }
            }
            self.want = State::Backup;
        } else {
            // RFC 5798 §6.4.2: "Otherwise, discard the ADVERTISEMENT"; the
            // Master_Down_Timer keeps running.
            cx.log(format!(
                "({}) received lower priority ({}) advert from {} - discarding",
                self.cfg.name, adv.priority, src
            ));
            self.master_addr = Some(src);
            // keepalived: taking over from a lower priority is preempting.
            self.next_master_reason = MasterReason::Preempted;
            return;
        }
        self.sands = Some(self.backup_sands(cx));
    }

    /// RFC 5798 §6.4.2: "Set Master_Adver_Interval to Adver Interval
    /// contained in the ADVERTISEMENT" (v3 only; keepalived
    /// `update_master_adver_int`). A zero interval is read as 1 cs so the
    /// timer cannot spin.
    fn learn_interval(&mut self, adv: &Repr, cx: &mut Ctx<'_>) {
        if self.cfg.version != Version::V3 {
            return;
        }
        let centis = adv.adver_int.wire_centis();
        let learned = u64::from(centis.max(1)) * MICROS_PER_CENTI;
        if centis != self.cfg.adver_int.centis()
            && self.last_int_mismatch != Some(centis)
        {
            // keepalived compat (2.3+ / RFC 9568 §7.1): log, don't drop.
            self.last_int_mismatch = Some(centis);
            cx.log(format!(
                "({}) advertisement interval mismatch mine={}ms rcv'd={}ms",
                self.cfg.name,
                self.adver_int() / 1000,
                learned / 1000
            ));
        }
        self.master_adver_int = learned;
    }

    /// keepalived `vrrp_state_master_rx`; returns whether a lower-priority
    /// advert was answered.
    fn master_rx(&mut self, adv: &Repr, src: IpAddr, cx: &mut Ctx<'_>) -> bool {
        let eff = self.effective_priority;
        let cmp = self.cmp_src(src);
        let higher = adv.priority > eff
            || (adv.priority == eff && cmp == Ordering::Greater);
        if adv.priority == 0 || (self.cfg.higher_prio_send_advert && higher) {
            // RFC 5798 §6.4.3: "If the Priority in the ADVERTISEMENT is
            // zero, then: Send an ADVERTISEMENT; Reset the Adver_Timer".
            self.send_advert(eff, cx);
            self.sands = Some(cx.now + self.adver_dur());
            if adv.priority == 0 {
                return false;
            }
        }
        if adv.priority == eff {
            if cmp == Ordering::Equal {
                cx.log(format!(
                    "({}) WARNING - equal priority advert received from \
                     remote host with our IP address.",
                    self.cfg.name
                ));
            } else if eff == 255 {
                // keepalived compat: two address owners; demote ourselves.
                cx.log(format!(
                    "({}) CONFIGURATION ERROR: local instance and a remote \
                     instance are both configured as address owner, please \
                     fix - reducing local priority",
                    self.cfg.name
                ));
                self.effective_priority = 254;
                self.base_priority = 254;
            }
        }
        let eff = self.effective_priority;
        if adv.priority < eff || (adv.priority == eff && cmp == Ordering::Less)
        {
            self.answer_lower(adv.priority, src, cx);
            return true;
        }
        if adv.priority > eff
            || (adv.priority == eff && cmp == Ordering::Greater)
        {
            self.yield_to(adv, src, cx);
        }
        false
    }

    /// RFC 5798 §6.4.3: lower priority — "Discard the ADVERTISEMENT";
    /// keepalived compat: answer with an advert ("forcing new election"),
    /// lower-priority GARPs and `MASTER_RX_LOWER_PRI`.
    fn answer_lower(&mut self, prio: u8, src: IpAddr, cx: &mut Ctx<'_>) {
        let no_adv = self.cfg.lower_prio_no_advert;
        cx.log(format!(
            "({}) Received advert from {} with lower priority {}, ours {}{}",
            self.cfg.name,
            src,
            prio,
            self.effective_priority,
            if no_adv { "" } else { ", forcing new election" }
        ));
        if !no_adv {
            self.send_advert(self.effective_priority, cx);
            self.sands = Some(cx.now + self.adver_dur());
        }
        self.lower_prio_garps(cx);
        self.notify_event(NotifyState::MasterRxLowerPri, cx);
    }

    /// `garp_lower_prio_repeat` now and `garp_lower_prio_delay` later.
    pub(crate) fn lower_prio_garps(&mut self, cx: &mut Ctx<'_>) {
        let g = &self.cfg.garp;
        if g.lower_prio_repeat > 0 {
            self.link_update(g.lower_prio_repeat, cx);
            if !g.lower_prio_delay.is_zero() {
                self.lower_prio_garp_at = Some(cx.now + g.lower_prio_delay);
            }
        }
    }

    /// RFC 5798 §6.4.3: higher priority, or equal with a greater primary
    /// address — "Cancel Adver_Timer, Set Master_Down_Timer, Transition
    /// to the Backup state".
    fn yield_to(&mut self, adv: &Repr, src: IpAddr, cx: &mut Ctx<'_>) {
        let why = if adv.priority > self.effective_priority {
            format!(
                "({}) Master received advert from {} with higher priority {}, ours {}",
                self.cfg.name, src, adv.priority, self.effective_priority
            )
        } else {
            format!(
                "({}) Master received advert from {} with same priority {} \
                 but higher IP address than ours",
                self.cfg.name, src, adv.priority
            )
        };
        cx.log(why);
        self.learn_interval(adv, cx);
        self.master_priority = adv.priority;
        self.master_addr = Some(src);
        self.want = State::Backup;
        self.enter(State::Backup, Why::HigherPriority, cx);
    }

    /// keepalived `vrrp_goto_master` / `vrrp_state_goto_master`, with the
    /// sync-group veto (`vrrp_sync_can_goto_master`).
    fn goto_master(&mut self, cx: &mut Ctx<'_>) {
        if self.sands.is_some_and(|s| s > cx.now) {
            return; // spurious wake-up
        }
        self.want = State::Master;
        if let Some(g) = cx.sync
            && g.state != State::Master
            && !g.others_want_master
        {
            // "Only sync to master if everyone wants to".
            self.ms_down_timer = self.ms_down();
            self.sands = Some(self.backup_sands(cx));
            return;
        }
        self.enter(State::Master, Why::Elected, cx);
    }

    /// keepalived `vrrp_state_master_tx` on the advert timer.
    fn master_tx(&mut self, cx: &mut Ctx<'_>) {
        if self.sands.is_some_and(|s| s > cx.now) {
            return;
        }
        // RFC 5798 §6.4.3: "If the Adver_Timer fires, then: Send an
        // ADVERTISEMENT; Reset the Adver_Timer to Advertisement_Interval".
        self.send_advert(self.effective_priority, cx);
        self.sands = Some(cx.now + self.adver_dur());
        // keepalived compat: the refresh is checked when adverts go out.
        if let Some(at) = self.garp_refresh_at
            && cx.now > at
        {
            self.link_update(self.cfg.garp.refresh_repeat, cx);
            self.garp_refresh_at = Some(cx.now + self.cfg.garp.master_refresh);
        }
        // keepalived compat: so is the garp_extra_if round.
        if let Some(at) = self.extra_if_garp_at
            && cx.now > at
            && let Some(x) = &self.cfg.garp_extra_if
        {
            let next = cx.now + x.interval;
            self.extra_if_update(cx);
            self.extra_if_garp_at = Some(next);
        }
    }

    /// keepalived `try_up_instance` → `vrrp_state_leave_fault`.
    fn leave_fault(&mut self, cx: &mut Ctx<'_>) {
        let owner_master =
            self.want == State::Master && self.base_priority == 255;
        if !owner_master {
            self.want = State::Backup;
        }
        let can_master = cx
            .sync
            .is_none_or(|g| g.state == State::Master || g.others_want_master);
        if owner_master && can_master {
            self.enter(State::Master, Why::FaultCleared, cx);
        } else {
            self.enter(State::Backup, Why::FaultCleared, cx);
        }
        if self.cfg.is_unicast()
            && self.cfg.interface.is_some()
            && let Some(src) = self.cfg.src_addr
        {
            // keepalived compat: renew the master's ARP entry for us.
            let iface = self.cfg.interface.clone().unwrap_or_default();
            let g = Garp {
                instance: &self.cfg.name,
                pos: usize::MAX,
                iface: &iface,
                addr: src,
            };
            cx.pacer.send(cx.now, g, cx.out);
        }
    }

    fn adver_dur(&self) -> Duration {
        Duration::from_micros(self.adver_int())
    }

    /// Every side effect of changing state.
    fn enter(&mut self, to: State, why: Why, cx: &mut Ctx<'_>) {
        let from = self.state;
        match (from, to) {
            (_, State::Master) => self.become_master(cx),
            (State::Master, State::Backup | State::Fault) => {
                self.leave_master(to, why, cx);
            }
            (_, State::Backup | State::Fault) => {
                self.enter_backup_or_fault(to, why, cx)
            }
            (_, State::Stop) => self.stop(cx),
            (_, State::Init) => {}
        }
        if from != self.state {
            self.last_transition = Some(cx.now);
            self.stats.transitions.count(self.state, why.reason());
        }
    }

    /// keepalived `vrrp_state_master_tx` (first advert) +
    /// `vrrp_state_become_master`.
    fn become_master(&mut self, cx: &mut Ctx<'_>) {
        self.state = State::Master;
        self.want = State::Master;
        self.preempt_time = None;
        self.sands = Some(cx.now + self.adver_dur());
        // "the old master needs to remove the VIPs before we send the
        // gratuitous ARPs, so send the advert first".
        self.send_advert(self.effective_priority, cx);
        cx.log(format!("({}) Entering MASTER STATE", self.cfg.name));
        self.stats.become_master += 1;
        self.master_reason = self.next_master_reason;
        // RFC 5798 §6.4.3 uses the configured interval as master.
        self.master_adver_int = self.adver_int();
        self.ms_down_timer = self.ms_down();
        self.master_addr = self.src();
        self.master_priority = self.effective_priority;
        self.set_addresses(true, cx);
        self.link_update(self.cfg.garp.master_repeat, cx);
        let g = &self.cfg.garp;
        self.garp_refresh_at =
            (!g.master_refresh.is_zero()).then(|| cx.now + g.master_refresh);
        self.garp_delay_at =
            (!g.master_delay.is_zero()).then(|| cx.now + g.master_delay);
        self.extra_if_garp_at =
            self.cfg.garp_extra_if.as_ref().map(|x| cx.now + x.interval);
        self.notify(cx);
    }

    /// keepalived `vrrp_state_leave_master` (+ `down_instance` priority 0).
    fn leave_master(&mut self, to: State, why: Why, cx: &mut Ctx<'_>) {
        if to == State::Backup {
            cx.log(format!("({}) Entering BACKUP STATE", self.cfg.name));
            self.preempt_time = None;
        } else {
            cx.log(format!("({}) Entering FAULT STATE", self.cfg.name));
            // RFC 5798 §6.4.3 / keepalived: resign with priority 0.
            self.send_advert(0, cx);
            if why == Why::Fault {
                // keepalived compat: `down_instance` calls leave_master
                // with advF, which sends a second priority-0 advert.
                self.send_advert(0, cx);
                self.stats.pri_zero_sent += 1;
            }
        }
        self.clear_master_timers();
        self.set_addresses(false, cx);
        self.state = to;
        self.notify(cx);
        self.ms_down_timer = self.ms_down();
        self.sands = (to == State::Backup).then(|| self.backup_sands(cx));
        self.stats.release_master += 1;
    }

    fn clear_master_timers(&mut self) {
        self.garp_delay_at = None;
        self.lower_prio_garp_at = None;
        self.garp_refresh_at = None;
        self.extra_if_garp_at = None;
    }

    /// keepalived `vrrp_init_state` and `vrrp_state_leave_fault` for
    /// entering BACKUP or FAULT from INIT, BACKUP or FAULT.
    fn enter_backup_or_fault(&mut self, to: State, why: Why, cx: &mut Ctx<'_>) {
        let from = self.state;
        let init = if why == Why::Init { " (init)" } else { "" };
        if from != to {
            cx.log(format!(
                "({}) Entering {} STATE{init}",
                self.cfg.name,
                to.as_str()
            ));
        }
        self.state = to;
        // keepalived compat: FAULT at init notifies only for a real fault
        // (scripts still initialising stay silent).
        let silent =
            why == Why::Init && to == State::Fault && !self.fault.real();
        if from != to && !silent {
            self.notify(cx);
        }
        if to == State::Backup {
            self.preempt_time = None;
            if why != Why::Init {
                self.master_adver_int = self.adver_int();
                self.ms_down_timer = self.ms_down();
            }
            self.sands = Some(self.backup_sands(cx));
        } else {
            self.master_adver_int = self.adver_int();
            self.ms_down_timer = self.ms_down();
            self.sands = None;
        }
    }

    /// SIGTERM (keepalived `restore_vrrp_interfaces` then
    /// `notify_shutdown`): a master resigns with priority 0 (RFC 5798
    /// §6.4.3 "If a Shutdown event is received ... Send an ADVERTISEMENT
    /// with Priority = 0") and removes its addresses.
    fn stop(&mut self, cx: &mut Ctx<'_>) {
        if self.state == State::Master {
            self.send_advert(0, cx);
            self.stats.pri_zero_sent += 1;
            self.set_addresses(false, cx);
        }
        self.clear_master_timers();
        self.state = State::Stop;
        self.want = State::Stop;
        self.sands = None;
    }
}

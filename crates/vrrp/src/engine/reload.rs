//! SIGHUP reload (keepalived `sigreload_vrrp`, `reload_vrrp_thread`,
//! `clear_diff_vrrp`, then `vrrp_init_state` / `vrrp_init_sands` again).
//!
//! * Masters advertise before the configuration changes
//!   (`send_reload_advert_thread`).
//! * A deleted instance resigns (priority 0 if MASTER), releases its
//!   addresses, routes and rules, and notifies DELETED with
//!   `notify_deleted`, else FAULT (not again if it already was in FAULT).
//! * An instance kept (matched by name) keeps its state; when its
//!   addresses are installed, VIPs, eVIPs, virtual routes and rules are
//!   diffed (`clear_diff_vrrp_vip/vroutes/vrules`, `restore_vrrp_state`),
//!   with a GARP round when an address was added. A kept master
//!   re-announces itself when its effective priority changed; a kept
//!   backup restarts Master_Down from now.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use ka_types::Instant;

use super::Engine;
use crate::action::{Action, NotifyState};
use crate::config::EngineConfig;
use crate::garp::GarpPacer;
use crate::instance::{Ctx, Input, Instance, State};
use crate::track::TrackState;

/// A kept instance's index and its state before the reload.
struct Kept {
    idx: usize,
    state: State,
    effective_priority: u8,
}

impl Engine {
    pub(super) fn reload(
        &mut self,
        now: Instant,
        cfg: EngineConfig,
        out: &mut Vec<Action>,
    ) {
        let fresh = Self::new(cfg);
        self.pacer.reconfigure(&fresh.cfg);
        let old: BTreeMap<String, Instance> = self
            .instances
            .drain(..)
            .map(|i| (i.name().to_owned(), i))
            .collect();
        let names: BTreeSet<&str> =
            fresh.instances.iter().map(Instance::name).collect();
        // keepalived `clear_diff_vrrp`: deleted instances first.
        let (gone, mut old): (BTreeMap<_, _>, BTreeMap<_, _>) = old
            .into_iter()
            .partition(|(n, _)| !names.contains(n.as_str()));
        for o in gone.into_values() {
            delete(o, &mut ctx(&mut self.pacer, now, out));
        }
        let mut instances = Vec::with_capacity(fresh.instances.len());
        let mut kept = Vec::new();
        for mut n in fresh.instances {
            if let Some(o) = old.remove(n.name()) {
                kept.push(Kept {
                    idx: instances.len(),
                    state: o.state,
                    effective_priority: o.effective_priority,
                });
                n = carry_over(o, n, &mut ctx(&mut self.pacer, now, out));
            }
            instances.push(n);
        }
        let started = self.started;
        let track = self.merge_track(fresh.track);
        *self = Self {
            cfg: fresh.cfg,
            instances,
            groups: fresh.groups,
            track,
            addrs: std::mem::take(&mut self.addrs),
            pacer: std::mem::take(&mut self.pacer),
            started: false,
            delayed_start: None,
            vrid_errors: self.vrid_errors,
        };
        for g in &mut self.groups {
            let states: Vec<State> =
                g.members.iter().map(|&m| self.instances[m].state).collect();
            g.state = super::sync::group_state_from(&states);
        }
        if started {
            self.restart(&kept, now, out);
        }
    }

    /// Tracker values carry over; scripts keep their rise/fall counters
    /// when they still exist (keepalived `clear_diff_script`).
    fn merge_track(&mut self, fresh: TrackState) -> TrackState {
        let mut track = std::mem::take(&mut self.track);
        let mut scripts = fresh.scripts;
        for (name, st) in &mut scripts {
            if let Some(old) = track.scripts.remove(name) {
                *st = old;
            }
        }
        track.scripts = scripts;
        track.processes = fresh.processes;
        track
    }

    /// keepalived `vrrp_init_state` / `vrrp_init_sands` after a reload:
    /// priorities from the new configuration and the current trackers,
    /// timers of kept instances re-armed, new instances started.
    fn restart(&mut self, kept: &[Kept], now: Instant, out: &mut Vec<Action>) {
        self.started = true;
        self.refresh_tracking_silently();
        for k in kept {
            let (i, mut cx) = self.split(k.idx, now, out);
            i.resume(k, &mut cx);
        }
        for idx in 0..self.instances.len() {
            if self.instances[idx].state == State::Init {
                self.step(idx, Input::Startup, now, out);
            }
        }
        self.reevaluate(now, out);
    }
}

impl Instance {
    /// Re-arm a kept instance's timer (keepalived `vrrp_init_sands`).
    fn resume(&mut self, k: &Kept, cx: &mut Ctx<'_>) {
        match self.state {
            // keepalived `reload_master` (sands = now): the master
            // advertises at once. keepalived compat: it already advertised
            // before the reload, so this only goes out when the priority
            // changed ("not re-announced unless priority changed").
            State::Master => {
                if k.state == State::Master
                    && k.effective_priority != self.effective_priority
                {
                    cx.log(format!(
                        "({}) priority changed on reload from {} to {}",
                        self.cfg.name,
                        k.effective_priority,
                        self.effective_priority
                    ));
                    self.send_advert(self.effective_priority, cx);
                }
                self.sands =
                    Some(cx.now + Duration::from_micros(self.adver_int()));
            }
            State::Backup => {
                self.ms_down_timer = self.ms_down();
                self.sands = Some(self.backup_sands(cx));
            }
            State::Init | State::Fault | State::Stop => {}
        }
    }
}

/// A context for an instance outside any sync group (reload bookkeeping).
fn ctx<'a>(
    pacer: &'a mut GarpPacer,
    now: Instant,
    out: &'a mut Vec<Action>,
) -> Ctx<'a> {
    Ctx {
        now,
        out,
        pacer,
        delayed_start: None,
        sync: None,
    }
}

/// keepalived `clear_diff_vrrp` for an instance the new configuration no
/// longer has.
fn delete(mut o: Instance, cx: &mut Ctx<'_>) {
    if o.state == State::Master {
        // `vrrp_restore_interface(vrrp, true, false)`: resign first.
        o.send_advert(0, cx);
        o.stats.pri_zero_sent += 1;
    }
    if o.vips_set {
        o.set_addresses(false, cx);
    }
    // keepalived compat: "We used to send FAULT if an instance was
    // deleted, so that needs to continue as the default"; an instance
    // already in FAULT is not notified again unless `notify_deleted`.
    if o.cfg.notify_deleted {
        o.notify_event(NotifyState::Deleted, cx);
    } else if o.state != State::Fault {
        o.notify_event(NotifyState::Fault, cx);
    }
}

/// An instance that still exists keeps its state; its installed
/// addresses, routes and rules follow the new configuration.
fn carry_over(
    mut old: Instance,
    mut new: Instance,
    cx: &mut Ctx<'_>,
) -> Instance {
    if old.state == State::Master {
        // keepalived `send_reload_advert_thread`: old priority, old config.
        old.send_advert(old.effective_priority, cx);
    }
    if old.vips_set && diff_addresses(&old, &new, cx) {
        // keepalived `restore_vrrp_state` added an address: GARP every
        // address ("a bit over the top") and restart the refresh timer.
        new.link_update(new.cfg.garp.master_repeat, cx);
        let refresh = new.cfg.garp.master_refresh;
        old.garp_refresh_at = (!refresh.is_zero()).then(|| cx.now + refresh);
    }
    new.state = old.state;
    new.want = old.want;
    new.sands = old.sands;
    new.preempt_time = old.preempt_time;
    new.master_addr = old.master_addr;
    new.master_priority = old.master_priority;
    new.master_adver_int = old.master_adver_int;
    new.vips_set = old.vips_set;
    new.garp_delay_at = old.garp_delay_at;
    new.lower_prio_garp_at = old.lower_prio_garp_at;
    new.garp_refresh_at = old.garp_refresh_at;
    new.extra_if_garp_at = old.extra_if_garp_at;
    new.stats = old.stats;
    new.iface_addr = old.iface_addr;
    new.notifies_sent = old.notifies_sent;
    new.last_transition = old.last_transition;
    // The AH sequence counter must not restart, or peers would take our
    // next adverts for replays.
    new.tx = old.tx;
    new
}

/// Remove what the new configuration dropped (rules, routes, then
/// addresses, as `clear_diff_vrrp` does) and add what it brought; `true`
/// if a VIP or eVIP was added.
fn diff_addresses(old: &Instance, new: &Instance, cx: &mut Ctx<'_>) -> bool {
    let mut gone = old.clone();
    let c = &new.cfg;
    gone.cfg.vips.retain(|v| !c.vips.contains(v));
    gone.cfg.evips.retain(|v| !c.evips.contains(v));
    gone.cfg.routes.retain(|r| !c.routes.contains(r));
    gone.cfg.rules.retain(|r| !c.rules.contains(r));
    let mut added = new.clone();
    let c = &old.cfg;
    added.cfg.vips.retain(|v| !c.vips.contains(v));
    added.cfg.evips.retain(|v| !c.evips.contains(v));
    added.cfg.routes.retain(|r| !c.routes.contains(r));
    added.cfg.rules.retain(|r| !c.rules.contains(r));
    if gone.has_virtual_objects() {
        gone.set_addresses(false, cx);
    }
    if added.has_virtual_objects() {
        added.set_addresses(true, cx);
    }
    !added.cfg.vips.is_empty() || !added.cfg.evips.is_empty()
}

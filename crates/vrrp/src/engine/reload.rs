//! SIGHUP reload (keepalived `reload_vrrp_thread`): instances matched by
//! name keep their state, masters re-announce themselves, VIP sets are
//! diffed, deleted instances release their addresses and notify FAULT.

use std::collections::BTreeMap;

use ka_types::Instant;

use super::Engine;
use crate::action::Action;
use crate::config::EngineConfig;
use crate::garp::GarpPacer;
use crate::instance::{Ctx, Input, Instance, State};

impl Engine {
    pub(super) fn reload(
        &mut self,
        now: Instant,
        cfg: EngineConfig,
        out: &mut Vec<Action>,
    ) {
        let mut old: BTreeMap<String, Instance> = self
            .instances
            .drain(..)
            .map(|i| (i.name().to_owned(), i))
            .collect();
        let fresh = Self::new(cfg);
        let mut instances = Vec::with_capacity(fresh.instances.len());
        for mut n in fresh.instances {
            if let Some(o) = old.remove(n.name()) {
                n = carry_over(o, n, &mut self.pacer, now, out);
            }
            instances.push(n);
        }
        for (_, mut o) in old {
            // keepalived compat: a deleted instance notifies FAULT (no
            // `notify_deleted`) and releases its addresses.
            let mut cx = Ctx {
                now,
                out,
                pacer: &mut self.pacer,
                delayed_start: None,
                sync: None,
            };
            if o.vips_set {
                o.set_addresses(false, &mut cx);
            }
            o.state = State::Fault;
            o.notify(&mut cx);
        }
        let started = self.started;
        let mut track = std::mem::take(&mut self.track);
        let mut scripts = fresh.track.scripts;
        for (name, st) in &mut scripts {
            if let Some(old) = track.scripts.remove(name) {
                *st = old;
            }
        }
        track.scripts = scripts;
        track.processes = fresh.track.processes;
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
            self.started = true;
            for idx in 0..self.instances.len() {
                if self.instances[idx].state == State::Init {
                    self.step(idx, Input::Startup, now, out);
                }
            }
            self.reevaluate(now, out);
        }
    }
}

/// keepalived reload: an instance that still exists keeps its state; a
/// master re-announces itself and its address set is diffed.
fn carry_over(
    old: Instance,
    mut new: Instance,
    pacer: &mut GarpPacer,
    now: Instant,
    out: &mut Vec<Action>,
) -> Instance {
    let mut cx = Ctx {
        now,
        out,
        pacer,
        delayed_start: None,
        sync: None,
    };
    if old.state == State::Master && old.cfg.vips != new.cfg.vips {
        let mut gone = old.clone();
        gone.cfg.vips.retain(|v| !new.cfg.vips.contains(v));
        gone.cfg.evips.clear();
        gone.cfg.routes.clear();
        gone.cfg.rules.clear();
        gone.set_addresses(false, &mut cx);
        let mut added = new.clone();
        added.cfg.vips.retain(|v| !old.cfg.vips.contains(v));
        added.cfg.evips.clear();
        added.cfg.routes.clear();
        added.cfg.rules.clear();
        added.set_addresses(true, &mut cx);
    }
    new.state = old.state;
    new.want = old.want;
    new.sands = old.sands;
    new.master_addr = old.master_addr;
    new.master_priority = old.master_priority;
    new.master_adver_int = old.master_adver_int;
    new.vips_set = old.vips_set;
    new.stats = old.stats;
    new.iface_addr = old.iface_addr;
    new.notifies_sent = old.notifies_sent;
    new.last_transition = old.last_transition;
    new.ms_down_timer = new.ms_down();
    if new.state == State::Master {
        // keepalived `send_reload_advert_thread` / `reload_master`.
        new.send_advert(new.effective_priority, &mut cx);
        new.sands =
            Some(now + std::time::Duration::from_micros(new.adver_int()));
    }
    new
}

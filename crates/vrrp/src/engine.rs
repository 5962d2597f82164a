//! The engine: routes events to instances, runs timers, applies sync
//! groups (keepalived `vrrp_scheduler.c`, `vrrp_sync.c`, `vrrp_track.c`).

use std::collections::BTreeMap;
use std::net::IpAddr;

use ka_types::Instant;
use ka_wire::DecodeError;

use crate::action::{Action, LogLevel, LogLine};
use crate::config::{EngineConfig, InstanceConfig, TrackKind};
use crate::event::{AdminCommand, Event};
use crate::garp::GarpPacer;
use crate::instance::{Ctx, FaultFlags, Input, Instance, State, SyncView};
use crate::rx::{self, Rx, RxError};
use crate::snapshot::{GroupSnapshot, InstanceSnapshot, Snapshot};
use crate::track::{ScriptState, TrackState};

mod reload;
mod sync;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_ah;
#[cfg(test)]
mod tests_garp;
#[cfg(test)]
mod tests_log;
#[cfg(test)]
mod tests_reload;
#[cfg(test)]
mod tests_wire;

/// One sync group at runtime (keepalived `vrrp_sgroup_t`).
#[derive(Clone, Debug)]
pub(crate) struct Group {
    pub(crate) name: String,
    pub(crate) members: Vec<usize>,
    pub(crate) state: State,
}

/// The sans-IO VRRP engine.
#[derive(Clone, Debug)]
pub struct Engine {
    cfg: EngineConfig,
    instances: Vec<Instance>,
    groups: Vec<Group>,
    track: TrackState,
    /// Addresses per interface, in arrival order.
    addrs: BTreeMap<String, Vec<IpAddr>>,
    pacer: GarpPacer,
    started: bool,
    delayed_start: Option<Instant>,
    vrid_errors: u64,
}

impl Engine {
    /// Build an engine; every instance is in INIT until
    /// [`Event::Started`].
    pub fn new(config: EngineConfig) -> Self {
        let mut track = TrackState::default();
        for s in &config.scripts {
            track.scripts.insert(s.name.clone(), ScriptState::new(s));
        }
        for p in &config.processes {
            track.processes.insert(p.name.clone(), p.clone());
        }
        let (instances, groups) = build_instances(&config);
        let mut e = Self {
            pacer: GarpPacer::new(&config),
            cfg: config,
            instances,
            groups,
            track,
            addrs: BTreeMap::new(),
            started: false,
            delayed_start: None,
            vrid_errors: 0,
        };
        e.refresh_tracking_silently();
        e
    }

    /// Feed one event; actions are appended to `out` in order.
    pub fn handle(&mut self, now: Instant, ev: Event, out: &mut Vec<Action>) {
        match ev {
            Event::Started => self.start(now, out),
            Event::PacketReceived { iface, packet } => {
                // A packet whose headers do not reach the VRID names no
                // instance that could count it (keepalived
                // `vrrp_get_header`).
                if let Some(rx) = Rx::new(&packet) {
                    self.packet(now, &iface, rx, out);
                }
            }
            Event::LinkUp { iface } => self.set_link(iface, true, now, out),
            Event::LinkDown { iface } => self.set_link(iface, false, now, out),
            Event::AddressAdded { iface, addr } => {
                let v = self.addrs.entry(iface).or_default();
                if !v.contains(&addr) {
                    v.push(addr);
                }
                self.reevaluate(now, out);
            }
            Event::AddressRemoved { iface, addr } => {
                if let Some(v) = self.addrs.get_mut(&iface) {
                    v.retain(|a| *a != addr);
                }
                self.reevaluate(now, out);
            }
            Event::ScriptExited { script, success } => {
                self.script_exited(&script, success, out);
                self.reevaluate(now, out);
            }
            Event::FileValueChanged { file, value } => {
                self.track.files.insert(file, value);
                self.reevaluate(now, out);
            }
            Event::ProcessCountChanged { process, count } => {
                self.track.process_counts.insert(process, count);
                self.reevaluate(now, out);
            }
            Event::BfdStateChanged { bfd, up } => {
                self.bfd_changed(bfd, up, out);
                self.reevaluate(now, out);
            }
            Event::ShutdownRequested => self.shutdown(now, out),
            Event::Reloaded(cfg) => self.reload(now, *cfg, out),
            Event::Admin(AdminCommand::ResetStats) => self.reset_stats(),
            Event::Admin(AdminCommand::SendGarp { instance }) => {
                self.send_garp_now(&instance, now, out);
            }
        }
    }

    fn set_link(
        &mut self,
        iface: String,
        up: bool,
        now: Instant,
        out: &mut Vec<Action>,
    ) {
        self.track.links_down.insert(iface, !up);
        self.reevaluate(now, out);
    }

    /// One GARP / NA round for `name`'s addresses. keepalived compat
    /// (`vrrp_send_link_update`): nothing unless its VIPs are set (a
    /// MASTER), nothing for an unknown name.
    fn send_garp_now(
        &mut self,
        name: &str,
        now: Instant,
        out: &mut Vec<Action>,
    ) {
        let Some(idx) = self.instances.iter().position(|i| i.name() == name)
        else {
            return;
        };
        if !self.instances[idx].vips_set {
            return;
        }
        let (i, mut cx) = self.split(idx, now, out);
        i.link_update(1, &mut cx);
    }

    fn reset_stats(&mut self) {
        for i in &mut self.instances {
            i.stats = Default::default();
        }
        self.vrid_errors = 0;
    }

    /// Fire every deadline at or before `now` (safe to call spuriously).
    pub fn handle_timeout(&mut self, now: Instant, out: &mut Vec<Action>) {
        if self.delayed_start.is_some_and(|d| now >= d) {
            self.delayed_start = None;
        }
        self.pacer.on_timeout(now, out);
        for idx in 0..self.instances.len() {
            self.instance_timeout(idx, now, out);
        }
        self.log_suppressed(now, out);
    }

    /// One line per ended log window that suppressed errors.
    fn log_suppressed(&mut self, now: Instant, out: &mut Vec<Action>) {
        for i in &mut self.instances {
            for s in i.rx_log.expire(now) {
                out.push(Action::Log(LogLine {
                    level: LogLevel::Info,
                    text: format!(
                        "({}) {} more received packets with the same {} error not logged in the last {}s",
                        i.cfg.name,
                        s.count,
                        s.kind,
                        crate::log_limit::WINDOW.as_secs()
                    ),
                }));
            }
        }
    }

    /// When [`Engine::handle_timeout`] must be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.instances
            .iter()
            .filter_map(Instance::poll_at)
            .chain(self.pacer.poll_at())
            .chain(self.instances.iter().filter_map(|i| i.rx_log.poll_at()))
            .min()
    }

    /// Read-only view of every instance and group, taken at `now` (the
    /// time goes into [`Snapshot::taken_at`] for dumps).
    pub fn snapshot_at(&self, now: Instant) -> Snapshot {
        Snapshot {
            taken_at: Some(now),
            ..self.snapshot()
        }
    }

    /// Read-only view of every instance and group.
    pub fn snapshot(&self) -> Snapshot {
        let t = &self.track;
        Snapshot {
            taken_at: None,
            scripts: self
                .cfg
                .scripts
                .iter()
                .filter_map(|c| Some((c, t.scripts.get(&c.name)?)))
                .map(|(c, s)| s.snapshot(&c.name))
                .collect(),
            files: t.files.iter().map(|(n, v)| (n.clone(), *v)).collect(),
            processes: t.process_snapshots(),
            links_down: t
                .links_down
                .iter()
                .filter(|(_, down)| **down)
                .map(|(n, _)| n.clone())
                .collect(),
            instances: self.instances.iter().map(snapshot_of).collect(),
            groups: self
                .groups
                .iter()
                .map(|g| GroupSnapshot {
                    name: g.name.clone(),
                    state: g.state,
                    members: g
                        .members
                        .iter()
                        .map(|&m| self.instances[m].name().to_owned())
                        .collect(),
                })
                .collect(),
            vrid_errors: self.vrid_errors,
        }
    }

    /// `(name, state)` of every instance, cheaply (no snapshot).
    pub fn states(&self) -> impl Iterator<Item = (&str, State)> + '_ {
        self.instances.iter().map(|i| (i.name(), i.state))
    }

    fn instance_timeout(
        &mut self,
        idx: usize,
        now: Instant,
        out: &mut Vec<Action>,
    ) {
        let due = |t: Option<Instant>| t.is_some_and(|t| t <= now);
        if due(self.instances[idx].garp_delay_at) {
            // keepalived `vrrp_gratuitous_arp_thread`: second burst.
            let i = &mut self.instances[idx];
            i.garp_delay_at = None;
            let rep = i.cfg.garp.master_repeat;
            let (i, mut cx) = self.split(idx, now, out);
            i.link_update(rep, &mut cx);
        }
        if due(self.instances[idx].lower_prio_garp_at) {
            let i = &mut self.instances[idx];
            i.lower_prio_garp_at = None;
            let rep = i.cfg.garp.lower_prio_repeat;
            let (i, mut cx) = self.split(idx, now, out);
            i.link_update(rep, &mut cx);
        }
        if due(self.instances[idx].sands) {
            self.step(idx, Input::Timeout, now, out);
        }
    }

    /// Instance `idx` and a context for it (split borrow helper).
    pub(crate) fn split<'a>(
        &'a mut self,
        idx: usize,
        now: Instant,
        out: &'a mut Vec<Action>,
    ) -> (&'a mut Instance, Ctx<'a>) {
        let sync = self.sync_view(idx);
        let cx = Ctx {
            now,
            out,
            pacer: &mut self.pacer,
            delayed_start: self.delayed_start,
            sync,
        };
        (&mut self.instances[idx], cx)
    }

    fn sync_view(&self, idx: usize) -> Option<SyncView> {
        let g = &self.groups[self.instances[idx].group?];
        Some(SyncView {
            state: g.state,
            others_want_master: g
                .members
                .iter()
                .filter(|&&m| m != idx)
                .all(|&m| self.instances[m].want == State::Master),
        })
    }

    /// Run one FSM input on instance `idx`, then the sync-group TSM.
    pub(crate) fn step(
        &mut self,
        idx: usize,
        input: Input<'_>,
        now: Instant,
        out: &mut Vec<Action>,
    ) {
        let prev = self.instances[idx].state;
        let (i, mut cx) = self.split(idx, now, out);
        let outcome = i.step(input, &mut cx);
        if outcome.lower_prio_seen {
            self.group_lower_prio_garps(idx, now, out);
        }
        self.tsm(idx, prev, now, out);
    }

    fn start(&mut self, now: Instant, out: &mut Vec<Action>) {
        if self.started {
            return;
        }
        self.started = true;
        let d = self.cfg.startup_delay;
        self.delayed_start = (!d.is_zero()).then(|| now + d);
        self.refresh_tracking_silently();
        self.init_groups(out);
        for idx in 0..self.instances.len() {
            self.step(idx, Input::Startup, now, out);
        }
    }

    fn packet(
        &mut self,
        now: Instant,
        iface: &str,
        rx: Rx<'_>,
        out: &mut Vec<Action>,
    ) {
        // keepalived compat: `vrrp_startup_delay` ignores every packet.
        if !self.started || self.delayed_start.is_some_and(|d| now < d) {
            return;
        }
        let Some(idx) = self.route(iface, rx) else {
            self.vrid_errors += 1;
            if self.cfg.log_unknown_vrids {
                // keepalived `vrrp_read_dispatcher_thread`.
                out.push(Action::Log(LogLine {
                    level: LogLevel::Info,
                    text: format!(
                        "Unknown VRID({}) received on interface({iface}). ignoring...",
                        rx.vrid
                    ),
                }));
            }
            return;
        };
        let inst = &mut self.instances[idx];
        if matches!(inst.state, State::Init | State::Fault | State::Stop) {
            return;
        }
        // keepalived compat: `skip_check_adv_addr` skips the VIP check only
        // for adverts from the master we already follow.
        let check_vip = inst.state != State::Backup
            || !inst.cfg.skip_check_adv_addr
            || inst.master_addr != Some(rx.src);
        let seq = &mut inst.tx.ah_seq;
        match rx::check_packet(&inst.cfg, &mut inst.stats, seq, rx, check_vip) {
            Ok(adv) => self.step(idx, Input::Advert(&adv, rx.src), now, out),
            // keepalived compat: an AH header for another protocol is
            // dropped without a word.
            Err(RxError::Decode(DecodeError::AhNextHeader(_))) => {}
            Err(e) => {
                // Rate limit per kind of error, whatever the sender or
                // values: one line per window, the rest counted.
                if inst.rx_log.admit(now, e.kind()) {
                    out.push(Action::Log(LogLine {
                        level: LogLevel::Info,
                        text: format!("({}) {e}", inst.cfg.name),
                    }));
                }
            }
        }
    }

    /// Which instance serves (iface, VRID, family, protocol); unicast
    /// peers break ties between duplicate VRIDs (keepalived
    /// `vrrp_dispatcher_read`).
    ///
    /// keepalived compat: an `auth_type AH` instance reads a raw socket of
    /// IP protocol 51 and every other IPv4 instance one of protocol 112
    /// (`vrrp_create_sockpool`), so a packet only reaches instances of its
    /// protocol: an AH instance never sees a packet without AH, however
    /// its VRRP header reads, and the others never see AH packets.
    fn route(&self, iface: &str, rx: Rx<'_>) -> Option<usize> {
        let mut found = None;
        for (idx, i) in self.instances.iter().enumerate() {
            let c = &i.cfg;
            let on_iface = c.interface.as_deref().is_none_or(|n| n == iface);
            let family = c.is_ipv6() == rx.src.is_ipv6();
            let proto = c.ah_key().is_some() == rx.ah;
            if c.vrid.get() != rx.vrid || !on_iface || !family || !proto {
                continue;
            }
            if c.unicast_peers.iter().any(|p| p.addr == rx.src) {
                return Some(idx);
            }
            found.get_or_insert(idx);
        }
        found
    }

    fn script_exited(
        &mut self,
        name: &str,
        success: bool,
        out: &mut Vec<Action>,
    ) {
        let Some(s) = self.track.scripts.get_mut(name) else {
            return;
        };
        if s.record(success) {
            let word = if success { "succeeded" } else { "failed" };
            out.push(Action::Log(LogLine {
                level: LogLevel::Info,
                text: format!("VRRP_Script({name}) {word}"),
            }));
        }
    }

    /// A tracked BFD session's new state; each instance tracking it logs
    /// the change (keepalived `vrrp_handle_bfd_event`: a session starts
    /// down, and a report of the state it is already in says nothing).
    fn bfd_changed(&mut self, bfd: String, up: bool, out: &mut Vec<Action>) {
        let was = self.track.bfd_up.insert(bfd.clone(), up).unwrap_or(false);
        if was == up {
            return;
        }
        let word = if up { "UP" } else { "DOWN" };
        let tracks = |t: &crate::config::TrackRef| matches!(&t.kind, TrackKind::Bfd(n) if *n == bfd);
        for i in self
            .instances
            .iter()
            .filter(|i| i.cfg.track.iter().any(tracks))
        {
            out.push(Action::Log(LogLine {
                level: LogLevel::Info,
                text: format!(
                    "VRRP_Instance({}) Tracked BFD instance {bfd} is {word}",
                    i.name()
                ),
            }));
        }
    }

    /// Fault flags and weight sums from the current tracker values,
    /// without transitions (construction and startup).
    fn refresh_tracking_silently(&mut self) {
        for idx in 0..self.instances.len() {
            let (fault, weight) = self.evaluate(idx);
            let i = &mut self.instances[idx];
            i.fault = fault;
            i.track_weight = weight;
            i.effective_priority =
                crate::track::effective_priority(i.base_priority, weight);
            i.ms_down_timer = i.ms_down();
        }
    }

    fn evaluate(&self, idx: usize) -> (FaultFlags, i64) {
        let i = &self.instances[idx];
        let c = &i.cfg;
        let sum = self.track.sum(&c.track);
        let iface_addrs = c.interface.as_ref().and_then(|n| self.addrs.get(n));
        let fault = FaultFlags {
            interface_down: !c.dont_track_primary
                && c.interface
                    .as_deref()
                    .is_some_and(|n| !self.track.link_up(n)),
            tracker: sum.fault,
            initialising: sum.initialising,
            no_source_ip: c.track_src_ip
                && c.src_addr.is_some_and(|a| {
                    !iface_addrs.is_some_and(|v| v.contains(&a))
                }),
            config_error: c.unicast_fault_no_peer && c.unicast_peers.is_empty(),
        };
        (fault, sum.weight)
    }

    /// Recompute trackers, priorities and source addresses; raise or clear
    /// faults (keepalived `down_instance` / `try_up_instance`).
    fn reevaluate(&mut self, now: Instant, out: &mut Vec<Action>) {
        for idx in 0..self.instances.len() {
            let (fault, weight) = self.evaluate(idx);
            let iface_addr = self.primary_addr(&self.instances[idx].cfg);
            self.instances[idx].fault = fault;
            self.instances[idx].iface_addr = iface_addr;
            let (i, mut cx) = self.split(idx, now, out);
            i.set_track_weight(weight, &mut cx);
        }
        if self.started {
            self.reconcile_faults(now, out);
        }
    }

    /// The interface's primary address for the instance's family: the
    /// first IPv4 address, or the first IPv6 link-local address.
    fn primary_addr(&self, c: &InstanceConfig) -> Option<IpAddr> {
        let v = self.addrs.get(c.interface.as_deref()?)?;
        let v6 = c.is_ipv6();
        v.iter().copied().find(|a| match a {
            IpAddr::V4(_) => !v6,
            IpAddr::V6(a) => v6 && ka_types::net::is_link_local_v6(a),
        })
    }

    fn shutdown(&mut self, now: Instant, out: &mut Vec<Action>) {
        for idx in 0..self.instances.len() {
            let (i, mut cx) = self.split(idx, now, out);
            i.step(Input::Shutdown, &mut cx);
        }
        // keepalived `notify_shutdown`: every instance, then every group.
        for idx in 0..self.instances.len() {
            let (i, mut cx) = self.split(idx, now, out);
            cx.sync = None;
            i.notify(&mut cx);
        }
        for g in &mut self.groups {
            g.state = State::Stop;
            out.push(sync::group_notification(g));
        }
    }
}

/// Instances and sync groups from configuration (keepalived
/// `vrrp_sync_set_group`, group trackers pushed to every member).
fn build_instances(config: &EngineConfig) -> (Vec<Instance>, Vec<Group>) {
    let mut instances: Vec<Instance> = config
        .instances
        .iter()
        .cloned()
        .map(Instance::new)
        .collect();
    let mut groups = Vec::new();
    for g in &config.sync_groups {
        let mut members = Vec::new();
        for name in &g.members {
            let Some(idx) = instances.iter().position(|i| i.name() == name)
            else {
                continue;
            };
            if instances[idx].group.is_some() {
                continue; // "cannot exist in more than one sync group"
            }
            let i = &mut instances[idx];
            i.group = Some(groups.len());
            i.cfg.track.extend(g.track.iter().cloned());
            if !g.tracking_weight {
                // keepalived: weighted trackers of sync-group members are
                // ignored unless `sync_group_tracking_weight`.
                i.cfg.track.retain(|t| {
                    t.weight == 0 || matches!(t.kind, TrackKind::File(_))
                });
            }
            members.push(idx);
        }
        if !members.is_empty() {
            groups.push(Group {
                name: g.name.clone(),
                members,
                state: State::Init,
            });
        }
    }
    (instances, groups)
}

fn snapshot_of(i: &Instance) -> InstanceSnapshot {
    InstanceSnapshot {
        name: i.name().to_owned(),
        vrid: i.cfg.vrid.get(),
        state: i.state,
        want_state: i.want,
        base_priority: i.base_priority,
        effective_priority: i.effective_priority,
        master_addr: i.master_addr,
        master_priority: i.master_priority,
        master_adver_int_us: i.master_adver_int,
        ms_down_timer_us: i.ms_down_timer,
        next_timer: i.poll_at(),
        read_timeout: i.sands,
        track_weight: i.track_weight,
        src_addr: i.cfg.src_addr.or(i.iface_addr),
        vips_set: i.vips_set,
        fault: i.fault,
        last_transition: i.last_transition,
        stats: i.stats.clone(),
        master_reason: i.master_reason,
    }
}

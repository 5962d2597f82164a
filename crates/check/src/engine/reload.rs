//! SIGHUP: the new configuration takes over the state of what it keeps,
//! by virtual server name and real server name (keepalived's
//! clear_diff_services, migrate_checkers, check_new_rs_state and
//! init_services in ipwrapper.c / check_daemon.c).

use ka_types::Instant;

use super::Engine;
use super::quorum::sorry_fmt;
use super::state::{
    CheckerState, RsState, VsState, WEIGHT_FAULT, effective_weight,
    file_status, initial_rs, is_probe, real_weight,
};
use crate::config::{CheckConfig, CheckerSource, RsConfig, VsConfig};
use crate::event::{Action, Notify, Reason, RsId};

impl Engine {
    /// `Event::Reloaded`.
    pub(super) fn reload(
        &mut self,
        now: Instant,
        config: CheckConfig,
        out: &mut Vec<Action>,
    ) {
        if !self.started {
            self.vs = config
                .virtual_servers
                .iter()
                .map(|v| VsState {
                    rs: initial_rs(v),
                    ..VsState::default()
                })
                .collect();
            self.config = config;
            return;
        }
        let old_cfg = std::mem::replace(&mut self.config, config);
        let old_vs = std::mem::take(&mut self.vs);
        for (ocfg, ost) in old_cfg.virtual_servers.iter().zip(&old_vs) {
            if !self
                .config
                .virtual_servers
                .iter()
                .any(|v| v.name == ocfg.name)
            {
                Self::log(
                    out,
                    format!("Removing Virtual Server {}", ocfg.name),
                );
                log_removed_servers(ocfg, ost, None, out);
                // keepalived compat: clear_service_vs -> update_vs_notifies:
                // with its servers gone, a removed virtual server that had
                // quorum loses it.
                if ost.quorum_up {
                    out.push(Action::Notify(Notify::RemovedQuorumDown {
                        vs: ocfg.name.clone(),
                    }));
                }
            }
        }
        let new_cfgs = self.config.virtual_servers.clone();
        let mut weight_changes = Vec::new();
        for (vi, vcfg) in new_cfgs.iter().enumerate() {
            let old = old_cfg
                .virtual_servers
                .iter()
                .zip(&old_vs)
                .find(|(c, _)| c.name == vcfg.name);
            let st = match old {
                Some((ocfg, ost)) => {
                    log_removed_servers(ocfg, ost, Some(vcfg), out);
                    self.carry_vs(vi, vcfg, ocfg, ost, &mut weight_changes, out)
                }
                None => self.fresh_vs(vcfg),
            };
            self.vs.push(st);
        }
        self.defer_sync = true;
        for (id, old, new, alive) in weight_changes {
            self.weight_changed(id, old, new, alive, false, out);
        }
        self.settle_servers(out);
        for (vi, vcfg) in new_cfgs.iter().enumerate() {
            // keepalived compat: init_service_rs runs again at a reload and
            // installs the servers the reload added.
            let old =
                old_cfg.virtual_servers.iter().find(|c| c.name == vcfg.name);
            self.init_notifies(
                vi,
                |ri| {
                    let name = vcfg.real_servers.get(ri).map(|r| &r.name);
                    old.is_none_or(|o| {
                        !o.real_servers.iter().any(|r| Some(&r.name) == name)
                    })
                },
                out,
            );
            self.update_quorum(vi, true, out);
        }
        self.defer_sync = false;
        self.sync_all(&Reason::Reload, out);
        self.reschedule_all(now, out);
    }

    /// A virtual server kept across the reload.
    fn carry_vs(
        &mut self,
        vi: usize,
        vcfg: &VsConfig,
        ocfg: &VsConfig,
        ost: &VsState,
        weight_changes: &mut Vec<(RsId, u32, u32, bool)>,
        out: &mut Vec<Action>,
    ) -> VsState {
        let mut st = VsState {
            quorum_up: ost.quorum_up,
            sorry_active: ost.sorry_active,
            rs: Vec::new(),
        };
        // clear_diff_s_srv: a sorry server that changed is taken out.
        let same_sorry = match (&ocfg.sorry_server, &vcfg.sorry_server) {
            (Some(a), Some(b)) => a.dest.addr == b.dest.addr,
            _ => false,
        };
        if !same_sorry {
            if let (true, Some(s)) = (ost.sorry_active, &ocfg.sorry_server) {
                Self::log(
                    out,
                    format!(
                        "Removing sorry server {} from VS {}",
                        sorry_fmt(ocfg, s),
                        ocfg.name
                    ),
                );
            }
            st.sorry_active = false;
        }
        for (ri, rc) in vcfg.real_servers.iter().enumerate() {
            let old = ocfg
                .real_servers
                .iter()
                .zip(&ost.rs)
                .find(|(c, _)| c.name == rc.name);
            let rs = match old {
                Some((orc, ors)) => {
                    let rs = self.migrate_rs(rc, orc, ors);
                    let (was, now) = (
                        real_weight(effective_weight(orc, ors)),
                        real_weight(effective_weight(rc, &rs)),
                    );
                    if was != now {
                        let id = RsId {
                            vs: u32::try_from(vi).unwrap_or(u32::MAX),
                            rs: u32::try_from(ri).unwrap_or(u32::MAX),
                        };
                        weight_changes.push((id, was, now, rs.alive));
                    }
                    rs
                }
                None => self.fresh_rs(rc),
            };
            st.rs.push(rs);
        }
        st
    }

    /// A virtual server the reload added: as at start.
    fn fresh_vs(&self, vcfg: &VsConfig) -> VsState {
        let mut st = VsState {
            rs: vcfg
                .real_servers
                .iter()
                .map(|rc| self.fresh_rs(rc))
                .collect(),
            ..VsState::default()
        };
        // keepalived compat: as at start, a new virtual server's quorum is
        // down until the reload's update_quorum_state(init) pass.
        st.quorum_up = false;
        st
    }

    /// A real server the reload added.
    fn fresh_rs(&self, rc: &RsConfig) -> RsState {
        let checkers = rc
            .checkers
            .iter()
            .map(|cc| {
                let mut c = CheckerState::initial(cc);
                if !matches!(cc.source, CheckerSource::File { .. }) {
                    // keepalived compat: on a reload validate_check_config
                    // leaves retry_it at 0 (the "one failure is enough"
                    // rule is for the start only).
                    c.retry_it = 0;
                }
                self.apply_file_value(cc, &mut c);
                c
            })
            .collect();
        let mut rs = RsState {
            alive: false,
            checkers,
        };
        rs.alive = rs.num_failed() == 0;
        rs
    }

    /// keepalived's migrate_checkers: each new checker takes the state of
    /// the first old one of the same kind and source.
    fn migrate_rs(
        &self,
        rc: &RsConfig,
        orc: &RsConfig,
        ors: &RsState,
    ) -> RsState {
        let mut used = vec![false; orc.checkers.len()];
        let mut checkers = Vec::new();
        for cc in &rc.checkers {
            let mut c = CheckerState {
                up: true,
                ..CheckerState::default()
            };
            let found = orc.checkers.iter().enumerate().find(|(i, oc)| {
                !used[*i] && oc.keyword == cc.keyword && oc.source == cc.source
            });
            let old = found.and_then(|(i, oc)| {
                used[i] = true;
                ors.checkers.get(i).map(|o| (oc, o))
            });
            match old {
                Some((oc, old)) => {
                    // keepalived takes is_up only from checkers that have
                    // run, and recomputes FILE_CHECKs from the file; the
                    // state is carried whole here so that a reload that
                    // changes nothing changes nothing (keepalived could
                    // bring a server with an unrun alpha checker up).
                    c.up = old.up;
                    c.has_run = old.has_run;
                    c.latency = old.latency;
                    c.latencies = old.latencies;
                    if old.retry_it > 0 && cc.retry > 0 {
                        c.retry_it = old.retry_it.min(cc.retry - 1);
                    }
                    c.cur_weight =
                        carried_weight(cc, oc, old.cur_weight, rc, orc);
                }
                None if matches!(cc.source, CheckerSource::File { .. }) => {
                    c.has_run = true;
                    self.apply_file_value(cc, &mut c);
                }
                None => {}
            }
            checkers.push(c);
        }
        let mut rs = RsState {
            alive: ors.alive,
            checkers,
        };
        let failed = rs.checkers.iter().filter(|c| c.has_run && !c.up).count();
        let any_run = rs.checkers.iter().any(|c| c.has_run);
        if failed > 0 || (!rs.alive && !any_run) {
            for (c, cc) in rs.checkers.iter_mut().zip(&rc.checkers) {
                if !c.has_run {
                    if cc.alpha {
                        c.up = false;
                    }
                    c.retry_it = cc.retry;
                }
            }
        }
        rs
    }

    /// A FILE_CHECK's state from the file's current value.
    fn apply_file_value(
        &self,
        cc: &crate::config::CheckerConfig,
        c: &mut CheckerState,
    ) {
        let CheckerSource::File {
            track_file,
            weight,
            reverse,
        } = &cc.source
        else {
            return;
        };
        let value = self.files.get(track_file).copied().unwrap_or(0);
        let status = file_status(value, *weight, *reverse);
        if value != 0 && status <= WEIGHT_FAULT {
            c.up = false;
        } else if value != 0 && *weight != 0 {
            c.cur_weight = status;
        }
    }

    /// Kept real servers whose checkers now all pass come up, those with
    /// a failed one go down (migrate_checkers' last step).
    fn settle_servers(&mut self, out: &mut Vec<Action>) {
        for vi in 0..self.vs.len() {
            let n = self.vs.get(vi).map_or(0, |v| v.rs.len());
            for ri in 0..n {
                let id = RsId {
                    vs: u32::try_from(vi).unwrap_or(u32::MAX),
                    rs: u32::try_from(ri).unwrap_or(u32::MAX),
                };
                let Some(rs) = self.rs_state(id) else {
                    continue;
                };
                let ok = rs.num_failed() == 0;
                if ok != rs.alive {
                    self.perform_rs_state(id, ok, out);
                }
            }
        }
    }

    /// Every probe checker starts again after a random part of its
    /// warmup (keepalived cancels its checker threads and calls
    /// register_checkers_thread again); answers to probes started before
    /// are stale.
    fn reschedule_all(&mut self, now: Instant, out: &mut Vec<Action>) {
        self.timers.clear();
        for vi in 0..self.vs.len() {
            let Some(cfg) = self.config.virtual_servers.get(vi).cloned() else {
                continue;
            };
            let enabled = self.vs_enabled(vi);
            for (ri, rc) in cfg.real_servers.iter().enumerate() {
                for (ci, cc) in rc.checkers.iter().enumerate() {
                    if !is_probe(cc) {
                        continue;
                    }
                    let verb = if enabled {
                        "Activating"
                    } else {
                        "Deactivating"
                    };
                    Self::log(
                        out,
                        format!(
                            "{verb} healthchecker for service {} for VS {}",
                            rc.name, cfg.name
                        ),
                    );
                    let at = now
                        + self.config.bootstrap_delay
                        + self.rng.part_of(cc.warmup);
                    if let Some(c) = self
                        .vs
                        .get_mut(vi)
                        .and_then(|v| v.rs.get_mut(ri))
                        .and_then(|r| r.checkers.get_mut(ci))
                    {
                        c.running = None;
                        c.next = Some(at);
                    }
                    self.arm(super::verdict::checker_id(vi, ri, ci), at);
                }
            }
        }
    }
}

/// A migrated checker's part of the weight: a FILE_CHECK's as it was, a
/// dynamic probe's such that the server keeps the probe's weight
/// (check_misc.c migrate_misc_check), nothing otherwise.
fn carried_weight(
    cc: &crate::config::CheckerConfig,
    oc: &crate::config::CheckerConfig,
    old: i64,
    rc: &RsConfig,
    orc: &RsConfig,
) -> i64 {
    if matches!(cc.source, CheckerSource::File { .. }) {
        return old;
    }
    if cc.dynamic && oc.dynamic && old != 0 {
        return i64::from(orc.dest.weight) + old - i64::from(rc.dest.weight);
    }
    0
}

/// The log lines of real servers that the reload removes: all of `ocfg`'s
/// when the virtual server goes (`vcfg` none), else those not in `vcfg`.
fn log_removed_servers(
    ocfg: &VsConfig,
    ost: &VsState,
    vcfg: Option<&VsConfig>,
    out: &mut Vec<Action>,
) {
    for (orc, ors) in ocfg.real_servers.iter().zip(&ost.rs) {
        if let Some(v) = vcfg {
            if v.real_servers.iter().any(|r| r.name == orc.name) {
                continue;
            }
            Engine::log(out, format!("service {} no longer exist", orc.name));
        }
        let in_table =
            (ors.alive && !ost.sorry_active) || orc.inhibit_on_failure;
        if in_table {
            let inhibited = if orc.inhibit_on_failure && !ors.alive {
                "(inhibited) "
            } else {
                ""
            };
            Engine::log(
                out,
                format!(
                    "Removing {inhibited}service {} from VS {}",
                    orc.name, ocfg.name
                ),
            );
            // keepalived compat: clear_service_rs runs the notify_down of
            // a live server the reload removes (from the old
            // configuration).
            if ors.alive {
                out.push(Action::Notify(Notify::RemovedRsDown {
                    vs: ocfg.name.clone(),
                    rs: orc.name.clone(),
                }));
            }
        }
    }
}

//! Start and stop: keepalived's validate_check_config / init_services /
//! register_checkers_thread and clear_services (check_data.c,
//! ipwrapper.c, check_api.c).

use ka_types::Instant;

use super::Engine;
use super::state::{WEIGHT_FAULT, file_status, is_probe};
use super::verdict::checker_id;
use crate::config::CheckerSource;
use crate::event::{Action, Notify, Reason};

impl Engine {
    /// Builds the initial state and table and schedules the first probes.
    pub(super) fn start(&mut self, now: Instant, out: &mut Vec<Action>) {
        self.started = true;
        for vi in 0..self.vs.len() {
            self.init_vs_state(vi, now, out);
        }
        self.defer_sync = true;
        for vi in 0..self.vs.len() {
            // keepalived compat: init_service_rs runs the notifiers of the
            // virtual server's live servers before its quorum is set.
            self.init_notifies(vi, |_| true, out);
            self.update_quorum(vi, true, out);
        }
        self.defer_sync = false;
        self.sync_all(&Reason::Start, out);
        // BFD sessions already known are delivered as the BFD process
        // delivers them to keepalived: as events after the start.
        let bfds: Vec<(String, bool)> =
            self.bfds.iter().map(|(n, u)| (n.clone(), *u)).collect();
        for (name, up) in bfds {
            self.apply_bfd(&name, up, out);
        }
    }

    /// One virtual server's start: file values applied, real servers
    /// alive unless a checker failed, quorum state set (set_quorum_states),
    /// probes spread over their warmup.
    fn init_vs_state(
        &mut self,
        vi: usize,
        now: Instant,
        out: &mut Vec<Action>,
    ) {
        let Some(cfg) = self.config.virtual_servers.get(vi).cloned() else {
            return;
        };
        let enabled = self.vs_enabled(vi);
        for (ri, rc) in cfg.real_servers.iter().enumerate() {
            for (ci, cc) in rc.checkers.iter().enumerate() {
                let file = match &cc.source {
                    CheckerSource::File {
                        track_file,
                        weight,
                        reverse,
                    } => self.files.get(track_file).map(|v| {
                        (*v, file_status(*v, *weight, *reverse), *weight)
                    }),
                    _ => None,
                };
                let warmup = is_probe(cc).then(|| {
                    self.config.bootstrap_delay + self.rng.part_of(cc.warmup)
                });
                if warmup.is_some() {
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
                }
                let Some(c) = self
                    .vs
                    .get_mut(vi)
                    .and_then(|v| v.rs.get_mut(ri))
                    .and_then(|r| r.checkers.get_mut(ci))
                else {
                    continue;
                };
                if let Some(d) = warmup {
                    c.next = Some(now + d);
                }
                // keepalived compat: set_track_file_checkers_down and
                // set_track_file_weights only look at non-zero values.
                if let Some((value, status, weight)) = file {
                    if value != 0 && status <= WEIGHT_FAULT {
                        c.up = false;
                    } else if value != 0 && weight != 0 {
                        c.cur_weight = status;
                    }
                }
                if let Some(d) = warmup {
                    self.arm(checker_id(vi, ri, ci), now + d);
                }
            }
        }
        if let Some(st) = self.vs.get_mut(vi) {
            for r in &mut st.rs {
                r.alive = r.num_failed() == 0;
            }
        }
        // keepalived compat: set_quorum_states runs when the configuration
        // is read, before any real server is alive, so every virtual
        // server starts with quorum down and the start pass
        // (update_quorum_state(init)) logs "Gained quorum" and runs
        // quorum_up for those that have it.
        if let Some(st) = self.vs.get_mut(vi) {
            st.quorum_up = false;
        }
    }

    /// `rs_init_notifies` (keepalived's init_service_rs): each real server
    /// of virtual server `vi` that `fresh` selects and that is alive as
    /// it is installed runs its `notify_up` and FIFO line.
    pub(super) fn init_notifies(
        &self,
        vi: usize,
        fresh: impl Fn(usize) -> bool,
        out: &mut Vec<Action>,
    ) {
        let Some(st) = self.vs.get(vi).filter(|_| self.config.rs_init_notifies)
        else {
            return;
        };
        for (ri, rs) in st.rs.iter().enumerate() {
            if fresh(ri) && rs.alive {
                let n = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
                let id = crate::event::RsId {
                    vs: n(vi),
                    rs: n(ri),
                };
                out.push(Action::Notify(Notify::RsUp(id)));
            }
        }
    }

    /// `Event::Stop`: every server removed, omega notifiers, stopped.
    pub(super) fn stop(&mut self, out: &mut Vec<Action>) {
        if self.started {
            self.shut_down_servers(out);
            self.clear_all(&Reason::Stop, out);
        }
        for c in self
            .vs
            .iter_mut()
            .flat_map(|v| v.rs.iter_mut())
            .flat_map(|r| r.checkers.iter_mut())
        {
            c.next = None;
            c.running = None;
        }
        self.timers.clear();
        self.stopped = true;
        out.push(Action::Stopped);
    }

    /// clear_service_rs / update_vs_notifies while stopping: the log
    /// lines, and with `omega` the down notifiers.
    fn shut_down_servers(&mut self, out: &mut Vec<Action>) {
        for (vi, cfg) in self.config.virtual_servers.iter().enumerate() {
            let Some(st) = self.vs.get_mut(vi) else {
                continue;
            };
            let vs_id = u32::try_from(vi).unwrap_or(u32::MAX);
            for (ri, (rc, rs)) in
                cfg.real_servers.iter().zip(&mut st.rs).enumerate()
            {
                let inhibited = if rc.inhibit_on_failure && !rs.alive {
                    "(inhibited) "
                } else {
                    ""
                };
                Self::log(
                    out,
                    format!(
                        "Shutting down {inhibited}service {} from VS {}",
                        rc.name, cfg.name
                    ),
                );
                if rs.alive {
                    rs.alive = false;
                    if cfg.omega {
                        let id = crate::event::RsId {
                            vs: vs_id,
                            rs: u32::try_from(ri).unwrap_or(u32::MAX),
                        };
                        out.push(Action::Notify(Notify::RsDown(id)));
                    }
                }
            }
            st.quorum_up = false;
            st.sorry_active = false;
            if cfg.omega {
                out.push(Action::Notify(Notify::QuorumDown(vs_id)));
            }
        }
    }
}

//! The kernel table as a function of the state: every change to the
//! state is followed by a diff of the desired table against the one
//! installed, so the operations emitted always build [`Engine::table`].
//!
//! The desired destinations follow keepalived's `ipvs_cmd` rules
//! (ipvswrapper.c): a removal of an `inhibit_on_failure` server is a
//! weight-0 edit, an inhibited server is added at weight 0 from the
//! start, the sorry server replaces the live servers while it is in use
//! and stays at weight 0 with `sorry_server_inhibit` otherwise.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

use ka_types::lvs::{DataPlane, Dest, Op, ServiceState, SvcKey};

use super::Engine;
use super::state::{effective_weight, real_weight};
use crate::event::{Action, Reason};

impl Engine {
    /// The destinations virtual server `vi` should have now.
    pub(super) fn desired_dests(
        &self,
        vi: usize,
    ) -> BTreeMap<SocketAddr, Dest> {
        let mut dests = BTreeMap::new();
        let (Some(cfg), Some(st)) =
            (self.config.virtual_servers.get(vi), self.vs.get(vi))
        else {
            return dests;
        };
        for (rc, rs) in cfg.real_servers.iter().zip(&st.rs) {
            let weight = if st.sorry_active {
                // ipwrapper.c perform_quorum_state: the live servers are
                // removed (inhibited ones set to weight 0).
                rc.inhibit_on_failure.then_some(0)
            } else if rs.alive {
                Some(real_weight(effective_weight(rc, rs)))
            } else {
                rc.inhibit_on_failure.then_some(0)
            };
            if let Some(weight) = weight {
                dests.insert(rc.dest.addr, Dest { weight, ..rc.dest });
            }
        }
        if let Some(sorry) = &cfg.sorry_server {
            if st.sorry_active {
                dests.insert(sorry.dest.addr, sorry.dest);
            } else if sorry.inhibit {
                // keepalived compat: a sorry server that is also a real
                // server is left to the real server (s_svr_duplicates_rs).
                dests.entry(sorry.dest.addr).or_insert(Dest {
                    weight: 0,
                    ..sorry.dest
                });
            }
        }
        dests
    }

    /// The services of virtual server `vi` as they should be.
    fn desired_services(&self, vi: usize) -> Vec<ServiceState> {
        let Some(cfg) = self.config.virtual_servers.get(vi) else {
            return Vec::new();
        };
        let dests = self.desired_dests(vi);
        cfg.services
            .iter()
            .map(|s| ServiceState {
                service: s.clone(),
                dests: dests.clone(),
            })
            .collect()
    }

    /// The whole table as it should be.
    pub(super) fn desired_table(&self) -> DataPlane {
        let mut table = DataPlane::default();
        for vi in 0..self.config.virtual_servers.len() {
            for s in self.desired_services(vi) {
                table.services.entry(s.service.key).or_insert(s);
            }
        }
        table
    }

    /// Brings virtual server `vi`'s services in the table to what the
    /// state says, emitting the operations with `reason`.
    pub(super) fn sync_vs(
        &mut self,
        vi: usize,
        reason: &Reason,
        out: &mut Vec<Action>,
    ) {
        if self.defer_sync {
            // Start and reload build the whole table in one pass at the
            // end, with their own reason.
            return;
        }
        let mut want = DataPlane::default();
        for s in self.desired_services(vi) {
            want.services.insert(s.service.key, s);
        }
        let mut have = DataPlane::default();
        for key in want.services.keys() {
            if let Some(s) = self.table.services.get(key) {
                have.services.insert(*key, s.clone());
            }
        }
        let ops = ordered_diff(&have, &want);
        self.emit(ops, reason, out);
    }

    /// Brings the whole table to what the state says.
    pub(super) fn sync_all(&mut self, reason: &Reason, out: &mut Vec<Action>) {
        let want = self.desired_table();
        let ops = ordered_diff(&self.table, &want);
        self.emit(ops, reason, out);
    }

    /// Removes everything installed, destinations before their service.
    pub(super) fn clear_all(&mut self, reason: &Reason, out: &mut Vec<Action>) {
        let ops = ordered_diff(&self.table, &DataPlane::default());
        self.emit(ops, reason, out);
    }

    /// Applies and emits `ops`.
    fn emit(&mut self, ops: Vec<Op>, reason: &Reason, out: &mut Vec<Action>) {
        for op in ops {
            self.table.apply(&op);
            out.push(Action::DataPlane {
                op,
                reason: reason.clone(),
            });
        }
    }
}

/// [`DataPlane::diff`], except that a service going away loses its
/// destinations one by one first, as keepalived's clear_service_vs does.
fn ordered_diff(have: &DataPlane, want: &DataPlane) -> Vec<Op> {
    let gone: BTreeSet<SvcKey> = have
        .services
        .keys()
        .filter(|k| !want.services.contains_key(k))
        .copied()
        .collect();
    let mut ops = Vec::new();
    for key in &gone {
        if let Some(s) = have.services.get(key) {
            ops.extend(s.dests.keys().map(|a| Op::DelDest(*key, *a)));
        }
        ops.push(Op::DelService(*key));
    }
    ops.extend(
        have.diff(want)
            .into_iter()
            .filter(|op| !matches!(op, Op::DelService(k) if gone.contains(k))),
    );
    ops
}

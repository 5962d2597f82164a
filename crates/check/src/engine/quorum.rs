//! Quorum with hysteresis, the sorry server and weight changes:
//! keepalived's update_quorum_state, weigh_live_realservers and
//! update_svr_wgt (ipwrapper.c).

use super::Engine;
use super::state::{effective_weight, real_weight};
use crate::event::{Action, CheckerId, Notify, Reason, RsId};

impl Engine {
    /// keepalived's weigh_live_realservers: the sum of the weights of the
    /// live real servers.
    pub(super) fn weight_sum(&self, vi: usize) -> u64 {
        let (Some(cfg), Some(st)) =
            (self.config.virtual_servers.get(vi), self.vs.get(vi))
        else {
            return 0;
        };
        cfg.real_servers
            .iter()
            .zip(&st.rs)
            .filter(|(_, r)| r.alive)
            .map(|(c, r)| u64::from(real_weight(effective_weight(c, r))))
            .sum()
    }

    /// keepalived's update_quorum_state: gain when the live weight reaches
    /// quorum + hysteresis, loss when it falls below quorum − hysteresis
    /// (or to 0). `init` is the start (or reload) pass, which also puts a
    /// needed sorry server in.
    pub(super) fn update_quorum(
        &mut self,
        vi: usize,
        init: bool,
        out: &mut Vec<Action>,
    ) {
        let Some(cfg) = self.config.virtual_servers.get(vi) else {
            return;
        };
        let (quorum, hyst) = (i64::from(cfg.quorum), i64::from(cfg.hysteresis));
        let has_sorry = cfg.sorry_server.is_some();
        let sorry_inhibit =
            cfg.sorry_server.as_ref().is_some_and(|s| s.inhibit);
        let sorry_name = cfg
            .sorry_server
            .as_ref()
            .map(|s| sorry_fmt(cfg, s))
            .unwrap_or_default();
        let vs_name = cfg.name.clone();
        let sum = i64::try_from(self.weight_sum(vi)).unwrap_or(i64::MAX);
        let Some(st) = self.vs.get_mut(vi) else {
            return;
        };
        let threshold = if st.quorum_up {
            quorum - hyst
        } else {
            quorum + hyst
        };
        let vs_id = u32::try_from(vi).unwrap_or(u32::MAX);
        if !st.quorum_up && sum >= threshold {
            st.quorum_up = true;
            Self::log(
                out,
                format!(
                    "Gained quorum {quorum}+{hyst}={threshold} <= {sum} for VS {vs_name}"
                ),
            );
            if st.sorry_active {
                st.sorry_active = false;
                let verb = if sorry_inhibit {
                    "Disabling"
                } else {
                    "Removing"
                };
                Self::log(
                    out,
                    format!(
                        "{verb} sorry server {sorry_name} from VS {vs_name}"
                    ),
                );
                Self::log(
                    out,
                    format!(
                        "Adding alive servers to the pool for VS {vs_name}"
                    ),
                );
                self.sync_vs(vi, &Reason::Quorum(vs_id), out);
            }
            out.push(Action::Notify(Notify::QuorumUp(vs_id)));
        } else if (st.quorum_up && (sum == 0 || sum < threshold))
            || (init && !st.quorum_up && has_sorry && !st.sorry_active)
        {
            st.quorum_up = false;
            let what = if init {
                "Starting with quorum down"
            } else {
                "Lost quorum"
            };
            Self::log(
                out,
                format!(
                    "{what} {quorum}-{hyst}={threshold} > {sum} for VS {vs_name}"
                ),
            );
            if has_sorry && !st.sorry_active {
                st.sorry_active = true;
                let verb = if sorry_inhibit { "Enabling" } else { "Adding" };
                Self::log(
                    out,
                    format!("{verb} sorry server {sorry_name} to VS {vs_name}"),
                );
                Self::log(
                    out,
                    format!(
                        "Removing alive servers from the pool for VS {vs_name}"
                    ),
                );
                self.sync_vs(vi, &Reason::Quorum(vs_id), out);
            }
            out.push(Action::Notify(Notify::QuorumDown(vs_id)));
        }
    }

    /// keepalived's update_svr_wgt: checker `id`'s part of its real
    /// server's weight becomes `cur`; the table follows if the server is
    /// live and in the pool, then the quorum is re-evaluated.
    pub(super) fn set_dynamic_weight(
        &mut self,
        id: CheckerId,
        cur: i64,
        out: &mut Vec<Action>,
    ) {
        let Some(rc) = self.rs_config(id.rs).cloned() else {
            return;
        };
        let Some(rs) = self.rs_state_mut(id.rs) else {
            return;
        };
        let old = real_weight(effective_weight(&rc, rs));
        let Some(c) = rs.checkers.get_mut(id.checker as usize) else {
            return;
        };
        if c.cur_weight == cur {
            return;
        }
        c.cur_weight = cur;
        let new = real_weight(effective_weight(&rc, rs));
        let alive = rs.alive;
        if new != old {
            self.weight_changed(id.rs, old, new, alive, true, out);
        }
    }

    /// The log line, table edit and (with `quorum`) quorum pass of a
    /// weight change.
    pub(super) fn weight_changed(
        &mut self,
        id: RsId,
        old: u32,
        new: u32,
        alive: bool,
        quorum: bool,
        out: &mut Vec<Action>,
    ) {
        let (rs_name, vs_name) = self.names(id);
        let inactive = if alive { "" } else { "in" };
        Self::log(
            out,
            format!(
                "Changing weight from {old} to {new} for {inactive}active service {rs_name} of VS {vs_name}"
            ),
        );
        let vi = id.vs as usize;
        self.sync_vs(vi, &Reason::Weight(id), out);
        if quorum {
            self.update_quorum(vi, false, out);
        }
    }
}

/// The sorry server's FMT_RS spelling: `[addr]:proto:port`, the protocol
/// the virtual server's (`none` for fwmark services).
pub(super) fn sorry_fmt(
    vs: &crate::config::VsConfig,
    sorry: &crate::config::SorryConfig,
) -> String {
    let proto = match vs.services.first().map(|s| s.key) {
        Some(ka_types::lvs::SvcKey::Addr { proto, .. }) => proto.as_str(),
        // inet_sockaddrtotrio: protocol 0 is spelt "none".
        _ => "none",
    };
    let a = sorry.dest.addr;
    format!("[{}]:{proto}:{}", a.ip(), a.port())
}

//! The engine's state for dumps, metrics and the status API.

use super::Engine;
use super::state::{effective_weight, real_weight};
use crate::event::{CheckerSnapshot, RsSnapshot, Snapshot, VsSnapshot};
use crate::latency::LatencyHistogram;

impl Engine {
    /// Builds the [`Snapshot`].
    pub(super) fn build_snapshot(&self) -> Snapshot {
        let virtual_servers = self
            .config
            .virtual_servers
            .iter()
            .zip(&self.vs)
            .enumerate()
            .map(|(vi, (cfg, st))| {
                let first = cfg
                    .services
                    .first()
                    .and_then(|s| self.table.services.get(&s.key));
                let real_servers = cfg
                    .real_servers
                    .iter()
                    .zip(&st.rs)
                    .map(|(rc, rs)| RsSnapshot {
                        name: rc.name.clone(),
                        alive: rs.alive,
                        weight: real_weight(effective_weight(rc, rs)),
                        in_table: first.is_some_and(|s| {
                            s.dests.contains_key(&rc.dest.addr)
                        }),
                        checkers: rs
                            .checkers
                            .iter()
                            .map(|c| (c.up, c.latency))
                            .collect(),
                        effective_weight: effective_weight(rc, rs),
                        checker_states: rs
                            .checkers
                            .iter()
                            .map(|c| CheckerSnapshot {
                                up: c.up,
                                has_run: c.has_run,
                                cur_weight: c.cur_weight,
                                retry_it: c.retry_it,
                                failed_url: c.failed_url,
                            })
                            .collect(),
                        probe_latency: rs.checkers.iter().fold(
                            LatencyHistogram::default(),
                            |mut h, c| {
                                h.merge(&c.latencies);
                                h
                            },
                        ),
                    })
                    .collect();
                VsSnapshot {
                    name: cfg.name.clone(),
                    quorum_up: st.quorum_up,
                    live_weight: self.weight_sum(vi),
                    sorry_active: st.sorry_active,
                    in_table: first.is_some(),
                    real_servers,
                }
            })
            .collect();
        Snapshot {
            virtual_servers,
            timer_delay: self.timer_delay,
        }
    }
}

//! Verdicts that do not come from probes: FILE_CHECK (track_file.c
//! process_update_checker_track_file_status), BFD_CHECK (check_bfd.c
//! bfd_check_handle_event), and ha_suspend's address watch (check_api.c
//! update_checker_activity).

use std::net::IpAddr;

use super::Engine;
use super::state::{WEIGHT_FAULT, file_status, is_probe};
use super::verdict::checker_id;
use crate::config::CheckerSource;
use crate::event::{Action, CheckerId};

impl Engine {
    /// `Event::TrackFile`.
    pub(super) fn track_file(
        &mut self,
        name: &str,
        value: i64,
        out: &mut Vec<Action>,
    ) {
        let old = self.files.insert(name.to_string(), value).unwrap_or(0);
        if !self.started || old == value {
            return;
        }
        for (id, weight, reverse) in self.file_checkers(name) {
            let prev = file_status(old, weight, reverse);
            let new = file_status(value, weight, reverse);
            if prev == new {
                continue;
            }
            if new <= WEIGHT_FAULT {
                self.update_checker_state(id, false, out);
                if let Some(c) = self.checker_mut(id) {
                    c.cur_weight = 0;
                }
            } else if prev <= WEIGHT_FAULT {
                if let Some(c) = self.checker_mut(id) {
                    c.cur_weight = new;
                }
                self.update_checker_state(id, true, out);
            } else {
                self.set_dynamic_weight(id, new, out);
            }
        }
    }

    /// The FILE_CHECK checkers following `name`, with their weight and
    /// `reverse`.
    fn file_checkers(&self, name: &str) -> Vec<(CheckerId, i32, bool)> {
        let mut found = Vec::new();
        self.each_checker(|id, source| {
            if let CheckerSource::File {
                track_file,
                weight,
                reverse,
            } = source
                && track_file == name
            {
                found.push((id, *weight, *reverse));
            }
        });
        found
    }

    /// Calls `f` for every checker.
    fn each_checker(&self, mut f: impl FnMut(CheckerId, &CheckerSource)) {
        for (vi, v) in self.config.virtual_servers.iter().enumerate() {
            for (ri, r) in v.real_servers.iter().enumerate() {
                for (ci, c) in r.checkers.iter().enumerate() {
                    f(checker_id(vi, ri, ci), &c.source);
                }
            }
        }
    }

    /// `Event::BfdState`.
    pub(super) fn bfd_state(
        &mut self,
        name: &str,
        up: bool,
        out: &mut Vec<Action>,
    ) {
        self.bfds.insert(name.to_string(), up);
        if self.started {
            self.apply_bfd(name, up, out);
        }
    }

    /// A BFD session's state applied to the checkers following it.
    pub(super) fn apply_bfd(
        &mut self,
        name: &str,
        up: bool,
        out: &mut Vec<Action>,
    ) {
        let mut ids = Vec::new();
        self.each_checker(|id, source| {
            if matches!(source, CheckerSource::Bfd { name: n } if n == name) {
                ids.push(id);
            }
        });
        for id in ids {
            let Some(c) = self.checker_mut(id) else {
                continue;
            };
            if c.up == up && c.has_run {
                continue;
            }
            let (rs, _) = self.names(id.rs);
            let state = if up { "UP" } else { "DOWN" };
            Self::log(
                out,
                format!("BFD check of [{name}] RS({rs}) is {state}"),
            );
            self.alerting_update(id, up, out);
        }
    }

    /// `Event::Address`: ha_suspend pauses the checkers of a virtual
    /// server while none of its addresses is on the host; their state
    /// is kept as it is.
    pub(super) fn address(
        &mut self,
        addr: IpAddr,
        present: bool,
        out: &mut Vec<Action>,
    ) {
        let affected: Vec<usize> = self
            .config
            .virtual_servers
            .iter()
            .enumerate()
            .filter(|(_, v)| v.ha_suspend && v.vips.contains(&addr))
            .map(|(i, _)| i)
            .collect();
        let before: Vec<bool> =
            affected.iter().map(|vi| self.vs_enabled(*vi)).collect();
        let n = self.addrs.entry(addr).or_insert(0);
        if present {
            *n = n.saturating_add(1);
        } else {
            *n = n.saturating_sub(1);
        }
        if !self.started {
            return;
        }
        for (vi, was) in affected.into_iter().zip(before) {
            let now = self.vs_enabled(vi);
            if now == was {
                continue;
            }
            let Some(cfg) = self.config.virtual_servers.get(vi) else {
                continue;
            };
            let verb = if now { "Activating" } else { "Suspending" };
            for rc in &cfg.real_servers {
                for _ in rc.checkers.iter().filter(|c| is_probe(c)) {
                    Self::log(
                        out,
                        format!(
                            "{verb} healthchecker for service {} for VS {}",
                            rc.name, cfg.name
                        ),
                    );
                }
            }
        }
    }
}

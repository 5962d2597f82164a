//! Tracker state and priority arithmetic (keepalived `vrrp_track.c`).
//!
//! The engine keeps the current value of every tracked object in a
//! [`TrackState`] and derives, for each instance, the sum of tracker
//! weights and whether a weight-0 tracker holds it in FAULT. Deriving both
//! from the current values is equivalent to keepalived's incremental
//! `total_priority += …` / `num_script_if_fault++` bookkeeping, and cannot
//! drift.

use std::collections::BTreeMap;

use crate::config::{ProcessConfig, ScriptConfig, TrackKind, TrackRef};
use crate::snapshot::{ProcessSnapshot, ScriptSnapshot};

/// A `vrrp_script`'s rise/fall counter (keepalived `vscript->result`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ScriptState {
    rise: u32,
    fall: u32,
    /// 0..=rise+fall-1; OK iff ≥ rise.
    result: u32,
    /// No result yet (keepalived `SCRIPT_INIT_STATE_INIT`).
    init: bool,
}

impl ScriptState {
    /// keepalived `vrrp_init_script`: counter = rise-1 ("one success is
    /// enough"), or failed at once with `init_fail`.
    pub(crate) fn new(cfg: &ScriptConfig) -> Self {
        let rise = cfg.rise.max(1);
        let fall = cfg.fall.max(1);
        Self {
            rise,
            fall,
            result: rise - 1,
            init: !cfg.init_fail,
        }
    }

    /// Apply one exit status; `true` if the OK/failed verdict changed
    /// (keepalived `vrrp_script_child_thread`).
    pub(crate) fn record(&mut self, success: bool) -> bool {
        let was_init = std::mem::replace(&mut self.init, false);
        let top = self.rise + self.fall - 1;
        if success {
            if self.result < self.rise - 1 {
                self.result += 1;
                false
            } else if self.result != top {
                let changed = self.result < self.rise;
                self.result = top;
                changed
            } else {
                false
            }
        } else if self.result > self.rise {
            self.result -= 1;
            false
        } else {
            let changed = self.result == self.rise || was_init;
            self.result = 0;
            changed
        }
    }

    /// `Some(ok)` once decided; `None` while still initialising.
    pub(crate) fn verdict(&self) -> Option<bool> {
        (!self.init).then_some(self.result >= self.rise)
    }

    /// The dump view of this script.
    pub(crate) fn snapshot(&self, name: &str) -> ScriptSnapshot {
        ScriptSnapshot {
            name: name.to_owned(),
            result: self.result,
            rise: self.rise,
            fall: self.fall,
            init: self.init,
        }
    }
}

/// Current values of every tracked object.
#[derive(Clone, Debug, Default)]
pub(crate) struct TrackState {
    /// Interfaces known down (unknown interfaces count as up).
    pub(crate) links_down: BTreeMap<String, bool>,
    pub(crate) scripts: BTreeMap<String, ScriptState>,
    pub(crate) files: BTreeMap<String, i64>,
    pub(crate) process_counts: BTreeMap<String, u32>,
    pub(crate) processes: BTreeMap<String, ProcessConfig>,
    pub(crate) bfd_up: BTreeMap<String, bool>,
}

/// What one instance's trackers add up to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TrackSum {
    /// Σ weights (keepalived `total_priority - base_priority`).
    pub(crate) weight: i64,
    /// A weight-0 tracker (or a file below -253) is failed.
    pub(crate) fault: bool,
    /// A weight-0 script has not reported yet (FAULT without notify).
    pub(crate) initialising: bool,
}

impl TrackState {
    /// The dump view of every tracked process, in name order.
    pub(crate) fn process_snapshots(&self) -> Vec<ProcessSnapshot> {
        self.processes
            .values()
            .map(|p| {
                let count =
                    self.process_counts.get(&p.name).copied().unwrap_or(0);
                ProcessSnapshot {
                    name: p.name.clone(),
                    count,
                    have_quorum: count >= p.quorum && count <= p.quorum_max,
                }
            })
            .collect()
    }

    /// Whether `iface` is up (unknown interfaces are assumed up).
    pub(crate) fn link_up(&self, iface: &str) -> bool {
        !self.links_down.get(iface).copied().unwrap_or(false)
    }

    /// Sum the trackers of one instance.
    pub(crate) fn sum(&self, refs: &[TrackRef]) -> TrackSum {
        let mut s = TrackSum::default();
        for r in refs {
            let mult: i64 = if r.reverse { -1 } else { 1 };
            let w = i64::from(r.weight);
            if let TrackKind::File(name) = &r.kind {
                let v = self.files.get(name).copied().unwrap_or(0);
                match file_status(v, w, mult) {
                    None => s.fault = true,
                    Some(st) => s.weight += st,
                }
                continue;
            }
            let Some(up) = self.up(&r.kind) else {
                // Script still initialising: weight-0 holds the instance
                // in FAULT (num_script_init), weighted adds nothing yet.
                s.initialising |= w == 0;
                continue;
            };
            if w == 0 {
                // keepalived: FAULT when `up != (multiplier == 1)`.
                s.fault |= up != (mult == 1);
            } else if (w > 0 && up) || (w < 0 && !up) {
                // w>0 adds |w|·m while OK; w<0 subtracts |w|·m while failed.
                s.weight += w * mult;
            }
        }
        s
    }

    fn up(&self, kind: &TrackKind) -> Option<bool> {
        match kind {
            TrackKind::Interface(i) => Some(self.link_up(i)),
            TrackKind::Script(n) => self
                .scripts
                .get(n)
                .map_or(Some(false), ScriptState::verdict),
            TrackKind::Process(n) => {
                let count = self.process_counts.get(n).copied().unwrap_or(0);
                let (q, qmax) = self
                    .processes
                    .get(n)
                    .map_or((1, u32::MAX), |p| (p.quorum, p.quorum_max));
                Some(count >= q && count <= qmax)
            }
            // keepalived: a tracked BFD starts down until reported up.
            TrackKind::Bfd(n) => {
                Some(self.bfd_up.get(n).copied().unwrap_or(false))
            }
            TrackKind::File(_) => Some(true),
        }
    }
}

/// keepalived `process_update_vrrp_track_file_status`: value × weight ×
/// multiplier clamped to [-254, 253]; -254 (or a non-zero value with
/// weight 0) means FAULT (`None`).
pub(crate) fn file_status(value: i64, weight: i64, mult: i64) -> Option<i64> {
    if weight == 0 {
        return ((value != 0) != (mult == 1)).then_some(0);
    }
    let st = value
        .saturating_mul(weight)
        .saturating_mul(mult)
        .clamp(-254, 253);
    (st != -254).then_some(st)
}

/// keepalived `vrrp_set_effective_priority`: clamp(base + Σ, 1, 254),
/// except that an address owner (255) never changes.
pub(crate) const fn effective_priority(base: u8, weight: i64) -> u8 {
    if base == 255 {
        return 255;
    }
    let total = base as i64 + weight;
    if total < 1 {
        1
    } else if total >= 255 {
        254
    } else {
        total as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(rise: u32, fall: u32, init_fail: bool) -> ScriptState {
        ScriptState::new(&ScriptConfig {
            name: "s".into(),
            rise,
            fall,
            init_fail,
        })
    }

    #[test]
    fn script_first_result_decides_then_rise_fall() {
        let mut s = script(2, 3, false);
        assert_eq!(s.verdict(), None);
        assert!(s.record(true)); // one success is enough
        assert_eq!(s.verdict(), Some(true));
        assert!(!s.record(false));
        assert!(!s.record(false));
        assert!(s.record(false)); // third failure: fall 3
        assert_eq!(s.verdict(), Some(false));
        assert!(!s.record(true));
        assert!(s.record(true)); // second success: rise 2
        assert_eq!(s.verdict(), Some(true));
    }

    #[test]
    fn script_init_fail_starts_failed() {
        let mut s = script(1, 1, true);
        assert_eq!(s.verdict(), Some(false));
        assert!(s.record(true));
    }

    #[test]
    fn weights_follow_keepalived_signs() {
        let mut t = TrackState::default();
        let refs = [
            TrackRef::new(TrackKind::Interface("eth1".into()), 10),
            TrackRef::new(TrackKind::Interface("eth2".into()), -20),
            TrackRef {
                kind: TrackKind::Interface("eth3".into()),
                weight: 5,
                reverse: true,
            },
        ];
        assert_eq!(t.sum(&refs).weight, 10 - 5);
        t.links_down.insert("eth1".into(), true);
        t.links_down.insert("eth2".into(), true);
        t.links_down.insert("eth3".into(), true);
        assert_eq!(t.sum(&refs).weight, -20);
        assert!(!t.sum(&refs).fault);
    }

    #[test]
    fn file_value_times_weight_and_fault() {
        assert_eq!(file_status(3, 10, 1), Some(30));
        assert_eq!(file_status(-100, 10, 1), None);
        assert_eq!(file_status(1000, 1, 1), Some(253));
        assert_eq!(file_status(0, 0, 1), Some(0));
        assert_eq!(file_status(7, 0, 1), None);
        assert_eq!(file_status(7, 0, -1), Some(0));
    }

    #[test]
    fn effective_priority_clamps_except_owner() {
        assert_eq!(effective_priority(100, -200), 1);
        assert_eq!(effective_priority(100, 200), 254);
        assert_eq!(effective_priority(255, -50), 255);
        assert_eq!(effective_priority(100, 20), 120);
    }
}

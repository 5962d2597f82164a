//! The engine's mutable state, mirroring keepalived's `checker_t` /
//! `real_server_t` / `virtual_server_t` flags (check_api.h, check_data.h).

use std::time::Duration;

use ka_types::Instant;

use crate::config::{CheckerConfig, CheckerSource, RsConfig, VsConfig};

/// keepalived's `IPVS_WEIGHT_FAULT` (`-INT32_MAX - 1`): a tracked-file
/// status at or below it means the checker failed.
pub(super) const WEIGHT_FAULT: i64 = i32::MIN as i64;

/// One virtual server.
#[derive(Clone, Debug, Default)]
pub(super) struct VsState {
    /// keepalived's `quorum_state_up`.
    pub(super) quorum_up: bool,
    /// The sorry server is in use (keepalived's `s_svr->alive`).
    pub(super) sorry_active: bool,
    /// Per real server, in configuration order.
    pub(super) rs: Vec<RsState>,
}

/// One real server.
#[derive(Clone, Debug, Default)]
pub(super) struct RsState {
    /// keepalived's `rs->alive`: counted in the quorum and (unless the
    /// sorry server is in use) in the table at its weight.
    pub(super) alive: bool,
    /// Per checker, in configuration order.
    pub(super) checkers: Vec<CheckerState>,
}

impl RsState {
    /// keepalived's `num_failed_checkers`.
    pub(super) fn num_failed(&self) -> usize {
        self.checkers.iter().filter(|c| !c.up).count()
    }
}

/// A probe started and not answered yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Running {
    /// The token the `StartProbe` carried.
    pub(super) token: u64,
    /// When it started.
    pub(super) started: Instant,
    /// When it counts as failed without an answer.
    pub(super) deadline: Instant,
}

/// One checker.
#[derive(Clone, Debug, Default)]
pub(super) struct CheckerState {
    /// keepalived's `is_up`.
    pub(super) up: bool,
    /// keepalived's `has_run`: a verdict was reached at least once.
    pub(super) has_run: bool,
    /// keepalived's `retry_it`: failures counted towards `retry`.
    pub(super) retry_it: u32,
    /// When the next probe starts (probe checkers, not running).
    pub(super) next: Option<Instant>,
    /// The probe in flight.
    pub(super) running: Option<Running>,
    /// keepalived's `cur_weight`: this checker's part of the real
    /// server's effective weight (misc_dynamic, FILE_CHECK weights).
    pub(super) cur_weight: i64,
    /// Latency of the last answered probe.
    pub(super) latency: Option<Duration>,
    /// HTTP_GET/SSL_GET: keepalived's `url_it`, the url the next
    /// attempt fetches.
    pub(super) url: u32,
    /// HTTP_GET/SSL_GET: keepalived's `failed_url`, the url that failed
    /// for good (a success of it only clears it).
    pub(super) failed_url: Option<u32>,
    /// Latencies of every answered probe (for the metrics).
    pub(super) latencies: crate::latency::LatencyHistogram,
}

impl CheckerState {
    /// When its timer fires: the running probe's deadline, else the next
    /// start.
    pub(super) fn timer(&self) -> Option<Instant> {
        self.running.map(|r| r.deadline).or(self.next)
    }

    /// A checker as keepalived starts it (validate_check_config): alpha
    /// ones failed, and "one failure is enough initially"
    /// (`retry_it = retry`).
    pub(super) fn initial(cfg: &CheckerConfig) -> Self {
        if let CheckerSource::File { .. } = cfg.source {
            // keepalived compat: FILE_CHECK checkers are never alpha and
            // count as run (check_file.c add_rs_to_track_files); their
            // state comes from the file's value.
            return Self {
                up: true,
                has_run: true,
                ..Self::default()
            };
        }
        // keepalived compat: check_data.c sets retry_it = retry at start,
        // so a first failed check downs a server without retries.
        Self {
            up: !cfg.alpha,
            retry_it: cfg.retry,
            ..Self::default()
        }
    }
}

/// keepalived's `real_weight`: an effective weight clamped to what the
/// kernel takes.
pub(super) fn real_weight(effective: i64) -> u32 {
    u32::try_from(effective.clamp(0, i64::from(i32::MAX))).unwrap_or(0)
}

/// keepalived's `effective_weight`: the configured weight plus every
/// checker's dynamic part.
pub(super) fn effective_weight(cfg: &RsConfig, st: &RsState) -> i64 {
    let dynamic: i64 = st.checkers.iter().map(|c| c.cur_weight).sum();
    i64::from(cfg.dest.weight).saturating_add(dynamic)
}

/// A tracked file's status for one FILE_CHECK (track_file.c
/// update_track_file_status): with weight 0 a non-zero value (a zero one
/// with `reverse`) is a fault, otherwise value × weight (negated with
/// `reverse`), clamped to an `int`.
pub(super) fn file_status(value: i64, weight: i32, reverse: bool) -> i64 {
    if weight == 0 {
        return if (value != 0) != reverse {
            WEIGHT_FAULT
        } else {
            0
        };
    }
    let sign: i128 = if reverse { -1 } else { 1 };
    let v = i128::from(value) * i128::from(weight) * sign;
    let clamped = v.clamp(i128::from(i32::MIN), i128::from(i32::MAX));
    i64::try_from(clamped).unwrap_or(WEIGHT_FAULT)
}

/// Whether the checker runs probes (as opposed to following a
/// track_file or a BFD session).
pub(super) fn is_probe(cfg: &CheckerConfig) -> bool {
    matches!(cfg.source, CheckerSource::Probe)
}

/// The fresh state of a virtual server's real servers (before file
/// values are applied).
pub(super) fn initial_rs(vs: &VsConfig) -> Vec<RsState> {
    vs.real_servers
        .iter()
        .map(|rs| RsState {
            alive: false,
            checkers: rs.checkers.iter().map(CheckerState::initial).collect(),
        })
        .collect()
}

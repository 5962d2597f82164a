//! The engine's inputs, outputs and snapshot.

use std::net::IpAddr;
use std::time::Duration;

use ka_types::lvs::Op;
use serde::{Deserialize, Serialize};

use crate::config::CheckConfig;

/// A real server: indexes into [`CheckConfig`] (virtual server, real
/// server). Valid until the next reload.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize
)]
pub struct RsId {
    /// Index of the virtual server.
    pub vs: u32,
    /// Index of the real server in it.
    pub rs: u32,
}

/// A checker: its real server and its index there.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize
)]
pub struct CheckerId {
    /// The real server.
    pub rs: RsId,
    /// Index of the checker in the real server.
    pub checker: u32,
}

/// What a probe found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProbeResult {
    /// Success.
    Up,
    /// Success with a weight (`misc_dynamic` exit status − 2).
    UpWithWeight(u32),
    /// Success, with the line keepalived logs for it while the checker
    /// is down (HTTP_GET/SSL_GET: `HTTP status code success to … url(…)`).
    UpWithLine(String),
    /// Failure, with the words keepalived logs for it.
    Down(String),
}

/// An input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// A probe asked for by [`Action::StartProbe`] finished. `token` is the
    /// one the action carried; a stale token (the checker was reloaded or
    /// stopped since) is ignored.
    ProbeDone {
        /// The checker.
        id: CheckerId,
        /// The token of the start.
        token: u64,
        /// The result.
        result: ProbeResult,
        /// How long it took.
        latency: Duration,
    },
    /// A `track_file`'s value (FILE_CHECK), on start and on every change.
    TrackFile {
        /// The `track_file` name.
        name: String,
        /// The value read.
        value: i64,
    },
    /// A BFD session's state (BFD_CHECK).
    BfdState {
        /// The `bfd_instance` name.
        name: String,
        /// Up or not.
        up: bool,
    },
    /// An address appeared on or left the host (`ha_suspend`).
    Address {
        /// The address.
        addr: IpAddr,
        /// Present now.
        present: bool,
    },
    /// SIGHUP: the new configuration. State is carried over by VS and RS
    /// name; changed weights become table edits, removed servers
    /// deletions, added ones additions, and nothing else is touched.
    Reloaded(Box<CheckConfig>),
    /// STATS_CLEAR.
    ClearStats,
    /// SIGTERM: remove what was installed (unless told otherwise by the
    /// daemon, which may skip the table actions), run `omega` notifiers,
    /// then [`Action::Stopped`].
    Stop,
}

/// Why the table changed, for the logs and the record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reason {
    /// The engine started.
    Start,
    /// A real server's verdict changed.
    Verdict(RsId),
    /// A real server's dynamic weight changed.
    Weight(RsId),
    /// Quorum was gained or lost by a virtual server (index).
    Quorum(u32),
    /// A reload changed the configuration.
    Reload,
    /// The engine is stopping.
    Stop,
}

/// A script/FIFO/mail notification the daemon carries out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Notify {
    /// A real server came up (`notify_up`).
    RsUp(RsId),
    /// A real server went down (`notify_down`).
    RsDown(RsId),
    /// A virtual server gained quorum (`quorum_up`).
    QuorumUp(u32),
    /// A virtual server lost quorum (`quorum_down`).
    QuorumDown(u32),
    /// A reload removed a live real server: its `notify_down` from the
    /// configuration before the reload (by names: the server has no id in
    /// the new one).
    RemovedRsDown {
        /// The virtual server's name.
        vs: String,
        /// The real server's name.
        rs: String,
    },
    /// A reload removed a virtual server that had quorum: its
    /// `quorum_down` from the configuration before the reload.
    RemovedQuorumDown {
        /// The virtual server's name.
        vs: String,
    },
}

/// A checker's verdict change, for the checker's mail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckerAlert {
    /// The checker.
    pub id: CheckerId,
    /// Its new verdict.
    pub up: bool,
    /// Its real server is alive after the change (the mail's subject).
    pub rs_alive: bool,
    /// The change moved the real server (up or down).
    pub rs_changed: bool,
}

/// Severity of a log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LogLevel {
    /// Informational (keepalived's LOG_INFO).
    Info,
    /// Warning.
    Warning,
    /// Error.
    Error,
}

/// An output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Action {
    /// Run one attempt of the checker's probe now; answer with
    /// [`Event::ProbeDone`] carrying `token`.
    StartProbe {
        /// The checker.
        id: CheckerId,
        /// To be returned.
        token: u64,
        /// HTTP_GET/SSL_GET: the index of the one `url` to fetch
        /// (keepalived's `url_it`); 0 for the other kinds.
        #[serde(default)]
        url: u32,
    },
    /// Change the kernel table.
    DataPlane {
        /// The change.
        op: Op,
        /// Why.
        reason: Reason,
    },
    /// Run a notification.
    Notify(Notify),
    /// A checker's own verdict changed (keepalived's checkers call
    /// `smtp_alert` from their epilogs, after the real server's
    /// notifiers): the daemon mails it when the server has `smtp_alert`
    /// and either the server's state changed or `no_checker_emails` is
    /// off.
    CheckerAlert(CheckerAlert),
    /// A line for the log, in keepalived's words.
    Log {
        /// Severity.
        level: LogLevel,
        /// The text.
        message: String,
    },
    /// Stopping is complete.
    Stopped,
}

/// The engine's state for dumps, metrics and the status API.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Per virtual server, in configuration order.
    pub virtual_servers: Vec<VsSnapshot>,
    /// How late checker timers ran after their due time: the event
    /// loop's own lateness, which delays every check it starts
    /// (keepalived keeps no such figure).
    #[serde(default)]
    pub timer_delay: crate::latency::LatencyHistogram,
}

/// One virtual server's state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VsSnapshot {
    /// Its name.
    pub name: String,
    /// Quorum held.
    pub quorum_up: bool,
    /// Sum of the weights of the live real servers.
    pub live_weight: u64,
    /// The sorry server is in use.
    pub sorry_active: bool,
    /// Its service is in the table (keepalived's `vs->alive`).
    #[serde(default)]
    pub in_table: bool,
    /// Per real server.
    pub real_servers: Vec<RsSnapshot>,
}

/// One real server's state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RsSnapshot {
    /// Its name.
    pub name: String,
    /// All checkers up.
    pub alive: bool,
    /// The weight it has now (dynamic weights applied).
    pub weight: u32,
    /// Whether it is in the table (with `inhibit_on_failure`, a dead
    /// server is in the table at weight 0).
    pub in_table: bool,
    /// Per checker: up or not, and the latency of its last probe.
    pub checkers: Vec<(bool, Option<Duration>)>,
    /// keepalived's `effective_weight` (before clamping to the kernel's
    /// range).
    #[serde(default)]
    pub effective_weight: i64,
    /// Per checker, keepalived's state flags (for the dumps).
    #[serde(default)]
    pub checker_states: Vec<CheckerSnapshot>,
    /// Latencies of every answered probe of its checkers.
    #[serde(default)]
    pub probe_latency: crate::latency::LatencyHistogram,
}

/// One checker's state as keepalived's `dump_checker` shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckerSnapshot {
    /// `is_up`.
    pub up: bool,
    /// `has_run`.
    pub has_run: bool,
    /// `cur_weight`.
    pub cur_weight: i64,
    /// `retry_it`.
    pub retry_it: u32,
    /// HTTP_GET/SSL_GET `failed_url` (index of the url).
    pub failed_url: Option<u32>,
}

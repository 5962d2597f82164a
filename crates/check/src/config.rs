//! What the engine runs: built by the daemon (`crates/daemon/src/check/
//! plan`) from a validated configuration, with every inherited value and
//! default already resolved (ka-config's validation fills them).

use std::net::IpAddr;
use std::time::Duration;

use ka_types::lvs::{Dest, Service};
use serde::{Deserialize, Serialize};

/// keepalived's `BOOTSTRAP_DELAY` (check_api.h: `TIMER_HZ`): every
/// checker's first run waits this long plus its random part of `warmup`
/// (`register_checkers_thread`), at start and after a reload.
pub const BOOTSTRAP_DELAY: Duration = Duration::from_secs(1);

/// Every virtual server, in configuration order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckConfig {
    /// The virtual servers.
    pub virtual_servers: Vec<VsConfig>,
    /// The wait before the first checks ([`BOOTSTRAP_DELAY`] in the
    /// daemon; unit tests use zero).
    #[serde(default)]
    pub bootstrap_delay: Duration,
    /// `rs_init_notifies`: a real server alive when it is first installed
    /// (at start, or added by a reload) runs its `notify_up` and FIFO
    /// line.
    #[serde(default)]
    pub rs_init_notifies: bool,
}

/// One `virtual_server` block.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VsConfig {
    /// keepalived's `FMT_VS` text for logs (`[192.0.2.1]:tcp:80`,
    /// `FWM 5`, or the group's spelling); unique, the key that carries
    /// state across a reload.
    pub name: String,
    /// The kernel services it stands for: one, or one per address of a
    /// `virtual_server_group` (ranges expanded, fwmarks included).
    pub services: Vec<Service>,
    /// `quorum` (already capped as keepalived caps it).
    pub quorum: u32,
    /// `hysteresis`.
    pub hysteresis: u32,
    /// `sorry_server`.
    pub sorry_server: Option<SorryConfig>,
    /// `ha_suspend`: checks run only while one of `vips` is local.
    pub ha_suspend: bool,
    /// The addresses whose presence `ha_suspend` watches.
    pub vips: Vec<IpAddr>,
    /// `omega`: quorum-down and real-server-down notifiers at shutdown.
    pub omega: bool,
    /// `smtp_alert` resolved (global default applied).
    pub smtp_alert: bool,
    /// The real servers, in configuration order.
    pub real_servers: Vec<RsConfig>,
}

/// `sorry_server` with its options.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SorryConfig {
    /// The destination (weight: the VS weight).
    pub dest: Dest,
    /// `sorry_server_inhibit`: kept at weight 0 while unused.
    pub inhibit: bool,
}

/// One `real_server` block.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RsConfig {
    /// keepalived's `FMT_RS` text for logs (`[198.51.100.1]:tcp:80`);
    /// unique within its VS, the key across a reload.
    pub name: String,
    /// The destination as configured (its weight is the configured one).
    pub dest: Dest,
    /// `inhibit_on_failure`: weight 0 instead of removal.
    pub inhibit_on_failure: bool,
    /// `smtp_alert` resolved.
    pub smtp_alert: bool,
    /// Its checkers; none means always up.
    pub checkers: Vec<CheckerConfig>,
}

/// One checker block, timers resolved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckerConfig {
    /// The block keyword (`TCP_CHECK`, `HTTP_GET`, …), for logs.
    pub keyword: String,
    /// Where its verdicts come from.
    pub source: CheckerSource,
    /// `delay_loop`.
    pub delay_loop: Duration,
    /// `connect_timeout` (the probe's own bound; the engine uses it only
    /// to know when a started probe is overdue).
    pub connect_timeout: Duration,
    /// `retry`.
    pub retry: u32,
    /// `delay_before_retry`.
    pub delay_before_retry: Duration,
    /// `warmup`: the first check is delayed by a random part of it.
    pub warmup: Duration,
    /// `alpha`: starts failed.
    pub alpha: bool,
    /// `log_all_failures`.
    pub log_all_failures: bool,
    /// `misc_dynamic`: a probe's weight replaces the RS weight.
    pub dynamic: bool,
    /// HTTP_GET/SSL_GET: how many `url` blocks (keepalived checks one per
    /// attempt, [`crate::Action::StartProbe`]'s `url`); 0 for the other
    /// kinds.
    #[serde(default)]
    pub urls: u32,
    /// HTTP_GET/SSL_GET `fast_recovery`: a checker that has not run yet,
    /// or is down without a failed url, checks its next url at once.
    #[serde(default)]
    pub fast_recovery: bool,
}

/// Where a checker's verdicts come from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckerSource {
    /// A probe the daemon runs when asked ([`crate::Action::StartProbe`]).
    Probe,
    /// `FILE_CHECK`: the value of a `track_file`
    /// ([`crate::Event::TrackFile`]).
    File {
        /// The `track_file` name.
        track_file: String,
        /// Its weight (0: non-zero value means down).
        weight: i32,
        /// `reverse`.
        reverse: bool,
    },
    /// `BFD_CHECK`: a BFD session's state ([`crate::Event::BfdState`]).
    Bfd {
        /// The `bfd_instance` name.
        name: String,
    },
}

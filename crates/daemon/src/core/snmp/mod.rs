//! SNMP: keepalived-rs as an AgentX subagent (RFC 2741) of the host's
//! SNMP master agent (net-snmp's snmpd with `master agentx`), serving
//! what keepalived 2.2.7's VRRP process serves: KEEPALIVED-MIB's global
//! and VRRP parts (`enable_snmp_vrrp`), VRRP-MIB (RFC 2787,
//! `enable_snmp_rfcv2`) and VRRPv3-MIB (RFC 6527, `enable_snmp_rfcv3`;
//! `enable_snmp_rfc` is both), and sending keepalived's notifications
//! with `enable_traps`. The protocol is `ka_agentx` (sans-IO); this
//! module connects ([`conn`]), runs sessions ([`session`]) with
//! reconnection ([`agent`]), fills the MIB from [`Operator::status`]
//! ([`mib`]) and turns bus signals into notifications ([`traps`]).
//! docs/snmp.md says what is served and what is not.

mod agent;
mod conn;
pub mod endpoint;
mod errors;
pub mod mib;
mod session;
pub mod traps;

use std::time::{Duration, SystemTime};

use ka_config::model::global::GlobalDefs;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use self::endpoint::Endpoint;
use self::mib::Parts;
use super::bus::Signal;
use super::log::target;
use super::operator::Operator;

/// keepalived runs its subagent in the VRRP process.
const TARGET: &str = target::VRRP;

/// How long the process waits at shutdown for the STOP notifications
/// and the Close to go out.
const FINISH_WAIT: Duration = Duration::from_secs(2);

/// What the configuration asks of the subagent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// The master's address (`snmp_socket`).
    pub endpoint: Endpoint,
    /// The MIB parts served.
    pub parts: Parts,
    /// `enable_traps`.
    pub traps: bool,
    /// `-D`: log each notification sent, as keepalived does.
    pub detail: bool,
}

impl Settings {
    /// The subagent `g` asks for; `None` when it asks for none
    /// (keepalived starts it for `enable_snmp_vrrp`, `_rfcv2`, `_rfcv3`
    /// or `_rfc`; `enable_snmp_checker`'s tables are not served by
    /// keepalived-rs, see `ka_config`'s warning). A `snmp_socket`
    /// keepalived-rs cannot use is logged and runs no subagent.
    pub fn from_globals(g: &GlobalDefs, detail: bool) -> Option<Self> {
        let s = &g.snmp;
        let parts = Parts {
            // keepalived: the VRRP process serves the global part when it
            // serves KEEPALIVED-MIB (`vrrp_handles_global_oid`).
            global: s.vrrp,
            vrrp: s.vrrp,
            rfcv2: s.rfcv2 || s.rfc,
            rfcv3: s.rfcv3 || s.rfc,
        };
        if parts == Parts::default() {
            return None;
        }
        match Endpoint::parse(s.socket.as_deref()) {
            Ok(endpoint) => Some(Self {
                endpoint,
                parts,
                traps: s.enable_traps,
                detail,
            }),
            Err(e) => {
                tracing::error!(target: TARGET, "SNMP: {e}; no SNMP subagent runs");
                None
            }
        }
    }
}

/// The running subagent.
#[derive(Debug)]
pub struct Handle {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Handle {
    /// Sends the notifications still queued and Close, then ends the
    /// task (bounded: [`FINISH_WAIT`]).
    pub async fn finish(self) {
        let _ = self.stop.send(());
        let mut task = self.task;
        if tokio::time::timeout(FINISH_WAIT, &mut task).await.is_err() {
            task.abort();
        }
    }
}

/// Starts the subagent; `signals` must be subscribed to the bus before
/// the frameworks start, so the first state notifications are not lost.
pub fn start(
    op: &Operator,
    settings: Settings,
    signals: UnboundedReceiver<Signal>,
) -> Handle {
    let (stop, stop_rx) = oneshot::channel();
    let shared = session::Shared {
        op: op.clone(),
        settings,
        facts: traps::TrapFacts::default(),
        errors: errors::ErrorLog::default(),
        start: SystemTime::now(),
    };
    let task = tokio::spawn(agent::run(shared, signals, stop_rx));
    Handle { stop, task }
}

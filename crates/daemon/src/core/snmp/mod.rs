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

/// SNMP options of the command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandLine {
    /// `-x`: every MIB part, as if each `enable_snmp_*` were set.
    pub all: bool,
    /// `-A`: the master's socket; it wins over `snmp_socket`.
    pub socket: Option<String>,
}

impl Settings {
    /// The subagent `g` and the command line `cli` ask for; `None` when
    /// they ask for none (keepalived starts it for `enable_snmp_vrrp`,
    /// `_rfcv2`, `_rfcv3`, `_rfc` or `-x`; `enable_snmp_checker`'s tables
    /// are not served by keepalived-rs, see `ka_config`'s warning). A
    /// socket keepalived-rs cannot use is logged and runs no subagent.
    pub fn from_globals(
        g: &GlobalDefs,
        cli: &CommandLine,
        detail: bool,
    ) -> Option<Self> {
        let s = &g.snmp;
        let parts = Parts {
            // keepalived: the VRRP process serves the global part when it
            // serves KEEPALIVED-MIB (`vrrp_handles_global_oid`).
            global: s.vrrp || cli.all,
            vrrp: s.vrrp || cli.all,
            rfcv2: s.rfcv2 || s.rfc || cli.all,
            rfcv3: s.rfcv3 || s.rfc || cli.all,
        };
        if parts == Parts::default() {
            return None;
        }
        if cli.all {
            // keepalived compat: -x enables the checker MIB too.
            tracing::warn!(target: TARGET, "SNMP: -x asks for the checker MIB too, which keepalived-rs does not serve yet");
        }
        // keepalived compat: -A is set before the configuration is read,
        // and `snmp_socket` cannot replace it ("SNMP socket already set").
        let socket = cli.socket.as_deref().or(s.socket.as_deref());
        match Endpoint::parse(socket) {
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

#[cfg(test)]
mod tests {
    use ka_config::model::global::GlobalDefs;

    use super::{CommandLine, Endpoint, Parts, Settings};

    #[test]
    fn keywords_and_command_line_choose_the_parts_and_socket() {
        let mut g = GlobalDefs::default();
        let none = CommandLine::default();
        assert_eq!(
            Settings::from_globals(&g, &none, false),
            None,
            "traps alone start nothing"
        );
        g.snmp.rfc = true;
        g.snmp.socket = Some("tcp:127.0.0.1:705".into());
        let s = Settings::from_globals(&g, &none, false).expect("rfc");
        let rfc = Parts {
            rfcv2: true,
            rfcv3: true,
            ..Parts::default()
        };
        assert_eq!(s.parts, rfc);
        assert_eq!(s.endpoint, Endpoint::Tcp("127.0.0.1".into(), 705));
        // -x: every part; -A wins over snmp_socket.
        let cli = CommandLine {
            all: true,
            socket: Some("/tmp/m".into()),
        };
        let s = Settings::from_globals(&g, &cli, false).expect("-x");
        assert_eq!(
            s.parts,
            Parts {
                global: true,
                vrrp: true,
                rfcv2: true,
                rfcv3: true
            }
        );
        assert_eq!(s.endpoint, Endpoint::Unix("/tmp/m".into()));
        // A socket keepalived-rs cannot use runs no subagent.
        g.snmp.socket = Some("udp:localhost:705".into());
        assert_eq!(Settings::from_globals(&g, &none, false), None);
    }
}

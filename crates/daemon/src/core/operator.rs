//! The operator's interfaces to the running process (the control socket
//! behind `keepalived-rs ctl`, the metrics endpoint): they ask the
//! supervising loop through an [`Operator`] handle, as signals do, so the
//! frameworks keep one owner.

use tokio::sync::{mpsc, oneshot};

use super::control::{Plan, Snapshot};

/// The process's state as an operator sees it: every running engine's
/// snapshot and the plan each framework last loaded (names, interfaces,
/// addresses come from the plan, live state from the snapshot).
#[derive(Clone, Debug)]
pub struct Status {
    /// Every running framework's engine state.
    pub snapshot: Snapshot,
    /// The plans the running frameworks were last given; a framework that
    /// does not run has `None` here.
    pub plan: Plan,
    /// When the process started (a reload does not change it).
    pub started: std::time::SystemTime,
}

/// Why a reload asked by an operator changed nothing.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{0}")]
pub struct ReloadError(pub String);

/// One request from an operator's interface.
#[derive(Debug)]
pub enum Query {
    /// The state of every running framework.
    Status(oneshot::Sender<Status>),
    /// Reload the configuration as SIGHUP does; answered once the new
    /// plan was handed to the frameworks (or refused).
    Reload(oneshot::Sender<Result<(), ReloadError>>),
    /// Write a VRRP dump file as SIGUSR1 / SIGUSR2 do; answered once it
    /// is written.
    Print(Print, oneshot::Sender<()>),
    /// Send one round of gratuitous ARP / NA for a VRRP instance (if it
    /// is MASTER); answered once the VRRP loop was asked.
    SendGarp(String, oneshot::Sender<()>),
}

/// Which VRRP dump an operator asks for (DBus `PrintData`, `PrintStats`,
/// `PrintStatsClear`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Print {
    /// `keepalived.data`.
    Data,
    /// `keepalived.stats`.
    Stats,
    /// `keepalived.stats`, then VRRP's counters are zeroed.
    StatsClear,
}

/// A cloneable handle that operator interfaces hold; the supervising loop
/// holds the receiving end.
#[derive(Clone, Debug)]
pub struct Operator {
    tx: mpsc::Sender<Query>,
}

/// How many operator requests may wait for the loop; a full queue makes
/// the asker wait, never the frameworks.
const QUEUE: usize = 64;

impl Operator {
    /// A handle and the receiver the supervising loop reads.
    pub fn channel() -> (Self, mpsc::Receiver<Query>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        (Self { tx }, rx)
    }

    /// The process's state; `None` once the process is stopping.
    pub async fn status(&self) -> Option<Status> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(Query::Status(tx)).await.ok()?;
        rx.await.ok()
    }

    /// Reloads the configuration as SIGHUP does; `None` once the process
    /// is stopping.
    pub async fn reload(&self) -> Option<Result<(), ReloadError>> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(Query::Reload(tx)).await.ok()?;
        rx.await.ok()
    }

    /// Writes a VRRP dump file; `None` once the process is stopping.
    pub async fn print(&self, what: Print) -> Option<()> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(Query::Print(what, tx)).await.ok()?;
        rx.await.ok()
    }

    /// Asks VRRP to send one round of gratuitous ARP / NA for `instance`
    /// now (nothing unless it is MASTER); `None` once the process is
    /// stopping.
    pub async fn send_garp(&self, instance: &str) -> Option<()> {
        let (tx, rx) = oneshot::channel();
        let q = Query::SendGarp(instance.to_owned(), tx);
        self.tx.send(q).await.ok()?;
        rx.await.ok()
    }
}

/// Starts the operator interfaces `opts` asks for, each on its own task
/// holding a clone of `op`. (The control socket, the metrics endpoint and
/// the SNMP subagent start here; `snmp` is the subagent's settings and
/// its bus subscription, made before the frameworks started.)
pub fn serve(
    op: &Operator,
    opts: &super::process::DaemonOptions,
    snmp: Option<(super::snmp::Settings, super::bus::Subscription)>,
) -> Option<super::snmp::Handle> {
    if let Some(path) = &opts.control_socket {
        super::control_socket::start(op, path);
    }
    super::metrics::start(op, opts.metrics_listen);
    snmp.map(|(settings, rx)| super::snmp::start(op, settings, rx))
}

//! keepalived's DBus interface (`enable_dbus`, `dbus_service_name`):
//! the VRRP process on the system bus, as keepalived 2.2.7 exports it
//! (`keepalived/vrrp/vrrp_dbus.c`, `keepalived/dbus/*.xml`).
//!
//! * `names.rs`: the service, object paths and state numbers;
//! * `vrrp_object.rs`: `org.keepalived.Vrrp1.Vrrp` (`PrintData`,
//!   `PrintStats`, `PrintStatsClear`, `ReloadConfig`; `VrrpStarted`,
//!   `VrrpReloaded`, `VrrpStopped`);
//! * `instance_object.rs`: `org.keepalived.Vrrp1.Instance` per VRRP
//!   instance (`SendGarp`, `Name`, `State`, `VrrpStatusChange`);
//! * `task.rs`: the task that follows the bus (instance states, reloads)
//!   and keeps the objects in step.
//!
//! The objects ask the process through an [`Operator`] handle, as the
//! control socket does. The system bus is the one `DBUS_SYSTEM_BUS_ADDRESS`
//! names, else `/run/dbus/system_bus_socket` (keepalived's GDBus reads the
//! same variable).

use std::future::Future;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use zbus::fdo;

use super::bus::Bus;
use super::operator::Operator;

mod instance_object;
mod names;
mod task;
mod vrrp_object;

/// How long a DBus call waits for the process to answer (the process
/// answers at once unless it is stopping).
const ASK_WAIT: Duration = Duration::from_secs(5);

/// How long the stop waits for the last signals to go out.
const STOP_WAIT: Duration = Duration::from_secs(2);

/// The running DBus task.
#[derive(Debug)]
pub struct Handle {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// Starts the DBus task: it follows `bus` (subscribed now, so nothing
/// published from here on is missed) and exports the objects while the
/// running configuration has `enable_dbus`. `namespace` is the network
/// namespace the process runs in (`-s`, `net_namespace`): it is part of
/// the object paths.
pub fn start(op: &Operator, bus: &Bus, namespace: Option<String>) -> Handle {
    let signals = bus.subscribe();
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(task::run(op.clone(), signals, stopped, namespace));
    Handle { stop, task }
}

impl Handle {
    /// Sends what is left (the instances' STOP, `VrrpStopped`) and leaves
    /// the bus; call it once the frameworks have stopped. Bounded by
    /// [`STOP_WAIT`].
    pub async fn stop(mut self) {
        let _ = self.stop.send(());
        if tokio::time::timeout(STOP_WAIT, &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
    }
}

/// keepalived compat (GDBus checks a call against the introspection
/// data): a method that takes no arguments refuses a call that has some,
/// with GDBus's words.
fn no_arguments(header: &zbus::message::Header<'_>) -> fdo::Result<()> {
    let sig = header.signature().to_string();
    if sig.is_empty() {
        return Ok(());
    }
    Err(fdo::Error::InvalidArgs(format!(
        "Type of message, \u{201c}({sig})\u{201d}, does not match expected type \u{201c}()\u{201d}"
    )))
}

/// Asks the process; a process that is stopping (or does not answer in
/// [`ASK_WAIT`]) is a DBus error for the caller.
async fn ask<T>(q: impl Future<Output = Option<T>>) -> fdo::Result<T> {
    match tokio::time::timeout(ASK_WAIT, q).await {
        Ok(Some(v)) => Ok(v),
        Ok(None) | Err(_) => {
            Err(fdo::Error::Failed("keepalived-rs is stopping".into()))
        }
    }
}

//! The task behind the DBus interface: it connects when the running
//! configuration has `enable_dbus`, exports the objects, turns the bus's
//! instance states into `VrrpStatusChange`, follows reloads (objects come
//! and go with the instances, then `VrrpReloaded`) and says `VrrpStopped`
//! at the end. Log lines are keepalived's (`vrrp_dbus.c`), including its
//! "on the session bus" for what is the system bus.

use std::collections::BTreeMap;

use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::oneshot;
use zbus::fdo::{RequestNameFlags, RequestNameReply};
use zbus::object_server::SignalEmitter;

use super::ask;
use super::instance_object::InstanceObject;
use super::names::{self, Found, INSTANCE_INTERFACE, Paths};
use super::vrrp_object::VrrpObject;
use crate::core::bus::{NotifyState, Signal};
use crate::core::log::target;
use crate::core::operator::{Operator, Status};

/// At most this many states wait for a reload's end.
const PENDING_MAX: usize = 256;

/// Runs until `stopped` fires (or its sender is dropped).
pub(super) async fn run(
    op: Operator,
    mut signals: UnboundedReceiver<Signal>,
    mut stopped: oneshot::Receiver<()>,
    namespace: Option<String>,
) {
    let mut live: Option<Live> = None;
    // keepalived compat: DBus starts with the configuration that enables
    // it, at start or at a reload that turns it on, and stops at a reload
    // that turns it off; a failed start is not retried.
    let mut enabled = false;
    if let Ok(status) = ask(op.status()).await
        && let Some(service) = names::service(&status)
    {
        enabled = true;
        live = Live::start(
            &op,
            &service,
            &status,
            namespace.as_deref(),
            &mut signals,
        )
        .await;
    }
    loop {
        let sig = tokio::select! {
            _ = &mut stopped => break,
            sig = signals.recv() => sig,
        };
        match sig {
            Some(Signal::VrrpNotify {
                group: false,
                name,
                state,
            }) => {
                if let Some(l) = &mut live {
                    l.state_changed(&name, state).await;
                }
            }
            Some(Signal::VrrpReloaded) => {
                let Ok(status) = ask(op.status()).await else {
                    continue;
                };
                let service = names::service(&status);
                let on = service.is_some();
                match (live.is_some(), service) {
                    (true, Some(_)) => {
                        if let Some(l) = &mut live {
                            l.reloaded(&status).await;
                        }
                    }
                    (true, None) => {
                        if let Some(l) = live.take() {
                            l.stop().await;
                        }
                    }
                    (false, Some(service)) if !enabled => {
                        live = Live::start(
                            &op,
                            &service,
                            &status,
                            namespace.as_deref(),
                            &mut signals,
                        )
                        .await;
                    }
                    (false, _) => {}
                }
                enabled = on;
            }
            Some(_) => {}
            None => break,
        }
    }
    if let Some(mut l) = live {
        // The instances' STOP notifications, published before the stop.
        while let Ok(sig) = signals.try_recv() {
            if let Signal::VrrpNotify {
                group: false,
                name,
                state,
            } = sig
            {
                l.state_changed(&name, state).await;
            }
        }
        l.stop().await;
    }
}

/// The connection while DBus runs.
struct Live {
    conn: zbus::Connection,
    op: Operator,
    paths: Paths,
    /// Instance objects: path to the name of the instance it was made
    /// for.
    objects: BTreeMap<String, String>,
    /// States announced by instances without an object yet (new in a
    /// reload whose `VrrpReloaded` has not come): sent once it has.
    pending: Vec<(String, u32)>,
}

impl Live {
    /// Connects, exports the objects, sends `VrrpStarted` and the states,
    /// then takes the name (keepalived `on_bus_acquired`, then
    /// `on_name_acquired` / `on_name_lost`). `None`: DBus does not run
    /// (logged); the daemon goes on without it.
    async fn start(
        op: &Operator,
        service: &str,
        status: &Status,
        namespace: Option<&str>,
        signals: &mut UnboundedReceiver<Signal>,
    ) -> Option<Self> {
        let conn = match connect().await {
            Ok(c) => c,
            Err(e) => {
                tracing::info!(target: target::VRRP, "Lost the name {service} on the session bus");
                tracing::debug!(target: target::VRRP, "cannot connect to the system bus: {e}");
                return None;
            }
        };
        tracing::info!(target: target::VRRP, "Acquired DBus bus {service}");
        // States announced before now are in the status asked next.
        while signals.try_recv().is_ok() {}
        let fresh = ask(op.status()).await.ok();
        let status = fresh.as_ref().unwrap_or(status);
        let instance = names::instance_name(status);
        let mut live = Self {
            conn,
            op: op.clone(),
            paths: Paths::new(namespace, instance.as_deref()),
            objects: BTreeMap::new(),
            pending: Vec::new(),
        };
        let vrrp = live.paths.vrrp();
        let object = VrrpObject::new(op.clone());
        if let Err(e) =
            live.conn.object_server().at(vrrp.as_str(), object).await
        {
            tracing::info!(target: target::VRRP, "Registering VRRP object on {vrrp} failed: {e}");
        }
        let found = names::instances(status);
        for f in &found {
            live.add(f).await;
        }
        // keepalived compat: no instance, no VrrpStarted.
        if !found.is_empty() {
            live.emit_vrrp(Vrrp::Started).await;
            for f in &found {
                let path = live.paths.instance(&f.key);
                live.emit_state(&path, f.state).await;
            }
        }
        if live.take_name(service).await {
            tracing::info!(target: target::VRRP, "Acquired the name {service} on the session bus");
            Some(live)
        } else {
            tracing::info!(target: target::VRRP, "Lost the name {service} on the session bus");
            live.remove_all().await;
            None
        }
    }

    /// Asks for `service`; keepalived queues behind an owner and drops
    /// its objects, so here an owned name is simply not taken.
    async fn take_name(&self, service: &str) -> bool {
        let flags = RequestNameFlags::DoNotQueue.into();
        matches!(
            self.conn.request_name_with_flags(service, flags).await,
            Ok(RequestNameReply::PrimaryOwner | RequestNameReply::AlreadyOwner)
        )
    }

    /// Exports the object of `f` (keepalived `dbus_create_object`).
    async fn add(&mut self, f: &Found) {
        let path = self.paths.instance(&f.key);
        let object = InstanceObject::new(self.op.clone(), f.key.clone());
        match self.conn.object_server().at(path.as_str(), object).await {
            Ok(_) => {
                self.objects.insert(path, f.name.clone());
            }
            Err(e) => {
                tracing::info!(target: target::VRRP, "Registering DBus object on {path} failed: {e}");
            }
        }
    }

    /// `VrrpStatusChange` on the instance's object; an instance without
    /// one waits for the end of its reload.
    async fn state_changed(&mut self, instance: &str, state: NotifyState) {
        let n = names::announced(state);
        match self.path_of(instance) {
            Some(path) => self.emit_state(&path, n).await,
            None => {
                // Bounded: an instance whose object could not be made
                // would otherwise add one per state change.
                if self.pending.len() >= PENDING_MAX {
                    self.pending.remove(0);
                }
                self.pending.push((instance.to_owned(), n));
            }
        }
    }

    fn path_of(&self, instance: &str) -> Option<String> {
        self.objects
            .iter()
            .find(|(_, name)| name.as_str() == instance)
            .map(|(path, _)| path.clone())
    }

    /// After a reload: objects of instances gone are removed, new ones
    /// added (silently, as keepalived), an object whose instance was
    /// renamed follows it; then `VrrpReloaded` and the states that waited
    /// for it.
    async fn reloaded(&mut self, status: &Status) {
        let found = names::instances(status);
        let wanted: BTreeMap<String, &Found> = found
            .iter()
            .map(|f| (self.paths.instance(&f.key), f))
            .collect();
        let gone: Vec<(String, String)> = self
            .objects
            .iter()
            .filter(|(path, _)| !wanted.contains_key(*path))
            .map(|(p, n)| (p.clone(), n.clone()))
            .collect();
        for (path, name) in gone {
            self.remove(&path).await;
            tracing::info!(target: target::VRRP, "Deleted DBus object for instance {name}");
        }
        for (path, f) in &wanted {
            match self.objects.get_mut(path) {
                Some(name) => name.clone_from(&f.name),
                None => self.add(f).await,
            }
        }
        self.emit_vrrp(Vrrp::Reloaded).await;
        for (instance, n) in std::mem::take(&mut self.pending) {
            if let Some(path) = self.path_of(&instance) {
                self.emit_state(&path, n).await;
            }
        }
    }

    async fn remove(&mut self, path: &str) {
        self.objects.remove(path);
        let server = self.conn.object_server();
        let _ = server.remove::<InstanceObject, _>(path).await;
    }

    async fn remove_all(&mut self) {
        let paths: Vec<String> = self.objects.keys().cloned().collect();
        for path in paths {
            self.remove(&path).await;
        }
        let vrrp = self.paths.vrrp();
        let _ = self
            .conn
            .object_server()
            .remove::<VrrpObject, _>(vrrp.as_str())
            .await;
    }

    /// keepalived `dbus_stop`: objects removed, `VrrpStopped`, the
    /// connection closed.
    async fn stop(mut self) {
        self.remove_all().await;
        self.emit_vrrp(Vrrp::Stopped).await;
        if let Err(e) = self.conn.close().await {
            tracing::debug!(target: target::VRRP, "closing the DBus connection: {e}");
        }
        tracing::info!(target: target::VRRP, "Released DBus");
    }

    async fn emit_state(&self, path: &str, n: u32) {
        let sent = match SignalEmitter::new(&self.conn, path) {
            Ok(e) => InstanceObject::vrrp_status_change(&e, n).await,
            Err(e) => Err(e),
        };
        if let Err(e) = sent {
            emit_failed(INSTANCE_INTERFACE, "VrrpStatusChange", path, &e);
        }
    }

    async fn emit_vrrp(&self, which: Vrrp) {
        let path = self.paths.vrrp();
        let sent = match SignalEmitter::new(&self.conn, path.as_str()) {
            Ok(e) => match which {
                Vrrp::Started => VrrpObject::vrrp_started(&e).await,
                Vrrp::Reloaded => VrrpObject::vrrp_reloaded(&e).await,
                Vrrp::Stopped => VrrpObject::vrrp_stopped(&e).await,
            },
            Err(e) => Err(e),
        };
        if let Err(e) = sent {
            emit_failed(names::VRRP_INTERFACE, which.member(), &path, &e);
        }
    }
}

/// The VRRP object's signals.
#[derive(Clone, Copy, Debug)]
enum Vrrp {
    Started,
    Reloaded,
    Stopped,
}

impl Vrrp {
    const fn member(self) -> &'static str {
        match self {
            Self::Started => "VrrpStarted",
            Self::Reloaded => "VrrpReloaded",
            Self::Stopped => "VrrpStopped",
        }
    }
}

/// keepalived's words when a signal cannot go out.
fn emit_failed(interface: &str, member: &str, path: &str, e: &zbus::Error) {
    tracing::info!(target: target::VRRP, "Emitting DBus signal {interface}.{member} on {path} failed: {e}");
}

/// How long connecting to the bus may take (a bus that accepts and
/// never answers must not hold the task).
const CONNECT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// A connection to the system bus (`DBUS_SYSTEM_BUS_ADDRESS`, else the
/// standard socket), without a name yet.
async fn connect() -> zbus::Result<zbus::Connection> {
    let build = zbus::connection::Builder::system()?.build();
    match tokio::time::timeout(CONNECT_WAIT, build).await {
        Ok(c) => c,
        Err(_) => Err(zbus::Error::Failure(format!(
            "no answer from the bus in {CONNECT_WAIT:?}"
        ))),
    }
}

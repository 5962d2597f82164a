//! `org.keepalived.Vrrp1.Vrrp` on `/org/keepalived/Vrrp1/Vrrp`: the dump
//! methods, the reload, and the process's signals (keepalived
//! `org.keepalived.Vrrp1.Vrrp.xml`, as Debian builds it: without
//! `--enable-dbus-create-instance`, so no `CreateInstance` /
//! `DestroyInstance`).

use zbus::fdo;
use zbus::object_server::SignalEmitter;

use zbus::message::Header;

use super::{ask, no_arguments};
use crate::core::log::target;
use crate::core::operator::{Operator, Print};

/// The VRRP object.
pub(super) struct VrrpObject {
    op: Operator,
}

impl VrrpObject {
    /// The object, asking the process through `op`.
    pub(super) fn new(op: Operator) -> Self {
        Self { op }
    }

    async fn print(&self, what: Print) -> fdo::Result<()> {
        ask(self.op.print(what)).await
    }
}

#[zbus::interface(
    name = "org.keepalived.Vrrp1.Vrrp",
    introspection_docs = false
)]
impl VrrpObject {
    /// Writes the data dump (`keepalived.data`), as SIGUSR1 does.
    async fn print_data(
        &self,
        #[zbus(header)] h: Header<'_>,
    ) -> fdo::Result<()> {
        no_arguments(&h)?;
        tracing::info!(target: target::VRRP, "Printing VRRP data on DBus request");
        self.print(Print::Data).await
    }

    /// Writes the statistics (`keepalived.stats`), as SIGUSR2 does.
    async fn print_stats(
        &self,
        #[zbus(header)] h: Header<'_>,
    ) -> fdo::Result<()> {
        no_arguments(&h)?;
        tracing::info!(target: target::VRRP, "Printing VRRP stats on DBus request");
        self.print(Print::Stats).await
    }

    /// Writes the statistics, then zeroes VRRP's counters.
    async fn print_stats_clear(
        &self,
        #[zbus(header)] h: Header<'_>,
    ) -> fdo::Result<()> {
        no_arguments(&h)?;
        tracing::info!(target: target::VRRP, "Printing and clearing VRRP stats on DBus request");
        self.print(Print::StatsClear).await
    }

    /// Reloads the configuration as SIGHUP does. keepalived compat: the
    /// reply goes out first (keepalived replies, then signals its
    /// parent), so the caller never waits for the reload.
    async fn reload_config(
        &self,
        #[zbus(header)] h: Header<'_>,
    ) -> fdo::Result<()> {
        no_arguments(&h)?;
        let op = self.op.clone();
        tokio::spawn(async move { op.reload().await });
        Ok(())
    }

    /// Sent once the objects are on the bus (only when there are
    /// instances, as keepalived does).
    #[zbus(signal)]
    pub(super) async fn vrrp_started(e: &SignalEmitter<'_>)
    -> zbus::Result<()>;

    /// Sent after a reload, once the instance objects follow it.
    #[zbus(signal)]
    pub(super) async fn vrrp_reloaded(
        e: &SignalEmitter<'_>,
    ) -> zbus::Result<()>;

    /// Sent when VRRP stops, after every instance's STOP.
    #[zbus(signal)]
    pub(super) async fn vrrp_stopped(e: &SignalEmitter<'_>)
    -> zbus::Result<()>;
}

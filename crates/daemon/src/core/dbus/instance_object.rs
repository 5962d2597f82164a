//! `org.keepalived.Vrrp1.Instance` on
//! `/org/keepalived/Vrrp1/Instance/<interface>/<vrid>/<IPv4|IPv6>`: one
//! object per VRRP instance (keepalived `org.keepalived.Vrrp1.Instance.xml`).
//! Like keepalived, an object finds its instance by interface, VRID and
//! family at each call, so it follows the instance across reloads.

use zbus::fdo;
use zbus::object_server::SignalEmitter;

use zbus::message::Header;

use super::names::{self, Found, Key};
use super::{ask, no_arguments};
use crate::core::log::target;
use crate::core::operator::Operator;

/// One instance's object.
pub(super) struct InstanceObject {
    op: Operator,
    key: Key,
}

impl InstanceObject {
    /// The object for the instance `key` names, asking through `op`.
    pub(super) fn new(op: Operator, key: Key) -> Self {
        Self { op, key }
    }

    /// The running instance behind the object. keepalived compat: an
    /// object whose instance is gone answers InvalidArgs "Instance
    /// 'eth0/51/IPv4' not found".
    async fn found(&self) -> fdo::Result<Found> {
        let status = ask(self.op.status()).await?;
        names::instances(&status)
            .into_iter()
            .find(|f| f.key == self.key)
            .ok_or_else(|| {
                fdo::Error::InvalidArgs(format!(
                    "Instance '{}' not found",
                    self.key
                ))
            })
    }
}

#[zbus::interface(
    name = "org.keepalived.Vrrp1.Instance",
    introspection_docs = false
)]
impl InstanceObject {
    /// Sends one gratuitous ARP / unsolicited NA per VIP now, if the
    /// instance is MASTER (keepalived `vrrp_send_link_update(vrrp, 1)`).
    async fn send_garp(
        &self,
        #[zbus(header)] h: Header<'_>,
    ) -> fdo::Result<()> {
        no_arguments(&h)?;
        let found = self.found().await?;
        tracing::info!(target: target::VRRP, "Sending garps on {} on DBus request", found.name);
        ask(self.op.send_garp(&found.name)).await
    }

    /// The instance's name. keepalived compat: keepalived declares `s`
    /// but answers a one-string structure `(s)`; clients written against
    /// it unpack that, so the value is the same here (and the
    /// introspection says what is sent).
    #[zbus(property)]
    async fn name(&self) -> fdo::Result<(String,)> {
        Ok((self.found().await?.name,))
    }

    /// The state: keepalived's number and word (`2, "Master"`).
    #[zbus(property)]
    async fn state(&self) -> fdo::Result<(u32, String)> {
        let n = self.found().await?.state;
        Ok((n, names::state_name(n).to_owned()))
    }

    /// Sent on each instance notification (MASTER, BACKUP, FAULT, STOP,
    /// DELETED), with the state's number.
    #[zbus(signal)]
    pub(super) async fn vrrp_status_change(
        e: &SignalEmitter<'_>,
        status: u32,
    ) -> zbus::Result<()>;
}

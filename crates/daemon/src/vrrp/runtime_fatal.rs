//! Shutdown after the event loop panicked.
//!
//! The panic hook has logged the panic. What is left is keepalived's
//! shutdown, as far as the state allows: the engine resigns (priority 0
//! adverts, addresses removed, STOP notifies) if it still can; if the
//! engine panics again, every address the plan configures is removed
//! without it. Then the usual path: statics, kernel barrier, nftables
//! tables, VMACs.

use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use ka_types::Instant;
use ka_vrrp::{Action, Engine, Event};

use super::{Io, Runtime};
use crate::log::target;

impl<I: Io> Runtime<I> {
    /// Runs the shutdown path with an engine that may be inconsistent.
    pub(super) async fn shutdown_after_panic(
        &mut self,
        engine: &mut Engine,
        now: Instant,
        out: &mut Vec<Action>,
    ) {
        tracing::error!(target: target::VRRP, "VRRP event loop failed: shutting down");
        out.clear();
        let resigned = std::panic::catch_unwind(AssertUnwindSafe(|| {
            engine.handle(now, Event::ShutdownRequested, out);
        }));
        if resigned.is_err() {
            out.clear();
            out.extend(self.release_all());
        }
        let done = AssertUnwindSafe(self.shutdown(out)).catch_unwind().await;
        if done.is_err() {
            tracing::error!(target: target::VRRP, "shutdown after a failure failed too: addresses may be left behind");
        }
    }

    /// Removal of every address the plan gives an instance, for when the
    /// engine cannot say which it holds.
    fn release_all(&self) -> Vec<Action> {
        self.setup
            .addresses
            .iter()
            .map(|((instance, addr), d)| Action::DelAddress {
                instance: instance.clone(),
                iface: d.dev.clone(),
                addr: *addr,
                prefix_len: d.prefix_len,
            })
            .collect()
    }
}

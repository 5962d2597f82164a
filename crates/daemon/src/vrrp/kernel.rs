//! Ordered kernel changes: addresses, virtual routes and rules, and the
//! nftables firewall scripts.
//!
//! One task applies them in the order the engine asked for them, so the
//! event loop never waits on netlink and a VIP added then removed is never
//! applied out of order. Failures are logged with their context; the
//! engine's state does not depend on them (keepalived behaves the same).
//!
//! Virtual routes and rules are applied with iproute2 (`ip route`, `ip
//! rule`): keepalived's route and rule syntax *is* iproute2's, and letting
//! `ip` parse it keeps every option keepalived accepts working. This is a
//! runtime dependency on iproute2 that a native netlink encoder will
//! remove.

use std::io;

use ka_sys::netlink::{Netlink, NlError};
use tokio::sync::mpsc;

use super::io::KernelOp;
use crate::core::log::target;

/// Why a kernel change failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum KernelError {
    /// An address change failed.
    #[error(transparent)]
    Netlink(#[from] NlError),
    /// `ip` could not be run.
    #[error("ip {object} {verb} {spec}: {source}")]
    IpSpawn {
        /// `route` or `rule`.
        object: &'static str,
        /// `replace`, `add` or `del`.
        verb: &'static str,
        /// The route or rule text.
        spec: String,
        /// Why it could not run.
        source: io::Error,
    },
    /// `ip` refused the change.
    #[error("ip {object} {verb} {spec}: {stderr}")]
    IpFailed {
        /// `route` or `rule`.
        object: &'static str,
        /// `replace`, `add` or `del`.
        verb: &'static str,
        /// The route or rule text.
        spec: String,
        /// What `ip` wrote on standard error, trimmed.
        stderr: String,
    },
}

/// Starts the worker; send it [`KernelOp`]s.
pub(crate) fn spawn(nl: Netlink) -> mpsc::UnboundedSender<KernelOp> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut nft_timeouts = 0;
        while let Some(op) = rx.recv().await {
            // A panic in one change is reported by the panic hook (and
            // stops the daemon); the worker lives on for the shutdown's
            // address removals.
            let one =
                std::panic::AssertUnwindSafe(apply(&nl, op, &mut nft_timeouts));
            let _ = futures::FutureExt::catch_unwind(one).await;
        }
    });
    tx
}

async fn apply(nl: &Netlink, op: KernelOp, nft_timeouts: &mut u64) {
    let result = match op {
        KernelOp::Nft(script) => {
            nft(&script, nft_timeouts).await;
            Ok(())
        }
        KernelOp::AddAddr(a) => nl.add_address(&a).await.map_err(Into::into),
        KernelOp::DelAddr(a) => nl.del_address(&a).await.map_err(Into::into),
        KernelOp::Route { add, spec } => iproute("route", add, &spec).await,
        KernelOp::Rule { add, spec } => iproute("rule", add, &spec).await,
        KernelOp::Barrier(done) => {
            let _ = done.send(());
            Ok(())
        }
    };
    if let Err(e) = result {
        tracing::error!(target: target::VRRP, "{e}");
    }
}

/// Runs one firewall script; failures are logged (the firewall's own
/// words) and hung runs counted.
async fn nft(script: &str, timeouts: &mut u64) {
    match ka_sys::nft::apply(script).await {
        Ok(()) => {}
        Err(e) => {
            if let ka_sys::nft::NftError::Timeout(_) = &e {
                *timeouts += 1;
                tracing::warn!(target: target::VRRP, "nft hung and was killed ({timeouts} times so far)");
            }
            tracing::error!(target: target::VRRP, "cannot update the nftables firewall: {e}");
        }
    }
}

async fn iproute(
    object: &'static str,
    add: bool,
    spec: &str,
) -> Result<(), KernelError> {
    let verb = if add { "replace" } else { "del" };
    // `ip rule` has no replace: add, tolerating "File exists".
    let verb = if object == "rule" && add { "add" } else { verb };
    let family = if spec.contains(':') { "-6" } else { "-4" };
    let out = tokio::process::Command::new("ip")
        .arg(family)
        .arg(object)
        .arg(verb)
        .args(spec.split_whitespace())
        .output()
        .await
        .map_err(|source| KernelError::IpSpawn {
            object,
            verb,
            spec: spec.to_owned(),
            source,
        })?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let benign =
        stderr.contains("File exists") || (!add && stderr.contains("No such"));
    if out.status.success() || benign {
        Ok(())
    } else {
        Err(KernelError::IpFailed {
            object,
            verb,
            spec: spec.to_owned(),
            stderr: stderr.trim().to_owned(),
        })
    }
}

#[cfg(test)]
#[path = "kernel_tests.rs"]
mod tests;

//! The subagent's life: connect, run a session, and when the master goes
//! away (or is not there yet) try again after a bounded backoff, as
//! net-snmp's subagent does for keepalived.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::oneshot;

use super::conn::Conn;
use super::session::{self, End, Shared};
use crate::core::bus::Signal;

/// The first retry waits this long, each failed one doubles it up to
/// [`RETRY_MAX`]. keepalived (net-snmp) always waits 15 s
/// (`agentxPingInterval` retries); keepalived-rs retries sooner at first.
const RETRY_FIRST: Duration = Duration::from_secs(1);

/// The longest wait between two attempts (net-snmp's 15 s).
const RETRY_MAX: Duration = Duration::from_secs(15);

/// Runs until `stop` fires.
pub(crate) async fn run(
    mut sh: Shared,
    mut signals: UnboundedReceiver<Signal>,
    mut stop: oneshot::Receiver<()>,
) {
    tracing::info!(target: super::TARGET, "Starting SNMP subagent");
    let endpoint = sh.settings.endpoint.clone();
    let mut wait = RETRY_FIRST;
    // Whether the last failure to connect was logged (net-snmp logs the
    // first one, then stays quiet until it connects again).
    let mut quiet = false;
    loop {
        let opened = match Conn::connect(&endpoint).await {
            Ok(mut conn) => match session::open(&mut conn, &sh).await {
                Ok(()) => Ok(conn),
                Err(e) => Err(e.to_string()),
            },
            Err(e) => Err(e.to_string()),
        };
        let mut lost = None;
        match opened {
            Ok(mut conn) => {
                tracing::info!(target: super::TARGET, "keepalived-rs {} AgentX subagent connected", env!("CARGO_PKG_VERSION"));
                quiet = false;
                wait = RETRY_FIRST;
                match session::serve(
                    &mut conn,
                    &mut sh,
                    &mut signals,
                    &mut stop,
                )
                .await
                {
                    End::Stopped => return,
                    End::Lost(why) => lost = Some(why),
                }
            }
            Err(e) => {
                if !quiet {
                    tracing::warn!(target: super::TARGET, "Warning: Failed to connect to the agentx master agent ({endpoint}): {e}");
                    quiet = true;
                }
            }
        }
        if let Some(why) = lost {
            tracing::debug!(target: super::TARGET, "AgentX session ended: {why}");
            tracing::warn!(target: super::TARGET, "AgentX master disconnected us, reconnecting in {}", wait.as_secs());
        }
        if !pause(wait, &mut sh, &mut signals, &mut stop).await {
            return;
        }
        wait = (wait * 2).min(RETRY_MAX);
    }
}

/// Waits `d`, dropping the notifications asked meanwhile (net-snmp drops
/// a notification it has no session for); `false` when the process
/// stops. Signals published while the first connection is being made
/// wait in the channel and go out once the session is open.
async fn pause(
    d: Duration,
    sh: &mut Shared,
    signals: &mut UnboundedReceiver<Signal>,
    stop: &mut oneshot::Receiver<()>,
) -> bool {
    let until = tokio::time::Instant::now() + d;
    loop {
        tokio::select! {
            _ = &mut *stop => return false,
            () = tokio::time::sleep_until(until) => return true,
            Some(sig) = signals.recv() => {
                let n = session::notifications(sh, sig).await.len();
                if n > 0 {
                    tracing::debug!(target: super::TARGET, "no AgentX session: {n} SNMP notification(s) dropped");
                }
            }
        }
    }
}

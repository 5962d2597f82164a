//! The bounded queue from the VRRP sockets' receive tasks to the loop.
//!
//! While the loop awaits something (a kernel barrier, `nft`), the receive
//! tasks keep reading. An unbounded queue let an on-link flood grow
//! memory without limit; here at most [`RX_QUEUE`] inputs wait, newer
//! ones are dropped and counted, and the count is logged at most every
//! [`LOG_EVERY`]. Dropping at the queue is what the kernel does at a full
//! socket buffer: the adverts that matter come again every interval.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::time::Instant;

use super::io::RxInput;
use crate::core::log::target;

/// Inputs that may wait for the loop.
pub(crate) const RX_QUEUE: usize = 1024;

/// At most one "queue full" line per this long.
pub(crate) const LOG_EVERY: Duration = Duration::from_secs(10);

/// The loop is gone (the runtime is ending).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Closed;

/// The sending side, one clone per receive task.
#[derive(Clone, Debug)]
pub(crate) struct RxSender {
    tx: mpsc::Sender<RxInput>,
    drops: Arc<Drops>,
}

#[derive(Debug, Default)]
struct Drops {
    count: AtomicU64,
    /// When the count was last logged.
    logged: Mutex<Option<Instant>>,
}

/// A queue of `capacity` inputs.
pub(crate) fn channel(capacity: usize) -> (RxSender, mpsc::Receiver<RxInput>) {
    let (tx, rx) = mpsc::channel(capacity);
    let drops = Arc::new(Drops::default());
    (RxSender { tx, drops }, rx)
}

impl RxSender {
    /// Queues `input` without waiting; a full queue drops it (counted,
    /// logged at most every [`LOG_EVERY`]).
    pub(crate) fn send(&self, input: RxInput) -> Result<(), Closed> {
        match self.tx.try_send(input) {
            Ok(()) => Ok(()),
            Err(TrySendError::Closed(_)) => Err(Closed),
            Err(TrySendError::Full(_)) => {
                let n = self.drops.count.fetch_add(1, Ordering::Relaxed) + 1;
                self.log(n);
                Ok(())
            }
        }
    }

    /// Inputs dropped so far because the queue was full (for the stats
    /// dump once it has a place for it; the log says it meanwhile).
    #[cfg(test)]
    pub(crate) fn dropped(&self) -> u64 {
        self.drops.count.load(Ordering::Relaxed)
    }

    fn log(&self, total: u64) {
        let now = Instant::now();
        let mut last = self
            .drops
            .logged
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if last.is_some_and(|t| now.duration_since(t) < LOG_EVERY) {
            return;
        }
        *last = Some(now);
        tracing::warn!(target: target::VRRP, "VRRP receive queue full ({RX_QUEUE} packets waiting): {total} received packets dropped so far");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vrrp::io::RxError;

    fn input(ifindex: u32) -> RxInput {
        RxInput::Error(RxError {
            ifindex,
            source: std::io::Error::other("test"),
        })
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_queue_drops_and_counts_newer_inputs() {
        let (tx, mut rx) = channel(4);
        for i in 0..10 {
            tx.send(input(i)).unwrap();
        }
        assert_eq!(tx.dropped(), 6);
        let mut got = Vec::new();
        while let Ok(RxInput::Error(e)) = rx.try_recv() {
            got.push(e.ifindex);
        }
        assert_eq!(got, [0, 1, 2, 3]);
        // Room again: accepted.
        tx.send(input(10)).unwrap();
        assert_eq!(tx.dropped(), 6);
        drop(rx);
        assert_eq!(tx.send(input(11)), Err(Closed));
    }
}

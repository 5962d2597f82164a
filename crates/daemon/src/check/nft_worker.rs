//! The nftables table applied off the event loop.
//!
//! A whole-table `nft` transaction costs about half a second at 1,000
//! services × 10 real servers. Awaited in the loop, it held up every probe
//! result and timer behind it, so with many real servers a burst of
//! verdicts made checks late, late checks failed, and each failure cost
//! one more apply (check-bench at 10,000 servers). Here the loop only
//! hands the desired table over; one task applies the newest table each
//! time it is free (tables asked for meanwhile are skipped: each one
//! replaces the whole table anyway), and a removal is waited for at
//! stop.

use std::time::Duration;

use ka_lvs_nft::Synced;
use ka_types::lvs::DataPlane;
use tokio::sync::watch;

use crate::core::log::target;

/// How long a stop waits for the table's removal (`nft` itself is killed
/// after a few seconds).
const REMOVE_WAIT: Duration = Duration::from_secs(15);

/// The desired state: a table, or none (removed).
type Want = (u64, Option<DataPlane>);

/// The loop's side of the worker.
#[derive(Debug)]
pub(crate) struct NftWorker {
    want: watch::Sender<Want>,
    applied: watch::Receiver<u64>,
    generation: u64,
}

impl NftWorker {
    /// Starts the worker task (on the current runtime).
    pub(crate) fn spawn() -> Self {
        let (want, mut want_rx) = watch::channel::<Want>((0, None));
        let (applied_tx, applied) = watch::channel(0u64);
        tokio::spawn(async move {
            let mut synced = Synced::new();
            while want_rx.changed().await.is_ok() {
                let (generation, table) = want_rx.borrow_and_update().clone();
                let result = match &table {
                    Some(t) => synced.sync(t).await.map(|_| ()),
                    None => synced.remove().await,
                };
                if let Err(e) = result {
                    tracing::error!(target: target::CHECK, "nftables data plane: {e}");
                }
                let _ = applied_tx.send(generation);
            }
        });
        Self {
            want,
            applied,
            generation: 0,
        }
    }

    /// Asks for `table`; returns at once.
    pub(crate) fn apply(&mut self, table: &DataPlane) {
        self.generation += 1;
        let _ = self.want.send((self.generation, Some(table.clone())));
    }

    /// Asks for the table's removal and waits (bounded) until it is done.
    pub(crate) async fn remove(&mut self) {
        self.generation += 1;
        let target = self.generation;
        let _ = self.want.send((target, None));
        let done = self.applied.wait_for(|g| *g >= target);
        if tokio::time::timeout(REMOVE_WAIT, done).await.is_err() {
            tracing::error!(target: target::CHECK, "nftables data plane: the table was not removed within {REMOVE_WAIT:?}");
        }
    }
}

//! One key's notify scripts, run one after another by one task, with
//! both the queue and each script bounded.
//!
//! keepalived runs notify scripts fire-and-forget (no queue, no timeout:
//! `notify_exec`), so neither grows in keepalived itself; the ordering
//! this daemon adds must not bring back what keepalived never has:
//!
//! - at most [`MAX_PENDING`] notifications wait per key; when a flapping
//!   instance outruns a slow script, the oldest waiting one is dropped
//!   (never the one running), so the latest state is always delivered,
//!   and each drop is logged with the running count;
//! - a script that runs past the limit ([`super::notify::ORDER_WAIT`])
//!   is killed with its process group: SIGTERM, then SIGKILL if still
//!   there 2 s later (`ka_sys::script`), instead of being left running
//!   while the next starts.
//!
//! keepalived compat: keepalived lets a hung notify script run forever;
//! here it is killed after the limit (docs/compat.md).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use ka_sys::script::{ScriptOutcome, ScriptSpec, run};
use tokio::sync::{Notify, oneshot};

use super::framework::Framework;

/// Notifications that may wait behind a running one, per key.
pub const MAX_PENDING: usize = 16;

/// The scripts of one notification and who waits for them.
#[derive(Debug)]
pub struct Batch {
    /// Run in order.
    pub scripts: Vec<ScriptSpec>,
    /// Fired when they have all ended (dropped if the batch is dropped).
    pub done: oneshot::Sender<()>,
}

/// What the queue's task and its owner share.
#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    wake: Notify,
}

#[derive(Debug, Default)]
struct State {
    pending: VecDeque<Batch>,
    /// Batches dropped because the queue was full, since the start.
    dropped: u64,
    /// The owner went away: finish what is queued, then end.
    closed: bool,
}

/// A key's queue; dropping it lets the task finish the queued batches
/// and end.
#[derive(Debug)]
pub struct ScriptQueue {
    shared: Arc<Shared>,
    framework: Framework,
    label: String,
}

impl ScriptQueue {
    /// Starts the task for `label` (e.g. `VI_1`, for the log, under
    /// `framework`), killing each script that runs longer than `limit`.
    /// Must be called inside a tokio runtime.
    pub fn spawn(framework: Framework, label: String, limit: Duration) -> Self {
        let shared = Arc::new(Shared::default());
        let task = drain(Arc::clone(&shared), framework, label.clone(), limit);
        tokio::spawn(task);
        Self {
            shared,
            framework,
            label,
        }
    }

    /// Queues `batch` behind the ones already there; when
    /// [`MAX_PENDING`] are waiting, the oldest waiting one is dropped.
    pub fn push(&self, batch: Batch) {
        let dropped = {
            let mut st = lock(&self.shared);
            st.pending.push_back(batch);
            if st.pending.len() > MAX_PENDING {
                st.pending.pop_front();
                st.dropped += 1;
                Some(st.dropped)
            } else {
                None
            }
        };
        if let Some(total) = dropped {
            self.framework.warn(format_args!(
                "({}) notify queue full ({MAX_PENDING} waiting): the scripts of an older transition were dropped ({total} dropped so far)",
                self.label
            ));
        }
        self.shared.wake.notify_one();
    }

    /// Batches dropped so far because the queue was full.
    pub fn dropped(&self) -> u64 {
        lock(&self.shared).dropped
    }
}

impl Drop for ScriptQueue {
    fn drop(&mut self) {
        lock(&self.shared).closed = true;
        self.shared.wake.notify_one();
    }
}

fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, State> {
    // A panic while holding the lock cannot leave the queue inconsistent
    // (every change is one push or pop).
    shared.state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The task: runs batches in order until the queue is closed and empty.
async fn drain(
    shared: Arc<Shared>,
    fw: Framework,
    label: String,
    limit: Duration,
) {
    loop {
        let next = {
            let mut st = lock(&shared);
            match st.pending.pop_front() {
                Some(b) => Some(b),
                None if st.closed => return,
                None => None,
            }
        };
        match next {
            Some(batch) => run_batch(batch, fw, &label, limit).await,
            None => shared.wake.notified().await,
        }
    }
}

async fn run_batch(batch: Batch, fw: Framework, label: &str, limit: Duration) {
    for mut spec in batch.scripts {
        let name = spec.argv.first().cloned().unwrap_or_default();
        spec.timeout = Some(spec.timeout.map_or(limit, |t| t.min(limit)));
        match run(&spec).await {
            ScriptOutcome::SpawnFailed(e) => fw.warn(format_args!(
                "({label}) notify script {name} failed to start: {e}"
            )),
            ScriptOutcome::TimedOut => fw.warn(format_args!(
                "({label}) notify script {name} still running after {}s; killed",
                limit.as_secs_f64()
            )),
            ScriptOutcome::Exited(_) | ScriptOutcome::Signalled(_) => {}
        }
    }
    let _ = batch.done.send(());
}

#[cfg(test)]
#[path = "script_queue_tests.rs"]
mod tests;

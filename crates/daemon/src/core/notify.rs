//! Ordered notify scripts and the notify FIFO, for any framework.
//!
//! keepalived runs notify scripts fire-and-forget, so a `notify_backup`
//! can overtake the `notify_master` before it (issues #996, #1055). Here
//! each key (a VRRP instance or sync group, later a checker's real
//! server) has its own queue: its scripts run one after another in the
//! order they were pushed, never two at once for the same key; different
//! keys run in parallel. The FIFO line is written at once, in order, as
//! keepalived does.
//!
//! A script that runs longer than [`ORDER_WAIT`] no longer holds up the
//! queue: a warning is logged and the next one starts (the slow one is
//! left running, as keepalived would leave it).

use std::collections::HashMap;
use std::fs::File;
use std::hash::Hash;
use std::io::Write;
use std::time::Duration;

use ka_sys::script::{ScriptOutcome, ScriptSpec, run};
use tokio::sync::{mpsc, oneshot};

use super::framework::Framework;

/// How long a notify script may hold up the next one for its key.
pub const ORDER_WAIT: Duration = Duration::from_secs(60);

/// One queue of scripts per key, and the FIFO; one per framework.
#[derive(Debug)]
pub struct Queues<K> {
    framework: Framework,
    queues: HashMap<K, mpsc::UnboundedSender<Batch>>,
    fifo: Option<File>,
}

impl<K: Hash + Eq> Queues<K> {
    /// No queue yet; `fifo` gets every line pushed. Failures are logged
    /// under `framework`.
    pub fn new(framework: Framework, fifo: Option<File>) -> Self {
        Self {
            framework,
            queues: HashMap::new(),
            fifo,
        }
    }

    /// Writes `fifo_line` to the FIFO now and queues `scripts` to run in
    /// order after every script queued before for `key`. The receiver
    /// fires when they have finished; `None` when there is nothing to run.
    /// Must be called inside a tokio runtime.
    pub fn push(
        &mut self,
        key: K,
        fifo_line: &str,
        scripts: Vec<ScriptSpec>,
    ) -> Option<oneshot::Receiver<()>> {
        if let Some(f) = &mut self.fifo
            && let Err(e) = f.write_all(fifo_line.as_bytes())
        {
            self.framework
                .warn(format_args!("notify fifo write failed: {e}"));
        }
        if scripts.is_empty() {
            return None;
        }
        let framework = self.framework;
        let tx = self.queues.entry(key).or_insert_with(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(run_queue(framework, rx));
            tx
        });
        let (done_tx, done_rx) = oneshot::channel();
        tx.send(Batch {
            scripts,
            done: done_tx,
        })
        .ok()?;
        Some(done_rx)
    }
}

/// The scripts of one notification and who waits for them.
#[derive(Debug)]
struct Batch {
    scripts: Vec<ScriptSpec>,
    done: oneshot::Sender<()>,
}

async fn run_queue(fw: Framework, mut rx: mpsc::UnboundedReceiver<Batch>) {
    while let Some(batch) = rx.recv().await {
        for spec in batch.scripts {
            let name = spec.argv.first().cloned().unwrap_or_default();
            let task = tokio::spawn(async move { run(&spec).await });
            match tokio::time::timeout(ORDER_WAIT, task).await {
                Ok(Ok(ScriptOutcome::SpawnFailed(e))) => fw.warn(format_args!(
                    "notify script {name} failed to start: {e}"
                )),
                Ok(_) => {}
                Err(_) => fw.warn(format_args!(
                    "notify script {name} still running after {}s; not waiting for it",
                    ORDER_WAIT.as_secs()
                )),
            }
        }
        let _ = batch.done.send(());
    }
}

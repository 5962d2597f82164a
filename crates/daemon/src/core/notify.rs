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
//! A script that runs longer than [`ORDER_WAIT`] is killed (SIGTERM, then
//! SIGKILL) and the next one starts; at most
//! [`MAX_PENDING`](crate::core::script_queue::MAX_PENDING) notifications
//! wait per key, the oldest dropped first ([`crate::core::script_queue`]).

use std::collections::HashMap;
use std::hash::Hash;
use std::time::Duration;

use ka_sys::script::ScriptSpec;
use tokio::sync::oneshot;

use super::fifo::Fifo;
use super::framework::Framework;
use super::script_queue::{Batch, ScriptQueue};

/// How long a notify script may run (and hold up the next one for its
/// key) before it is killed.
pub const ORDER_WAIT: Duration = Duration::from_secs(60);

/// One queue of scripts per key, and the FIFO; one per framework.
#[derive(Debug)]
pub struct Queues<K> {
    framework: Framework,
    queues: HashMap<K, ScriptQueue>,
    fifo: Option<Fifo>,
}

impl<K: Hash + Eq> Queues<K> {
    /// No queue yet; `fifo` gets every line pushed. Failures are logged
    /// under `framework`.
    pub fn new(framework: Framework, fifo: Option<Fifo>) -> Self {
        Self {
            framework,
            queues: HashMap::new(),
            fifo,
        }
    }

    /// Writes `line` to the FIFO only.
    pub fn fifo_line(&mut self, line: &str) {
        if let Some(f) = &mut self.fifo {
            f.write_line(line);
        }
    }

    /// Writes `fifo_line` to the FIFO now and queues `scripts` to run in
    /// order after every script queued before for `key` (`label` names
    /// it in the log). The receiver fires when they have finished; `None`
    /// when there is nothing to run. Must be called inside a tokio
    /// runtime.
    pub fn push(
        &mut self,
        key: K,
        label: &str,
        fifo_line: &str,
        scripts: Vec<ScriptSpec>,
    ) -> Option<oneshot::Receiver<()>> {
        if let Some(f) = &mut self.fifo {
            f.write_line(fifo_line);
        }
        if scripts.is_empty() {
            return None;
        }
        let framework = self.framework;
        let queue = self.queues.entry(key).or_insert_with(|| {
            ScriptQueue::spawn(framework, label.to_owned(), ORDER_WAIT)
        });
        let (done_tx, done_rx) = oneshot::channel();
        queue.push(Batch {
            scripts,
            done: done_tx,
        });
        Some(done_rx)
    }
}

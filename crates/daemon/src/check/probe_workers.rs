//! Threads that run the probes: each a current-thread tokio runtime
//! driven by its own thread, so that the kernel's work for thousands of
//! connects a second (most of a check's CPU) spreads over the cores while
//! the engine's loop stays on the main runtime. Probes are handed out in
//! turn and sent over in batches ([`Workers::flush`], once per engine
//! step): one wake-up of a probe thread per batch, not per probe. On a
//! single core there are no probe threads: they could only take turns
//! with the main thread, and each hand-over (an eventfd write and a
//! context switch each way) would cost more than the probe itself.

use std::future::Future;
use std::pin::Pin;
use std::thread::JoinHandle;

use tokio::runtime::{Builder, Handle};
use tokio::sync::oneshot;

use crate::core::framework::Framework;

/// At most this many probe threads (and one per core).
const MAX_WORKERS: usize = 4;

/// A probe's task, as queued for a probe thread.
type Task = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// One probe thread: its runtime's handle and what ends it.
#[derive(Debug)]
struct Worker {
    handle: Handle,
    /// Dropped to end the thread (its runtime is dropped there, outside
    /// any async context, and the tasks still on it with it).
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// The probe threads; none when they cannot be started (the probes then
/// run on the caller's runtime).
#[derive(Default)]
pub(crate) struct Workers {
    workers: Vec<Worker>,
    next: usize,
    /// Tasks not yet sent, per probe thread.
    pending: Vec<Vec<Task>>,
}

impl std::fmt::Debug for Workers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workers")
            .field("workers", &self.workers)
            .field("pending", &self.pending.iter().map(Vec::len).sum::<usize>())
            .finish()
    }
}

/// How many probe threads for `cores` cores: one per core, at most
/// [`MAX_WORKERS`], and none on one core.
fn threads_for(cores: usize) -> usize {
    if cores <= 1 {
        0
    } else {
        cores.min(MAX_WORKERS)
    }
}

impl Workers {
    /// The probe threads for this machine's cores ([`threads_for`]).
    pub(crate) fn start() -> Self {
        let cores = std::thread::available_parallelism()
            .map_or(1, std::num::NonZeroUsize::get);
        Self::with_threads(threads_for(cores))
    }

    /// `n` probe threads (fewer if some cannot be started).
    pub(crate) fn with_threads(n: usize) -> Self {
        let mut workers = Vec::with_capacity(n);
        for i in 0..n {
            match spawn(i) {
                Ok(w) => workers.push(w),
                Err(e) => {
                    Framework::Check.error(format_args!(
                        "cannot start probe thread {i}: {e}; probes run on the main thread"
                    ));
                    break;
                }
            }
        }
        let pending = workers.iter().map(|_| Vec::new()).collect();
        Self {
            workers,
            next: 0,
            pending,
        }
    }

    /// Queues `task` for the next probe thread (until [`Self::flush`]),
    /// or spawns it on the current runtime when there is none.
    pub(crate) fn spawn<F>(&mut self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        if self.workers.is_empty() {
            tokio::spawn(task);
            return;
        }
        self.next = (self.next + 1) % self.workers.len();
        if let Some(q) = self.pending.get_mut(self.next) {
            q.push(Box::pin(task));
        }
    }

    /// Sends the queued tasks: one task per probe thread that has some,
    /// which spawns them there (a spawn from another thread wakes the
    /// probe thread with a write to its eventfd; spawns on its own
    /// runtime do not).
    pub(crate) fn flush(&mut self) {
        for (w, q) in self.workers.iter().zip(self.pending.iter_mut()) {
            if q.is_empty() {
                continue;
            }
            let batch = std::mem::take(q);
            w.handle.spawn(async move {
                for t in batch {
                    tokio::spawn(t);
                }
            });
        }
    }
}

fn spawn(i: usize) -> std::io::Result<Worker> {
    let rt = Builder::new_current_thread().enable_all().build()?;
    let handle = rt.handle().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name(format!("ka-probe-{i}"))
        .spawn(move || {
            let _ = rt.block_on(stopped);
        })?;
    Ok(Worker {
        handle,
        stop: Some(stop),
        thread: Some(thread),
    })
}

impl Drop for Worker {
    fn drop(&mut self) {
        // The thread leaves block_on, drops its runtime (and the tasks
        // still on it) and ends; it is not waited for here, which may be
        // an async context.
        self.stop.take();
        self.thread.take();
    }
}

#[cfg(test)]
#[path = "probe_workers_tests.rs"]
mod tests;

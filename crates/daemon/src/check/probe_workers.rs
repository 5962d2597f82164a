//! Threads that run the probes: each a current-thread tokio runtime
//! driven by its own thread, so that the kernel's work for thousands of
//! connects a second (most of a check's CPU) spreads over the cores while
//! the engine's loop stays on the main runtime. Probes are handed out in
//! turn; their results come back through the caller's `JoinSet`.

use std::future::Future;
use std::thread::JoinHandle;

use tokio::runtime::{Builder, Handle};
use tokio::sync::oneshot;
use tokio::task::{AbortHandle, JoinSet};

use crate::core::framework::Framework;

/// At most this many probe threads (and one per core).
const MAX_WORKERS: usize = 4;

/// One probe thread: its runtime's handle and what ends it.
#[derive(Debug)]
struct Worker {
    handle: Handle,
    /// Dropped to end the thread (its runtime is dropped there, outside
    /// any async context).
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// The probe threads; none when they cannot be started (the probes then
/// run on the caller's runtime).
#[derive(Debug, Default)]
pub(crate) struct Workers {
    workers: Vec<Worker>,
    next: usize,
}

impl Workers {
    /// One thread per core, at most [`MAX_WORKERS`].
    pub(crate) fn start() -> Self {
        let n = std::thread::available_parallelism()
            .map_or(1, std::num::NonZeroUsize::get)
            .min(MAX_WORKERS);
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
        Self { workers, next: 0 }
    }

    /// Spawns `task` on the next probe thread (or on the current runtime
    /// when there is none) into `set`.
    pub(crate) fn spawn<T, F>(
        &mut self,
        set: &mut JoinSet<T>,
        task: F,
    ) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        if self.workers.is_empty() {
            return set.spawn(task);
        }
        self.next = (self.next + 1) % self.workers.len();
        set.spawn_on(task, &self.workers[self.next].handle)
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

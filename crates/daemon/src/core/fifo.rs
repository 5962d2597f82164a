//! The notify FIFO and its reader script (`notify_fifo_script`), with
//! keepalived's life cycle.
//!
//! keepalived compat (`vrrp_daemon.c: reload_vrrp_thread`,
//! `notify.c: fifo_open/fifo_close/script_killall`): at a reload or at
//! shutdown the reader script's process group gets SIGTERM, then SIGKILL
//! if it is still there a second later; the FIFO is closed and, if
//! keepalived created it, removed; a reload then creates and opens it
//! again and starts a new reader. So exactly one reader runs at a time,
//! and an old reader that outlives its SIGTERM sees end-of-file (nobody
//! writes to the FIFO it has open any more).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ka_sys::fifo::NotifyFifo;
use ka_sys::script::{Running, ScriptSpec, terminate_group};
use tokio::sync::oneshot;

use crate::core::log::target;

/// How long a stopped reader script gets between SIGTERM and SIGKILL
/// (keepalived `script_killall`: one second).
pub const READER_STOP_GRACE: Duration = Duration::from_secs(1);

/// An open notify FIFO and its running reader script. Dropping it stops
/// the reader (SIGTERM, SIGKILL after [`READER_STOP_GRACE`]), closes the
/// FIFO and removes it if we created it.
#[derive(Debug)]
pub struct Fifo {
    fifo: NotifyFifo,
    /// Held for its `Drop`, which stops the script.
    _reader: Option<Reader>,
    /// A second FIFO every line also goes to (keepalived writes VRRP
    /// events to `notify_fifo`, then to `vrrp_notify_fifo`).
    next: Option<Box<Self>>,
}

/// The reader script's task and how to stop it.
#[derive(Debug)]
struct Reader {
    /// Its process group.
    pgid: i32,
    /// Cleared by the task once the script ended (and was reaped), so its
    /// process group id is never signalled after it could be reused.
    running: Arc<AtomicBool>,
    /// Dropping it tells the task to stop the script (SIGKILL after the
    /// grace if SIGTERM did not end it).
    _stop: oneshot::Sender<()>,
}

impl Drop for Reader {
    fn drop(&mut self) {
        // SIGTERM now, without waiting for the task to be polled: at
        // shutdown the runtime may end first (then `Running`'s drop
        // SIGKILLs the group).
        if self.running.load(Ordering::Acquire) {
            terminate_group(self.pgid);
        }
    }
}

impl Fifo {
    /// Opens (creating if needed) the FIFO at `path`, then starts
    /// `script` (which already has the path as its last argument); `None`,
    /// logged, when the FIFO cannot be used. Must be called inside a tokio
    /// runtime.
    pub fn open(
        path: &Path,
        owner: Option<(u32, u32)>,
        script: Option<&ScriptSpec>,
    ) -> Option<Self> {
        let fifo = match NotifyFifo::open(path, owner) {
            Ok(f) => f,
            Err(e) => {
                tracing::error!(target: target::VRRP, "{e}");
                return None;
            }
        };
        let reader = script.and_then(start_reader);
        Some(Self {
            fifo,
            _reader: reader,
            next: None,
        })
    }

    /// `first` then `second`: every line goes to both, in that order.
    pub fn chain(first: Option<Self>, second: Option<Self>) -> Option<Self> {
        match (first, second) {
            (Some(mut f), s) => {
                f.next = s.map(Box::new);
                Some(f)
            }
            (None, s) => s,
        }
    }

    /// Writes one line; a failure (no reader keeping up) is logged.
    pub fn write_line(&mut self, line: &str) {
        if let Err(e) = self.fifo.write_line(line) {
            tracing::warn!(target: target::VRRP, "notify fifo write failed: {e}");
        }
        if let Some(n) = &mut self.next {
            n.write_line(line);
        }
    }
}

/// Starts the reader script and the task that waits for it.
fn start_reader(spec: &ScriptSpec) -> Option<Reader> {
    let mut child = match Running::start(spec) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(target: target::VRRP, "notify fifo script failed to start: {e:?}");
            return None;
        }
    };
    let pgid = child.pgid()?;
    let running = Arc::new(AtomicBool::new(true));
    let (stop, stopped) = oneshot::channel::<()>();
    let flag = Arc::clone(&running);
    tokio::spawn(async move {
        tokio::select! {
            _ = child.wait() => {
                flag.store(false, Ordering::Release);
                // keepalived's words (`vrrp_notify_fifo_script_exit`).
                tracing::info!(target: target::VRRP, "vrrp notify fifo script terminated");
            }
            _ = stopped => {
                child.stop(READER_STOP_GRACE).await;
                flag.store(false, Ordering::Release);
            }
        }
    });
    Some(Reader {
        pgid,
        running,
        _stop: stop,
    })
}

#[cfg(test)]
#[path = "fifo_tests.rs"]
mod tests;

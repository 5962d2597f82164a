//! A panic anywhere is fatal, and never silent.
//!
//! tokio catches a panic in a spawned task and only reports it to whoever
//! awaits the task's handle; the kernel worker, the receive tasks and the
//! trackers are awaited by nobody. So a panic hook does the reporting: it
//! logs the panic (syslog included, which is the only place a daemonized
//! process's messages go) and tells the supervisor, which then runs the
//! shutdown path (resign, remove addresses, nftables tables and VMACs)
//! and exits with keepalived's status for a program error.

use tokio::sync::mpsc;

use crate::core::log::target;

/// keepalived's `KEEPALIVED_EXIT_PROGRAM_ERROR` (EX_SOFTWARE).
pub const EXIT_PROGRAM_ERROR: i32 = 70;

/// Installs the hook; each panic's description arrives on the receiver.
/// `console` says whether log lines already reach the terminal (`-l`);
/// if not, the panic is also printed on stderr.
pub fn install_panic_hook(console: bool) -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::panic::set_hook(Box::new(move |info| {
        let what = describe(info);
        tracing::error!(target: target::CORE, "{what}");
        if !console {
            eprintln!("keepalived-rs: {what}");
        }
        let _ = tx.send(what);
    }));
    rx
}

/// `panicked at FILE:LINE:COL: MESSAGE` with the thread's name.
fn describe(info: &std::panic::PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    let msg = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    let place = info
        .location()
        .map(|l| format!(" at {}:{}:{}", l.file(), l.line(), l.column()))
        .unwrap_or_default();
    let thread = std::thread::current();
    let name = thread.name().unwrap_or("unnamed");
    format!("internal error: thread '{name}' panicked{place}: {msg}")
}

/// The error a runtime returns after a panic in its event loop (once its
/// shutdown path ran).
#[derive(Debug, thiserror::Error)]
#[error("the event loop panicked; it was shut down")]
pub struct Panicked;

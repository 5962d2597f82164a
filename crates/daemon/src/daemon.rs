//! The process: daemonizing, pid files, logging, signals, and the VRRP
//! runtime on a tokio runtime.
//!
//! keepalived runs a parent and one child per framework; keepalived-rs is
//! one process (DESIGN.md §2) that still writes the pid files operators
//! and systemd units point at: `-p` (main) and `-r` (VRRP) hold our pid.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::time::Duration;

use futures::FutureExt;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinError;

use crate::dump::{self, DumpKind};
use crate::fatal;
use crate::log::{self, LogOptions, target};
use crate::map::VrrpPlan;
use crate::process::{self, PidFiles, TakeError};
use crate::signals::{self, Request, Signals};
use crate::vrrp::{self, Control};

/// Loads (or reloads) the configuration and maps it for the runtime; an
/// `Err` is a message explaining why nothing can run.
pub type Loader = Box<dyn Fn() -> Result<VrrpPlan, String> + Send>;

/// How the daemon was asked to run (keepalived(8) options).
#[derive(Clone, Debug, Default)]
pub struct DaemonOptions {
    /// Logging (`-l`, `-D`, `-S`, `-G`).
    pub log: LogOptions,
    /// `-n`: stay in the foreground.
    pub dont_fork: bool,
    /// `-p`: main pid file.
    pub pid_file: PathBuf,
    /// `-r`: VRRP pid file.
    pub vrrp_pid_file: PathBuf,
    /// `-u`: file-creation mask (it overrides the `umask` keyword).
    pub umask: Option<u32>,
}

/// How long a fatal error waits for the VRRP runtime's shutdown path.
const FATAL_STOP_WAIT: Duration = Duration::from_secs(10);

/// Runs the daemon until SIGTERM/SIGINT; returns the process exit status.
pub fn run(opts: DaemonOptions, load: Loader) -> i32 {
    process::set_umask(opts.umask.unwrap_or(process::DEFAULT_UMASK));
    // Logging first, so that configuration diagnostics are logged; the
    // logger starts no thread and its syslog socket survives the fork.
    log::init(opts.log.clone());
    let fatal = fatal::install_panic_hook(opts.log.console);
    if let Err(e) = signals::ignore_early() {
        tracing::error!(target: target::CORE, "cannot ignore signals: {e}");
    }
    let setup = match load() {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(target: target::CORE, "{e}");
            eprintln!("keepalived-rs: {e}");
            return 1;
        }
    };
    let pid_paths = [opts.pid_file.as_path(), opts.vrrp_pid_file.as_path()];
    // keepalived compat: checked before forking; exit status 0.
    if process::already_running(&pid_paths) {
        tracing::info!(target: target::CORE, "daemon is already running");
        return 0;
    }
    if !opts.dont_fork {
        // Before any thread exists: fork, setsid, chdir /, stdio to
        // /dev/null (keepalived does the same without -n).
        if let Err(e) = nix::unistd::daemon(false, false) {
            eprintln!("keepalived-rs: cannot daemonize: {e}");
            return 1;
        }
    }
    let pid_files = match PidFiles::take(&pid_paths, std::process::id()) {
        Ok(held) => held,
        // Another daemon started between our check and now.
        Err(TakeError::Running) => {
            tracing::info!(target: target::CORE, "daemon is already running");
            return 0;
        }
        // keepalived compat: fatal, yet exit status 0 (`goto end`).
        Err(TakeError::Write(p)) => {
            tracing::info!(target: target::CORE, "pidfile_write : Cannot open {} pidfile", p.display());
            return 0;
        }
    };
    tracing::info!(target: target::CORE, "Starting keepalived-rs {} (Keepalived v2.2.7 compatible)", env!("CARGO_PKG_VERSION"));
    let status = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => {
            let run =
                AssertUnwindSafe(|| rt.block_on(supervise(setup, load, fatal)));
            // The hook has logged the panic already.
            std::panic::catch_unwind(run).unwrap_or(fatal::EXIT_PROGRAM_ERROR)
        }
        Err(e) => {
            tracing::error!(target: target::CORE, "cannot start the runtime: {e}");
            1
        }
    };
    pid_files.remove();
    tracing::info!(target: target::CORE, "Stopped keepalived-rs");
    status
}

async fn supervise(
    setup: VrrpPlan,
    load: Loader,
    mut fatal: mpsc::UnboundedReceiver<String>,
) -> i32 {
    let mut signals = match Signals::install() {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(target: target::CORE, "cannot install signal handlers: {e}");
            return 1;
        }
    };
    let (ctl_tx, ctl_rx) = mpsc::unbounded_channel();
    let mut vrrp_task = tokio::spawn(vrrp::run(setup, ctl_rx));
    // Running and able to take signals: tell systemd (Type=notify units).
    sd_notify("READY=1");
    // `None`: a task panicked (the hook logged where). A panic here (a
    // reload, say) must not lose the VRRP task either.
    let looped = AssertUnwindSafe(async {
        loop {
            tokio::select! {
                done = &mut vrrp_task => return Some(vrrp_status(done)),
                Some(_) = fatal.recv() => return None,
                req = signals.recv() => on_signal(req, &ctl_tx, &load).await,
            }
        }
    })
    .catch_unwind()
    .await;
    if let Ok(Some(status)) = looped {
        return status;
    }
    tracing::error!(target: target::CORE, "Stopping after an internal error");
    stop(&ctl_tx);
    if !vrrp_task.is_finished()
        && tokio::time::timeout(FATAL_STOP_WAIT, vrrp_task)
            .await
            .is_err()
    {
        tracing::error!(target: target::CORE, "VRRP runtime did not stop within {FATAL_STOP_WAIT:?}");
    }
    fatal::EXIT_PROGRAM_ERROR
}

/// The exit status for the VRRP task's end.
fn vrrp_status(done: Result<std::io::Result<()>, JoinError>) -> i32 {
    match done {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => {
            tracing::error!(target: target::VRRP, "VRRP runtime failed: {e}");
            if e.get_ref().is_some_and(|i| i.is::<fatal::Panicked>()) {
                fatal::EXIT_PROGRAM_ERROR
            } else {
                1
            }
        }
        Err(e) => {
            tracing::error!(target: target::VRRP, "VRRP runtime crashed: {e}");
            fatal::EXIT_PROGRAM_ERROR
        }
    }
}

/// Acts on an operator's signal (keepalived's VRRP child handlers and
/// their log lines).
async fn on_signal(
    req: Request,
    ctl: &mpsc::UnboundedSender<Control>,
    load: &Loader,
) {
    let pid = std::process::id();
    match req {
        Request::Stop => stop(ctl),
        Request::Reload => {
            tracing::info!(target: target::CORE, "Reloading");
            sd_notify("RELOADING=1");
            match load() {
                Ok(new) => {
                    let _ = ctl.send(Control::Reload(Box::new(new)));
                }
                Err(e) => {
                    tracing::error!(target: target::CORE, "reload failed, keeping the running configuration: {e}")
                }
            }
            sd_notify("READY=1");
        }
        Request::Data => {
            tracing::info!(target: target::VRRP, "Printing VRRP data for process({pid}) on signal");
            write_dump(ctl, DumpKind::Data).await;
        }
        Request::Stats => {
            tracing::info!(target: target::VRRP, "Printing VRRP stats for process({pid}) on signal");
            write_dump(ctl, DumpKind::Stats).await;
        }
        Request::StatsClear => {
            tracing::info!(target: target::VRRP, "Printing and clearing VRRP stats for process({pid}) on signal");
            write_dump(ctl, DumpKind::Stats).await;
            // keepalived compat: zeroed after the file is written.
            let _ = ctl.send(Control::ClearStats);
        }
        Request::Json => {
            tracing::info!(target: target::VRRP, "Printing VRRP as json for process({pid}) on signal");
            write_dump(ctl, DumpKind::Json).await;
        }
    }
}

fn stop(ctl: &mpsc::UnboundedSender<Control>) {
    tracing::info!(target: target::CORE, "Stopping");
    sd_notify("STOPPING=1");
    let _ = ctl.send(Control::Stop);
}

async fn write_dump(ctl: &mpsc::UnboundedSender<Control>, kind: DumpKind) {
    let (tx, rx) = oneshot::channel();
    if ctl.send(Control::Snapshot(tx)).is_err() {
        return;
    }
    let Ok(snap) = rx.await else { return };
    // keepalived 2.2.7 has no keyword to move them: `$TMPDIR` or /tmp.
    let path = kind.default_path();
    if let Err(e) = dump::write(kind, &snap, &path) {
        tracing::error!(target: target::CORE, "cannot write {}: {e}", path.display());
    }
}

/// Tells systemd about our state; a failure is logged, never fatal.
fn sd_notify(state: &str) {
    if let Err(e) = ka_sys::sd_notify::notify(state) {
        tracing::warn!(target: target::CORE, "cannot notify systemd ({state}): {e}");
    }
}

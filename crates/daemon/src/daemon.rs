//! The process: daemonizing, pid files, logging, signals, and the VRRP
//! runtime on a tokio runtime.
//!
//! keepalived runs a parent and one child per framework; keepalived-rs is
//! one process (DESIGN.md §2) that still writes the pid files operators
//! and systemd units point at: `-p` (main) and `-r` (VRRP) hold our pid.

use std::path::PathBuf;

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, oneshot};

use crate::dump::{self, DumpKind};
use crate::log::{self, LogOptions, target};
use crate::map::VrrpPlan;
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
    /// `--record-events`: write every VRRP engine step to this file.
    pub record_events: Option<PathBuf>,
}

/// Runs the daemon until SIGTERM/SIGINT; returns the process exit status.
pub fn run(opts: DaemonOptions, load: Loader) -> i32 {
    // Logging first, so that configuration diagnostics are logged; the
    // logger starts no thread and its syslog socket survives the fork.
    log::init(opts.log.clone());
    let setup = match load() {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(target: target::CORE, "{e}");
            eprintln!("keepalived-rs: {e}");
            return 1;
        }
    };
    if !opts.dont_fork {
        // Before any thread exists: fork, setsid, chdir /, stdio to
        // /dev/null (keepalived does the same without -n).
        if let Err(e) = nix::unistd::daemon(false, false) {
            eprintln!("keepalived-rs: cannot daemonize: {e}");
            return 1;
        }
    }
    let pid = std::process::id();
    for p in [&opts.pid_file, &opts.vrrp_pid_file] {
        if let Err(e) = ka_sys::files::write_pid_file(p, pid) {
            tracing::error!(target: target::CORE, "cannot write pid file {}: {e}", p.display());
        }
    }
    tracing::info!(target: target::CORE, "Starting keepalived-rs {} (Keepalived v2.2.7 compatible)", env!("CARGO_PKG_VERSION"));
    let status = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(supervise(setup, load, opts.record_events)),
        Err(e) => {
            tracing::error!(target: target::CORE, "cannot start the runtime: {e}");
            1
        }
    };
    for p in [&opts.pid_file, &opts.vrrp_pid_file] {
        let _ = std::fs::remove_file(p);
    }
    tracing::info!(target: target::CORE, "Stopped keepalived-rs");
    status
}

async fn supervise(
    setup: VrrpPlan,
    load: Loader,
    record: Option<PathBuf>,
) -> i32 {
    let (ctl_tx, ctl_rx) = mpsc::unbounded_channel();
    let mut vrrp_task = tokio::spawn(vrrp::run(setup, ctl_rx, record));
    let (
        Ok(mut term),
        Ok(mut int),
        Ok(mut hup),
        Ok(mut usr1),
        Ok(mut usr2),
        Ok(mut json),
    ) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
        signal(SignalKind::user_defined1()),
        signal(SignalKind::user_defined2()),
        signal(SignalKind::from_raw(libc_sigrtmin() + 2)),
    )
    else {
        tracing::error!(target: target::CORE, "cannot install signal handlers");
        return 1;
    };
    // Running and able to take signals: tell systemd (Type=notify units).
    sd_notify("READY=1");
    loop {
        tokio::select! {
            done = &mut vrrp_task => {
                return match done {
                    Ok(Ok(())) => 0,
                    Ok(Err(e)) => {
                        tracing::error!(target: target::VRRP, "VRRP runtime failed: {e}");
                        1
                    }
                    Err(e) => {
                        tracing::error!(target: target::VRRP, "VRRP runtime crashed: {e}");
                        1
                    }
                };
            }
            _ = term.recv() => stop(&ctl_tx),
            _ = int.recv() => stop(&ctl_tx),
            _ = hup.recv() => {
                tracing::info!(target: target::CORE, "Reloading");
                sd_notify("RELOADING=1");
                match load() {
                    Ok(new) => { let _ = ctl_tx.send(Control::Reload(Box::new(new))); }
                    Err(e) => tracing::error!(target: target::CORE, "reload failed, keeping the running configuration: {e}"),
                }
                sd_notify("READY=1");
            }
            _ = usr1.recv() => write_dump(&ctl_tx, DumpKind::Data).await,
            _ = usr2.recv() => write_dump(&ctl_tx, DumpKind::Stats).await,
            _ = json.recv() => write_dump(&ctl_tx, DumpKind::Json).await,
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

/// SIGRTMIN as the C library defines it (glibc reserves the first two
/// real-time signals, so it is 34 there).
fn libc_sigrtmin() -> i32 {
    nix::libc::SIGRTMIN()
}

//! The process: daemonizing, pid files, logging, signals, and the
//! frameworks of the loaded [`Plan`] on a tokio runtime.
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

use super::bus::Bus;
use super::control::{Control, Plan, Snapshot};
use super::fatal;
use super::pidfiles::{self, PidFiles, TakeError};
use super::signals::{self, Request, Signals};
use crate::bfd::{self, plan::BfdPlan};
use crate::core::log::{self, LogOptions, target};
use crate::vrrp;
use crate::vrrp::dump::{self, DumpKind};
use crate::vrrp::plan::VrrpPlan;

/// Loads (or reloads) the configuration and maps it for the frameworks;
/// an `Err` explains why nothing can run.
pub type Loader = Box<dyn Fn() -> Result<Plan, LoadError> + Send>;

/// Why a configuration cannot run.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// `--strict-config` and the configuration has errors.
    #[error("{}: configuration errors with --strict-config; not starting", .0.display())]
    Strict(PathBuf),
    /// The configuration file does not exist.
    #[error("configuration file {} not found", .0.display())]
    NotFound(PathBuf),
    /// `net_namespace` is configured.
    #[error(
        "net_namespace {0} is not implemented by keepalived-rs yet; run it under `ip netns exec {0}` instead"
    )]
    NetNamespace(String),
    /// No framework has anything to run.
    #[error(
        "no vrrp_instance configured: nothing to run (only VRRP is implemented yet)"
    )]
    NothingToRun,
}

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
    /// `--record-events`: write every VRRP engine step to this file.
    pub record_events: Option<PathBuf>,
}

/// keepalived's default `umask_val`: IXUSR|IRWXG|IRWXO.
pub const DEFAULT_UMASK: u32 = 0o177;

/// How long a fatal error waits for the frameworks' shutdown paths.
const FATAL_STOP_WAIT: Duration = Duration::from_secs(10);

/// Sets the file-creation mask that every file we create and every
/// script we run inherits (keepalived: `umask(umask_val)` first thing,
/// then again when `-u` or the `umask` keyword is read).
pub fn set_umask(mask: u32) {
    ka_sys::process::set_umask(mask);
}

/// Runs the daemon until SIGTERM/SIGINT; returns the process exit status.
pub fn run(opts: DaemonOptions, load: Loader) -> i32 {
    set_umask(opts.umask.unwrap_or(DEFAULT_UMASK));
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
    if pidfiles::already_running(&pid_paths) {
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
            let run = AssertUnwindSafe(|| {
                rt.block_on(supervise(setup, load, fatal, opts.record_events))
            });
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

/// The frameworks running, each as its control channel, task and plan.
struct Frameworks {
    vrrp: Option<Running<vrrp::Control, VrrpPlan>>,
    bfd: Option<Running<bfd::Control, BfdPlan>>,
}

/// One framework's loop, running.
struct Running<C, P> {
    control: mpsc::UnboundedSender<C>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    /// Its part of the plan it was last given: the dumps echo its
    /// configuration.
    plan: P,
}

impl Frameworks {
    /// Starts the frameworks `plan` has parts for; their trackers publish
    /// on `bus`; `record` gets the VRRP engine's steps
    /// (`--record-events`).
    fn start(plan: Plan, bus: &Bus, record: Option<PathBuf>) -> Self {
        // BFD first, as keepalived starts its BFD child before VRRP's.
        let bfd = plan.bfd.map(|p| {
            let (control, rx) = mpsc::unbounded_channel();
            let task = tokio::spawn(bfd::run(p.clone(), rx, bus.clone(), None));
            Running {
                control,
                task,
                plan: p,
            }
        });
        let vrrp = plan.vrrp.map(|p| {
            let (control, rx) = mpsc::unbounded_channel();
            let task =
                tokio::spawn(vrrp::run(p.clone(), rx, bus.clone(), record));
            Running {
                control,
                task,
                plan: p,
            }
        });
        Self { vrrp, bfd }
    }

    /// Hands each running framework its part of a reloaded plan. A
    /// framework whose part is gone keeps its running configuration
    /// (unreachable today: the loader refuses a plan without VRRP).
    fn reload(&mut self, plan: Plan) {
        if let (Some(r), Some(p)) = (&mut self.vrrp, plan.vrrp) {
            r.plan = p.clone();
            let _ = r.control.send(Control::Reload(Box::new(p)));
        }
        if let (Some(r), Some(p)) = (&mut self.bfd, plan.bfd) {
            r.plan = p.clone();
            let _ = r.control.send(Control::Reload(Box::new(p)));
        }
    }

    fn stop(&self) {
        if let Some(r) = &self.vrrp {
            let _ = r.control.send(Control::Stop);
        }
        if let Some(r) = &self.bfd {
            let _ = r.control.send(Control::Stop);
        }
    }

    /// STATS_CLEAR: every running framework zeroes its counters.
    fn clear_stats(&self) {
        if let Some(r) = &self.vrrp {
            let _ = r.control.send(Control::ClearStats);
        }
        if let Some(r) = &self.bfd {
            let _ = r.control.send(Control::ClearStats);
        }
    }

    /// The state of every running framework.
    async fn snapshot(&self) -> Snapshot {
        let mut snap = Snapshot::default();
        if let Some(r) = &self.vrrp {
            let (tx, rx) = oneshot::channel();
            if r.control.send(Control::Snapshot(tx)).is_ok() {
                snap.vrrp = rx.await.ok();
            }
        }
        if let Some(r) = &self.bfd {
            let (tx, rx) = oneshot::channel();
            if r.control.send(Control::Snapshot(tx)).is_ok() {
                snap.bfd = rx.await.ok();
            }
        }
        snap
    }

    /// Waits until a framework's loop ends; returns the process status.
    /// When one ends, the others are stopped and awaited (bounded), so
    /// that VRRP's shutdown path is never cut short by BFD's end.
    async fn ended(&mut self) -> i32 {
        let vrrp = async {
            match &mut self.vrrp {
                Some(r) => loop_status((&mut r.task).await),
                None => std::future::pending().await,
            }
        };
        let bfd = async {
            match &mut self.bfd {
                Some(r) => loop_status((&mut r.task).await),
                None => std::future::pending().await,
            }
        };
        let status = tokio::select! {
            s = vrrp => s,
            s = bfd => s,
        };
        self.stop();
        self.stopped().await;
        status
    }

    /// After a fatal error: waits (bounded) until every loop told to
    /// stop has run its shutdown path.
    async fn stopped(&mut self) {
        if let Some(r) = &mut self.bfd
            && !r.task.is_finished()
            && tokio::time::timeout(FATAL_STOP_WAIT, &mut r.task)
                .await
                .is_err()
        {
            tracing::error!(target: target::CORE, "BFD runtime did not stop within {FATAL_STOP_WAIT:?}");
        }
        let Some(r) = &mut self.vrrp else {
            return;
        };
        if !r.task.is_finished()
            && tokio::time::timeout(FATAL_STOP_WAIT, &mut r.task)
                .await
                .is_err()
        {
            tracing::error!(target: target::CORE, "VRRP runtime did not stop within {FATAL_STOP_WAIT:?}");
        }
    }
}

/// The exit status for the end of a framework's loop.
fn loop_status(done: Result<std::io::Result<()>, JoinError>) -> i32 {
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

async fn supervise(
    plan: Plan,
    load: Loader,
    mut fatal: mpsc::UnboundedReceiver<String>,
    record: Option<PathBuf>,
) -> i32 {
    let mut signals = match Signals::install() {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(target: target::CORE, "cannot install signal handlers: {e}");
            return 1;
        }
    };
    let bus = Bus::default();
    let mut frameworks = Frameworks::start(plan, &bus, record);
    // Running and able to take signals: tell systemd (Type=notify units).
    sd_notify("READY=1");
    // `None`: a task panicked (the hook logged where). A panic here (a
    // reload, say) must not lose the frameworks' shutdown either.
    let looped = AssertUnwindSafe(async {
        loop {
            tokio::select! {
                status = frameworks.ended() => return Some(status),
                Some(_) = fatal.recv() => return None,
                req = signals.recv() => on_signal(req, &mut frameworks, &load).await,
            }
        }
    })
    .catch_unwind()
    .await;
    if let Ok(Some(status)) = looped {
        return status;
    }
    tracing::error!(target: target::CORE, "Stopping after an internal error");
    stop(&frameworks);
    frameworks.stopped().await;
    fatal::EXIT_PROGRAM_ERROR
}

/// Acts on an operator's signal (keepalived's VRRP child handlers and
/// their log lines).
async fn on_signal(req: Request, frameworks: &mut Frameworks, load: &Loader) {
    let pid = std::process::id();
    match req {
        Request::Stop => stop(frameworks),
        Request::Reload => {
            tracing::info!(target: target::CORE, "Reloading");
            sd_notify("RELOADING=1");
            match load() {
                Ok(new) => frameworks.reload(new),
                Err(e) => {
                    tracing::error!(target: target::CORE, "reload failed, keeping the running configuration: {e}")
                }
            }
            sd_notify("READY=1");
        }
        Request::Data => {
            if frameworks.vrrp.is_some() {
                tracing::info!(target: target::VRRP, "Printing VRRP data for process({pid}) on signal");
                write_dump(frameworks, DumpKind::Data).await;
            }
            write_bfd_dump(frameworks).await;
        }
        Request::Stats => {
            tracing::info!(target: target::VRRP, "Printing VRRP stats for process({pid}) on signal");
            write_dump(frameworks, DumpKind::Stats).await;
        }
        Request::StatsClear => {
            tracing::info!(target: target::VRRP, "Printing and clearing VRRP stats for process({pid}) on signal");
            write_dump(frameworks, DumpKind::Stats).await;
            // keepalived compat: zeroed after the file is written.
            frameworks.clear_stats();
        }
        Request::Json => {
            tracing::info!(target: target::VRRP, "Printing VRRP as json for process({pid}) on signal");
            write_dump(frameworks, DumpKind::Json).await;
        }
    }
}

fn stop(frameworks: &Frameworks) {
    tracing::info!(target: target::CORE, "Stopping");
    sd_notify("STOPPING=1");
    frameworks.stop();
}

async fn write_dump(frameworks: &Frameworks, kind: DumpKind) {
    let (Some(snap), Some(running)) =
        (frameworks.snapshot().await.vrrp, &frameworks.vrrp)
    else {
        return;
    };
    // keepalived 2.2.7 has no keyword to move them: `$TMPDIR` or /tmp.
    let path = kind.default_path();
    if let Err(e) = dump::write(kind, &snap, &running.plan, &path) {
        tracing::error!(target: target::CORE, "cannot write {}: {e}", path.display());
    }
}

/// `keepalived_bfd.data`, when BFD runs (keepalived's BFD child answers
/// SIGUSR1 with it).
async fn write_bfd_dump(frameworks: &Frameworks) {
    let Some(running) = &frameworks.bfd else {
        return;
    };
    let pid = std::process::id();
    tracing::info!(target: target::BFD, "Printing BFD data for process({pid}) on signal");
    let Some(snap) = frameworks.snapshot().await.bfd else {
        return;
    };
    let path = bfd::dump::default_path();
    if let Err(e) = bfd::dump::write(&snap, &running.plan, &path) {
        tracing::error!(target: target::CORE, "cannot write {}: {e}", path.display());
    }
}

/// Tells systemd about our state; a failure is logged, never fatal.
fn sd_notify(state: &str) {
    if let Err(e) = ka_sys::sd_notify::notify(state) {
        tracing::warn!(target: target::CORE, "cannot notify systemd ({state}): {e}");
    }
}

//! The process: daemonizing, pid files, logging, signals, and the
//! frameworks of the loaded [`Plan`] on a tokio runtime.
//!
//! keepalived runs a parent and one child per framework; keepalived-rs is
//! one process (DESIGN.md §2) that still writes the pid files operators
//! and systemd units point at: `-p` (main) and `-r` (VRRP) hold our pid.

use std::path::PathBuf;

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, oneshot};

use super::bus::Bus;
use super::control::{Control, Plan, Snapshot};
use crate::core::log::{self, LogOptions, target};
use crate::vrrp;
use crate::vrrp::dump::{self, DumpKind};

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
        Ok(rt) => rt.block_on(supervise(setup, load)),
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

/// The frameworks running, each as its control channel and task.
struct Frameworks {
    vrrp: Option<Running<vrrp::Control>>,
}

/// One framework's loop, running.
struct Running<C> {
    control: mpsc::UnboundedSender<C>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Frameworks {
    /// Starts the frameworks `plan` has parts for; their trackers publish
    /// on `bus`.
    fn start(plan: Plan, bus: &Bus) -> Self {
        let vrrp = plan.vrrp.map(|p| {
            let (control, rx) = mpsc::unbounded_channel();
            let task = tokio::spawn(vrrp::run(p, rx, bus.clone()));
            Running { control, task }
        });
        Self { vrrp }
    }

    /// Hands each running framework its part of a reloaded plan. A
    /// framework whose part is gone keeps its running configuration
    /// (unreachable today: the loader refuses a plan without VRRP).
    fn reload(&self, plan: Plan) {
        if let (Some(r), Some(p)) = (&self.vrrp, plan.vrrp) {
            let _ = r.control.send(Control::Reload(Box::new(p)));
        }
    }

    fn stop(&self) {
        if let Some(r) = &self.vrrp {
            let _ = r.control.send(Control::Stop);
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
        snap
    }

    /// Waits until a framework's loop ends; returns the process status.
    async fn ended(&mut self) -> i32 {
        let Some(r) = &mut self.vrrp else {
            return std::future::pending().await;
        };
        match (&mut r.task).await {
            Ok(Ok(())) => 0,
            Ok(Err(e)) => {
                tracing::error!(target: target::VRRP, "VRRP runtime failed: {e}");
                1
            }
            Err(e) => {
                tracing::error!(target: target::VRRP, "VRRP runtime crashed: {e}");
                1
            }
        }
    }
}

async fn supervise(plan: Plan, load: Loader) -> i32 {
    let bus = Bus::default();
    let mut frameworks = Frameworks::start(plan, &bus);
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
            status = frameworks.ended() => return status,
            _ = term.recv() => stop(&frameworks),
            _ = int.recv() => stop(&frameworks),
            _ = hup.recv() => {
                tracing::info!(target: target::CORE, "Reloading");
                sd_notify("RELOADING=1");
                match load() {
                    Ok(new) => frameworks.reload(new),
                    Err(e) => tracing::error!(target: target::CORE, "reload failed, keeping the running configuration: {e}"),
                }
                sd_notify("READY=1");
            }
            _ = usr1.recv() => write_dump(&frameworks, DumpKind::Data).await,
            _ = usr2.recv() => write_dump(&frameworks, DumpKind::Stats).await,
            _ = json.recv() => write_dump(&frameworks, DumpKind::Json).await,
        }
    }
}

fn stop(frameworks: &Frameworks) {
    tracing::info!(target: target::CORE, "Stopping");
    sd_notify("STOPPING=1");
    frameworks.stop();
}

async fn write_dump(frameworks: &Frameworks, kind: DumpKind) {
    let Some(snap) = frameworks.snapshot().await.vrrp else {
        return;
    };
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

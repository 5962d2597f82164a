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
use super::control::Admin;
use super::control::{Control, Plan, Snapshot};
use super::dbus;
use super::fatal;
use super::framework::Framework;
use super::hooks::{self, Hook};
use super::operator::{self, Operator, Print, Query, ReloadError, Status};
use super::pidfiles::{self, PidFiles, TakeError};
use super::placement;
use super::process_name::ProcessName;
use super::reload::{self, ReloadFile, ReloadPlan, TimeWatch};
use super::signals::{self, Request, Signals};
use crate::bfd::{self, plan::BfdPlan};
use crate::check::{self, plan::CheckPlan};
use crate::core::log::{self, LogOptions, target};
use crate::vrrp;
use crate::vrrp::dump::{self, DumpKind};
use crate::vrrp::plan::VrrpPlan;
use ka_sys::script::ScriptSpec;

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
    /// A reload changes what only a restart can (`network namespace`,
    /// `instance name`): keepalived keeps the running configuration.
    #[error("Cannot change {0} at a reload - please restart keepalived")]
    Unsupported(&'static str),
    /// No framework has anything to run.
    #[error("no vrrp_instance or virtual_server configured: nothing to run")]
    NothingToRun,
    /// keepalived's VRRP process would stop at this configuration (a
    /// non-existent interface, an instance `vrrp_complete_init` refuses):
    /// keepalived then terminates.
    #[error("{0} - VRRP exited with permanent error CONFIG. Terminating")]
    VrrpConfig(&'static str),
}

impl LoadError {
    /// The exit status at start: keepalived compat: its parent ends with
    /// the child's `KEEPALIVED_EXIT_CONFIG` (2) for a VRRP configuration
    /// it cannot run; 1 otherwise.
    pub fn exit_status(&self) -> i32 {
        match self {
            Self::VrrpConfig(_) => 2,
            _ => 1,
        }
    }
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
    /// `-c`: the checkers' pid file (written while the checkers run).
    pub checkers_pid_file: PathBuf,
    /// `-b`: the BFD pid file (written while BFD runs).
    pub bfd_pid_file: PathBuf,
    /// `--record-events`: write every engine step of VRRP (else of the
    /// checkers) to this file.
    pub record_events: Option<PathBuf>,
    /// How the checker framework runs (`--lvs-backend`, `-I`).
    pub check: check::RunOptions,
    /// Network namespace, pid directory, scheduling, core dumps.
    pub placement: placement::Placement,
    /// `-d`: log the configuration (the data dump) once running.
    pub dump_conf: bool,
    /// `--control-socket`: where `keepalived-rs ctl` connects; `None`
    /// runs no control socket.
    pub control_socket: Option<PathBuf>,
    /// `--metrics-listen`: serve `GET /metrics` on this address.
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// `-x` and `-A`: SNMP from the command line.
    pub snmp: super::snmp::CommandLine,
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
    // Every running probe holds a socket: thousands at once with many
    // real servers (keepalived raises the limit too).
    if let Err(e) = ka_sys::process::raise_open_files_limit() {
        tracing::warn!(target: target::CORE, "cannot raise the open files limit: {e}");
    }
    if let Err(e) = signals::ignore_early() {
        tracing::error!(target: target::CORE, "cannot ignore signals: {e}");
    }
    // keepalived compat: the namespace is joined before the configuration
    // is used and before any socket or thread exists.
    let Ok(_placed) = placement::enter(&opts.placement) else {
        return 1;
    };
    let setup = match load() {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(target: target::CORE, "{e}");
            eprintln!("keepalived-rs: {e}");
            return e.exit_status();
        }
    };
    // keepalived compat: a child's pid file exists while that child runs.
    let mut pid_paths = vec![opts.pid_file.as_path()];
    if setup.vrrp.is_some() {
        pid_paths.push(opts.vrrp_pid_file.as_path());
    }
    if setup.check.is_some() {
        pid_paths.push(opts.checkers_pid_file.as_path());
    }
    if setup.bfd.is_some() {
        pid_paths.push(opts.bfd_pid_file.as_path());
    }
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
    // After the fork (neither survives it), before the runtime's threads.
    let running = [
        setup.vrrp.is_some(),
        setup.check.is_some(),
        setup.bfd.is_some(),
    ];
    let sched = &opts.placement.sched;
    let applied = placement::apply_sched(sched, running);
    let status = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => {
            rt.spawn(placement::auto_priority(
                sched.clone(),
                applied.rt_priority,
                applied.rlimit_rttime,
            ));
            let run = AssertUnwindSafe(|| {
                rt.block_on(supervise(setup, load, fatal, opts.clone()))
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
/// A new framework is one more field here and one more line in
/// [`Frameworks::parts`], [`Frameworks::reload`] and
/// [`Frameworks::snapshot`].
struct Frameworks {
    vrrp: Option<Running<VrrpPlan, ka_vrrp::Snapshot>>,
    check: Option<Running<CheckPlan, ka_check::Snapshot>>,
    bfd: Option<Running<BfdPlan, ka_bfd::Snapshot>>,
    /// `data_use_instance`: the tag in the data dump names.
    dump_tag: Option<String>,
    /// `process_name`.
    name: ProcessName,
    /// The running configuration's reload settings.
    reload: ReloadPlan,
    /// Reloads so far (`config_save_dir` numbers them from 1).
    reloads: u32,
    /// `reload_time_file`.
    time_watch: TimeWatch,
}

/// One framework's loop, running.
struct Running<P, S> {
    kind: Framework,
    control: mpsc::UnboundedSender<Control<P, S>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    /// Its part of the plan it was last given: the dumps echo its
    /// configuration.
    plan: P,
}

/// What the process does with any running framework, whatever its plan.
trait Part {
    fn kind(&self) -> Framework;
    fn stop(&self);
    fn clear_stats(&self);
    fn task(&mut self) -> &mut tokio::task::JoinHandle<std::io::Result<()>>;
}

impl<P, S> Part for Running<P, S> {
    fn kind(&self) -> Framework {
        self.kind
    }

    fn stop(&self) {
        let _ = self.control.send(Control::Stop);
    }

    fn clear_stats(&self) {
        let _ = self.control.send(Control::ClearStats);
    }

    fn task(&mut self) -> &mut tokio::task::JoinHandle<std::io::Result<()>> {
        &mut self.task
    }
}

impl<P: Clone, S> Running<P, S> {
    /// Hands the framework its part of a reloaded plan.
    fn reload(&mut self, plan: P) {
        self.plan = plan.clone();
        let _ = self.control.send(Control::Reload(Box::new(plan)));
    }

    /// The engine's state, if the loop still answers.
    async fn snapshot(&self) -> Option<S> {
        let (tx, rx) = oneshot::channel();
        self.control.send(Control::Snapshot(tx)).ok()?;
        rx.await.ok()
    }
}

impl Frameworks {
    /// Starts the frameworks `plan` has parts for; their trackers publish
    /// on `bus`; `opts` says how (`--record-events` goes to VRRP when it
    /// runs, else to the checkers).
    fn start(plan: Plan, bus: &Bus, opts: &DaemonOptions) -> Self {
        let mut record = opts.record_events.clone();
        let dump_tag = plan.dump_tag;
        let name = ProcessName::start(plan.process_name.as_deref());
        let reload = plan.reload.clone();
        // BFD first, as keepalived starts its BFD child before VRRP's.
        let bfd = plan.bfd.map(|p| {
            let (control, rx) = mpsc::unbounded_channel();
            let task = tokio::spawn(bfd::run(p.clone(), rx, bus.clone(), None));
            Running {
                kind: Framework::Bfd,
                control,
                task,
                plan: p,
            }
        });
        let vrrp = plan.vrrp.map(|p| {
            let (control, rx) = mpsc::unbounded_channel();
            let rec = record.take();
            let task = tokio::spawn(vrrp::run(p.clone(), rx, bus.clone(), rec));
            Running {
                kind: Framework::Vrrp,
                control,
                task,
                plan: p,
            }
        });
        let check = plan.check.map(|p| {
            let (control, rx) = mpsc::unbounded_channel();
            // Subscribed now, before any task runs, so the first values
            // of trackers VRRP starts reach the checkers too.
            let track = bus.subscribe();
            let run_opts = check::RunOptions {
                record: record.take(),
                ..opts.check.clone()
            };
            let task = tokio::spawn(check::run(
                p.clone(),
                rx,
                bus.clone(),
                track,
                run_opts,
            ));
            Running {
                kind: Framework::Check,
                control,
                task,
                plan: p,
            }
        });
        Self {
            vrrp,
            check,
            bfd,
            dump_tag,
            name,
            time_watch: TimeWatch::start(&reload),
            reload,
            reloads: 0,
        }
    }

    /// Every running framework.
    fn parts(&self) -> Vec<&dyn Part> {
        let vrrp = self.vrrp.as_ref().map(|r| r as &dyn Part);
        let check = self.check.as_ref().map(|r| r as &dyn Part);
        let bfd = self.bfd.as_ref().map(|r| r as &dyn Part);
        [vrrp, check, bfd].into_iter().flatten().collect()
    }

    fn parts_mut(&mut self) -> Vec<&mut dyn Part> {
        let vrrp = self.vrrp.as_mut().map(|r| r as &mut dyn Part);
        let check = self.check.as_mut().map(|r| r as &mut dyn Part);
        let bfd = self.bfd.as_mut().map(|r| r as &mut dyn Part);
        [vrrp, check, bfd].into_iter().flatten().collect()
    }

    /// Hands each running framework its part of a reloaded plan. A
    /// framework whose part is gone keeps its running configuration, and
    /// one that was not running is not started (keepalived starts its
    /// children once).
    fn reload(&mut self, plan: Plan) {
        self.dump_tag = plan.dump_tag;
        self.name.reload(plan.process_name.as_deref());
        self.reload = plan.reload.clone();
        if let (Some(r), Some(p)) = (&mut self.vrrp, plan.vrrp) {
            r.reload(p);
        }
        if let (Some(r), Some(p)) = (&mut self.check, plan.check) {
            r.reload(p);
        }
        if let (Some(r), Some(p)) = (&mut self.bfd, plan.bfd) {
            r.reload(p);
        }
    }

    fn stop(&self) {
        self.parts().iter().for_each(|p| p.stop());
    }

    /// STATS_CLEAR: every running framework zeroes its counters.
    fn clear_stats(&self) {
        self.parts().iter().for_each(|p| p.clear_stats());
    }

    /// The plans the running frameworks were last given.
    fn plan(&self) -> Plan {
        Plan {
            vrrp: self.vrrp.as_ref().map(|r| r.plan.clone()),
            check: self.check.as_ref().map(|r| r.plan.clone()),
            bfd: self.bfd.as_ref().map(|r| r.plan.clone()),
            ..Plan::default()
        }
    }

    /// The state of every running framework.
    async fn snapshot(&self) -> Snapshot {
        let mut snap = Snapshot::default();
        if let Some(r) = &self.vrrp {
            snap.vrrp = r.snapshot().await;
        }
        if let Some(r) = &self.check {
            snap.check = r.snapshot().await;
        }
        if let Some(r) = &self.bfd {
            snap.bfd = r.snapshot().await;
        }
        snap
    }

    /// Waits until a framework's loop ends; returns the process status,
    /// logged under that framework's name (the caller then stops and
    /// awaits the others).
    async fn ended(&mut self) -> i32 {
        let tasks: Vec<_> = self
            .parts_mut()
            .into_iter()
            .map(|p| {
                let kind = p.kind();
                let task = p.task();
                Box::pin(async move { (kind, task.await) })
            })
            .collect();
        if tasks.is_empty() {
            return std::future::pending().await;
        }
        let ((kind, done), _, _) = futures::future::select_all(tasks).await;
        loop_status(kind, done)
    }

    /// Waits (bounded) until every loop told to stop has run its
    /// shutdown path.
    async fn stopped(&mut self) {
        for p in self.parts_mut() {
            let kind = p.kind();
            let task = p.task();
            if !task.is_finished()
                && tokio::time::timeout(FATAL_STOP_WAIT, task).await.is_err()
            {
                kind.error(format_args!(
                    "{} runtime did not stop within {FATAL_STOP_WAIT:?}",
                    kind.title()
                ));
            }
        }
    }
}

/// The exit status for the end of a framework's loop.
fn loop_status(
    kind: Framework,
    done: Result<std::io::Result<()>, JoinError>,
) -> i32 {
    let title = kind.title();
    match done {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => {
            kind.error(format_args!("{title} runtime failed: {e}"));
            if e.get_ref().is_some_and(|i| i.is::<fatal::Panicked>()) {
                fatal::EXIT_PROGRAM_ERROR
            } else {
                1
            }
        }
        Err(e) => {
            kind.error(format_args!("{title} runtime crashed: {e}"));
            fatal::EXIT_PROGRAM_ERROR
        }
    }
}

async fn supervise(
    plan: Plan,
    load: Loader,
    mut fatal: mpsc::UnboundedReceiver<String>,
    opts: DaemonOptions,
) -> i32 {
    let mut signals = match Signals::install() {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(target: target::CORE, "cannot install signal handlers: {e}");
            return 1;
        }
    };
    // keepalived compat: the startup script runs, and is waited for,
    // before any framework starts.
    let mut shutdown_script = plan.hooks.shutdown.clone();
    hooks::run(Hook::Startup, plan.hooks.startup.as_ref(), opts.log.detail)
        .await;
    let bus = Bus::default();
    // The SNMP subagent subscribes before the frameworks start, so their
    // first state notifications become its first traps.
    let snmp = plan
        .vrrp
        .as_ref()
        .and_then(|p| {
            super::snmp::Settings::from_globals(
                &p.config.global,
                &opts.snmp,
                opts.log.detail,
            )
        })
        .map(|s| (s, bus.subscribe()));
    let mut frameworks = Frameworks::start(plan, &bus, &opts);
    if opts.dump_conf {
        log_data_dump(&frameworks).await;
    }
    let started = std::time::SystemTime::now();
    let (operator, mut queries) = Operator::channel();
    let snmp = operator::serve(&operator, &opts, snmp);
    // keepalived's DBus interface, while the configuration enables it.
    let dbus = dbus::start(&operator, &bus, opts.placement.namespace.clone());
    // Running and able to take signals: tell systemd (Type=notify units).
    sd_notify("READY=1");
    // `None`: a task panicked (the hook logged where). A panic here (a
    // reload, say) must not lose the frameworks' shutdown either.
    let looped = AssertUnwindSafe(async {
        loop {
            tokio::select! {
                status = frameworks.ended() => return Some(status),
                Some(_) = fatal.recv() => return None,
                req = signals.recv() => {
                    on_signal(req, &mut frameworks, &load, &mut shutdown_script).await;
                }
                Some(q) = queries.recv() => {
                    on_query(q, &mut frameworks, &load, &mut shutdown_script, started).await;
                }
            }
        }
    })
    .catch_unwind()
    .await;
    let status = if let Ok(Some(status)) = looped {
        // One loop ended (SIGTERM, or a failure): the others stop too,
        // each through its shutdown path.
        frameworks.stop();
        frameworks.stopped().await;
        status
    } else {
        tracing::error!(target: target::CORE, "Stopping after an internal error");
        stop(&mut frameworks);
        frameworks.stopped().await;
        fatal::EXIT_PROGRAM_ERROR
    };
    // keepalived compat: the STOP notifications go out, then the
    // subagent closes its session (`vrrp_snmp_agent_close`).
    if let Some(snmp) = snmp {
        snmp.finish().await;
    }
    // Operators' requests from now on are told the process is stopping
    // (they would wait for a loop that no longer reads them).
    drop(queries);
    // keepalived compat: DBus stops after VRRP (`vrrp_terminate_phase2`):
    // the instances' STOP, then VrrpStopped.
    dbus.stop().await;
    // keepalived compat: the shutdown script (of the configuration last
    // loaded) runs once every framework has ended.
    hooks::run(Hook::Shutdown, shutdown_script.as_ref(), opts.log.detail).await;
    status
}

/// Acts on an operator's signal (keepalived's VRRP child handlers and
/// their log lines).
async fn on_signal(
    req: Request,
    frameworks: &mut Frameworks,
    load: &Loader,
    shutdown_script: &mut Option<ScriptSpec>,
) {
    let pid = std::process::id();
    match req {
        Request::Stop => stop(frameworks),
        Request::Reload => {
            let _ = reload(frameworks, load, shutdown_script).await;
        }
        Request::Data => {
            if frameworks.vrrp.is_some() {
                tracing::info!(target: target::VRRP, "Printing VRRP data for process({pid}) on signal");
                write_dump(frameworks, DumpKind::Data).await;
            }
            write_bfd_dump(frameworks).await;
            write_check_dump(frameworks).await;
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

/// Loads the configuration again and hands each running framework its
/// part (SIGHUP, `ctl reload`); a configuration that cannot run keeps the
/// running one.
async fn reload(
    frameworks: &mut Frameworks,
    load: &Loader,
    shutdown_script: &mut Option<ScriptSpec>,
) -> Result<(), ReloadError> {
    let settings = frameworks.reload.clone();
    // keepalived compat: with reload_check_config a child validates the
    // new configuration first (the reload file exists meanwhile), and a
    // failure leaves everything running as it is.
    if let Some(log) = &settings.check_config {
        let _file = ReloadFile::create(settings.file.as_deref());
        if !reload::validate(log).await {
            return Err(ReloadError(format!(
                "New config failed validation, see {} for details",
                log.display()
            )));
        }
    }
    tracing::info!(target: target::CORE, "Reloading");
    sd_notify("RELOADING=1");
    frameworks.time_watch.stop();
    frameworks.reloads += 1;
    save_config(frameworks, false).await;
    let file = ReloadFile::create(
        settings
            .file
            .as_deref()
            .filter(|_| settings.check_config.is_none()),
    );
    let loaded = load();
    drop(file);
    let done = match loaded {
        Ok(new) => {
            *shutdown_script = new.hooks.shutdown.clone();
            frameworks.reload(new);
            save_config(frameworks, true).await;
            Ok(())
        }
        Err(e) => {
            tracing::error!(target: target::CORE, "reload failed, keeping the running configuration: {e}");
            Err(ReloadError(e.to_string()))
        }
    };
    // keepalived compat: the watch starts again with the settings now
    // running (start_reload_monitor at the end of reload_config).
    frameworks.time_watch = TimeWatch::start(&frameworks.reload);
    sd_notify("READY=1");
    done
}

/// `config_save_dir`: each running framework's data dump before
/// (`post` false) or after a reload, with the running configuration's
/// directory.
async fn save_config(frameworks: &Frameworks, post: bool) {
    let Some(dir) = frameworks.reload.save_dir.clone() else {
        return;
    };
    let n = frameworks.reloads;
    let snap = frameworks.snapshot().await;
    if let (Some(s), Some(r)) = (&snap.vrrp, &frameworks.vrrp) {
        let text = dump::text(DumpKind::Data, s, &r.plan);
        reload::save(&dir, "vrrp", n, post, &text);
    }
    if let (Some(s), Some(r)) = (&snap.check, &frameworks.check) {
        let text = crate::check::dump::text(s, &r.plan);
        reload::save(&dir, "check", n, post, &text);
    }
    if let (Some(s), Some(r)) = (&snap.bfd, &frameworks.bfd) {
        let text = bfd::dump::text(s, &r.plan, std::time::SystemTime::now());
        reload::save(&dir, "bfd", n, post, &text);
    }
}

/// Answers an operator interface (control socket, metrics endpoint).
async fn on_query(
    q: Query,
    frameworks: &mut Frameworks,
    load: &Loader,
    shutdown_script: &mut Option<ScriptSpec>,
    started: std::time::SystemTime,
) {
    match q {
        Query::Status(tx) => {
            let status = Status {
                snapshot: frameworks.snapshot().await,
                plan: frameworks.plan(),
                started,
            };
            let _ = tx.send(status);
        }
        Query::Reload(tx) => {
            let _ = tx.send(reload(frameworks, load, shutdown_script).await);
        }
        Query::Print(what, tx) => {
            print(frameworks, what).await;
            let _ = tx.send(());
        }
        Query::SendGarp(instance, tx) => {
            if let Some(v) = &frameworks.vrrp {
                let _ = v
                    .control
                    .send(Control::Admin(Admin::SendGarp { instance }));
            }
            let _ = tx.send(());
        }
    }
}

/// An operator's dump request (DBus): VRRP's files, as keepalived's VRRP
/// child writes them (`vrrp_print_data`, `vrrp_print_stats`).
async fn print(frameworks: &Frameworks, what: Print) {
    let kind = match what {
        Print::Data => DumpKind::Data,
        Print::Stats | Print::StatsClear => DumpKind::Stats,
    };
    write_dump(frameworks, kind).await;
    if what == Print::StatsClear
        && let Some(v) = &frameworks.vrrp
    {
        // keepalived compat: VRRP's counters only, after the file.
        v.clear_stats();
    }
}

fn stop(frameworks: &mut Frameworks) {
    tracing::info!(target: target::CORE, "Stopping");
    frameworks.time_watch.stop();
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
    let path = kind.path(frameworks.dump_tag.as_deref());
    if let Err(e) = dump::write(kind, &snap, &running.plan, &path) {
        tracing::error!(target: target::CORE, "cannot write {}: {e}", path.display());
    }
}

/// `-d`: keepalived's children log their configuration dump at start;
/// here the data dump, line by line, in the VRRP log.
async fn log_data_dump(frameworks: &Frameworks) {
    let (Some(snap), Some(running)) =
        (frameworks.snapshot().await.vrrp, &frameworks.vrrp)
    else {
        return;
    };
    for line in dump::text(DumpKind::Data, &snap, &running.plan).lines() {
        tracing::info!(target: target::VRRP, "{line}");
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
    let path = bfd::dump::path(frameworks.dump_tag.as_deref());
    if let Err(e) = bfd::dump::write(&snap, &running.plan, &path) {
        tracing::error!(target: target::CORE, "cannot write {}: {e}", path.display());
    }
}

/// `keepalived_check.data`, when the checkers run (keepalived's checker
/// child answers SIGUSR1 with it).
async fn write_check_dump(frameworks: &Frameworks) {
    let Some(running) = &frameworks.check else {
        return;
    };
    let pid = std::process::id();
    tracing::info!(target: target::CHECK, "Printing checker data for process({pid}) on signal");
    let Some(snap) = frameworks.snapshot().await.check else {
        return;
    };
    let path = crate::check::dump::path(frameworks.dump_tag.as_deref());
    if let Err(e) = crate::check::dump::write(&snap, &running.plan, &path) {
        tracing::error!(target: target::CORE, "cannot write {}: {e}", path.display());
    }
}

/// Tells systemd about our state; a failure is logged, never fatal.
fn sd_notify(state: &str) {
    if let Err(e) = ka_sys::sd_notify::notify(state) {
        tracing::warn!(target: target::CORE, "cannot notify systemd ({state}): {e}");
    }
}

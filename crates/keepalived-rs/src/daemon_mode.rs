//! Running as a daemon: load and map the configuration, then hand over to
//! `ka_daemon` (the VRRP and checker runtimes, signals, pid files,
//! logging).
//!
//! keepalived compat: keepalived starts even when its configuration has
//! errors, with the fallbacks it reported; so does keepalived-rs (the
//! diagnostics are logged). `--strict-config` refuses to start instead.

use std::path::{Path, PathBuf};

use ka_config::{LoadOptions, Severity};
use ka_daemon::check::RunOptions;
use ka_daemon::check::plan::check_plan;
use ka_daemon::core::control::Plan;
use ka_daemon::core::hooks::ProcessHooks;
use ka_daemon::core::log::LogOptions;
use ka_daemon::core::process::{DaemonOptions, LoadError, Loader};
use ka_daemon::vrrp::plan::{UserResolver, vrrp_plan};

use crate::cli::{Daemons, Options};
use crate::config_test::DEFAULT_CONFIG_FILE;
use crate::host::SystemHost;

/// keepalived's default pid files.
const PID_FILE: &str = "/run/keepalived.pid";
const VRRP_PID_FILE: &str = "/run/keepalived_vrrp.pid";
const CHECKERS_PID_FILE: &str = "/run/keepalived_checkers.pid";

impl UserResolver for SystemHost {
    fn uid_gid(&self, user: &str, group: Option<&str>) -> Option<(u32, u32)> {
        use ka_config::host::Host;
        let u = self.user(user)?;
        let gid = match group {
            Some(g) => self.group(g)?,
            None => u.gid,
        };
        Some((u.uid, gid))
    }
}

/// Runs the daemon; returns the exit status.
pub(crate) fn run(opts: &Options) -> i32 {
    let file = opts
        .config_file
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_FILE));
    let load_opts = LoadOptions {
        config_id: opts.config_id.clone(),
        strict: opts.strict_config,
        check_all_includes: opts.all_config,
    };
    let d = DaemonOptions {
        log: LogOptions {
            console: opts.log_console,
            syslog: !opts.no_syslog,
            facility: opts.log_facility.unwrap_or(3),
            detail: opts.log_detail > 0,
        },
        dont_fork: opts.dont_fork,
        pid_file: opts
            .pid_file
            .clone()
            .unwrap_or_else(|| PathBuf::from(PID_FILE)),
        vrrp_pid_file: opts
            .vrrp_pid_file
            .clone()
            .unwrap_or_else(|| PathBuf::from(VRRP_PID_FILE)),
        checkers_pid_file: opts
            .checkers_pid_file
            .clone()
            .unwrap_or_else(|| PathBuf::from(CHECKERS_PID_FILE)),
        umask: opts.umask,
        record_events: opts.record_events.clone(),
        check: RunOptions {
            backend: opts.lvs_backend,
            dont_release: opts.dont_release_ipvs,
            record: None,
        },
        metrics_listen: opts.metrics_listen,
    };
    let cmdline_umask = opts.umask.is_some();
    let daemons = opts.daemons;
    let loader: Loader =
        Box::new(move || load(&file, &load_opts, cmdline_umask, daemons));
    ka_daemon::core::process::run(d, loader)
}

/// Loads, validates and maps the configuration (start and SIGHUP).
fn load(
    file: &Path,
    opts: &LoadOptions,
    cmdline_umask: bool,
    daemons: Daemons,
) -> Result<Plan, LoadError> {
    let loaded = ka_config::load(file, &SystemHost, opts);
    for d in loaded.diagnostics.iter() {
        let text = d.render(&loaded.sources);
        match d.severity {
            Severity::Error => {
                tracing::error!(target: ka_daemon::core::log::target::CORE, "{text}")
            }
            Severity::Warning => {
                tracing::warn!(target: ka_daemon::core::log::target::CORE, "{text}")
            }
        }
    }
    let more = loaded.diagnostics.suppressed();
    if more.count > 0 {
        tracing::error!(
            target: ka_daemon::core::log::target::CORE,
            "{} more configuration diagnostics ({} errors) not shown",
            more.count,
            more.errors
        );
    }
    if opts.strict && loaded.diagnostics.has_errors() {
        return Err(LoadError::Strict(file.to_owned()));
    }
    if loaded.sources.is_empty() || !file.exists() {
        return Err(LoadError::NotFound(file.to_owned()));
    }
    let cfg = &loaded.config;
    if let Some(mask) = cfg.global.umask {
        if cmdline_umask {
            tracing::info!(
                target: ka_daemon::core::log::target::CORE,
                "umask command line option specified, ignoring config option"
            );
        } else {
            // keepalived compat: applied as the keyword is read, on reload
            // too; scripts and files created from now on inherit it.
            ka_daemon::core::process::set_umask(mask);
        }
    }
    // Running in the wrong network namespace would move addresses on the
    // wrong interfaces: refuse rather than warn.
    if let Some(ns) = &cfg.global.net_namespace {
        return Err(LoadError::NetNamespace(ns.clone()));
    }
    plan(cfg, daemons)
}

/// The frameworks to run: keepalived compat: `-P` / `-C` / `-B` select
/// them, and without `--all` one runs only when the configuration has
/// something for it (`vrrp_instance`s, `virtual_server`s,
/// `bfd_instance`s).
fn plan(cfg: &ka_config::Config, daemons: Daemons) -> Result<Plan, LoadError> {
    let vrrp = daemons
        .vrrp
        .then(|| vrrp_plan(cfg, &SystemHost))
        .filter(|p| daemons.all || !p.engine.instances.is_empty());
    let mut check = daemons
        .checker
        .then(|| check_plan(cfg, &SystemHost))
        .filter(|p| daemons.all || !p.engine.virtual_servers.is_empty());
    if let (Some(v), Some(c)) = (&vrrp, &mut check) {
        // One reader per track_file: VRRP's trackers publish on the bus
        // the checkers read too.
        c.files
            .retain(|f| !v.files.iter().any(|x| x.name == f.name));
    }
    let bfd = daemons
        .bfd
        .then(|| {
            ka_daemon::bfd::plan::bfd_plan(cfg, ka_daemon::bfd::random_seed())
        })
        .flatten();
    if vrrp.is_none() && check.is_none() && bfd.is_none() {
        return Err(LoadError::NothingToRun);
    }
    let mut notes = Vec::new();
    let hooks = ProcessHooks::new(&cfg.global, &SystemHost, &mut notes);
    for n in notes {
        tracing::warn!(target: ka_daemon::core::log::target::CORE, "{n}");
    }
    Ok(Plan {
        vrrp,
        check,
        bfd,
        hooks,
    })
}

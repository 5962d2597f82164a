//! Running as a daemon: load and map the configuration, then hand over to
//! `ka_daemon` (VRRP runtime, signals, pid files, logging).
//!
//! keepalived compat: keepalived starts even when its configuration has
//! errors, with the fallbacks it reported; so does keepalived-rs (the
//! diagnostics are logged). `--strict-config` refuses to start instead.

use std::path::{Path, PathBuf};

use ka_config::{LoadOptions, Severity};
use ka_daemon::daemon::{DaemonOptions, Loader};
use ka_daemon::log::LogOptions;
use ka_daemon::map::{UserResolver, VrrpPlan, vrrp_plan};

use crate::cli::Options;
use crate::config_test::DEFAULT_CONFIG_FILE;
use crate::host::SystemHost;

/// keepalived's default pid files.
const PID_FILE: &str = "/run/keepalived.pid";
const VRRP_PID_FILE: &str = "/run/keepalived_vrrp.pid";

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
    if !opts.daemons.vrrp {
        eprintln!(
            "keepalived-rs: only the VRRP framework is implemented; the checker (-C) and BFD \
             frameworks are not implemented yet"
        );
        return 1;
    }
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
        record_events: opts.record_events.clone(),
    };
    let loader: Loader = Box::new(move || load(&file, &load_opts));
    ka_daemon::daemon::run(d, loader)
}

/// Loads, validates and maps the configuration (start and SIGHUP).
fn load(file: &Path, opts: &LoadOptions) -> Result<VrrpPlan, String> {
    let loaded = ka_config::load(file, &SystemHost, opts);
    for d in loaded.diagnostics.iter() {
        let text = d.render(&loaded.sources);
        match d.severity {
            Severity::Error => {
                tracing::error!(target: ka_daemon::log::target::CORE, "{text}")
            }
            Severity::Warning => {
                tracing::warn!(target: ka_daemon::log::target::CORE, "{text}")
            }
        }
    }
    let more = loaded.diagnostics.suppressed();
    if more.count > 0 {
        tracing::error!(
            target: ka_daemon::log::target::CORE,
            "{} more configuration diagnostics ({} errors) not shown",
            more.count,
            more.errors
        );
    }
    if opts.strict && loaded.diagnostics.has_errors() {
        return Err(format!(
            "{}: configuration errors with --strict-config; not starting",
            file.display()
        ));
    }
    if loaded.sources.is_empty() || !file.exists() {
        return Err(format!("configuration file {} not found", file.display()));
    }
    let cfg = &loaded.config;
    // Running in the wrong network namespace would move addresses on the
    // wrong interfaces: refuse rather than warn.
    if let Some(ns) = &cfg.global.net_namespace {
        return Err(format!(
            "net_namespace {ns} is not implemented by keepalived-rs yet; run it under `ip netns exec {ns}` instead"
        ));
    }
    if !cfg.lvs.virtual_servers.is_empty() {
        tracing::warn!(
            target: ka_daemon::log::target::CORE,
            "virtual_server blocks are configured but the checker/IPVS framework is not implemented yet; they are not run"
        );
    }
    if !cfg.bfd.instances.is_empty() {
        tracing::warn!(
            target: ka_daemon::log::target::CORE,
            "bfd_instance blocks are configured but the BFD framework is not implemented yet; they are not run"
        );
    }
    let plan = vrrp_plan(cfg, &SystemHost);
    if plan.engine.instances.is_empty() {
        return Err("no vrrp_instance configured: nothing to run (only VRRP is implemented yet)".into());
    }
    Ok(plan)
}

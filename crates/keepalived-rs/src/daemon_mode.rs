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
use ka_daemon::core::placement::{PID_DIR, Placement, Sched};
use ka_daemon::core::process::{DaemonOptions, LoadError, Loader};
use ka_daemon::core::reload::{ReloadPlan, default_reload_file};
use ka_daemon::vrrp::plan::{UserResolver, vrrp_plan};

use crate::cli::{Daemons, Options};
use crate::config_test::DEFAULT_CONFIG_FILE;
use crate::host::SystemHost;

/// keepalived's pid file names (`RUNSTATEDIR/NAME.pid`, or
/// `RUNSTATEDIR/keepalived/NAME[_INSTANCE].pid` with a pid directory).
const PID_NAMES: [&str; 4] = ["keepalived", "vrrp", "checkers", "bfd"];

/// What a reload may not change (keepalived: "Cannot change ... at a
/// reload").
#[derive(Clone, Debug, Default)]
struct Fixed {
    /// `-s`: overrides `net_namespace`, at start and at each reload.
    namespace_override: Option<String>,
    /// The namespace joined at start.
    namespace: Option<String>,
    /// The `instance` name at start.
    instance: Option<String>,
    /// `-V`: the VRRP plan leaves everything in place at stop.
    dont_release_vrrp: bool,
    /// `-a`: VRRP logs every address change.
    address_monitoring: bool,
}

impl Fixed {
    fn namespace_of(
        &self,
        g: &ka_config::model::global::GlobalDefs,
    ) -> Option<String> {
        self.namespace_override
            .clone()
            .or_else(|| g.net_namespace.clone())
    }
}

/// The default pid files (main, VRRP, checkers, BFD), as keepalived
/// forms them: with an `instance`, `/run/keepalived/keepalived_INST.pid`
/// ...; with a pid directory (a namespace, `instance` or `use_pid_dir`),
/// `/run/keepalived/keepalived.pid`, `vrrp.pid`, `checkers.pid`,
/// `bfd.pid`; else `/run/keepalived.pid`, `/run/keepalived_vrrp.pid` ...
/// In a namespace `/run/keepalived` is private: the host sees
/// `/run/keepalived/NS/...`.
fn default_pid_files(
    use_pid_dir: bool,
    instance: Option<&str>,
) -> [PathBuf; 4] {
    PID_NAMES.map(|name| {
        if let Some(inst) = instance {
            PathBuf::from(format!("{PID_DIR}/{name}_{inst}.pid"))
        } else if use_pid_dir {
            PathBuf::from(format!("{PID_DIR}/{name}.pid"))
        } else if name == "keepalived" {
            PathBuf::from("/run/keepalived.pid")
        } else {
            PathBuf::from(format!("/run/keepalived_{name}.pid"))
        }
    })
}

/// keepalived's `make_syslog_ident` suffix: `_NS`, `_INST`, `_NS_INST`.
fn ident_suffix(ns: Option<&str>, instance: Option<&str>) -> String {
    [ns, instance]
        .into_iter()
        .flatten()
        .map(|p| format!("_{p}"))
        .collect()
}

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
    // keepalived reads its configuration before joining the namespace it
    // names; what the daemon uses is read again inside it.
    let pre = ka_config::load(&file, &SystemHost, &load_opts);
    let g = &pre.config.global;
    let fixed = Fixed {
        namespace_override: opts.namespace.clone(),
        namespace: None,
        instance: g.instance.clone(),
        dont_release_vrrp: opts.dont_release_vrrp,
        address_monitoring: opts.address_monitoring,
    };
    let fixed = Fixed {
        namespace: fixed.namespace_of(g),
        ..fixed
    };
    let placement = placement(opts, g, &fixed);
    let use_pid_dir = placement.pid_dir.is_some();
    let [main_pid, vrrp_pid, checkers_pid, bfd_pid] =
        default_pid_files(use_pid_dir, fixed.instance.as_deref());
    let d = DaemonOptions {
        log: LogOptions {
            console: opts.log_console,
            syslog: !opts.no_syslog,
            facility: opts.log_facility.unwrap_or(3),
            detail: opts.log_detail > 0,
            ident_suffix: ident_suffix(
                fixed.namespace.as_deref(),
                fixed.instance.as_deref(),
            ),
            file: opts
                .log_file
                .clone()
                .map(|f| f.unwrap_or_else(|| PathBuf::from(DEFAULT_LOG_FILE))),
        },
        dont_fork: opts.dont_fork,
        pid_file: opts.pid_file.clone().unwrap_or(main_pid),
        vrrp_pid_file: opts.vrrp_pid_file.clone().unwrap_or(vrrp_pid),
        checkers_pid_file: opts
            .checkers_pid_file
            .clone()
            .unwrap_or(checkers_pid),
        bfd_pid_file: opts.bfd_pid_file.clone().unwrap_or(bfd_pid),
        placement,
        dump_conf: opts.dump_conf,
        umask: opts.umask,
        record_events: opts.record_events.clone(),
        check: RunOptions {
            backend: opts.lvs_backend,
            dont_release: opts.dont_release_ipvs,
            record: None,
        },
        control_socket: Some(opts.control_socket.clone().unwrap_or_else(
            || PathBuf::from(ka_daemon::core::control_socket::DEFAULT_PATH),
        )),
        metrics_listen: opts.metrics_listen,
        snmp: ka_daemon::core::snmp::CommandLine {
            all: opts.snmp,
            socket: opts.snmp_socket.clone(),
        },
    };
    let cmdline_umask = opts.umask.is_some();
    let daemons = opts.daemons;
    let loader: Loader = Box::new(move || {
        load(&file, &load_opts, cmdline_umask, daemons, &fixed)
    });
    ka_daemon::core::process::run(d, loader)
}

/// keepalived's `-g` default (under `/tmp`).
const DEFAULT_LOG_FILE: &str = "keepalived.log";

/// Namespace, pid directory, scheduling and core dumps, with the lines
/// keepalived logs about them.
fn placement(
    opts: &Options,
    g: &ka_config::model::global::GlobalDefs,
    fixed: &Fixed,
) -> Placement {
    let mut notes = Vec::new();
    if let (Some(cmd), Some(conf)) = (&opts.namespace, &g.net_namespace) {
        notes.push(format!(
            "Overriding config net_namespace '{conf}' with command line namespace '{cmd}'"
        ));
    }
    let ns = fixed.namespace.clone();
    let named = ns.is_some() || fixed.instance.is_some();
    if named {
        let suffix = ident_suffix(ns.as_deref(), fixed.instance.as_deref());
        notes.push(format!("Changing syslog ident to Keepalived{suffix}"));
    }
    Placement {
        namespace: ns,
        pid_dir: (named || g.use_pid_dir).then(|| PathBuf::from(PID_DIR)),
        notes,
        sched: Sched {
            vrrp: g.vrrp_process.clone(),
            check: g.checker_process.clone(),
            bfd: g.bfd_process.clone(),
            max_auto_priority: g.max_auto_priority,
            min_auto_priority_delay: g.min_auto_priority_delay,
        },
        core_dump: opts.core_dump,
        core_pattern: opts
            .core_dump_pattern
            .clone()
            .map(|p| p.unwrap_or_else(|| "core".to_string())),
    }
}

/// Loads, validates and maps the configuration (start and SIGHUP).
fn load(
    file: &Path,
    opts: &LoadOptions,
    cmdline_umask: bool,
    daemons: Daemons,
    fixed: &Fixed,
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
    // keepalived compat: the namespace and the instance name stay those
    // the daemon started with; a reload changing them is refused.
    if fixed.namespace_of(&cfg.global) != fixed.namespace {
        return Err(LoadError::Unsupported("network namespace"));
    }
    if cfg.global.instance != fixed.instance {
        return Err(LoadError::Unsupported("instance name"));
    }
    // keepalived compat: its VRRP process (run for instances and static
    // addresses, routes, rules) exits KEEPALIVED_EXIT_CONFIG and the
    // parent terminates everything; a reload keeps what runs.
    let v = &cfg.vrrp;
    let vrrp_runs = daemons.vrrp
        && !(v.instances.is_empty()
            && v.static_addresses.is_empty()
            && v.static_routes.is_empty()
            && v.static_rules.is_empty());
    if let (Some(why), true) = (loaded.vrrp_stop, vrrp_runs) {
        return Err(LoadError::VrrpConfig(why));
    }
    let mut plan = plan(cfg, daemons)?;
    // keepalived compat: the namespace joined at start (`-s` overriding
    // `net_namespace`) and `instance` name the data dumps.
    plan.dump_tag = ka_daemon::core::dump_names::tag(
        cfg.global.reload.data_use_instance == Some(true),
        fixed.namespace.as_deref(),
        cfg.global.instance.as_deref(),
    );
    plan.reload = reload_plan(&cfg.global, fixed);
    if let Some(v) = &mut plan.vrrp {
        v.dont_release = fixed.dont_release_vrrp;
        v.log_address_changes = fixed.address_monitoring;
    }
    Ok(plan)
}

/// `reload_check_config`, `reload_file` (keepalived's default path
/// resolved as its pid files are), `config_save_dir`.
fn reload_plan(
    g: &ka_config::model::global::GlobalDefs,
    fixed: &Fixed,
) -> ReloadPlan {
    let r = &g.reload;
    let pid_dir =
        g.use_pid_dir || fixed.namespace.is_some() || fixed.instance.is_some();
    ReloadPlan {
        check_config: r.check_config.as_ref().map(PathBuf::from),
        file: r.file.as_ref().map(|f| match f {
            Some(p) => PathBuf::from(p),
            None => default_reload_file(fixed.instance.as_deref(), pid_dir),
        }),
        save_dir: r.config_save_dir.as_ref().map(PathBuf::from),
        time_file: r.time_file.as_ref().map(PathBuf::from),
        repeat: r.repeat,
    }
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
        dump_tag: None,
        process_name: cfg.global.process_name.clone(),
        reload: Default::default(),
    })
}

#[cfg(test)]
#[path = "daemon_mode_tests.rs"]
mod tests;

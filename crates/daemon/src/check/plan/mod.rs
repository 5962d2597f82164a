//! From the validated configuration model to what the checker runtime
//! runs.
//!
//! [`check_plan`] is a pure function over a [`ka_config::Config`] that
//! went through validation (every inherited checker value filled): it
//! produces the sans-IO engine's [`CheckConfig`] (services with their
//! flags, destinations with their weights, timers, quorum, sorry
//! servers), which checker of which real server each probe belongs to,
//! the notify scripts, the notify FIFO, the `track_file`s FILE_CHECK
//! reads, and the global IPVS settings. Users are resolved through a
//! [`UserResolver`], so tests need no password database.
//!
//! Everything configured that the runtime does not honour is listed in
//! [`CheckPlan::not_implemented`], logged at start.

mod services;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use ka_check::{
    CheckConfig, CheckerConfig, CheckerId, CheckerSource, RsConfig, RsId,
    SorryConfig, VsConfig,
};
use ka_config::Config;
use ka_config::model::global::{GlobalDefs, LvsFlushOnStop, LvsTimeouts};
use ka_config::model::lvs::{
    Checker, CheckerKind, RealServer, Script, VirtualServer, VsKey,
};
use ka_config::model::vrrp::ScriptCmd;
use ka_sys::script::ScriptSpec;

use crate::check::sync_daemon::{SyncPlan, sync_plan};
use crate::core::trackers::{FileTracker, InitFile};
use crate::vrrp::plan::support::{Users, fifo_spec};
use crate::vrrp::plan::{FifoSpec, UserResolver};

pub use services::{fmt_rs, fmt_vs};

/// Where a probe's settings are in the configuration: indexes into
/// `lvs.virtual_servers`, its `real_servers` and their `checkers`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProbeRef {
    /// The virtual server.
    pub vs: usize,
    /// The real server in it.
    pub rs: usize,
    /// The checker in it.
    pub checker: usize,
}

/// `notify_up` / `notify_down` of one real server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RsHooks {
    /// `notify_up`.
    pub up: Option<ScriptSpec>,
    /// `notify_down`.
    pub down: Option<ScriptSpec>,
}

/// `quorum_up` / `quorum_down` of one virtual server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VsHooks {
    /// `quorum_up`.
    pub up: Option<ScriptSpec>,
    /// `quorum_down`.
    pub down: Option<ScriptSpec>,
}

/// The global IPVS settings (`lvs_flush`, `lvs_flush_on_stop`,
/// `lvs_timeouts`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LvsGlobals {
    /// `lvs_flush`: empty the kernel table at start.
    pub flush: bool,
    /// `lvs_flush_on_stop`.
    pub flush_on_stop: Option<LvsFlushOnStop>,
    /// `lvs_timeouts`.
    pub timeouts: Option<LvsTimeouts>,
}

/// Everything the checker runtime needs, derived from the configuration.
#[derive(Clone, Debug, Default)]
pub struct CheckPlan {
    /// The engine's configuration.
    pub engine: CheckConfig,
    /// The probe of every checker whose verdicts come from a probe.
    pub probes: BTreeMap<CheckerId, ProbeRef>,
    /// Real server scripts.
    pub rs_hooks: BTreeMap<RsId, RsHooks>,
    /// Quorum scripts, per virtual server (engine order).
    pub vs_hooks: Vec<VsHooks>,
    /// The FIFO checker events are written to (`lvs_notify_fifo`, else
    /// `notify_fifo`).
    pub fifo: Option<FifoSpec>,
    /// The `track_file`s FILE_CHECK reads (the process drops those the
    /// VRRP framework already watches: one reader per file).
    pub files: Vec<FileTracker>,
    /// Global IPVS settings.
    pub lvs: LvsGlobals,
    /// `lvs_sync_daemon`.
    pub sync_daemon: Option<SyncPlan>,
    /// What is configured but not run, as sentences for the log.
    pub not_implemented: Vec<String>,
    /// The configuration the probes read their settings from.
    pub config: Arc<Config>,
}

impl PartialEq for CheckPlan {
    fn eq(&self, other: &Self) -> bool {
        self.engine == other.engine
            && self.probes == other.probes
            && self.rs_hooks == other.rs_hooks
            && self.vs_hooks == other.vs_hooks
            && self.fifo == other.fifo
            && self.files == other.files
            && self.lvs == other.lvs
            && self.sync_daemon == other.sync_daemon
            && self.not_implemented == other.not_implemented
    }
}

impl CheckPlan {
    /// The configuration of a probe.
    pub fn probe_config(
        &self,
        r: ProbeRef,
    ) -> Option<(&VirtualServer, &RealServer, &Checker)> {
        let vs = self.config.lvs.virtual_servers.get(r.vs)?;
        let rs = vs.real_servers.get(r.rs)?;
        Some((vs, rs, rs.checkers.get(r.checker)?))
    }
}

/// Maps a validated configuration to the checker runtime's plan. An
/// empty [`CheckPlan::engine`] means there is nothing to check.
pub fn check_plan(cfg: &Config, resolver: &dyn UserResolver) -> CheckPlan {
    let mut plan = CheckPlan::default();
    let g = &cfg.global;
    let users = Users::new(g, resolver, &mut plan.not_implemented);
    let mut files = HashSet::new();
    for (vi, vs) in cfg.lvs.virtual_servers.iter().enumerate() {
        let group = match &vs.key {
            VsKey::Group(name) => {
                cfg.lvs.groups.iter().find(|x| &x.name == name)
            }
            _ => None,
        };
        let svcs = services::services(vs, group, &mut plan.not_implemented);
        let vsi = plan.engine.virtual_servers.len() as u32;
        let mut v = VsConfig {
            name: fmt_vs(vs),
            vips: if vs.ha_suspend {
                services::vips(&svcs)
            } else {
                Vec::new()
            },
            services: svcs,
            quorum: vs.quorum,
            hysteresis: vs.hysteresis,
            sorry_server: vs.sorry_server.as_ref().map(|ss| SorryConfig {
                // keepalived compat: `alloc_ssvr` gives it weight 1.
                dest: services::dest(ss.addr, ss.forwarding, 1, (0, 0)),
                inhibit: ss.inhibit,
            }),
            ha_suspend: vs.ha_suspend,
            omega: vs.omega,
            smtp_alert: vs_smtp_alert(vs, g),
            real_servers: Vec::new(),
        };
        plan.vs_hooks.push(VsHooks {
            up: hook(
                &users,
                "quorum_up",
                vs.quorum_up.as_ref(),
                &mut plan.not_implemented,
            ),
            down: hook(
                &users,
                "quorum_down",
                vs.quorum_down.as_ref(),
                &mut plan.not_implemented,
            ),
        });
        for (ri, rs) in vs.real_servers.iter().enumerate() {
            let id = RsId {
                vs: vsi,
                rs: ri as u32,
            };
            let mut r = rs_config(vs, rs, g);
            for (ci, c) in rs.checkers.iter().enumerate() {
                let cid = CheckerId {
                    rs: id,
                    checker: r.checkers.len() as u32,
                };
                let cc = checker_config(c, rs, g);
                match &cc.source {
                    CheckerSource::Probe => {
                        plan.probes.insert(
                            cid,
                            ProbeRef {
                                vs: vi,
                                rs: ri,
                                checker: ci,
                            },
                        );
                    }
                    CheckerSource::File { track_file, .. } => {
                        files.insert(track_file.clone());
                    }
                    // BFD_CHECK follows the session's state from the bus.
                    CheckerSource::Bfd { .. } => {}
                }
                r.checkers.push(cc);
            }
            plan.rs_hooks.insert(
                id,
                RsHooks {
                    up: hook(
                        &users,
                        "notify_up",
                        rs.notify_up.as_ref(),
                        &mut plan.not_implemented,
                    ),
                    down: hook(
                        &users,
                        "notify_down",
                        rs.notify_down.as_ref(),
                        &mut plan.not_implemented,
                    ),
                },
            );
            v.real_servers.push(r);
        }
        plan.engine.virtual_servers.push(v);
    }
    plan.files = cfg
        .vrrp
        .track_files
        .iter()
        .filter(|f| files.contains(&f.name))
        .map(|f| FileTracker {
            name: f.name.clone(),
            path: f.file.clone(),
            init_file: f
                .init_file
                .map(|(value, overwrite)| InitFile { value, overwrite }),
        })
        .collect();
    plan.fifo = fifo(cfg, &users, &mut plan.not_implemented);
    plan.lvs = LvsGlobals {
        flush: g.lvs_flush,
        flush_on_stop: g.lvs_flush_on_stop,
        timeouts: g.lvs_timeouts,
    };
    plan.sync_daemon = sync_plan(cfg, &mut plan.not_implemented);
    plan.engine.bootstrap_delay = ka_check::config::BOOTSTRAP_DELAY;
    plan.engine.rs_init_notifies = cfg.global.rs_init_notifies;
    plan.config = Arc::new(cfg.clone());
    plan
}

/// A real server's engine configuration (checkers added by the caller).
fn rs_config(vs: &VirtualServer, rs: &RealServer, g: &GlobalDefs) -> RsConfig {
    let weight = rs.weight.unwrap_or(vs.weight);
    RsConfig {
        name: fmt_rs(vs, rs.addr),
        dest: services::dest(
            rs.addr,
            rs.forwarding,
            weight,
            (rs.uthreshold, rs.lthreshold),
        ),
        inhibit_on_failure: rs
            .inhibit_on_failure
            .unwrap_or(vs.inhibit_on_failure),
        // keepalived compat (validate_check_config): a real server's
        // smtp_alert defaults to on, unlike the virtual server's.
        smtp_alert: rs
            .smtp_alert
            .or(g.smtp_alert_checker)
            .or(g.smtp_alert)
            .unwrap_or(true),
        checkers: Vec::new(),
    }
}

/// keepalived compat (validate_check_config): `smtp_alert`, else
/// `smtp_alert_checker`, else the global `smtp_alert`, else off.
fn vs_smtp_alert(vs: &VirtualServer, g: &GlobalDefs) -> bool {
    vs.smtp_alert
        .or(g.smtp_alert_checker)
        .or(g.smtp_alert)
        .unwrap_or(false)
}

/// One checker's timers and source. Validation filled the inherited
/// timers of probe checkers; FILE_CHECK and BFD_CHECK have no probe, and
/// take the real server's values where the engine wants one.
fn checker_config(
    c: &Checker,
    rs: &RealServer,
    g: &GlobalDefs,
) -> CheckerConfig {
    let cm = &c.common;
    let delay_loop = cm
        .delay_loop
        .or(rs.delay_loop)
        .unwrap_or(ka_config::model::lvs::DEFAULT_DELAY_LOOP);
    let rs_timeout = rs
        .connect_timeout
        .unwrap_or(ka_config::model::lvs::DEFAULT_CONNECT_TIMEOUT);
    let connect_timeout = match &c.kind {
        // keepalived compat: misc_timeout defaults to delay_loop.
        CheckerKind::Misc(m) => m.timeout.unwrap_or(delay_loop),
        _ => c
            .conn
            .as_ref()
            .and_then(|co| co.connect_timeout)
            .unwrap_or(rs_timeout),
    };
    let source = match &c.kind {
        CheckerKind::File(f) => CheckerSource::File {
            track_file: f.track_file.clone(),
            weight: f.weight.unwrap_or(0),
            reverse: f.reverse,
        },
        CheckerKind::Bfd(b) => CheckerSource::Bfd {
            name: b.name.clone(),
        },
        _ => CheckerSource::Probe,
    };
    CheckerConfig {
        keyword: c.kind.keyword().to_owned(),
        source,
        delay_loop,
        connect_timeout,
        retry: cm.retry.unwrap_or_else(|| c.kind.default_retry()),
        delay_before_retry: cm
            .delay_before_retry
            .or_else(|| c.kind.default_delay_before_retry())
            .unwrap_or(delay_loop),
        warmup: cm.warmup.unwrap_or(delay_loop),
        alpha: cm.alpha.or(rs.alpha).unwrap_or(false),
        log_all_failures: cm.log_all_failures || g.checker_log_all_failures,
        dynamic: matches!(&c.kind, CheckerKind::Misc(m) if m.dynamic),
        urls: match &c.kind {
            CheckerKind::Http(h) | CheckerKind::Ssl(h) => {
                u32::try_from(h.urls.len()).unwrap_or(u32::MAX)
            }
            _ => 0,
        },
        fast_recovery: match &c.kind {
            CheckerKind::Http(h) | CheckerKind::Ssl(h) => h.fast_recovery,
            _ => false,
        },
    }
}

/// A notify or quorum script as the runtime runs it; a script whose user
/// cannot be resolved is dropped with a note, as keepalived drops it.
fn hook(
    users: &Users<'_>,
    what: &str,
    s: Option<&Script>,
    notes: &mut Vec<String>,
) -> Option<ScriptSpec> {
    let s = s?;
    let argv = match ka_config::lexer::split_quoted_escaped(&s.command) {
        Ok(a) if !a.is_empty() => a,
        _ => {
            notes.push(format!("{what} {}: cannot be split into arguments; the script is not run", s.command));
            return None;
        }
    };
    let cmd = ScriptCmd {
        argv,
        user: s.user.clone(),
        group: s.group.clone(),
    };
    match users.spec(&cmd) {
        Ok(spec) => Some(spec),
        Err(e) => {
            notes.push(format!(
                "{what} {}: {e}; the script is not run",
                s.command
            ));
            None
        }
    }
}

/// The FIFO for checker events: `lvs_notify_fifo`, else `notify_fifo`.
///
/// keepalived compat: keepalived writes `RS`/`VS` lines to both when
/// both are set. One FIFO is opened per framework here, and VRRP owns
/// `notify_fifo` when it runs, so a shared `notify_fifo` gets no checker
/// lines then (reported).
fn fifo(
    cfg: &Config,
    users: &Users<'_>,
    notes: &mut Vec<String>,
) -> Option<FifoSpec> {
    let g = &cfg.global;
    let set = |f: &Option<ka_config::model::global::Fifo>| {
        f.clone().filter(|f| !f.path.is_empty())
    };
    if let Some(f) = set(&g.lvs_notify_fifo) {
        return Some(fifo_spec(&f, "lvs_notify_fifo", users, notes));
    }
    let f = set(&g.notify_fifo)?;
    if !cfg.vrrp.instances.is_empty() {
        notes.push(format!("notify_fifo {}: checker events are not written to it while VRRP uses it; set lvs_notify_fifo for them", f.path));
        return None;
    }
    Some(fifo_spec(&f, "notify_fifo", users, notes))
}

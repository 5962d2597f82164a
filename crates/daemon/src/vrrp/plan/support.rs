//! Scripts, trackers, notify hooks and the FIFO: everything that runs a
//! command or watches something, with users resolved.

use std::collections::HashSet;

use ka_config::Config;
use ka_config::model::global::{Fifo, GlobalDefs};
use ka_config::model::vrrp::{
    Instance, ScriptCmd, SyncGroup, TrackRef, Trackers,
};
use ka_sys::script::ScriptSpec;
use ka_vrrp::{ProcessConfig, ScriptConfig};

use super::{
    FifoSpec, FileTracker, InitFile, ProcessTracker, ScriptRunner,
    UserResolver, VrrpPlan,
};
use crate::vrrp::notify::Hooks;

/// keepalived's default script user when `script_user` is not set.
const DEFAULT_SCRIPT_USER: &str = "keepalived_script";

/// User resolution with keepalived's default script user.
pub(crate) struct Users<'a> {
    resolver: &'a dyn UserResolver,
    /// `(uid, gid)` for scripts without `user`; `None` runs them as the
    /// daemon itself (root).
    default: Option<(u32, u32)>,
}

impl<'a> Users<'a> {
    /// keepalived compat: `script_user`, else `keepalived_script` if that
    /// user exists, else root (`set_default_script_user`).
    pub(crate) fn new(
        g: &GlobalDefs,
        resolver: &'a dyn UserResolver,
        notes: &mut Vec<String>,
    ) -> Self {
        let configured = g.script_user.as_ref().and_then(|(u, grp)| {
            let r = resolver.uid_gid(u, grp.as_deref());
            if r.is_none() {
                notes.push(format!("script_user {u} cannot be resolved; scripts without a user run as {DEFAULT_SCRIPT_USER} or root"));
            }
            r
        });
        let default =
            configured.or_else(|| resolver.uid_gid(DEFAULT_SCRIPT_USER, None));
        Self { resolver, default }
    }

    /// The spec of a command, or why it cannot be run.
    pub(crate) fn spec(&self, cmd: &ScriptCmd) -> Result<ScriptSpec, String> {
        let ids = match &cmd.user {
            Some(u) => Some(
                self.resolver.uid_gid(u, cmd.group.as_deref()).ok_or_else(
                    || {
                        let g = cmd
                            .group
                            .as_deref()
                            .map(|g| format!(" group {g}"))
                            .unwrap_or_default();
                        format!("user {u}{g} cannot be resolved")
                    },
                )?,
            ),
            None => self.default,
        };
        Ok(ScriptSpec {
            argv: cmd.argv.clone(),
            uid: ids.map(|i| i.0),
            gid: ids.map(|i| i.1),
            timeout: None,
        })
    }

    /// Like [`Self::spec`], reporting a failure into `notes` (keepalived
    /// drops a script whose user is unknown).
    fn hook(
        &self,
        what: &str,
        cmd: Option<&ScriptCmd>,
        notes: &mut Vec<String>,
    ) -> Option<ScriptSpec> {
        match self.spec(cmd?) {
            Ok(s) => Some(s),
            Err(e) => {
                notes.push(format!("{what}: {e}; the script is not run"));
                None
            }
        }
    }
}

/// The tracker names an instance or group may reference.
#[derive(Debug, Default)]
pub(super) struct Known {
    /// `vrrp_script`s that can run.
    pub(super) scripts: HashSet<String>,
    /// `track_file`s.
    pub(super) files: HashSet<String>,
    /// `vrrp_track_process`es.
    pub(super) processes: HashSet<String>,
    /// `bfd_instance`s.
    pub(super) bfds: HashSet<String>,
}

/// Every tracker list of every instance and group.
fn all_trackers(cfg: &Config) -> impl Iterator<Item = &Trackers> {
    let i = cfg.vrrp.instances.iter().map(|i| &i.track);
    i.chain(cfg.vrrp.sync_groups.iter().map(|s| &s.track))
}

/// Fills the script, file and process runners (used ones only, as
/// keepalived runs only tracked scripts) and returns the usable names.
pub(super) fn trackers(
    cfg: &Config,
    users: &Users<'_>,
    plan: &mut VrrpPlan,
) -> Known {
    Known {
        scripts: scripts(cfg, users, plan),
        files: files(cfg, plan),
        processes: processes(cfg, plan),
        bfds: cfg.bfd.instances.iter().map(|b| b.name.clone()).collect(),
    }
}

/// Whether an instance or group references `name` in the list `pick`.
fn used(
    cfg: &Config,
    pick: fn(&Trackers) -> &Vec<TrackRef>,
    name: &str,
) -> bool {
    all_trackers(cfg).any(|t| pick(t).iter().any(|r| r.name == name))
}

fn scripts(
    cfg: &Config,
    users: &Users<'_>,
    plan: &mut VrrpPlan,
) -> HashSet<String> {
    let mut names = HashSet::new();
    for s in cfg.vrrp.scripts.iter() {
        if !used(cfg, |t| &t.scripts, &s.name) {
            continue;
        }
        let mut spec = match users.spec(&s.cmd) {
            Ok(spec) => spec,
            Err(e) => {
                plan.not_implemented.push(format!("vrrp_script {}: {e}; the script and its track_script references are ignored", s.name));
                continue;
            }
        };
        // keepalived compat: the timeout defaults to the interval.
        let timeout = s.timeout.unwrap_or(s.interval);
        spec.timeout = Some(timeout);
        let name = s.name.clone();
        plan.scripts.push(ScriptRunner {
            name: name.clone(),
            spec,
            interval: s.interval,
            timeout,
        });
        plan.engine.scripts.push(ScriptConfig {
            name: name.clone(),
            rise: s.rise,
            fall: s.fall,
            init_fail: s.init_fail,
        });
        names.insert(name);
    }
    names
}

fn files(cfg: &Config, plan: &mut VrrpPlan) -> HashSet<String> {
    let mut names = HashSet::new();
    for f in cfg.vrrp.track_files.iter() {
        if used(cfg, |t| &t.files, &f.name) {
            let init_file = f
                .init_file
                .map(|(value, overwrite)| InitFile { value, overwrite });
            plan.files.push(FileTracker {
                name: f.name.clone(),
                path: f.file.clone(),
                init_file,
            });
            names.insert(f.name.clone());
        }
    }
    names
}

fn processes(cfg: &Config, plan: &mut VrrpPlan) -> HashSet<String> {
    let mut names = HashSet::new();
    for p in cfg.vrrp.track_processes.iter() {
        if !used(cfg, |t| &t.processes, &p.name) {
            continue;
        }
        let (process, params) = match p.process.split_first() {
            Some((a, b)) => (a.clone(), b.to_vec()),
            None => Default::default(),
        };
        plan.processes.push(ProcessTracker {
            name: p.name.clone(),
            process,
            params,
            param_match: p.param_match,
            full_command: p.full_command,
            fork_delay: p.fork_delay,
            terminate_delay: p.terminate_delay,
        });
        plan.engine.processes.push(ProcessConfig {
            name: p.name.clone(),
            quorum: p.quorum,
            quorum_max: p.quorum_max.unwrap_or(u32::MAX),
        });
        names.insert(p.name.clone());
    }
    names
}

/// Notify hooks of an instance.
pub(super) fn instance_hooks(
    i: &Instance,
    users: &Users<'_>,
    notes: &mut Vec<String>,
) -> Hooks {
    let mut h = |kw: &str, c: Option<&ScriptCmd>| {
        users.hook(&format!("({}) {kw}", i.name), c, notes)
    };
    Hooks {
        master: h("notify_master", i.notify_master.as_ref()),
        backup: h("notify_backup", i.notify_backup.as_ref()),
        fault: h("notify_fault", i.notify_fault.as_ref()),
        stop: h("notify_stop", i.notify_stop.as_ref()),
        deleted: h(
            "notify_deleted",
            i.notify_deleted.as_ref().and_then(Option::as_ref),
        ),
        master_rx_lower_pri: h(
            "notify_master_rx_lower_pri",
            i.notify_master_rx_lower_pri.as_ref(),
        ),
        generic: h("notify", i.notify.as_ref()),
    }
}

/// Notify hooks of a sync group.
pub(super) fn group_hooks(
    s: &SyncGroup,
    users: &Users<'_>,
    notes: &mut Vec<String>,
) -> Hooks {
    let mut h = |kw: &str, c: Option<&ScriptCmd>| {
        users.hook(&format!("sync group {} {kw}", s.name), c, notes)
    };
    Hooks {
        master: h("notify_master", s.notify_master.as_ref()),
        backup: h("notify_backup", s.notify_backup.as_ref()),
        fault: h("notify_fault", s.notify_fault.as_ref()),
        stop: h("notify_stop", s.notify_stop.as_ref()),
        deleted: None,
        master_rx_lower_pri: None,
        generic: h("notify", s.notify.as_ref()),
    }
}

/// The FIFOs for VRRP events: `(notify_fifo, vrrp_notify_fifo)` when
/// both are set on different paths (keepalived `notify_fifo_open` opens
/// the global one, then the VRRP one, and writes each line to both), else
/// `(None, the one set)`.
pub(super) fn fifo(
    g: &GlobalDefs,
    users: &Users<'_>,
    notes: &mut Vec<String>,
) -> (Option<FifoSpec>, Option<FifoSpec>) {
    let set = |f: &Option<Fifo>| f.clone().filter(|f| !f.path.is_empty());
    let mut spec = |f: &Fifo, kw: &str| Some(fifo_spec(f, kw, users, notes));
    match (set(&g.vrrp_notify_fifo), set(&g.notify_fifo)) {
        // keepalived compat: the same path for both ignores the VRRP one.
        (Some(v), Some(n)) if v.path == n.path => {
            (None, spec(&n, "notify_fifo"))
        }
        (Some(v), Some(n)) => {
            let global = spec(&n, "notify_fifo");
            (global, spec(&v, "vrrp_notify_fifo"))
        }
        (Some(v), None) => (None, spec(&v, "vrrp_notify_fifo")),
        (None, Some(n)) => (None, spec(&n, "notify_fifo")),
        (None, None) => (None, None),
    }
}

pub(crate) fn fifo_spec(
    f: &Fifo,
    kw: &str,
    users: &Users<'_>,
    notes: &mut Vec<String>,
) -> FifoSpec {
    // keepalived compat: without a user the FIFO belongs to the default
    // script user (`get_default_script_user`), whose existing FIFO is
    // then accepted as ours.
    let owner = match &f.user {
        None => users.default,
        Some(u) => {
            let r = users.resolver.uid_gid(u, f.group.as_deref());
            if r.is_none() {
                notes.push(format!("{kw} {}: owner {u} cannot be resolved; the FIFO keeps the default owner", f.path));
            }
            r
        }
    };
    let script = users
        .hook(&format!("{kw}_script"), f.script.as_ref(), notes)
        .map(|mut s| {
            s.argv.push(f.path.clone());
            s
        });
    FifoSpec {
        path: f.path.clone(),
        owner,
        script,
    }
}

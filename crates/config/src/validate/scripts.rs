//! Script users, as keepalived resolves them while reading the
//! configuration (`set_default_script_user()`, `get_default_script_user()`
//! and `set_script_uid_gid()` in `lib/notify.c`, the `vrrp_script` end
//! handler in `vrrp_parser.c`).
//!
//! keepalived compat:
//! * `script_user USER [GROUP]` naming a missing user or group is an
//!   error ("Error setting global script uid/gid"), and every script
//!   without its own user then has no usable user.
//! * Without `script_user`, the default user is `keepalived_script`, or
//!   root when that user does not exist; with `enable_script_security`
//!   a missing `keepalived_script` is an error ("Unable to set default
//!   user keepalived_script for script"), reported once, at the first
//!   script without a user.
//! * A `vrrp_script` whose `user` does not exist, or that has no user and
//!   no usable default, is an error and the script is removed; its
//!   `track_script` references are then reported as not found.
//! * A notify script or FIFO in the same situation is only logged and
//!   dropped (a warning here).
//!
//! Not reproduced: keepalived's parent process resolves the default user
//! for `global_defs` scripts before it has read a later
//! `enable_script_security`, which can make the default root.

use crate::diag::Diagnostics;
use crate::host::Host;
use crate::model::Config;
use crate::model::global::Fifo;
use crate::model::vrrp::{ScriptCmd, Trackers};

/// The default script user's name.
const DEFAULT_USER: &str = "keepalived_script";

/// Resolves script users, dropping scripts keepalived would drop.
pub fn validate(config: &mut Config, host: &dyn Host, d: &mut Diagnostics) {
    let default_ok = default_user(config, host, d);
    let mut removed = Vec::new();
    config.vrrp.scripts.retain(|s| {
        let ok = match &s.cmd.user {
            Some(u) => {
                let ok = user_ok(host, u, s.cmd.group.as_deref());
                if !ok {
                    d.error(s.loc.0, format!("Unable to set uid/gid for script {}", s.cmd.argv.join(" ")));
                }
                ok
            }
            None => {
                if !default_ok.get(d) {
                    d.error(s.loc.0, format!("Unable to set default user for vrrp script {} - removing", s.name));
                }
                default_ok.get(d)
            }
        };
        if !ok {
            removed.push(s.name.clone());
        }
        ok
    });
    for i in &mut config.vrrp.instances {
        unlink(&mut i.track, &removed, &i.name, i.loc.0, d);
    }
    for g in &mut config.vrrp.sync_groups {
        unlink(&mut g.track, &removed, &g.name, g.loc.0, d);
    }
    notify_scripts(config, host, &default_ok, d);
}

/// Whether scripts without a user can run; the error for a missing
/// `keepalived_script` is reported when first needed.
struct DefaultUser {
    ok: bool,
    /// `Some(message)` until the first script needs the default.
    pending: std::cell::RefCell<Option<String>>,
}

impl DefaultUser {
    fn get(&self, d: &mut Diagnostics) -> bool {
        if let Some(msg) = self.pending.borrow_mut().take() {
            d.error(None, msg);
        }
        self.ok
    }
}

fn default_user(
    config: &Config,
    host: &dyn Host,
    d: &mut Diagnostics,
) -> DefaultUser {
    let g = &config.global;
    let mut pending = None;
    let ok = match &g.script_user {
        Some((u, grp)) => {
            let ok = user_ok(host, u, grp.as_deref());
            if !ok {
                d.error(None, "Error setting global script uid/gid");
            }
            ok
        }
        None if host.user(DEFAULT_USER).is_some() => true,
        None if g.enable_script_security => {
            pending = Some(format!(
                "Unable to set default user {DEFAULT_USER} for script"
            ));
            false
        }
        // keepalived compat: runs as root (keepalived's own uid).
        None => true,
    };
    DefaultUser {
        ok,
        pending: std::cell::RefCell::new(pending),
    }
}

fn user_ok(host: &dyn Host, user: &str, group: Option<&str>) -> bool {
    host.user(user).is_some() && group.is_none_or(|g| host.group(g).is_some())
}

fn unlink(
    t: &mut Trackers,
    removed: &[String],
    owner: &str,
    at: crate::source::Span,
    d: &mut Diagnostics,
) {
    t.scripts.retain(|r| {
        let gone = removed.contains(&r.name);
        if gone {
            d.error(
                at,
                format!(
                    "({owner}) track script {} not found, ignoring...",
                    r.name
                ),
            );
        }
        !gone
    });
}

/// Drops notify scripts and FIFOs whose user cannot be set.
fn notify_scripts(
    config: &mut Config,
    host: &dyn Host,
    default: &DefaultUser,
    d: &mut Diagnostics,
) {
    let mut cx = Check { host, default, d };
    for i in &mut config.vrrp.instances {
        cx.script(&mut i.notify_master, "notify_master");
        cx.script(&mut i.notify_backup, "notify_backup");
        cx.script(&mut i.notify_fault, "notify_fault");
        cx.script(&mut i.notify_stop, "notify_stop");
        cx.script(&mut i.notify, "notify");
        cx.script(
            &mut i.notify_master_rx_lower_pri,
            "notify_master_rx_lower_pri",
        );
        if let Some(s) = &mut i.notify_deleted {
            cx.script(s, "notify_deleted");
        }
    }
    for g in &mut config.vrrp.sync_groups {
        cx.script(&mut g.notify_master, "notify_master");
        cx.script(&mut g.notify_backup, "notify_backup");
        cx.script(&mut g.notify_fault, "notify_fault");
        cx.script(&mut g.notify_stop, "notify_stop");
        cx.script(&mut g.notify, "notify");
    }
    let gl = &mut config.global;
    cx.script(&mut gl.startup_script, "startup");
    cx.script(&mut gl.shutdown_script, "shutdown");
    for f in [
        &mut gl.notify_fifo,
        &mut gl.vrrp_notify_fifo,
        &mut gl.lvs_notify_fifo,
    ] {
        cx.fifo(f);
    }
}

/// What checking one script or FIFO needs.
struct Check<'a> {
    host: &'a dyn Host,
    default: &'a DefaultUser,
    d: &'a mut Diagnostics,
}

impl Check<'_> {
    fn ok(&mut self, user: Option<&str>, group: Option<&str>) -> bool {
        match user {
            Some(u) => user_ok(self.host, u, group),
            None => self.default.get(self.d),
        }
    }

    fn script(&mut self, s: &mut Option<ScriptCmd>, what: &str) {
        let Some(cmd) = s else { return };
        if !self.ok(cmd.user.as_deref(), cmd.group.as_deref()) {
            self.d.warning(
                None,
                format!(
                    "Invalid user/group for {what} script {} - ignoring",
                    cmd.argv.join(" ")
                ),
            );
            *s = None;
        }
    }

    fn fifo(&mut self, slot: &mut Option<Fifo>) {
        let Some(f) = slot else { return };
        self.script(&mut f.script, "notify_fifo");
        if f.path.is_empty() || self.ok(f.user.as_deref(), f.group.as_deref()) {
            return;
        }
        self.d.warning(
            None,
            format!("Invalid user/group for fifo {} - ignoring", f.path),
        );
        f.path.clear();
        if f.script.is_none() {
            *slot = None;
        }
    }
}

//! Script security, as keepalived's `check_vrrp_script_security()`
//! (`vrrp.c`), `check_check_script_security()` with
//! `check_misc_script_security()` (`check_data.c`, `check_misc.c`) and
//! the start/shutdown script check in `main.c`; each script goes through
//! [`secure::check`](super::secure::check).
//!
//! keepalived compat:
//! * A `vrrp_script` that must not run (insecure with
//!   `enable_script_security`, or not found) is a configuration error,
//!   "Disabling track script NAME due to insecure" or "... since not
//!   found/accessible" (`-t` exits 5); one that is not executable by its
//!   user is dropped silently. Dropped scripts leave every `track_script`
//!   silently.
//! * Notify scripts, FIFO scripts, MISC_CHECK scripts, real-server and
//!   quorum scripts and start/shutdown scripts that must not run are only
//!   logged (warnings here) and dropped.
//! * When `enable_script_security` is off and any checked script exists
//!   (`SC_ISSCRIPT`), "SECURITY VIOLATION - scripts are being executed but
//!   script_security not enabled." is `CONFIG_SECURITY_ERROR` (`-t` exits
//!   6), with " There are insecure scripts." when one is. The VRRP check
//!   runs only with at least one `vrrp_instance`, the checker one only
//!   with at least one `virtual_server`.

use crate::diag::{Category, Diagnostic, Diagnostics, Severity};
use crate::host::Host;
use crate::model::Config;
use crate::model::global::GlobalDefs;
use crate::model::lvs::{CheckerKind, Script};
use crate::model::vrrp::ScriptCmd;

use super::secure::{self, Flags, Ids};

/// The default script user's name.
const DEFAULT_USER: &str = "keepalived_script";

/// Checks every script, dropping those keepalived would not run; the
/// VRRP scripts only when `vrrp` (keepalived's VRRP process reached
/// `vrrp_complete_init`).
pub fn validate(
    config: &mut Config,
    host: &dyn Host,
    d: &mut Diagnostics,
    vrrp_checked: bool,
) {
    let sec = config.global.enable_script_security;
    let cx = Checker {
        host,
        global: config.global.clone(),
    };
    let mut flags = Flags::default();
    let g = &mut config.global;
    for s in [&mut g.startup_script, &mut g.shutdown_script] {
        flags |= cx.notify(s, true, d, "startup/shutdown");
    }
    report(d, sec, flags, "start/shutdown scripts");
    if vrrp_checked && !config.vrrp.instances.is_empty() {
        let f = vrrp(config, &cx, d);
        report(d, sec, f, "scripts");
    }
    if !config.lvs.virtual_servers.is_empty() {
        let f = lvs(config, &cx, d);
        report(d, sec, f, "check scripts");
    }
}

fn report(d: &mut Diagnostics, sec: bool, flags: Flags, what: &str) {
    if sec || !flags.has(Flags::IS_SCRIPT) {
        return;
    }
    let more = if flags.has(Flags::INSECURE) {
        " There are insecure scripts."
    } else {
        ""
    };
    d.push(Diagnostic::new(
        Severity::Error,
        Category::Security,
        None,
        format!("SECURITY VIOLATION - {what} are being executed but script_security not enabled.{more}"),
    ));
}

/// What checking a script needs.
struct Checker<'a> {
    host: &'a dyn Host,
    global: GlobalDefs,
}

impl Checker<'_> {
    /// The ids a script with `user`/`group` runs with.
    fn ids(&self, user: Option<&str>, group: Option<&str>) -> Ids {
        let (user, group) = match (user, &self.global.script_user) {
            (Some(u), _) => (Some(u), group),
            (None, Some((u, g))) => (Some(u.as_str()), g.as_deref()),
            (None, None) => (Some(DEFAULT_USER), None),
        };
        let info = user.and_then(|u| self.host.user(u));
        let uid = info.as_ref().map_or(0, |i| i.uid);
        let gid = group
            .and_then(|g| self.host.group(g))
            .or(info.map(|i| i.gid))
            .unwrap_or(0);
        Ids { uid, gid }
    }

    fn flags(&self, prog: &str, ids: Ids) -> Flags {
        let sec = self.global.enable_script_security;
        secure::check(prog, ids, sec, self.host)
    }

    fn cmd(&self, s: &ScriptCmd) -> Flags {
        let prog = s.argv.first().map_or("", String::as_str);
        self.flags(prog, self.ids(s.user.as_deref(), s.group.as_deref()))
    }

    /// keepalived's `check_notify_script_secure()` (and, with
    /// `system_ok`, the start/stop check, which keeps `</file` tests).
    fn notify(
        &self,
        slot: &mut Option<ScriptCmd>,
        system_ok: bool,
        d: &mut Diagnostics,
        what: &str,
    ) -> Flags {
        let Some(s) = slot else {
            return Flags::default();
        };
        let f = self.cmd(s);
        let runnable = if system_ok {
            Flags::EXECUTABLE | Flags::SYSTEM
        } else {
            Flags::EXECUTABLE
        };
        if f.any(Flags::INHIBIT | Flags::NOT_FOUND) || !f.any(runnable) {
            d.warning(
                None,
                format!("{what} script {} disabled", s.argv.join(" ")),
            );
            *slot = None;
        }
        f
    }

    fn lvs_script(
        &self,
        slot: &mut Option<Script>,
        d: &mut Diagnostics,
    ) -> Flags {
        let Some(s) = slot else {
            return Flags::default();
        };
        let prog = s.command.split_whitespace().next().unwrap_or("");
        let f =
            self.flags(prog, self.ids(s.user.as_deref(), s.group.as_deref()));
        if f.any(Flags::INHIBIT | Flags::NOT_FOUND) || !f.has(Flags::EXECUTABLE)
        {
            d.warning(None, format!("notify script {} disabled", s.command));
            *slot = None;
        }
        f
    }
}

/// Disposition of a tracked or MISC_CHECK script: `None` to keep it, or
/// the reason keepalived gives for dropping it (empty: silently).
fn dropped(f: Flags) -> Option<&'static str> {
    if f.has(Flags::INHIBIT) {
        Some("due to insecure")
    } else if f.has(Flags::NOT_FOUND) {
        Some("since not found/accessible")
    } else if !f.any(Flags::EXECUTABLE | Flags::SYSTEM) {
        Some("")
    } else {
        None
    }
}

fn vrrp(config: &mut Config, cx: &Checker<'_>, d: &mut Diagnostics) -> Flags {
    let mut flags = Flags::default();
    let mut removed = Vec::new();
    config.vrrp.scripts.retain(|s| {
        let f = cx.cmd(&s.cmd);
        flags |= f;
        let Some(why) = dropped(f) else { return true };
        if !why.is_empty() {
            d.error(
                s.loc.0,
                format!("Disabling track script {} {why}", s.name),
            );
        }
        removed.push(s.name.clone());
        false
    });
    for i in &mut config.vrrp.instances {
        for s in [
            &mut i.notify_backup,
            &mut i.notify_master,
            &mut i.notify_fault,
            &mut i.notify_stop,
        ] {
            flags |= cx.notify(s, false, d, "notify");
        }
        if let Some(s) = &mut i.notify_deleted {
            flags |= cx.notify(s, false, d, "notify_deleted");
        }
        flags |= cx.notify(&mut i.notify, false, d, "notify");
        flags |=
            cx.notify(&mut i.notify_master_rx_lower_pri, false, d, "notify");
        i.track.scripts.retain(|r| !removed.contains(&r.name));
    }
    for g in &mut config.vrrp.sync_groups {
        for s in [
            &mut g.notify_backup,
            &mut g.notify_master,
            &mut g.notify_fault,
            &mut g.notify_stop,
            &mut g.notify,
        ] {
            flags |= cx.notify(s, false, d, "notify");
        }
        g.track.scripts.retain(|r| !removed.contains(&r.name));
    }
    let gl = &mut config.global;
    for f in [&mut gl.notify_fifo, &mut gl.vrrp_notify_fifo]
        .into_iter()
        .flatten()
    {
        flags |= cx.notify(&mut f.script, false, d, "notify_fifo");
    }
    flags
}

fn lvs(config: &mut Config, cx: &Checker<'_>, d: &mut Diagnostics) -> Flags {
    let mut flags = Flags::default();
    for vs in &mut config.lvs.virtual_servers {
        for rs in &mut vs.real_servers {
            rs.checkers.retain(|c| {
                let CheckerKind::Misc(m) = &c.kind else {
                    return true;
                };
                let prog = m.path.split_whitespace().next().unwrap_or("");
                let f = cx
                    .flags(prog, cx.ids(m.user.as_deref(), m.group.as_deref()));
                flags |= f;
                let Some(why) = dropped(f) else { return true };
                if !why.is_empty() {
                    d.warning(
                        None,
                        format!("Disabling misc script {} {why}", m.path),
                    );
                }
                false
            });
        }
    }
    for vs in &mut config.lvs.virtual_servers {
        flags |= cx.lvs_script(&mut vs.quorum_up, d);
        flags |= cx.lvs_script(&mut vs.quorum_down, d);
        for rs in &mut vs.real_servers {
            flags |= cx.lvs_script(&mut rs.notify_up, d);
            flags |= cx.lvs_script(&mut rs.notify_down, d);
        }
    }
    let gl = &mut config.global;
    for f in [&mut gl.notify_fifo, &mut gl.lvs_notify_fifo]
        .into_iter()
        .flatten()
    {
        flags |= cx.notify(&mut f.script, false, d, "notify_fifo");
    }
    flags
}

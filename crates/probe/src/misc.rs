//! MISC_CHECK: run `misc_path` (check_misc.c).
//!
//! keepalived compat: exit 0 is up; with `misc_dynamic` an exit status of
//! 2..=255 is up with weight `status - 2`; any other exit, or a signal,
//! is down. Past `misc_timeout` (default: the virtual server's
//! `delay_loop`) the script's process group gets SIGTERM, then SIGKILL
//! (`ka_sys::script`), and the check is down ("timed out"). The script
//! runs as its `user`/group, else the default script user; insecure
//! scripts were already dropped by validation (`enable_script_security`,
//! `ka_config::validate::security`).

use ka_sys::script::{ScriptOutcome, ScriptSpec};

use crate::ctx::ProbeCtx;
use crate::outcome::{Reason, Verdict};
use crate::spec::MiscSpec;

/// Runs the script once.
pub(crate) async fn run(spec: &MiscSpec, ctx: &ProbeCtx) -> Verdict {
    let ids = match &spec.user {
        None => ctx.default_script_ids,
        Some(u) => match user_ids(u, spec.group.as_deref()) {
            Some(ids) => Some(ids),
            None => {
                return Verdict::Down(Reason::ScriptSpawn(format!(
                    "failed to set uid/gid for misc checker script {}",
                    spec.argv.first().map_or("", String::as_str)
                )));
            }
        },
    };
    let script = ScriptSpec {
        argv: spec.argv.clone(),
        uid: ids.map(|i| i.0),
        gid: ids.map(|i| i.1),
        timeout: Some(spec.timeout),
    };
    verdict(spec.dynamic, ka_sys::script::run(&script).await)
}

/// keepalived compat: `misc_check_child_thread`'s reading of the status.
pub(crate) fn verdict(dynamic: bool, o: ScriptOutcome) -> Verdict {
    match o {
        ScriptOutcome::Exited(0) => Verdict::Up,
        ScriptOutcome::Exited(s) if dynamic && (2..=255).contains(&s) => {
            Verdict::UpWithWeight(s.unsigned_abs() - 2)
        }
        ScriptOutcome::Exited(s) => Verdict::Down(Reason::ScriptExit(s)),
        ScriptOutcome::Signalled(s) => Verdict::Down(Reason::ScriptSignal(s)),
        ScriptOutcome::TimedOut => Verdict::Down(Reason::ScriptTimeout),
        ScriptOutcome::SpawnFailed(e) => Verdict::Down(Reason::ScriptSpawn(e)),
    }
}

/// `user USER [GROUP]`: the user's uid and the group's gid (else the
/// user's primary group).
fn user_ids(user: &str, group: Option<&str>) -> Option<(u32, u32)> {
    let u = nix::unistd::User::from_name(user).ok()??;
    let gid = match group {
        Some(g) => nix::unistd::Group::from_name(g).ok()??.gid,
        None => u.gid,
    };
    Some((u.uid.as_raw(), gid.as_raw()))
}

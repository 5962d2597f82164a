//! Script security, as keepalived's `check_vrrp_script_security()` and the
//! start/shutdown script check in `main.c`.
//!
//! keepalived compat: when `enable_script_security` is off and any script
//! that will be run exists (`SC_ISSCRIPT`: found on disk, or on `PATH`
//! for a bare name), keepalived reports "SECURITY VIOLATION - scripts are
//! being executed but script_security not enabled" with
//! `CONFIG_SECURITY_ERROR`, and `-t` exits 6. The VRRP check runs only
//! when there is at least one `vrrp_instance`; it covers every
//! `vrrp_script`, instance and sync-group notify scripts and the
//! `notify_fifo`/`vrrp_notify_fifo` scripts. Scripts starting `</` only
//! test a file and never count.

use std::path::{Path, PathBuf};

use crate::diag::{Category, Diagnostic, Diagnostics, Severity};
use crate::host::Host;
use crate::model::Config;
use crate::model::vrrp::ScriptCmd;

/// Reports script security violations.
pub fn validate(config: &Config, host: &dyn Host, d: &mut Diagnostics) {
    let g = &config.global;
    if !g.enable_script_security {
        let start_stop = [&g.startup_script, &g.shutdown_script];
        if start_stop
            .iter()
            .any(|s| s.as_ref().is_some_and(|s| is_script(s, host)))
        {
            violation(d, "start/shutdown scripts");
        }
    }
    if g.enable_script_security {
        return;
    }
    if !config.vrrp.instances.is_empty()
        && vrrp_scripts(config).iter().any(|s| is_script(s, host))
    {
        violation(d, "scripts");
    }
    // keepalived compat: the checker process makes the same check over
    // quorum_up/down, notify_up/down and MISC_CHECK scripts.
    let lvs = super::lvs::scripts(&config.lvs);
    if lvs.iter().any(|cmd| is_program(first_word(cmd), host)) {
        violation(d, "check scripts");
    }
}

/// The program of a command line as keepalived splits it.
fn first_word(cmd: &str) -> &str {
    cmd.split_whitespace().next().unwrap_or("")
}

fn violation(d: &mut Diagnostics, what: &str) {
    d.push(Diagnostic::new(
        Severity::Error,
        Category::Security,
        None,
        format!("SECURITY VIOLATION - {what} are being executed but script_security not enabled."),
    ));
}

/// Every script the VRRP process would run.
pub fn vrrp_scripts(config: &Config) -> Vec<&ScriptCmd> {
    let mut out: Vec<&ScriptCmd> =
        config.vrrp.scripts.iter().map(|s| &s.cmd).collect();
    for i in &config.vrrp.instances {
        let n = [
            &i.notify_master,
            &i.notify_backup,
            &i.notify_fault,
            &i.notify_stop,
            &i.notify,
            &i.notify_master_rx_lower_pri,
        ];
        out.extend(n.into_iter().flatten());
        if let Some(Some(s)) = &i.notify_deleted {
            out.push(s);
        }
    }
    for s in &config.vrrp.sync_groups {
        let n = [
            &s.notify_master,
            &s.notify_backup,
            &s.notify_fault,
            &s.notify_stop,
            &s.notify,
        ];
        out.extend(n.into_iter().flatten());
    }
    for f in [&config.global.notify_fifo, &config.global.vrrp_notify_fifo]
        .into_iter()
        .flatten()
    {
        out.extend(f.script.as_ref());
    }
    out
}

/// True when the command names an existing file (keepalived's
/// `SC_ISSCRIPT`).
fn is_script(s: &ScriptCmd, host: &dyn Host) -> bool {
    s.argv.first().is_some_and(|prog| is_program(prog, host))
}

/// True when `prog` names an existing file, directly or through `PATH`.
fn is_program(prog: &str, host: &dyn Host) -> bool {
    if prog.is_empty() {
        return false;
    }
    if prog.starts_with('<') && prog[1..].trim_start().starts_with('/') {
        return false;
    }
    if prog.contains('/') {
        return host.file_info(Path::new(prog)).is_some_and(|f| !f.is_dir);
    }
    let path = host.env_var("PATH").unwrap_or_else(|| {
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into()
    });
    path.split(':').any(|dir| {
        let p: PathBuf = Path::new(dir).join(prog);
        host.file_info(&p).is_some_and(|f| !f.is_dir)
    })
}

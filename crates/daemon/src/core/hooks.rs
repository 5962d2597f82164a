//! `startup_script` and `shutdown_script`: run by the process around the
//! frameworks, as keepalived's parent runs them (main.c:
//! `run_startup_script` before it starts its children, the shutdown
//! script after they have ended), each waited for, killed after its
//! timeout (`startup_script_timeout` / `shutdown_script_timeout`, default
//! 10 s).

use std::time::Duration;

use ka_config::model::global::GlobalDefs;
use ka_sys::script::{ScriptOutcome, ScriptSpec};

use crate::core::log::target;
use crate::vrrp::plan::UserResolver;
use crate::vrrp::plan::support::Users;

/// keepalived's default for both timeouts (`global_data.c`).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The process's own scripts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcessHooks {
    /// `startup_script`, with its timeout.
    pub startup: Option<ScriptSpec>,
    /// `shutdown_script`, with its timeout.
    pub shutdown: Option<ScriptSpec>,
}

impl ProcessHooks {
    /// The scripts of a validated configuration (script security has
    /// already dropped insecure ones). A script whose user cannot be
    /// resolved is reported in `notes` and not run.
    pub fn new(
        g: &GlobalDefs,
        resolver: &dyn UserResolver,
        notes: &mut Vec<String>,
    ) -> Self {
        let users = Users::new(g, resolver, notes);
        let mut spec = |what: &str, cmd: &Option<_>, timeout: Option<u32>| {
            let cmd = cmd.as_ref()?;
            match users.spec(cmd) {
                Ok(mut s) => {
                    s.timeout = Some(timeout.map_or(DEFAULT_TIMEOUT, |t| {
                        Duration::from_secs(t.into())
                    }));
                    Some(s)
                }
                Err(e) => {
                    notes.push(format!("{what} not run: {e}"));
                    None
                }
            }
        };
        let startup = spec(
            "startup_script",
            &g.startup_script,
            g.startup_script_timeout,
        );
        let shutdown = spec(
            "shutdown_script",
            &g.shutdown_script,
            g.shutdown_script_timeout,
        );
        Self { startup, shutdown }
    }
}

/// Which of the two.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Hook {
    Startup,
    Shutdown,
}

/// Runs one script to its end or its timeout, logging as keepalived
/// does.
pub(crate) async fn run(hook: Hook, spec: Option<&ScriptSpec>, detail: bool) {
    let Some(spec) = spec else {
        return;
    };
    let (kind, title) = match hook {
        Hook::Startup => ("startup script", "Running startup script"),
        Hook::Shutdown => ("shutdown script", "Running shutdown script"),
    };
    let name = spec.argv.first().map_or("", String::as_str);
    if detail {
        tracing::info!(target: target::CORE, "{title} {name}");
    }
    match ka_sys::script::run(spec).await {
        ScriptOutcome::Exited(0) => {
            if detail {
                tracing::info!(target: target::CORE, "{kind} script succeeded");
            }
        }
        // keepalived compat: its words, "script" twice included
        // (startup_shutdown_script_completed).
        ScriptOutcome::Exited(n) => {
            tracing::info!(target: target::CORE, "{kind} script failed, status {n}");
        }
        ScriptOutcome::TimedOut => {
            tracing::info!(target: target::CORE, "{kind} {name} timed out and was killed");
        }
        ScriptOutcome::Signalled(sig) => {
            tracing::info!(target: target::CORE, "{kind} {name} killed by signal {sig}");
        }
        ScriptOutcome::SpawnFailed(e) => {
            let what = match hook {
                Hook::Startup => "startup",
                Hook::Shutdown => "shutdown",
            };
            tracing::info!(target: target::CORE, "Call of {what} script {name} failed: {e}");
        }
    }
}

#[cfg(test)]
#[path = "hooks_tests.rs"]
mod tests;

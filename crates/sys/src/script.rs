//! Running scripts: `vrrp_script` checks, notify hooks, MISC_CHECK.
//!
//! keepalived compat: scripts are executed directly (`execve`, no shell)
//! with the argv keepalived's quoted tokenizer produced, as the configured
//! user and group, in their own process group so that a timeout kills the
//! whole tree: SIGTERM first, SIGKILL if it is still there after a grace
//! period.

use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

/// Grace between SIGTERM and SIGKILL after a timeout.
const KILL_GRACE: Duration = Duration::from_secs(2);

/// A command to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptSpec {
    /// Program and arguments; `argv[0]` is looked up in `PATH` when it has
    /// no `/`.
    pub argv: Vec<String>,
    /// User to run as (`None`: our own).
    pub uid: Option<u32>,
    /// Group to run as (`None`: our own).
    pub gid: Option<u32>,
    /// Kill the script after this long (`None`: let it run).
    pub timeout: Option<Duration>,
}

/// How a script ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScriptOutcome {
    /// It exited with this status.
    Exited(i32),
    /// A signal killed it.
    Signalled(i32),
    /// It ran past its timeout and was killed.
    TimedOut,
    /// It could not be started.
    SpawnFailed(String),
}

impl ScriptOutcome {
    /// keepalived counts exit status 0 as success, everything else as
    /// failure.
    pub fn succeeded(&self) -> bool {
        matches!(self, Self::Exited(0))
    }
}

/// Runs a script to completion (or timeout). Its stdin, stdout and stderr
/// are `/dev/null`, as keepalived's are.
pub async fn run(spec: &ScriptSpec) -> ScriptOutcome {
    let mut child = match Running::start(spec) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let waited = match spec.timeout {
        Some(t) => tokio::time::timeout(t, child.wait()).await.ok(),
        None => Some(child.wait().await),
    };
    match waited {
        Some(outcome) => outcome,
        None => {
            child.stop(KILL_GRACE).await;
            ScriptOutcome::TimedOut
        }
    }
}

/// A started script, in its own process group; dropping it kills the
/// script (not its group) with SIGKILL.
#[derive(Debug)]
pub struct Running {
    child: tokio::process::Child,
    pgid: Option<Pid>,
    prog: String,
}

impl Running {
    /// Starts `spec`; stdin, stdout and stderr are `/dev/null`.
    pub fn start(spec: &ScriptSpec) -> Result<Self, ScriptOutcome> {
        let Some((prog, args)) = spec.argv.split_first() else {
            return Err(ScriptOutcome::SpawnFailed("empty command".into()));
        };
        let mut cmd = tokio::process::Command::new(prog);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .kill_on_drop(true);
        if let Some(gid) = spec.gid {
            cmd.gid(gid);
        }
        if let Some(uid) = spec.uid {
            cmd.uid(uid);
        }
        // SAFETY: `reset_for_exec` makes only async-signal-safe calls
        // (sigaction, pthread_sigmask) and touches no memory of the parent.
        #[allow(unsafe_code)]
        unsafe {
            cmd.pre_exec(crate::process::reset_for_exec);
        }
        let child = cmd
            .spawn()
            .map_err(|e| ScriptOutcome::SpawnFailed(format!("{prog}: {e}")))?;
        let pgid = child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .map(Pid::from_raw);
        Ok(Self {
            child,
            pgid,
            prog: prog.clone(),
        })
    }

    /// The script's process group (its pid), while it has one.
    pub fn pgid(&self) -> Option<i32> {
        self.pgid.map(Pid::as_raw)
    }

    /// Waits until the script ends.
    pub async fn wait(&mut self) -> ScriptOutcome {
        match self.child.wait().await {
            Ok(status) => outcome(status),
            Err(e) => {
                ScriptOutcome::SpawnFailed(format!("{}: wait: {e}", self.prog))
            }
        }
    }

    /// Ends the script's whole process group: SIGTERM, then SIGKILL if it
    /// is still there after `grace`; returns once it is reaped.
    pub async fn stop(&mut self, grace: Duration) {
        let Some(pg) = self.pgid else {
            let _ = self.child.kill().await;
            return;
        };
        let _ = killpg(pg, Signal::SIGTERM);
        if tokio::time::timeout(grace, self.child.wait())
            .await
            .is_err()
        {
            let _ = killpg(pg, Signal::SIGKILL);
            let _ = self.child.wait().await;
        }
    }
}

impl Drop for Running {
    /// A script still running when its handle goes away (its task was
    /// cancelled, the runtime is ending) is killed with its whole group,
    /// not only the leader `kill_on_drop` would reach.
    fn drop(&mut self) {
        if let (Some(pg), Ok(None)) = (self.pgid, self.child.try_wait()) {
            let _ = killpg(pg, Signal::SIGKILL);
        }
    }
}

/// Sends SIGTERM to process group `pgid` (a script's, see
/// [`Running::pgid`]).
pub fn terminate_group(pgid: i32) {
    // 0 or less would reach our own group (or every process).
    if pgid <= 0 {
        return;
    }
    let _ = killpg(Pid::from_raw(pgid), Signal::SIGTERM);
}

fn outcome(status: std::process::ExitStatus) -> ScriptOutcome {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(c), _) => ScriptOutcome::Exited(c),
        (None, Some(s)) => ScriptOutcome::Signalled(s),
        (None, None) => ScriptOutcome::Exited(-1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(argv: &[&str], timeout_ms: Option<u64>) -> ScriptSpec {
        ScriptSpec {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            uid: None,
            gid: None,
            timeout: timeout_ms.map(Duration::from_millis),
        }
    }

    #[test]
    fn exit_status_and_spawn_failure() {
        ka_lab::current_thread_runtime().block_on(async {
            assert_eq!(
                run(&spec(&["true"], None)).await,
                ScriptOutcome::Exited(0)
            );
            assert_eq!(
                run(&spec(&["sh", "-c", "exit 3"], None)).await,
                ScriptOutcome::Exited(3)
            );
            assert!(matches!(
                run(&spec(&["/nonexistent/ka-script"], None)).await,
                ScriptOutcome::SpawnFailed(_)
            ));
            assert!(matches!(
                run(&spec(&[], None)).await,
                ScriptOutcome::SpawnFailed(_)
            ));
        });
    }

    #[test]
    fn stop_escalates_to_sigkill() {
        ka_lab::current_thread_runtime().block_on(async {
            // Ignores SIGTERM; only SIGKILL ends it.
            let mut r = Running::start(&spec(
                &["sh", "-c", "trap '' TERM; sleep 30 & wait"],
                None,
            ))
            .unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
            let started = std::time::Instant::now();
            r.stop(Duration::from_millis(300)).await;
            let took = started.elapsed();
            assert!(took >= Duration::from_millis(300), "{took:?}");
            assert!(took < Duration::from_secs(10), "{took:?}");
            assert_eq!(r.wait().await, ScriptOutcome::Signalled(9));
        });
    }

    #[test]
    fn timeout_kills_the_process_group() {
        ka_lab::current_thread_runtime().block_on(async {
            let started = std::time::Instant::now();
            // The shell's child would outlive a kill of the shell alone.
            let out =
                run(&spec(&["sh", "-c", "sleep 30 & wait"], Some(200))).await;
            assert_eq!(out, ScriptOutcome::TimedOut);
            assert!(started.elapsed() < Duration::from_secs(10));
        });
    }
}

//! Running helper commands (`ip`, `nft`, …) with bounded time.

use std::fmt;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// No helper command may run longer than this.
const CMD_TIMEOUT: Duration = Duration::from_secs(20);

/// A helper command that failed.
#[derive(Debug)]
pub struct CmdError {
    /// The command line.
    pub cmd: String,
    /// What went wrong (stderr, exit status or spawn error).
    pub detail: String,
}

impl fmt::Display for CmdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.cmd, self.detail)
    }
}

impl std::error::Error for CmdError {}

/// Runs `prog args…`, waits at most 20 s, and returns its output whatever
/// the exit status.
pub fn run(prog: &str, args: &[&str]) -> Result<Output, CmdError> {
    let line = format!("{prog} {}", args.join(" "));
    let err = |detail: String| CmdError {
        cmd: line.clone(),
        detail,
    };
    let mut child = Command::new(prog)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| err(e.to_string()))?;
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if start.elapsed() > CMD_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(err(format!("timed out after {CMD_TIMEOUT:?}")));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(err(e.to_string())),
        }
    }
    child.wait_with_output().map_err(|e| err(e.to_string()))
}

/// Runs `prog args…` and fails unless it exits 0; returns its stdout.
pub fn run_ok(prog: &str, args: &[&str]) -> Result<String, CmdError> {
    let out = run(prog, args)?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(CmdError {
            cmd: format!("{prog} {}", args.join(" ")),
            detail: format!(
                "{}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        })
    }
}

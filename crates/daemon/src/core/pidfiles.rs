//! keepalived's "already running" check and our pid files, held locked
//! while we run.

use std::path::{Path, PathBuf};

use ka_sys::pidfile::{self, PidFile, PidFileContent, PidFileError};

use crate::core::log::target;

/// keepalived's `keepalived_running()`: whether any of `paths` names a
/// live process, removing a pid file whose process is gone. Checked in
/// order, stopping at the first live one.
pub fn already_running(paths: &[&Path]) -> bool {
    paths.iter().any(|p| process_running(p))
}

/// keepalived's `process_running()` on one pid file.
fn process_running(path: &Path) -> bool {
    match pidfile::read(path) {
        PidFileContent::Absent => false,
        PidFileContent::Unreadable => {
            // keepalived compat: an unreadable pid file is removed and
            // still counts as a running daemon (for this one start).
            tracing::info!(target: target::CORE, "Error reading pid file {}", path.display());
            let _ = std::fs::remove_file(path);
            true
        }
        // keepalived compat: pid 0 means "we don't know": running.
        PidFileContent::Pid(0) => true,
        PidFileContent::Pid(pid) if pidfile::alive(pid) => true,
        PidFileContent::Pid(_) => {
            tracing::info!(target: target::CORE, "Remove a zombie pid file {}", path.display());
            let _ = std::fs::remove_file(path);
            false
        }
    }
}

/// Why the pid files could not be taken.
#[derive(Debug)]
pub enum TakeError {
    /// Another daemon holds one of them (it won a race with our check).
    Running,
    /// One could not be written.
    Write(PathBuf),
}

/// Our pid files, held (locked) until [`PidFiles::remove`].
#[derive(Debug)]
pub struct PidFiles(Vec<PidFile>);

impl PidFiles {
    /// Writes `pid` to each of `paths` (skipping repeats) and locks them;
    /// on failure, the ones already taken are removed again.
    pub fn take(paths: &[&Path], pid: u32) -> Result<Self, TakeError> {
        let mut held = Self(Vec::new());
        for p in paths {
            if held.0.iter().any(|h| h.path() == *p) {
                continue;
            }
            match PidFile::create(p, pid) {
                Ok(f) => held.0.push(f),
                Err(e) => {
                    held.remove();
                    return Err(match e {
                        PidFileError::Locked { .. } => TakeError::Running,
                        PidFileError::Io { .. } => {
                            tracing::info!(target: target::CORE, "{e}");
                            TakeError::Write(p.to_path_buf())
                        }
                    });
                }
            }
        }
        Ok(held)
    }

    /// Removes the files that are still ours, then releases them.
    pub fn remove(self) {
        for f in self.0 {
            let path = f.path().to_owned();
            if let Err(e) = f.remove() {
                tracing::info!(target: target::CORE, "unlink of {} failed - {e}", path.display());
            }
        }
    }
}

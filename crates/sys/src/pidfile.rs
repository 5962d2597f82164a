//! Pid files: reading another daemon's, and holding our own under a lock.
//!
//! keepalived decides "already running" by reading the pid file and
//! probing the pid with `kill(pid, 0)` (`core/pidfile.c`); that policy
//! lives in the daemon crate. This module gives it the primitives, and
//! adds what keepalived lacks: our own pid file is held under an
//! exclusive `flock` for the daemon's life, so two daemons started at the
//! same moment (both finding no pid file) cannot both run, and a file is
//! only ever removed by the daemon that holds it.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};

/// What a pid file says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PidFileContent {
    /// There is no file (or it cannot be opened for reading).
    Absent,
    /// The file does not start with a number (`fscanf("%d")` fails).
    Unreadable,
    /// The number it holds.
    Pid(i32),
}

/// Reads a pid file the way keepalived does: leading blanks, then a
/// decimal number (`fscanf(f, "%d")`); what follows is ignored.
pub fn read(path: &Path) -> PidFileContent {
    let mut text = String::new();
    let Ok(f) = File::open(path) else {
        return PidFileContent::Absent;
    };
    // A pid file is a line; a huge or binary file is simply unreadable.
    if f.take(64).read_to_string(&mut text).is_err() {
        return PidFileContent::Unreadable;
    }
    parse(&text)
}

/// `fscanf("%d")` on `text`.
fn parse(text: &str) -> PidFileContent {
    let t = text.trim_start();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    match digits[..end].parse::<i32>() {
        Ok(n) if neg => PidFileContent::Pid(-n),
        Ok(n) => PidFileContent::Pid(n),
        Err(_) => PidFileContent::Unreadable,
    }
}

/// Whether `kill(pid, 0)` succeeds: a process with that pid exists (and
/// we may signal it). Pids that are not positive are never alive, so a
/// pid file holding `-1` can never make us probe every process.
pub fn alive(pid: i32) -> bool {
    pid > 0
        && nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
}

/// Why our pid file could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum PidFileError {
    /// Another process holds the lock: a daemon is running.
    #[error("{path} is locked by another process")]
    Locked {
        /// The pid file.
        path: PathBuf,
    },
    /// Opening, locking or writing failed.
    #[error("cannot write pid file {path}: {source}")]
    Io {
        /// The pid file.
        path: PathBuf,
        /// The system error.
        #[source]
        source: io::Error,
    },
}

/// Our pid file, created and locked; the lock lasts as long as the value.
#[derive(Debug)]
pub struct PidFile {
    path: PathBuf,
    file: Flock<File>,
}

impl PidFile {
    /// Opens (creating, never through a symlink) and locks `path`, then
    /// writes `pid` in it, mode 0644 whatever the umask (keepalived
    /// compat: `pidfile_write` widens the umask to keep rw-r--r--).
    pub fn create(path: &Path, pid: u32) -> Result<Self, PidFileError> {
        let io_err = |source: io::Error| PidFileError::Io {
            path: path.to_owned(),
            source,
        };
        // No O_TRUNC: a file that another daemon holds must keep its pid.
        let f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o644)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(path)
            .map_err(io_err)?;
        let mut file = match Flock::lock(f, FlockArg::LockExclusiveNonblock) {
            Ok(l) => l,
            Err((_, Errno::EWOULDBLOCK)) => {
                return Err(PidFileError::Locked {
                    path: path.to_owned(),
                });
            }
            Err((_, e)) => return Err(io_err(e.into())),
        };
        file.set_len(0).map_err(io_err)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(io_err)?;
        writeln!(file, "{pid}").map_err(io_err)?;
        Ok(Self {
            path: path.to_owned(),
            file,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Removes the file if the path still names the file we locked (an
    /// operator may have removed it and another daemon created a new
    /// one: that one is left alone), then releases the lock.
    pub fn remove(self) -> io::Result<()> {
        let ours = self.file.metadata()?;
        match std::fs::symlink_metadata(&self.path) {
            Ok(m) if m.dev() == ours.dev() && m.ino() == ours.ino() => {
                std::fs::remove_file(&self.path)
            }
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
#[path = "pidfile_tests.rs"]
mod tests;

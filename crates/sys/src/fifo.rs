//! Notify FIFOs (`notify_fifo`, `vrrp_notify_fifo`): created if absent,
//! opened without following symlinks, and refused unless they are a FIFO
//! that we or the configured owner own.
//!
//! keepalived compat: the FIFO is opened read-write and non-blocking, so
//! opening never waits for a reader and a write never blocks the daemon.
//! keepalived 2.2.7 accepts whatever it finds at the path and chowns a new
//! FIFO by path; keepalived after 2.2.7 (commit 5769d4a2, "validate ...
//! notify fifo") refuses anything that is not a FIFO owned by its own uid
//! or the FIFO's configured uid, with the message of
//! [`FifoError::NotOurs`]. Here the owner is checked and set on the open
//! descriptor (`fstat`, `fchown`), so a path swapped between `mkfifo` and
//! `open` can neither be chowned nor written to.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Mode of a FIFO we create (keepalived: 0644; here only the owner, who
/// is the configured FIFO user when there is one, may read it).
const FIFO_MODE: u32 = 0o600;

/// Why a notify FIFO cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum FifoError {
    /// `mkfifo` failed for another reason than an existing path.
    #[error("Unable to create notify fifo {}: {source}", path.display())]
    Create {
        /// The FIFO path.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// `open` failed (a symlink at the path fails with `ELOOP`).
    #[error("Unable to open notify fifo {}: {source}", path.display())]
    Open {
        /// The FIFO path.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// What was opened is not a FIFO, or someone else owns it (keepalived's
    /// words).
    #[error("notify fifo {} is not a fifo we own - not using", path.display())]
    NotOurs {
        /// The FIFO path.
        path: PathBuf,
    },
    /// The FIFO we created could not be given to its configured owner.
    #[error("Failed to set uid:gid for fifo {}: {source}", path.display())]
    Chown {
        /// The FIFO path.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
}

/// An open notify FIFO. Dropping it closes the descriptor and removes
/// the FIFO if we created it (and the path is still that FIFO), so a
/// reader that loops reopening the path cannot reopen it.
#[derive(Debug)]
pub struct NotifyFifo {
    file: File,
    path: PathBuf,
    created: bool,
}

impl NotifyFifo {
    /// Opens `path` for writing, creating the FIFO if absent. `owner`:
    /// the configured `(uid, gid)`; a FIFO we create is given to it, and
    /// an existing one must belong to it or to us.
    pub fn open(
        path: &Path,
        owner: Option<(u32, u32)>,
    ) -> Result<Self, FifoError> {
        let created = match nix::unistd::mkfifo(
            path,
            nix::sys::stat::Mode::from_bits_truncate(FIFO_MODE),
        ) {
            Ok(()) => true,
            Err(nix::errno::Errno::EEXIST) => false,
            Err(e) => {
                return Err(FifoError::Create {
                    path: path.into(),
                    source: e.into(),
                });
            }
        };
        let opened = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK)
            .open(path);
        let file = match opened {
            Ok(f) => f,
            Err(source) => {
                if created {
                    let _ = std::fs::remove_file(path);
                }
                return Err(FifoError::Open {
                    path: path.into(),
                    source,
                });
            }
        };
        // From here on `Drop` removes the FIFO we created.
        let fifo = Self {
            file,
            path: path.into(),
            created,
        };
        let ours = fifo.file.metadata().is_ok_and(|m| {
            let me = nix::unistd::geteuid().as_raw();
            m.file_type().is_fifo()
                && (m.uid() == me
                    || owner.is_some_and(|(uid, _)| uid == m.uid()))
        });
        if !ours {
            let path = fifo.path.clone();
            // Not ours: never unlink what someone else put there.
            let mut fifo = fifo;
            fifo.created = false;
            return Err(FifoError::NotOurs { path });
        }
        if let (true, Some((uid, gid))) = (created, owner) {
            std::os::unix::fs::fchown(&fifo.file, Some(uid), Some(gid))
                .map_err(|source| FifoError::Chown {
                    path: fifo.path.clone(),
                    source,
                })?;
        }
        Ok(fifo)
    }

    /// Writes one line; a full pipe (no reader keeping up) is an error,
    /// never a wait.
    pub fn write_line(&mut self, line: &str) -> io::Result<()> {
        self.file.write_all(line.as_bytes())
    }

    /// The FIFO path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for NotifyFifo {
    fn drop(&mut self) {
        if !self.created {
            return;
        }
        // Remove the path only while it is still the FIFO we opened.
        let same =
            match (std::fs::symlink_metadata(&self.path), self.file.metadata())
            {
                (Ok(p), Ok(f)) => p.dev() == f.dev() && p.ino() == f.ino(),
                _ => false,
            };
        if same {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
#[path = "fifo_tests.rs"]
mod tests;

//! Directory watches with inotify, made async with tokio's `AsyncFd`.
//!
//! `track_file` watches the directory that holds a tracked file rather
//! than the file itself, so that a file replaced by `rename(2)` (the way
//! editors and `mv` update files) or deleted and created again is still
//! seen. A [`DirWatcher`] reports, per watched directory and file name,
//! that a file was written (closed after writing, or moved in) or went
//! away (deleted, or moved out); what that means for the tracked value is
//! the caller's business.
//!
//! nix owns the descriptor and parses the events; the one `unsafe` is
//! tokio's registration of that descriptor.

use std::ffi::OsString;
use std::io;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::path::Path;

use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
use tokio::io::unix::AsyncFd;

/// A watched directory, as returned by [`DirWatcher::watch`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WatchId(i32);

/// What happened to a name in a watched directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Closed after being open for writing, or moved into the directory.
    Written,
    /// Deleted, or moved out of the directory.
    Gone,
    /// The kernel's event queue overflowed: events were lost, so anything
    /// may have changed.
    Overflow,
}

/// One event about a name in a watched directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEvent {
    /// The directory; `None` for [`Change::Overflow`].
    pub watch: Option<WatchId>,
    /// The file name within the directory (empty for an overflow).
    pub name: OsString,
    /// What happened.
    pub change: Change,
}

/// The inotify descriptor, as `AsyncFd` wants it.
struct Fd(Inotify);

impl AsRawFd for Fd {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_fd().as_raw_fd()
    }
}

/// An inotify instance watching directories for file changes.
pub struct DirWatcher {
    fd: AsyncFd<Fd>,
}

impl std::fmt::Debug for DirWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirWatcher")
            .field("fd", &self.fd.as_raw_fd())
            .finish()
    }
}

impl DirWatcher {
    /// A new inotify instance (non-blocking, close-on-exec). Must be
    /// called inside a tokio runtime.
    pub fn new() -> io::Result<Self> {
        let ino =
            Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC)?;
        // SAFETY: `Fd` owns the inotify descriptor (nix's `Inotify` holds
        // an `OwnedFd`), never replaces it, and so returns the same open
        // descriptor from `as_raw_fd` until the `AsyncFd`, which owns the
        // `Fd`, is dropped.
        #[allow(unsafe_code)]
        let fd = unsafe { AsyncFd::register(Fd(ino)) }?;
        Ok(Self { fd })
    }

    /// Watches `dir` for files closed after writing, deleted, and moved in
    /// or out. Watching the same directory twice returns the same id.
    pub fn watch(&self, dir: &Path) -> io::Result<WatchId> {
        // keepalived compat: IN_CLOSE_WRITE | IN_DELETE | IN_MOVE on the
        // file's directory (track_file.c init_track_files).
        let flags = AddWatchFlags::IN_CLOSE_WRITE
            | AddWatchFlags::IN_DELETE
            | AddWatchFlags::IN_MOVE;
        let wd = self.fd.get_ref().0.add_watch(dir, flags)?;
        Ok(WatchId(wd.as_raw()))
    }

    /// Waits for the next batch of events. A batch may be empty when the
    /// kernel reported only events of no interest (directories, removed
    /// watches).
    pub async fn next(&self) -> io::Result<Vec<DirEvent>> {
        loop {
            let mut guard = self.fd.readable().await?;
            match guard.try_io(|fd| {
                fd.get_ref().0.read_events().map_err(io::Error::from)
            }) {
                Ok(Ok(events)) => {
                    return Ok(events
                        .into_iter()
                        .filter_map(convert)
                        .collect());
                }
                Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {
                    continue;
                }
                Ok(Err(e)) => return Err(e),
                Err(_would_block) => continue,
            }
        }
    }
}

/// Turns a kernel event into a [`DirEvent`], dropping those of no interest.
fn convert(ev: nix::sys::inotify::InotifyEvent) -> Option<DirEvent> {
    let m = ev.mask;
    if m.contains(AddWatchFlags::IN_Q_OVERFLOW) {
        return Some(DirEvent {
            watch: None,
            name: OsString::new(),
            change: Change::Overflow,
        });
    }
    // keepalived compat: events about directories are ignored.
    if m.contains(AddWatchFlags::IN_ISDIR) {
        return None;
    }
    let change = if m
        .intersects(AddWatchFlags::IN_MOVED_FROM | AddWatchFlags::IN_DELETE)
    {
        Change::Gone
    } else if m
        .intersects(AddWatchFlags::IN_MOVED_TO | AddWatchFlags::IN_CLOSE_WRITE)
    {
        Change::Written
    } else {
        return None;
    };
    Some(DirEvent {
        watch: Some(WatchId(ev.wd.as_raw())),
        name: ev.name?,
        change,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::time::Duration;

    fn temp_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir()
            .join(format!("ka-inotify-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// Collects events until one matches `want` (bounded by 5 s).
    async fn expect(w: &DirWatcher, want: &DirEvent) {
        let found = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                if w.next().await.unwrap().iter().any(|e| e == want) {
                    return;
                }
            }
        })
        .await;
        assert!(found.is_ok(), "no {want:?}");
    }

    #[test]
    fn write_rename_and_delete_are_seen() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let dir = temp_dir("basic");
            let w = DirWatcher::new().unwrap();
            let id = w.watch(&dir).unwrap();
            assert_eq!(w.watch(&dir).unwrap(), id);
            let ev = |name: &str, change| DirEvent {
                watch: Some(id),
                name: name.into(),
                change,
            };
            std::fs::write(dir.join("f"), "1\n").unwrap();
            expect(&w, &ev("f", Change::Written)).await;
            std::fs::write(dir.join("tmp"), "2\n").unwrap();
            std::fs::rename(dir.join("tmp"), dir.join("f")).unwrap();
            expect(&w, &ev("f", Change::Written)).await;
            std::fs::rename(dir.join("f"), dir.join("g")).unwrap();
            expect(&w, &ev("f", Change::Gone)).await;
            std::fs::remove_file(dir.join("g")).unwrap();
            expect(&w, &ev("g", Change::Gone)).await;
            // A subdirectory is not a file.
            std::fs::create_dir(dir.join("sub")).unwrap();
            std::fs::remove_dir(dir.join("sub")).unwrap();
            std::fs::write(dir.join("h"), "").unwrap();
            let got = tokio::time::timeout(Duration::from_secs(5), w.next())
                .await
                .unwrap()
                .unwrap();
            assert!(got.iter().all(|e| e.name != "sub"), "{got:?}");
            let _ = std::fs::remove_dir_all(&dir);
        });
    }

    #[test]
    fn missing_directory_is_an_error() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let w = DirWatcher::new().unwrap();
            let e = w.watch(Path::new("/nonexistent/ka-inotify")).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::NotFound);
        });
    }
}

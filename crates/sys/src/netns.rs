//! Running inside a named network namespace, as `keepalived -s NAME` does
//! (keepalived/core/namespaces.c, read for behaviour).
//!
//! [`join`] opens `/var/run/netns/NAME` (made by `ip netns add NAME`) and
//! moves the calling thread into it with `setns(CLONE_NEWNET)`; call it
//! while the process has one thread, before any socket is opened, so that
//! every thread and socket created later lives in that namespace.
//!
//! [`PrivateRun::mount`] then gives the process a private mount namespace
//! where `/run/keepalived/NAME` is bind-mounted on `/run/keepalived`: pid
//! files written to `/run/keepalived/keepalived.pid` are seen from the
//! host as `/run/keepalived/NAME/keepalived.pid`, and daemons in two
//! namespaces never see each other's pid files. [`PrivateRun::unmount`]
//! undoes it at exit.

use std::fs::File;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use nix::mount::{MntFlags, MsFlags};
use nix::sched::CloneFlags;

/// Where `ip netns add` puts the namespace handles.
pub const NETNS_DIR: &str = "/var/run/netns";

/// Why a namespace could not be joined or set up.
#[derive(Debug, thiserror::Error)]
pub enum NetnsError {
    /// The namespace handle could not be opened (no such namespace).
    #[error("Failed to open {}", .path.display())]
    Open {
        /// `/var/run/netns/NAME`.
        path: PathBuf,
        /// The open error.
        #[source]
        source: io::Error,
    },
    /// `setns` failed.
    #[error("setns() failed with error {}", *.0 as i32)]
    Setns(#[source] nix::Error),
    /// A directory could not be made.
    #[error("Unable to create directory {}", .path.display())]
    Mkdir {
        /// The directory.
        path: PathBuf,
        /// The mkdir error.
        #[source]
        source: io::Error,
    },
    /// `unshare(CLONE_NEWNS)` failed.
    #[error("mount unshare failed ({}) '{}'", *.0 as i32, .0.desc())]
    Unshare(#[source] nix::Error),
    /// A mount or unmount failed.
    #[error("{what} failed, error ({}) '{}'", *.source as i32, .source.desc())]
    Mount {
        /// Which step (`Mount`, `Mount slave`, `unmount of /run/keepalived`).
        what: String,
        /// The error.
        #[source]
        source: nix::Error,
    },
}

/// The namespace handle of `name`: `/var/run/netns/NAME`.
pub fn netns_path(name: &str) -> PathBuf {
    Path::new(NETNS_DIR).join(name)
}

/// Moves the calling thread into the network namespace `name`.
///
/// Meant for a process with one thread: threads started later inherit it.
pub fn join(name: &str) -> Result<(), NetnsError> {
    let path = netns_path(name);
    let fd = File::open(&path).map_err(|source| NetnsError::Open {
        path: path.clone(),
        source,
    })?;
    nix::sched::setns(&fd, CloneFlags::CLONE_NEWNET).map_err(NetnsError::Setns)
}

/// Makes `dir` with mode 0755 whatever the umask (keepalived makes its pid
/// directories `rwxr-xr-x`); an existing directory is fine.
pub fn make_dir_0755(dir: &Path) -> Result<(), NetnsError> {
    let mut b = std::fs::DirBuilder::new();
    b.mode(0o755);
    match b.create(dir) {
        Ok(()) => {
            // The umask may have taken bits away.
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(
                dir,
                std::fs::Permissions::from_mode(0o755),
            );
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(NetnsError::Mkdir {
            path: dir.to_owned(),
            source,
        }),
    }
}

/// The private `/run/keepalived` of a daemon in a namespace.
#[derive(Debug)]
pub struct PrivateRun {
    /// `/run/keepalived` (what the daemon writes to).
    pid_dir: PathBuf,
    /// `/run/keepalived/NAME` (what the host sees).
    host_dir: PathBuf,
}

impl PrivateRun {
    /// Makes `pid_dir/NAME`, unshares the mount namespace (every mount
    /// made a slave: systemd makes them shared, and a shared mount would
    /// carry ours back to the host) and bind-mounts `pid_dir/NAME` on
    /// `pid_dir`. `/sys` is mounted afresh, as `ip netns exec` does, so
    /// that `/sys/class/net` lists this namespace's interfaces.
    ///
    /// A failure after the unshare leaves the process where it got to
    /// (keepalived goes on too, logging it); the caller logs the error.
    pub fn mount(pid_dir: &Path, name: &str) -> Result<Self, NetnsError> {
        let host_dir = pid_dir.join(name);
        make_dir_0755(&host_dir)?;
        nix::sched::unshare(CloneFlags::CLONE_NEWNS)
            .map_err(NetnsError::Unshare)?;
        let mount_err = |what: &str| {
            let what = what.to_string();
            move |source| NetnsError::Mount { what, source }
        };
        nix::mount::mount::<str, str, str, str>(
            None,
            "/",
            None,
            MsFlags::MS_REC | MsFlags::MS_SLAVE,
            None,
        )
        .map_err(mount_err("Mount slave"))?;
        nix::mount::mount::<Path, Path, str, str>(
            Some(&host_dir),
            pid_dir,
            None,
            MsFlags::MS_BIND,
            None,
        )
        .map_err(mount_err("Mount"))?;
        let run = Self {
            pid_dir: pid_dir.to_owned(),
            host_dir,
        };
        remount_sys().map_err(mount_err("Mount of /sys"))?;
        Ok(run)
    }

    /// What the host sees as our pid directory (`/run/keepalived/NAME`).
    pub fn host_dir(&self) -> &Path {
        &self.host_dir
    }

    /// Unmounts the private pid directory and removes `pid_dir/NAME` when
    /// it is empty.
    pub fn unmount(self) -> Result<(), NetnsError> {
        nix::mount::umount(&self.pid_dir).map_err(|source| {
            NetnsError::Mount {
                what: format!("unmount of {}", self.pid_dir.display()),
                source,
            }
        })?;
        match std::fs::remove_dir(&self.host_dir) {
            Ok(()) => Ok(()),
            // keepalived compat: ENOTEMPTY and EBUSY are not reported.
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(libc::ENOTEMPTY | libc::EBUSY)
                ) =>
            {
                Ok(())
            }
            Err(source) => Err(NetnsError::Mkdir {
                path: self.host_dir,
                source,
            }),
        }
    }
}

/// `/sys` of the current network namespace (sysfs shows the namespace of
/// the task that mounts it).
fn remount_sys() -> nix::Result<()> {
    // Not mounted (a minimal container) is fine.
    let _ = nix::mount::umount2("/sys", MntFlags::MNT_DETACH);
    nix::mount::mount::<str, str, str, str>(
        Some("sysfs"),
        "/sys",
        Some("sysfs"),
        MsFlags::empty(),
        None,
    )
}

/// Removes `dir` if empty (keepalived's `remove_pid_dir`); other errors
/// than "not empty" and "busy" are returned.
pub fn remove_dir_if_empty(dir: &Path) -> io::Result<()> {
    match std::fs::remove_dir(dir) {
        Err(e)
            if !matches!(
                e.raw_os_error(),
                Some(libc::ENOTEMPTY | libc::EBUSY | libc::ENOENT)
            ) =>
        {
            Err(e)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
#[path = "netns_tests.rs"]
mod tests;

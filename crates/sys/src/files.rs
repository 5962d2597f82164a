//! Files the daemon writes: state dumps, created without following
//! symlinks and with tight permissions (pid files: [`crate::pidfile`];
//! notify FIFOs: [`crate::fifo`]).
//!
//! keepalived's CVE-2018-19044/19045/19046 came from dump files in `/tmp`
//! opened through symlinks, created 0666, or kept open by a process that
//! pre-created them. Here a dump is always a fresh file: any old one is
//! unlinked, and the new one is created with `O_EXCL | O_NOFOLLOW`, mode
//! 0600, so a planted symlink or pre-opened file can never receive data.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// How often to retry when someone recreates the path between our unlink
/// and our exclusive create.
const CREATE_ATTEMPTS: usize = 5;

/// Creates `path` afresh, mode 0600, never through a symlink, and writes
/// `contents` to it.
pub fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut f = create_private(path)?;
    f.write_all(contents)?;
    f.sync_all()
}

/// Creates `path` afresh with mode 0600 and returns it open for writing.
pub fn create_private(path: &Path) -> io::Result<File> {
    let mut last = None;
    for _ in 0..CREATE_ATTEMPTS {
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(path)
        {
            Ok(f) => return Ok(f),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                last = Some(e)
            }
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("could not create file")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn tmpdir(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir()
            .join(format!("ka-files-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn private_file_replaces_a_planted_symlink() {
        let d = tmpdir("symlink");
        let victim = d.join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let dump = d.join("keepalived.data");
        std::os::unix::fs::symlink(&victim, &dump).unwrap();
        write_private(&dump, b"state").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert_eq!(std::fs::read_to_string(&dump).unwrap(), "state");
        let meta = std::fs::symlink_metadata(&dump).unwrap();
        assert!(meta.file_type().is_file());
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        std::fs::remove_dir_all(d).unwrap();
    }
}

use ka_lab::TmpDir;

use super::*;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;

fn root() -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    eprintln!("skipped: not root, cannot make a FIFO owned by another user");
    false
}

fn make_fifo(path: &Path, uid: u32) {
    nix::unistd::mkfifo(path, nix::sys::stat::Mode::from_bits_truncate(0o600))
        .unwrap();
    std::os::unix::fs::chown(path, Some(uid), Some(uid)).unwrap();
}

#[test]
fn created_fifo_carries_lines_and_is_removed_on_drop() {
    let d = TmpDir::new("ka-fifo", "lines");
    let path = d.path().join("notify.fifo");
    let mut w = NotifyFifo::open(&path, None).unwrap();
    let meta = std::fs::symlink_metadata(&path).unwrap();
    assert!(meta.file_type().is_fifo());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let mut r = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&path)
        .unwrap();
    w.write_line("INSTANCE \"VI_1\" MASTER 100\n").unwrap();
    let mut buf = [0u8; 64];
    let n = r.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"INSTANCE \"VI_1\" MASTER 100\n");
    drop(w);
    assert!(!path.exists(), "the FIFO we created outlived us");
}

#[test]
fn existing_fifo_of_ours_is_used_and_kept() {
    let d = TmpDir::new("ka-fifo", "kept");
    let path = d.path().join("notify.fifo");
    nix::unistd::mkfifo(&path, nix::sys::stat::Mode::from_bits_truncate(0o600))
        .unwrap();
    drop(NotifyFifo::open(&path, None).unwrap());
    assert!(path.exists(), "a FIFO we did not create was removed");
}

#[test]
fn plain_file_and_symlink_are_refused() {
    let d = TmpDir::new("ka-fifo", "plain");
    let plain = d.path().join("plain");
    std::fs::write(&plain, "x").unwrap();
    assert!(matches!(
        NotifyFifo::open(&plain, None),
        Err(FifoError::NotOurs { .. })
    ));
    assert!(plain.exists());
    // A symlink to a FIFO of ours is not followed.
    let target = d.path().join("target.fifo");
    nix::unistd::mkfifo(
        &target,
        nix::sys::stat::Mode::from_bits_truncate(0o600),
    )
    .unwrap();
    let link = d.path().join("link.fifo");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    assert!(matches!(
        NotifyFifo::open(&link, None),
        Err(FifoError::Open { .. })
    ));
}

#[test]
fn foreign_fifo_is_refused_unless_it_is_the_configured_owners() {
    if !root() {
        return;
    }
    let d = TmpDir::new("ka-fifo", "foreign");
    let path = d.path().join("notify.fifo");
    make_fifo(&path, 65534);
    let err = NotifyFifo::open(&path, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "notify fifo {} is not a fifo we own - not using",
            path.display()
        )
    );
    assert!(path.exists(), "someone else's FIFO was removed");
    assert!(NotifyFifo::open(&path, Some((65533, 65533))).is_err());
    // The configured owner's FIFO is fine.
    NotifyFifo::open(&path, Some((65534, 65534))).unwrap();
}

#[test]
fn created_fifo_is_given_to_its_owner() {
    if !root() {
        return;
    }
    let d = TmpDir::new("ka-fifo", "owner");
    let path = d.path().join("notify.fifo");
    let f = NotifyFifo::open(&path, Some((65534, 65534))).unwrap();
    let meta = std::fs::symlink_metadata(f.path()).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (65534, 65534));
}

use std::os::unix::fs::PermissionsExt;

use ka_lab::TmpDir;

use super::*;

#[test]
fn parses_like_fscanf_d() {
    assert_eq!(parse("4242\n"), PidFileContent::Pid(4242));
    assert_eq!(parse("  17 trailing"), PidFileContent::Pid(17));
    assert_eq!(parse("0\n"), PidFileContent::Pid(0));
    assert_eq!(parse("-3"), PidFileContent::Pid(-3));
    assert_eq!(parse(""), PidFileContent::Unreadable);
    assert_eq!(parse("pid"), PidFileContent::Unreadable);
    assert_eq!(parse("99999999999"), PidFileContent::Unreadable);
}

#[test]
fn absent_and_alive() {
    let dir = TmpDir::new("ka-pidfile", "read");
    let d = dir.path();
    assert_eq!(read(&d.join("none.pid")), PidFileContent::Absent);
    std::fs::write(d.join("x.pid"), "12\n").unwrap();
    assert_eq!(read(&d.join("x.pid")), PidFileContent::Pid(12));
    let me = i32::try_from(std::process::id()).unwrap();
    assert!(alive(me));
    assert!(!alive(0));
    assert!(!alive(-1));
    // Beyond pid_max (at most 2^22 on Linux): nobody.
    assert!(!alive(i32::MAX));
}

#[test]
fn the_lock_keeps_a_second_holder_out_and_its_pid_in() {
    let dir = TmpDir::new("ka-pidfile", "lock");
    let d = dir.path();
    let path = d.join("k.pid");
    let first = PidFile::create(&path, 111).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "111\n");
    let second = PidFile::create(&path, 222);
    assert!(
        matches!(second, Err(PidFileError::Locked { .. })),
        "{second:?}"
    );
    // The loser neither truncated nor rewrote the holder's file.
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "111\n");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o644);
    first.remove().unwrap();
    assert!(!path.exists());
    // Released: it can be taken again.
    PidFile::create(&path, 333).unwrap().remove().unwrap();
}

#[test]
fn remove_leaves_a_file_someone_else_recreated() {
    let dir = TmpDir::new("ka-pidfile", "recreated");
    let d = dir.path();
    let path = d.join("k.pid");
    let ours = PidFile::create(&path, 111).unwrap();
    std::fs::remove_file(&path).unwrap();
    let theirs = PidFile::create(&path, 222).unwrap();
    ours.remove().unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "222\n");
    theirs.remove().unwrap();
    assert!(!path.exists());
}

#[test]
fn never_follows_a_symlink() {
    let dir = TmpDir::new("ka-pidfile", "symlink");
    let d = dir.path();
    let victim = d.join("victim");
    std::fs::write(&victim, "precious").unwrap();
    let path = d.join("k.pid");
    std::os::unix::fs::symlink(&victim, &path).unwrap();
    assert!(PidFile::create(&path, 1).is_err());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
}

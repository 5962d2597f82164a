//! keepalived's `check_script_secure()` rules on a fake file system.

use std::path::PathBuf;

use super::{Flags, Ids, check};
use crate::host::{FakeHost, FileInfo};

const ROOT: Ids = Ids { uid: 0, gid: 0 };

fn info(uid: u32, gid: u32, mode: u32, is_dir: bool) -> FileInfo {
    FileInfo {
        uid,
        gid,
        mode,
        is_dir,
    }
}

/// `/`, `/s` (0755) and `/s/ok.sh` (0755), all root's.
fn host() -> FakeHost {
    let mut h = FakeHost::new();
    h.file_infos.insert("/".into(), info(0, 0, 0o755, true));
    h.file_infos.insert("/s".into(), info(0, 0, 0o755, true));
    h.file_infos
        .insert("/s/ok.sh".into(), info(0, 0, 0o755, false));
    h
}

fn with(mut h: FakeHost, path: &str, f: FileInfo) -> FakeHost {
    h.file_infos.insert(PathBuf::from(path), f);
    h
}

#[test]
fn a_root_owned_script_in_root_owned_directories_is_secure() {
    let f = check("/s/ok.sh", ROOT, true, &host());
    assert_eq!(f, Flags::IS_SCRIPT | Flags::EXECUTABLE);
}

#[test]
fn a_world_writable_script_is_inhibited_only_with_script_security() {
    let h = with(host(), "/s/ww.sh", info(0, 0, 0o777, false));
    let on = check("/s/ww.sh", ROOT, true, &h);
    assert!(on.has(Flags::INSECURE | Flags::INHIBIT), "{on:?}");
    let off = check("/s/ww.sh", ROOT, false, &h);
    assert!(
        off.has(Flags::INSECURE) && !off.has(Flags::INHIBIT),
        "{off:?}"
    );
}

#[test]
fn a_writable_directory_is_insecure_unless_sticky() {
    let h = with(host(), "/w", info(0, 0, 0o777, true));
    let h = with(h, "/w/x.sh", info(0, 0, 0o755, false));
    assert!(check("/w/x.sh", ROOT, true, &h).has(Flags::INHIBIT));
    let h = with(h, "/w", info(0, 0, 0o1777, true));
    assert!(!check("/w/x.sh", ROOT, true, &h).has(Flags::INSECURE));
}

#[test]
fn group_write_is_insecure_only_for_a_non_root_group() {
    let h = with(host(), "/s/g.sh", info(0, 0, 0o775, false));
    assert!(!check("/s/g.sh", ROOT, true, &h).has(Flags::INSECURE));
    let h = with(h, "/s/g.sh", info(0, 100, 0o775, false));
    assert!(check("/s/g.sh", ROOT, true, &h).has(Flags::INHIBIT));
}

#[test]
fn a_file_owned_by_another_user_is_insecure() {
    let h = with(host(), "/s/u.sh", info(1000, 0, 0o755, false));
    assert!(check("/s/u.sh", ROOT, true, &h).has(Flags::INHIBIT));
}

#[test]
fn a_missing_script_is_not_found() {
    assert_eq!(check("/s/absent.sh", ROOT, true, &host()), Flags::NOT_FOUND);
}

#[test]
fn a_bare_name_is_looked_up_in_path() {
    let mut h = host();
    h.env.insert("PATH".into(), "/nowhere:/s".into());
    let f = check("ok.sh", ROOT, true, &h);
    assert_eq!(f, Flags::IS_SCRIPT | Flags::EXECUTABLE);
    assert_eq!(check("absent.sh", ROOT, true, &h), Flags::NOT_FOUND);
}

#[test]
fn a_non_root_script_user_skips_the_path_check() {
    let h = with(host(), "/s/ww.sh", info(0, 0, 0o777, false));
    let user = Ids { uid: 998, gid: 998 };
    assert_eq!(
        check("/s/ww.sh", user, true, &h),
        Flags::IS_SCRIPT | Flags::EXECUTABLE
    );
}

#[test]
fn a_file_nobody_may_execute_is_only_a_script() {
    let h = with(host(), "/s/rw.sh", info(0, 0, 0o644, false));
    assert_eq!(check("/s/rw.sh", ROOT, true, &h), Flags::IS_SCRIPT);
}

#[test]
fn a_file_test_is_never_executed() {
    assert_eq!(check("< /s/ok.sh", ROOT, true, &host()), Flags::SYSTEM);
}

#[test]
fn a_symlink_is_checked_at_its_real_path() {
    let h = with(host(), "/w", info(0, 0, 0o777, true));
    let mut h = with(h, "/w/x.sh", info(0, 0, 0o755, false));
    h.symlinks.insert("/s/link.sh".into(), "/w/x.sh".into());
    assert!(check("/s/link.sh", ROOT, true, &h).has(Flags::INHIBIT));
}

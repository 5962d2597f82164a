use super::*;

#[test]
fn the_handle_of_a_namespace_is_under_var_run_netns() {
    assert_eq!(netns_path("blue"), PathBuf::from("/var/run/netns/blue"));
}

#[test]
fn joining_a_namespace_that_does_not_exist_says_which_file_failed() {
    let name = format!("ka-absent-{}", std::process::id());
    let err = join(&name).expect_err("no such namespace");
    assert_eq!(
        err.to_string(),
        format!("Failed to open /var/run/netns/{name}")
    );
}

#[test]
fn pid_directories_are_rwxr_xr_x_whatever_the_umask_and_may_exist() {
    use std::os::unix::fs::PermissionsExt;
    let dir =
        std::env::temp_dir().join(format!("ka-netns-{}", std::process::id()));
    let sub = dir.join("ns");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    make_dir_0755(&sub).unwrap();
    make_dir_0755(&sub).unwrap();
    let mode = std::fs::metadata(&sub).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o755);
    std::fs::write(sub.join("f"), "x").unwrap();
    // Not empty: left, and not an error (keepalived's remove_pid_dir).
    remove_dir_if_empty(&sub).unwrap();
    assert!(sub.exists());
    std::fs::remove_file(sub.join("f")).unwrap();
    remove_dir_if_empty(&sub).unwrap();
    assert!(!sub.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

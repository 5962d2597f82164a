use super::*;

#[test]
fn the_core_pattern_is_swapped_and_the_old_one_returned() {
    let p =
        std::env::temp_dir().join(format!("ka-core-{}", std::process::id()));
    std::fs::write(&p, "|/usr/lib/systemd/systemd-coredump %P\n").unwrap();
    let old = swap_core_pattern(&p, "core").unwrap();
    assert_eq!(old, "|/usr/lib/systemd/systemd-coredump %P");
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "core");
    std::fs::remove_file(&p).unwrap();
}

#[test]
fn realtime_scheduling_is_applied_on_a_thread_and_reset() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: not root, SCHED_RR needs CAP_SYS_NICE");
        return;
    }
    // On a thread of its own: the policy is per thread.
    std::thread::spawn(|| {
        assert_eq!(policy().unwrap(), (libc::SCHED_OTHER, 0));
        set_realtime(20).unwrap();
        assert_eq!(policy().unwrap(), (libc::SCHED_RR, 20));
        set_normal().unwrap();
        assert_eq!(policy().unwrap(), (libc::SCHED_OTHER, 0));
    })
    .join()
    .unwrap();
}

#[test]
fn affinity_to_a_cpu_that_is_not_there_fails() {
    std::thread::spawn(|| {
        assert!(set_cpu_affinity(&[0]).is_ok());
        let absent = u32::try_from(online_cpus() + 4096).unwrap();
        assert!(set_cpu_affinity(&[absent]).is_err());
    })
    .join()
    .unwrap();
}

//! Scheduling keywords and core dumps, read back from /proc: a daemon
//! started with `vrrp_rt_priority 20`, `vrrp_no_swap`,
//! `vrrp_cpu_affinity 0` and `-m` runs SCHED_RR at priority 20 with
//! locked memory, on CPU 0 only, with an unlimited core size. Needs root;
//! skipped with the reason otherwise.

mod common;

use std::time::{Duration, Instant};

use ka_lab::Lab;

/// Start on a loaded machine.
const STEP: Duration = Duration::from_secs(15);

fn conf(globals: &str) -> String {
    format!(
        "global_defs {{\n{globals}}}\nvrrp_instance VI_1 {{\n state BACKUP\n interface eth0\n \
         virtual_router_id 53\n priority 100\n advert_int 1\n virtual_ipaddress {{\n \
         192.0.2.100/24\n }}\n}}\n"
    )
}

/// Waits until the daemon's log has `line`.
fn wait_log(lab: &Lab, pid: u32, line: &str) -> String {
    let start = Instant::now();
    loop {
        let log = lab.log_of(pid);
        if log.contains(line) {
            return log;
        }
        assert!(start.elapsed() < STEP, "no {line:?} in the log:\n{log}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `(rt_priority, policy)` of `/proc/PID/stat` (fields 40 and 41).
fn stat_sched(pid: u32) -> (u32, u32) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name, which may hold spaces: field 3 on.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    (f[40 - 3].parse().unwrap(), f[41 - 3].parse().unwrap())
}

fn status_field(pid: u32, name: &str) -> String {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .unwrap_or_else(|| panic!("no {name} in /proc/{pid}/status"))
        .trim()
        .to_string()
}

#[test]
fn rt_priority_no_swap_cpu_affinity_and_core_dumps_are_applied() {
    if ka_lab::skip() {
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    let globals = " vrrp_rt_priority 20\n vrrp_no_swap\n vrrp_cpu_affinity 0\n";
    let pid = common::start_keepalived_rs_with(
        &mut lab,
        0,
        "sched",
        &conf(globals),
        &[],
        &["-m"],
    );
    let log = wait_log(&lab, pid, "Process scheduling:");
    assert!(log.contains("realtime priority 20 (SCHED_RR), rlimit_rttime 10000 usecs, memory locked (no swap), cpu affinity 0"), "{log}");
    wait_log(&lab, pid, "Entering BACKUP STATE");
    // SCHED_RR is 2.
    assert_eq!(stat_sched(pid), (20, 2), "{log}");
    let locked = status_field(pid, "VmLck");
    assert_ne!(locked, "0 kB", "VmLck {locked}");
    assert_eq!(status_field(pid, "Cpus_allowed_list"), "0");
    let limits =
        std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    assert!(
        core.split_whitespace()
            .filter(|w| *w == "unlimited")
            .count()
            == 2,
        "{core}"
    );
    let rttime = limits
        .lines()
        .find(|l| l.starts_with("Max realtime timeout"))
        .unwrap();
    assert!(
        rttime.contains("5000") && rttime.contains("10000"),
        "{rttime}"
    );
}

#[test]
fn without_scheduling_keywords_the_daemon_runs_sched_other() {
    if ka_lab::skip() {
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    let pid = common::start_keepalived_rs_with(
        &mut lab,
        0,
        "plain",
        &conf(""),
        &[],
        &[],
    );
    let log = wait_log(&lab, pid, "Entering BACKUP STATE");
    assert!(!log.contains("Process scheduling:"), "{log}");
    assert_eq!(stat_sched(pid), (0, 0));
    assert_eq!(status_field(pid, "VmLck"), "0 kB");
}

#[test]
fn max_auto_priority_raises_a_late_loop_to_realtime_step_by_step() {
    if ka_lab::skip() {
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    // A 1 µs allowance: every wake-up of a millisecond timer is late.
    let globals = " max_auto_priority 3\n min_auto_priority_delay 1\n";
    let pid = common::start_keepalived_rs_with(
        &mut lab,
        0,
        "auto",
        &conf(globals),
        &[],
        &[],
    );
    let log = wait_log(&lab, pid, "Set realtime priority 3");
    assert!(log.contains("A thread timer expired 0."), "{log}");
    let steps: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("Set realtime priority"))
        .collect();
    assert_eq!(steps.len(), 3, "{log}");
    assert!(steps[0].ends_with("Set realtime priority 1"), "{log}");
    assert_eq!(stat_sched(pid), (3, 2), "{log}");
    // Never past the maximum.
    std::thread::sleep(Duration::from_millis(500));
    assert!(!lab.log_of(pid).contains("Set realtime priority 4"));
}

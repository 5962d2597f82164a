//! keepalived's command-line options acted on as keepalived acts on them,
//! observed on a daemon in a lab namespace: `-V` leaves the VIP after
//! SIGTERM, `-d` logs the configuration dump at start. (`-g` is in
//! namespaces.rs, `-m` in sched.rs.) Needs root; skipped with the reason
//! otherwise.

mod common;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use ka_lab::Lab;
use nix::sys::signal::Signal;

/// Election (Master_Down 3.6 s) with a wide margin for a loaded machine.
const ELECTION: Duration = Duration::from_secs(20);

fn vip() -> IpAddr {
    "192.0.2.100".parse().unwrap()
}

fn conf() -> String {
    "vrrp_instance VI_1 {\n state BACKUP\n interface eth0\n virtual_router_id 54\n \
     priority 100\n advert_int 1\n virtual_ipaddress {\n 192.0.2.100/24\n }\n}\n"
        .to_string()
}

fn master(lab: &mut Lab, extra: &[&str]) -> u32 {
    let pid =
        common::start_keepalived_rs_with(lab, 0, "ka", &conf(), &[], extra);
    if lab
        .wait_until(ELECTION, |l| l.holders(vip()) == [0])
        .is_none()
    {
        panic!("no VIP on host 0\n{}", lab.log_of(pid));
    }
    pid
}

fn stop(lab: &mut Lab, pid: u32) {
    assert!(lab.signal(pid, Signal::SIGTERM));
    let st = lab.wait_exit(pid, Duration::from_secs(10));
    assert_eq!(st.and_then(|s| s.code()), Some(0), "{}", lab.log_of(pid));
}

#[test]
fn dont_release_vrrp_leaves_the_vip_after_sigterm() {
    if ka_lab::skip() {
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    let pid = master(&mut lab, &["-V"]);
    stop(&mut lab, pid);
    assert_eq!(lab.holders(vip()), [0], "{}", lab.log_of(pid));
    assert!(lab.log_of(pid).contains("--dont-release-vrrp: leaving"));
}

#[test]
fn without_dont_release_vrrp_sigterm_removes_the_vip() {
    if ka_lab::skip() {
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    let pid = master(&mut lab, &[]);
    stop(&mut lab, pid);
    let start = Instant::now();
    while !lab.holders(vip()).is_empty()
        && start.elapsed() < Duration::from_secs(5)
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(lab.holders(vip()).is_empty(), "{}", lab.log_of(pid));
}

/// Waits until the log of `pid` has `line`.
fn wait_log(lab: &Lab, pid: u32, line: &str) -> String {
    let start = Instant::now();
    loop {
        let log = lab.log_of(pid);
        if log.contains(line) {
            return log;
        }
        assert!(start.elapsed() < ELECTION, "no {line:?} in the log:\n{log}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn dump_conf_logs_the_data_dump_at_start() {
    if ka_lab::skip() {
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    let pid = common::start_keepalived_rs_with(
        &mut lab,
        0,
        "d",
        &conf(),
        &[],
        &["-d"],
    );
    let log = wait_log(&lab, pid, "------< VRRP Topology >------");
    assert!(log.contains(" VRRP Instance = VI_1"), "{log}");
    // Without -d: no dump in the log.
    let mut lab = Lab::new(1).expect("lab");
    let pid =
        common::start_keepalived_rs_with(&mut lab, 0, "nod", &conf(), &[], &[]);
    let log = wait_log(&lab, pid, "Entering BACKUP STATE");
    assert!(!log.contains("VRRP Topology"), "{log}");
}

#[test]
fn address_monitoring_logs_address_changes() {
    if ka_lab::skip() {
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    let pid = common::start_keepalived_rs_with(
        &mut lab,
        0,
        "a",
        &conf(),
        &[],
        &["-a"],
    );
    wait_log(&lab, pid, "Entering BACKUP STATE");
    lab.exec_ok(0, "ip", &["addr", "add", "192.0.2.77/24", "dev", "eth0"])
        .unwrap();
    wait_log(
        &lab,
        pid,
        "Netlink reflector reports IP 192.0.2.77 added to eth0",
    );
    lab.exec_ok(0, "ip", &["addr", "del", "192.0.2.77/24", "dev", "eth0"])
        .unwrap();
    wait_log(
        &lab,
        pid,
        "Netlink reflector reports IP 192.0.2.77 removed from eth0",
    );
}

#[test]
fn options_without_effect_say_so_once_naming_the_option() {
    let dir =
        std::env::temp_dir().join(format!("kars-opts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf_path = dir.join("k.conf");
    std::fs::write(&conf_path, conf()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_keepalived-rs"))
        .args(["-X", "-x", "-x", "-A", "/s", "-t", "-f"])
        .arg(&conf_path)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let err = String::from_utf8_lossy(&out.stderr);
    let line = "keepalived-rs: option --release-vips has no effect: keepalived-rs always removes the virtual addresses when an instance leaves MASTER state";
    assert_eq!(err.matches(line).count(), 1, "{line}\n{err}");
    // -x and -A are acted on (the SNMP subagent).
    assert!(
        !err.contains("--core-dump")
            && !err.contains("--log-file")
            && !err.contains("--snmp"),
        "{err}"
    );
}

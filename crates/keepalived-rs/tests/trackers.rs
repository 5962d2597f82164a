//! `track_file` and `vrrp_track_process` end to end: keepalived-rs in
//! network-namespace hosts (ka-lab), with the tracked file and process
//! changed from outside. Needs root; skipped with the reason otherwise.

mod common;

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use ka_lab::Lab;
use nix::sys::signal::Signal;

/// Election after startup, or failover: Master_Down (3.609 s at priority
/// 100) plus a wide margin for a loaded 2-core machine.
const ELECTION: Duration = Duration::from_secs(12);

fn vip() -> IpAddr {
    "192.0.2.100".parse().unwrap()
}

/// Writes `conf` and starts keepalived-rs in host `host`; returns its pid.
fn start(lab: &mut Lab, host: usize, name: &str, conf: &str) -> u32 {
    common::start_keepalived_rs(lab, host, name, conf, &[])
}

/// `VI_1` on eth0 with `extra` lines in its body.
fn instance(prio: u8, extra: &str) -> String {
    format!(
        "vrrp_instance VI_1 {{\n    state BACKUP\n    interface eth0\n    virtual_router_id 61\n    \
         priority {prio}\n    advert_int 1\n{extra}    virtual_ipaddress {{\n        192.0.2.100/24\n    }}\n}}\n"
    )
}

/// Waits until exactly `want` hold the VIP; panics with the logs if not.
fn expect_holders(lab: &Lab, want: &[usize], pids: &[u32], what: &str) {
    if lab
        .wait_until(ELECTION, |l| l.holders(vip()) == want)
        .is_none()
    {
        let logs: String = pids
            .iter()
            .map(|p| format!("--- pid {p}:\n{}\n", lab.log_of(*p)))
            .collect();
        panic!(
            "{what}: expected the VIP on {want:?}, holders are {:?}\n{logs}",
            lab.holders(vip())
        );
    }
}

/// Writes a value the way an operator's script would (write and close).
fn set_value(path: &Path, v: &str) {
    std::fs::write(path, v).unwrap();
}

#[test]
fn a_track_file_value_moves_the_vip_by_weight() {
    if ka_lab::skip() {
        return;
    }
    let mut lab = Lab::new(2).expect("lab");
    let file = lab.dir().join("prio.val");
    let tracker = format!(
        "track_file PRIO {{\n    file \"{}\"\n    weight 10\n    init_file 0\n}}\n",
        file.display()
    );
    let hi = start(
        &mut lab,
        0,
        "hi",
        &format!(
            "{tracker}{}",
            instance(150, "    track_file {\n        PRIO\n    }\n")
        ),
    );
    let lo = start(&mut lab, 1, "lo", &instance(100, ""));
    expect_holders(&lab, &[0], &[hi, lo], "initial election");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "0\n", "init_file");
    // 150 + (-10 × 10) = 50 < 100: the backup preempts.
    set_value(&file, "-10\n");
    expect_holders(&lab, &[1], &[hi, lo], "after the value dropped");
    // 150 + 2 × 10 = 170: back to host 0 (replaced by rename this time).
    let tmp = lab.dir().join("prio.tmp");
    set_value(&tmp, "2");
    std::fs::rename(&tmp, &file).unwrap();
    expect_holders(&lab, &[0], &[hi, lo], "after the value rose");
    let log = lab.log_of(hi);
    assert!(
        log.contains("effective priority"),
        "no priority change logged:\n{log}"
    );
}

#[test]
fn a_killed_tracked_process_with_weight_0_faults_the_instance() {
    if ka_lab::skip() {
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    // A copy of sleep with a unique short name (comm is the file name).
    let name = format!("kat{}", std::process::id() % 1_000_000);
    let prog = lab.dir().join(&name);
    std::fs::copy("/bin/sleep", &prog).expect("copy sleep");
    let prog = prog.display().to_string();
    let victim = lab
        .spawn(0, "victim", &prog, &["600"])
        .expect("start victim");
    let tracker = format!(
        "vrrp_track_process VICTIM {{\n    process {name}\n    weight 0\n}}\n"
    );
    let conf = format!(
        "{tracker}{}",
        instance(100, "    track_process {\n        VICTIM\n    }\n")
    );
    let ka = start(&mut lab, 0, "ka", &conf);
    expect_holders(&lab, &[0], &[ka], "master while the process runs");
    assert!(lab.signal(victim, Signal::SIGKILL));
    assert!(
        lab.wait_exit(victim, Duration::from_secs(5)).is_some(),
        "victim did not die"
    );
    expect_holders(&lab, &[], &[ka], "FAULT after the process died");
    let faulted = lab.wait_until(Duration::from_secs(5), |l| {
        l.log_of(ka).contains("Entering FAULT STATE")
    });
    assert!(faulted.is_some(), "no FAULT logged:\n{}", lab.log_of(ka));
    // The process comes back: the instance leaves FAULT and takes over.
    let _again = lab
        .spawn(0, "victim2", &prog, &["600"])
        .expect("restart victim");
    expect_holders(
        &lab,
        &[0],
        &[ka],
        "master again after the process returned",
    );
}

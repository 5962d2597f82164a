//! Failover on every kind of master loss, with the protocol's bounds:
//! Master_Down_Interval = 3 × Advertisement_Interval + Skew_Time
//! (RFC 3768 §6.1; 3.609 s at priority 100, 1 s adverts) for a silent
//! loss, Skew_Time (0.609 s) after a priority-0 advert. The bounds below
//! add a margin for a loaded 2-core test machine.

use std::time::Duration;

use nix::sys::signal::Signal;

use crate::*;

const MASTER_DOWN_BOUND: Duration = Duration::from_millis(3_609 + 2_500);
const SKEW_BOUND: Duration = Duration::from_millis(609 + 1_500);
const ELECTION: Duration = Duration::from_secs(10);

fn pair(lab: &mut ka_lab::Lab, extra_hi: &str) -> (Node, Node) {
    let hi = start(
        lab,
        0,
        "hi",
        &instance(51, 150, extra_hi, &["192.0.2.100/24"]),
    );
    let lo = start(lab, 1, "lo", &instance(51, 100, "", &["192.0.2.100/24"]));
    expect_holders(lab, vip4(), &[0], ELECTION, &[&hi, &lo]);
    (hi, lo)
}

/// Starts tcpdump for gratuitous ARPs in the observer host.
fn arp_watch(lab: &mut ka_lab::Lab, host: usize) -> u32 {
    let pid = lab
        .spawn(
            host,
            "arpwatch",
            "tcpdump",
            &["-i", "eth0", "-n", "-e", "-l", "arp"],
        )
        .expect("tcpdump");
    let ready = lab.wait_until(Duration::from_secs(5), |l| {
        l.log_of(pid).contains("listening on")
    });
    assert!(
        ready.is_some(),
        "tcpdump did not start: {}",
        lab.log_of(pid)
    );
    pid
}

fn mac(lab: &ka_lab::Lab, host: usize) -> String {
    lab.exec_ok(host, "cat", &["/sys/class/net/eth0/address"])
        .unwrap()
        .trim()
        .to_owned()
}

#[test]
fn sigkill_of_the_master_moves_the_vip_within_master_down_and_garps() {
    let Some(mut lab) = lab(3) else { return };
    let (hi, lo) = pair(&mut lab, "");
    let tcpdump = arp_watch(&mut lab, 2);
    kill(&mut lab, &hi, Signal::SIGKILL);
    // A crashed master keeps its VIP configured (nobody removes it), so
    // the new holder set is both hosts.
    expect_holders(&lab, vip4(), &[0, 1], MASTER_DOWN_BOUND, &[&hi, &lo]);
    // keepalived sends 5 gratuitous ARPs from the new master's MAC.
    let lo_mac = mac(&lab, 1);
    let seen = lab.wait_until(Duration::from_secs(3), |l| {
        l.log_of(tcpdump)
            .lines()
            .filter(|line| {
                line.contains(&format!("{lo_mac} > ff:ff:ff:ff:ff:ff"))
                    && line.contains("Request who-has 192.0.2.100 ")
                    && line.contains("tell 192.0.2.100,")
            })
            .count()
            >= 5
    });
    assert!(
        seen.is_some(),
        "GARPs from {lo_mac}:\n{}",
        lab.log_of(tcpdump)
    );
}

#[test]
fn sigterm_resigns_with_priority_zero_and_hands_over_within_skew() {
    let Some(mut lab) = lab(2) else { return };
    let (hi, lo) = pair(&mut lab, "");
    kill(&mut lab, &hi, Signal::SIGTERM);
    // The stopping master removed its VIP; the backup took over after
    // Skew_Time, not Master_Down_Interval.
    expect_holders(&lab, vip4(), &[1], SKEW_BOUND, &[&hi, &lo]);
    assert!(
        !lab.dir().join("hi.pid").exists(),
        "pid file removed at exit"
    );
}

#[test]
fn link_cut_faults_the_master_and_the_backup_takes_over_then_preemption() {
    let Some(mut lab) = lab(2) else { return };
    let (hi, lo) = pair(&mut lab, "");
    lab.link_down(0).unwrap();
    // The old master sees carrier loss: FAULT, VIP removed; the backup
    // times out.
    expect_holders(&lab, vip4(), &[1], MASTER_DOWN_BOUND, &[&hi, &lo]);
    lab.link_up(0).unwrap();
    // Back from FAULT, the higher priority preempts (after its own
    // Master_Down_Interval as a backup).
    expect_holders(
        &lab,
        vip4(),
        &[0],
        MASTER_DOWN_BOUND + ELECTION,
        &[&hi, &lo],
    );
    assert!(
        transitions(&lab, &hi)
            .iter()
            .any(|l| l.contains("Entering FAULT STATE"))
    );
}

#[test]
fn silent_partition_elects_the_isolated_side_and_heals_to_one_master() {
    let Some(mut lab) = lab(2) else { return };
    let (hi, lo) = pair(&mut lab, "");
    lab.partition(0).unwrap();
    // The backup stops hearing adverts: it becomes master. The isolated
    // master cannot know and keeps its VIP (split brain, as with any VRRP).
    expect_holders(&lab, vip4(), &[0, 1], MASTER_DOWN_BOUND, &[&hi, &lo]);
    lab.heal().unwrap();
    // Both hear each other again: the lower priority yields.
    expect_holders(&lab, vip4(), &[0], ELECTION, &[&hi, &lo]);
}

#[test]
fn returning_higher_priority_preempts_but_not_with_nopreempt() {
    let Some(mut lab) = lab(3) else { return };
    // h1 (100) alone becomes master.
    let lo = start(
        &mut lab,
        1,
        "lo",
        &instance(51, 100, "", &["192.0.2.100/24"]),
    );
    expect_holders(&lab, vip4(), &[1], ELECTION, &[&lo]);
    // h0 (150, preempt) takes over; h2 (200, nopreempt) does not.
    let np = start(
        &mut lab,
        2,
        "np",
        &instance(51, 200, "    nopreempt\n", &["192.0.2.100/24"]),
    );
    expect_steady(&lab, vip4(), &[1], Duration::from_secs(6));
    let hi = start(
        &mut lab,
        0,
        "hi",
        &instance(51, 150, "", &["192.0.2.100/24"]),
    );
    expect_holders(&lab, vip4(), &[0], ELECTION, &[&hi, &lo, &np]);
}

#[test]
fn three_nodes_fail_over_in_priority_order() {
    let Some(mut lab) = lab(3) else { return };
    let a = start(
        &mut lab,
        0,
        "a",
        &instance(51, 150, "", &["192.0.2.100/24"]),
    );
    let b = start(
        &mut lab,
        1,
        "b",
        &instance(51, 120, "", &["192.0.2.100/24"]),
    );
    let c = start(
        &mut lab,
        2,
        "c",
        &instance(51, 100, "", &["192.0.2.100/24"]),
    );
    expect_holders(&lab, vip4(), &[0], ELECTION, &[&a, &b, &c]);
    kill(&mut lab, &a, Signal::SIGTERM);
    expect_holders(&lab, vip4(), &[1], SKEW_BOUND, &[&a, &b, &c]);
    kill(&mut lab, &b, Signal::SIGTERM);
    expect_holders(&lab, vip4(), &[2], SKEW_BOUND, &[&a, &b, &c]);
}

#[test]
fn reload_with_an_unchanged_configuration_causes_no_transition_or_flap() {
    let Some(mut lab) = lab(2) else { return };
    let (hi, lo) = pair(&mut lab, "");
    let before = transitions(&lab, &hi).len();
    assert!(lab.signal(hi.pid, Signal::SIGHUP));
    assert!(lab.signal(lo.pid, Signal::SIGHUP));
    expect_steady(&lab, vip4(), &[0], Duration::from_secs(5));
    assert_eq!(
        transitions(&lab, &hi).len(),
        before,
        "{}",
        lab.log_of(hi.pid)
    );
    assert!(lab.log_of(hi.pid).contains("Reloading"));
}

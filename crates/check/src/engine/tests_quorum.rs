//! Quorum with hysteresis, sorry servers, inhibit_on_failure, dynamic
//! weights, FILE_CHECK, BFD_CHECK and ha_suspend.

use std::net::IpAddr;

use ka_types::lvs::Op;

use super::testutil::*;
use crate::event::{CheckerId, Event, Notify, ProbeResult, Reason};

fn down_now(h: &mut Harness, rs: u32) {
    h.set_up(rsid(0, rs), false);
}

#[test]
fn losing_quorum_swaps_in_the_sorry_server_and_gaining_it_swaps_it_out() {
    let mut v = vs(80, vec![rs(1, 1, vec![tcp()])]);
    v.sorry_server = Some(sorry(false));
    let mut h = Harness::started(config(vec![v]));
    h.run_until(at(5));
    h.clear();
    down_now(&mut h, 0);
    h.run_until(at(12));
    let vsn = "[192.0.2.1]:tcp:80";
    assert!(h.logged(&format!("Lost quorum 1-0=1 > 0 for VS {vsn}")));
    assert!(h.logged(&format!(
        "Adding sorry server [203.0.113.9]:tcp:80 to VS {vsn}"
    )));
    assert!(h.logged(&format!(
        "Removing alive servers from the pool for VS {vsn}"
    )));
    let sorry_key = svc(80).key;
    let sorry_addr = sorry(false).dest.addr;
    assert!(h.ops().contains(&(
        Op::AddDest(sorry_key, sorry(false).dest),
        Reason::Quorum(0)
    )));
    assert_eq!(
        h.notifies(),
        vec![Notify::RsDown(rsid(0, 0)), Notify::QuorumDown(0)]
    );
    assert_eq!(h.weight(80, 1), None);
    h.clear();
    h.set_up(rsid(0, 0), true);
    h.run_until(at(22));
    assert!(h.logged(&format!("Gained quorum 1+0=1 <= 1 for VS {vsn}")));
    assert!(h.logged(&format!(
        "Removing sorry server [203.0.113.9]:tcp:80 from VS {vsn}"
    )));
    assert!(
        h.logged(&format!("Adding alive servers to the pool for VS {vsn}"))
    );
    assert_eq!(
        h.notifies(),
        vec![Notify::RsUp(rsid(0, 0)), Notify::QuorumUp(0)]
    );
    assert_eq!(h.weight(80, 1), Some(1));
    let table = &h.engine.table().services[&sorry_key];
    assert!(!table.dests.contains_key(&sorry_addr));
}

#[test]
fn hysteresis_delays_both_loss_and_gain() {
    // quorum 3, hysteresis 1: lost below 2, gained at 4.
    let servers = (1..=4).map(|i| rs(i, 1, vec![tcp()])).collect();
    let mut v = vs(80, servers);
    v.quorum = 3;
    v.hysteresis = 1;
    let mut h = Harness::started(config(vec![v]));
    h.run_until(at(5));
    assert!(h.engine.snapshot(h.now).virtual_servers[0].quorum_up);
    for r in 0..3 {
        down_now(&mut h, r);
    }
    h.clear();
    h.run_until(at(12));
    // 4 -> 1 live: lost (1 < 2) once, on the way through 2 -> 1.
    assert!(h.logged("Lost quorum 3-1=2 > 1 for VS [192.0.2.1]:tcp:80"));
    assert_eq!(
        h.notifies()
            .iter()
            .filter(|n| matches!(n, Notify::QuorumDown(_)))
            .count(),
        1
    );
    for r in 0..2 {
        h.set_up(rsid(0, r), true);
    }
    h.clear();
    h.run_until(at(22));
    // 3 live: not yet (needs 4).
    assert!(
        h.notifies()
            .iter()
            .all(|n| !matches!(n, Notify::QuorumUp(_)))
    );
    h.set_up(rsid(0, 2), true);
    h.run_until(at(32));
    assert!(h.logged("Gained quorum 3+1=4 <= 4 for VS [192.0.2.1]:tcp:80"));
}

#[test]
fn inhibit_on_failure_sets_weight_zero_instead_of_removing() {
    let mut r = rs(1, 5, vec![tcp()]);
    r.inhibit_on_failure = true;
    let mut h = Harness::started(config(vec![vs(80, vec![r])]));
    h.run_until(at(5));
    assert_eq!(h.weight(80, 1), Some(5));
    h.clear();
    down_now(&mut h, 0);
    h.run_until(at(12));
    assert!(h.logged(
        "Disabling service [198.51.100.1]:tcp:80 of VS [192.0.2.1]:tcp:80"
    ));
    assert_eq!(h.weight(80, 1), Some(0));
    assert!(
        matches!(h.ops()[..], [(Op::EditDest(_, d), Reason::Verdict(_))] if d.weight == 0)
    );
    h.clear();
    h.set_up(rsid(0, 0), true);
    h.run_until(at(22));
    assert!(h.logged(
        "Enabling service [198.51.100.1]:tcp:80 of VS [192.0.2.1]:tcp:80"
    ));
    assert_eq!(h.weight(80, 1), Some(5));
}

#[test]
fn an_inhibited_alpha_server_starts_at_weight_zero() {
    let mut c = tcp();
    c.alpha = true;
    let mut r = rs(1, 5, vec![c]);
    r.inhibit_on_failure = true;
    let mut h = Harness::new(config(vec![vs(80, vec![r])]));
    h.run_until(at(0));
    assert_eq!(h.weight(80, 1), Some(0));
    assert!(h.ops().iter().all(|(_, why)| *why == Reason::Start));
}

#[test]
fn sorry_server_inhibit_keeps_it_at_weight_zero_until_used() {
    let mut c = tcp();
    c.alpha = true;
    let mut v = vs(80, vec![rs(1, 1, vec![c])]);
    v.sorry_server = Some(sorry(true));
    let mut h = Harness::new(config(vec![v]));
    h.run_until(at(0));
    // Alpha: quorum down from the start, sorry server in at its weight.
    assert!(h.logged(
        "Starting with quorum down 1-0=1 > 0 for VS [192.0.2.1]:tcp:80"
    ));
    assert!(h.logged(
        "Enabling sorry server [203.0.113.9]:tcp:80 to VS [192.0.2.1]:tcp:80"
    ));
    assert!(h.ops().iter().all(|(_, why)| *why == Reason::Start));
    let t = &h.engine.table().services[&svc(80).key];
    assert_eq!(t.dests[&sorry(true).dest.addr].weight, 1);
    assert_eq!(h.notifies(), vec![Notify::QuorumDown(0)]);
    h.answer(cid(0), ProbeResult::Up);
    let t = &h.engine.table().services[&svc(80).key];
    assert_eq!(t.dests[&sorry(true).dest.addr].weight, 0);
    assert_eq!(h.weight(80, 1), Some(1));
}

#[test]
fn quorum_down_without_sorry_server_at_start_is_silent() {
    let mut c = tcp();
    c.alpha = true;
    let mut h = Harness::new(config(vec![vs(80, vec![rs(1, 1, vec![c])])]));
    h.run_until(at(0));
    assert!(h.notifies().is_empty());
    assert!(!h.logs().iter().any(|l| l.contains("quorum")));
}

#[test]
fn dynamic_weights_edit_the_destination() {
    let mut c = kind("MISC_CHECK");
    c.dynamic = true;
    let mut h = Harness::new(config(vec![vs(80, vec![rs(1, 3, vec![c])])]));
    h.run_until(at(0));
    h.answer(cid(0), ProbeResult::UpWithWeight(7));
    assert_eq!(h.weight(80, 1), Some(7));
    assert!(h.logged(
        "Changing weight from 3 to 7 for active service [198.51.100.1]:tcp:80 of VS [192.0.2.1]:tcp:80"
    ));
    assert!(
        h.ops()
            .iter()
            .any(|(op, why)| matches!(op, Op::EditDest(..))
                && *why == Reason::Weight(rsid(0, 0)))
    );
    h.run_until(at(10));
    h.answer(cid(0), ProbeResult::Up);
    assert_eq!(h.weight(80, 1), Some(3), "exit 0: the configured weight");
    // Weight 0 from the probe: live but no quorum weight.
    h.run_until(at(20));
    h.clear();
    h.answer(cid(0), ProbeResult::UpWithWeight(0));
    assert_eq!(h.weight(80, 1), Some(0));
    assert_eq!(h.notifies(), vec![Notify::QuorumDown(0)]);
}

#[test]
fn file_check_values_change_verdicts_and_weights() {
    let servers = vec![
        rs(1, 1, vec![file("f0", 0, false)]),
        rs(2, 10, vec![file("fw", 2, false)]),
    ];
    let mut h = Harness::new(config(vec![vs(80, servers)]));
    h.event(Event::TrackFile {
        name: "fw".into(),
        value: 3,
    });
    h.run_until(at(0));
    assert_eq!(h.weight(80, 1), Some(1));
    assert_eq!(h.weight(80, 2), Some(16), "10 + 3 x 2");
    h.event(Event::TrackFile {
        name: "f0".into(),
        value: 1,
    });
    assert_eq!(h.weight(80, 1), None);
    assert!(h.logged(
        "Removing service [198.51.100.1]:tcp:80 from VS [192.0.2.1]:tcp:80"
    ));
    h.event(Event::TrackFile {
        name: "f0".into(),
        value: 0,
    });
    assert_eq!(h.weight(80, 1), Some(1));
    h.event(Event::TrackFile {
        name: "fw".into(),
        value: -4,
    });
    assert_eq!(h.weight(80, 2), Some(2));
    h.event(Event::TrackFile {
        name: "fw".into(),
        value: -100,
    });
    assert_eq!(
        h.weight(80, 2),
        Some(0),
        "negative effective weight: 0, still alive"
    );
    h.event(Event::TrackFile {
        name: "fw".into(),
        value: i64::from(i32::MIN),
    });
    assert_eq!(h.weight(80, 2), None, "fault: down");
    assert!(h.starts.is_empty(), "file checkers run no probes");
}

#[test]
fn a_faulty_file_at_start_keeps_the_server_out() {
    let servers = vec![rs(1, 1, vec![file("f", 0, false)])];
    let mut h = Harness::new(config(vec![vs(80, servers)]));
    h.event(Event::TrackFile {
        name: "f".into(),
        value: 5,
    });
    h.run_until(at(0));
    assert_eq!(h.weight(80, 1), None);
}

#[test]
fn bfd_sessions_drive_their_checkers() {
    let mut h =
        Harness::new(config(vec![vs(80, vec![rs(1, 1, vec![bfd("b1")])])]));
    h.run_until(at(0));
    assert_eq!(h.weight(80, 1), Some(1));
    h.event(Event::BfdState {
        name: "b1".into(),
        up: false,
    });
    assert!(h.logged("BFD check of [b1] RS([198.51.100.1]:tcp:80) is DOWN"));
    assert_eq!(h.weight(80, 1), None);
    h.event(Event::BfdState {
        name: "b1".into(),
        up: true,
    });
    assert_eq!(h.weight(80, 1), Some(1));
    h.event(Event::BfdState {
        name: "other".into(),
        up: false,
    });
    assert_eq!(h.weight(80, 1), Some(1));
}

#[test]
fn ha_suspend_pauses_probes_while_no_vip_is_here() {
    let vip: IpAddr = "192.0.2.1".parse().unwrap();
    let mut v = vs(80, vec![rs(1, 1, vec![tcp()])]);
    v.ha_suspend = true;
    v.vips = vec![vip];
    let mut h = Harness::started(config(vec![v]));
    assert!(h.logged("Deactivating healthchecker for service [198.51.100.1]:tcp:80 for VS [192.0.2.1]:tcp:80"));
    h.run_until(at(25));
    assert!(h.starts.is_empty());
    h.event(Event::Address {
        addr: vip,
        present: true,
    });
    assert!(h.logged("Activating healthchecker for service [198.51.100.1]:tcp:80 for VS [192.0.2.1]:tcp:80"));
    h.run_until(at(35));
    assert_eq!(h.starts_of(cid(0)), vec![30]);
    h.event(Event::Address {
        addr: vip,
        present: false,
    });
    assert!(h.logged("Suspending healthchecker for service [198.51.100.1]:tcp:80 for VS [192.0.2.1]:tcp:80"));
    h.set_up(rsid(0, 0), false);
    h.run_until(at(70));
    assert_eq!(h.starts_of(cid(0)), vec![30], "suspended: state kept");
    assert_eq!(h.weight(80, 1), Some(1));
    let _ = CheckerId {
        rs: rsid(0, 0),
        checker: 0,
    };
}

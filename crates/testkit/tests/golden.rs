//! Golden replay scenarios (holo's conformance tests): each
//! `golden/<case>/recording.jsonl` was recorded from a real keepalived-rs
//! daemon (`interop*`: beside a real keepalived 2.2.7) in a namespace lab (`--record-events`, see
//! `crates/keepalived-rs/tests/golden_record.rs` and each case's
//! `description.txt`). Replayed into a fresh engine, every step must
//! return exactly the recorded actions.
//!
//! After a deliberate behaviour change, rewrite the recorded actions from
//! the current engine (same inputs) and review the diff:
//! `KA_UPDATE_GOLDEN=1 cargo test --release -p ka-testkit --test golden`.
//! When the events themselves change shape, re-record from the daemon:
//! `cargo test --release -p keepalived-rs --test golden_record -- --ignored regenerate`.

use std::path::{Path, PathBuf};

use ka_testkit::golden::{self, EngineKind, Input, VrrpRecording, replay};
use ka_vrrp::{Action, Engine, Event, NotifyState, RxPacket, TrackKind};

const CASES: &[&str] = &[
    "election1",
    "election2",
    "preempt1",
    "preempt2",
    "handover1",
    "handover2",
    "sync1",
    "sync2",
    "tracker1",
    "interop1",
    "interop2",
];

fn path(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(case)
        .join("recording.jsonl")
}

fn run(case: &str) {
    if let Err(e) = golden::check_file::<Engine>(&path(case)) {
        panic!("{case}: {e}");
    }
}

fn load(case: &str) -> VrrpRecording {
    let text = std::fs::read_to_string(path(case)).unwrap();
    VrrpRecording::parse(&text, EngineKind::Vrrp).unwrap()
}

/// Steps whose actions hold a notification of `state`.
fn notify_steps(rec: &VrrpRecording, state: NotifyState) -> Vec<usize> {
    (0..rec.steps.len())
        .filter(|&i| {
            rec.steps[i]
                .actions
                .iter()
                .any(|a| matches!(a, Action::Notify(n) if n.state == state))
        })
        .collect()
}

/// The divergence replaying `rec` must report.
fn diverges(case: &str, rec: &VrrpRecording) -> usize {
    match replay::<Engine>(rec) {
        Ok(()) => panic!("{case}: the mutated recording still replays"),
        Err(d) => d.step,
    }
}

// ===== the scenarios =====

/// Input: priority 150 with a priority-100 peer; Master_Down expires;
/// SIGTERM. Output: BACKUP (init), then advert, MASTER, VIP add, GARPs,
/// MASTER notify; adverts each second; priority-0 advert, VIP removal,
/// STOP notify.
#[test]
fn election1() {
    run("election1");
}

/// Input: priority 100 beside a priority-150 master: its adverts; SIGTERM.
/// Output: BACKUP (init) only; STOP notify without an advert.
#[test]
fn election2() {
    run("election2");
}

/// Input: priority 100 alone, then a priority-150 peer's adverts.
/// Output: MASTER after Master_Down; BACKUP with VIP removal on the first
/// higher-priority advert.
#[test]
fn preempt1() {
    run("preempt1");
}

/// Input: priority 150 beside a priority-100 master: lower-priority
/// adverts, Master_Down expiry. Output: "received lower priority ...
/// discarding" logs (preempt), then MASTER with VIP and GARPs.
#[test]
fn preempt2() {
    run("preempt2");
}

/// Input: priority 150 master; SIGTERM. Output: priority-0 advert, VIP
/// removal, STOP notify.
#[test]
fn handover1() {
    run("handover1");
}

/// Input: priority 100 backup; the master's priority-0 advert, then the
/// timer. Output: MASTER Skew_Time (0.609 s) after the priority-0
/// advert, not Master_Down_Interval.
#[test]
fn handover2() {
    run("handover2");
}

/// Input: sync group G1 {VI_1, VI_2} at priority 150; VI_2's weight-0
/// track_file reads 1, later 0. Output: both MASTER (group sync); VI_2
/// FAULT drags VI_1 into FAULT (GROUP FAULT); both BACKUP, then MASTER.
#[test]
fn sync1() {
    run("sync1");
}

/// Input: sync group G1 at priority 100; the peer's adverts, their
/// absence while the peer's group is in FAULT, their return.
/// Output: BACKUP, both MASTER together, both BACKUP again.
#[test]
fn sync2() {
    run("sync2");
}

/// Input: priority 100 alone with a weight-0 track_file; the file reads
/// 1, then 0. Output: MASTER; FAULT with priority-0 adverts and VIP
/// removal; BACKUP; MASTER after Master_Down.
#[test]
fn tracker1() {
    run("tracker1");
}

/// Input: VRRPv2 IPv4, priority 100 beside keepalived 2.2.7 (priority
/// 150): keepalived's adverts, then its priority-0 advert on SIGTERM.
/// Output: BACKUP; MASTER after Skew_Time with VIP and GARPs.
#[test]
fn interop1() {
    run("interop1");
}

/// Input: VRRPv3 IPv6, priority 100 beside keepalived 2.2.7 (priority
/// 150): keepalived's adverts from its link-local address, then its
/// priority-0 advert. Output: BACKUP; MASTER after Skew_Time with the
/// VIP and unsolicited NAs.
#[test]
fn interop2() {
    run("interop2");
}

// ===== every golden fails when a transition changes =====

#[test]
fn every_golden_is_listed_and_has_a_description() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into()))
        .filter(|n: &String| dir.join(n).is_dir())
        .collect();
    found.sort();
    let mut listed: Vec<String> = CASES.iter().map(|c| c.to_string()).collect();
    listed.sort();
    assert_eq!(found, listed);
    for c in CASES {
        let about = dir.join(c).join("description.txt");
        assert!(about.is_file(), "{} missing", about.display());
    }
}

/// Flipping the state of any recorded notification (a transition) makes
/// replay fail at exactly that step, in every golden.
#[test]
fn a_changed_transition_fails_every_golden_at_its_step() {
    for case in CASES {
        let good = load(case);
        let mut transitions = 0;
        for state in
            [NotifyState::Master, NotifyState::Backup, NotifyState::Fault]
        {
            for step in notify_steps(&good, state) {
                let mut bad = good.clone();
                let n = bad.steps[step]
                    .actions
                    .iter_mut()
                    .find_map(|a| match a {
                        Action::Notify(n) if n.state == state => Some(n),
                        _ => None,
                    })
                    .unwrap();
                n.state = NotifyState::Stop;
                assert_eq!(diverges(case, &bad), step, "{case}");
                transitions += 1;
            }
        }
        assert!(transitions > 0, "{case} records no transition");
    }
}

/// The takeover is timed by the priority-0 rule (RFC 5798 §6.4.2:
/// Master_Down_Timer = Skew_Time): were the resigning advert an ordinary
/// one (priority 150, the master's), the backup would wait
/// Master_Down_Interval and the recorded takeover step diverges. The
/// VRRPv2 cases: ours resigning and keepalived 2.2.7 resigning.
#[test]
fn handovers_fail_when_priority_zero_is_an_ordinary_advert() {
    for case in ["handover2", "interop1"] {
        let mut rec = load(case);
        let takeover = notify_steps(&rec, NotifyState::Master)[0];
        let mut patched = 0;
        for s in &mut rec.steps {
            if let Input::Event(Event::PacketReceived { packet, .. }) =
                &mut s.input
                && vrrp_part(packet).get(2) == Some(&0)
            {
                set_v2_priority(vrrp_part(packet), 150);
                patched += 1;
            }
        }
        assert_eq!(patched, 1, "{case}: one priority-0 advert was recorded");
        let d = replay::<Engine>(&rec).unwrap_err();
        assert_eq!(d.step, takeover, "{case}: {d}");
        assert!(
            d.actual.is_empty(),
            "{case}: nothing is due at Skew_Time: {d}"
        );
    }
}

/// With `nopreempt`, the lower-priority master's adverts are accepted,
/// not discarded: the first of them diverges.
#[test]
fn preempt2_fails_without_preemption() {
    let mut rec = load("preempt2");
    rec.header.config.instances[0].nopreempt = true;
    let first_rx = rec
        .steps
        .iter()
        .position(|s| {
            matches!(s.input, Input::Event(Event::PacketReceived { .. }))
        })
        .unwrap();
    assert_eq!(diverges("preempt2", &rec), first_rx);
}

/// A weighted instead of a weight-0 tracker changes priority instead of
/// faulting: the step that entered FAULT diverges.
#[test]
fn tracker1_fails_when_the_tracker_weight_changes() {
    let mut rec = load("tracker1");
    let fault = notify_steps(&rec, NotifyState::Fault)[0];
    let t = &mut rec.header.config.instances[0].track[0];
    assert!(matches!(t.kind, TrackKind::File(_)) && t.weight == 0);
    t.weight = -10;
    assert_eq!(diverges("tracker1", &rec), fault);
}

/// Without the sync group, VI_2's FAULT no longer drags VI_1: the first
/// group notification (at startup) diverges.
#[test]
fn sync1_fails_without_the_sync_group() {
    let mut rec = load("sync1");
    rec.header.config.sync_groups.clear();
    let started = rec
        .steps
        .iter()
        .position(|s| matches!(s.input, Input::Event(Event::Started)))
        .unwrap();
    assert_eq!(diverges("sync1", &rec), started);
}

#[test]
fn a_divergence_is_reported_readably() {
    let mut rec = load("election1");
    let step = notify_steps(&rec, NotifyState::Master)[0];
    rec.steps[step].actions.pop();
    let d = replay::<Engine>(&rec).unwrap_err();
    let text = d.to_string();
    assert!(text.starts_with(&format!("replay diverged at step {step} ")));
    assert!(text.contains("input: \"Timeout\""), "{text}");
    assert!(
        text.contains(r#"+ ["#) && text.contains(r#""Master""#),
        "{text}"
    );
}

/// The VRRP message of a received packet: IPv4 packets carry the whole
/// datagram, so it follows the IPv4 header (IHL words; no AH in these
/// cases); IPv6 packets carry the message alone.
fn vrrp_part(packet: &mut RxPacket) -> &mut [u8] {
    match packet {
        RxPacket::V4(bytes) => {
            let skip = bytes.first().map_or(0, |b| usize::from(b & 0x0f) * 4);
            bytes.get_mut(skip..).unwrap_or_default()
        }
        RxPacket::V6 { bytes, .. } => bytes,
    }
}

/// Sets the priority of a VRRPv2 message and recomputes its checksum
/// (RFC 3768 §5.3.8: the 16-bit one's complement of the one's
/// complement sum of the message).
fn set_v2_priority(msg: &mut [u8], priority: u8) {
    msg[2] = priority;
    msg[6] = 0;
    msg[7] = 0;
    let mut sum: u32 = msg
        .chunks(2)
        .map(|c| u32::from(c[0]) << 8 | u32::from(*c.get(1).unwrap_or(&0)))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    let ck = !(sum as u16);
    msg[6..8].copy_from_slice(&ck.to_be_bytes());
}

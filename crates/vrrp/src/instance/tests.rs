//! One test per FSM transition, with an explicit clock; each asserts the
//! actions and `poll_timeout()`.

use crate::action::{NotifyKind as K, NotifyState as N};
use crate::config::InitialState;
use crate::instance::State;
use crate::testutil::*;
use crate::timers::{AdverInt, Version};
use crate::transitions::TransitionReason;
use crate::{Action, Event};

const MS_DOWN_100: u64 = 3_609_375;

#[test]
fn init_to_backup_arms_master_down() {
    let (e, out) = started(icfg(100));
    assert_eq!(logs(&out), ["(VI_1) Entering BACKUP STATE (init)"]);
    assert_eq!(notifies(&out), [(K::Instance, N::Backup, 100)]);
    assert_eq!(e.poll_timeout(), Some(at(MS_DOWN_100)));
    assert_eq!(state(&e), State::Backup);
}

#[test]
fn owner_wanting_master_starts_after_one_microsecond() {
    let mut c = icfg(255);
    c.initial_state = InitialState::Master;
    let (mut e, out) = started(c);
    assert!(out.is_empty(), "owner enters BACKUP silently: {out:?}");
    assert_eq!(e.poll_timeout(), Some(at(1)));
    let out = tick(&mut e, at(1));
    assert_eq!(adverts(&out), [255]);
    assert!(matches!(out[0], Action::SendAdvert { .. }), "advert first");
    assert_eq!(logs(&out), ["(VI_1) Entering MASTER STATE"]);
    assert_eq!(addr_changes(&out), (1, 0));
    assert_eq!(garps(&out), 5);
    assert_eq!(notifies(&out), [(K::Instance, N::Master, 255)]);
    assert_eq!(e.poll_timeout(), Some(at(1_000_001)));
}

#[test]
fn state_master_below_255_waits_like_a_backup() {
    let mut c = icfg(200);
    c.initial_state = InitialState::Master;
    let (e, _) = started(c);
    // 3 s + (256 − 200)/256 s.
    assert_eq!(e.poll_timeout(), Some(at(3_218_750)));
}

#[test]
fn backup_master_down_timeout_becomes_master() {
    let (mut e, _) = started(icfg(100));
    let out = tick(&mut e, at(MS_DOWN_100));
    assert_eq!(state(&e), State::Master);
    assert_eq!(adverts(&out), [100]);
    assert_eq!(notifies(&out), [(K::Instance, N::Master, 100)]);
    assert_eq!(e.poll_timeout(), Some(at(MS_DOWN_100 + 1_000_000)));
    // Spurious early wake-ups do nothing.
    assert!(tick(&mut e, at(MS_DOWN_100 + 10)).is_empty());
}

#[test]
fn master_advert_timer_sends_advert() {
    let (mut e, _) = started(icfg(100));
    tick(&mut e, at(MS_DOWN_100));
    let out = tick(&mut e, at(MS_DOWN_100 + 1_000_000));
    assert_eq!(adverts(&out), [100]);
    assert_eq!(e.poll_timeout(), Some(at(MS_DOWN_100 + 2_000_000)));
}

#[test]
fn backup_higher_priority_advert_restarts_master_down() {
    let c = icfg(100);
    let (mut e, _) = started(c.clone());
    let out = feed(&mut e, at(1_000_000), packet(&advert(&c, 150), HIGH, 255));
    assert!(out.is_empty());
    assert_eq!(e.poll_timeout(), Some(at(1_000_000 + MS_DOWN_100)));
    let s = &e.snapshot().instances[0];
    assert_eq!((s.master_addr, s.master_priority), (Some(HIGH), 150));
    assert_eq!(s.stats.advert_rcvd, 1);
}

#[test]
fn backup_accepts_equal_priority_regardless_of_address() {
    // keepalived compat: no address tie-break in BACKUP.
    let c = icfg(100);
    let (mut e, _) = started(c.clone());
    feed(&mut e, at(2_000_000), packet(&advert(&c, 100), LOW, 255));
    assert_eq!(e.poll_timeout(), Some(at(2_000_000 + MS_DOWN_100)));
}

#[test]
fn backup_discards_lower_priority_when_preempting() {
    let c = icfg(100);
    let (mut e, _) = started(c.clone());
    let out = feed(&mut e, at(1_000_000), packet(&advert(&c, 50), LOW, 255));
    assert_eq!(
        logs(&out),
        [
            "(VI_1) received lower priority (50) advert from 192.168.200.2 - discarding"
        ]
    );
    assert_eq!(
        e.poll_timeout(),
        Some(at(MS_DOWN_100)),
        "timer keeps running"
    );
}

#[test]
fn backup_priority_zero_sets_skew_time() {
    let c = icfg(100);
    let (mut e, _) = started(c.clone());
    feed(&mut e, at(1_000_000), packet(&advert(&c, 0), HIGH, 255));
    // RFC 5798 §6.4.2: Master_Down_Timer = Skew_Time = 0.609375 s.
    assert_eq!(e.poll_timeout(), Some(at(1_609_375)));
    assert_eq!(e.snapshot().instances[0].stats.pri_zero_rcvd, 1);
}

#[test]
fn nopreempt_accepts_lower_priority_master() {
    let mut c = icfg(100);
    c.nopreempt = true;
    let (mut e, _) = started(c.clone());
    feed(&mut e, at(1_000_000), packet(&advert(&c, 50), LOW, 255));
    assert_eq!(e.poll_timeout(), Some(at(1_000_000 + MS_DOWN_100)));
}

#[test]
fn preempt_delay_holds_then_releases() {
    let mut c = icfg(100);
    c.preempt_delay = std::time::Duration::from_secs(10);
    let (mut e, _) = started(c.clone());
    let low = advert(&c, 50);
    // First lower advert starts the delay and is accepted.
    feed(&mut e, at(1_000_000), packet(&low, LOW, 255));
    assert_eq!(e.poll_timeout(), Some(at(1_000_000 + MS_DOWN_100)));
    feed(&mut e, at(10_000_000), packet(&low, LOW, 255));
    assert_eq!(e.poll_timeout(), Some(at(10_000_000 + MS_DOWN_100)));
    // After 11 s the delay has passed: discarded, we time out.
    let out = feed(&mut e, at(11_500_000), packet(&low, LOW, 255));
    assert_eq!(logs(&out).len(), 1);
    assert_eq!(e.poll_timeout(), Some(at(10_000_000 + MS_DOWN_100)));
}

fn master(c: &crate::InstanceConfig) -> crate::Engine {
    let (mut e, _) = started(c.clone());
    tick(&mut e, at(MS_DOWN_100));
    assert_eq!(state(&e), State::Master);
    e
}

#[test]
fn master_yields_to_higher_priority() {
    let c = icfg(100);
    let mut e = master(&c);
    let t = at(4_000_000);
    let out = feed(&mut e, t, packet(&advert(&c, 200), LOW, 255));
    assert_eq!(state(&e), State::Backup);
    assert!(adverts(&out).is_empty(), "no priority-0 advert");
    assert_eq!(addr_changes(&out), (0, 1));
    assert_eq!(
        logs(&out),
        [
            "(VI_1) Master received advert from 192.168.200.2 with higher priority 200, ours 100",
            "(VI_1) Entering BACKUP STATE"
        ]
    );
    assert_eq!(notifies(&out), [(K::Instance, N::Backup, 100)]);
    assert_eq!(
        e.poll_timeout(),
        Some(t + std::time::Duration::from_micros(MS_DOWN_100))
    );
    let stats = &e.snapshot().instances[0].stats;
    assert_eq!(stats.release_master, 1);
    // The metrics' transitions by reason: INIT -> BACKUP -> MASTER -> BACKUP.
    let tr = &stats.transitions;
    assert_eq!(tr.get(State::Backup, TransitionReason::Init), 1);
    assert_eq!(tr.get(State::Master, TransitionReason::MasterDown), 1);
    assert_eq!(tr.get(State::Backup, TransitionReason::HigherPriority), 1);
    assert_eq!(tr.iter().count(), 3);
}

#[test]
fn master_equal_priority_address_tie_break() {
    let c = icfg(100);
    let mut e = master(&c);
    // Lower address, equal priority: we stay and force a new election.
    let out = feed(&mut e, at(4_000_000), packet(&advert(&c, 100), LOW, 255));
    assert_eq!(state(&e), State::Master);
    assert_eq!(adverts(&out), [100]);
    // Higher address wins.
    let out = feed(&mut e, at(4_100_000), packet(&advert(&c, 100), HIGH, 255));
    assert_eq!(state(&e), State::Backup);
    assert!(logs(&out)[0].contains("same priority 100 but higher IP address"));
}

#[test]
fn master_answers_lower_priority_with_advert_and_garps() {
    let c = icfg(100);
    let mut e = master(&c);
    let t = at(4_000_000);
    let out = feed(&mut e, t, packet(&advert(&c, 50), LOW, 255));
    assert_eq!(adverts(&out), [100]);
    assert_eq!(garps(&out), 5);
    assert_eq!(notifies(&out), [(K::Instance, N::MasterRxLowerPri, 100)]);
    assert!(
        logs(&out)[0]
            .ends_with("lower priority 50, ours 100, forcing new election")
    );
    // Advert timer restarted; lower-prio GARP burst due in 5 s.
    assert_eq!(e.poll_timeout(), Some(at(5_000_000)));
    let out = tick(&mut e, at(9_000_000));
    assert!(garps(&out) >= 5);
}

#[test]
fn lower_prio_no_advert_stays_silent() {
    let mut c = icfg(100);
    c.lower_prio_no_advert = true;
    c.garp.lower_prio_repeat = 0;
    let mut e = master(&c);
    let before = e.poll_timeout();
    let out = feed(&mut e, at(4_000_000), packet(&advert(&c, 50), LOW, 255));
    assert!(adverts(&out).is_empty());
    assert_eq!(garps(&out), 0);
    assert!(!logs(&out)[0].contains("forcing"));
    assert_eq!(e.poll_timeout(), before);
}

#[test]
fn master_answers_priority_zero_with_advert() {
    let c = icfg(100);
    let mut e = master(&c);
    let out = feed(&mut e, at(4_000_000), packet(&advert(&c, 0), LOW, 255));
    assert_eq!(adverts(&out), [100]);
    assert_eq!(state(&e), State::Master);
    assert_eq!(e.poll_timeout(), Some(at(5_000_000)));
}

#[test]
fn higher_prio_send_advert_sends_before_yielding() {
    let mut c = icfg(100);
    c.higher_prio_send_advert = true;
    let mut e = master(&c);
    let out = feed(&mut e, at(4_000_000), packet(&advert(&c, 200), LOW, 255));
    assert_eq!(adverts(&out), [100]);
    assert!(matches!(out[0], Action::SendAdvert { .. }));
    assert_eq!(state(&e), State::Backup);
}

#[test]
fn two_owners_demote_ourselves_then_yield() {
    let mut c = icfg(255);
    c.initial_state = InitialState::Master;
    let (mut e, _) = started(c.clone());
    tick(&mut e, at(1));
    let out = feed(&mut e, at(500_000), packet(&advert(&c, 255), LOW, 255));
    assert!(logs(&out)[0].contains("CONFIGURATION ERROR"));
    let s = &e.snapshot().instances[0];
    assert_eq!((s.base_priority, s.effective_priority), (254, 254));
    // keepalived 2.2.7: 255 > our new 254, so we yield (any address).
    assert_eq!(s.state, State::Backup);
}

#[test]
fn owner_ignore_adverts_drops_everything() {
    let mut c = icfg(255);
    c.initial_state = InitialState::Master;
    c.owner_ignore_adverts = true;
    let (mut e, _) = started(c.clone());
    tick(&mut e, at(1));
    let out = feed(&mut e, at(500_000), packet(&advert(&c, 255), HIGH, 255));
    assert!(adverts(&out).is_empty());
    assert_eq!(state(&e), State::Master);
}

#[test]
fn v3_backup_learns_master_adver_int() {
    let mut c = icfg(100);
    c.version = Version::V3;
    let (mut e, _) = started(c.clone());
    let mut a = advert(&c, 200);
    a.adver_int = ka_wire::vrrp::AdverInt::Centis(50); // 0.5 s
    let out = feed(&mut e, at(1_000_000), packet(&a, HIGH, 255));
    assert!(logs(&out)[0].contains("advertisement interval mismatch"));
    // 3 × 0.5 s + (156 × 50 cs)/256 = 1.5 s + 0.3046875 s.
    assert_eq!(e.poll_timeout(), Some(at(1_000_000 + 1_804_687)));
    assert_eq!(e.snapshot().instances[0].master_adver_int_us, 500_000);
    // Becoming master restores the configured interval.
    tick(&mut e, at(2_804_687));
    assert_eq!(e.snapshot().instances[0].master_adver_int_us, 1_000_000);
    assert_eq!(e.poll_timeout(), Some(at(3_804_687)));
}

#[test]
fn graceful_shutdown_of_master_sends_priority_zero() {
    let c = icfg(100);
    let mut e = master(&c);
    let out = feed(&mut e, at(4_000_000), Event::ShutdownRequested);
    assert_eq!(adverts(&out), [0]);
    assert_eq!(addr_changes(&out), (0, 1));
    assert_eq!(notifies(&out), [(K::Instance, N::Stop, 100)]);
    assert_eq!(e.poll_timeout(), None);
    assert_eq!(e.snapshot().instances[0].stats.pri_zero_sent, 1);
}

#[test]
fn shutdown_of_backup_only_notifies() {
    let (mut e, _) = started(icfg(100));
    let out = feed(&mut e, at(1), Event::ShutdownRequested);
    assert_eq!(notifies(&out), [(K::Instance, N::Stop, 100)]);
    assert!(adverts(&out).is_empty());
    assert_eq!(state(&e), State::Stop);
}

#[test]
fn master_link_down_enters_fault_with_priority_zero() {
    let c = icfg(100);
    let mut e = master(&c);
    let out = feed(
        &mut e,
        at(4_000_000),
        Event::LinkDown {
            iface: "eth0".into(),
        },
    );
    // keepalived compat: down_instance sends two priority-0 adverts.
    assert_eq!(adverts(&out), [0, 0]);
    assert_eq!(addr_changes(&out), (0, 1));
    assert_eq!(logs(&out), ["(VI_1) Entering FAULT STATE"]);
    assert_eq!(notifies(&out), [(K::Instance, N::Fault, 100)]);
    assert_eq!(e.poll_timeout(), None);
    // Leaving FAULT: BACKUP for a full Master_Down_Interval.
    let t = at(6_000_000);
    let out = feed(
        &mut e,
        t,
        Event::LinkUp {
            iface: "eth0".into(),
        },
    );
    assert_eq!(logs(&out), ["(VI_1) Entering BACKUP STATE"]);
    assert_eq!(notifies(&out), [(K::Instance, N::Backup, 100)]);
    assert_eq!(e.poll_timeout(), Some(at(6_000_000 + MS_DOWN_100)));
}

#[test]
fn owner_leaving_fault_waits_master_down() {
    let mut c = icfg(255);
    c.initial_state = InitialState::Master;
    let (mut e, _) = started(c);
    let out = feed(
        &mut e,
        at(0),
        Event::LinkDown {
            iface: "eth0".into(),
        },
    );
    assert_eq!(notifies(&out), [(K::Instance, N::Fault, 255)]);
    assert!(adverts(&out).is_empty());
    // keepalived 2.2.7 compat: down_instance set wantstate FAULT, so
    // try_up_instance enters BACKUP for 3 s + 1/256 s.
    let out = feed(
        &mut e,
        at(2_000_000),
        Event::LinkUp {
            iface: "eth0".into(),
        },
    );
    assert!(adverts(&out).is_empty());
    assert_eq!(state(&e), State::Backup);
    assert_eq!(e.poll_timeout(), Some(at(2_000_000 + 3_003_906)));
}

#[test]
fn packets_in_fault_are_ignored() {
    let c = icfg(100);
    let (mut e, _) = started(c.clone());
    feed(
        &mut e,
        at(0),
        Event::LinkDown {
            iface: "eth0".into(),
        },
    );
    let out = feed(&mut e, at(1), packet(&advert(&c, 200), HIGH, 255));
    assert!(out.is_empty());
    assert_eq!(e.snapshot().instances[0].stats.advert_rcvd, 0);
}

#[test]
fn unicast_sends_one_advert_per_peer_with_unicast_ttl() {
    let mut c = icfg(255);
    c.initial_state = InitialState::Master;
    c.unicast_peers =
        vec![crate::UnicastPeer::new(LOW), crate::UnicastPeer::new(HIGH)];
    c.unicast_ttl = Some(64);
    let (mut e, _) = started(c);
    let out = tick(&mut e, at(1));
    let dsts: Vec<_> = out
        .iter()
        .filter_map(|a| match a {
            Action::SendAdvert { dst, ttl, .. } => Some((*dst, *ttl)),
            _ => None,
        })
        .collect();
    assert_eq!(dsts, [(LOW, Some(64)), (HIGH, Some(64))]);
    assert_eq!(e.snapshot().instances[0].stats.advert_sent, 1);
}

#[test]
fn no_accept_blocks_vips_while_master() {
    let mut c = icfg(100);
    c.accept = false;
    let mut e = master(&c);
    let _ = &mut e;
    let (mut e2, _) = started(c.clone());
    let out = tick(&mut e2, at(MS_DOWN_100));
    assert!(
        out.iter()
            .any(|a| matches!(a, Action::BlockVips { block: true, .. }))
    );
    let out = feed(&mut e2, at(4_000_000), packet(&advert(&c, 200), HIGH, 255));
    assert!(
        out.iter()
            .any(|a| matches!(a, Action::BlockVips { block: false, .. }))
    );
}

#[test]
fn garp_second_burst_and_refresh() {
    let mut c = icfg(100);
    c.garp.master_refresh = std::time::Duration::from_secs(10);
    let (mut e, _) = started(c);
    tick(&mut e, at(MS_DOWN_100));
    // Second burst garp_master_delay (5 s) after becoming master.
    let out = run_until(&mut e, at(MS_DOWN_100 + 5_000_000));
    assert_eq!(garps(&out), 5);
    // Refresh: checked when an advert goes out after 10 s.
    let out = run_until(&mut e, at(MS_DOWN_100 + 11_000_000));
    assert_eq!(garps(&out), 1);
}

#[test]
fn fifo_line_format() {
    let n = crate::Notification {
        kind: K::Instance,
        name: "VI_1".into(),
        state: N::Master,
        priority: 100,
    };
    assert_eq!(n.to_string(), "INSTANCE \"VI_1\" MASTER 100");
}

#[test]
fn adver_int_default_is_one_second() {
    assert_eq!(
        us(std::time::Duration::from_micros(AdverInt::DEFAULT.micros())),
        1_000_000
    );
}

//! Engine-level tests: received-advert checks, trackers and priority
//! arithmetic, sync groups, startup delay, GARP pacing, reload.

use std::time::Duration;

use crate::action::{NotifyKind as K, NotifyState as N};
use crate::config::*;
use crate::event::Event;
use crate::instance::State;
use crate::testutil::*;
use crate::{Action, Engine, EngineConfig, Version};

const MS_DOWN_100: u64 = 3_609_375;

fn stats(e: &Engine) -> crate::Stats {
    e.snapshot().instances[0].stats.clone()
}

#[test]
fn rx_checks_in_keepalived_order_are_counted() {
    let c = icfg(100);
    let (mut e, _) = started(c.clone());
    let good = advert(&c, 200);
    // TTL 254 on multicast.
    feed(&mut e, at(1), packet(&good, HIGH, 254));
    assert_eq!(stats(&e).ip_ttl_err, 1);
    // Wrong version.
    let mut v3 = good.clone();
    v3.version = Version::V3;
    feed(&mut e, at(2), packet(&v3, HIGH, 255));
    assert_eq!(stats(&e).vers_err, 1);
    // Interval mismatch (v2 drops).
    let mut slow = good.clone();
    slow.adver_int = ka_wire::vrrp::AdverInt::Secs(2);
    feed(&mut e, at(3), packet(&slow, HIGH, 255));
    assert_eq!(stats(&e).advert_interval_err, 1);
    // Auth type mismatch.
    let mut pass = good.clone();
    pass.auth = ka_wire::vrrp::Auth::Pass([0; 8]);
    feed(&mut e, at(4), packet(&pass, HIGH, 255));
    assert_eq!(stats(&e).authtype_mismatch, 1);
    // VIP count and VIP content.
    let mut none = good.clone();
    none.addrs = addrs(&[]);
    feed(&mut e, at(5), packet(&none, HIGH, 255));
    let mut other = good.clone();
    other.addrs = addrs(&[LOW]);
    feed(&mut e, at(6), packet(&other, HIGH, 255));
    assert_eq!(stats(&e).addr_list_err, 2);
    // Bad checksum and bad length.
    let mut bytes = encode(&good, HIGH, GROUP);
    bytes[7] ^= 1;
    let bad = rx(HIGH, GROUP, 255, bytes.clone());
    feed(&mut e, at(7), bad);
    assert_eq!(stats(&e).chk_err, 1);
    bytes.push(0);
    let long = rx(HIGH, GROUP, 255, bytes);
    feed(&mut e, at(8), long);
    assert_eq!(stats(&e).packet_len_err, 1);
    // None touched the timer; keepalived counts `advert_rcvd` before the
    // VIP-content check, so only that one counts as received.
    assert_eq!(stats(&e).advert_rcvd, 1);
    assert_eq!(e.poll_timeout(), Some(at(MS_DOWN_100)));
}

#[test]
fn pass_auth_is_compared() {
    let mut c = icfg(100);
    c.auth = Auth::Pass(*b"secret\0\0");
    let (mut e, _) = started(c.clone());
    let mut a = advert(&c, 200);
    feed(&mut e, at(1), packet(&a, HIGH, 255));
    assert_eq!(stats(&e).advert_rcvd, 1);
    a.auth = ka_wire::vrrp::Auth::Pass(*b"wrong\0\0\0");
    feed(&mut e, at(2), packet(&a, HIGH, 255));
    assert_eq!(stats(&e).auth_failure, 1);
}

#[test]
fn unicast_source_must_be_a_peer_with_check_unicast_src() {
    let mut c = icfg(100);
    c.unicast_peers = vec![UnicastPeer::new(HIGH)];
    c.check_unicast_src = true;
    let (mut e, _) = started(c.clone());
    let a = advert(&c, 200);
    let ev = |src| {
        // Unicast: the TTL is not checked.
        rx(src, ME, 64, encode(&a, src, ME))
    };
    feed(&mut e, at(1), ev(LOW));
    assert_eq!(stats(&e).unicast_src_err, 1);
    feed(&mut e, at(2), ev(HIGH));
    assert_eq!(stats(&e).advert_rcvd, 2);
    assert_eq!(e.poll_timeout(), Some(at(2 + MS_DOWN_100)));
    // A multicast packet on a unicast instance is rejected.
    feed(&mut e, at(3), packet(&a, HIGH, 255));
    assert_eq!(stats(&e).addr_list_err, 1);
}

#[test]
fn skip_check_adv_addr_only_for_known_master() {
    let mut c = icfg(100);
    c.skip_check_adv_addr = true;
    let (mut e, _) = started(c.clone());
    let mut a = advert(&c, 200);
    a.addrs = addrs(&[LOW]);
    feed(&mut e, at(1), packet(&a, HIGH, 255));
    assert_eq!(stats(&e).addr_list_err, 1, "new master: always checked");
    feed(&mut e, at(2), packet(&advert(&c, 200), HIGH, 255));
    feed(&mut e, at(3), packet(&a, HIGH, 255));
    assert_eq!(stats(&e).addr_list_err, 1, "same master: skipped");
}

#[test]
fn unknown_vrids_are_logged_only_when_asked() {
    let c = icfg(100);
    let mut other = c.clone();
    other.vrid = vrid(52);
    let adv = advert(&other, 100);
    for log in [false, true] {
        let cfg = EngineConfig {
            instances: vec![c.clone()],
            log_unknown_vrids: log,
            ..Default::default()
        };
        let mut e = Engine::new(cfg);
        feed(&mut e, at(0), Event::Started);
        let out = feed(&mut e, at(1), packet(&adv, HIGH, 255));
        let want: &[&str] = if log {
            &["Unknown VRID(52) received on interface(eth0). ignoring..."]
        } else {
            &[]
        };
        assert_eq!(logs(&out), want);
    }
}

#[test]
fn unknown_vrid_is_counted() {
    let c = icfg(100);
    let (mut e, _) = started(c.clone());
    let mut a = advert(&c, 100);
    a.vrid = 52;
    feed(&mut e, at(1), packet(&a, HIGH, 255));
    assert_eq!(e.snapshot().vrid_errors, 1);
}

fn with_scripts(
    c: InstanceConfig,
    scripts: Vec<ScriptConfig>,
) -> (Engine, Vec<Action>) {
    let cfg = EngineConfig {
        instances: vec![c],
        scripts,
        ..Default::default()
    };
    let mut e = Engine::new(cfg);
    let mut out = Vec::new();
    e.handle(at(0), Event::Started, &mut out);
    (e, out)
}

fn script(name: &str, rise: u32, fall: u32) -> ScriptConfig {
    ScriptConfig {
        name: name.into(),
        rise,
        fall,
        init_fail: false,
    }
}

#[test]
fn weighted_script_shifts_priority_and_backup_timer() {
    let mut c = icfg(100);
    c.track = vec![TrackRef::new(TrackKind::Script("chk".into()), -20)];
    c.notify_priority_changes = true;
    let (mut e, _) = with_scripts(c, vec![script("chk", 1, 2)]);
    let ok = |s| Event::ScriptExited {
        script: "chk".into(),
        success: s,
    };
    feed(&mut e, at(1), ok(true));
    assert_eq!(e.snapshot().instances[0].effective_priority, 100);
    assert!(feed(&mut e, at(2), ok(false)).is_empty(), "fall 2");
    let out = feed(&mut e, at(3), ok(false));
    assert!(logs(&out).contains(
        &"(VI_1) Changing effective priority from 100 to 80".to_owned()
    ));
    assert_eq!(notifies(&out), [(K::Instance, N::BackupPriority, 80)]);
    // Timer shifted by the skew difference: (176 − 156)/256 s.
    assert_eq!(e.poll_timeout(), Some(at(MS_DOWN_100 + 78_125)));
}

#[test]
fn weight_zero_script_holds_fault_until_it_reports() {
    let mut c = icfg(100);
    c.track = vec![TrackRef::new(TrackKind::Script("chk".into()), 0)];
    let (mut e, out) = with_scripts(c, vec![script("chk", 1, 1)]);
    assert_eq!(logs(&out), ["(VI_1) Entering FAULT STATE (init)"]);
    assert!(notifies(&out).is_empty(), "initialising: silent");
    assert_eq!(e.poll_timeout(), None);
    let out = feed(
        &mut e,
        at(5),
        Event::ScriptExited {
            script: "chk".into(),
            success: true,
        },
    );
    assert_eq!(notifies(&out), [(K::Instance, N::Backup, 100)]);
    assert_eq!(e.poll_timeout(), Some(at(5 + MS_DOWN_100)));
    let out = feed(
        &mut e,
        at(6),
        Event::ScriptExited {
            script: "chk".into(),
            success: false,
        },
    );
    assert_eq!(notifies(&out), [(K::Instance, N::Fault, 100)]);
}

#[test]
fn file_process_bfd_and_interface_trackers() {
    let mut c = icfg(100);
    c.track = vec![
        TrackRef::new(TrackKind::File("f".into()), 10),
        TrackRef::new(TrackKind::Process("p".into()), 5),
        TrackRef::new(TrackKind::Bfd("b".into()), -30),
        TrackRef::new(TrackKind::Interface("eth1".into()), 0),
    ];
    let cfg = EngineConfig {
        instances: vec![c],
        processes: vec![ProcessConfig {
            name: "p".into(),
            quorum: 2,
            quorum_max: 3,
        }],
        ..Default::default()
    };
    let mut e = Engine::new(cfg);
    feed(&mut e, at(0), Event::Started);
    let prio = |e: &Engine| e.snapshot().instances[0].effective_priority;
    assert_eq!(prio(&e), 70, "BFD starts down: −30");
    feed(
        &mut e,
        at(1),
        Event::BfdStateChanged {
            bfd: "b".into(),
            up: true,
        },
    );
    assert_eq!(prio(&e), 100);
    feed(
        &mut e,
        at(2),
        Event::FileValueChanged {
            file: "f".into(),
            value: 3,
        },
    );
    assert_eq!(prio(&e), 130);
    feed(
        &mut e,
        at(3),
        Event::ProcessCountChanged {
            process: "p".into(),
            count: 2,
        },
    );
    assert_eq!(prio(&e), 135);
    feed(
        &mut e,
        at(4),
        Event::ProcessCountChanged {
            process: "p".into(),
            count: 4,
        },
    );
    assert_eq!(prio(&e), 130, "above quorum_max");
    feed(
        &mut e,
        at(5),
        Event::FileValueChanged {
            file: "f".into(),
            value: 100,
        },
    );
    assert_eq!(prio(&e), 254, "clamped");
    feed(
        &mut e,
        at(6),
        Event::FileValueChanged {
            file: "f".into(),
            value: -26,
        },
    );
    assert_eq!(state(&e), State::Fault, "value × weight below −253");
    feed(
        &mut e,
        at(7),
        Event::FileValueChanged {
            file: "f".into(),
            value: 0,
        },
    );
    assert_eq!(state(&e), State::Backup);
    feed(
        &mut e,
        at(8),
        Event::LinkDown {
            iface: "eth1".into(),
        },
    );
    assert_eq!(state(&e), State::Fault);
}

#[test]
fn owner_priority_ignores_weights() {
    let mut c = icfg(255);
    c.track = vec![TrackRef::new(TrackKind::Interface("eth1".into()), -50)];
    let (mut e, _) = started(c);
    feed(
        &mut e,
        at(1),
        Event::LinkDown {
            iface: "eth1".into(),
        },
    );
    assert_eq!(e.snapshot().instances[0].effective_priority, 255);
}

#[test]
fn track_src_ip_and_unicast_fault_no_peer() {
    let mut c = icfg(100);
    c.track_src_ip = true;
    let (mut e, out) = started(c);
    assert_eq!(notifies(&out), [(K::Instance, N::Fault, 100)]);
    feed(
        &mut e,
        at(1),
        Event::AddressAdded {
            iface: "eth0".into(),
            addr: ME,
        },
    );
    assert_eq!(state(&e), State::Backup);
    let mut c = icfg(100);
    c.unicast_fault_no_peer = true;
    let (e, _) = started(c);
    assert!(e.snapshot().instances[0].fault.config_error);
}

fn group_engine(prio: u8) -> Engine {
    let mut a = icfg(prio);
    let mut b = icfg(prio);
    b.name = "VI_2".into();
    b.vrid = vrid(52);
    b.vips = vec![Vip::host(LOW)];
    a.down_timer_adverts = 3;
    b.down_timer_adverts = 4; // VI_2 times out one second later
    let cfg = EngineConfig {
        instances: vec![a, b],
        sync_groups: vec![SyncGroupConfig {
            name: "G".into(),
            members: vec!["VI_1".into(), "VI_2".into()],
            track: vec![],
            tracking_weight: false,
        }],
        ..Default::default()
    };
    Engine::new(cfg)
}

fn states(e: &Engine) -> Vec<State> {
    e.snapshot().instances.iter().map(|i| i.state).collect()
}

#[test]
fn sync_group_goes_master_only_when_all_want_it() {
    let mut e = group_engine(100);
    let out = feed(&mut e, at(0), Event::Started);
    assert_eq!(notifies(&out)[0], (K::Group, N::Backup, 0));
    // VI_1 times out first: vetoed, re-armed for Master_Down.
    let out = tick(&mut e, at(MS_DOWN_100));
    assert!(adverts(&out).is_empty());
    assert_eq!(states(&e), [State::Backup, State::Backup]);
    assert_eq!(e.snapshot().instances[0].want_state, State::Master);
    // VI_2 times out: both go MASTER, then the group notify.
    let out = tick(&mut e, at(4_609_375));
    assert_eq!(states(&e), [State::Master, State::Master]);
    let n = notifies(&out);
    assert_eq!(n.last(), Some(&(K::Group, N::Master, 0)));
    assert_eq!(adverts(&out).len(), 2);
}

#[test]
fn sync_group_backup_and_fault_propagate() {
    let mut e = group_engine(100);
    feed(&mut e, at(0), Event::Started);
    tick(&mut e, at(MS_DOWN_100));
    tick(&mut e, at(4_609_375));
    let c = icfg(100);
    let out = feed(&mut e, at(5_000_000), packet(&advert(&c, 200), HIGH, 255));
    assert_eq!(states(&e), [State::Backup, State::Backup]);
    assert!(logs(&out).contains(
        &"VRRP_Group(G) Syncing instances to BACKUP state".to_owned()
    ));
    let out = feed(
        &mut e,
        at(6_000_000),
        Event::LinkDown {
            iface: "eth0".into(),
        },
    );
    assert_eq!(states(&e), [State::Fault, State::Fault]);
    assert_eq!(notifies(&out).last(), Some(&(K::Group, N::Fault, 0)));
    let out = feed(
        &mut e,
        at(7_000_000),
        Event::LinkUp {
            iface: "eth0".into(),
        },
    );
    assert_eq!(states(&e), [State::Backup, State::Backup]);
    assert_eq!(notifies(&out).last(), Some(&(K::Group, N::Backup, 0)));
}

#[test]
fn startup_delay_ignores_packets_and_defers_timers() {
    let c = icfg(100);
    let cfg = EngineConfig {
        instances: vec![c.clone()],
        startup_delay: Duration::from_secs(5),
        ..Default::default()
    };
    let mut e = Engine::new(cfg);
    feed(&mut e, at(0), Event::Started);
    assert_eq!(e.poll_timeout(), Some(at(5_000_000 + MS_DOWN_100)));
    feed(&mut e, at(1), packet(&advert(&c, 200), HIGH, 255));
    assert_eq!(stats(&e).advert_rcvd, 0);
}

#[test]
fn garp_interval_paces_bursts() {
    let mut c = icfg(100);
    c.vips.push(Vip::host(LOW));
    let cfg = EngineConfig {
        instances: vec![c],
        garp_interval: Duration::from_millis(10),
        ..Default::default()
    };
    let mut e = Engine::new(cfg);
    feed(&mut e, at(0), Event::Started);
    let out = tick(&mut e, at(MS_DOWN_100));
    assert_eq!(garps(&out), 1);
    assert_eq!(e.poll_timeout(), Some(at(MS_DOWN_100 + 10_000)));
    // keepalived compat: repeats of a waiting address merge (one pending
    // flag per address), so 2 VIPs × 5 repeats is 3 GARPs.
    let out = run_until(&mut e, at(MS_DOWN_100 + 200_000));
    assert_eq!(garps(&out), 2);
}

#[test]
fn reload_keeps_master_and_diffs_vips() {
    let c = icfg(100);
    let (mut e, _) = started(c.clone());
    tick(&mut e, at(MS_DOWN_100));
    let mut c2 = c.clone();
    c2.vips = vec![Vip::host(LOW)];
    let mut gone = icfg(100);
    gone.name = "VI_9".into();
    let cfg = EngineConfig {
        instances: vec![c2],
        ..Default::default()
    };
    let out = feed(&mut e, at(4_000_000), Event::Reloaded(Box::new(cfg)));
    assert_eq!(state(&e), State::Master);
    assert_eq!(addr_changes(&out), (1, 1));
    assert_eq!(adverts(&out), [100]);
    assert!(
        notifies(&out).is_empty(),
        "unchanged master is not re-announced"
    );
    let _ = gone;
}

/// keepalived `vrrp_handle_bfd_event`: "VRRP_Instance(I) Tracked BFD
/// instance B is UP|DOWN" on each change, for each tracking instance; a
/// report of the state the session is already in logs nothing.
#[test]
fn tracked_bfd_changes_are_logged_per_instance_once() {
    let mut c = icfg(100);
    c.track = vec![TrackRef::new(TrackKind::Bfd("b".into()), 0)];
    let mut e = Engine::new(EngineConfig {
        instances: vec![c],
        ..Default::default()
    });
    feed(&mut e, at(0), Event::Started);
    let bfd = |up| Event::BfdStateChanged {
        bfd: "b".into(),
        up,
    };
    let tracked = |out: &[crate::Action]| {
        logs(out)
            .into_iter()
            .filter(|l| l.contains("Tracked BFD"))
            .collect::<Vec<_>>()
    };
    assert!(tracked(&feed(&mut e, at(1), bfd(false))).is_empty());
    assert_eq!(
        tracked(&feed(&mut e, at(2), bfd(true))),
        ["VRRP_Instance(VI_1) Tracked BFD instance b is UP"]
    );
    assert!(tracked(&feed(&mut e, at(3), bfd(true))).is_empty());
    assert_eq!(
        tracked(&feed(&mut e, at(4), bfd(false))),
        ["VRRP_Instance(VI_1) Tracked BFD instance b is DOWN"]
    );
}

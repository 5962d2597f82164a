//! A randomized simulation: random configurations, servers flapping,
//! probes answered late or never, track files and BFD sessions changing,
//! VIPs coming and going, reloads. After every step the invariants hold:
//! the emitted operations build `Engine::table()` (checked by the
//! harness), a server is in the table iff alive or inhibited (the sorry
//! server swapping them out while in use), alive iff every checker is up,
//! the quorum state agrees with the live weight, quorum notifications
//! alternate, no probe is started twice while running (harness), and a
//! reload that changes nothing emits nothing.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::testutil::*;
use crate::config::{CheckConfig, CheckerConfig, VsConfig};
use crate::event::{Action, CheckerId, Event, Notify, ProbeResult, Reason};

const FILES: [&str; 2] = ["fa", "fb"];
const BFDS: [&str; 2] = ["ba", "bb"];

fn vip(port: u16) -> IpAddr {
    IpAddr::from([192, 0, 2, u8::try_from(port % 200).unwrap_or(1)])
}

fn random_checker(rng: &mut StdRng) -> CheckerConfig {
    let mut c = match rng.gen_range(0..10) {
        0..=3 => tcp(),
        4 | 5 => {
            let mut c = http(rng.gen_range(1..4));
            c.fast_recovery = rng.gen_bool(0.3);
            c
        }
        6 => {
            let mut c = kind("MISC_CHECK");
            c.dynamic = rng.gen_bool(0.5);
            c
        }
        7 => file(
            FILES[rng.gen_range(0..2)],
            rng.gen_range(-3..4),
            rng.gen_bool(0.3),
        ),
        8 => bfd(BFDS[rng.gen_range(0..2)]),
        _ => kind("PING_CHECK"),
    };
    c.delay_loop = Duration::from_secs(rng.gen_range(1..8));
    c.connect_timeout = Duration::from_secs(rng.gen_range(1..4));
    c.delay_before_retry = Duration::from_secs(rng.gen_range(1..4));
    c.retry = rng.gen_range(0..3);
    c.warmup = Duration::from_secs(rng.gen_range(0..4));
    c.alpha = rng.gen_bool(0.3);
    c
}

fn random_vs(rng: &mut StdRng, port: u16) -> VsConfig {
    let n = rng.gen_range(1..5);
    let servers = (0..n)
        .map(|i| {
            let checkers = (0..rng.gen_range(0..3))
                .map(|_| random_checker(rng))
                .collect();
            let mut r = rs(i + 1, rng.gen_range(0..4), checkers);
            r.inhibit_on_failure = rng.gen_bool(0.3);
            r
        })
        .collect();
    let mut v = vs(port, servers);
    v.quorum = rng.gen_range(1..5);
    v.hysteresis = rng.gen_range(0..v.quorum);
    if rng.gen_bool(0.5) {
        v.sorry_server = Some(sorry(rng.gen_bool(0.5)));
    }
    v.ha_suspend = rng.gen_bool(0.2);
    v.vips = vec![vip(port)];
    v.omega = rng.gen_bool(0.5);
    v
}

fn random_config(rng: &mut StdRng) -> CheckConfig {
    let n = rng.gen_range(1..4);
    config((0..n).map(|i| random_vs(rng, 80 + i)).collect())
}

/// A reload's new configuration: weights, servers and quorums changed,
/// sorry servers kept as they were (adding one re-runs keepalived's
/// start-time quorum pass, which may repeat a quorum-down notification).
fn mutate(rng: &mut StdRng, cfg: &CheckConfig) -> CheckConfig {
    let mut cfg = cfg.clone();
    for v in &mut cfg.virtual_servers {
        for r in &mut v.real_servers {
            if rng.gen_bool(0.3) {
                r.dest.weight = rng.gen_range(0..4);
            }
        }
        if rng.gen_bool(0.2) {
            v.quorum = rng.gen_range(1..5);
            v.hysteresis = rng.gen_range(0..v.quorum);
        }
        if rng.gen_bool(0.2) && v.real_servers.len() > 1 {
            let i = rng.gen_range(0..v.real_servers.len());
            v.real_servers.remove(i);
        }
        if rng.gen_bool(0.2) {
            let checkers = vec![random_checker(rng)];
            v.real_servers.push(rs(rng.gen_range(10..20), 1, checkers));
            let mut seen = std::collections::BTreeSet::new();
            v.real_servers.retain(|r| seen.insert(r.name.clone()));
        }
    }
    if rng.gen_bool(0.2) {
        let port = rng.gen_range(90..95);
        let mut v = random_vs(rng, port);
        v.sorry_server = None;
        if !cfg.virtual_servers.iter().any(|x| x.name == v.name) {
            cfg.virtual_servers.push(v);
        }
    }
    if rng.gen_bool(0.1) && cfg.virtual_servers.len() > 1 {
        cfg.virtual_servers.remove(0);
    }
    cfg
}

/// The invariants over the engine's state.
fn check_state(h: &Harness) {
    let snap = h.engine.snapshot(h.now);
    for (v, cfg) in snap
        .virtual_servers
        .iter()
        .zip(&h.engine.config().virtual_servers)
    {
        let table = &h.engine.table().services[&cfg.services[0].key];
        for (r, rc) in v.real_servers.iter().zip(&cfg.real_servers) {
            assert_eq!(
                r.alive,
                r.checkers.iter().all(|c| c.0),
                "{}: alive",
                r.name
            );
            let want = if v.sorry_active {
                rc.inhibit_on_failure.then_some(0)
            } else if r.alive {
                Some(r.weight)
            } else {
                rc.inhibit_on_failure.then_some(0)
            };
            let have = table.dests.get(&rc.dest.addr).map(|d| d.weight);
            assert_eq!(have, want, "{} in {}", r.name, v.name);
        }
        if let Some(s) = &cfg.sorry_server {
            let have = table.dests.get(&s.dest.addr).map(|d| d.weight);
            let want = if v.sorry_active {
                Some(s.dest.weight)
            } else {
                s.inhibit.then_some(0)
            };
            assert_eq!(have, want, "sorry server of {}", v.name);
        } else {
            assert!(!v.sorry_active);
        }
        let (q, hy) = (u64::from(cfg.quorum), u64::from(cfg.hysteresis));
        if v.quorum_up {
            assert!(v.live_weight > 0 && v.live_weight + hy >= q, "{v:?}");
        } else {
            assert!(v.live_weight < q + hy, "{v:?}");
        }
    }
}

/// Quorum notifications flip the last known state of their virtual
/// server (by name).
fn check_quorum_alternates(
    h: &Harness,
    from: usize,
    known: &mut BTreeMap<String, bool>,
) {
    for a in &h.all[from..] {
        let (vi, up) = match a {
            Action::Notify(Notify::QuorumUp(v)) => (*v, true),
            Action::Notify(Notify::QuorumDown(v)) => (*v, false),
            _ => continue,
        };
        let name = h.engine.config().virtual_servers[vi as usize].name.clone();
        if let Some(was) = known.insert(name.clone(), up) {
            assert_ne!(was, up, "quorum of {name} notified {up} twice");
        }
    }
}

fn run(seed: u64) {
    eprintln!("seed {seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    let cfg = random_config(&mut rng);
    let mut h = Harness::new(cfg);
    h.engine = super::Engine::new(h.engine.config().clone(), at(0), seed);
    let mut up: BTreeMap<(String, String), bool> = BTreeMap::new();
    let mut known: BTreeMap<String, bool> = BTreeMap::new();
    h.run_until(at(0));
    for v in &h.engine.snapshot(h.now).virtual_servers {
        known.insert(v.name.clone(), v.quorum_up);
    }
    for _ in 0..400 {
        let from = h.all.len();
        step(&mut rng, &mut h, &mut up, &mut known);
        check_quorum_alternates(&h, from, &mut known);
        check_state(&h);
    }
    h.event(Event::Stop);
    assert!(h.mirror.services.is_empty());
    assert!(matches!(h.all.last(), Some(Action::Stopped)));
}

fn step(
    rng: &mut StdRng,
    h: &mut Harness,
    up: &mut BTreeMap<(String, String), bool>,
    known: &mut BTreeMap<String, bool>,
) {
    match rng.gen_range(0..20) {
        0..=6 => {
            let t = h.now + Duration::from_millis(rng.gen_range(0..4000));
            h.run_until(t);
        }
        7..=12 => answer_one(rng, h, up),
        13 | 14 => {
            let cfg = h.engine.config();
            let v = &cfg.virtual_servers
                [rng.gen_range(0..cfg.virtual_servers.len())];
            if let Some(r) = v.real_servers.get(rng.gen_range(0..4)) {
                let key = (v.name.clone(), r.name.clone());
                let now = up.get(&key).copied().unwrap_or(true);
                up.insert(key, !now);
            }
        }
        15 => h.event(Event::TrackFile {
            name: FILES[rng.gen_range(0..2)].into(),
            value: rng.gen_range(-2..3),
        }),
        16 => h.event(Event::BfdState {
            name: BFDS[rng.gen_range(0..2)].into(),
            up: rng.gen_bool(0.6),
        }),
        17 => h.event(Event::Address {
            addr: vip(rng.gen_range(80..83)),
            present: rng.gen_bool(0.6),
        }),
        18 => {
            let same = h.engine.config().clone();
            let before = h.engine.snapshot(h.now);
            let from = h.all.len();
            h.event(Event::Reloaded(Box::new(same)));
            let ops = h.all[from..]
                .iter()
                .filter(|a| matches!(a, Action::DataPlane { .. }));
            assert_eq!(
                ops.count(),
                0,
                "an identical reload emitted ops: {:#?}",
                &h.all[from..]
            );
            // The dump-only retry and url state may restart on a reload.
            let visible = |mut s: crate::event::Snapshot| {
                for v in &mut s.virtual_servers {
                    for r in &mut v.real_servers {
                        r.checker_states.clear();
                    }
                }
                s
            };
            assert_eq!(visible(before), visible(h.engine.snapshot(h.now)));
        }
        _ => {
            let new = mutate(rng, h.engine.config());
            for v in &new.virtual_servers {
                if !h
                    .engine
                    .config()
                    .virtual_servers
                    .iter()
                    .any(|o| o.name == v.name)
                {
                    known.remove(&v.name);
                }
            }
            let from = h.all.len();
            // A new virtual server starts with quorum down (keepalived):
            // its first notification, if any, is a QuorumUp, checked by
            // the caller from an unknown state.
            h.event(Event::Reloaded(Box::new(new)));
            for a in &h.all[from..] {
                if let Action::DataPlane { reason, .. } = a {
                    assert_eq!(*reason, Reason::Reload);
                }
            }
        }
    }
}

/// Answers a random pending probe (or lets it time out).
fn answer_one(
    rng: &mut StdRng,
    h: &mut Harness,
    up: &BTreeMap<(String, String), bool>,
) {
    let ids: Vec<CheckerId> = h.pending.keys().copied().collect();
    if ids.is_empty() {
        return;
    }
    let id = ids[rng.gen_range(0..ids.len())];
    if rng.gen_bool(0.1) {
        return;
    }
    let cfg = h.engine.config();
    let v = &cfg.virtual_servers[id.rs.vs as usize];
    let r = &v.real_servers[id.rs.rs as usize];
    let dynamic = r.checkers[id.checker as usize].dynamic;
    let is_up = up
        .get(&(v.name.clone(), r.name.clone()))
        .copied()
        .unwrap_or(true);
    let result = match (is_up, dynamic) {
        (true, true) if rng.gen_bool(0.5) => {
            ProbeResult::UpWithWeight(rng.gen_range(0..5))
        }
        (true, _) => ProbeResult::Up,
        (false, _) => ProbeResult::Down("connection refused".into()),
    };
    h.now += Duration::from_millis(rng.gen_range(0..500));
    h.run_until(h.now);
    if h.pending.contains_key(&id) {
        h.answer(id, result);
    }
}

#[test]
fn random_runs_keep_the_invariants() {
    // KA_CHECK_SIM_SEEDS runs more seeds (a longer search).
    let seeds = std::env::var("KA_CHECK_SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300u64);
    for seed in 0..seeds {
        run(seed);
    }
}

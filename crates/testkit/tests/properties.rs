//! Deterministic simulation properties and a proptest over seeds.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use ka_testkit::{Lan, LinkProfile, Scenario, run};
use ka_types::Instant;
use ka_vrrp::{EngineConfig, InstanceConfig, State, Vip};
use proptest::prelude::*;

fn host(i: u8, prio: u8) -> (IpAddr, EngineConfig) {
    let addr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, i));
    let mut c = InstanceConfig::new(
        "VI_1",
        ka_vrrp::Vrid::MIN,
        ka_vrrp::Priority::new(prio),
    );
    c.vips = vec![Vip::host(IpAddr::V4(Ipv4Addr::new(10, 0, 1, 1)))];
    c.src_addr = Some(addr);
    (
        addr,
        EngineConfig {
            instances: vec![c],
            ..Default::default()
        },
    )
}

fn lan(prios: &[u8]) -> Lan {
    lan_with(prios, LinkProfile::IDEAL)
}

fn lan_with(prios: &[u8], link: LinkProfile) -> Lan {
    let mut lan = Lan::new(7, link);
    for (i, p) in prios.iter().enumerate() {
        let (addr, cfg) = host(u8::try_from(i + 1).unwrap(), *p);
        let n = lan.add_node(&format!("h{i}"), addr, cfg);
        lan.start(n);
    }
    lan
}

#[test]
fn equal_priority_masters_resolve_by_address() {
    // Both time out together, both go MASTER, the higher address wins
    // (RFC 5798 §6.4.3: "the primary IPvX Address of the sender is greater
    // than the local primary IPvX Address"). With zero delay the first to
    // time out would win instead: keepalived's BACKUP accepts any
    // equal-priority master.
    let link = LinkProfile {
        delay: Duration::from_millis(1),
        ..LinkProfile::IDEAL
    };
    let mut lan = lan_with(&[100, 100], link);
    lan.run_until(Instant::from_secs(10));
    assert_eq!(lan.state(1, "VI_1"), Some(State::Master));
    assert_eq!(lan.state(0, "VI_1"), Some(State::Backup));
    assert_eq!(lan.holders(IpAddr::V4(Ipv4Addr::new(10, 0, 1, 1))), [1]);
}

#[test]
fn graceful_stop_hands_over_within_skew_time() {
    let mut lan = lan(&[200, 100]);
    lan.run_until(Instant::from_secs(10));
    assert_eq!(lan.state(0, "VI_1"), Some(State::Master));
    let t = lan.now();
    lan.stop(0);
    lan.run_for(Duration::from_secs(1));
    let took = lan
        .transitions()
        .iter()
        .find(|x| x.node == 1 && x.state == State::Master)
        .map(|x| x.at - t);
    // Skew_Time(100) = 156/256 s exactly.
    assert_eq!(took, Some(Duration::from_micros(609_375)));
}

#[test]
fn silent_kill_fails_over_after_master_down_interval() {
    let mut lan = lan(&[200, 100]);
    lan.run_until(Instant::from_secs(10));
    let last = lan.last_advert(0, "VI_1").unwrap();
    lan.kill(0);
    lan.run_for(Duration::from_secs(5));
    let at = lan
        .transitions()
        .iter()
        .find(|x| x.node == 1 && x.state == State::Master)
        .map(|x| x.at);
    assert_eq!(at, Some(last + Duration::from_micros(3_609_375)));
}

#[test]
fn returning_higher_priority_preempts_after_master_down() {
    let mut lan = lan(&[200, 100]);
    lan.run_until(Instant::from_secs(10));
    lan.kill(0);
    lan.run_for(Duration::from_secs(10));
    let t = lan.now();
    lan.start(0);
    lan.run_for(Duration::from_secs(10));
    assert_eq!(lan.state(0, "VI_1"), Some(State::Master));
    let at = lan
        .transitions()
        .iter()
        .find(|x| x.at >= t && x.node == 0 && x.state == State::Master)
        .map(|x| x.at - t);
    // Master_Down_Interval(200) = 3 s + 56/256 s.
    assert_eq!(at, Some(Duration::from_micros(3_218_750)));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn arbitrary_seeds_keep_invariants(seed in any::<u64>()) {
        let sc = Scenario::from_seed(seed);
        prop_assert!(run(&sc).is_ok(), "{:?}", run(&sc));
    }
}

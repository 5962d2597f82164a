use super::*;
use crate::config::{GarpLane, InstanceConfig};
use crate::units::{Priority, Vrid};
use std::net::Ipv4Addr;

fn v4(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn cfg(garp: u64, gna: u64, lanes: Vec<GarpLane>) -> EngineConfig {
    let vrid = Vrid::new(1).unwrap();
    EngineConfig {
        instances: vec![
            InstanceConfig::new("A", vrid, Priority::new(100)),
            InstanceConfig::new("B", vrid, Priority::new(100)),
        ],
        garp_interval: ms(garp),
        gna_interval: ms(gna),
        garp_lanes: lanes,
        ..Default::default()
    }
}

fn send(
    p: &mut GarpPacer,
    t: Instant,
    iface: &str,
    pos: usize,
    addr: IpAddr,
    out: &mut Vec<Action>,
) {
    let g = Garp {
        instance: "A",
        pos,
        iface,
        addr,
    };
    p.send(t, g, out);
}

fn garp_addrs(out: &[Action]) -> Vec<IpAddr> {
    out.iter()
        .filter_map(|a| match a {
            Action::SendGarp { addr, .. } => Some(IpAddr::V4(*addr)),
            Action::SendUnsolicitedNa { addr, .. } => Some(IpAddr::V6(*addr)),
            _ => None,
        })
        .collect()
}

#[test]
fn interval_spaces_garps_per_interface() {
    let mut p = GarpPacer::new(&cfg(10, 0, vec![]));
    let mut out = Vec::new();
    let t0 = Instant::from_secs(1);
    send(&mut p, t0, "eth0", 0, v4(1), &mut out);
    send(&mut p, t0, "eth0", 1, v4(2), &mut out);
    send(&mut p, t0, "eth1", 0, v4(1), &mut out);
    assert_eq!(out.len(), 2);
    assert_eq!(p.poll_at(), Some(t0 + ms(10)));
    out.clear();
    p.on_timeout(t0 + ms(10), &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(p.poll_at(), None);
}

#[test]
fn waiting_addresses_merge_and_leave_in_configuration_order() {
    // keepalived 2.2.7, vrrp_garp_interval 0.1, two VIPs, repeat 5:
    // .100 at once, then .100 and .101 100 ms apart (three GARPs).
    let mut p = GarpPacer::new(&cfg(100, 0, vec![]));
    let mut out = Vec::new();
    let t0 = Instant::from_secs(1);
    for _ in 0..5 {
        send(&mut p, t0, "eth0", 0, v4(100), &mut out);
        send(&mut p, t0, "eth0", 1, v4(101), &mut out);
    }
    p.on_timeout(t0 + ms(100), &mut out);
    p.on_timeout(t0 + ms(200), &mut out);
    p.on_timeout(t0 + ms(300), &mut out);
    assert_eq!(garp_addrs(&out), [v4(100), v4(100), v4(101)]);
    assert_eq!(p.poll_at(), None);
}

#[test]
fn a_group_shares_one_interval_across_its_interfaces() {
    let lanes = vec![GarpLane {
        interfaces: vec!["eth0".into(), "eth1".into()],
        garp_interval: Some(ms(50)),
        gna_interval: None,
    }];
    let mut p = GarpPacer::new(&cfg(10, 10, lanes));
    let mut out = Vec::new();
    let t0 = Instant::from_secs(1);
    send(&mut p, t0, "eth0", 0, v4(1), &mut out);
    send(&mut p, t0, "eth1", 1, v4(2), &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(p.poll_at(), Some(t0 + ms(50)));
    // The group has no gna_interval: NAs on it are not spaced, although
    // the global one is set.
    let a6: IpAddr = "2001:db8::1".parse().unwrap();
    send(&mut p, t0, "eth0", 2, a6, &mut out);
    send(&mut p, t0, "eth0", 2, a6, &mut out);
    assert_eq!(out.len(), 3);
    // An interface outside the group keeps the global interval.
    send(&mut p, t0, "eth2", 3, v4(3), &mut out);
    send(&mut p, t0, "eth2", 4, v4(4), &mut out);
    assert_eq!(out.len(), 4);
}

#[test]
fn the_first_group_naming_an_interface_wins() {
    let lane = |garp| GarpLane {
        interfaces: vec!["eth0".into()],
        garp_interval: garp,
        gna_interval: None,
    };
    let mut p =
        GarpPacer::new(&cfg(0, 0, vec![lane(Some(ms(50))), lane(None)]));
    let mut out = Vec::new();
    let t0 = Instant::from_secs(1);
    send(&mut p, t0, "eth0", 0, v4(1), &mut out);
    send(&mut p, t0, "eth0", 1, v4(2), &mut out);
    assert_eq!(out.len(), 1);
}

#[test]
fn forgotten_addresses_leave_the_queue() {
    let mut p = GarpPacer::new(&cfg(10, 0, vec![]));
    let mut out = Vec::new();
    let t0 = Instant::from_secs(1);
    send(&mut p, t0, "eth0", 0, v4(1), &mut out);
    send(&mut p, t0, "eth0", 1, v4(2), &mut out);
    p.forget(&[v4(2)]);
    assert_eq!(p.poll_at(), None);
}

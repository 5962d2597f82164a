//! Helpers for the unit tests: a one-instance engine with an explicit
//! clock, advert builders and action filters.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use ka_types::Instant;
use ka_wire::ipv4;
use ka_wire::vrrp::{
    AddrList, AdverInt, Auth as WireAuth, ChecksumMode, EmitCtx, Endpoints,
    Packet, Repr,
};

use crate::action::{Action, NotifyKind, NotifyState};
use crate::config::{EngineConfig, InstanceConfig, Vip};
use crate::engine::Engine;
use crate::event::{Event, RxPacket};
use crate::instance::State;
use crate::timers::Version;
pub(crate) use crate::units::{Priority, Vrid};

/// The VIP of every test instance.
pub(crate) const VIP: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 168, 200, 16));
/// Our source address.
pub(crate) const ME: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 168, 200, 5));
/// A peer with a lower address than ours.
pub(crate) const LOW: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 168, 200, 2));
/// A peer with a higher address than ours.
pub(crate) const HIGH: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 168, 200, 9));
/// The VRRP multicast group.
pub(crate) const GROUP: IpAddr = IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18));

/// The VRID `n` (test values are never 0).
pub(crate) fn vrid(n: u8) -> Vrid {
    Vrid::new(n).expect("test VRIDs are 1..=255")
}

/// `VI_1`, VRID 51, one VIP, source `ME`.
pub(crate) fn icfg(prio: u8) -> InstanceConfig {
    let mut c = InstanceConfig::new("VI_1", vrid(51), Priority::new(prio));
    c.vips = vec![Vip::host(VIP)];
    c.src_addr = Some(ME);
    c
}

/// An engine around `c`, started at t = 0.
pub(crate) fn started(c: InstanceConfig) -> (Engine, Vec<Action>) {
    let cfg = EngineConfig {
        instances: vec![c],
        ..Default::default()
    };
    let mut e = Engine::new(cfg);
    let mut out = Vec::new();
    e.handle(Instant::ZERO, Event::Started, &mut out);
    (e, out)
}

/// µs → Instant.
pub(crate) fn at(us: u64) -> Instant {
    Instant::from_micros(us)
}

/// An advert as a peer would send it for `c`'s VRID and VIPs, built
/// field by field (not with the engine's own `tx`).
pub(crate) fn advert(c: &InstanceConfig, prio: u8) -> Repr {
    Repr {
        version: c.version,
        vrid: c.vrid.get(),
        priority: prio,
        adver_int: match c.version {
            Version::V2 => AdverInt::Secs(c.adver_int.secs()),
            Version::V3 => AdverInt::Centis(c.adver_int.centis()),
        },
        addrs: addrs(&c.vips.iter().map(|v| v.addr).collect::<Vec<_>>()),
        auth: match c.version {
            Version::V2 => c.auth.wire(),
            Version::V3 => WireAuth::None,
        },
    }
}

/// An IPv4 address list (the test VIPs are IPv4).
pub(crate) fn addrs(a: &[IpAddr]) -> AddrList {
    AddrList::V4(
        a.iter()
            .filter_map(|a| match a {
                IpAddr::V4(a) => Some(*a),
                IpAddr::V6(_) => None,
            })
            .collect(),
    )
}

/// `adv` encoded by `ka-wire` from `src` to `dst` (standard checksum).
pub(crate) fn encode(adv: &Repr, src: IpAddr, dst: IpAddr) -> Vec<u8> {
    let endpoints = match (src, dst) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => Endpoints::V4 { src, dst },
        (IpAddr::V6(src), IpAddr::V6(dst)) => Endpoints::V6 { src, dst },
        _ => panic!("test packet with mixed families"),
    };
    let mut b = vec![0; adv.buffer_len()];
    let cx = EmitCtx {
        endpoints,
        checksum: ChecksumMode::Standard,
    };
    adv.emit(&mut Packet::new_unchecked(&mut b[..]), &cx);
    b
}

/// The packet event for `adv` from `src` to the multicast group.
pub(crate) fn packet(adv: &Repr, src: IpAddr, ttl: u8) -> Event {
    rx(src, GROUP, ttl, encode(adv, src, GROUP))
}

/// The event for the VRRP message `vrrp` received on eth0 from `src` to
/// `dst` with `ttl`, as the socket delivers it: for IPv4 behind the IPv4
/// header keepalived sends (protocol 112, TOS 0xc0).
pub(crate) fn rx(src: IpAddr, dst: IpAddr, ttl: u8, vrrp: Vec<u8>) -> Event {
    let packet = match (src, dst) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => {
            let ip = ipv4::Repr {
                src,
                dst,
                protocol: ka_wire::IPPROTO_VRRP,
                tos: ipv4::TOS_INTERNETWORK_CONTROL,
                ident: 1,
                dont_frag: false,
                ttl,
                payload_len: vrrp.len(),
            };
            let mut b = vec![0; ip.buffer_len() + vrrp.len()];
            ip.emit(&mut ipv4::Packet::new_unchecked(&mut b[..]));
            b[ip.buffer_len()..].copy_from_slice(&vrrp);
            RxPacket::V4(b)
        }
        (IpAddr::V6(src), IpAddr::V6(dst)) => RxPacket::V6 {
            src,
            dst,
            hop_limit: ttl,
            bytes: vrrp,
        },
        _ => panic!("test packet with mixed families"),
    };
    Event::PacketReceived {
        iface: "eth0".into(),
        packet,
    }
}

/// Feed `ev` at `t` and return the actions.
pub(crate) fn feed(e: &mut Engine, t: Instant, ev: Event) -> Vec<Action> {
    let mut out = Vec::new();
    e.handle(t, ev, &mut out);
    out
}

/// Fire timers at `t` and return the actions.
pub(crate) fn tick(e: &mut Engine, t: Instant) -> Vec<Action> {
    let mut out = Vec::new();
    e.handle_timeout(t, &mut out);
    out
}

/// Run the engine's own timers up to `until`, collecting actions.
pub(crate) fn run_until(e: &mut Engine, until: Instant) -> Vec<Action> {
    let mut out = Vec::new();
    while let Some(t) = e.poll_timeout().filter(|t| *t <= until) {
        e.handle_timeout(t, &mut out);
    }
    out
}

/// Priorities of the adverts sent.
pub(crate) fn adverts(out: &[Action]) -> Vec<u8> {
    out.iter()
        .filter_map(|a| match a {
            Action::SendAdvert { advert, .. } => Some(advert.priority),
            _ => None,
        })
        .collect()
}

/// Instance notifications `(state, priority)`.
pub(crate) fn notifies(out: &[Action]) -> Vec<(NotifyKind, NotifyState, u8)> {
    out.iter()
        .filter_map(|a| match a {
            Action::Notify(n) => Some((n.kind, n.state, n.priority)),
            _ => None,
        })
        .collect()
}

/// Log texts.
pub(crate) fn logs(out: &[Action]) -> Vec<String> {
    out.iter()
        .filter_map(|a| match a {
            Action::Log(l) => Some(l.text.clone()),
            _ => None,
        })
        .collect()
}

/// Count of GARPs sent.
pub(crate) fn garps(out: &[Action]) -> usize {
    out.iter()
        .filter(|a| matches!(a, Action::SendGarp { .. }))
        .count()
}

/// `(added, removed)` address counts.
pub(crate) fn addr_changes(out: &[Action]) -> (usize, usize) {
    let add = out
        .iter()
        .filter(|a| matches!(a, Action::AddAddress { .. }));
    let del = out
        .iter()
        .filter(|a| matches!(a, Action::DelAddress { .. }));
    (add.count(), del.count())
}

/// State of the first instance.
pub(crate) fn state(e: &Engine) -> State {
    e.snapshot().instances[0].state
}

/// Micros of a duration.
pub(crate) fn us(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

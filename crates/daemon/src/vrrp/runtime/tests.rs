//! The event loop against the fake drivers: configuration text in,
//! recorded driver calls out, on tokio's paused clock (no root, no
//! kernel, no real sleeping).

use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::Duration;

use ka_config::LoadOptions;
use ka_config::host::FakeHost;
use ka_sys::netlink::{AddrInfo, AddrSpec, LinkInfo, NetEvent};
use ka_sys::vrrp_socket::Received;
use ka_vrrp::NotifyState;
use ka_wire::advert::{Ipv4Advert, Ipv4EmitCtx, Ipv4ParseCtx};
use ka_wire::arp::garp_frame;
use ka_wire::ethernet::EthernetAddress;
use ka_wire::vrrp::{AddrList, AdverInt, Auth, Repr, Version};
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::task::JoinHandle;

use super::{Control, run_with};
use crate::core::bus::Bus;
use crate::vrrp::fake::{Call, Fake};
use crate::vrrp::io::SocketKind;
use crate::vrrp::plan::{UserResolver, VrrpPlan, vrrp_plan};

const MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
const OURS: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
const PEER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 11);
const VIP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 100);
const GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);

/// An instance on `eth0` with one labelled VIP; `extra` goes inside the
/// instance block.
fn config(priority: u8, extra: &str) -> String {
    format!(
        "vrrp_instance VI_1 {{
            interface eth0
            virtual_router_id 51
            priority {priority}
            advert_int 1
            {extra}
            virtual_ipaddress {{
                {VIP}/24 brd + label eth0:vip
            }}
        }}\n"
    )
}

/// Only root exists.
struct RootOnly;

impl UserResolver for RootOnly {
    fn uid_gid(&self, user: &str, _: Option<&str>) -> Option<(u32, u32)> {
        (user == "root").then_some((0, 0))
    }
}

fn plan(text: &str) -> VrrpPlan {
    let path = "/etc/keepalived/keepalived.conf";
    let host = FakeHost::new().with_file(path, text);
    let loaded =
        ka_config::load(Path::new(path), &host, &LoadOptions::default());
    vrrp_plan(&loaded.config, &RootOnly)
}

fn eth0(up: bool) -> LinkInfo {
    LinkInfo {
        index: 2,
        name: "eth0".into(),
        up,
        running: up,
        mac: MAC.to_vec(),
        link: None,
    }
}

/// The runtime, running on fakes.
struct Harness {
    fake: Fake,
    control: UnboundedSender<Control>,
    net: UnboundedSender<NetEvent>,
    task: JoinHandle<io::Result<()>>,
}

impl Harness {
    /// Starts the runtime with `plan` on an up `eth0` holding [`OURS`].
    async fn start(plan: VrrpPlan) -> Self {
        let fake = Fake::default();
        let addr = AddrInfo {
            ifindex: 2,
            addr: OURS.into(),
            prefix_len: 24,
        };
        let (drivers, net) = fake.drivers(vec![eth0(true)], vec![addr]);
        let (control, rx) = mpsc::unbounded_channel();
        let task =
            tokio::spawn(run_with(plan, rx, drivers, Bus::default(), None));
        settle().await;
        Self {
            fake,
            control,
            net,
            task,
        }
    }

    /// Stops the runtime and waits until `run_with` returned.
    /// `auth_failure` of the first instance, from the engine's snapshot.
    async fn auth_failures(&self) -> u64 {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.control.send(Control::Snapshot(tx)).unwrap();
        rx.await.unwrap().instances[0].stats.auth_failure
    }

    async fn stop(self) -> Fake {
        self.control.send(Control::Stop).unwrap();
        self.task.await.unwrap().unwrap();
        self.fake
    }
}

/// Lets the runtime handle what is queued and what is due within 10 ms
/// of paused time (an owner's 1 µs down timer, say).
async fn settle() {
    tokio::time::sleep(Duration::from_millis(10)).await;
}

/// The IPv4 packets sent, in order.
fn adverts(calls: &[Call]) -> Vec<Vec<u8>> {
    calls
        .iter()
        .filter_map(|c| match c {
            Call::SendV4 { packet, .. } => Some(packet.clone()),
            _ => None,
        })
        .collect()
}

fn position(calls: &[Call], what: impl Fn(&Call) -> bool) -> usize {
    calls
        .iter()
        .position(what)
        .unwrap_or_else(|| panic!("no such call in {calls:#?}"))
}

fn notified(calls: &[Call], state: NotifyState) -> bool {
    calls.iter().any(|c| {
        matches!(c, Call::Notify(n) | Call::NotifyWait(n) if n.state == state)
    })
}

fn vip_spec() -> AddrSpec {
    let mut s = AddrSpec::new(2, VIP.into(), 24);
    s.broadcast = Some(Ipv4Addr::new(192, 0, 2, 255));
    s.label = Some("eth0:vip".into());
    s
}

fn has_addr_change(calls: &[Call]) -> bool {
    calls
        .iter()
        .any(|c| matches!(c, Call::AddAddr(_) | Call::DelAddr(_)))
}

/// A VRRPv2 advert from [`PEER`] for VRID 51, as its socket would
/// receive it (IPv4 header included; AH when `ah` is given).
fn peer_advert(priority: u8, ah: Option<([u8; 8], u32)>) -> Received {
    let auth = if ah.is_some() { Auth::Ah } else { Auth::None };
    advert_with(priority, auth, ah)
}

/// A VRRPv2 advert from [`PEER`] for VRID 51 whose VRRP header says
/// `auth`, with an AH header only when `ah` is given.
fn advert_with(
    priority: u8,
    auth: Auth,
    ah: Option<([u8; 8], u32)>,
) -> Received {
    let repr = Repr {
        version: Version::V2,
        vrid: 51,
        priority,
        adver_int: AdverInt::Secs(1),
        addrs: AddrList::V4(vec![VIP]),
        auth,
    };
    let a =
        Ipv4Advert::keepalived(PEER, GROUP, 1, 255, repr, ah.map(|(_, s)| s));
    let cx = Ipv4EmitCtx {
        ah_key: ah.map(|(k, _)| k),
        ..Default::default()
    };
    Received {
        ifindex: 2,
        src: PEER.into(),
        dst: GROUP.into(),
        ttl: 255,
        bytes: a.to_bytes(&cx),
    }
}

/// The AH sequence number of a packet we sent, after verifying its ICV
/// with `key`.
fn sent_ah_seq(packet: &[u8], key: [u8; 8]) -> u32 {
    let mut cx = Ipv4ParseCtx {
        ah_key: Some(key),
        ..Default::default()
    };
    cx.expect.auth = Some(Auth::Ah);
    let a = Ipv4Advert::parse(packet, &cx).expect("signed");
    a.ah.expect("AH header").seq
}

#[tokio::test(start_paused = true)]
async fn an_owner_starts_as_master_with_advert_garps_and_its_labelled_vip() {
    let h = Harness::start(plan(&config(255, "state MASTER"))).await;
    let calls = h.fake.calls();
    assert_eq!(
        calls[..2],
        [Call::VmacSync, Call::NotifyConfigure],
        "VMACs first, hooks before the engine starts"
    );
    assert!(calls.contains(&Call::Open {
        iface: "eth0".into(),
        kind: SocketKind::V4,
        groups: vec![IpAddr::V4(GROUP)],
        rcvbuf: None,
    }));
    let p = &adverts(&calls)[0];
    assert_eq!(p[0], 0x45, "IPv4, 20-octet header");
    assert_eq!(p[1], 0xc0, "TOS internetwork control");
    assert_eq!(&p[6..10], &[0, 0, 255, 112], "no DF, TTL 255, VRRP");
    assert_eq!(&p[12..16], &OURS.octets(), "the primary address");
    assert_eq!(&p[16..20], &GROUP.octets());
    assert_eq!(p[22], 255, "priority");
    let add = position(&calls, |c| *c == Call::AddAddr(vip_spec()));
    let garp = garp_frame(EthernetAddress(MAC), VIP).to_vec();
    let frames: Vec<usize> = (0..calls.len())
        .filter(|&i| matches!(&calls[i], Call::Frame { .. }))
        .collect();
    assert_eq!(frames.len(), 5, "garp_master_repeat");
    for &i in &frames {
        assert!(i > add, "GARPs follow the address");
        let Call::Frame { ifindex, frame } = &calls[i] else {
            unreachable!()
        };
        assert_eq!((*ifindex, frame), (2, &garp));
        assert_eq!(&frame[6..12], &MAC, "sent from the interface MAC");
    }
    assert!(notified(&calls, NotifyState::Master));
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn kernel_rx_buf_size_sizes_the_socket_of_its_interface() {
    // keepalived compat: the instances sharing a socket add up.
    let second = config(100, "kernel_rx_buf_size 4096")
        .replace("VI_1", "VI_2")
        .replace("virtual_router_id 51", "virtual_router_id 52")
        .replace("192.0.2.100", "192.0.2.101");
    let text = format!("{}\n{second}", config(100, "kernel_rx_buf_size 65536"));
    let h = Harness::start(plan(&text)).await;
    let opened: Vec<_> = h
        .fake
        .calls()
        .into_iter()
        .filter_map(|c| match c {
            Call::Open { kind, rcvbuf, .. } => Some((kind, rcvbuf)),
            _ => None,
        })
        .collect();
    assert_eq!(opened, [(SocketKind::V4, Some(69_632))]);
}

#[tokio::test(start_paused = true)]
async fn clear_stats_zeroes_the_counters_and_the_master_goes_on() {
    let h = Harness::start(plan(&config(255, "state MASTER"))).await;
    let stats = |h: &Harness| {
        let (tx, rx) = tokio::sync::oneshot::channel();
        h.control.send(Control::Snapshot(tx)).unwrap();
        async move { rx.await.unwrap().instances[0].stats.clone() }
    };
    let before = stats(&h).await;
    assert_eq!(before.become_master, 1);
    assert!(before.advert_sent > 0);
    h.control.send(Control::ClearStats).unwrap();
    let after = stats(&h).await;
    assert_eq!(after, ka_vrrp::Stats::default());
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(stats(&h).await.advert_sent >= 2, "adverts go on");
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_panic_in_the_loop_still_resigns_and_cleans_up() {
    let h = Harness::start(plan(&config(100, ""))).await;
    h.fake.panic_on_frames();
    // Becoming master adds the VIP, then its first GARP panics.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let err = h.task.await.unwrap().unwrap_err();
    assert!(
        err.get_ref()
            .is_some_and(|e| e.is::<crate::core::fatal::Panicked>())
    );
    let calls = h.fake.calls();
    let added = position(&calls, |c| *c == Call::AddAddr(vip_spec()));
    let removed = position(&calls, |c| *c == Call::DelAddr(vip_spec()));
    assert!(added < removed, "{calls:#?}");
    // The engine resigned: a priority-0 advert after the VIP went in.
    let last = adverts(&calls[added..]).pop().expect("an advert");
    assert_eq!(last[22], 0, "priority 0 on shutdown");
    assert!(notified(&calls, NotifyState::Stop));
    assert_eq!(calls.last(), Some(&Call::VmacTeardown), "{calls:#?}");
}

#[tokio::test(start_paused = true)]
async fn a_higher_priority_advert_makes_the_master_remove_its_vip() {
    let h = Harness::start(plan(&config(100, ""))).await;
    // Master_Down_Interval (3 × 1 s + skew) passes without adverts.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(h.fake.take().contains(&Call::AddAddr(vip_spec())));
    h.fake
        .deliver("eth0", SocketKind::V4, peer_advert(200, None));
    settle().await;
    let calls = h.fake.take();
    assert!(calls.contains(&Call::DelAddr(vip_spec())), "{calls:#?}");
    assert!(notified(&calls, NotifyState::Backup));
    h.stop().await;
}

/// The process was off the CPU while an advert reached its socket and
/// Master_Down_Interval ran out: the advert is handled first, as
/// keepalived's scheduler does, so the backup stays backup. Here the
/// advert comes from a task whose timer fires in the same clock jump
/// just before the engine's, so the loop finds both ready at once;
/// before the fix `select!` then picked one at random, and 20 rounds
/// took over with probability 1 - 2^-20.
#[tokio::test(start_paused = true)]
async fn an_advert_queued_when_master_down_expires_is_handled_first() {
    let h = Harness::start(plan(&config(100, ""))).await;
    h.fake.take();
    for round in 0..20 {
        let fake = h.fake.clone();
        // Master_Down_Interval is 3 × 1 s + 156/256 s = 3.61 s from the
        // last advert; this one arrives 100 ms before it runs out.
        let peer = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(3_500)).await;
            fake.deliver("eth0", SocketKind::V4, peer_advert(150, None));
        });
        // The peer task starts its timer before the clock jumps.
        tokio::task::yield_now().await;
        tokio::time::advance(Duration::from_millis(3_700)).await;
        peer.await.unwrap();
        settle().await;
        let calls = h.fake.take();
        assert!(
            adverts(&calls).is_empty() && !has_addr_change(&calls),
            "round {round}: the backup took over: {calls:#?}"
        );
    }
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn ah_adverts_are_signed_and_replayed_sequence_numbers_dropped() {
    let auth = "authentication {\n auth_type AH\n auth_pass secret\n }";
    let p = plan(&config(100, auth));
    let ka_vrrp::Auth::Ah(key) = p.engine.instances[0].auth else {
        panic!("an AH instance")
    };
    let h = Harness::start(p).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let calls = h.fake.take();
    assert!(calls.iter().any(|c| matches!(
        c,
        Call::Open { kind: SocketKind::Ah, iface, .. } if iface == "eth0"
    )));
    let seqs: Vec<u32> = adverts(&calls)
        .iter()
        .map(|p| {
            assert_eq!(p[9], 51, "IP protocol AH");
            sent_ah_seq(p, key)
        })
        .collect();
    assert!(!seqs.is_empty() && seqs.windows(2).all(|w| w[1] == w[0] + 1));
    assert_eq!(seqs[0], 1);
    // A fresh sequence number is accepted and becomes our counter.
    h.fake
        .deliver("eth0", SocketKind::Ah, peer_advert(50, Some((key, 1000))));
    tokio::time::sleep(Duration::from_secs(1)).await;
    let next = adverts(&h.fake.take())
        .iter()
        .map(|p| sent_ah_seq(p, key))
        .collect::<Vec<_>>();
    assert_eq!(next.first(), Some(&1001), "{next:?}");
    // A replay is dropped, however high its priority.
    h.fake
        .deliver("eth0", SocketKind::Ah, peer_advert(200, Some((key, 1000))));
    settle().await;
    assert!(!has_addr_change(&h.fake.take()), "replay accepted");
    assert_eq!(h.auth_failures().await, 1, "a replay counts");
    // A forged ICV is dropped and counted too.
    let mut forged = peer_advert(200, Some((key, 2000)));
    let last = forged.bytes.len() - 1;
    forged.bytes[last] ^= 1;
    h.fake.deliver("eth0", SocketKind::Ah, forged);
    settle().await;
    assert!(!has_addr_change(&h.fake.take()), "forgery accepted");
    assert_eq!(h.auth_failures().await, 2, "a bad ICV counts");
    h.fake
        .deliver("eth0", SocketKind::Ah, peer_advert(200, Some((key, 5000))));
    settle().await;
    assert!(h.fake.take().contains(&Call::DelAddr(vip_spec())));
    h.stop().await;
}

// Issue 8, item 1: an unsigned advert (IP protocol 112, no AH header)
// whose VRRP header claims auth type AH must not reach an AH instance.
#[tokio::test(start_paused = true)]
async fn an_ah_master_ignores_unsigned_adverts_claiming_auth_type_ah() {
    let auth = "authentication {\n auth_type AH\n auth_pass secret\n }";
    let h = Harness::start(plan(&config(100, auth))).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(h.fake.take().contains(&Call::AddAddr(vip_spec())), "master");
    for _ in 0..5 {
        let forged = advert_with(255, Auth::Ah, None);
        h.fake.deliver("eth0", SocketKind::V4, forged);
        settle().await;
    }
    tokio::time::sleep(Duration::from_secs(4)).await;
    let calls = h.fake.take();
    assert!(
        !has_addr_change(&calls),
        "unsigned advert accepted: {calls:#?}"
    );
    assert!(!adverts(&calls).is_empty(), "still advertising");
    // keepalived compat: the AH instance reads protocol 51 only, so the
    // packet is not counted against it.
    assert_eq!(h.auth_failures().await, 0);
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn link_down_faults_the_instance() {
    let h = Harness::start(plan(&config(255, "state MASTER"))).await;
    h.fake.take();
    h.net.send(NetEvent::LinkChanged(eth0(false))).unwrap();
    settle().await;
    let calls = h.fake.take();
    assert!(calls.contains(&Call::DelAddr(vip_spec())), "{calls:#?}");
    assert!(notified(&calls, NotifyState::Fault));
    // keepalived compat: a master leaving for FAULT resigns (priority 0),
    // then falls silent.
    let resign: Vec<u8> = adverts(&calls).iter().map(|p| p[22]).collect();
    assert!(resign.iter().all(|&p| p == 0), "{resign:?}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(adverts(&h.fake.take()).is_empty(), "silent in FAULT");
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn stop_resigns_and_removes_addresses_behind_the_barrier() {
    let h = Harness::start(plan(&config(255, "state MASTER"))).await;
    h.fake.take();
    let t0 = tokio::time::Instant::now();
    let fake = h.stop().await;
    assert!(t0.elapsed() < Duration::from_secs(1), "barrier answered");
    let calls = fake.calls();
    let resign = position(
        &calls,
        |c| matches!(c, Call::SendV4 { packet, .. } if packet[22] == 0),
    );
    let del = position(&calls, |c| *c == Call::DelAddr(vip_spec()));
    let barrier = position(&calls, |c| *c == Call::Barrier);
    let vmacs = position(&calls, |c| *c == Call::VmacTeardown);
    assert!(
        resign < del && del < barrier && barrier < vmacs,
        "{calls:#?}"
    );
    assert!(notified(&calls[..barrier], NotifyState::Stop));
}

#[tokio::test(start_paused = true)]
async fn stop_waits_five_seconds_at_most_for_a_stuck_kernel_worker() {
    let h = Harness::start(plan(&config(255, "state MASTER"))).await;
    h.fake.hold_barriers();
    let t0 = tokio::time::Instant::now();
    let fake = h.stop().await;
    let waited = t0.elapsed();
    assert!(waited >= Duration::from_secs(5), "{waited:?}");
    assert!(waited < Duration::from_secs(6), "{waited:?}");
    assert_eq!(fake.calls().last(), Some(&Call::VmacTeardown));
}

#[tokio::test(start_paused = true)]
async fn a_reload_with_the_same_plan_changes_no_address() {
    let p = plan(&config(255, "state MASTER"));
    let h = Harness::start(p.clone()).await;
    h.fake.take();
    h.control.send(Control::Reload(Box::new(p))).unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let calls = h.fake.take();
    assert_eq!(calls[..2], [Call::VmacSync, Call::NotifyConfigure]);
    assert!(!has_addr_change(&calls), "{calls:#?}");
    assert!(
        !calls.iter().any(|c| matches!(c, Call::Open { .. })),
        "sockets stay open"
    );
    assert!(!adverts(&calls).is_empty(), "still master");
    h.stop().await;
}

/// Static entries on top of [`config`]: two addresses (one on the
/// default interface), a route and a rule; `second_route` adds another.
fn statics_config(second_route: bool) -> String {
    let extra = if second_route {
        "198.51.100.0/24 via 192.0.2.1 dev eth0\n"
    } else {
        ""
    };
    format!(
        "global_defs {{\n default_interface eth0\n}}\n\
         static_ipaddress {{\n 203.0.113.1/32 dev eth0\n 203.0.113.2/32\n}}\n\
         static_routes {{\n 203.0.113.128/25 via 192.0.2.1 dev eth0\n {extra}}}\n\
         static_rules {{\n from 203.0.113.1 table 100\n}}\n{}",
        config(100, "")
    )
}

fn static_addr(last: u8) -> AddrSpec {
    AddrSpec::new(2, Ipv4Addr::new(203, 0, 113, last).into(), 32)
}

fn route_call(add: bool, spec: &str) -> Call {
    Call::Route {
        add,
        spec: spec.into(),
    }
}

#[tokio::test(start_paused = true)]
async fn static_entries_replace_leftovers_follow_reloads_and_go_at_stop() {
    let route1 = "203.0.113.128/25 via 192.0.2.1 dev eth0 protocol 18";
    let route2 = "198.51.100.0/24 via 192.0.2.1 dev eth0 protocol 18";
    let rule = "from 203.0.113.1/32 protocol 18 preference 16384 table 100";
    let h = Harness::start(plan(&statics_config(true))).await;
    let calls = h.fake.take();
    // keepalived compat: leftovers are removed (rules, routes, addresses),
    // then everything is added (addresses, routes, rules).
    let del_rule = position(&calls, |c| {
        *c == Call::Rule {
            add: false,
            spec: rule.into(),
        }
    });
    let del_addr = position(&calls, |c| *c == Call::DelAddr(static_addr(2)));
    let add_addr = position(&calls, |c| *c == Call::AddAddr(static_addr(1)));
    let add_route = position(&calls, |c| *c == route_call(true, route2));
    let add_rule = position(&calls, |c| {
        *c == Call::Rule {
            add: true,
            spec: rule.into(),
        }
    });
    assert!(del_rule < del_addr && del_addr < add_addr, "{calls:#?}");
    assert!(add_addr < add_route && add_route < add_rule, "{calls:#?}");
    // A reload that drops a route deletes that route only, and installs
    // the rest again (adding is idempotent).
    h.control
        .send(Control::Reload(Box::new(plan(&statics_config(false)))))
        .unwrap();
    settle().await;
    let calls = h.fake.take();
    assert!(calls.contains(&route_call(false, route2)), "{calls:#?}");
    assert!(!calls.contains(&route_call(false, route1)), "{calls:#?}");
    assert!(
        !calls.contains(&Call::DelAddr(static_addr(1))),
        "{calls:#?}"
    );
    assert!(calls.contains(&Call::AddAddr(static_addr(2))), "{calls:#?}");
    let calls = h.stop().await.calls();
    for gone in [
        Call::DelAddr(static_addr(1)),
        Call::DelAddr(static_addr(2)),
        route_call(false, route1),
    ] {
        assert!(calls.contains(&gone), "{gone:?} not removed: {calls:#?}");
    }
}

mod reload_fifo;
mod send_garp;

//! One test per RFC 5880 rule, on a virtual clock: the engine against a
//! scripted peer.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use ka_types::Instant;
use ka_wire::bfd::{Auth, Diag, Password, Repr, State};

use crate::{Action, Engine, EngineConfig, Event, LogLevel, SessionConfig};

const PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));
const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
const PEER_DISCR: u32 = 0x1234_5678;

fn cfg() -> SessionConfig {
    let mut c = SessionConfig::new("h1", PEER);
    c.source = Some(LOCAL);
    c
}

fn engine(c: SessionConfig) -> Engine {
    Engine::new(EngineConfig {
        sessions: vec![c],
        seed: 7,
    })
}

/// A packet from the peer.
fn peer(state: State, your: u32) -> Repr {
    Repr {
        diag: Diag::NoDiagnostic,
        state,
        poll: false,
        final_: false,
        cpi: false,
        demand: false,
        detect_mult: 3,
        my_discr: PEER_DISCR,
        your_discr: your,
        desired_min_tx: 20_000,
        required_min_rx: 30_000,
        required_min_echo_rx: 0,
        auth: None,
    }
}

fn rx(r: &Repr) -> Event {
    rx_ttl(r, Some(255))
}

fn rx_ttl(r: &Repr, ttl: Option<u8>) -> Event {
    Event::PacketReceived {
        src: SocketAddr::new(PEER, 49200),
        dst: Some(LOCAL),
        multihop: false,
        ttl,
        bytes: r.to_bytes(),
    }
}

fn sent(out: &[Action]) -> Vec<Repr> {
    out.iter()
        .filter_map(|a| match a {
            Action::Send { packet, .. } => Some(*packet),
            _ => None,
        })
        .collect()
}

fn states(out: &[Action]) -> Vec<(bool, Diag)> {
    out.iter()
        .filter_map(|a| match a {
            Action::SessionState { up, diag, .. } => Some((*up, *diag)),
            _ => None,
        })
        .collect()
}

fn logs(out: &[Action], level: LogLevel) -> Vec<String> {
    out.iter()
        .filter_map(|a| match a {
            Action::Log(l) if l.level == level => Some(l.text.clone()),
            _ => None,
        })
        .collect()
}

fn local_discr(e: &Engine) -> u32 {
    e.snapshot(Instant::ZERO).sessions[0].local_discr
}

/// Brings a session Up at t = 0 via Down → Init → Up.
fn up(c: SessionConfig) -> (Engine, Vec<Action>) {
    let mut e = engine(c);
    let mut out = Vec::new();
    e.handle(Instant::ZERO, Event::Started, &mut out);
    e.handle(Instant::ZERO, rx(&peer(State::Down, 0)), &mut out);
    let me = local_discr(&e);
    e.handle(Instant::ZERO, rx(&peer(State::Up, me)), &mut out);
    (e, out)
}

fn state(e: &Engine) -> State {
    e.snapshot(Instant::ZERO).sessions[0].local_state
}

#[test]
fn start_publishes_down_and_sends_idle_rate() {
    let mut e = engine(cfg());
    assert_eq!(e.poll_timeout(), None, "nothing before Started");
    let mut out = Vec::new();
    e.handle(Instant::ZERO, Event::Started, &mut out);
    assert_eq!(states(&out), [(false, Diag::NoDiagnostic)]);
    let p = sent(&out);
    assert_eq!(p.len(), 1);
    // RFC 5880 §6.8.3: Desired Min TX ≥ 1 s while not Up; §6.8.6: Your
    // Discriminator zero until the peer is heard.
    assert_eq!(p[0].state, State::Down);
    assert_eq!(p[0].desired_min_tx, 1_000_000);
    assert_eq!(p[0].required_min_rx, 10_000);
    assert_eq!(p[0].required_min_echo_rx, 0);
    assert_eq!(p[0].your_discr, 0);
    assert_ne!(p[0].my_discr, 0);
    assert_eq!(p[0].detect_mult, 5);
    let Some(Action::Send { dst, multihop, .. }) =
        out.iter().find(|a| matches!(a, Action::Send { .. }))
    else {
        panic!("no send");
    };
    assert_eq!((*dst, *multihop), (PEER, false));
}

#[test]
fn three_way_handshake_down_init_up() {
    let mut e = engine(cfg());
    let mut out = Vec::new();
    e.handle(Instant::ZERO, Event::Started, &mut out);
    out.clear();
    // RFC 5880 §6.8.6: Down + received Down → Init.
    e.handle(Instant::ZERO, rx(&peer(State::Down, 0)), &mut out);
    assert_eq!(state(&e), State::Init);
    assert!(states(&out).is_empty(), "Init is not published");
    out.clear();
    // Init + received Up → Up, published, logged.
    let me = local_discr(&e);
    e.handle(Instant::ZERO, rx(&peer(State::Up, me)), &mut out);
    assert_eq!(state(&e), State::Up);
    assert_eq!(states(&out), [(true, Diag::NoDiagnostic)]);
    assert_eq!(logs(&out, LogLevel::Info), ["(h1) Entering Up state"]);
    let s = &e.snapshot(Instant::ZERO).sessions[0];
    assert_eq!(s.remote_discr, PEER_DISCR);
    // RFC 5880 §6.8.3: idle ≠ Up rate, so a Poll Sequence starts.
    assert!(s.poll);
}

#[test]
fn down_and_received_init_goes_up_directly() {
    let mut e = engine(cfg());
    let mut out = Vec::new();
    e.handle(Instant::ZERO, Event::Started, &mut out);
    let me = local_discr(&e);
    e.handle(Instant::ZERO, rx(&peer(State::Init, me)), &mut out);
    assert_eq!(state(&e), State::Up);
}

#[test]
fn down_ignores_a_received_up() {
    let mut e = engine(cfg());
    let mut out = Vec::new();
    e.handle(Instant::ZERO, Event::Started, &mut out);
    let me = local_discr(&e);
    e.handle(Instant::ZERO, rx(&peer(State::Up, me)), &mut out);
    assert_eq!(state(&e), State::Down);
}

#[test]
fn intervals_and_detection_time_are_negotiated() {
    let (e, _) = up(cfg());
    let s = &e.snapshot(Instant::ZERO).sessions[0];
    // RFC 5880 §6.8.7: tx = max(our Desired Min TX 10 ms, peer's
    // Required Min RX 30 ms).
    assert_eq!(s.local_tx_intv, 30_000);
    // §6.8.4: detection = peer mult 3 × max(our min RX 10 ms, peer's
    // Desired Min TX 20 ms).
    assert_eq!(s.remote_tx_intv, 20_000);
    assert_eq!(s.local_detect_time, 60_000);
    assert_eq!(s.remote_detect_time, 5 * 30_000);
}

#[test]
fn detection_time_change_is_logged_in_keepalived_words() {
    let mut e = engine(cfg());
    let mut out = Vec::new();
    e.handle(Instant::ZERO, Event::Started, &mut out);
    out.clear();
    e.handle(Instant::ZERO, rx(&peer(State::Down, 0)), &mut out);
    assert_eq!(
        logs(&out, LogLevel::Info),
        ["     Detection time is 60000 us (was 0 us)"]
    );
}

#[test]
fn packets_carry_the_up_rate_once_up_and_the_poll_bit() {
    let (mut e, _) = up(cfg());
    let t = e.poll_timeout().unwrap();
    let mut out = Vec::new();
    e.handle_timeout(t, &mut out);
    let p = sent(&out);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].state, State::Up);
    assert_eq!(p[0].desired_min_tx, 10_000);
    assert!(p[0].poll && !p[0].final_);
    assert_eq!(p[0].your_discr, PEER_DISCR);
}

#[test]
fn final_ends_the_poll_sequence_and_applies_rates() {
    let (mut e, _) = up(cfg());
    let me = local_discr(&e);
    let mut out = Vec::new();
    // While Up, a packet with neither P nor F does not change rates.
    let mut slower = peer(State::Up, me);
    slower.required_min_rx = 50_000;
    e.handle(Instant::from_millis(1), rx(&slower), &mut out);
    assert_eq!(e.snapshot(Instant::ZERO).sessions[0].local_tx_intv, 30_000);
    // RFC 5880 §6.5: F ends the Poll; §6.8.3: the new rates apply.
    slower.final_ = true;
    e.handle(Instant::from_millis(2), rx(&slower), &mut out);
    let s = &e.snapshot(Instant::ZERO).sessions[0];
    assert!(!s.poll);
    assert_eq!(s.local_tx_intv, 50_000);
}

#[test]
fn poll_is_answered_at_once_with_final() {
    let (mut e, _) = up(cfg());
    let me = local_discr(&e);
    let mut out = Vec::new();
    let mut p = peer(State::Up, me);
    p.poll = true;
    p.desired_min_tx = 40_000;
    e.handle(Instant::from_millis(3), rx(&p), &mut out);
    let s = sent(&out);
    assert_eq!(s.len(), 1);
    // RFC 5880 §6.5: F set, P clear (keepalived compat: our own pending
    // poll is folded into the Final).
    assert!(s[0].final_ && !s[0].poll);
    let snap = &e.snapshot(Instant::ZERO).sessions[0];
    assert!(!snap.final_, "the Final is sent once");
    assert_eq!(snap.local_detect_time, 3 * 40_000);
}

#[test]
fn jitter_keeps_intervals_within_75_to_100_percent() {
    for (mult, lo, hi) in [(5u8, 75, 100), (1, 75, 90)] {
        let mut c = cfg();
        c.multiplier = mult;
        let mut e = engine(c);
        let mut out = Vec::new();
        e.handle(Instant::ZERO, Event::Started, &mut out);
        let mut last = Instant::ZERO;
        let (mut min, mut max) = (u64::MAX, 0);
        for _ in 0..400 {
            let t = e.poll_timeout().unwrap();
            let gap = (t - last).as_micros() as u64;
            min = min.min(gap);
            max = max.max(gap);
            e.handle_timeout(t, &mut out);
            last = t;
        }
        // RFC 5880 §6.8.7 on the 1 s idle rate.
        assert!(
            min >= lo * 10_000 && max <= hi * 10_000,
            "{mult}: {min}..{max}"
        );
        assert!(max - min > 100_000, "{mult}: jitter too narrow");
    }
}

#[test]
fn detection_timer_expiry_goes_down_with_diag_1() {
    let (mut e, _) = up(cfg());
    let before = local_discr(&e);
    assert_eq!(e.snapshot(Instant::ZERO).sessions[0].down_events, 0);
    let mut out = Vec::new();
    let mut t = Instant::ZERO;
    while state(&e) == State::Up {
        t = e.poll_timeout().unwrap();
        e.handle_timeout(t, &mut out);
        assert!(t <= Instant::from_millis(60), "late expiry at {t}");
    }
    // RFC 5880 §6.8.4: Down after exactly the 60 ms detection time.
    assert_eq!(t, Instant::from_millis(60));
    assert_eq!(states(&out), [(false, Diag::DetectionTimeExpired)]);
    let s = &e.snapshot(t).sessions[0];
    assert_eq!(s.local_diag, Diag::DetectionTimeExpired);
    // §6.8.1: RemoteDiscr zeroed; keepalived compat: new LocalDiscr.
    assert_eq!(s.remote_discr, 0);
    assert_ne!(s.local_discr, before);
    // Counted for the metrics (keepalived_bfd_session_down_events_total).
    assert_eq!(s.down_events, 1);
    let w = logs(&out, LogLevel::Warning);
    assert_eq!(w[0], "(h1) Expired after 60 ms (0 usec overdue)");
    assert_eq!(
        w[1],
        "(h1) Entering Down state (Local diagnostic - Control Detection Time Expired, Remote diagnostic - No Diagnostic)"
    );
    // Back to the idle rate.
    assert_eq!(s.local_tx_intv, 1_000_000);
}

#[test]
fn each_packet_restarts_the_detection_timer() {
    let (mut e, _) = up(cfg());
    let me = local_discr(&e);
    let mut out = Vec::new();
    for ms in [50u64, 100, 150, 200] {
        e.handle(Instant::from_millis(ms), rx(&peer(State::Up, me)), &mut out);
        let s = &e.snapshot(Instant::from_millis(ms)).sessions[0];
        assert_eq!(s.expires_in, Some(Duration::from_millis(60)));
    }
    assert_eq!(state(&e), State::Up);
}

#[test]
fn peer_down_brings_up_session_down_with_diag_3() {
    let (mut e, _) = up(cfg());
    let me = local_discr(&e);
    let mut out = Vec::new();
    e.handle(
        Instant::from_millis(5),
        rx(&peer(State::Down, me)),
        &mut out,
    );
    assert_eq!(state(&e), State::Down);
    assert_eq!(states(&out), [(false, Diag::NeighborSignaledDown)]);
}

#[test]
fn peer_admin_down_is_not_published_as_a_failure() {
    let (mut e, _) = up(cfg());
    let me = local_discr(&e);
    let mut out = Vec::new();
    let mut p = peer(State::AdminDown, me);
    p.diag = Diag::AdminDown;
    e.handle(Instant::from_millis(5), rx(&p), &mut out);
    // RFC 5880 §6.8.6: Down with diag 3; RFC 5882 §3.2 / keepalived:
    // VRRP and the checkers are not told.
    assert_eq!(state(&e), State::Down);
    assert!(states(&out).is_empty());
    assert_eq!(
        logs(&out, LogLevel::Warning),
        [
            "(h1) Entering Down state (Local diagnostic - Neighbor Signaled Session Down, Remote diagnostic - Administratively Down)"
        ]
    );
    let s = &e.snapshot(Instant::ZERO).sessions[0];
    assert_eq!(s.remote_state, State::AdminDown);
}

#[test]
fn reset_timer_clears_the_remote_state_after_a_detection_time() {
    let (mut e, _) = up(cfg());
    let me = local_discr(&e);
    let mut out = Vec::new();
    e.handle(
        Instant::from_millis(5),
        rx(&peer(State::Down, me)),
        &mut out,
    );
    let s = &e.snapshot(Instant::ZERO).sessions[0];
    assert_eq!(s.remote_discr, PEER_DISCR);
    let mut t = Instant::from_millis(5);
    while t < Instant::from_millis(70) {
        t = e.poll_timeout().unwrap();
        e.handle_timeout(t, &mut out);
    }
    let s = &e.snapshot(t).sessions[0];
    assert_eq!((s.remote_discr, s.remote_state), (0, State::Down));
}

#[test]
fn passive_session_waits_for_the_peer() {
    let mut c = cfg();
    c.passive = true;
    let mut e = engine(c);
    let mut out = Vec::new();
    e.handle(Instant::ZERO, Event::Started, &mut out);
    assert!(sent(&out).is_empty());
    assert_eq!(e.poll_timeout(), None);
    e.handle(Instant::ZERO, rx(&peer(State::Down, 0)), &mut out);
    assert_eq!(state(&e), State::Init);
    assert!(e.poll_timeout().is_some(), "sends once the peer is heard");
}

#[test]
fn lookup_by_discriminator_and_by_address() {
    let mut e = engine(cfg());
    let mut out = Vec::new();
    e.handle(Instant::ZERO, Event::Started, &mut out);
    out.clear();
    // Unknown Your Discriminator: dropped.
    e.handle(Instant::ZERO, rx(&peer(State::Init, 0xdead)), &mut out);
    assert_eq!(state(&e), State::Down);
    assert_eq!(
        logs(&out, LogLevel::Detail),
        [
            "Discarding packet from [192.0.2.2]:49200 (session is not found - your discriminator field is 0x0000dead)"
        ]
    );
    // Zero: by address, but not on the multihop port.
    let mut ev = rx(&peer(State::Down, 0));
    if let Event::PacketReceived { multihop, .. } = &mut ev {
        *multihop = true;
    }
    e.handle(Instant::ZERO, ev, &mut out);
    assert_eq!(state(&e), State::Down);
    // From another address: dropped.
    let other = Event::PacketReceived {
        src: SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 9)), 1),
        dst: Some(LOCAL),
        multihop: false,
        ttl: Some(255),
        bytes: peer(State::Down, 0).to_bytes(),
    };
    e.handle(Instant::ZERO, other, &mut out);
    assert_eq!(state(&e), State::Down);
    e.handle(Instant::ZERO, rx(&peer(State::Down, 0)), &mut out);
    assert_eq!(state(&e), State::Init);
}

#[test]
fn gtsm_ttl_check_with_max_hops() {
    for (max_hops, ttl, accepted) in [
        (Some(0u8), Some(255u8), true),
        (Some(0), Some(254), false),
        (Some(1), Some(254), true),
        (Some(1), Some(253), false),
        (None, Some(1), true),
        // No TTL from the kernel: keepalived skips the check.
        (Some(0), None, true),
    ] {
        let mut c = cfg();
        c.max_hops = max_hops;
        let mut e = engine(c);
        let mut out = Vec::new();
        e.handle(Instant::ZERO, Event::Started, &mut out);
        out.clear();
        e.handle(Instant::ZERO, rx_ttl(&peer(State::Down, 0), ttl), &mut out);
        assert_eq!(state(&e) == State::Init, accepted, "{max_hops:?} {ttl:?}");
        if !accepted {
            let d = logs(&out, LogLevel::Detail);
            assert!(d[0].starts_with("Packet ttl("), "{d:?}");
        }
    }
}

#[test]
fn packets_with_authentication_are_dropped() {
    let mut e = engine(cfg());
    let mut out = Vec::new();
    e.handle(Instant::ZERO, Event::Started, &mut out);
    let mut p = peer(State::Down, 0);
    p.auth = Some(Auth::SimplePassword {
        key_id: 1,
        password: Password::new(b"pw").unwrap(),
    });
    out.clear();
    e.handle(Instant::ZERO, rx(&p), &mut out);
    assert_eq!(state(&e), State::Down);
    assert!(logs(&out, LogLevel::Detail)[0].contains("auth bit is set"));
}

#[test]
fn bogus_packets_are_logged_at_detail_level() {
    let mut e = engine(cfg());
    let mut out = Vec::new();
    e.handle(Instant::ZERO, Event::Started, &mut out);
    out.clear();
    let mut b = peer(State::Down, 0).to_bytes();
    b[2] = 0;
    e.handle(
        Instant::ZERO,
        Event::PacketReceived {
            src: SocketAddr::new(PEER, 5),
            dst: None,
            multihop: false,
            ttl: None,
            bytes: b,
        },
        &mut out,
    );
    assert_eq!(
        logs(&out, LogLevel::Detail),
        [
            "Packet 'detection multiplier' field is zero",
            "Discarding bogus packet from [192.0.2.2]:5"
        ]
    );
}

#[test]
fn admin_down_is_silent_and_drops_packets() {
    let (mut e, _) = up(cfg());
    let mut out = Vec::new();
    let ev = |down| Event::AdminDown {
        session: "h1".into(),
        down,
    };
    e.handle(Instant::from_millis(1), ev(true), &mut out);
    assert_eq!(state(&e), State::AdminDown);
    assert_eq!(e.poll_timeout(), None, "nothing sent while AdminDown");
    assert!(states(&out).is_empty());
    e.handle(Instant::from_millis(2), rx(&peer(State::Down, 0)), &mut out);
    assert_eq!(state(&e), State::AdminDown);
    e.handle(Instant::from_millis(3), ev(false), &mut out);
    assert_eq!(state(&e), State::Down);
    assert!(e.poll_timeout().is_some());
}

#[test]
fn remote_demand_stops_periodic_packets_when_both_up() {
    let (mut e, _) = up(cfg());
    let me = local_discr(&e);
    let mut p = peer(State::Up, me);
    p.demand = true;
    let mut out = Vec::new();
    e.handle(Instant::from_millis(1), rx(&p), &mut out);
    let s = &e.snapshot(Instant::ZERO).sessions[0];
    assert_eq!(s.next_tx, None);
}

#[test]
fn reload_keeps_state_by_name_and_polls_on_new_rates() {
    let (mut e, _) = up(cfg());
    let me = local_discr(&e);
    let mut c = cfg();
    c.min_tx = 20_000;
    let mut fresh =
        SessionConfig::new("h2", IpAddr::V4(Ipv4Addr::new(192, 0, 2, 3)));
    fresh.passive = true;
    let mut out = Vec::new();
    // Clear the poll the handshake started.
    let mut f = peer(State::Up, me);
    f.final_ = true;
    e.handle(Instant::from_millis(1), rx(&f), &mut out);
    assert!(!e.snapshot(Instant::ZERO).sessions[0].poll);
    out.clear();
    e.handle(
        Instant::from_millis(2),
        Event::Reloaded(Box::new(EngineConfig {
            sessions: vec![c, fresh],
            seed: 0,
        })),
        &mut out,
    );
    let snap = e.snapshot(Instant::ZERO);
    assert_eq!(snap.sessions[0].local_state, State::Up);
    assert_eq!(snap.sessions[0].local_discr, me);
    assert!(snap.sessions[0].poll, "min_tx changed: poll");
    assert_eq!(snap.sessions[1].local_state, State::Down);
    assert_ne!(snap.sessions[1].local_discr, me);
    // keepalived compat: every session's state is published again.
    assert_eq!(
        states(&out),
        [(true, Diag::NoDiagnostic), (false, Diag::NoDiagnostic)]
    );
}

#[test]
fn stop_ends_all_timers() {
    let (mut e, _) = up(cfg());
    let mut out = Vec::new();
    e.handle(Instant::from_millis(1), Event::Stop, &mut out);
    assert!(out.is_empty(), "keepalived sends nothing on exit");
    assert_eq!(e.poll_timeout(), None);
}

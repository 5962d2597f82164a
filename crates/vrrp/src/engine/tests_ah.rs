//! `auth_type AH`: the engine decodes the raw IPv4 datagram with the
//! instance's key, so only packets that carry a verified AH header reach
//! an AH instance (keepalived `vrrp_check_packet`, `vrrp_in_chk_ipsecah`,
//! one raw socket per IP protocol).

use std::net::{IpAddr, Ipv4Addr};

use ka_wire::advert::{Ipv4Advert, Ipv4EmitCtx, Ipv4ParseCtx};
use ka_wire::ipv4::HeaderChecksum;
use ka_wire::vrrp::{Auth as WireAuth, Expect, Repr};

use crate::config::Auth;
use crate::event::{Event, RxPacket};
use crate::instance::State;
use crate::testutil::*;
use crate::{Action, Engine};

const KEY: [u8; 8] = *b"secret\0\0";
const MS_DOWN_100: u64 = 3_609_375;

fn v4(a: IpAddr) -> Ipv4Addr {
    match a {
        IpAddr::V4(a) => a,
        IpAddr::V6(_) => panic!("IPv4 test address"),
    }
}

fn stats(e: &Engine) -> crate::Stats {
    e.snapshot().instances[0].stats.clone()
}

/// An AH instance that has become MASTER.
fn ah_master() -> (Engine, crate::InstanceConfig) {
    let mut c = icfg(100);
    c.auth = Auth::Ah(KEY);
    let (mut e, _) = started(c.clone());
    tick(&mut e, at(MS_DOWN_100));
    assert_eq!(state(&e), State::Master);
    (e, c)
}

/// `adv` from `src` to the group as a datagram; `ah` signs it with
/// `(key, seq)`.
fn datagram(adv: &Repr, src: IpAddr, ah: Option<([u8; 8], u32)>) -> Event {
    let a = Ipv4Advert::keepalived(
        v4(src),
        v4(GROUP),
        9,
        255,
        adv.clone(),
        ah.map(|(_, seq)| seq),
    );
    let cx = Ipv4EmitCtx {
        ah_key: ah.map(|(key, _)| key),
        ..Default::default()
    };
    Event::PacketReceived {
        iface: "eth0".into(),
        packet: RxPacket::V4(a.to_bytes(&cx)),
    }
}

/// The AH sequence numbers of the adverts in `out`, each verified.
fn sent_seqs(out: &[Action]) -> Vec<u32> {
    let mut cx = Ipv4ParseCtx {
        ip_checksum: HeaderChecksum::Verify,
        ah_key: Some(KEY),
        expect: Expect::default(),
        ..Default::default()
    };
    cx.expect.auth = Some(WireAuth::Ah);
    out.iter()
        .filter_map(|a| match a {
            Action::SendAdvert { bytes, .. } => {
                let p = Ipv4Advert::parse(bytes, &cx).expect("signed advert");
                Some(p.ah.expect("AH header").seq)
            }
            _ => None,
        })
        .collect()
}

#[test]
fn ah_instance_ignores_an_unsigned_advert_claiming_auth_type_ah() {
    let (mut e, c) = ah_master();
    // Priority 255, VRRP auth type 2, but IP protocol 112 and no AH
    // header: what an attacker without the key can send.
    let forged = advert(&c, 255);
    assert_eq!(forged.auth, WireAuth::Ah);
    for t in 1..=5 {
        let out =
            feed(&mut e, at(MS_DOWN_100 + t), datagram(&forged, HIGH, None));
        assert!(out.is_empty(), "{out:?}");
    }
    assert_eq!(state(&e), State::Master);
    // keepalived compat: the AH instance's socket is protocol 51, so the
    // packet never reaches it: nothing is counted against the instance.
    let s = stats(&e);
    assert_eq!(
        (s.advert_rcvd, s.authtype_mismatch, s.auth_failure),
        (0, 0, 0)
    );
    assert_eq!(e.snapshot().vrid_errors, 5);
}

#[test]
fn ah_instance_takes_a_signed_advert_and_drops_forgeries_and_replays() {
    let (mut e, c) = ah_master();
    let low = advert(&c, 50);
    feed(
        &mut e,
        at(MS_DOWN_100 + 1),
        datagram(&low, HIGH, Some((KEY, 1000))),
    );
    assert_eq!(stats(&e).advert_rcvd, 1);
    // A replayed or older sequence number, however high the priority.
    // Both are counted; the second replay's line falls in the first's
    // log window (one line per instance and error kind per window).
    let high = advert(&c, 255);
    for (seq, logged) in [(1000, true), (999, false)] {
        let out = feed(
            &mut e,
            at(MS_DOWN_100 + 2),
            datagram(&high, HIGH, Some((KEY, seq))),
        );
        assert_eq!(
            out.iter().any(|a| matches!(a, Action::Log(l)
            if l.text.contains("IPSEC-AH : sequence number"))),
            logged,
            "{out:?}"
        );
    }
    // Signed with the wrong key.
    let wrong = Some((*b"guessed\0", 2000));
    let out = feed(&mut e, at(MS_DOWN_100 + 3), datagram(&high, HIGH, wrong));
    assert!(
        out.iter().any(|a| matches!(a, Action::Log(l)
        if l.text.contains("invalid IPSEC HMAC-MD5 value"))),
        "{out:?}"
    );
    assert_eq!(state(&e), State::Master);
    assert_eq!((stats(&e).auth_failure, stats(&e).advert_rcvd), (3, 1));
    // A fresh, correctly signed higher priority advert wins (the master
    // answered the priority-50 advert with sequence number 1001).
    feed(
        &mut e,
        at(MS_DOWN_100 + 4),
        datagram(&high, HIGH, Some((KEY, 3000))),
    );
    assert_eq!(state(&e), State::Backup);
}

#[test]
fn ah_sequence_counter_is_shared_by_sending_and_replay_checks() {
    let (mut e, c) = ah_master();
    let first = tick(&mut e, at(MS_DOWN_100 + 1_000_000));
    let mut seqs = sent_seqs(&first);
    // What the engine sent on becoming master, then one interval later.
    assert_eq!(seqs, [2]);
    // A lower priority signed advert with a higher sequence number: our
    // next advert continues from it.
    let low = advert(&c, 50);
    let out = feed(
        &mut e,
        at(MS_DOWN_100 + 1_000_001),
        datagram(&low, HIGH, Some((KEY, 500))),
    );
    seqs = sent_seqs(&out);
    assert_eq!(seqs, [501], "the master answers a lower priority advert");
}

#[test]
fn non_ah_instance_ignores_ah_packets() {
    let mut c = icfg(100);
    c.auth = Auth::Pass(KEY);
    let (mut e, _) = started(c.clone());
    let mut a = advert(&c, 255);
    a.auth = WireAuth::Ah;
    feed(&mut e, at(1), datagram(&a, HIGH, Some((KEY, 1))));
    let s = stats(&e);
    assert_eq!((s.advert_rcvd, s.authtype_mismatch), (0, 0));
    assert_eq!(e.snapshot().vrid_errors, 1);
    assert_eq!(e.poll_timeout(), Some(at(MS_DOWN_100)), "timer untouched");
}

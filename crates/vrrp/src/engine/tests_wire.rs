//! The engine's use of `ka-wire`: the bytes it sends (KEEPALIVED.md §2.9
//! worked examples), the checksum and TTL policies it chooses, and the
//! counter each `DecodeError` lands in.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ka_wire::vrrp::{
    AddrList, AdverInt, Auth, ChecksumMode, EmitCtx, Endpoints, Packet, Repr,
};

use crate::config::{InitialState, UnicastPeer, Vip};
use crate::testutil::*;
use crate::{Action, Engine, Version};

const MS_DOWN_100: u64 = 3_609_375;

fn stats(e: &Engine) -> crate::Stats {
    e.snapshot().instances[0].stats.clone()
}

/// `(dst, ttl, VRRP message)` of every advert sent (IPv4: the datagram
/// without its 20-octet header).
fn sent(out: &[Action]) -> Vec<(IpAddr, Option<u8>, Vec<u8>)> {
    out.iter()
        .filter_map(|a| match a {
            Action::SendAdvert {
                dst, ttl, bytes, ..
            } => {
                let skip = if dst.is_ipv4() { 20 } else { 0 };
                Some((*dst, *ttl, bytes[skip..].to_vec()))
            }
            _ => None,
        })
        .collect()
}

// KEEPALIVED.md §2.9: VRRPv2, VRID 51, priority 100, 192.168.200.16.
#[test]
fn master_sends_keepalived_v2_bytes() {
    let (mut e, _) = started(icfg(100));
    let out = tick(&mut e, at(MS_DOWN_100));
    #[rustfmt::skip]
    let want = vec![0x21, 0x33, 0x64, 0x01, 0x00, 0x01, 0xf2, 0x10,
                    0xc0, 0xa8, 0xc8, 0x10, 0, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(sent(&out), [(GROUP, Some(255), want)]);
    // keepalived `vrrp_build_ip4`: TOS 0xc0, length 40, ID 1, no DF,
    // TTL 255, protocol 112, then the checksum and the addresses.
    let Some(Action::SendAdvert { bytes, .. }) =
        out.iter().find(|a| matches!(a, Action::SendAdvert { .. }))
    else {
        panic!("no advert")
    };
    #[rustfmt::skip]
    let header = [0x45, 0xc0, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70];
    assert_eq!(&bytes[..10], &header);
    assert_eq!(&bytes[12..20], &[192, 168, 200, 5, 224, 0, 0, 18]);
    // The next advert carries the next ID.
    let out = tick(&mut e, at(MS_DOWN_100 + 1_000_000));
    let Some(Action::SendAdvert { bytes, .. }) =
        out.iter().find(|a| matches!(a, Action::SendAdvert { .. }))
    else {
        panic!("no second advert")
    };
    assert_eq!(&bytes[4..6], &[0, 2]);
}

// KEEPALIVED.md §2.9: VRRPv3 from 192.168.200.1 to 224.0.0.18, checksum
// 0x7874 with the pseudo-header, 0xe1ad with `v3_checksum_as_v2`.
#[test]
fn master_sends_keepalived_v3_bytes_in_both_checksum_modes() {
    let mut c = icfg(100);
    c.version = Version::V3;
    c.src_addr = Some(IpAddr::V4(Ipv4Addr::new(192, 168, 200, 1)));
    let (mut e, _) = started(c.clone());
    let out = tick(&mut e, at(MS_DOWN_100));
    #[rustfmt::skip]
    let want = vec![0x31, 0x33, 0x64, 0x01, 0x00, 0x64, 0x78, 0x74,
                    0xc0, 0xa8, 0xc8, 0x10];
    assert_eq!(sent(&out)[0].2, want);
    c.v3_checksum_as_v2 = true;
    let (mut e, _) = started(c);
    let out = tick(&mut e, at(MS_DOWN_100));
    assert_eq!(&sent(&out)[0].2[6..8], &[0xe1, 0xad]);
}

#[test]
fn unicast_ttl_none_is_255_for_ipv4_and_kernel_default_for_ipv6() {
    let mut c = icfg(255);
    c.initial_state = InitialState::Master;
    c.unicast_peers = vec![UnicastPeer::new(HIGH)];
    let (mut e, _) = started(c);
    assert_eq!(sent(&tick(&mut e, at(1)))[0].1, Some(255));
    let mut c = v6_cfg();
    c.priority = Priority::OWNER;
    c.initial_state = InitialState::Master;
    c.unicast_peers = vec![UnicastPeer::new(V6_PEER)];
    let (mut e, _) = started(c);
    assert_eq!(sent(&tick(&mut e, at(1)))[0].1, None);
}

const V6_ME: IpAddr = IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 5));
const V6_PEER: IpAddr = IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 9));
const V6_VIP: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x10);
const V6_GROUP: IpAddr =
    IpAddr::V6(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12));

fn v6_cfg() -> crate::InstanceConfig {
    let mut c = icfg(100);
    c.version = Version::V3;
    c.vips = vec![Vip::host(IpAddr::V6(V6_VIP))];
    c.src_addr = Some(V6_ME);
    c
}

/// `repr` from `src` to `dst` with checksum policy `mode`.
fn emit(repr: &Repr, endpoints: Endpoints, mode: ChecksumMode) -> Vec<u8> {
    let mut b = vec![0; repr.buffer_len()];
    let cx = EmitCtx {
        endpoints,
        checksum: mode,
    };
    repr.emit(&mut Packet::new_unchecked(&mut b[..]), &cx);
    b
}

// KEEPALIVED.md §2.8 step 10: "IPv6 checked by kernel".
#[test]
fn ipv6_checksum_is_left_to_the_kernel() {
    let c = v6_cfg();
    let (mut e, _) = started(c);
    let repr = Repr {
        version: Version::V3,
        vrid: 51,
        priority: 200,
        adver_int: AdverInt::Centis(100),
        addrs: AddrList::V6(vec![V6_VIP]),
        auth: Auth::None,
    };
    let (IpAddr::V6(src), IpAddr::V6(dst)) = (V6_PEER, V6_GROUP) else {
        unreachable!()
    };
    let ep = Endpoints::V6 { src, dst };
    // What an IPV6_CHECKSUM socket hands over: the field as sent, here 0.
    let bytes = emit(&repr, ep, ChecksumMode::KernelVerified);
    assert_eq!(&bytes[6..8], &[0, 0]);
    let ev = rx(V6_PEER, V6_GROUP, 255, bytes);
    feed(&mut e, at(1), ev);
    assert_eq!((stats(&e).advert_rcvd, stats(&e).chk_err), (1, 0));
    assert_eq!(e.poll_timeout(), Some(at(1 + MS_DOWN_100)));
}

// keepalived compat: pre-1.3.6 peers summed the v3 unicast checksum over
// the multicast group (`old_unicast_checksum` auto-detection).
#[test]
fn old_unicast_v3_checksum_is_accepted() {
    let mut c = icfg(100);
    c.version = Version::V3;
    c.unicast_peers = vec![UnicastPeer::new(HIGH)];
    let (mut e, _) = started(c.clone());
    let (IpAddr::V4(src), IpAddr::V4(dst)) = (HIGH, ME) else {
        unreachable!()
    };
    let ep = Endpoints::V4 { src, dst };
    let group = Ipv4Addr::new(224, 0, 0, 18);
    let old = emit(&advert(&c, 200), ep, ChecksumMode::OldUnicast { group });
    let ev = |bytes| rx(HIGH, ME, 64, bytes);
    feed(&mut e, at(1), ev(old.clone()));
    assert_eq!((stats(&e).advert_rcvd, stats(&e).chk_err), (1, 0));
    let mut bad = old;
    bad[7] ^= 1;
    feed(&mut e, at(2), ev(bad));
    assert_eq!((stats(&e).advert_rcvd, stats(&e).chk_err), (1, 1));
}

// keepalived compat: `old_unicast_checksum never` accepts only the RFC
// checksum, `old_unicast_checksum` only the old one.
#[test]
fn old_unicast_checksum_never_and_always_pick_one_checksum() {
    let mut c = icfg(100);
    c.version = Version::V3;
    c.unicast_peers = vec![UnicastPeer::new(HIGH)];
    let (IpAddr::V4(src), IpAddr::V4(dst)) = (HIGH, ME) else {
        unreachable!()
    };
    let ep = Endpoints::V4 { src, dst };
    let group = Ipv4Addr::new(224, 0, 0, 18);
    let old = emit(&advert(&c, 200), ep, ChecksumMode::OldUnicast { group });
    let new = emit(&advert(&c, 200), ep, ChecksumMode::Standard);
    let ev = |bytes| rx(HIGH, ME, 64, bytes);
    for (mode, ok, bad) in [
        (crate::OldUnicastChecksum::Never, &new, &old),
        (crate::OldUnicastChecksum::Always, &old, &new),
    ] {
        c.old_unicast_checksum = mode;
        let (mut e, _) = started(c.clone());
        feed(&mut e, at(1), ev(ok.clone()));
        feed(&mut e, at(2), ev(bad.clone()));
        assert_eq!(
            (stats(&e).advert_rcvd, stats(&e).chk_err),
            (1, 1),
            "{mode:?}"
        );
    }
}

#[test]
fn type_and_auth_type_errors_are_counted() {
    let c = icfg(100);
    let (mut e, _) = started(c.clone());
    let good = encode(&advert(&c, 200), HIGH, GROUP);
    let ev = |bytes| rx(HIGH, GROUP, 255, bytes);
    let mut kind = good.clone();
    kind[0] = 0x22;
    feed(&mut e, at(1), ev(kind));
    let mut auth = good;
    auth[4] = 3;
    feed(&mut e, at(2), ev(auth));
    // A message shorter than the fixed header names no VRID: dropped.
    feed(&mut e, at(3), ev(vec![0x21, 51, 200]));
    let s = stats(&e);
    assert_eq!((s.invalid_type_rcvd, s.invalid_authtype), (1, 1));
    assert_eq!((s.packet_len_err, s.advert_rcvd), (0, 0));
    assert_eq!(e.snapshot().vrid_errors, 0);
}

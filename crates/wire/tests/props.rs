//! Property tests: emit → parse → emit is the identity for random valid
//! reprs in every mode, and no parser panics on arbitrary bytes.

use std::net::{Ipv4Addr, Ipv6Addr};

use ka_wire::advert::{Ipv4Advert, Ipv4EmitCtx, Ipv4ParseCtx};
use ka_wire::ethernet::EthernetAddress;
use ka_wire::ipv4::HeaderChecksum;
use ka_wire::vrrp::{
    self, AddrList, AdverInt, Auth, ChecksumMode, EmitCtx, Endpoints, Expect,
    ParseCtx, Version,
};
use ka_wire::{ah, arp, ipv4, ipv6, ndisc};
use proptest::prelude::*;

fn v4() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>().prop_map(Ipv4Addr::from)
}

fn v6() -> impl Strategy<Value = Ipv6Addr> {
    any::<u128>().prop_map(Ipv6Addr::from)
}

fn mode() -> impl Strategy<Value = ChecksumMode> {
    prop_oneof![
        Just(ChecksumMode::Standard),
        Just(ChecksumMode::V3AsV2),
        v4().prop_map(|group| ChecksumMode::OldUnicast { group }),
        Just(ChecksumMode::KernelVerified),
    ]
}

fn auth_v2_ipv4() -> impl Strategy<Value = Auth> {
    prop_oneof![
        Just(Auth::None),
        any::<[u8; 8]>().prop_map(Auth::Pass),
        Just(Auth::Ah),
    ]
}

/// A valid repr and matching endpoints, over every version × family.
fn repr_and_endpoints() -> impl Strategy<Value = (vrrp::Repr, Endpoints)> {
    let head = (any::<u8>(), any::<u8>());
    let ipv4 = (
        head,
        prop::bool::ANY,
        any::<u8>(),
        0u16..=0x0fff,
        prop::collection::vec(v4(), 0..=20),
        auth_v2_ipv4(),
        v4(),
        v4(),
    )
        .prop_map(
            |((vrid, priority), is_v2, s, c, addrs, auth, src, dst)| {
                let (version, adver_int, auth) = if is_v2 {
                    (Version::V2, AdverInt::Secs(s), auth)
                } else {
                    (Version::V3, AdverInt::Centis(c), Auth::None)
                };
                let r = vrrp::Repr {
                    version,
                    vrid,
                    priority,
                    adver_int,
                    addrs: AddrList::V4(addrs),
                    auth,
                };
                (r, Endpoints::V4 { src, dst })
            },
        );
    let ipv6 = (
        head,
        prop::bool::ANY,
        any::<u8>(),
        0u16..=0x0fff,
        prop::collection::vec(v6(), 0..=8),
        v6(),
        v6(),
    )
        .prop_map(|((vrid, priority), is_v2, s, c, addrs, src, dst)| {
            // keepalived compat: v2 over IPv6 has no auth.
            let (version, adver_int) = if is_v2 {
                (Version::V2, AdverInt::Secs(s))
            } else {
                (Version::V3, AdverInt::Centis(c))
            };
            let r = vrrp::Repr {
                version,
                vrid,
                priority,
                adver_int,
                addrs: AddrList::V6(addrs),
                auth: Auth::None,
            };
            (r, Endpoints::V6 { src, dst })
        });
    prop_oneof![ipv4, ipv6]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn vrrp_round_trip_every_mode((r, ep) in repr_and_endpoints(), m in mode()) {
        let mut b = vec![0u8; r.buffer_len()];
        let ecx = EmitCtx { endpoints: ep, checksum: m };
        r.emit(&mut vrrp::Packet::new_unchecked(&mut b[..]), &ecx);
        let mut cx = ParseCtx::new(ep, Some(255));
        cx.checksum = m;
        cx.expect = Expect {
            version: Some(r.version),
            auth: Some(r.auth),
            adver_int: Some(r.adver_int),
            naddr: Some(r.addrs.wire_count()),
        };
        let p = vrrp::Repr::parse(&vrrp::Packet::new_checked(&b[..]).unwrap(), &cx);
        prop_assert_eq!(p.as_ref(), Ok(&r));
        let mut b2 = vec![0u8; r.buffer_len()];
        p.unwrap().emit(&mut vrrp::Packet::new_unchecked(&mut b2[..]), &ecx);
        prop_assert_eq!(b, b2);
    }

    #[test]
    fn ipv4_advert_round_trip(
        (r, ep) in repr_and_endpoints(),
        m in mode(),
        ident in any::<u16>(),
        key in any::<[u8; 8]>(),
        seq in any::<u32>(),
        unicast in prop::bool::ANY,
    ) {
        let Endpoints::V4 { src, dst } = ep else { return Ok(()) };
        let ah_seq = (r.auth == Auth::Ah).then_some(seq);
        let a = Ipv4Advert::keepalived(src, dst, ident, 255, r, ah_seq);
        let ecx = Ipv4EmitCtx { checksum: m, ah_key: Some(key), unicast };
        let mut b = vec![0u8; a.buffer_len()];
        a.emit(&mut b, &ecx);
        let mut cx = Ipv4ParseCtx { checksum: m, ah_key: Some(key), unicast, ..Default::default() };
        cx.expect.auth = Some(a.vrrp.auth);
        let got = Ipv4Advert::parse(&b, &cx);
        prop_assert!(got.is_ok(), "{:?}", got);
        let got = got.unwrap();
        prop_assert_eq!(&got.vrrp, &a.vrrp);
        let mut b2 = vec![0u8; got.buffer_len()];
        got.emit(&mut b2, &ecx);
        prop_assert_eq!(b, b2);
    }

    #[test]
    fn garp_and_na_round_trip(mac in any::<[u8; 6]>(), a4 in v4(), a6 in v6(), router in prop::bool::ANY) {
        let mac = EthernetAddress(mac);
        let f = arp::garp_frame(mac, a4);
        let (_, r) = arp::parse_frame(&f).unwrap();
        prop_assert_eq!(r, arp::Repr::gratuitous(mac, a4));
        let f = ndisc::unsolicited_na_frame(mac, a6, router);
        let (_, _, na) = ndisc::parse_frame(&f).unwrap();
        prop_assert_eq!(na, ndisc::Repr::unsolicited(mac, a6, router));
    }

    #[test]
    fn parsers_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..200),
        ep in prop_oneof![
            (v4(), v4()).prop_map(|(src, dst)| Endpoints::V4 { src, dst }),
            (v6(), v6()).prop_map(|(src, dst)| Endpoints::V6 { src, dst }),
        ],
        m in mode(),
        key in any::<[u8; 8]>(),
    ) {
        let mut cx = Ipv4ParseCtx {
            ip_checksum: HeaderChecksum::Trust,
            checksum: m,
            ah_key: Some(key),
            ..Default::default()
        };
        let _ = Ipv4Advert::parse(&bytes, &cx);
        cx.expect.auth = Some(Auth::Ah);
        let _ = Ipv4Advert::parse(&bytes, &cx);
        let mut vcx = ParseCtx::new(ep, Some(255));
        vcx.checksum = m;
        vcx.expect.auth = Some(Auth::Pass(key));
        let p = vrrp::Packet::new_unchecked(&bytes[..]);
        let _ = vrrp::Repr::parse(&p, &vcx);
        let _ = vrrp::verify_checksum(&p, &ep, m);
        let _ = ah::verify(&bytes, &key, false);
        let _ = ah::compute_icv(&bytes, &key, true);
        if let Ok(ip) = ipv4::Packet::new_checked(&bytes[..]) {
            let _ = ipv4::Repr::parse(&ip, HeaderChecksum::Verify);
            let _ = ip.payload();
        }
        let _ = ipv6::Repr::parse(&bytes);
        let _ = arp::parse_frame(&bytes);
        let _ = ndisc::parse_frame(&bytes);
        let _ = ndisc::Repr::parse(&bytes, Ipv6Addr::UNSPECIFIED, Ipv6Addr::LOCALHOST, true);
    }

    /// Flipping bits of a valid advert never panics the parser either.
    #[test]
    fn mutated_adverts_never_panic((r, ep) in repr_and_endpoints(), i in any::<prop::sample::Index>(), x in 1u8..) {
        let Endpoints::V4 { src, dst } = ep else { return Ok(()) };
        let a = Ipv4Advert::keepalived(src, dst, 1, 255, r, Some(1));
        let mut b = vec![0u8; a.buffer_len()];
        a.emit(&mut b, &Ipv4EmitCtx::default());
        let n = b.len();
        b[i.index(n)] ^= x;
        // As the wire_vrrp fuzz target: what parses re-encodes and parses
        // to the same repr.
        let cx = Ipv4ParseCtx { ip_checksum: HeaderChecksum::Trust, ..Default::default() };
        if let Ok(a) = Ipv4Advert::parse(&b, &cx) {
            let mut out = vec![0u8; a.buffer_len()];
            a.emit(&mut out, &Ipv4EmitCtx::default());
            let again = Ipv4Advert::parse(&out, &cx);
            prop_assert_eq!(again.map(|x| x.vrrp), Ok(a.vrrp));
        }
    }
}

//! Every `ip-packet-hex:` VRRP vector in /work/shared/vectors/*.txt
//! (real keepalived 2.2.7 and FRR 8.4 traffic) decodes to the values the
//! capture's tcpdump decode shows, with a valid checksum, and re-encodes
//! to identical bytes, IP header included (given the same ID and flags).
//! The BFD vectors in the same directory are checked here only at the
//! IPv4 header level (the BFD codec is not part of this crate).

use std::net::{Ipv4Addr, Ipv6Addr};

use ka_wire::advert::{Ipv4Advert, Ipv4EmitCtx, Ipv4ParseCtx};
use ka_wire::ipv4::{self, HeaderChecksum};
use ka_wire::vrrp::{
    self, AddrList, AdverInt, Auth, ChecksumMode, EmitCtx, Endpoints, Expect,
    ParseCtx, Version,
};
use ka_wire::{IPPROTO_VRRP, ipv6};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

const H1: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 11);
const H2: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 12);
const H4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 14);
const GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
const VIP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 100);

// keepalived-vrrpv2-ipv4.txt (IDs 2, 3, 4).
const V2: [&str; 3] = [
    "45c0002800020000ff701886c000020be00000122133960100018665c00002640000000000000000",
    "45c0002800030000ff701885c000020be00000122133960100018665c00002640000000000000000",
    "45c0002800040000ff701884c000020be00000122133960100018665c00002640000000000000000",
];
// keepalived-vrrpv2-ipv4-auth-pass.txt (PASS "secret12").
const V2_PASS: [&str; 3] = [
    "45c0002800020000ff701886c000020be000001221339601010117e7c00002647365637265743132",
    "45c0002800030000ff701885c000020be000001221339601010117e7c00002647365637265743132",
    "45c0002800040000ff701884c000020be000001221339601010117e7c00002647365637265743132",
];
// keepalived-vrrpv2-ipv4-unicast.txt (192.0.2.11 -> 192.0.2.12).
const V2_UNICAST: [&str; 3] = [
    "45c0002800020000ff70368cc000020bc000020c2133960100018665c00002640000000000000000",
    "45c0002800030000ff70368bc000020bc000020c2133960100018665c00002640000000000000000",
    "45c0002800040000ff70368ac000020bc000020c2133960100018665c00002640000000000000000",
];
// interop-vrrpv2-ipv4-keepalived-master-frr-backup.txt (IDs 1..4).
const V2_INTEROP: [&str; 4] = [
    "45c0002800010000ff701887c000020be00000122133960100018665c00002640000000000000000",
    "45c0002800020000ff701886c000020be00000122133960100018665c00002640000000000000000",
    "45c0002800030000ff701885c000020be00000122133960100018665c00002640000000000000000",
    "45c0002800040000ff701884c000020be00000122133960100018665c00002640000000000000000",
];
// keepalived-vrrpv3-ipv4.txt (pseudo-header checksum 0xd367).
const V3: [&str; 3] = [
    "45c0002000020000ff70188ec000020be0000012313396010064d367c0000264",
    "45c0002000030000ff70188dc000020be0000012313396010064d367c0000264",
    "45c0002000040000ff70188cc000020be0000012313396010064d367c0000264",
];
// interop-vrrpv3-ipv4-keepalived-master-frr-backup.txt (IDs 1..4).
const V3_INTEROP: [&str; 4] = [
    "45c0002000010000ff70188fc000020be0000012313396010064d367c0000264",
    "45c0002000020000ff70188ec000020be0000012313396010064d367c0000264",
    "45c0002000030000ff70188dc000020be0000012313396010064d367c0000264",
    "45c0002000040000ff70188cc000020be0000012313396010064d367c0000264",
];
// keepalived-vrrpv3-ipv4-multi-vip.txt (3 VIPs, 50 cs).
const V3_MULTI: [&str; 3] = [
    "45c0002800020000ff701886c000020be00000123133960300324ec3c0000264c0000265c0000266",
    "45c0002800030000ff701885c000020be00000123133960300324ec3c0000264c0000265c0000266",
    "45c0002800040000ff701884c000020be00000123133960300324ec3c0000264c0000265c0000266",
];
// interop-vrrpv3-ipv4-frr-master.txt (FRR: DF set, random IDs, prio 200).
const V3_FRR: [&str; 4] = [
    "45c0002072c54000ff7065c7c000020ee00000123133c8010064a164c0000264",
    "45c0002073334000ff706559c000020ee00000123133c8010064a164c0000264",
    "45c0002073fa4000ff706492c000020ee00000123133c8010064a164c0000264",
    "45c0002074224000ff70646ac000020ee00000123133c8010064a164c0000264",
];
// keepalived-vrrpv3-ipv6.txt (x3, identical) and the first packet of
// interop-vrrpv3-ipv6-frr-preempts-keepalived.txt.
const V6_KEEPALIVED: &str = "6c049de8001870fffe8000000000000094310ffffe916781ff020000000000000000000000000012313396010064014c20010db8000000000000000000000100";
// interop-vrrpv3-ipv6-frr-preempts-keepalived.txt, packets 2..4 (FRR).
const V6_FRR: &str = "6c03cf35001870fffe8000000000000086c6a668a707d28cff0200000000000000000000000000123133c801006432cc20010db8000000000000000000000100";

/// What the tcpdump decode of a vector says.
struct Want {
    version: Version,
    priority: u8,
    adver_int: AdverInt,
    addrs: Vec<Ipv4Addr>,
    auth: Auth,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    dont_frag: bool,
}

fn want(version: Version, priority: u8, adver_int: AdverInt) -> Want {
    Want {
        version,
        priority,
        adver_int,
        addrs: vec![VIP],
        auth: Auth::None,
        src: H1,
        dst: GROUP,
        dont_frag: false,
    }
}

/// Decodes with every instance check on, compares, and rebuilds.
fn check_v4(vectors: &[&str], w: &Want) {
    for (i, h) in vectors.iter().enumerate() {
        let bytes = hex(h);
        let mut cx = Ipv4ParseCtx {
            ip_checksum: HeaderChecksum::Verify,
            check_ttl: w.dst.is_multicast(),
            ..Default::default()
        };
        cx.expect = Expect {
            version: Some(w.version),
            auth: Some(w.auth),
            adver_int: Some(w.adver_int),
            naddr: Some(w.addrs.len() as u8),
        };
        let a = Ipv4Advert::parse(&bytes, &cx)
            .unwrap_or_else(|e| panic!("vector {i} ({h}): {e}"));
        assert_eq!(a.vrrp.vrid, 51);
        assert_eq!(a.vrrp.version, w.version);
        assert_eq!(a.vrrp.priority, w.priority);
        assert_eq!(a.vrrp.adver_int, w.adver_int);
        assert_eq!(a.vrrp.addrs, AddrList::V4(w.addrs.clone()));
        assert_eq!(a.vrrp.auth, w.auth);
        assert_eq!((a.ip.src, a.ip.dst), (w.src, w.dst));
        assert_eq!(
            (a.ip.tos, a.ip.ttl, a.ip.dont_frag),
            (0xc0, 255, w.dont_frag)
        );
        assert!(a.ah.is_none());
        // Checksum valid, explicitly.
        let vp = vrrp::Packet::new_checked(&bytes[20..]).unwrap();
        let ep = Endpoints::V4 {
            src: w.src,
            dst: w.dst,
        };
        assert!(vrrp::verify_checksum(&vp, &ep, ChecksumMode::Standard));
        // Re-encode: keepalived's builder for keepalived's packets, the
        // parsed header (DF, ID) for FRR's.
        let rebuilt = if w.dont_frag {
            a.clone()
        } else {
            Ipv4Advert::keepalived(
                w.src,
                w.dst,
                a.ip.ident,
                255,
                a.vrrp.clone(),
                None,
            )
        };
        let mut out = vec![0u8; rebuilt.buffer_len()];
        rebuilt.emit(&mut out, &Ipv4EmitCtx::default());
        assert_eq!(out, bytes, "vector {i} re-encodes");
    }
}

#[test]
fn keepalived_vrrpv2_ipv4() {
    check_v4(&V2, &want(Version::V2, 150, AdverInt::Secs(1)));
}

#[test]
fn keepalived_vrrpv2_ipv4_auth_pass() {
    let w = Want {
        auth: Auth::Pass(*b"secret12"),
        ..want(Version::V2, 150, AdverInt::Secs(1))
    };
    check_v4(&V2_PASS, &w);
}

#[test]
fn keepalived_vrrpv2_ipv4_unicast() {
    let w = Want {
        dst: H2,
        ..want(Version::V2, 150, AdverInt::Secs(1))
    };
    check_v4(&V2_UNICAST, &w);
}

#[test]
fn interop_vrrpv2_ipv4_keepalived_master_frr_backup() {
    check_v4(&V2_INTEROP, &want(Version::V2, 150, AdverInt::Secs(1)));
}

#[test]
fn keepalived_vrrpv3_ipv4() {
    check_v4(&V3, &want(Version::V3, 150, AdverInt::Centis(100)));
}

#[test]
fn interop_vrrpv3_ipv4_keepalived_master_frr_backup() {
    check_v4(&V3_INTEROP, &want(Version::V3, 150, AdverInt::Centis(100)));
}

#[test]
fn keepalived_vrrpv3_ipv4_multi_vip() {
    let w = Want {
        addrs: vec![
            VIP,
            Ipv4Addr::new(192, 0, 2, 101),
            Ipv4Addr::new(192, 0, 2, 102),
        ],
        ..want(Version::V3, 150, AdverInt::Centis(50))
    };
    check_v4(&V3_MULTI, &w);
}

#[test]
fn interop_vrrpv3_ipv4_frr_master() {
    let w = Want {
        src: H4,
        dont_frag: true,
        ..want(Version::V3, 200, AdverInt::Centis(100))
    };
    check_v4(&V3_FRR, &w);
}

#[test]
fn vrrpv3_ipv4_vectors_fail_with_v3_checksum_as_v2() {
    // keepalived and FRR both put the pseudo-header under IPv4 v3.
    let bytes = hex(V3[0]);
    let cx = Ipv4ParseCtx {
        checksum: ChecksumMode::V3AsV2,
        ..Default::default()
    };
    assert!(matches!(
        Ipv4Advert::parse(&bytes, &cx),
        Err(ka_wire::DecodeError::Checksum { received: 0xd367 })
    ));
}

fn check_v6(h: &str, priority: u8, src: &str) {
    let bytes = hex(h);
    let (ip, body) = ipv6::Repr::parse(&bytes).unwrap();
    assert_eq!(ip.next_header, IPPROTO_VRRP);
    assert_eq!((ip.traffic_class, ip.hop_limit), (0xc0, 255));
    assert_eq!(ip.src, src.parse::<Ipv6Addr>().unwrap());
    assert_eq!(ip.dst, "ff02::12".parse::<Ipv6Addr>().unwrap());
    let ep = Endpoints::V6 {
        src: ip.src,
        dst: ip.dst,
    };
    let mut cx = ParseCtx::new(ep, Some(ip.hop_limit));
    cx.expect.version = Some(Version::V3);
    cx.expect.naddr = Some(1);
    // Standard mode verifies the RFC 8200 pseudo-header checksum.
    let r = vrrp::Repr::parse(&vrrp::Packet::new_checked(body).unwrap(), &cx)
        .unwrap();
    assert_eq!((r.vrid, r.priority), (51, priority));
    assert_eq!(r.adver_int, AdverInt::Centis(100));
    let vip: Ipv6Addr = "2001:db8::100".parse().unwrap();
    assert_eq!(r.addrs, AddrList::V6(vec![vip]));
    assert_eq!(r.auth, Auth::None);
    let mut out = vec![0u8; 40 + r.buffer_len()];
    ip.emit(&mut out);
    let ecx = EmitCtx {
        endpoints: ep,
        checksum: ChecksumMode::Standard,
    };
    r.emit(&mut vrrp::Packet::new_unchecked(&mut out[40..]), &ecx);
    assert_eq!(out, bytes);
}

#[test]
fn keepalived_vrrpv3_ipv6() {
    check_v6(V6_KEEPALIVED, 150, "fe80::9431:fff:fe91:6781");
}

#[test]
fn interop_vrrpv3_ipv6_frr_preempts_keepalived() {
    check_v6(V6_KEEPALIVED, 150, "fe80::9431:fff:fe91:6781");
    check_v6(V6_FRR, 200, "fe80::86c6:a668:a707:d28c");
}

// bfd-frr-frr.txt and bfd-keepalived-frr.txt: IPv4 header only.
#[test]
fn bfd_vectors_ipv4_headers_round_trip() {
    const BFD: [&str; 2] = [
        "45c00034c3e94000ff1132f1c000020ec000020fc0000ec800205b5520c003189bfb92879bfb9287000186a0000186a00000c350",
        "45000034c7374000ff113067c000020bc000020ee68c0ec800209b5e20c00318bf6021cbb4022497000186a0000186a000000000",
    ];
    for h in BFD {
        let b = hex(h);
        let p = ipv4::Packet::new_checked(&b[..]).unwrap();
        let r = ipv4::Repr::parse(&p, HeaderChecksum::Verify).unwrap();
        let mut out = [0u8; 20];
        r.emit(&mut ipv4::Packet::new_unchecked(&mut out[..]));
        assert_eq!(out, b[..20]);
    }
}

/// Guards the copies above: when the shared vectors directory is beside
/// the repository, every VRRP `ip-packet-hex:` line in it must be one of
/// the strings tested here.
#[test]
fn every_shared_vector_is_covered() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vectors");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return; // not beside this checkout
    };
    let known: Vec<&str> = [
        &V2[..],
        &V2_PASS,
        &V2_UNICAST,
        &V2_INTEROP,
        &V3,
        &V3_INTEROP,
        &V3_MULTI,
        &V3_FRR,
        &[V6_KEEPALIVED, V6_FRR],
    ]
    .concat();
    let mut seen = 0;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".txt") || name.starts_with("bfd-") {
            continue;
        }
        let text = std::fs::read_to_string(e.path()).unwrap();
        for line in text.lines() {
            if let Some(h) = line.strip_prefix("ip-packet-hex: ") {
                assert!(known.contains(&h.trim()), "{name}: {h} not tested");
                seen += 1;
            }
        }
    }
    assert!(seen >= 30, "only {seen} vectors found in {}", dir.display());
}

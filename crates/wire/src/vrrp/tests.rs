//! Unit tests: KEEPALIVED.md §2.9 worked examples, one test per
//! `DecodeError` the VRRP layer returns, the length rules.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::*;

const SRC: Ipv4Addr = Ipv4Addr::new(192, 168, 200, 1);
const GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
const VIP: Ipv4Addr = Ipv4Addr::new(192, 168, 200, 16);
const EP: Endpoints = Endpoints::V4 {
    src: SRC,
    dst: GROUP,
};

fn repr(version: Version) -> Repr {
    Repr {
        version,
        vrid: 51,
        priority: 100,
        adver_int: match version {
            Version::V2 => AdverInt::Secs(1),
            Version::V3 => AdverInt::Centis(100),
        },
        addrs: AddrList::V4(vec![VIP]),
        auth: Auth::None,
    }
}

fn emit(r: &Repr, mode: ChecksumMode) -> Vec<u8> {
    let mut b = vec![0u8; r.buffer_len()];
    let cx = EmitCtx {
        endpoints: EP,
        checksum: mode,
    };
    r.emit(&mut Packet::new_unchecked(&mut b[..]), &cx);
    b
}

fn parse(b: &[u8], cx: &ParseCtx) -> Result<Repr, DecodeError> {
    Repr::parse(&Packet::new_unchecked(b), cx)
}

fn cx() -> ParseCtx {
    ParseCtx::new(EP, Some(255))
}

// KEEPALIVED.md §2.9 worked example: VRRPv2, checksum 0xf210.
#[test]
fn worked_example_v2_f210() {
    #[rustfmt::skip]
    let want = [0x21, 0x33, 0x64, 0x01, 0x00, 0x01, 0xf2, 0x10,
                0xc0, 0xa8, 0xc8, 0x10, 0, 0, 0, 0, 0, 0, 0, 0];
    let b = emit(&repr(Version::V2), ChecksumMode::Standard);
    assert_eq!(b, want);
    assert_eq!(parse(&b, &cx()), Ok(repr(Version::V2)));
}

// KEEPALIVED.md §2.9 worked example: VRRPv3/IPv4, pseudo-header, 0x7874.
#[test]
fn worked_example_v3_pseudo_header_7874() {
    #[rustfmt::skip]
    let want = [0x31, 0x33, 0x64, 0x01, 0x00, 0x64, 0x78, 0x74,
                0xc0, 0xa8, 0xc8, 0x10];
    let b = emit(&repr(Version::V3), ChecksumMode::Standard);
    assert_eq!(b, want);
    assert_eq!(parse(&b, &cx()), Ok(repr(Version::V3)));
}

// KEEPALIVED.md §2.9 worked example: v3_checksum_as_v2, 0xe1ad.
#[test]
fn worked_example_v3_checksum_as_v2_e1ad() {
    let b = emit(&repr(Version::V3), ChecksumMode::V3AsV2);
    assert_eq!(&b[6..8], &[0xe1, 0xad]);
    let as_v2 = ParseCtx {
        checksum: ChecksumMode::V3AsV2,
        ..cx()
    };
    assert_eq!(parse(&b, &as_v2), Ok(repr(Version::V3)));
    // The default mode refuses it, and vice versa.
    assert!(matches!(
        parse(&b, &cx()),
        Err(DecodeError::Checksum { .. })
    ));
}

#[test]
fn old_unicast_checksum_uses_group() {
    let peer = Ipv4Addr::new(192, 168, 200, 2);
    let uni = Endpoints::V4 {
        src: SRC,
        dst: peer,
    };
    let mode = ChecksumMode::OldUnicast { group: GROUP };
    let r = repr(Version::V3);
    let mut b = vec![0u8; r.buffer_len()];
    r.emit(
        &mut Packet::new_unchecked(&mut b[..]),
        &EmitCtx {
            endpoints: uni,
            checksum: mode,
        },
    );
    // Same bytes as the multicast advert: the group is in the pseudo-header.
    assert_eq!(b, emit(&r, ChecksumMode::Standard));
    let p = Packet::new_unchecked(&b[..]);
    assert!(!verify_checksum(&p, &uni, ChecksumMode::Standard));
    assert!(verify_checksum(&p, &uni, mode));
}

#[test]
fn ipv6_checksum_modes() {
    let src: Ipv6Addr = "fe80::9431:fff:fe91:6781".parse().unwrap();
    let dst: Ipv6Addr = "ff02::12".parse().unwrap();
    let ep = Endpoints::V6 { src, dst };
    let r = Repr {
        addrs: AddrList::V6(vec!["2001:db8::100".parse().unwrap()]),
        priority: 150,
        ..repr(Version::V3)
    };
    let mut b = vec![0u8; r.buffer_len()];
    let mut cx = EmitCtx {
        endpoints: ep,
        checksum: ChecksumMode::Standard,
    };
    r.emit(&mut Packet::new_unchecked(&mut b[..]), &cx);
    // keepalived-vrrpv3-ipv6.txt: checksum 0x014c.
    assert_eq!(&b[6..8], &[0x01, 0x4c]);
    cx.checksum = ChecksumMode::KernelVerified;
    r.emit(&mut Packet::new_unchecked(&mut b[..]), &cx);
    assert_eq!(&b[6..8], &[0, 0]);
    let pcx = ParseCtx {
        checksum: ChecksumMode::KernelVerified,
        ..ParseCtx::new(ep, Some(255))
    };
    assert_eq!(parse(&b, &pcx), Ok(r.clone()));
    let strict = ParseCtx::new(ep, Some(255));
    assert!(matches!(
        parse(&b, &strict),
        Err(DecodeError::Checksum { .. })
    ));
}

// keepalived compat: VRRPv2 forced onto IPv6 has no auth data.
#[test]
fn v2_over_ipv6_has_no_auth_field() {
    let src: Ipv6Addr = "fe80::1".parse().unwrap();
    let dst: Ipv6Addr = "ff02::12".parse().unwrap();
    let ep = Endpoints::V6 { src, dst };
    let r = Repr {
        addrs: AddrList::V6(vec!["fe80::100".parse().unwrap()]),
        ..repr(Version::V2)
    };
    assert_eq!(r.buffer_len(), 8 + 16);
    let mut b = vec![0u8; r.buffer_len()];
    let ecx = EmitCtx {
        endpoints: ep,
        checksum: ChecksumMode::Standard,
    };
    r.emit(&mut Packet::new_unchecked(&mut b[..]), &ecx);
    assert_eq!(parse(&b, &ParseCtx::new(ep, Some(255))), Ok(r));
}

#[test]
fn length_rules() {
    assert_eq!(expected_len(2, 1, AddressFamily::Ipv4), 20);
    assert_eq!(expected_len(3, 1, AddressFamily::Ipv4), 12);
    assert_eq!(expected_len(3, 2, AddressFamily::Ipv6), 40);
    assert_eq!(expected_len(2, 1, AddressFamily::Ipv6), 24);
    // 32-octet IPv4+VRRPv3 packet padded to 46: +14 ≡ 2 (mod 4).
    assert!(length_acceptable(32, 32));
    assert!(length_acceptable(32, 46));
    assert!(length_acceptable(32, 42)); // one VLAN tag stripped
    assert!(!length_acceptable(32, 44));
    assert!(!length_acceptable(32, 31));
    assert!(!length_acceptable(48, 50)); // no padding above 46
}

#[test]
fn padded_packet_parses() {
    let mut b = emit(&repr(Version::V3), ChecksumMode::Standard);
    b.extend_from_slice(&[0; 14]);
    let pcx = ParseCtx {
        outer_len: 20,
        ..cx()
    };
    assert_eq!(parse(&b, &pcx), Ok(repr(Version::V3)));
}

// ===== one test per DecodeError variant the VRRP layer returns =====

#[test]
fn err_truncated() {
    assert_eq!(
        parse(&[0x31, 0x33, 0x64], &cx()),
        Err(DecodeError::Truncated { len: 3, need: 8 })
    );
}

#[test]
fn err_length() {
    let mut b = emit(&repr(Version::V3), ChecksumMode::Standard);
    b[3] = 2; // two addresses announced, one present
    assert_eq!(
        parse(&b, &cx()),
        Err(DecodeError::Length {
            expected: 16,
            received: 12
        })
    );
}

#[test]
fn err_ttl_and_unicast_exemption() {
    let b = emit(&repr(Version::V3), ChecksumMode::Standard);
    let c = ParseCtx::new(EP, Some(254));
    assert_eq!(parse(&b, &c), Err(DecodeError::Ttl(254)));
    let uni = ParseCtx {
        check_ttl: false,
        ..c
    };
    assert!(parse(&b, &uni).is_ok());
    assert!(parse(&b, &ParseCtx::new(EP, None)).is_ok());
}

#[test]
fn err_version() {
    let b = emit(&repr(Version::V3), ChecksumMode::Standard);
    let mut c = cx();
    c.expect.version = Some(Version::V2);
    assert_eq!(parse(&b, &c), Err(DecodeError::Version(3)));
    let mut b4 = b.clone();
    b4[0] = 0x41;
    assert_eq!(parse(&b4, &cx()), Err(DecodeError::Version(4)));
}

#[test]
fn err_type() {
    let r = repr(Version::V3);
    let mut b = emit(&r, ChecksumMode::Standard);
    b[0] = 0x32;
    assert_eq!(parse(&b, &cx()), Err(DecodeError::Type(2)));
}

#[test]
fn err_auth_type() {
    let mut b = emit(&repr(Version::V2), ChecksumMode::Standard);
    b[4] = 3;
    assert_eq!(parse(&b, &cx()), Err(DecodeError::AuthType(3)));
}

#[test]
fn err_auth_type_mismatch() {
    let b = emit(&repr(Version::V2), ChecksumMode::Standard);
    let mut c = cx();
    c.expect.auth = Some(Auth::pass(b"secret12"));
    assert_eq!(
        parse(&b, &c),
        Err(DecodeError::AuthTypeMismatch {
            received: 0,
            expected: 1
        })
    );
}

#[test]
fn err_auth_failure() {
    let r = Repr {
        auth: Auth::pass(b"secret12"),
        ..repr(Version::V2)
    };
    let b = emit(&r, ChecksumMode::Standard);
    let mut c = cx();
    c.expect.auth = Some(Auth::pass(b"secret13"));
    assert_eq!(parse(&b, &c), Err(DecodeError::AuthFailure));
    c.expect.auth = Some(Auth::pass(b"secret12"));
    assert_eq!(parse(&b, &c), Ok(r));
}

#[test]
fn err_adver_int_is_a_silent_drop() {
    let b = emit(&repr(Version::V2), ChecksumMode::Standard);
    let mut c = cx();
    c.expect.adver_int = Some(AdverInt::Secs(3));
    let e = parse(&b, &c).unwrap_err();
    assert_eq!(
        e,
        DecodeError::AdverInt {
            received: AdverInt::Secs(1),
            expected: AdverInt::Secs(3)
        }
    );
    assert!(e.is_silent_drop());
    // v3: a different interval is learnt, not refused (RFC 5798 §6.4.3).
    let b3 = emit(&repr(Version::V3), ChecksumMode::Standard);
    c.expect.adver_int = Some(AdverInt::Centis(300));
    assert!(parse(&b3, &c).is_ok());
}

#[test]
fn err_addr_list() {
    let b = emit(&repr(Version::V3), ChecksumMode::Standard);
    let mut c = cx();
    c.expect.naddr = Some(2);
    assert_eq!(
        parse(&b, &c),
        Err(DecodeError::AddrList {
            received: 1,
            expected: 2
        })
    );
}

#[test]
fn err_checksum() {
    let mut b = emit(&repr(Version::V2), ChecksumMode::Standard);
    b[2] = 101; // priority changed, checksum not
    assert_eq!(
        parse(&b, &cx()),
        Err(DecodeError::Checksum { received: 0xf210 })
    );
}

#[test]
fn v3_reserved_bits_ignored_and_interval_masked() {
    let r = Repr {
        adver_int: AdverInt::Centis(0x1fff),
        ..repr(Version::V3)
    };
    let b = emit(&r, ChecksumMode::Standard);
    assert_eq!(&b[4..6], &[0x0f, 0xff]);
    let got = parse(&b, &cx()).unwrap();
    assert_eq!(got.adver_int, AdverInt::Centis(0x0fff));
    assert_eq!(AdverInt::Centis(50).as_duration().as_millis(), 500);
}

#[test]
fn display_is_lower_case() {
    let errs = [
        DecodeError::Truncated { len: 1, need: 8 },
        DecodeError::Checksum { received: 1 },
        DecodeError::AuthFailure,
        DecodeError::Ttl(1),
    ];
    for e in errs {
        let s = e.to_string();
        assert_eq!(s, s.to_lowercase(), "{s}");
    }
}

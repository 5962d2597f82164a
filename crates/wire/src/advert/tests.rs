//! Whole-packet tests: AH sign/verify, AH presence, IP-level errors.

use super::*;
use crate::vrrp::{AddrList, AdverInt, Version};

const SRC: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 11);
const GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
const KEY: [u8; 8] = *b"secret12";

fn v2(auth: Auth) -> vrrp::Repr {
    vrrp::Repr {
        version: Version::V2,
        vrid: 51,
        priority: 150,
        adver_int: AdverInt::Secs(1),
        addrs: AddrList::V4(vec![Ipv4Addr::new(192, 0, 2, 100)]),
        auth,
    }
}

fn build(a: &Ipv4Advert, cx: &Ipv4EmitCtx) -> Vec<u8> {
    let mut b = vec![0u8; a.buffer_len()];
    a.emit(&mut b, cx);
    b
}

fn ah_packet(unicast: bool) -> (Ipv4Advert, Vec<u8>) {
    let a = Ipv4Advert::keepalived(SRC, GROUP, 7, 255, v2(Auth::Ah), Some(1));
    let cx = Ipv4EmitCtx {
        ah_key: Some(KEY),
        unicast,
        ..Default::default()
    };
    let b = build(&a, &cx);
    (a, b)
}

fn ah_rx(unicast: bool) -> Ipv4ParseCtx {
    let mut cx = Ipv4ParseCtx {
        ah_key: Some(KEY),
        unicast,
        ..Default::default()
    };
    cx.expect.auth = Some(Auth::Ah);
    cx
}

#[test]
fn ah_layout_is_keepalived() {
    let (_, b) = ah_packet(false);
    assert_eq!(b.len(), 20 + 24 + 20);
    assert_eq!(b[9], IPPROTO_AH);
    assert_eq!(&b[2..4], &64u16.to_be_bytes());
    assert_eq!(&b[20..24], &[112, 4, 0, 0]);
    assert_eq!(&b[24..28], &SRC.octets()); // SPI = source address
    assert_eq!(&b[28..32], &1u32.to_be_bytes());
    assert_eq!(b[44 + 4], vrrp::AUTH_AH);
    assert_eq!(&b[44 + 12..], &[0; 8]); // auth data zero
}

#[test]
fn ah_sign_then_verify_round_trips() {
    for unicast in [false, true] {
        let (a, b) = ah_packet(unicast);
        let got = Ipv4Advert::parse(&b, &ah_rx(unicast)).unwrap();
        assert_eq!(got.vrrp, a.vrrp);
        let ah = got.ah.unwrap();
        assert_eq!((ah.spi, ah.seq), (SRC, 1));
        // Re-emitting the parsed packet gives the same bytes.
        let cx = Ipv4EmitCtx {
            ah_key: Some(KEY),
            unicast,
            ..Default::default()
        };
        assert_eq!(build(&got, &cx), b);
    }
}

#[test]
fn ah_tampering_any_byte_fails() {
    let (_, b) = ah_packet(false);
    let cx = ah_rx(false);
    // Mutable fields (TOS 1, flags/offset 6..8, checksum 10..12) are not
    // covered by the ICV (RFC 2402 §3.3.3.1.1.1); TTL is for multicast.
    let mutable = [1usize, 6, 7, 10, 11];
    for i in (0..b.len()).filter(|i| !mutable.contains(i)) {
        let mut t = b.clone();
        t[i] ^= 0x01;
        assert!(Ipv4Advert::parse(&t, &cx).is_err(), "byte {i} tampered");
        let total = usize::from(u16::from_be_bytes([t[2], t[3]]));
        if i > 20 && total == t.len() {
            assert!(ah::verify(&t, &KEY, false).is_err(), "byte {i}");
        }
    }
    let wrong = Ipv4ParseCtx {
        ah_key: Some(*b"secret13"),
        ..cx
    };
    assert_eq!(Ipv4Advert::parse(&b, &wrong), Err(DecodeError::AuthFailure));
}

#[test]
fn ah_unicast_ttl_is_mutable() {
    let (_, mut b) = ah_packet(true);
    b[8] = 64;
    let mut ipck = ipv4::Packet::new_unchecked(&mut b[..]);
    ipck.fill_checksum();
    assert!(ah::verify(&b, &KEY, true).is_ok());
    assert_eq!(ah::verify(&b, &KEY, false), Err(DecodeError::AuthFailure));
}

#[test]
fn ah_spi_must_be_source() {
    let (_, mut b) = ah_packet(false);
    b[27] ^= 1; // SPI
    // The ICV covers the SPI: re-sign to isolate the SPI check.
    assert!(ah::sign(&mut b, &KEY, false));
    assert_eq!(ah::verify(&b, &KEY, false), Err(DecodeError::AuthFailure));
}

#[test]
fn ah_next_header_is_a_silent_drop() {
    let (_, mut b) = ah_packet(false);
    b[20] = 6;
    let e = Ipv4Advert::parse(&b, &ah_rx(false)).unwrap_err();
    assert_eq!(e, DecodeError::AhNextHeader(6));
    assert!(e.is_silent_drop());
}

#[test]
fn ah_sequence_cycles() {
    assert_eq!(ah::next_seq(0), Some(1));
    assert_eq!(ah::next_seq(0xffff_fffd), Some(0xffff_fffe));
    assert_eq!(ah::next_seq(0xffff_fffe), None);
}

#[test]
fn err_auth_type_mismatch_on_ah_presence() {
    let (_, b) = ah_packet(false);
    let mut cx = Ipv4ParseCtx::default();
    cx.expect.auth = Some(Auth::None);
    assert_eq!(
        Ipv4Advert::parse(&b, &cx),
        Err(DecodeError::AuthTypeMismatch {
            received: 2,
            expected: 0
        })
    );
    let plain =
        Ipv4Advert::keepalived(SRC, GROUP, 7, 255, v2(Auth::None), None);
    let pb = build(&plain, &Ipv4EmitCtx::default());
    assert_eq!(
        Ipv4Advert::parse(&pb, &ah_rx(false)),
        Err(DecodeError::AuthTypeMismatch {
            received: 0,
            expected: 2
        })
    );
}

#[test]
fn err_protocol_and_ip_header() {
    let a = Ipv4Advert::keepalived(SRC, GROUP, 7, 255, v2(Auth::None), None);
    let b = build(&a, &Ipv4EmitCtx::default());
    let cx = Ipv4ParseCtx::default();
    let mut t = b.clone();
    t[9] = 17;
    ipv4::Packet::new_unchecked(&mut t[..]).fill_checksum();
    assert_eq!(Ipv4Advert::parse(&t, &cx), Err(DecodeError::Protocol(17)));
    let mut t = b.clone();
    t[10] ^= 0xff;
    assert_eq!(Ipv4Advert::parse(&t, &cx), Err(DecodeError::IpHeader));
    let trust = Ipv4ParseCtx {
        ip_checksum: HeaderChecksum::Trust,
        ..cx
    };
    assert!(Ipv4Advert::parse(&t, &trust).is_ok());
    assert!(matches!(
        Ipv4Advert::parse(&b[..19], &cx),
        Err(DecodeError::Truncated { .. })
    ));
}

#[test]
fn err_ip_total_length() {
    let a = Ipv4Advert::keepalived(SRC, GROUP, 7, 255, v2(Auth::None), None);
    let mut b = build(&a, &Ipv4EmitCtx::default());
    b.extend_from_slice(&[0; 8]); // 8 extra octets: not Ethernet padding
    assert_eq!(
        Ipv4Advert::parse(&b, &Ipv4ParseCtx::default()),
        Err(DecodeError::Length {
            expected: 40,
            received: 48
        })
    );
}

#[test]
fn ttl_is_checked_from_the_ip_header() {
    let a = Ipv4Advert::keepalived(SRC, GROUP, 7, 64, v2(Auth::None), None);
    let b = build(&a, &Ipv4EmitCtx::default());
    let cx = Ipv4ParseCtx::default();
    assert_eq!(Ipv4Advert::parse(&b, &cx), Err(DecodeError::Ttl(64)));
    let uni = Ipv4ParseCtx {
        check_ttl: false,
        ..cx
    };
    assert!(Ipv4Advert::parse(&b, &uni).is_ok());
}

#[test]
fn peek_reads_addresses_protocol_and_vrid_behind_ah() {
    let (_, b) = ah_packet(false);
    let p = peek(&b).unwrap();
    assert_eq!(
        (p.src, p.dst, p.ttl, p.ah, p.vrid),
        (SRC, GROUP, 255, true, 51)
    );
    let plain = Ipv4Advert::keepalived(SRC, GROUP, 7, 64, v2(Auth::None), None);
    let b = build(&plain, &Ipv4EmitCtx::default());
    let p = peek(&b).unwrap();
    assert_eq!((p.ttl, p.ah, p.vrid), (64, false, 51));
    // keepalived `vrrp_get_header`: the whole fixed VRRP header, or no
    // instance is looked for.
    let mut short = b[..20 + 7].to_vec();
    short[3] = 27;
    assert!(matches!(peek(&short), Err(DecodeError::Truncated { .. })));
    let mut udp = b.clone();
    udp[9] = 17;
    assert_eq!(peek(&udp), Err(DecodeError::Protocol(17)));
}

#[test]
fn an_ah_instance_without_a_key_accepts_no_ah_packet() {
    let (_, b) = ah_packet(false);
    let mut cx = ah_rx(false);
    cx.ah_key = None;
    assert_eq!(Ipv4Advert::parse(&b, &cx), Err(DecodeError::AuthFailure));
}

#[test]
fn an_unsigned_packet_claiming_auth_type_ah_is_an_auth_type_mismatch() {
    // IP protocol 112, VRRP auth type 2, no AH header.
    let a = Ipv4Advert::keepalived(SRC, GROUP, 7, 255, v2(Auth::Ah), None);
    let b = build(&a, &Ipv4EmitCtx::default());
    assert_eq!(b[9], IPPROTO_VRRP);
    assert_eq!(
        Ipv4Advert::parse(&b, &ah_rx(false)),
        Err(DecodeError::AuthTypeMismatch {
            received: vrrp::AUTH_AH,
            expected: vrrp::AUTH_AH
        })
    );
}

//! Unit tests: field layout, each receive check, the authentication
//! section.

use super::*;

/// keepalived's packet from bfd-keepalived-frr.pcap (Up, 100 ms × 3).
const KEEPALIVED_UP: [u8; 24] = [
    0x20, 0xc0, 0x03, 0x18, 0xbf, 0x60, 0x21, 0xcb, 0xb4, 0x02, 0x24, 0x97,
    0x00, 0x01, 0x86, 0xa0, 0x00, 0x01, 0x86, 0xa0, 0x00, 0x00, 0x00, 0x00,
];

fn base() -> Repr {
    Repr::parse_bytes(&KEEPALIVED_UP).unwrap()
}

fn with(f: impl FnOnce(&mut [u8])) -> Result<Repr, BfdError> {
    let mut b = KEEPALIVED_UP.to_vec();
    f(&mut b);
    Repr::parse_bytes(&b)
}

#[test]
fn fields_of_a_keepalived_packet() {
    let r = base();
    assert_eq!(r.state, State::Up);
    assert_eq!(r.diag, Diag::NoDiagnostic);
    assert_eq!(r.detect_mult, 3);
    assert_eq!(r.my_discr, 0xbf60_21cb);
    assert_eq!(r.your_discr, 0xb402_2497);
    assert_eq!(r.desired_min_tx, 100_000);
    assert_eq!(r.required_min_rx, 100_000);
    assert_eq!(r.required_min_echo_rx, 0);
    assert!(!r.poll && !r.final_ && !r.cpi && !r.demand);
    assert_eq!(r.auth, None);
    assert_eq!(r.to_bytes(), KEEPALIVED_UP);
}

#[test]
fn flags_sit_on_their_bits() {
    for (bit, set) in [
        (0x20u8, (|r: &mut Repr| r.poll = true) as fn(&mut Repr)),
        (0x10, |r| r.final_ = true),
        (0x08, |r| r.cpi = true),
        (0x02, |r| r.demand = true),
    ] {
        let mut r = base();
        set(&mut r);
        let b = r.to_bytes();
        assert_eq!(b[1], 0xc0 | bit);
        assert_eq!(Repr::parse_bytes(&b), Ok(r));
    }
}

#[test]
fn keepalived_checks_in_order() {
    assert_eq!(
        Repr::parse_bytes(&KEEPALIVED_UP[..23]),
        Err(BfdError::TooSmall(23))
    );
    let mut long = KEEPALIVED_UP.to_vec();
    long.push(0);
    assert_eq!(
        Repr::parse_bytes(&long),
        Err(BfdError::LengthMismatch { field: 24, len: 25 })
    );
    assert_eq!(with(|b| b[0] = 0x40), Err(BfdError::Version(2)));
    assert_eq!(with(|b| b[2] = 0), Err(BfdError::DetectMultZero));
    assert_eq!(with(|b| b[1] |= 0x01), Err(BfdError::Multipoint));
    assert_eq!(with(|b| b[4..8].fill(0)), Err(BfdError::MyDiscrZero));
    assert_eq!(with(|b| b[8..12].fill(0)), Err(BfdError::YourDiscrZero));
    assert_eq!(with(|b| b[1] |= 0x30), Err(BfdError::PollAndFinal));
    assert_eq!(with(|b| b[0] = 0x29), Err(BfdError::Diag(9)));
    // Version is checked before the multiplier, as in keepalived.
    assert_eq!(
        with(|b| {
            b[0] = 0x00;
            b[2] = 0;
        }),
        Err(BfdError::Version(0))
    );
}

#[test]
fn your_discriminator_may_be_zero_when_down_or_admin_down() {
    for sta in [0x00u8, 0x40] {
        let r = with(|b| {
            b[1] = sta;
            b[8..12].fill(0);
        })
        .unwrap();
        assert_eq!(r.your_discr, 0);
    }
    assert_eq!(
        with(|b| {
            b[1] = 0x80;
            b[8..12].fill(0);
        }),
        Err(BfdError::YourDiscrZero)
    );
}

#[test]
fn every_diagnostic_has_keepalived_text() {
    for v in 0..=8u8 {
        let d = Diag::from_u8(v).unwrap();
        assert_eq!(d.as_u8(), v);
        assert!(!d.as_str().is_empty());
    }
    assert_eq!(Diag::from_u8(9), None);
    assert_eq!(
        Diag::NeighborSignaledDown.to_string(),
        "Neighbor Signaled Session Down"
    );
    assert_eq!(State::AdminDown.to_string(), "AdminDown");
}

fn with_auth(section: &[u8]) -> Vec<u8> {
    let mut b = KEEPALIVED_UP.to_vec();
    b[1] |= 0x04;
    b.extend_from_slice(section);
    b[3] = u8::try_from(b.len()).unwrap();
    b
}

#[test]
fn simple_password_section() {
    let b = with_auth(&[1, 9, 7, b's', b'e', b'c', b'r', b'e', b't']);
    let r = Repr::parse_bytes(&b).unwrap();
    let Some(Auth::SimplePassword { key_id, password }) = r.auth else {
        panic!("{:?}", r.auth);
    };
    assert_eq!(key_id, 7);
    assert_eq!(password.as_bytes(), b"secret");
    assert_eq!(r.auth.unwrap().auth_type(), AuthType::SimplePassword);
    assert_eq!(r.to_bytes(), b);
}

#[test]
fn keyed_sections() {
    for (t, n, kind) in [
        (2u8, 16usize, AuthType::KeyedMd5),
        (3, 16, AuthType::MeticulousKeyedMd5),
        (4, 20, AuthType::KeyedSha1),
        (5, 20, AuthType::MeticulousKeyedSha1),
    ] {
        let mut s = vec![t, u8::try_from(8 + n).unwrap(), 3, 0, 0, 0, 1, 2];
        s.extend((0..n).map(|i| u8::try_from(i).unwrap()));
        let b = with_auth(&s);
        let r = Repr::parse_bytes(&b).unwrap();
        let a = r.auth.unwrap();
        assert_eq!(a.auth_type(), kind);
        assert_eq!(a.len(), 8 + n);
        let Auth::Keyed { key_id, seq, .. } = a else {
            panic!("{a:?}");
        };
        assert_eq!((key_id, seq), (3, 0x0102));
        assert_eq!(r.to_bytes(), b);
    }
}

#[test]
fn malformed_auth_sections() {
    // A bit with no section.
    assert_eq!(with(|b| b[1] |= 0x04), Err(BfdError::AuthTruncated));
    // Unknown type.
    assert_eq!(
        Repr::parse_bytes(&with_auth(&[9, 3, 0])),
        Err(BfdError::AuthType(9))
    );
    // Auth Len disagreeing with the packet.
    assert_eq!(
        Repr::parse_bytes(&with_auth(&[1, 5, 0, b'a'])),
        Err(BfdError::AuthLen {
            auth_type: 1,
            len: 5
        })
    );
    // Empty password.
    assert_eq!(
        Repr::parse_bytes(&with_auth(&[1, 3, 0])),
        Err(BfdError::AuthLen {
            auth_type: 1,
            len: 3
        })
    );
    // MD5 section of SHA1 length.
    let mut s = vec![2u8, 28, 0, 0, 0, 0, 0, 0];
    s.extend([0u8; 20]);
    assert_eq!(
        Repr::parse_bytes(&with_auth(&s)),
        Err(BfdError::AuthLen {
            auth_type: 2,
            len: 28
        })
    );
}

#[test]
fn errors_read_as_keepalived_logs_them() {
    assert_eq!(
        BfdError::LengthMismatch { field: 24, len: 30 }.to_string(),
        "Packet size mismatch: length field: 24 bytes, buffer size: 30 bytes"
    );
    assert_eq!(
        BfdError::TooSmall(3).to_string(),
        "Packet is too small: 3 bytes"
    );
}

#[test]
fn view_setters_round_trip() {
    let mut buf = [0u8; 24];
    let mut p = Packet::new_unchecked(&mut buf[..]);
    p.set_version_diag(1, 7);
    p.set_state_flags(State::Init, 0x3f);
    p.set_detect_mult(5);
    p.set_length(24);
    p.set_my_discr(1);
    p.set_your_discr(2);
    p.set_desired_min_tx(3);
    p.set_required_min_rx(4);
    p.set_required_min_echo_rx(5);
    let p = Packet::new_checked(&buf[..]).unwrap();
    assert_eq!((p.version(), p.diag(), p.state()), (1, 7, State::Init));
    assert!(p.poll() && p.final_() && p.cpi() && p.auth_present());
    assert!(p.demand() && p.multipoint());
    assert_eq!((p.my_discr(), p.your_discr()), (1, 2));
    assert_eq!(p.desired_min_tx(), 3);
    assert_eq!(p.required_min_rx(), 4);
    assert_eq!(p.required_min_echo_rx(), 5);
    assert_eq!(p.auth_header(), None);
}

use super::*;

const VIP: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100);
const MAC: EthernetAddress =
    EthernetAddress([0x96, 0x31, 0x0f, 0x91, 0x67, 0x81]);

/// The frame keepalived builds for 2001:db8::100 from 96:31:0f:91:67:81,
/// assembled by hand from vrrp_ndisc.c; checksum 0xebe9 (0x6be9 with R)
/// computed independently (Python, RFC 8200 §8.1 pseudo-header).
#[rustfmt::skip]
fn expected(router: bool) -> Vec<u8> {
    let mut f = vec![
        0x33, 0x33, 0, 0, 0, 1, 0x96, 0x31, 0x0f, 0x91, 0x67, 0x81, 0x86, 0xdd,
        0x60, 0, 0, 0, 0, 32, 58, 255,
    ];
    f.extend_from_slice(&VIP.octets());
    f.extend_from_slice(&ALL_NODES.octets());
    let (flags, ck) = if router { (0xa0, [0x6b, 0xe9]) } else { (0x20, [0xeb, 0xe9]) };
    f.extend_from_slice(&[136, 0, ck[0], ck[1], flags, 0, 0, 0]);
    f.extend_from_slice(&VIP.octets());
    f.extend_from_slice(&[2, 1, 0x96, 0x31, 0x0f, 0x91, 0x67, 0x81]);
    f
}

#[test]
fn unsolicited_na_matches_keepalived_bytes() {
    for router in [false, true] {
        let f = unsolicited_na_frame(MAC, VIP, router);
        assert_eq!(f.to_vec(), expected(router), "router={router}");
        let (eth, ip, na) = parse_frame(&f).unwrap();
        assert_eq!(eth.src, MAC);
        assert_eq!((ip.src, ip.dst, ip.hop_limit), (VIP, ALL_NODES, 255));
        assert_eq!(na, Repr::unsolicited(MAC, VIP, router));
    }
}

#[test]
fn icmpv6_body_alone_round_trips() {
    let na = Repr::unsolicited(MAC, VIP, false);
    let mut b = [0u8; KEEPALIVED_NA_LEN];
    na.emit(&mut b, VIP, ALL_NODES);
    assert_eq!(Repr::parse(&b, VIP, ALL_NODES, true), Ok(na));
    let no_opt = Repr {
        target_lladdr: None,
        ..na
    };
    let mut b2 = [0u8; NA_LEN];
    no_opt.emit(&mut b2, VIP, ALL_NODES);
    assert_eq!(Repr::parse(&b2, VIP, ALL_NODES, true), Ok(no_opt));
}

#[test]
fn frame_errors_are_typed() {
    let f = unsolicited_na_frame(MAC, VIP, false);
    let mut bad = f;
    bad[21] = 64; // hop limit
    assert_eq!(parse_frame(&bad), Err(FrameError::HopLimit(64)));
    let mut bad = f;
    bad[60] ^= 0xff; // target address byte
    assert_eq!(parse_frame(&bad), Err(FrameError::Checksum));
    let mut bad = f;
    bad[54] = 135; // NS
    assert_eq!(parse_frame(&bad), Err(FrameError::IcmpType(135, 0)));
    let mut bad = f;
    bad[79] = 0; // option length 0
    assert!(matches!(
        Repr::parse(&bad[54..], VIP, ALL_NODES, false),
        Err(FrameError::BadOption)
    ));
    let mut bad = f;
    bad[20] = 17;
    assert_eq!(parse_frame(&bad), Err(FrameError::Ipv6Header));
    assert!(matches!(
        parse_frame(&f[..50]),
        Err(FrameError::Truncated { .. })
    ));
}

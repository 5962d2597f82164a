use std::net::{Ipv4Addr, Ipv6Addr};

use netlink_packet_core::{DefaultNla, Emitable, Nla, NlaBuffer, Parseable};

use super::*;

/// Emits `attr`, checks the bytes are `want` (header, value, padding)
/// and that they parse back to `attr`.
fn round_trip<A>(attr: A, want: &[u8])
where
    A: Nla
        + std::fmt::Debug
        + PartialEq
        + for<'a> Parseable<NlaBuffer<&'a [u8]>>,
{
    let mut buf = vec![0xaa; attr.buffer_len()];
    attr.emit(&mut buf);
    assert_eq!(buf, want, "{attr:?}");
    let back = A::parse(&NlaBuffer::new_checked(&buf[..]).expect("valid nla"))
        .expect("parses");
    assert_eq!(back, attr);
}

/// An attribute: length, kind, value, zero padding to 4 bytes.
fn nla(kind: u16, value: &[u8]) -> Vec<u8> {
    let len = u16::try_from(4 + value.len()).expect("small");
    let mut v = [len.to_ne_bytes(), kind.to_ne_bytes()].concat();
    v.extend_from_slice(value);
    v.resize(v.len().next_multiple_of(4), 0);
    v
}

fn v4(a: [u8; 4]) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[..4].copy_from_slice(&a);
    b
}

#[test]
fn every_service_attribute_round_trips_byte_for_byte() {
    let ne16 = |v: u16| v.to_ne_bytes();
    let ne32 = |v: u32| v.to_ne_bytes();
    round_trip(SvcAttr::Af(AF_INET6), &nla(1, &ne16(10)));
    round_trip(SvcAttr::Protocol(132), &nla(2, &ne16(132)));
    let a = InetAddr(v4([198, 51, 100, 10]));
    round_trip(SvcAttr::Addr(a), &nla(3, &a.0));
    // The port travels in network order.
    round_trip(SvcAttr::Port(8080), &nla(4, &[0x1f, 0x90]));
    round_trip(SvcAttr::Fwmark(0x0102_0304), &nla(5, &ne32(0x0102_0304)));
    round_trip(SvcAttr::SchedName("wlc".into()), &nla(6, b"wlc\0"));
    let flags = [ne32(0x19), ne32(u32::MAX)].concat();
    round_trip(
        SvcAttr::Flags {
            flags: 0x19,
            mask: u32::MAX,
        },
        &nla(7, &flags),
    );
    round_trip(SvcAttr::Timeout(360), &nla(8, &ne32(360)));
    round_trip(SvcAttr::Netmask(0x00ff_ffff), &nla(9, &ne32(0x00ff_ffff)));
    round_trip(SvcAttr::PeName("sip".into()), &nla(11, b"sip\0"));
    // Statistics (and anything newer) are kept as they came.
    let stats = DefaultNla::new(
        10 | netlink_packet_core::NLA_F_NESTED,
        nla(1, &ne32(5)),
    );
    let mut want = nla(10, &nla(1, &ne32(5)));
    want[2..4].copy_from_slice(
        &(10 | netlink_packet_core::NLA_F_NESTED).to_ne_bytes(),
    );
    round_trip(SvcAttr::Other(stats), &want);
}

#[test]
fn every_destination_attribute_round_trips_byte_for_byte() {
    let ne16 = |v: u16| v.to_ne_bytes();
    let ne32 = |v: u32| v.to_ne_bytes();
    let a = InetAddr(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 5).octets());
    round_trip(DestAttr::Addr(a), &nla(1, &a.0));
    round_trip(DestAttr::Port(443), &nla(2, &[1, 0xbb]));
    round_trip(DestAttr::FwdMethod(3), &nla(3, &ne32(3)));
    round_trip(DestAttr::Weight(7), &nla(4, &ne32(7)));
    round_trip(DestAttr::UThresh(100), &nla(5, &ne32(100)));
    round_trip(DestAttr::LThresh(50), &nla(6, &ne32(50)));
    round_trip(DestAttr::ActiveConns(1), &nla(7, &ne32(1)));
    round_trip(DestAttr::InactConns(2), &nla(8, &ne32(2)));
    round_trip(DestAttr::PersistConns(3), &nla(9, &ne32(3)));
    round_trip(DestAttr::AddrFamily(AF_INET), &nla(11, &ne16(2)));
    round_trip(DestAttr::TunType(1), &nla(13, &[1]));
    // The GUE port is a __be16 too.
    round_trip(DestAttr::TunPort(6080), &nla(14, &[0x17, 0xc0]));
    round_trip(DestAttr::TunFlags(2), &nla(15, &ne16(2)));
    round_trip(
        DestAttr::Other(DefaultNla::new(16, vec![1, 2, 3])),
        &nla(16, &[1, 2, 3]),
    );
}

#[test]
fn every_daemon_attribute_round_trips_byte_for_byte() {
    let ne16 = |v: u16| v.to_ne_bytes();
    let ne32 = |v: u32| v.to_ne_bytes();
    round_trip(DaemonAttr::State(2), &nla(1, &ne32(2)));
    round_trip(DaemonAttr::McastIfn("eth0".into()), &nla(2, b"eth0\0"));
    round_trip(DaemonAttr::SyncId(7), &nla(3, &ne32(7)));
    round_trip(DaemonAttr::SyncMaxlen(1400), &nla(4, &ne16(1400)));
    // in_addr: network order.
    round_trip(
        DaemonAttr::McastGroup(Ipv4Addr::new(224, 0, 0, 81)),
        &nla(5, &[224, 0, 0, 81]),
    );
    let g6 = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x81);
    round_trip(DaemonAttr::McastGroup6(g6), &nla(6, &g6.octets()));
    // The kernel reads the port with nla_get_u16: host order.
    round_trip(DaemonAttr::McastPort(8848), &nla(7, &ne16(8848)));
    round_trip(DaemonAttr::McastTtl(3), &nla(8, &[3]));
    round_trip(
        DaemonAttr::Other(DefaultNla::new(9, vec![0; 4])),
        &nla(9, &[0; 4]),
    );
}

#[test]
fn every_command_attribute_round_trips_byte_for_byte() {
    let ne32 = |v: u32| v.to_ne_bytes();
    // Nested attributes carry NLA_F_NESTED, as libnl puts them.
    let nested = |kind: u16, inner: &[u8]| {
        nla(kind | netlink_packet_core::NLA_F_NESTED, inner)
    };
    let svc = vec![SvcAttr::Af(AF_INET), SvcAttr::Fwmark(5)];
    let inner = [nla(1, &2u16.to_ne_bytes()), nla(5, &ne32(5))].concat();
    round_trip(CmdAttr::Service(svc), &nested(1, &inner));
    let dest = vec![DestAttr::Weight(1)];
    round_trip(CmdAttr::Dest(dest), &nested(2, &nla(4, &ne32(1))));
    let daemon = vec![DaemonAttr::State(1), DaemonAttr::McastIfn("lo".into())];
    let inner = [nla(1, &ne32(1)), nla(2, b"lo\0")].concat();
    round_trip(CmdAttr::Daemon(daemon), &nested(3, &inner));
    round_trip(CmdAttr::TimeoutTcp(900), &nla(4, &ne32(900)));
    round_trip(CmdAttr::TimeoutTcpFin(120), &nla(5, &ne32(120)));
    round_trip(CmdAttr::TimeoutUdp(300), &nla(6, &ne32(300)));
    round_trip(CmdAttr::Other(DefaultNla::new(7, vec![9])), &nla(7, &[9]));
}

#[test]
fn nested_attributes_parse_with_or_without_the_nested_flag() {
    let mut bytes = nla(1, &nla(5, &5u32.to_ne_bytes()));
    bytes[2..4].copy_from_slice(
        &(1 | netlink_packet_core::NLA_F_NESTED).to_ne_bytes(),
    );
    let parsed =
        CmdAttr::parse(&NlaBuffer::new_checked(&bytes[..]).expect("nla"))
            .expect("parses");
    assert_eq!(parsed, CmdAttr::Service(vec![SvcAttr::Fwmark(5)]));
}

#[test]
fn malformed_values_are_errors_not_panics() {
    let bad = [
        nla(4, &[0, 80, 0]),      // SVC port: 3 bytes
        nla(3, &[1, 2, 3, 4, 5]), // SVC address: 5 bytes
        nla(7, &[0; 4]),          // SVC flags: half a struct
        nla(6, &[0xff, 0xfe]),    // scheduler: not UTF-8
    ];
    for b in &bad {
        let buf = NlaBuffer::new_checked(&b[..]).expect("well-formed header");
        assert!(SvcAttr::parse(&buf).is_err(), "{b:?}");
    }
    let b = nla(13, &[1, 2]);
    assert!(
        DestAttr::parse(&NlaBuffer::new_checked(&b[..]).expect("nla")).is_err()
    );
    let b = nla(5, &[224, 0, 0]);
    assert!(
        DaemonAttr::parse(&NlaBuffer::new_checked(&b[..]).expect("nla"))
            .is_err()
    );
    // A nested area whose inner length runs past its end.
    let b = nla(1, &[40, 0, 1, 0, 0, 0, 0, 0]);
    assert!(
        CmdAttr::parse(&NlaBuffer::new_checked(&b[..]).expect("nla")).is_err()
    );
}

#[test]
fn four_byte_addresses_parse_as_keepalived_sends_them_in_get_dest() {
    let b = nla(3, &[192, 0, 2, 1]);
    let parsed = SvcAttr::parse(&NlaBuffer::new_checked(&b[..]).expect("nla"))
        .expect("parses");
    assert_eq!(parsed, SvcAttr::Addr(InetAddr(v4([192, 0, 2, 1]))));
    assert_eq!(
        InetAddr(v4([192, 0, 2, 1])).to_ip(AF_INET),
        Some(Ipv4Addr::new(192, 0, 2, 1).into())
    );
    assert_eq!(InetAddr::default().to_ip(7), None);
}

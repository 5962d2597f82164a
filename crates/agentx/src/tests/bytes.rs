use crate::{
    CloseReason, Message, Oid, Pdu, ResponseError, SearchRange, Value, VarBind,
    flags,
};

/// Parses "01 02 0a ..." into bytes.
fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).expect("hex"))
        .collect()
}

fn oid(s: &str) -> Oid {
    s.parse().expect("oid")
}

fn msg(session: u32, packet: u32, pdu: Pdu) -> Message {
    Message {
        session_id: session,
        transaction_id: 0,
        packet_id: packet,
        flags: 0,
        context: None,
        pdu,
    }
}

/// What net-snmp 5.9.3 sent for keepalived (little-endian, no
/// NETWORK_BYTE_ORDER flag): Open, timeout 1, id 1.3.6.1.4.1.8072.3.2.10
/// (compressed as prefix 4), "Net-SNMP AgentX sub-agent" padded by 3.
#[test]
fn open_from_net_snmp_little_endian() {
    let b = hex(
        "01 01 00 00 00 00 00 00 00 00 00 00 84 ff 9e 15 3c 00 00 00 \
         01 00 00 00 05 04 00 00 01 00 00 00 88 1f 00 00 03 00 00 00 \
         02 00 00 00 0a 00 00 00 19 00 00 00 \
         4e 65 74 2d 53 4e 4d 50 20 41 67 65 6e 74 58 20 73 75 62 2d \
         61 67 65 6e 74 00 00 00",
    );
    let m = Message::decode(&b).expect("decode");
    assert_eq!(
        m,
        msg(
            0,
            0x159e_ff84,
            Pdu::Open {
                timeout: 1,
                id: oid("1.3.6.1.4.1.8072.3.2.10"),
                descr: b"Net-SNMP AgentX sub-agent".to_vec(),
            }
        )
    );
}

/// Our Open, in network byte order: flags 0x10, big-endian integers.
#[test]
fn open_encodes_big_endian() {
    let m = msg(
        0,
        1,
        Pdu::Open {
            timeout: 1,
            id: oid("1.3.6.1.4.1.8072.3.2.10"),
            descr: b"ab".to_vec(),
        },
    );
    let want = hex(
        "01 01 10 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00 24 \
         01 00 00 00 05 04 00 00 00 00 00 01 00 00 1f 88 00 00 00 03 \
         00 00 00 02 00 00 00 0a 00 00 00 02 61 62 00 00",
    );
    assert_eq!(m.encode(), want);
    assert_eq!(Message::decode(&want).expect("decode"), m);
}

/// The master's Get for routerId.0 (net-snmp sets NON_DEFAULT_CONTEXT
/// with an empty context), little-endian.
#[test]
fn get_from_master_with_empty_context() {
    let b = hex(
        "01 05 08 00 08 00 00 00 74 03 00 00 75 03 00 00 28 00 00 00 \
         00 00 00 00 \
         07 04 00 00 01 00 00 00 72 25 00 00 64 00 00 00 05 00 00 00 \
         01 00 00 00 02 00 00 00 00 00 00 00 \
         00 00 00 00",
    );
    let m = Message::decode(&b).expect("decode");
    assert_eq!(m.session_id, 8);
    assert_eq!(m.transaction_id, 0x374);
    assert_eq!(m.packet_id, 0x375);
    assert_eq!(m.context, Some(Vec::new()));
    assert_eq!(
        m.pdu,
        Pdu::Get {
            ranges: vec![SearchRange {
                start: oid("1.3.6.1.4.1.9586.100.5.1.2.0"),
                include: false,
                end: Oid::default(),
            }]
        }
    );
}

/// keepalived's answer to it: net-snmp echoes flag 0x08 on the Response
/// and writes an empty context too (§6.1.1 gives a Response none).
#[test]
fn response_from_net_snmp() {
    let b = hex(
        "01 12 08 00 08 00 00 00 74 03 00 00 75 03 00 00 38 00 00 00 \
         00 00 00 00 00 00 00 00 00 00 00 00 \
         04 00 00 00 07 04 00 00 01 00 00 00 72 25 00 00 64 00 00 00 \
         05 00 00 00 01 00 00 00 02 00 00 00 00 00 00 00 \
         04 00 00 00 72 65 66 31",
    );
    let m = Message::decode(&b).expect("decode");
    assert_eq!(m.context, Some(Vec::new()));
    assert_eq!(
        m.pdu,
        Pdu::Response {
            sys_uptime: 0,
            error: ResponseError::NONE,
            index: 0,
            varbinds: vec![VarBind::new(
                oid("1.3.6.1.4.1.9586.100.5.1.2.0"),
                Value::string("ref1")
            )],
        }
    );
}

/// net-snmp's Register of keepalived's version scalar (.1.1), timeout
/// 255, priority 127, NON_DEFAULT_CONTEXT with an empty context.
#[test]
fn register_from_net_snmp() {
    let b = hex(
        "01 03 08 00 08 00 00 00 00 00 00 00 85 ff 9e 15 24 00 00 00 \
         00 00 00 00 ff 7f 00 00 \
         06 04 00 00 01 00 00 00 72 25 00 00 64 00 00 00 05 00 00 00 \
         01 00 00 00 01 00 00 00",
    );
    let m = Message::decode(&b).expect("decode");
    assert_eq!(
        m.pdu,
        Pdu::Register {
            timeout: 255,
            priority: 127,
            range_subid: 0,
            subtree: oid("1.3.6.1.4.1.9586.100.5.1.1"),
            upper_bound: None,
        }
    );
}

#[test]
fn register_and_unregister_encode() {
    let reg = msg(
        7,
        2,
        Pdu::Register {
            timeout: 0,
            priority: 127,
            range_subid: 0,
            subtree: oid("1.3.6.1.2.1.68"),
            upper_bound: None,
        },
    );
    let want = hex(
        "01 03 10 00 00 00 00 07 00 00 00 00 00 00 00 02 00 00 00 10 \
         00 7f 00 00 02 02 00 00 00 00 00 01 00 00 00 44",
    );
    assert_eq!(reg.encode(), want);
    assert_eq!(Message::decode(&want).expect("decode"), reg);
    // A range registration carries the upper bound.
    let unreg = msg(
        7,
        3,
        Pdu::Unregister {
            priority: 127,
            range_subid: 2,
            subtree: oid("1.2"),
            upper_bound: Some(9),
        },
    );
    let want = hex(
        "01 04 10 00 00 00 00 07 00 00 00 00 00 00 00 03 00 00 00 14 \
         00 7f 02 00 02 00 00 00 00 00 00 01 00 00 00 02 00 00 00 09",
    );
    assert_eq!(unreg.encode(), want);
    assert_eq!(Message::decode(&want).expect("decode"), unreg);
}

#[test]
fn close_ping_and_set_phases() {
    let close = msg(
        7,
        4,
        Pdu::Close {
            reason: CloseReason::SHUTDOWN,
        },
    );
    let want = hex(
        "01 02 10 00 00 00 00 07 00 00 00 00 00 00 00 04 00 00 00 04 \
         05 00 00 00",
    );
    assert_eq!(close.encode(), want);
    assert_eq!(Message::decode(&want).expect("decode"), close);
    for (pdu, ty) in [
        (Pdu::Ping, 13u8),
        (Pdu::CommitSet, 9),
        (Pdu::UndoSet, 10),
        (Pdu::CleanupSet, 11),
    ] {
        let m = msg(7, 5, pdu);
        let mut want =
            hex("01 00 10 00 00 00 00 07 00 00 00 00 00 00 00 05 00 00 00 00");
        want[1] = ty;
        assert_eq!(m.encode(), want);
        assert_eq!(Message::decode(&want).expect("decode"), m);
    }
}

#[test]
fn getnext_and_getbulk() {
    let gn = msg(
        7,
        6,
        Pdu::GetNext {
            ranges: vec![SearchRange {
                start: oid("1.3.6.1.2.1.207"),
                include: true,
                end: oid("1.3.6.1.2.1.208"),
            }],
        },
    );
    let want = hex(
        "01 06 10 00 00 00 00 07 00 00 00 00 00 00 00 06 00 00 00 18 \
         02 02 01 00 00 00 00 01 00 00 00 cf \
         02 02 00 00 00 00 00 01 00 00 00 d0",
    );
    assert_eq!(gn.encode(), want);
    assert_eq!(Message::decode(&want).expect("decode"), gn);
    let gb = msg(
        7,
        7,
        Pdu::GetBulk {
            non_repeaters: 1,
            max_repetitions: 10,
            ranges: vec![SearchRange {
                start: oid("1.2"),
                include: false,
                end: Oid::default(),
            }],
        },
    );
    let want = hex(
        "01 07 10 00 00 00 00 07 00 00 00 00 00 00 00 07 00 00 00 14 \
         00 01 00 0a 02 00 00 00 00 00 00 01 00 00 00 02 00 00 00 00",
    );
    assert_eq!(gb.encode(), want);
    assert_eq!(Message::decode(&want).expect("decode"), gb);
}

/// A Notify with every value type, and a non-default context.
#[test]
fn notify_with_every_value_type() {
    let vbs = vec![
        VarBind::new(oid("1.3.6.1.2.1.1.3.0"), Value::TimeTicks(0x0b61)),
        VarBind::new(
            oid("1.3.6.1.6.3.1.1.4.1.0"),
            Value::ObjectIdentifier(oid("1.3.6.1.2.1.68.0.1")),
        ),
        VarBind::new(oid("1.5"), Value::IpAddress([192, 0, 2, 1])),
        VarBind::new(oid("1.6"), Value::Integer(-2)),
        VarBind::new(oid("1.7"), Value::Counter64(0x0102_0304_0506_0708)),
        VarBind::new(oid("1.8"), Value::Null),
    ];
    let mut m = msg(7, 8, Pdu::Notify { varbinds: vbs });
    m.context = Some(b"c".to_vec());
    let want = hex(
        "01 0c 18 00 00 00 00 07 00 00 00 00 00 00 00 08 00 00 00 ac \
         00 00 00 01 63 00 00 00 \
         00 43 00 00 04 02 00 00 00 00 00 01 00 00 00 01 00 00 00 03 00 00 00 00 \
         00 00 0b 61 \
         00 06 00 00 06 06 00 00 00 00 00 03 00 00 00 01 00 00 00 01 00 00 00 04 \
         00 00 00 01 00 00 00 00 \
         04 02 00 00 00 00 00 01 00 00 00 44 00 00 00 00 00 00 00 01 \
         00 40 00 00 02 00 00 00 00 00 00 01 00 00 00 05 00 00 00 04 c0 00 02 01 \
         00 02 00 00 02 00 00 00 00 00 00 01 00 00 00 06 ff ff ff fe \
         00 46 00 00 02 00 00 00 00 00 00 01 00 00 00 07 01 02 03 04 05 06 07 08 \
         00 05 00 00 02 00 00 00 00 00 00 01 00 00 00 08",
    );
    assert_eq!(m.encode(), want);
    assert_eq!(Message::decode(&want).expect("decode"), m);
}

/// A little-endian Counter64 is one little-endian 64-bit integer
/// (net-snmp's host order).
#[test]
fn counter64_little_endian() {
    let b = hex(
        "01 12 00 00 01 00 00 00 00 00 00 00 01 00 00 00 1c 00 00 00 \
         00 00 00 00 00 00 00 00 \
         46 00 00 00 01 00 00 00 07 00 00 00 08 07 06 05 04 03 02 01",
    );
    let m = Message::decode(&b).expect("decode");
    let Pdu::Response { varbinds, .. } = m.pdu else {
        panic!("not a response");
    };
    assert_eq!(varbinds[0].value, Value::Counter64(0x0102_0304_0506_0708));
}

#[test]
fn agent_caps_testset_and_index_pdus() {
    for pdu in [
        Pdu::AddAgentCaps {
            id: oid("1.3.6.1.2.1.68"),
            descr: b"The MIB module for VRRP".to_vec(),
        },
        Pdu::RemoveAgentCaps {
            id: oid("1.3.6.1.2.1.68"),
        },
        Pdu::TestSet {
            varbinds: vec![VarBind::new(oid("1.2.3"), Value::Gauge32(4))],
        },
        Pdu::IndexAllocate {
            varbinds: vec![VarBind::new(oid("1.2.3"), Value::Counter32(4))],
        },
        Pdu::IndexDeallocate {
            varbinds: vec![VarBind::new(oid("1.2.3"), Value::Opaque(vec![1]))],
        },
        Pdu::Response {
            sys_uptime: 5,
            error: ResponseError::NOT_WRITABLE,
            index: 1,
            varbinds: vec![VarBind::new(oid("1.2"), Value::NoSuchInstance)],
        },
    ] {
        let m = msg(3, 9, pdu);
        assert_eq!(Message::decode(&m.encode()).expect("decode"), m);
    }
    // AddAgentCaps, byte for byte: the OID, then the padded description.
    let m = msg(
        3,
        9,
        Pdu::AddAgentCaps {
            id: oid("1.3.6.1.2.1.207"),
            descr: b"abcde".to_vec(),
        },
    );
    let want = hex(
        "01 10 10 00 00 00 00 03 00 00 00 00 00 00 00 09 00 00 00 18 \
         02 02 00 00 00 00 00 01 00 00 00 cf \
         00 00 00 05 61 62 63 64 65 00 00 00",
    );
    assert_eq!(m.encode(), want);
}

/// OIDs outside 1.3.6.1.X go uncompressed; the header's flags keep
/// INSTANCE_REGISTRATION.
#[test]
fn uncompressed_oid_and_flags() {
    let mut m = msg(
        1,
        1,
        Pdu::Register {
            timeout: 0,
            priority: 127,
            range_subid: 0,
            subtree: oid("1.3.6.1.300.1"),
            upper_bound: None,
        },
    );
    m.flags = flags::INSTANCE_REGISTRATION;
    let e = m.encode();
    assert_eq!(e[2], 0x11);
    assert_eq!(&e[24..28], &[6, 0, 0, 0]);
    assert_eq!(Message::decode(&e).expect("decode"), m);
}

#[test]
fn malformed_input_is_an_error() {
    use crate::DecodeError;
    assert_eq!(
        Message::decode(&[1, 1]),
        Err(DecodeError::Truncated("header"))
    );
    let mut b = msg(0, 0, Pdu::Ping).encode();
    b[0] = 2;
    assert_eq!(Message::decode(&b), Err(DecodeError::Version(2)));
    b[0] = 1;
    b[1] = 99;
    assert_eq!(Message::decode(&b), Err(DecodeError::UnknownType(99)));
    // A payload length that is not a multiple of 4.
    let mut b = msg(0, 0, Pdu::Ping).encode();
    b[19] = 3;
    assert_eq!(Message::decode(&b), Err(DecodeError::PayloadLength(3)));
    // An OID with 200 sub-identifiers.
    let mut b = msg(0, 0, Pdu::RemoveAgentCaps { id: oid("1.2") }).encode();
    b[20] = 200;
    assert_eq!(Message::decode(&b), Err(DecodeError::OidTooLong(200)));
    // An octet string longer than the PDU.
    let mut b = msg(
        0,
        0,
        Pdu::Open {
            timeout: 0,
            id: Oid::default(),
            descr: vec![1],
        },
    )
    .encode();
    b[31] = 0xff;
    assert_eq!(Message::decode(&b), Err(DecodeError::OctetString(0xff)));
}

use proptest::prelude::*;

use crate::{
    HEADER_LEN, Header, Message, Oid, Pdu, SearchRange, Value, VarBind,
};

fn oid() -> impl Strategy<Value = Oid> {
    prop_oneof![
        prop::collection::vec(any::<u32>(), 0..12).prop_map(Oid),
        prop::collection::vec(any::<u32>(), 0..8)
            .prop_map(|v| Oid::new(&[1, 3, 6, 1, 4]).child(&v)),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i32>().prop_map(Value::Integer),
        prop::collection::vec(any::<u8>(), 0..9).prop_map(Value::OctetString),
        Just(Value::Null),
        oid().prop_map(Value::ObjectIdentifier),
        any::<[u8; 4]>().prop_map(Value::IpAddress),
        any::<u32>().prop_map(Value::Counter32),
        any::<u32>().prop_map(Value::Gauge32),
        any::<u32>().prop_map(Value::TimeTicks),
        any::<u64>().prop_map(Value::Counter64),
        Just(Value::EndOfMibView),
    ]
}

fn varbinds() -> impl Strategy<Value = Vec<VarBind>> {
    prop::collection::vec(
        (oid(), value()).prop_map(|(n, v)| VarBind::new(n, v)),
        0..4,
    )
}

fn ranges() -> impl Strategy<Value = Vec<SearchRange>> {
    prop::collection::vec(
        (oid(), any::<bool>(), oid()).prop_map(|(start, include, end)| {
            SearchRange {
                start,
                include,
                end,
            }
        }),
        0..4,
    )
}

fn pdu() -> impl Strategy<Value = Pdu> {
    prop_oneof![
        (any::<u8>(), oid(), prop::collection::vec(any::<u8>(), 0..7))
            .prop_map(|(timeout, id, descr)| Pdu::Open { timeout, id, descr }),
        ranges().prop_map(|ranges| Pdu::Get { ranges }),
        ranges().prop_map(|ranges| Pdu::GetNext { ranges }),
        (any::<u16>(), any::<u16>(), ranges()).prop_map(|(n, m, ranges)| {
            Pdu::GetBulk {
                non_repeaters: n,
                max_repetitions: m,
                ranges,
            }
        }),
        varbinds().prop_map(|varbinds| Pdu::Notify { varbinds }),
        varbinds().prop_map(|varbinds| Pdu::TestSet { varbinds }),
        (any::<u32>(), any::<u16>(), any::<u16>(), varbinds()).prop_map(
            |(t, e, i, varbinds)| {
                Pdu::Response {
                    sys_uptime: t,
                    error: crate::ResponseError(e),
                    index: i,
                    varbinds,
                }
            }
        ),
        (any::<u8>(), any::<u8>(), any::<u8>(), oid(), any::<u32>()).prop_map(
            |(timeout, priority, range_subid, subtree, ub)| Pdu::Register {
                timeout,
                priority,
                range_subid,
                subtree,
                upper_bound: (range_subid != 0).then_some(ub),
            }
        ),
        Just(Pdu::Ping),
        Just(Pdu::CleanupSet),
    ]
}

proptest! {
    /// Decoding never panics, whatever the bytes.
    #[test]
    fn decode_never_panics(b in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = Message::decode(&b);
        if b.len() >= HEADER_LEN
            && let Ok(h) = Header::decode(&b[..HEADER_LEN])
        {
            let _ = Message::decode_payload(&h, &b[HEADER_LEN..]);
        }
    }

    /// Mutating one byte of a valid PDU never panics either.
    #[test]
    fn mutated_pdus_never_panic(p in pdu(), at in any::<usize>(), byte in any::<u8>()) {
        let mut b = Message { session_id: 1, transaction_id: 2, packet_id: 3, flags: 0, context: None, pdu: p }.encode();
        let i = at % b.len();
        b[i] = byte;
        let _ = Message::decode(&b);
    }

    /// decode(encode(m)) == m.
    #[test]
    fn round_trip(p in pdu(), ctx in prop::option::of(prop::collection::vec(any::<u8>(), 0..6)),
                  s in any::<u32>(), t in any::<u32>(), k in any::<u32>()) {
        let has_ctx = !matches!(p, Pdu::Open { .. } | Pdu::Response { .. } | Pdu::CleanupSet);
        let m = Message {
            session_id: s,
            transaction_id: t,
            packet_id: k,
            flags: 0,
            context: if has_ctx { ctx } else { None },
            pdu: p,
        };
        prop_assert_eq!(Message::decode(&m.encode()), Ok(m));
    }
}

use crate::{MibView, Oid, Pdu, SearchRange, Value, VarBind};

fn oid(s: &str) -> Oid {
    s.parse().expect("oid")
}

fn range(start: &str, include: bool, end: &str) -> SearchRange {
    SearchRange {
        start: oid(start),
        include,
        end: oid(end),
    }
}

/// A scalar (1.1.0) and a two-row column (1.2.1.{1,2}).
fn view() -> MibView {
    let mut v = MibView::new();
    v.set(&oid("1.1"), &[0], Value::Integer(7));
    v.set(&oid("1.2.1"), &[1], Value::string("a"));
    v.set(&oid("1.2.1"), &[2], Value::string("b"));
    v.declare(oid("1.2.3"));
    v
}

#[test]
fn get_distinguishes_missing_instance_from_missing_object() {
    let v = view();
    assert_eq!(v.get(&oid("1.1.0")), Value::Integer(7));
    // §7.2.3.1: the object exists, the instance does not.
    assert_eq!(v.get(&oid("1.1.1")), Value::NoSuchInstance);
    assert_eq!(v.get(&oid("1.1")), Value::NoSuchInstance);
    assert_eq!(v.get(&oid("1.2.1.3")), Value::NoSuchInstance);
    assert_eq!(v.get(&oid("1.2.3.1")), Value::NoSuchInstance);
    // No such object type.
    assert_eq!(v.get(&oid("1.2.2.1")), Value::NoSuchObject);
    assert_eq!(v.get(&oid("1.3")), Value::NoSuchObject);
    assert_eq!(v.get(&oid("1")), Value::NoSuchObject);
}

#[test]
fn get_next_follows_lexicographic_order_and_bounds() {
    let v = view();
    let n = |r| v.get_next(&r);
    assert_eq!(
        n(range("1", false, "")),
        VarBind::new(oid("1.1.0"), Value::Integer(7))
    );
    assert_eq!(n(range("1.1.0", false, "")).name, oid("1.2.1.1"));
    // include: the start itself.
    assert_eq!(n(range("1.1.0", true, "")).name, oid("1.1.0"));
    assert_eq!(n(range("1.2.1.1", false, "")).name, oid("1.2.1.2"));
    // Past the end: endOfMibView named as the start.
    assert_eq!(
        n(range("1.2.1.2", false, "")),
        VarBind::new(oid("1.2.1.2"), Value::EndOfMibView)
    );
    // The end bound is exclusive.
    assert_eq!(
        n(range("1.1.0", false, "1.2.1.1")).value,
        Value::EndOfMibView
    );
    assert_eq!(n(range("1.1.0", false, "1.2.1.2")).name, oid("1.2.1.1"));
}

#[test]
fn get_bulk_repeats_and_stops_at_the_end() {
    let v = view();
    let out =
        v.get_bulk(1, 5, &[range("1", false, ""), range("1.1", false, "")]);
    let names: Vec<String> = out.iter().map(|b| b.name.to_string()).collect();
    // The non-repeater once, then the repeater until endOfMibView.
    assert_eq!(names, ["1.1.0", "1.1.0", "1.2.1.1", "1.2.1.2", "1.2.1.2"]);
    assert_eq!(out[4].value, Value::EndOfMibView);
    // max_repetitions 0: only the non-repeaters.
    assert_eq!(
        v.get_bulk(1, 0, &[range("1", false, ""), range("1", false, "")])
            .len(),
        1
    );
    // More non-repeaters than ranges.
    assert_eq!(v.get_bulk(9, 9, &[range("1", false, "")]).len(), 1);
}

#[test]
fn answer_reads_only() {
    let v = view();
    let get = Pdu::Get {
        ranges: vec![range("1.1.0", false, ""), range("9", false, "")],
    };
    assert_eq!(
        v.answer(&get),
        Some(vec![
            VarBind::new(oid("1.1.0"), Value::Integer(7)),
            VarBind::new(oid("9"), Value::NoSuchObject),
        ])
    );
    assert_eq!(v.answer(&Pdu::Ping), None);
}

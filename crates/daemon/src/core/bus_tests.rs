use super::*;

fn file(value: i64) -> Signal {
    Signal::FileValue {
        file: "f".into(),
        value,
    }
}

#[test]
fn every_subscriber_gets_every_signal_in_order() {
    let bus = Bus::default();
    let mut a = bus.subscribe();
    let mut b = bus.clone().subscribe();
    assert!(bus.publish(&file(1)));
    assert!(bus.publish(&file(2)));
    for rx in [&mut a, &mut b] {
        assert_eq!(rx.try_recv().ok(), Some(file(1)));
        assert_eq!(rx.try_recv().ok(), Some(file(2)));
        assert!(rx.try_recv().is_err());
    }
}

#[test]
fn publishing_reports_when_nobody_listens() {
    let bus = Bus::default();
    assert!(!bus.publish(&file(1)));
    let a = bus.subscribe();
    let mut b = bus.subscribe();
    drop(a);
    assert!(bus.publish(&file(2)));
    assert_eq!(b.try_recv().ok(), Some(file(2)));
    drop(b);
    assert!(!bus.publish(&file(3)));
}

//! Tests of the priority and VRID types.

use super::*;

#[test]
fn priority_owner_stop_and_order() {
    assert!(Priority::new(255).is_owner());
    assert!(!Priority::new(254).is_owner());
    assert_eq!(Priority::STOP.get(), 0);
    assert_eq!(Priority::DEFAULT.get(), 100);
    assert!(Priority::new(101) > Priority::DEFAULT);
    assert_eq!(Priority::from(7).to_string(), "7");
}

#[test]
fn vrid_zero_is_refused() {
    assert_eq!(Vrid::new(0), None);
    assert_eq!(Vrid::try_from(0), Err(ZeroVrid));
    assert_eq!(Vrid::new(255).map(Vrid::get), Some(255));
    assert_eq!(Vrid::new(51).map(|v| v.to_string()), Some("51".into()));
}

#[test]
fn serde_keeps_the_plain_numbers() {
    let v = Vrid::new(51).expect("non-zero");
    assert_eq!(serde_json::to_string(&v).ok(), Some("51".into()));
    assert_eq!(
        serde_json::to_string(&Priority::OWNER).ok(),
        Some("255".into())
    );
    assert_eq!(serde_json::from_str::<Vrid>("0").ok(), None);
}

use std::ffi::OsStr;

use super::{Verdict, required, verdict};

#[test]
fn a_reason_skips_unless_privileges_are_required() {
    assert_eq!(verdict(None, false), Verdict::Run);
    assert_eq!(verdict(None, true), Verdict::Run);
    assert_eq!(
        verdict(Some("not root".into()), false),
        Verdict::Skip("not root".into())
    );
    let Verdict::Fail(msg) = verdict(Some("not root".into()), true) else {
        panic!("a required test skipped");
    };
    assert!(msg.contains("KA_REQUIRE_PRIVILEGED") && msg.ends_with("not root"));
}

#[test]
fn the_variable_counts_when_set_to_anything_but_empty_or_zero() {
    assert!(!required(None));
    assert!(!required(Some(OsStr::new(""))));
    assert!(!required(Some(OsStr::new("0"))));
    assert!(required(Some(OsStr::new("1"))));
    assert!(required(Some(OsStr::new("yes"))));
}

//! Tests of the protocol addresses.

use super::*;

#[test]
fn groups_are_the_rfc_ones() {
    assert_eq!(vrrp_group(false).to_string(), "224.0.0.18");
    assert_eq!(vrrp_group(true).to_string(), "ff02::12");
}

#[test]
fn link_local_is_fe80_slash_10() {
    let ll = |s: &str| is_link_local(&s.parse().expect("literal"));
    assert!(ll("fe80::1"));
    assert!(ll("febf:ffff::1"));
    assert!(!ll("fec0::1"));
    assert!(!ll("fe7f::1"));
    assert!(!ll("2001:db8::1"));
    assert!(!ll("ff02::12"));
    assert!(!ll("192.0.2.1"));
}

//! Fuzz the BFD control packet decoder: parsing must never panic, and
//! anything that parses must re-encode and parse again to the same repr.
#![no_main]

use ka_wire::bfd::{Packet, Repr};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = Packet::new_checked(data) {
        let _ = (p.auth_header(), p.auth_section(), p.state(), p.diag());
    }
    let Ok(r) = Repr::parse_bytes(data) else {
        return;
    };
    let out = r.to_bytes();
    assert_eq!(out.len(), r.buffer_len());
    assert_eq!(Repr::parse_bytes(&out), Ok(r));
});

//! Fuzz the link-layer frame decoders: gratuitous ARP and unsolicited
//! Neighbour Advertisement frames, and the bare ICMPv6 NA body. Parsing
//! must never panic; whatever parses re-encodes to something that parses
//! to the same repr.
#![no_main]

use std::net::Ipv6Addr;

use ka_wire::{arp, ndisc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((_, r)) = arp::parse_frame(data) {
        let mut out = [0u8; arp::PACKET_LEN];
        r.emit(&mut out);
        assert_eq!(arp::Repr::parse(&out), Ok(r));
    }
    let _ = ndisc::parse_frame(data);
    let (src, dst) = (Ipv6Addr::LOCALHOST, ndisc::ALL_NODES);
    if let Ok(na) = ndisc::Repr::parse(data, src, dst, false) {
        let mut out = vec![0u8; na.buffer_len()];
        na.emit(&mut out, src, dst);
        assert_eq!(ndisc::Repr::parse(&out, src, dst, true), Ok(na));
    }
});

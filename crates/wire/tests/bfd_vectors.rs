//! The BFD control packets of the two captures (keepalived 2.2.7 ↔ FRR
//! bfdd and FRR ↔ FRR, 100 ms × 3) decode to the values tcpdump shows and
//! re-encode to the same octets. The captures are copied into
//! `tests/data/` from /work/shared/vectors; a guard test checks the copies
//! still match when the shared directory is beside the checkout.

use std::path::{Path, PathBuf};

use ka_wire::bfd::{self, Diag, Repr, State};
use ka_wire::ipv4::{self, HeaderChecksum};

/// One captured BFD datagram: what the IP and UDP headers said, and the
/// UDP payload.
struct Captured {
    ttl: u8,
    src_port: u16,
    dst_port: u16,
    payload: Vec<u8>,
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The Ethernet/IPv4/UDP datagrams of a little-endian, microsecond,
/// Ethernet-linktype pcap file.
fn read_pcap(path: &Path) -> Vec<Captured> {
    let b = std::fs::read(path).unwrap();
    assert_eq!(b[..4], [0xd4, 0xc3, 0xb2, 0xa1], "{}", path.display());
    let le32 = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
    assert_eq!(le32(20), 1, "linktype Ethernet");
    let mut out = Vec::new();
    let mut off = 24;
    while off < b.len() {
        let incl = usize::try_from(le32(off + 8)).unwrap();
        let frame = &b[off + 16..off + 16 + incl];
        off += 16 + incl;
        assert_eq!(frame[12..14], [0x08, 0x00], "IPv4 ethertype");
        let ip = ipv4::Packet::new_checked(&frame[14..]).unwrap();
        ipv4::Repr::parse(&ip, HeaderChecksum::Verify).unwrap();
        assert_eq!(ip.protocol(), 17, "UDP");
        let udp = ip.payload();
        let port = |o: usize| u16::from_be_bytes([udp[o], udp[o + 1]]);
        let udp_len = usize::from(port(4));
        out.push(Captured {
            ttl: ip.ttl(),
            src_port: port(0),
            dst_port: port(2),
            payload: udp[8..udp_len].to_vec(),
        });
    }
    out
}

fn round_trip(c: &Captured) -> Repr {
    let r = Repr::parse_bytes(&c.payload).unwrap();
    assert_eq!(r.to_bytes(), c.payload);
    assert_eq!(r.buffer_len(), c.payload.len());
    r
}

#[test]
fn keepalived_frr_capture_decodes_and_re_encodes() {
    let pkts = read_pcap(&data("bfd-keepalived-frr.pcap"));
    assert_eq!(pkts.len(), 4);
    for (i, c) in pkts.iter().enumerate() {
        let r = round_trip(c);
        // RFC 5881 §4/§5: to 3784, from the ephemeral range, TTL 255.
        assert_eq!(c.dst_port, bfd::PORT_SINGLE_HOP);
        assert!(c.src_port >= bfd::SOURCE_PORT_MIN);
        assert_eq!(c.ttl, bfd::TTL_IPV4);
        assert_eq!(r.state, State::Up);
        assert_eq!(r.diag, Diag::NoDiagnostic);
        assert_eq!(r.detect_mult, 3);
        assert_eq!((r.desired_min_tx, r.required_min_rx), (100_000, 100_000));
        assert!(r.auth.is_none() && !r.poll && !r.final_);
        if i % 2 == 0 {
            // keepalived (192.0.2.11): no echo.
            assert_eq!((r.my_discr, r.your_discr), (0xbf60_21cb, 0xb402_2497));
            assert_eq!(r.required_min_echo_rx, 0);
        } else {
            // FRR (192.0.2.14): 50 ms echo.
            assert_eq!((r.my_discr, r.your_discr), (0xb402_2497, 0xbf60_21cb));
            assert_eq!(r.required_min_echo_rx, 50_000);
        }
    }
}

#[test]
fn frr_frr_capture_decodes_and_re_encodes() {
    let pkts = read_pcap(&data("bfd-frr-frr.pcap"));
    assert_eq!(pkts.len(), 4);
    for c in &pkts {
        let r = round_trip(c);
        assert_eq!(c.dst_port, bfd::PORT_SINGLE_HOP);
        assert_eq!(c.src_port, 49152);
        assert_eq!(r.state, State::Up);
        assert_eq!(r.my_discr, 0x9bfb_9287);
        assert_eq!(r.your_discr, 0x9bfb_9287);
        assert_eq!(r.required_min_echo_rx, 50_000);
    }
}

/// The copies in tests/data are the shared captures, when those are
/// beside the checkout.
#[test]
fn copies_match_the_shared_captures() {
    let shared =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors");
    if !shared.is_dir() {
        println!("skipped: {} not beside this checkout", shared.display());
        return;
    }
    for name in ["bfd-keepalived-frr.pcap", "bfd-frr-frr.pcap"] {
        let theirs = std::fs::read(shared.join(name)).unwrap();
        assert_eq!(std::fs::read(data(name)).unwrap(), theirs, "{name}");
    }
}

//! The BFD sockets on loopback.

use super::*;

#[test]
fn source_ports_stay_in_the_rfc_range() {
    let (lo, hi) = source_port_range();
    assert!(lo >= 49152 && hi >= lo + 1023);
}

#[tokio::test]
async fn loopback_datagram_carries_ttl_and_destination() {
    let Ok(l) = BfdListener::open(0) else {
        println!("skipped: cannot open a UDP socket");
        return;
    };
    let port = l.local_addr().unwrap().port();
    for (src, ttl) in [
        (IpAddr::V4(Ipv4Addr::LOCALHOST), 255u8),
        (IpAddr::V6(Ipv6Addr::LOCALHOST), 64),
    ] {
        let Ok(tx) = BfdSender::open(src, Some(src), ttl, 50_000) else {
            println!("skipped: no {src}");
            continue;
        };
        let sport = tx.local_addr().unwrap().port();
        assert!(sport >= 49152, "{sport}");
        tx.send(b"hello", SocketAddr::new(src, port)).unwrap();
        let r =
            tokio::time::timeout(std::time::Duration::from_secs(5), l.recv())
                .await
                .expect("datagram within 5 s")
                .unwrap();
        assert_eq!(r.src, SocketAddr::new(src, sport));
        assert_eq!(r.dst, Some(src));
        assert_eq!(r.ttl, Some(ttl));
        assert_eq!(r.bytes, b"hello");
    }
}

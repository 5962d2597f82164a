use std::net::SocketAddr;

use super::tools::{ipvs_hex, nft_holds};
use super::{report, stats};

#[test]
fn medians_of_odd_and_even_counts() {
    assert_eq!(stats(&mut [3.0, 1.0, 2.0]), (2.0, 1.0, 3.0));
    assert_eq!(stats(&mut [4.0, 1.0, 2.0, 3.0]), (2.5, 1.0, 4.0));
    assert_eq!(stats(&mut []), (0.0, 0.0, 0.0));
}

#[test]
fn the_report_takes_medians_per_measure() {
    let r = report(
        "1 vip 100 0\n1 vip1 80 1\n1 direct 100 0\n1 removal 500.0 400\n\
         2 vip 300 0\n2 vip1 90 0\n2 direct 120 0\n2 removal timeout 9\n\
         3 vip 200 0\n3 vip1 70 0\n3 direct 110 0\n3 removal 700.0 500\n",
    );
    assert!(r.contains("rr over 2 servers  : median 200.0 req/s (range 100.0-300.0, 3 runs, 0 failed)"), "{r}");
    assert!(r.contains("one server         : median 80.0 req/s (range 70.0-90.0, 3 runs, 1 failed)"), "{r}");
    assert!(
        r.contains("median 600.0 ms (range 500.0-700.0, 2 runs)"),
        "{r}"
    );
    assert!(
        r.contains(
            "VIP (one server) / straight, per run: median 75 % (range 64-80 %)"
        ),
        "{r}"
    );
    assert!(r.contains("1 removals not seen"), "{r}");
}

#[test]
fn table_entries_are_recognised() {
    let rs: SocketAddr = "192.0.2.2:8080".parse().unwrap();
    assert_eq!(ipvs_hex(rs).as_deref(), Some("C0000202:1F90"));
    assert!(nft_holds("0-2 : 192.0.2.2 . 8080,", rs));
    assert!(nft_holds("dnat ip to 192.0.2.2:8080", rs));
    assert!(!nft_holds("dnat ip to 192.0.2.22:8080", rs));
}

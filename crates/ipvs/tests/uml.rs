//! The driver against a real IPVS: a user-mode Linux guest (the host
//! kernel has none) runs `ka-ipvs-check`, which programs every field and
//! compares its own dump, `ipvsadm-save -n`, `ipvsadm -Ln --thresholds`,
//! the timeouts and the sync daemons with what it asked for.

use std::time::Duration;

use ka_lab::uml::{Guest, skip_reason};

const BIN: &str = env!("CARGO_BIN_EXE_ka-ipvs-check");

/// Loads IPVS, its schedulers and the SIP persistence engine, and gives
/// the guest addresses in every range the tables use (IPVS refuses
/// destinations it has no route to).
const SETUP: &str = r#"
ka_modprobe ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr \
    ip_vs_dh ip_vs_sh ip_vs_sed ip_vs_nq ip_vs_fo ip_vs_ovf ip_vs_mh ip_vs_pe_sip dummy || exit 90
ka_modprobe ip_vs_twos 2>/dev/null || echo "guest: no ip_vs_twos module"
ip link add kad0 type dummy && ip link set kad0 multicast on up || exit 91
for a in 192.0.2.1/24 198.51.100.1/24 203.0.113.1/24; do ip addr add $a dev kad0; done
ip -6 addr add 2001:db8::1/64 dev kad0 nodad
"#;

fn guest_run(tag: &str, cmd: &str, timeout: Duration) -> String {
    let g = Guest::new(tag).env("KA_BIN", BIN).timeout(timeout);
    let run = g
        .run(&format!("{SETUP}\n\"$KA_BIN\" {cmd}"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        run.status,
        Some(0),
        "ka-ipvs-check {cmd} failed:\n{}",
        run.console
    );
    run.console
}

#[test]
fn every_field_round_trips_through_the_real_ipvs() {
    if ka_lab::skip_if(skip_reason()) {
        return;
    }
    let console = guest_run("check", "check", Duration::from_secs(180));
    let summary = console
        .lines()
        .find(|l| l.starts_with("ka-ipvs-check: "))
        .unwrap_or_else(|| panic!("no summary:\n{console}"));
    assert!(summary.ends_with(" 0 failed"), "{console}");
    // Every stage ran: a summary with fewer checks means one was skipped.
    let ran: u32 = summary
        .trim_start_matches("ka-ipvs-check: ")
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(ran >= 37, "only {ran} checks ran:\n{console}");
    assert!(!console.contains("check FAIL"), "{console}");
}

/// `cargo test --release -p ka-ipvs --test uml -- --ignored bench
/// --nocapture`: the cost of 1,000 services × 10 destinations.
#[test]
#[ignore = "benchmark: prints figures, run on demand"]
fn bench_a_thousand_services() {
    if ka_lab::skip_if(skip_reason()) {
        return;
    }
    let console = guest_run("bench", "bench 1000 10", Duration::from_secs(600));
    for l in console.lines().filter(|l| l.starts_with("bench ")) {
        println!("{l}");
    }
}

//! Interoperability of keepalived-rs with the reference peers, observed
//! from outside (VIP holders on `eth0`, vtysh, the wire), never from
//! keepalived-rs's own logs.
//!
//! * [`mixed_pairs_elect_fail_over_and_preempt`]: the matrix. Each cell
//!   (VRRPv2/v3 × IPv4/IPv6 × multicast/unicast × no auth/PASS/AH) runs a
//!   keepalived 2.2.7 node beside a keepalived-rs node, once with each
//!   holding the higher priority, in its own lab and thread (see
//!   `interop/matrix.rs` for the scenario and its bounds).
//! * [`adverts_match_keepalived_byte_for_byte`]: one captured advert from
//!   each implementation per configuration, compared field by field
//!   (`interop/bytes.rs`).
//! * [`frr_vrrpd_elects_and_fails_over_with_keepalived_rs`]: FRR 8.4
//!   vrrpd as an independent VRRPv3 peer, IPv4 and IPv6
//!   (`interop/frr_pair.rs`).
//!
//! Without root, iproute2, nftables or keepalived every test prints why
//! and passes; the byte comparison also needs tcpdump and the FRR test
//! FRR (Debian packages `keepalived`, `tcpdump`, `nftables`, `frr`).
//! `keepalived -t` parity lives in `differential.rs`.

// Helper modules of this one test binary: `pub` items are shared between
// them only.
#![allow(unreachable_pub)]

#[path = "interop/bytes.rs"]
mod bytes;
#[path = "interop/conf.rs"]
mod conf;
#[path = "interop/frr.rs"]
mod frr;
#[path = "interop/frr_pair.rs"]
mod frr_pair;
#[path = "interop/matrix.rs"]
mod matrix;
#[path = "interop/support.rs"]
mod support;
#[path = "interop/wire.rs"]
mod wire;

use std::thread;
use std::time::Instant;

use conf::{Auth, Cell, Family};
use support::Impl;

/// The matrix cells. Each cell's labs are separate, so VRIDs only need
/// to be distinct to make captures easy to read.
fn cells() -> Vec<Cell> {
    let c = |version, family, unicast, auth, vrid| Cell {
        version,
        family,
        unicast,
        auth,
        vrid,
    };
    vec![
        c(2, Family::V4, false, Auth::None, 10),
        c(2, Family::V4, false, Auth::Pass, 12),
        c(2, Family::V4, false, Auth::Ah, 14),
        c(2, Family::V4, true, Auth::None, 16),
        c(2, Family::V4, true, Auth::Pass, 18),
        c(2, Family::V4, true, Auth::Ah, 20),
        c(3, Family::V4, false, Auth::None, 30),
        c(3, Family::V4, true, Auth::None, 32),
        c(3, Family::V6, false, Auth::None, 34),
        c(3, Family::V6, true, Auth::None, 36),
    ]
}

/// Why the AH cells cannot run: keepalived built without VRRP_AUTH.
fn ah_skip_reason() -> Option<String> {
    let v = support::keepalived_version();
    (!v.contains("VRRP_AUTH")).then(|| {
        "keepalived was built without VRRP_AUTH (no IPsec-AH)".to_string()
    })
}

fn skip_all() -> bool {
    ka_lab::skip_if(support::skip_reason())
}

#[test]
fn mixed_pairs_elect_fail_over_and_preempt() {
    if skip_all() {
        return;
    }
    let start = Instant::now();
    // Debian's keepalived has AH; without it the AH cells skip (or the
    // test fails, where skips are not allowed).
    let ah_skip = ah_skip_reason()
        .filter(|why| ka_lab::skip_if(Some(format!("the AH cells: {why}"))));
    let mut runs = Vec::new();
    for cell in cells() {
        if cell.auth == Auth::Ah
            && let Some(why) = &ah_skip
        {
            eprintln!("cell {} skipped: {why}", cell.name());
            continue;
        }
        for high in [Impl::Keepalived, Impl::Rust] {
            runs.push(thread::spawn(move || matrix::run_cell(cell, high)));
        }
    }
    let outcomes: Vec<matrix::Outcome> = runs
        .into_iter()
        .map(|h| h.join().expect("cell thread panicked"))
        .collect();
    eprintln!("{}", matrix_report(&outcomes));
    eprintln!("matrix wall time {:.1} s", start.elapsed().as_secs_f64());
    let failed: Vec<String> = outcomes
        .iter()
        .filter_map(|o| {
            let e = o.result.as_ref().err()?;
            let controls: String = o
                .controls
                .iter()
                .map(|(n, r)| format!("    control {n}: {}\n", control(r)))
                .collect();
            Some(format!(
                "== {} ({} high): {e}\n{controls}",
                o.cell,
                o.high.label()
            ))
        })
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} runs failed:\n{}",
        failed.len(),
        outcomes.len(),
        failed.join("\n")
    );
}

fn control(r: &Result<(), String>) -> String {
    match r {
        Ok(()) => "pass".into(),
        Err(e) => format!("FAIL: {e}"),
    }
}

/// The pass/fail table, then each run's steps with their times.
fn matrix_report(outcomes: &[matrix::Outcome]) -> String {
    let verdict = |o: Option<&matrix::Outcome>| match o {
        None => "skipped".to_string(),
        Some(o) => match &o.result {
            Ok(()) => format!("pass ({:.0} s)", o.elapsed.as_secs_f64()),
            Err(e) => format!("FAIL: {}", e.lines().next().unwrap_or_default()),
        },
    };
    let mut s = format!(
        "\n{:<24} {:<28} {}\n",
        "cell", "keepalived 150 / rs 100", "keepalived-rs 150 / keepalived 100"
    );
    let mut names: Vec<&str> =
        outcomes.iter().map(|o| o.cell.as_str()).collect();
    names.dedup();
    for name in names {
        let find =
            |imp| outcomes.iter().find(|o| o.cell == name && o.high == imp);
        s += &format!(
            "{name:<24} {:<28} {}\n",
            verdict(find(Impl::Keepalived)),
            verdict(find(Impl::Rust))
        );
    }
    for o in outcomes {
        s += &format!(
            "  {} with {} high:\n{}",
            o.cell,
            o.high.label(),
            o.steps.render()
        );
        for (n, r) in &o.controls {
            s += &format!("      control {n}: {}\n", control(r));
        }
    }
    s
}

#[test]
fn adverts_match_keepalived_byte_for_byte() {
    if skip_all() {
        return;
    }
    let no_tcpdump = !support::have_tcpdump();
    if ka_lab::skip_if(
        no_tcpdump
            .then_some("tcpdump is not installed (Debian package `tcpdump`)"),
    ) {
        return;
    }
    let c = |version, family, unicast, auth, vrid| Cell {
        version,
        family,
        unicast,
        auth,
        vrid,
    };
    let configs = [
        c(2, Family::V4, false, Auth::None, 51),
        c(2, Family::V4, false, Auth::Pass, 52),
        c(3, Family::V4, false, Auth::None, 53),
        c(3, Family::V6, false, Auth::None, 54),
        c(3, Family::V4, true, Auth::None, 55),
    ];
    let runs: Vec<_> = configs
        .into_iter()
        .map(|cell| thread::spawn(move || bytes::compare(cell)))
        .collect();
    let mut failed = Vec::new();
    for r in runs {
        match r.join().expect("comparison thread panicked") {
            Ok(report) => eprintln!("{report}"),
            Err(e) => failed.push(e),
        }
    }
    assert!(failed.is_empty(), "adverts differ:\n{}", failed.join("\n"));
}

#[test]
fn frr_vrrpd_elects_and_fails_over_with_keepalived_rs() {
    if skip_all() {
        return;
    }
    if ka_lab::skip_if(frr::skip_reason()) {
        return;
    }
    let runs: Vec<_> = [Family::V4, Family::V6]
        .into_iter()
        .map(|f| (f, thread::spawn(move || frr_pair::run(f))))
        .collect();
    let mut failed = Vec::new();
    for (family, r) in runs {
        let (steps, result) = r.join().expect("FRR thread panicked");
        let verdict = if result.is_ok() { "pass" } else { "FAIL" };
        eprintln!(
            "keepalived-rs <-> FRR vrrpd, VRRPv3 {family:?}: {verdict}\n{}",
            steps.render()
        );
        if let Err(e) = result {
            failed.push(format!("== FRR {family:?}: {e}"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

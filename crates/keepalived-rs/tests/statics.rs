//! `static_ipaddress`, `static_routes` and `static_rules`, differentially:
//! keepalived 2.2.7 in one lab host and keepalived-rs in another get the
//! same configuration, and the kernel state they leave (addresses, routes,
//! rules, seen with `ip`) must match after start, after a reload that
//! drops entries, and after SIGTERM. Needs root and keepalived; skipped
//! with the reason otherwise.

// The interop suite's node starter; most of that module is unused here.
#[allow(dead_code, unreachable_pub)]
#[path = "interop/support.rs"]
mod support;

use std::time::Duration;

use ka_lab::Lab;
use nix::sys::signal::Signal;
use support::Impl;

/// Start, reload and stop all settle well within this on a loaded host.
const SETTLE: Duration = Duration::from_secs(15);

/// The configuration: statics (all of them, or without the second route,
/// the IPv6 address and the rule) and one instance with its own VRID.
fn conf(vrid: u8, full: bool) -> String {
    let (route2, addr6, rule) = if full {
        (
            " 198.51.100.0/24 via 192.0.2.1 dev eth0\n",
            " 2001:db8:1::1/128 dev eth0\n",
            " from 203.0.113.1 table 100\n",
        )
    } else {
        ("", "", "")
    };
    format!(
        "static_ipaddress {{\n 203.0.113.1/32 dev eth0\n 203.0.113.2/28 dev eth0 label eth0:st\n{addr6}}}\n\
         static_routes {{\n 203.0.113.128/25 via 192.0.2.1 dev eth0\n{route2}}}\n\
         static_rules {{\n from 203.0.113.2 table 101\n{rule}}}\n\
         vrrp_instance VI_{vrid} {{\n state BACKUP\n interface eth0\n virtual_router_id {vrid}\n\
         priority 100\n advert_int 1\n virtual_ipaddress {{\n 192.0.2.{vrid}/24\n }}\n}}\n"
    )
}

/// The static entries of host `i` as `ip` shows them, normalized (only
/// our test prefixes, no lifetimes, single spaces), sorted.
fn state(lab: &Lab, i: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut take = |args: &[&str], keep: &dyn Fn(&str) -> bool| {
        let text = lab.exec_ok(i, "ip", args).unwrap_or_default();
        for line in text.lines().filter(|l| keep(l)) {
            let words: Vec<&str> = line
                .split_whitespace()
                .filter(|w| !w.starts_with('\\'))
                .collect();
            let mut kept = Vec::new();
            let mut skip = 0;
            for w in words {
                if skip > 0 {
                    skip -= 1;
                } else if matches!(w, "valid_lft" | "preferred_lft") {
                    skip = 1;
                } else {
                    kept.push(w);
                }
            }
            out.push(format!("{} {}", args.join(" "), kept.join(" ")));
        }
    };
    let ours = |l: &str| {
        l.contains("203.0.113.")
            || l.contains("198.51.100.")
            || l.contains("2001:db8:1::")
    };
    take(&["-o", "-4", "addr", "show", "dev", "eth0"], &ours);
    take(&["-o", "-6", "addr", "show", "dev", "eth0"], &ours);
    take(&["-4", "route", "show"], &ours);
    take(&["-4", "rule", "show"], &|l| l.contains("lookup 10"));
    out.sort();
    out
}

/// Static entries `conf(_, true)` makes: two IPv4 addresses (and the
/// kernel's prefix route of the /28), one IPv6 address, two routes, two
/// rules.
const FULL: usize = 8;
/// What `conf(_, false)` leaves: the IPv6 address, a route and a rule go.
const REDUCED: usize = 5;

/// Waits until host `i` shows `want` (`Err(n)`: any `n` entries), then
/// returns what it shows.
fn settle(lab: &Lab, i: usize, want: Result<&[String], usize>) -> Vec<String> {
    let ok = |l: &Lab| {
        let now = state(l, i);
        match want {
            Ok(w) => now == w,
            Err(n) => now.len() == n,
        }
    };
    lab.wait_until(SETTLE, ok);
    state(lab, i)
}

fn keepalived_missing() -> Option<String> {
    match ka_lab::run("keepalived", &["-v"]) {
        Ok(_) => None,
        Err(e) => Some(format!(
            "keepalived is not installed ({e}); CI installs the Debian package"
        )),
    }
}

#[test]
fn static_entries_match_keepalived_at_start_reload_and_stop() {
    if ka_lab::skip() {
        return;
    }
    if ka_lab::skip_if(keepalived_missing()) {
        return;
    }
    let mut lab = Lab::new(2).expect("lab");
    let start = |lab: &mut Lab, host, imp, conf: &str, label| {
        support::start(lab, host, imp, conf, label)
            .expect("start")
            .pid
    };
    let ka = start(&mut lab, 0, Impl::Keepalived, &conf(51, true), "ka");
    let rs = start(&mut lab, 1, Impl::Rust, &conf(52, true), "rs");
    let logs = |lab: &Lab| {
        format!(
            "keepalived:\n{}\nkeepalived-rs:\n{}",
            lab.log_of(ka),
            lab.log_of(rs)
        )
    };

    let ka_started = settle(&lab, 0, Err(FULL));
    let rs_started = settle(&lab, 1, Ok(&ka_started));
    assert_eq!(
        ka_started.len(),
        FULL,
        "keepalived installed: {ka_started:#?}\n{}",
        logs(&lab)
    );
    assert_eq!(rs_started, ka_started, "after start\n{}", logs(&lab));

    // A reload that drops a route, an address and a rule removes just
    // those (the configuration files are rewritten in place).
    std::fs::write(lab.dir().join("ka.conf"), conf(51, false)).unwrap();
    std::fs::write(lab.dir().join("rs.conf"), conf(52, false)).unwrap();
    assert!(lab.signal(ka, Signal::SIGHUP) && lab.signal(rs, Signal::SIGHUP));
    let ka_reloaded = settle(&lab, 0, Err(REDUCED));
    assert_eq!(
        ka_reloaded.len(),
        REDUCED,
        "keepalived after reload: {ka_reloaded:#?}\n{}",
        logs(&lab)
    );
    let rs_reloaded = settle(&lab, 1, Ok(&ka_reloaded));
    assert_eq!(rs_reloaded, ka_reloaded, "after reload\n{}", logs(&lab));

    // SIGTERM removes every static entry.
    for pid in [ka, rs] {
        assert!(lab.signal(pid, Signal::SIGTERM));
        assert!(
            lab.wait_exit(pid, SETTLE).is_some(),
            "no exit\n{}",
            logs(&lab)
        );
    }
    let ka_stopped = state(&lab, 0);
    let rs_stopped = state(&lab, 1);
    assert_eq!(rs_stopped, ka_stopped, "after stop\n{}", logs(&lab));
    assert!(rs_stopped.is_empty(), "left behind: {rs_stopped:#?}");
}

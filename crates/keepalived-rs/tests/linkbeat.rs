//! Linkbeat polling, keepalived-rs beside keepalived 2.2.7: with the root
//! `linkbeat_use_polling`, a `linkbeat_interfaces` entry no instance uses
//! and one asking for MII on a veth (which has no MII: ETHTOOL is used), a
//! master whose cable is cut learns it from the poller
//! ("Linkbeat reports eth0 down"), enters FAULT, and comes back to BACKUP
//! then MASTER when the cable is back. Each implementation runs in its
//! own lab; their linkbeat log lines must be keepalived's words, in the
//! same order.
//!
//! Without root, iproute2, nftables or keepalived the test prints why
//! and passes.

#![allow(unreachable_pub, dead_code)]

#[path = "interop/support.rs"]
mod support;

use std::net::IpAddr;
use std::time::Duration;

use ka_lab::Lab;
use support::Impl;

const CONF: &str = "linkbeat_use_polling
linkbeat_interfaces {
 lbv0
 eth0 MII
}
vrrp_instance VI_1 {
 state MASTER
 interface eth0
 virtual_router_id 51
 priority 200
 advert_int 1
 virtual_ipaddress {
  192.0.2.100/24
 }
}
";

/// The lines of `log` about linkbeat and VI_1's states, with whatever
/// precedes keepalived's words (timestamps, prefixes) cut off.
fn lines(log: &str) -> Vec<String> {
    const WORDS: [&str; 5] = [
        "Turning off linkbeat",
        "Using MII-BMSR/ETHTOOL",
        "Linkbeat reports",
        "(eth0): Configured linkbeat type",
        "(VI_1) Entering",
    ];
    log.lines()
        .filter_map(|l| {
            let at = WORDS.iter().filter_map(|w| l.find(w)).min()?;
            Some(l[at..].trim_end().to_owned())
        })
        .collect()
}

/// Waits (bounded) until `node`'s log has `n` of `line`.
fn wait_for(lab: &mut Lab, pid: u32, line: &str, n: usize) -> bool {
    lab.wait_until(Duration::from_secs(10), |l| {
        lines(&l.log_of(pid)).iter().filter(|x| *x == line).count() >= n
    })
    .is_some()
}

/// Runs the scenario with `imp`; returns its linkbeat and state lines.
fn run(imp: Impl) -> Vec<String> {
    let mut lab = Lab::new(1).expect("lab");
    lab.exec_ok(
        0,
        "ip",
        &[
            "link", "add", "lbv0", "type", "veth", "peer", "name", "lbv0p",
        ],
    )
    .expect("spare veth");
    let node = support::start(&mut lab, 0, imp, CONF, imp.label())
        .expect("start the daemon");
    let vip: IpAddr = "192.0.2.100".parse().expect("literal");
    let pid = node.pid;
    let label = imp.label();
    let check = |lab: &mut Lab, line: &str, n: usize| {
        let seen = wait_for(lab, pid, line, n);
        assert!(seen, "{label}: no {line:?}; log:\n{}", lab.log_of(pid));
    };
    check(&mut lab, "(VI_1) Entering MASTER STATE", 1);
    assert_eq!(lab.holders(vip), [0], "{label}: VIP not held");
    lab.link_down(0).expect("link down");
    check(&mut lab, "Linkbeat reports eth0 down", 1);
    check(&mut lab, "(VI_1) Entering FAULT STATE", 1);
    lab.link_up(0).expect("link up");
    check(&mut lab, "Linkbeat reports eth0 up", 1);
    check(&mut lab, "(VI_1) Entering MASTER STATE", 2);
    let log = lab.log_of(pid);
    support::terminate(&mut lab, &node);
    println!("{label}: log\n{log}");
    lines(&log)
}

#[test]
fn polled_link_loss_faults_the_instance_as_keepalived_does() {
    if ka_lab::skip_if(support::skip_reason()) {
        return;
    }
    let ka = run(Impl::Keepalived);
    let rs = run(Impl::Rust);
    println!("keepalived: {ka:#?}\nkeepalived-rs: {rs:#?}");
    for want in [
        "Turning off linkbeat for lbv0 since not used for tracking",
        "(eth0): Configured linkbeat type MII not supported, using ETHTOOL",
        "Using MII-BMSR/ETHTOOL NIC polling thread(s)...",
    ] {
        assert!(ka.iter().any(|l| l == want), "keepalived: {want}");
    }
    // keepalived compat: the same lines in the same order.
    assert_eq!(ka, rs);
}

//! Failover across protocol modes: VRRPv3 with centisecond adverts, IPv6,
//! unicast, PASS and AH authentication, sync groups.

use std::net::IpAddr;
use std::time::Duration;

use nix::sys::signal::Signal;

use crate::*;

const ELECTION: Duration = Duration::from_secs(10);
/// Generous bound for silent loss at sub-second adverts.
const FAST_BOUND: Duration = Duration::from_secs(3);

fn crash_moves_vip(lab: &mut ka_lab::Lab, vip: IpAddr, hi_extra: &str, lo_extra: &str, vips: &[&str]) {
    let hi = start(lab, 0, "hi", &instance(51, 150, hi_extra, vips));
    let lo = start(lab, 1, "lo", &instance(51, 100, lo_extra, vips));
    expect_holders(lab, vip, &[0], ELECTION, &[&hi, &lo]);
    kill(lab, &hi, Signal::SIGKILL);
    expect_holders(lab, vip, &[0, 1], Duration::from_secs(6), &[&hi, &lo]);
}

#[test]
fn vrrpv3_ipv4_centisecond_adverts() {
    let Some(mut lab) = lab(2) else { return };
    // Master_Down = 3 × 10 ms + skew ≈ 36 ms.
    let x = "    version 3\n    advert_int 0.01\n";
    let hi = start(&mut lab, 0, "hi", &instance(51, 150, x, &["192.0.2.100/24"]));
    let lo = start(&mut lab, 1, "lo", &instance(51, 100, x, &["192.0.2.100/24"]));
    expect_holders(&lab, vip4(), &[0], ELECTION, &[&hi, &lo]);
    expect_steady(&lab, vip4(), &[0], Duration::from_secs(2));
    kill(&mut lab, &hi, Signal::SIGKILL);
    expect_holders(&lab, vip4(), &[0, 1], FAST_BOUND, &[&hi, &lo]);
}

#[test]
fn vrrpv3_ipv6() {
    let Some(mut lab) = lab(2) else { return };
    let vip: IpAddr = "2001:db8::100".parse().unwrap();
    crash_moves_vip(&mut lab, vip, "    advert_int 0.1\n", "    advert_int 0.1\n", &["2001:db8::100/64"]);
}

#[test]
fn unicast_vrrpv2() {
    let Some(mut lab) = lab(2) else { return };
    let to = |me: &str, peer: &str| format!("    unicast_src_ip {me}\n    unicast_peer {{\n        {peer}\n    }}\n");
    crash_moves_vip(&mut lab, vip4(), &to("192.0.2.10", "192.0.2.11"), &to("192.0.2.11", "192.0.2.10"), &["192.0.2.100/24"]);
}

#[test]
fn unicast_vrrpv3() {
    let Some(mut lab) = lab(2) else { return };
    let to = |me: &str, peer: &str| {
        format!("    version 3\n    advert_int 0.1\n    unicast_src_ip {me}\n    unicast_peer {{\n        {peer}\n    }}\n")
    };
    crash_moves_vip(&mut lab, vip4(), &to("192.0.2.10", "192.0.2.11"), &to("192.0.2.11", "192.0.2.10"), &["192.0.2.100/24"]);
}

#[test]
fn pass_authentication() {
    let Some(mut lab) = lab(2) else { return };
    let auth = "    authentication {\n        auth_type PASS\n        auth_pass secret12\n    }\n";
    crash_moves_vip(&mut lab, vip4(), auth, auth, &["192.0.2.100/24"]);
}

#[test]
fn ah_authentication() {
    let Some(mut lab) = lab(2) else { return };
    let auth = "    authentication {\n        auth_type AH\n        auth_pass secret12\n    }\n";
    crash_moves_vip(&mut lab, vip4(), auth, auth, &["192.0.2.100/24"]);
}

#[test]
fn mismatched_pass_never_elects_across() {
    let Some(mut lab) = lab(2) else { return };
    let a = "    authentication {\n        auth_type PASS\n        auth_pass aaaa\n    }\n";
    let b = "    authentication {\n        auth_type PASS\n        auth_pass bbbb\n    }\n";
    let hi = start(&mut lab, 0, "hi", &instance(51, 150, a, &["192.0.2.100/24"]));
    let lo = start(&mut lab, 1, "lo", &instance(51, 100, b, &["192.0.2.100/24"]));
    // Each rejects the other's adverts, so both become master.
    expect_holders(&lab, vip4(), &[0, 1], ELECTION, &[&hi, &lo]);
}

#[test]
fn sync_group_members_move_together() {
    let Some(mut lab) = lab(2) else { return };
    let conf = |p1: u8, p2: u8| {
        format!(
            "vrrp_sync_group G1 {{\n    group {{\n        VI_A\n        VI_B\n    }}\n}}\n\
             vrrp_instance VI_A {{\n    state BACKUP\n    interface eth0\n    virtual_router_id 61\n    priority {p1}\n    \
             virtual_ipaddress {{\n        192.0.2.161/24\n    }}\n}}\n\
             vrrp_instance VI_B {{\n    state BACKUP\n    interface eth0\n    virtual_router_id 62\n    priority {p2}\n    \
             virtual_ipaddress {{\n        192.0.2.162/24\n    }}\n}}\n"
        )
    };
    let a: IpAddr = "192.0.2.161".parse().unwrap();
    let b: IpAddr = "192.0.2.162".parse().unwrap();
    // h0 is higher on VI_A only; h1 higher on VI_B only: the group forces
    // one side to hold both.
    let n0 = start(&mut lab, 0, "n0", &conf(150, 100));
    let n1 = start(&mut lab, 1, "n1", &conf(100, 150));
    let settled = lab.wait_until(Duration::from_secs(15), |l| {
        let (ha, hb) = (l.holders(a), l.holders(b));
        ha.len() == 1 && ha == hb
    });
    assert!(settled.is_some(), "members split: {:?} {:?}\n{}\n{}", lab.holders(a), lab.holders(b), lab.log_of(n0.pid), lab.log_of(n1.pid));
    let owner = lab.holders(a)[0];
    let (gone, other) = if owner == 0 { (&n0, 1) } else { (&n1, 0) };
    kill(&mut lab, gone, Signal::SIGTERM);
    expect_holders(&lab, a, &[other], Duration::from_secs(6), &[&n0, &n1]);
    expect_holders(&lab, b, &[other], Duration::from_secs(2), &[&n0, &n1]);
}

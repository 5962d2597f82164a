//! Failover across protocol modes: VRRPv3 with centisecond adverts, IPv6,
//! unicast, PASS and AH authentication, sync groups.

use std::net::IpAddr;
use std::time::Duration;

use nix::sys::signal::Signal;

use crate::*;

const ELECTION: Duration = Duration::from_secs(10);
/// Generous bound for silent loss at sub-second adverts.
const FAST_BOUND: Duration = Duration::from_secs(3);

fn crash_moves_vip(
    lab: &mut ka_lab::Lab,
    vip: IpAddr,
    hi_extra: &str,
    lo_extra: &str,
    vips: &[&str],
) {
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
    let hi = start(
        &mut lab,
        0,
        "hi",
        &instance(51, 150, x, &["192.0.2.100/24"]),
    );
    let lo = start(
        &mut lab,
        1,
        "lo",
        &instance(51, 100, x, &["192.0.2.100/24"]),
    );
    expect_holders(&lab, vip4(), &[0], ELECTION, &[&hi, &lo]);
    expect_steady(&lab, vip4(), &[0], Duration::from_secs(2));
    kill(&mut lab, &hi, Signal::SIGKILL);
    expect_holders(&lab, vip4(), &[0, 1], FAST_BOUND, &[&hi, &lo]);
}

#[test]
fn vrrpv3_ipv6() {
    let Some(mut lab) = lab(2) else { return };
    let vip: IpAddr = "2001:db8::100".parse().unwrap();
    crash_moves_vip(
        &mut lab,
        vip,
        "    advert_int 0.1\n",
        "    advert_int 0.1\n",
        &["2001:db8::100/64"],
    );
}

/// A unicast pair (192.0.2.10 ⇄ 192.0.2.11) whose master crashes;
/// `extra` adds version/interval lines to both.
fn unicast_crash(extra: &str) {
    let Some(mut lab) = lab(2) else { return };
    let to = |me: &str, peer: &str| {
        format!(
            "{extra}    unicast_src_ip {me}\n    unicast_peer {{\n        {peer}\n    }}\n"
        )
    };
    crash_moves_vip(
        &mut lab,
        vip4(),
        &to("192.0.2.10", "192.0.2.11"),
        &to("192.0.2.11", "192.0.2.10"),
        &["192.0.2.100/24"],
    );
}

#[test]
fn unicast_vrrpv2() {
    unicast_crash("");
}

#[test]
fn unicast_vrrpv3() {
    unicast_crash("    version 3\n    advert_int 0.1\n");
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
    let hi = start(
        &mut lab,
        0,
        "hi",
        &instance(51, 150, a, &["192.0.2.100/24"]),
    );
    let lo = start(
        &mut lab,
        1,
        "lo",
        &instance(51, 100, b, &["192.0.2.100/24"]),
    );
    // Each rejects the other's adverts, so both become master.
    expect_holders(&lab, vip4(), &[0, 1], ELECTION, &[&hi, &lo]);
}

#[test]
fn sync_group_members_move_together() {
    let Some(mut lab) = lab(2) else { return };
    let flag = lab.dir().join("vi_b.ok");
    std::fs::write(&flag, "").unwrap();
    // VI_B is tracked by a weight-0 script (FAULT when it fails); VI_A is
    // not. The group makes VI_A follow VI_B.
    let conf = |p: u8, script: bool| {
        let track = if script {
            "    track_script {\n        chk_b\n    }\n"
        } else {
            ""
        };
        format!(
            "vrrp_script chk_b {{\n    script \"/usr/bin/test -e {}\"\n    interval 1\n}}\n\
             vrrp_sync_group G1 {{\n    group {{\n        VI_A\n        VI_B\n    }}\n}}\n\
             vrrp_instance VI_A {{\n    state BACKUP\n    interface eth0\n    virtual_router_id 61\n    priority {p}\n    \
             virtual_ipaddress {{\n        192.0.2.161/24\n    }}\n}}\n\
             vrrp_instance VI_B {{\n    state BACKUP\n    interface eth0\n    virtual_router_id 62\n    priority {p}\n{track}    \
             virtual_ipaddress {{\n        192.0.2.162/24\n    }}\n}}\n",
            flag.display()
        )
    };
    let a: IpAddr = "192.0.2.161".parse().unwrap();
    let b: IpAddr = "192.0.2.162".parse().unwrap();
    let n0 = start(&mut lab, 0, "n0", &conf(150, true));
    let n1 = start(&mut lab, 1, "n1", &conf(100, false));
    expect_holders(&lab, a, &[0], ELECTION, &[&n0, &n1]);
    expect_holders(&lab, b, &[0], Duration::from_secs(2), &[&n0, &n1]);
    // VI_B's script fails: VI_B goes to FAULT and the group takes VI_A
    // with it, so the backup gets both.
    std::fs::remove_file(&flag).unwrap();
    expect_holders(&lab, b, &[1], Duration::from_secs(8), &[&n0, &n1]);
    expect_holders(&lab, a, &[1], Duration::from_secs(2), &[&n0, &n1]);
    // The script recovers: both come back together.
    std::fs::write(&flag, "").unwrap();
    expect_holders(&lab, a, &[0], ELECTION, &[&n0, &n1]);
    expect_holders(&lab, b, &[0], Duration::from_secs(2), &[&n0, &n1]);
}

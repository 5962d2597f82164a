//! VMACs on an interface enslaved to a VRF, side by side: keepalived
//! 2.2.7 and keepalived-rs, each in its own user-mode Linux boot (the
//! host kernel has no vrf module), run a `use_vmac` and a `use_ipvlan`
//! instance on `kad0` and `kad1`, slaves of VRF `blue` (`vrf_uml/`). keepalived
//! creates both virtual interfaces in the VRF (`IFLA_MASTER`,
//! `netlink_link_add_vmac` / `_ipvlan`), so the VIP of the VMAC is
//! routed in the VRF's table. Both boots must record the same, and
//! keepalived's must be what its sources describe.

use std::time::Duration;

use ka_lab::uml::{Guest, skip_reason_with_keepalived};

const KEEPALIVED: &str = "/usr/sbin/keepalived";
const KEEPALIVED_RS: &str = env!("CARGO_BIN_EXE_keepalived-rs");
const GUEST_SH: &str = include_str!("vrf_uml/guest.sh");
const CONF: &str = include_str!("vrf_uml/keepalived.conf");

/// What one boot recorded (seq.log), and the daemon's log.
fn run(name: &str, daemon: &str) -> (Vec<String>, String) {
    let g = Guest::new(name)
        .env("KA_DAEMON", daemon)
        .timeout(Duration::from_secs(200));
    let work = g.work().to_path_buf();
    std::fs::write(work.join("keepalived.conf"), CONF)
        .expect("write keepalived.conf");
    g.run_ok(
        GUEST_SH,
        &["seq.log", "daemon.log", "vmac.txt", "ipvlan.txt"],
    );
    let read =
        |f: &str| std::fs::read_to_string(work.join(f)).unwrap_or_default();
    let log = format!(
        "daemon log:\n{}\nVMAC:\n{}\nipvlan:\n{}",
        read("daemon.log"),
        read("vmac.txt"),
        read("ipvlan.txt")
    );
    (read("seq.log").lines().map(str::to_owned).collect(), log)
}

#[test]
fn vmacs_join_the_vrf_of_their_interface_as_in_keepalived() {
    if ka_lab::skip_if(skip_reason_with_keepalived()) {
        return;
    }
    let (k, klog) = run("vrf-keepalived", KEEPALIVED);
    let expected = [
        "both VIPs up",
        "vrrp.63: master blue",
        "ipv0: master blue",
        "192.0.2.100: VRF table 10",
        // keepalived 2.2.7 keeps an ipvlan instance's VIPs on the
        // configured interface, itself in the VRF.
        "198.51.100.100: VRF table 10",
        "stopped: both gone",
    ];
    assert_eq!(
        k, expected,
        "keepalived did not do what its sources say:\n{klog}"
    );
    let (r, rlog) = run("vrf-keepalived-rs", KEEPALIVED_RS);
    assert_eq!(
        r, k,
        "keepalived-rs (left) and keepalived 2.2.7 (right) differ\n{rlog}"
    );
}

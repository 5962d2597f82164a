//! VMACs (`use_vmac`) and accept mode (`no_accept`) end to end:
//! keepalived-rs in network-namespace hosts (ka-lab), checked with `ip`,
//! `nft`, `ping` and `tcpdump` from the outside. Needs root; skipped with
//! the reason otherwise.

mod common;

use std::time::Duration;

use ka_lab::Lab;
use nix::sys::signal::Signal;

/// Election or failover, with a wide margin for a loaded 2-core machine.
const ELECTION: Duration = Duration::from_secs(12);

const VMAC_MAC: &str = "00:00:5e:00:01:33";

/// Writes `conf` and starts keepalived-rs in host `host`; returns its pid.
fn start(lab: &mut Lab, host: usize, name: &str, conf: &str) -> u32 {
    common::start_keepalived_rs(lab, host, name, conf, &[])
}

/// An instance `name` with VRID `vrid`, `extra` lines and one VIP.
fn instance(name: &str, vrid: u8, prio: u8, extra: &str, vip: &str) -> String {
    format!(
        "vrrp_instance {name} {{\n    state BACKUP\n    interface eth0\n    virtual_router_id {vrid}\n    \
         priority {prio}\n    advert_int 1\n{extra}    virtual_ipaddress {{\n        {vip}/24\n    }}\n}}\n"
    )
}

/// The interface holding `vip` on host `i`, if any (any interface, not
/// only eth0).
fn holder_iface(lab: &Lab, i: usize, vip: &str) -> Option<String> {
    let out = lab
        .exec_ok(i, "ip", &["-o", "addr", "show", "to", vip])
        .ok()?;
    let line = out.lines().next()?;
    Some(
        line.split_whitespace()
            .nth(1)?
            .trim_end_matches(':')
            .to_owned(),
    )
}

/// Waits until `vip` sits on `iface` of exactly the hosts in `want`.
fn expect_on(
    lab: &Lab,
    want: &[usize],
    iface: &str,
    vip: &str,
    pids: &[u32],
    what: &str,
) {
    let n = lab.hosts().len();
    let ok = |l: &Lab| {
        (0..n).all(|i| {
            (holder_iface(l, i, vip).as_deref() == Some(iface))
                == want.contains(&i)
        })
    };
    if lab.wait_until(ELECTION, ok).is_none() {
        let logs: String = pids
            .iter()
            .map(|p| format!("--- pid {p}:\n{}\n", lab.log_of(*p)))
            .collect();
        let now: Vec<_> = (0..n).map(|i| holder_iface(lab, i, vip)).collect();
        panic!(
            "{what}: expected {vip} on {iface} of {want:?}, found {now:?}\n{logs}"
        );
    }
}

fn sysctl(lab: &Lab, i: usize, key: &str) -> String {
    let path = format!("/proc/sys/net/{key}");
    lab.exec_ok(i, "cat", &[&path])
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

/// One ping with a 1 s deadline from host `from`.
fn pings(lab: &Lab, from: usize, to: &str) -> bool {
    lab.exec(from, "ping", &["-n", "-c", "1", "-W", "1", to])
        .is_ok_and(|o| o.status.success())
}

/// Starts a capture in host 2 of the first gratuitous ARP sent from the
/// virtual MAC (bounded by `timeout`).
fn watch_garps(lab: &mut Lab) -> u32 {
    let filter = format!("arp and ether src {VMAC_MAC}");
    let args = [
        "15", "tcpdump", "-e", "-n", "-l", "-i", "eth0", "-c", "1", &filter,
    ];
    let n = lab.dir().read_dir().map(Iterator::count).unwrap_or(0);
    lab.spawn(2, &format!("garps{n}"), "timeout", &args)
        .expect("tcpdump")
}

/// Waits for the capture and checks it saw a GARP for `vip`.
fn expect_garp(lab: &mut Lab, pid: u32, vip: &str, what: &str) {
    let _ = lab.wait_exit(pid, Duration::from_secs(20));
    let log = lab.log_of(pid);
    let garp = log.contains(&format!("Request who-has {vip} "))
        && log.contains(&format!("tell {vip},"));
    assert!(
        garp && log.contains("> ff:ff:ff:ff:ff:ff"),
        "{what}: no GARP from the VMAC:\n{log}"
    );
}

/// Stops keepalived-rs gracefully and waits for it.
fn stop(lab: &mut Lab, pid: u32) {
    assert!(lab.signal(pid, Signal::SIGTERM));
    assert!(
        lab.wait_exit(pid, Duration::from_secs(10)).is_some(),
        "no exit:\n{}",
        lab.log_of(pid)
    );
}

#[test]
fn use_vmac_puts_the_vip_on_a_private_macvlan_and_fails_over() {
    if ka_lab::skip() {
        return;
    }
    let mut lab = Lab::new(3).expect("lab");
    let vip = "192.0.2.100";
    let garps = watch_garps(&mut lab);
    let hi = start(
        &mut lab,
        0,
        "hi",
        &instance("VI_1", 51, 150, "    use_vmac\n", vip),
    );
    let lo = start(
        &mut lab,
        1,
        "lo",
        &instance("VI_1", 51, 100, "    use_vmac\n", vip),
    );
    expect_on(&lab, &[0], "vrrp.51", vip, &[hi, lo], "initial election");
    for h in [0, 1] {
        let link = lab
            .exec_ok(h, "ip", &["-d", "link", "show", "vrrp.51"])
            .expect("vrrp.51 exists");
        assert!(link.contains("macvlan mode private"), "host {h}: {link}");
        assert!(link.contains(VMAC_MAC), "host {h}: {link}");
        assert!(link.contains("addrgenmode none"), "host {h}: {link}");
    }
    assert_eq!(sysctl(&lab, 0, "ipv4/conf/vrrp.51/arp_ignore"), "1");
    assert_eq!(sysctl(&lab, 0, "ipv4/conf/vrrp.51/accept_local"), "1");
    assert_eq!(sysctl(&lab, 0, "ipv4/conf/eth0/arp_filter"), "1");
    assert_eq!(sysctl(&lab, 0, "ipv6/conf/vrrp.51/disable_ipv6"), "1");
    // Adverts leave from the virtual MAC, with the parent's address.
    let dump = lab
        .exec(
            2,
            "timeout",
            &[
                "6",
                "tcpdump",
                "-e",
                "-n",
                "-l",
                "-i",
                "eth0",
                "-c",
                "2",
                "ip proto 112",
            ],
        )
        .expect("tcpdump");
    let text = String::from_utf8_lossy(&dump.stdout);
    assert!(
        text.contains(&format!("{VMAC_MAC} > 01:00:5e:00:00:12")),
        "adverts not from the VMAC:\n{text}"
    );
    assert!(
        text.contains("192.0.2.10 > 224.0.0.18"),
        "advert source is not eth0's address:\n{text}"
    );
    assert!(pings(&lab, 2, vip), "the VIP answers on the VMAC");
    expect_garp(&mut lab, garps, vip, "initial master");
    // The IGMP of the VMAC is redirected to the parent (keepalived's rule).
    let nft = lab
        .exec_ok(0, "nft", &["list", "table", "ip", "keepalived"])
        .expect("table ip keepalived");
    assert!(nft.contains("\"vrrp.51\" : \"eth0\""), "{nft}");
    // Failover: the VMAC role moves; the old master cleans up.
    let garps = watch_garps(&mut lab);
    stop(&mut lab, hi);
    expect_on(&lab, &[1], "vrrp.51", vip, &[lo], "after SIGTERM");
    expect_garp(&mut lab, garps, vip, "new master");
    assert!(
        lab.exec_ok(0, "ip", &["link", "show", "vrrp.51"]).is_err(),
        "vrrp.51 left behind"
    );
    assert_eq!(
        sysctl(&lab, 0, "ipv4/conf/eth0/arp_filter"),
        "0",
        "sysctl not restored"
    );
    assert!(
        lab.exec_ok(0, "nft", &["list", "table", "ip", "keepalived"])
            .is_err(),
        "table left behind"
    );
    let answered = lab.wait_until(Duration::from_secs(5), |l| pings(l, 2, vip));
    assert!(answered.is_some(), "the new master's VMAC does not answer");
}

#[test]
fn no_accept_master_drops_traffic_to_its_vip_while_accept_answers() {
    if ka_lab::skip() {
        return;
    }
    let no_nft = ka_lab::run("nft", &["-v"]).is_err();
    if ka_lab::skip_if(no_nft.then_some("nft is not installed")) {
        return;
    }
    let mut lab = Lab::new(2).expect("lab");
    let conf = format!(
        "{}{}",
        instance("VI_1", 61, 150, "    no_accept\n", "192.0.2.100"),
        instance("VI_2", 62, 150, "    accept\n", "192.0.2.101"),
    );
    let ka = start(&mut lab, 0, "ka", &conf);
    expect_on(&lab, &[0], "eth0", "192.0.2.100", &[ka], "no_accept master");
    expect_on(&lab, &[0], "eth0", "192.0.2.101", &[ka], "accept master");
    let nft = lab
        .exec_ok(0, "nft", &["list", "table", "ip", "keepalived"])
        .expect("table ip keepalived");
    assert!(
        nft.contains("192.0.2.100") && !nft.contains("192.0.2.101"),
        "{nft}"
    );
    assert!(nft.contains("ip daddr @vips drop"), "{nft}");
    assert!(pings(&lab, 1, "192.0.2.101"), "the accept-mode VIP answers");
    assert!(!pings(&lab, 1, "192.0.2.100"), "the no_accept VIP answered");
    assert!(
        lab.log_of(ka).contains("(VI_1) setting firewall drop rule"),
        "{}",
        lab.log_of(ka)
    );
    stop(&mut lab, ka);
    assert!(
        lab.exec_ok(0, "nft", &["list", "table", "ip", "keepalived"])
            .is_err(),
        "table left behind"
    );
}

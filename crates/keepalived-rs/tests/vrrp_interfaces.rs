//! VRRP interface options end to end, keepalived-rs beside keepalived
//! 2.2.7: each runs the same configuration alone in its own lab host
//! (both partitioned, so each is master), and what they leave in the
//! kernel is compared: address VMACs (`use_vmac_addr`, per-address
//! `use_vmac`), where each address sits with its scope and flags,
//! `promote_secondaries` (set while running, put back at exit), with
//! `kernel_rx_buf_size` configured (its buffer size is checked in ka-sys's
//! `netns_sockets`: `ss` cannot show raw sockets' buffers). Needs root and
//! keepalived; skipped with the reason otherwise.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use ka_lab::{DaemonFiles, Lab};
use nix::sys::signal::Signal;

/// Becoming master alone, with a wide margin for a loaded machine.
const ELECTION: Duration = Duration::from_secs(15);

const CONF: &str = "vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 1
    use_vmac_addr
    promote_secondaries
    kernel_rx_buf_size 65536
    virtual_ipaddress {
        192.0.2.100/24
        198.51.100.1/24 dev x0
        203.0.113.1/24 dev x0 scope 100
    }
    virtual_ipaddress_excluded {
        2001:db8::1/64 mngtmpaddr
    }
}
vrrp_instance VI_2 {
    state MASTER
    interface eth0
    virtual_router_id 52
    priority 150
    advert_int 1
    virtual_ipaddress {
        192.0.2.102/24
        198.51.100.2/24 dev x0 use_vmac
    }
}
";

/// Every address of [`CONF`].
const VIPS: [&str; 6] = [
    "192.0.2.100",
    "198.51.100.1",
    "203.0.113.1",
    "2001:db8::1",
    "192.0.2.102",
    "198.51.100.2",
];

/// Why the test cannot run here, if it cannot.
fn skip_reason() -> Option<String> {
    if let Some(why) = ka_lab::skip_reason() {
        return Some(why);
    }
    match ka_lab::run("keepalived", &["-v"]) {
        Ok(o)
            if String::from_utf8_lossy(&o.stderr).contains("Keepalived v") =>
        {
            None
        }
        _ => Some("keepalived 2.2.7 is not installed".into()),
    }
}

/// Starts keepalived 2.2.7 on `conf` in host `host`; returns its pid.
fn start_keepalived(lab: &mut Lab, host: usize, name: &str, conf: &str) -> u32 {
    let files = DaemonFiles::write(lab.dir(), name, conf)
        .unwrap_or_else(|e| panic!("{e}"));
    lab.start_daemon(host, name, "keepalived", &files, &[], &["-P"])
        .expect("start keepalived")
}

/// A second link `x0` in host `i` (one end of a veth pair), up.
fn add_second_link(lab: &Lab, i: usize) {
    let ip = |args: &[&str]| lab.exec_ok(i, "ip", args).expect("ip link");
    ip(&["link", "add", "x0", "type", "veth", "peer", "name", "x1"]);
    ip(&["link", "set", "x0", "up"]);
    ip(&["link", "set", "x1", "up"]);
}

/// The macvlans of host `i`: `name@parent mac mode`.
fn macvlans(lab: &Lab, i: usize) -> BTreeSet<String> {
    let out = lab
        .exec_ok(i, "ip", &["-d", "-o", "link", "show", "type", "macvlan"])
        .unwrap_or_default();
    out.lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let name = w.get(1)?.trim_end_matches(':');
            let mac = w.iter().position(|x| *x == "link/ether")?;
            let mode = w.iter().position(|x| *x == "macvlan")? + 1;
            Some(format!("{name} {} {}", w.get(mac + 1)?, w.get(mode + 1)?))
        })
        .collect()
}

/// The test addresses of host `i`: `addr dev scope flags…`.
fn placed(lab: &Lab, i: usize) -> BTreeSet<String> {
    let out = lab
        .exec_ok(i, "ip", &["-o", "addr", "show"])
        .unwrap_or_default();
    out.lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let addr = *w.get(3)?;
            if !VIPS.iter().any(|v| addr.split('/').next() == Some(*v)) {
                return None;
            }
            let dev = w.get(1)?.trim_end_matches(':');
            let scope = w.iter().position(|x| *x == "scope")?;
            let flags: Vec<&str> = w[scope + 2..]
                .iter()
                // The label (the device name) ends the line before
                // `valid_lft`: `eth0\`.
                .take_while(|x| {
                    !x.starts_with("valid_lft") && !x.ends_with('\\')
                })
                .copied()
                .collect();
            Some(format!("{addr} {dev} {} {}", w[scope + 1], flags.join(",")))
        })
        .collect()
}

fn sysctl(lab: &Lab, i: usize, key: &str) -> String {
    let path = format!("/proc/sys/net/{key}");
    lab.exec_ok(i, "cat", &[&path])
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

fn stop(lab: &mut Lab, pid: u32) {
    assert!(lab.signal(pid, Signal::SIGTERM));
    assert!(
        lab.wait_exit(pid, Duration::from_secs(15)).is_some(),
        "no exit:\n{}",
        lab.log_of(pid)
    );
}

#[test]
fn address_vmacs_and_promote_secondaries_match_keepalived() {
    if ka_lab::skip_if(skip_reason()) {
        return;
    }
    let mut lab = Lab::new(2).expect("lab");
    lab.partition(0).expect("partition");
    lab.partition(1).expect("partition");
    for h in [0, 1] {
        add_second_link(&lab, h);
        assert_eq!(sysctl(&lab, h, "ipv4/conf/eth0/promote_secondaries"), "0");
    }
    let rs = common::start_keepalived_rs(&mut lab, 0, "rs", CONF, &[]);
    let ka = start_keepalived(&mut lab, 1, "ka", CONF);
    let logs = |lab: &Lab| {
        format!(
            "--- keepalived-rs:\n{}\n--- keepalived:\n{}",
            lab.log_of(rs),
            lab.log_of(ka)
        )
    };
    // Every address placed on both (4 VIPs, 2 per instance, and the eVIP).
    let done = |l: &Lab| (0..2).all(|h| placed(l, h).len() == 6);
    if lab.wait_until(ELECTION, done).is_none() {
        panic!(
            "not all addresses placed: {:?} / {:?}\n{}",
            placed(&lab, 0),
            placed(&lab, 1),
            logs(&lab)
        );
    }
    let (vm_rs, vm_ka) = (macvlans(&lab, 0), macvlans(&lab, 1));
    assert_eq!(vm_rs, vm_ka, "VMACs differ\n{}", logs(&lab));
    // What keepalived makes of it, spelt out.
    let want: BTreeSet<String> = [
        "vrrp.51@x0 00:00:5e:00:01:33 private",
        "vrrp6.51@eth0 00:00:5e:00:02:33 private",
        "vrrp.52@x0 00:00:5e:00:01:34 private",
    ]
    .map(String::from)
    .into();
    assert_eq!(vm_rs, want, "{}", logs(&lab));
    let (at_rs, at_ka) = (placed(&lab, 0), placed(&lab, 1));
    assert_eq!(at_rs, at_ka, "addresses differ\n{}", logs(&lab));
    for a in [
        "192.0.2.100/24 eth0 global secondary",
        "198.51.100.1/24 vrrp.51 global ",
        "203.0.113.1/24 vrrp.51 100 ",
        "198.51.100.2/24 vrrp.52 global ",
    ] {
        assert!(at_rs.contains(a), "{a} not in {at_rs:?}");
    }
    assert!(
        at_rs
            .iter()
            .any(|a| a.starts_with("2001:db8::1/64 vrrp6.51 global")
                && a.contains("mngtmpaddr")),
        "{at_rs:?}"
    );
    for h in [0, 1] {
        assert_eq!(sysctl(&lab, h, "ipv4/conf/eth0/promote_secondaries"), "1");
    }
    stop(&mut lab, rs);
    stop(&mut lab, ka);
    for h in [0, 1] {
        assert_eq!(sysctl(&lab, h, "ipv4/conf/eth0/promote_secondaries"), "0");
        assert!(
            macvlans(&lab, h).is_empty(),
            "host {h}: {:?}",
            macvlans(&lab, h)
        );
    }
}

const TRACK_CONF: &str = "track_group G1 {
    group {
        VI_1
    }
}
static_ipaddress {
    203.0.113.5/24 dev x0 track_group G1
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 61
    priority 150
    advert_int 1
    virtual_ipaddress {
        192.0.2.161/24
    }
}
";

/// Whether host `i` has `addr` on `dev`.
fn has(lab: &Lab, i: usize, dev: &str, addr: &str) -> bool {
    lab.exec_ok(i, "ip", &["-o", "addr", "show", "dev", dev, "to", addr])
        .is_ok_and(|o| !o.trim().is_empty())
}

#[test]
fn track_group_on_a_static_address_faults_its_instances_like_keepalived() {
    if ka_lab::skip_if(skip_reason()) {
        return;
    }
    let mut lab = Lab::new(2).expect("lab");
    lab.partition(0).expect("partition");
    lab.partition(1).expect("partition");
    for h in [0, 1] {
        add_second_link(&lab, h);
    }
    let rs = common::start_keepalived_rs(&mut lab, 0, "rs", TRACK_CONF, &[]);
    let ka = start_keepalived(&mut lab, 1, "ka", TRACK_CONF);
    let expect = |lab: &Lab, vip: bool, stat: bool, what: &str| {
        let ok = |l: &Lab| {
            (0..2).all(|h| {
                has(l, h, "eth0", "192.0.2.161") == vip
                    && has(l, h, "x0", "203.0.113.5") == stat
            })
        };
        if lab.wait_until(ELECTION, ok).is_none() {
            panic!(
                "{what}: want VIP {vip}, static {stat}\n--- keepalived-rs:\n{}\n--- keepalived:\n{}",
                lab.log_of(rs),
                lab.log_of(ka)
            );
        }
    };
    expect(&lab, true, true, "start");
    for h in [0, 1] {
        let del = ["addr", "del", "203.0.113.5/24", "dev", "x0"];
        lab.exec_ok(h, "ip", &del).expect("ip addr del");
    }
    // keepalived compat: a deleted static address is put back.
    expect(&lab, true, true, "static address deleted");
    for h in [0, 1] {
        lab.exec_ok(h, "ip", &["link", "set", "x0", "down"])
            .expect("down");
    }
    // The track group's instance tracks x0: FAULT, its VIP goes.
    expect(&lab, false, true, "x0 down");
    for h in [0, 1] {
        lab.exec_ok(h, "ip", &["link", "set", "x0", "up"])
            .expect("up");
    }
    expect(&lab, true, true, "x0 up");
    stop(&mut lab, rs);
    stop(&mut lab, ka);
    expect(&lab, false, false, "stopped");
}

/// A VRRPv3 unicast instance from `me` to `peer` with the old checksum.
fn old_checksum_conf(prio: u8, me: &str, peer: &str) -> String {
    format!(
        "vrrp_instance VI_1 {{
    state BACKUP
    interface eth0
    version 3
    virtual_router_id 71
    priority {prio}
    advert_int 1
    unicast_src_ip {me}
    unicast_peer {{
        {peer}
    }}
    old_unicast_checksum
    virtual_ipaddress {{
        192.0.2.171/24
    }}
}}
"
    )
}

#[test]
fn old_unicast_checksum_adverts_are_accepted_by_keepalived_configured_alike() {
    if ka_lab::skip_if(skip_reason()) {
        return;
    }
    let mut lab = Lab::new(2).expect("lab");
    let (me, peer) = ("192.0.2.10", "192.0.2.11");
    let rs_conf = old_checksum_conf(150, me, peer);
    let rs = common::start_keepalived_rs(&mut lab, 0, "rs", &rs_conf, &[]);
    // keepalived with `old_unicast_checksum` accepts only the old
    // checksum: it stays backup only if keepalived-rs sends that one.
    let ka =
        start_keepalived(&mut lab, 1, "ka", &old_checksum_conf(100, peer, me));
    let vip = "192.0.2.171";
    let logs = |lab: &Lab| {
        format!(
            "--- keepalived-rs:\n{}\n--- keepalived:\n{}",
            lab.log_of(rs),
            lab.log_of(ka)
        )
    };
    let master = |l: &Lab| has(l, 0, "eth0", vip) && !has(l, 1, "eth0", vip);
    if lab.wait_until(ELECTION, master).is_none() {
        panic!("keepalived-rs is not the only master\n{}", logs(&lab));
    }
    // keepalived would take over within its master down interval (about
    // 3.6 s) if it rejected the adverts.
    std::thread::sleep(Duration::from_secs(6));
    assert!(master(&lab), "dual master\n{}", logs(&lab));
    stop(&mut lab, rs);
    stop(&mut lab, ka);
}

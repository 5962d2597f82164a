//! `use_ipvlan` side by side (issue 13): keepalived 2.2.7 and
//! keepalived-rs, each in its own user-mode Linux boot (the host kernel
//! has no ipvlan), run one instance with `use_ipvlan ipv0 ADDR private`
//! on a veth whose other end holds a keepalived 2.2.7 peer of higher
//! priority (`ipvlan_uml/`). The guest records the instance becoming
//! MASTER alone, BACKUP when the peer starts, MASTER when it stops, and
//! the ipvlan going away at SIGTERM; it saves `ip -d link` and `ip addr`
//! of the ipvlan and of its parent. Both boots must be the same, and
//! keepalived's must be what its sources describe: the adverts leave from
//! the ipvlan with its address as source, but the VIP goes on the parent
//! (keepalived 2.2.7 moves VIPs only to a VMAC).

use std::time::Duration;

use ka_lab::uml::{Guest, skip_reason_with_keepalived};

const KEEPALIVED: &str = "/usr/sbin/keepalived";
const KEEPALIVED_RS: &str = env!("CARGO_BIN_EXE_keepalived-rs");
const GUEST_SH: &str = include_str!("ipvlan_uml/guest.sh");
const CONF: &str = include_str!("ipvlan_uml/keepalived.conf");
const PEER_CONF: &str = include_str!("ipvlan_uml/peer.conf");

/// What one boot recorded.
#[derive(Debug, PartialEq, Eq)]
struct Run {
    seq: Vec<String>,
    link: String,
    addr_master: String,
    addr_backup: String,
    parent_master: String,
    parent_backup: String,
    disable_ipv6: String,
}

/// `ip` output without interface indexes (`7: ipv0@kad0: …`).
fn strip_index(s: &str) -> String {
    s.lines()
        .map(|l| match l.split_once(": ") {
            Some((n, rest)) if n.chars().all(|c| c.is_ascii_digit()) => {
                rest.to_owned()
            }
            _ => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn run(name: &str, daemon: &str) -> (Run, String) {
    let g = Guest::new(name)
        .env("KA_DAEMON", daemon)
        .timeout(Duration::from_secs(200));
    let work = g.work().to_path_buf();
    std::fs::write(work.join("keepalived.conf"), CONF)
        .expect("write keepalived.conf");
    std::fs::write(work.join("peer.conf"), PEER_CONF).expect("write peer.conf");
    g.run_ok(GUEST_SH, &["seq.log", "daemon.log", "peer.log"]);
    let read =
        |f: &str| std::fs::read_to_string(work.join(f)).unwrap_or_default();
    let log = format!(
        "daemon log:\n{}\npeer log:\n{}",
        read("daemon.log"),
        read("peer.log")
    );
    let run = Run {
        seq: read("seq.log").lines().map(str::to_owned).collect(),
        link: strip_index(&read("link.txt")),
        addr_master: strip_index(&read("addr-master.txt")),
        addr_backup: strip_index(&read("addr-backup.txt")),
        parent_master: strip_index(&read("parent-master.txt")),
        parent_backup: strip_index(&read("parent-backup.txt")),
        disable_ipv6: read("disable_ipv6.txt").trim().to_owned(),
    };
    (run, log)
}

#[test]
fn use_ipvlan_matches_keepalived_under_uml() {
    if ka_lab::skip_if(skip_reason_with_keepalived()) {
        return;
    }
    let (k, klog) = run("ipvlan-keepalived", KEEPALIVED);
    let expected = [
        "master: vip on kad0",
        "backup: vip gone",
        "peer heard adverts from 192.0.2.11",
        "master again: vip on kad0",
        "stopped: ipv0 gone",
    ];
    let sane = k.seq == expected
        && k.link
            .starts_with("ipv0@kad0: <BROADCAST,MULTICAST,UP,LOWER_UP>")
        && k.link.contains("ipvlan  mode l2 private")
        && k.link.contains("link/ether 02:00:5e:10:00:01")
        && k.addr_master
            .contains("inet 192.0.2.11/24 scope global ipv0")
        && !k.addr_master.contains("192.0.2.100")
        && !k.addr_master.contains("inet6")
        && k.addr_backup == k.addr_master
        && k.parent_master
            .contains("inet 192.0.2.100/24 scope global secondary kad0")
        && !k.parent_backup.contains("192.0.2.100")
        && k.disable_ipv6 == "1";
    assert!(
        sane,
        "keepalived did not do what its sources say: {k:#?}\n{klog}"
    );
    let (r, rlog) = run("ipvlan-keepalived-rs", KEEPALIVED_RS);
    assert_eq!(
        r, k,
        "keepalived-rs (left) and keepalived 2.2.7 (right) differ\n{rlog}"
    );
}

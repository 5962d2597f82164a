//! SNMP end to end: keepalived-rs registers as an AgentX subagent with
//! net-snmp's snmpd (started by the test in a lab host, on its own
//! socket), and `snmpwalk` reads KEEPALIVED-MIB, VRRP-MIB (RFC 2787) and
//! VRRPv3-MIB (RFC 6527); snmptrapd receives the notifications of the
//! state changes. Side by side, keepalived 2.2.7 runs the same
//! configuration against the same snmpd and the two walks are compared.
//! Needs root and the Debian packages `snmpd`, `snmptrapd` and `snmp`;
//! skipped with the reason otherwise.

mod common;
#[path = "snmp/fake_master.rs"]
mod fake_master;
#[path = "snmp/net_snmp.rs"]
mod net_snmp;

use std::collections::BTreeMap;
use std::time::Duration;

use ka_lab::{DaemonFiles, Lab};
use net_snmp::NetSnmp;
use nix::sys::signal::Signal;

/// Election plus a wide margin for a loaded 2-core machine.
const ELECTION: Duration = Duration::from_secs(20);
/// A notification's way through snmpd to snmptrapd.
const TRAP: Duration = Duration::from_secs(10);

const K: &str = "1.3.6.1.4.1.9586.100.5";
const RFC2787: &str = "1.3.6.1.2.1.68";
const RFC6527: &str = "1.3.6.1.2.1.207";

fn conf(socket: &str) -> String {
    format!(
        "global_defs {{\n    router_id snmp-test\n    enable_snmp_vrrp\n    \
         enable_snmp_rfc\n    enable_traps\n    snmp_socket unix:{socket}\n}}\n\
         vrrp_script chk {{\n    script \"/usr/bin/true\"\n    interval 1\n    weight 2\n}}\n\
         vrrp_sync_group G1 {{\n    group {{\n        VI_1\n    }}\n}}\n\
         vrrp_instance VI_1 {{\n    interface eth0\n    state BACKUP\n    \
         virtual_router_id 51\n    priority 150\n    advert_int 1\n    \
         virtual_ipaddress {{\n        192.0.2.100/24\n        192.0.2.101\n    }}\n}}\n\
         vrrp_instance VI_6 {{\n    interface eth0\n    state MASTER\n    \
         virtual_router_id 52\n    priority 100\n    version 3\n    advert_int 1\n    \
         track_script {{\n        chk\n    }}\n    \
         virtual_ipaddress {{\n        2001:db8::100/64\n    }}\n}}\n"
    )
}

fn ifindex(lab: &Lab) -> String {
    lab.exec_ok(0, "cat", &["/sys/class/net/eth0/ifindex"])
        .expect("ifindex")
        .trim()
        .to_string()
}

/// Waits until both instances are MASTER (KEEPALIVED-MIB state 2).
fn wait_masters(lab: &Lab, snmp: &NetSnmp, who: u32) {
    for row in [1, 2] {
        let oid = format!("{K}.2.3.1.4.{row}");
        if let Err(last) = snmp.wait_value(lab, &oid, "INTEGER: 2", ELECTION) {
            panic!(
                "instance {row} never MASTER over SNMP (last: {last})\n{}",
                lab.log_of(who)
            );
        }
    }
}

fn walk(lab: &Lab, snmp: &NetSnmp) -> BTreeMap<String, String> {
    snmp.walk_all(lab, &[K, RFC2787, RFC6527])
}

/// The values keepalived 2.2.7 serves for this configuration (read from
/// its walk), checked one by one.
fn check_walk(w: &BTreeMap<String, String>, ifx: &str) {
    let v = |oid: String| {
        w.get(&oid).cloned().unwrap_or_else(|| {
            format!("missing {oid} ({} OIDs walked)", w.len())
        })
    };
    assert_eq!(v(format!("{K}.1.2.0")), "STRING: \"snmp-test\"");
    assert!(
        v(format!("{K}.1.1.0")).starts_with("STRING: \"Keepalived v2.2.7 ")
    );
    assert_eq!(v(format!("{K}.1.4.0")), "INTEGER: 1", "traps enabled");
    assert_eq!(v(format!("{K}.2.1.1.2.1")), "STRING: \"G1\"");
    assert_eq!(v(format!("{K}.2.1.1.3.1")), "INTEGER: 2");
    assert_eq!(v(format!("{K}.2.2.1.2.1.1")), "STRING: \"VI_1\"");
    assert_eq!(v(format!("{K}.2.3.1.2.1")), "STRING: \"VI_1\"");
    assert_eq!(v(format!("{K}.2.3.1.2.2")), "STRING: \"VI_6\"");
    assert_eq!(v(format!("{K}.2.3.1.3.1")), "Gauge32: 51");
    assert_eq!(v(format!("{K}.2.3.1.3.2")), "Gauge32: 52");
    assert_eq!(
        v(format!("{K}.2.3.1.5.2")),
        "INTEGER: 2",
        "VI_6 configured MASTER"
    );
    assert_eq!(v(format!("{K}.2.3.1.7.1")), "INTEGER: 150");
    assert_eq!(v(format!("{K}.2.3.1.9.1")), "INTEGER: 1", "VIPs set");
    assert_eq!(v(format!("{K}.2.3.1.10.1")), "STRING: \"eth0\"");
    assert_eq!(
        v(format!("{K}.2.3.1.12.2")),
        "Gauge32: 100",
        "v3 interval in centiseconds"
    );
    assert_eq!(v(format!("{K}.2.3.1.18.1")), "STRING: \"G1\"");
    assert_eq!(v(format!("{K}.2.3.1.30.2")), "INTEGER: 3");
    assert_eq!(v(format!("{K}.2.3.1.35.1")), "Hex-STRING: E0 00 00 12");
    assert_eq!(v(format!("{K}.2.6.1.3.1.1")), "Hex-STRING: C0 00 02 64");
    // The tracked script: its row and VI_6's tracker (keepalived ignores
    // weighted trackers in a sync group), weight 2 applied.
    assert_eq!(v(format!("{K}.2.9.1.2.1")), "STRING: \"chk\"");
    assert_eq!(v(format!("{K}.2.9.1.3.1")), "STRING: \"'/usr/bin/true'\"");
    assert_eq!(v(format!("{K}.2.9.1.6.1")), "INTEGER: 3", "good");
    assert_eq!(v(format!("{K}.2.5.1.2.2.1")), "STRING: \"chk\"");
    assert_eq!(v(format!("{K}.2.5.1.3.2.1")), "INTEGER: 2");
    assert_eq!(v(format!("{K}.2.3.1.8.2")), "INTEGER: 102");
    assert_eq!(v(format!("{K}.2.6.1.5.1.1")), "Gauge32: 24");
    assert_eq!(v(format!("{K}.2.6.1.7.1.1")), format!("INTEGER: {ifx}"));
    assert_eq!(v(format!("{K}.2.6.1.10.2.1")), "INTEGER: 1", "VIP set");
    // RFC 2787: VI_1 only (VRRPv2, IPv4), indexed by ifIndex and VRID.
    assert_eq!(v(format!("{RFC2787}.1.1.0")), "INTEGER: 2");
    assert_eq!(
        v(format!("{RFC2787}.1.3.1.3.{ifx}.51")),
        "INTEGER: 3",
        "master"
    );
    assert_eq!(v(format!("{RFC2787}.1.3.1.5.{ifx}.51")), "INTEGER: 150");
    assert_eq!(
        v(format!("{RFC2787}.1.3.1.8.{ifx}.51")),
        "IpAddress: 192.0.2.10"
    );
    assert_eq!(
        v(format!("{RFC2787}.1.4.1.2.{ifx}.51.192.0.2.101")),
        "INTEGER: 1"
    );
    assert_eq!(
        v(format!("{RFC2787}.2.4.1.1.{ifx}.51")),
        "Counter32: 1",
        "became master once"
    );
    assert!(
        !w.contains_key(&format!("{RFC2787}.1.3.1.3.{ifx}.52")),
        "VRRPv3 in RFC 2787"
    );
    // RFC 6527: both instances, with the address family in the index.
    assert_eq!(v(format!("{RFC6527}.1.1.1.1.6.{ifx}.51.1")), "INTEGER: 3");
    assert_eq!(v(format!("{RFC6527}.1.1.1.1.6.{ifx}.52.2")), "INTEGER: 3");
    assert_eq!(
        v(format!("{RFC6527}.1.1.1.1.3.{ifx}.51.1")),
        "Hex-STRING: C0 00 02 0A"
    );
    assert_eq!(
        v(format!("{RFC6527}.1.2.5.1.2.{ifx}.52.2")),
        "INTEGER: 3",
        "masterNoResponse"
    );
    assert_eq!(
        v(format!("{RFC6527}.1.2.5.1.13.{ifx}.51.1")),
        "Gauge32: 1000"
    );
}

/// OIDs whose values legitimately differ between keepalived and
/// keepalived-rs on the same configuration (docs/compat.md): the version
/// string, the up-time counters (timing), and isAdvertised of the second
/// instance's VIPs (keepalived reports false, a bug in its iterator).
fn legitimately_different(oid: &str) -> bool {
    oid == format!("{K}.1.1.0")
        || oid.starts_with(&format!("{RFC2787}.1.3.1.13."))
        || oid.starts_with(&format!("{RFC6527}.1.1.1.1.12."))
        || oid.starts_with(&format!("{K}.2.6.1.11.2."))
}

#[test]
fn the_mibs_and_traps_match_keepalived() {
    if ka_lab::skip_if(net_snmp::skip_reason()) {
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    let snmp = NetSnmp::start(&mut lab, 0, "ms");
    let socket = snmp.socket.display().to_string();
    let rs =
        common::start_keepalived_rs(&mut lab, 0, "rs", &conf(&socket), &[]);
    wait_masters(&lab, &snmp, rs);
    let ifx = ifindex(&lab);
    let ours = walk(&lab, &snmp);
    check_walk(&ours, &ifx);
    // The notifications of the takeover, as keepalived sends them.
    let v2 = format!("68.1.3.1.7.{ifx}.51 = IpAddress: 192.0.2.10");
    let v3 = format!("207.1.2.5.1.2.{ifx}.52.2 = INTEGER: 3");
    let want = [
        vec![
            ".1.3.6.1.4.1.9586.100.5.2.10.0.2",
            "STRING: \"VI_1\"",
            "5.2.3.1.4 = INTEGER: 2",
            "STRING: \"snmp-test\"",
        ],
        vec![".1.3.6.1.2.1.68.0.1", v2.as_str()],
        vec![".1.3.6.1.2.1.207.0.1", v3.as_str()],
        vec![
            ".1.3.6.1.4.1.9586.100.5.2.10.0.1",
            "STRING: \"G1\"",
            "5.2.1.1.3 = INTEGER: 2",
        ],
    ];
    for parts in &want {
        if let Err(seen) = snmp.wait_trap(&lab, parts, TRAP) {
            panic!("no trap with {parts:?}; got {seen:#?}\n{}", lab.log_of(rs));
        }
    }
    // Stopping: STOP (5) for the instances, then the group.
    assert!(lab.signal(rs, Signal::SIGTERM));
    assert!(
        lab.wait_exit(rs, ELECTION).is_some(),
        "keepalived-rs did not stop"
    );
    for parts in [
        ["STRING: \"VI_6\"", "5.2.3.1.4 = INTEGER: 5"],
        ["STRING: \"G1\"", "5.2.1.1.3 = INTEGER: 5"],
    ] {
        if let Err(seen) = snmp.wait_trap(&lab, &parts, TRAP) {
            panic!(
                "no STOP trap with {parts:?}; got {seen:#?}\n{}",
                lab.log_of(rs)
            );
        }
    }
    side_by_side(&mut lab, &snmp, &ours);
}

/// keepalived 2.2.7 on the same configuration, the same snmpd: the same
/// OIDs and values but the legitimately different ones.
fn side_by_side(
    lab: &mut Lab,
    snmp: &NetSnmp,
    ours: &BTreeMap<String, String>,
) {
    if ka_lab::skip_if(ka_lab::run("keepalived", &["-v"]).err().map(|e| {
        format!("the keepalived comparison: keepalived is not installed ({e})")
    })) {
        return;
    }
    let socket = snmp.socket.display().to_string();
    let files = DaemonFiles::write(lab.dir(), "ka", &conf(&socket))
        .unwrap_or_else(|e| panic!("{e}"));
    let ka = lab
        .start_daemon(0, "keepalived", "keepalived", &files, &[], &["-P"])
        .expect("start keepalived");
    wait_masters(lab, snmp, ka);
    let theirs = walk(lab, snmp);
    assert!(lab.signal(ka, Signal::SIGTERM));
    lab.wait_exit(ka, ELECTION);
    let only_ours: Vec<_> =
        ours.keys().filter(|k| !theirs.contains_key(*k)).collect();
    let only_theirs: Vec<_> =
        theirs.keys().filter(|k| !ours.contains_key(*k)).collect();
    assert!(
        only_ours.is_empty() && only_theirs.is_empty(),
        "OIDs only keepalived-rs serves: {only_ours:#?}\nonly keepalived: {only_theirs:#?}"
    );
    let differ: Vec<String> = ours
        .iter()
        .filter(|(k, v)| {
            theirs.get(*k) != Some(v) && !legitimately_different(k)
        })
        .map(|(k, v)| {
            format!("{k}: keepalived-rs {v}, keepalived {}", theirs[k])
        })
        .collect();
    assert!(differ.is_empty(), "values differ:\n{}", differ.join("\n"));
    let legit: Vec<String> = ours
        .iter()
        .filter(|(k, v)| theirs.get(*k) != Some(v))
        .map(|(k, v)| {
            format!("  {k}: keepalived-rs {v}, keepalived {}", theirs[k])
        })
        .collect();
    eprintln!(
        "{} OIDs compared with keepalived; legitimately different:\n{}",
        ours.len(),
        legit.join("\n")
    );
}

#[test]
fn the_subagent_reconnects_when_the_master_comes_and_goes() {
    if ka_lab::skip_if(net_snmp::skip_reason()) {
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    let mut snmp = NetSnmp::start(&mut lab, 0, "rc");
    snmp.stop_snmpd(&mut lab);
    // keepalived-rs starts while no master listens.
    let socket = snmp.socket.display().to_string();
    let rs =
        common::start_keepalived_rs(&mut lab, 0, "rs", &conf(&socket), &[]);
    let logged = |lab: &Lab, what: &str| {
        lab.wait_until(ELECTION, |lab| lab.log_of(rs).contains(what))
            .is_some()
    };
    assert!(
        logged(&lab, "Failed to connect to the agentx master agent"),
        "{}",
        lab.log_of(rs)
    );
    snmp.restart(&mut lab, "rc", "snmpd2");
    wait_masters(&lab, &snmp, rs);
    // The master goes away and comes back.
    snmp.stop_snmpd(&mut lab);
    assert!(
        logged(&lab, "AgentX master disconnected us, reconnecting in"),
        "{}",
        lab.log_of(rs)
    );
    snmp.restart(&mut lab, "rc", "snmpd3");
    wait_masters(&lab, &snmp, rs);
    let connected = lab.log_of(rs).matches("AgentX subagent connected").count();
    assert_eq!(connected, 2, "{}", lab.log_of(rs));
    assert!(lab.signal(rs, Signal::SIGTERM));
}

#[test]
fn malformed_pdus_from_the_master_are_answered_not_fatal() {
    if ka_lab::skip() {
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    let socket = lab.dir().join("fake-agentx");
    let master = fake_master::FakeMaster::bind(&socket);
    let rs = common::start_keepalived_rs(
        &mut lab,
        0,
        "rs",
        &conf(&socket.display().to_string()),
        &[],
    );
    let report = master.run(Duration::from_secs(20));
    let report = report.unwrap_or_else(|e| panic!("{e}\n{}", lab.log_of(rs)));
    assert_eq!(report.registered.len(), 4, "{report:?}");
    assert!(report.parse_error_answered, "{report:?}");
    assert!(report.foreign_context_refused, "{report:?}");
    assert!(
        report.reconnected_after_bad_header,
        "{report:?}\n{}",
        lab.log_of(rs)
    );
    assert!(
        lab.log_of(rs).contains("malformed AgentX"),
        "{}",
        lab.log_of(rs)
    );
    assert!(lab.signal(rs, Signal::SIGTERM));
    assert!(
        lab.wait_exit(rs, ELECTION).is_some_and(|s| s.success()),
        "{}",
        lab.log_of(rs)
    );
}

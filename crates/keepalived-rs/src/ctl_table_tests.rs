//! The tables `ctl` prints, from hand-built answers.

use std::time::Duration;

use ka_daemon::core::status_json::{
    Checker, Counts, InstanceStats, RealServer, SyncGroup, TrackFile,
    VrrpScript,
};

use super::*;

const NOW: u64 = 1_796_217_994;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

/// Where `word` starts in `line`, in characters.
fn column(line: &str, word: &str) -> usize {
    let at = line
        .find(word)
        .unwrap_or_else(|| panic!("{word} in {line:?}"));
    line[..at].chars().count()
}

#[test]
fn columns_are_aligned_without_trailing_blanks() {
    let rows = vec![
        vec!["a".to_string(), "long value".into(), "x".into()],
        vec!["longer name".into(), "v".into(), String::new()],
    ];
    let text = table(&["NAME", "VALUE", "LAST"], &rows);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0], "NAME         VALUE       LAST");
    assert_eq!(lines[1], "a            long value  x");
    assert_eq!(lines[2], "longer name  v");
    assert!(text.lines().all(|l| l == l.trim_end()));
    // No heading: rows only.
    assert_eq!(table(&[], &rows[..1]), "a  long value  x\n");
    assert_eq!(table(&["ONLY"], &[]), "ONLY\n");
}

#[test]
fn ages_read_at_a_glance() {
    assert_eq!(age(0), "0s");
    assert_eq!(age(59), "59s");
    assert_eq!(age(60), "1m00s");
    assert_eq!(age(187), "3m07s");
    assert_eq!(age(3_600 * 2 + 5 * 60 + 9), "2h05m");
    assert_eq!(age(86_400 * 4 + 3_600 * 3), "4d03h");
}

fn instance(name: &str, state: &str) -> Instance {
    Instance {
        name: name.into(),
        state: state.into(),
        want_state: state.into(),
        interface: Some("eth0".into()),
        vrid: 51,
        version: 2,
        priority: 150,
        effective_priority: 140,
        master_address: Some("192.0.2.10".parse().unwrap()),
        master_priority: 150,
        advert_interval_ms: 1000,
        last_transition: Some(NOW as f64 - 187.4),
        fault_reasons: Vec::new(),
        sync_group: None,
        vips: vec!["192.0.2.100/24 dev eth0".into(), "192.0.2.101/32".into()],
        vips_installed: true,
        stats: InstanceStats {
            adverts_sent: 42,
            ..InstanceStats::default()
        },
    }
}

#[test]
fn instances_show_state_priorities_master_and_counters() {
    let mut fault = instance("VI_LONG_NAME", "FAULT");
    fault.fault_reasons = vec!["interface_down".into()];
    fault.stats.errors.auth_failure = 2;
    fault.stats.errors.ip_ttl = 1;
    fault.master_address = None;
    fault.last_transition = None;
    let text = render(
        &Response::Instances(vec![instance("VI_1", "MASTER"), fault]),
        now(),
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("NAME          STATE"), "{text}");
    let m = lines[1];
    for word in ["VI_1", "MASTER", "eth0", "51", "150", "140", "192.0.2.10"] {
        assert!(m.contains(word), "{word} missing: {m}");
    }
    assert!(m.contains("3m07s"), "{m}");
    assert!(
        m.ends_with("192.0.2.100/24 dev eth0, 192.0.2.101/32"),
        "{m}"
    );
    assert!(lines[2].contains("FAULT(interface_down)"), "{text}");
    // Every column starts where its heading does.
    for (heading, row, value) in [
        ("STATE", 1, "MASTER"),
        ("SENT", 1, "42"),
        ("ERRORS", 2, "3"),
        ("MASTER ", 2, "-"),
    ] {
        let at = column(lines[0], heading);
        assert!(
            lines[row][at..].starts_with(value),
            "{heading}: {:?}",
            &lines[row][at..]
        );
    }
}

fn rs(name: &str, up: bool, weight: u32, latency: Option<f64>) -> RealServer {
    RealServer {
        name: name.into(),
        address: None,
        up,
        weight,
        configured_weight: 3,
        in_table: up,
        checkers: vec![Checker {
            kind: "TCP_CHECK".into(),
            up,
            latency_ms: latency,
        }],
    }
}

#[test]
fn virtual_servers_list_each_real_server_once() {
    let vs = VirtualServer {
        name: "[192.0.2.1]:tcp:80".into(),
        scheduler: Some("wrr".into()),
        quorum: 1,
        quorum_up: true,
        live_weight: 3,
        sorry_server_active: false,
        real_servers: vec![
            rs("[198.51.100.1]:tcp:8080", true, 3, Some(1.25)),
            rs("[198.51.100.2]:tcp:8080", false, 0, None),
        ],
    };
    let empty = VirtualServer {
        name: "FWM 7".into(),
        scheduler: None,
        quorum: 1,
        quorum_up: false,
        live_weight: 0,
        sorry_server_active: true,
        real_servers: Vec::new(),
    };
    let text = render(&Response::VirtualServers(vec![vs, empty]), now());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[1].starts_with("[192.0.2.1]:tcp:80  wrr    up"),
        "{text}"
    );
    assert!(lines[1].contains("TCP_CHECK up"), "{text}");
    assert!(lines[1].ends_with("1.25ms"), "{text}");
    // The virtual server is not repeated on its second real server.
    let rs_col = column(lines[0], "REAL SERVER");
    assert!(lines[2][..rs_col].trim().is_empty(), "{text}");
    assert!(lines[2].contains("down (not in table)"), "{text}");
    assert!(lines[2].contains("0 of 3"), "{text}");
    assert!(lines[3].starts_with("FWM 7"), "{text}");
    assert!(lines[3].contains("down, sorry server"), "{text}");
}

#[test]
fn bfd_sessions_show_states_and_intervals_in_ms() {
    let b = BfdSession {
        name: "B1".into(),
        neighbor: "192.0.2.2".parse().unwrap(),
        source: None,
        local_state: "Up".into(),
        remote_state: "Up".into(),
        local_diag: "No Diagnostic".into(),
        remote_diag: "No Diagnostic".into(),
        min_rx_us: 100_000,
        min_tx_us: 200_000,
        idle_tx_us: 1_000_000,
        multiplier: 5,
        tx_interval_us: 200_000,
        remote_tx_interval_us: 150_000,
        remote_min_rx_us: 100_000,
        remote_multiplier: 3,
        detect_time_us: 750_000,
        remote_detect_time_us: 1_000_000,
        last_seen_ms: Some(12.5),
    };
    let text = render(&Response::Bfd(vec![b]), now());
    let row = text.lines().nth(1).unwrap();
    for word in ["B1", "192.0.2.2", "Up", "No Diagnostic", "200ms", "150ms"] {
        assert!(row.contains(word), "{word}: {row}");
    }
    assert!(row.contains("750ms"), "{row}");
    assert!(row.ends_with("12.5ms"), "{row}");
}

fn process() -> ProcessStatus {
    ProcessStatus {
        pid: 4242,
        version: "0.1.0".into(),
        keepalived_version: "2.2.7".into(),
        started: NOW - 3_700,
        uptime_secs: 3_700,
        frameworks: vec!["vrrp".into(), "check".into()],
        counts: Counts {
            vrrp_instances: 2,
            master: 1,
            backup: 1,
            virtual_servers: 1,
            virtual_servers_quorum_up: 1,
            real_servers: 4,
            real_servers_up: 3,
            ..Counts::default()
        },
    }
}

#[test]
fn status_is_a_two_column_summary() {
    let text = render(&Response::Status(process()), now());
    let want = [
        ("pid", "4242"),
        ("uptime", "1h01m"),
        ("frameworks", "vrrp, check"),
        (
            "vrrp instances",
            "2 (1 MASTER, 1 BACKUP, 0 FAULT), 0 sync groups",
        ),
        ("virtual servers", "1 (1 with quorum), real servers 3/4 up"),
    ];
    let values = column(&text, "4242");
    for (key, value) in want {
        let line = text
            .lines()
            .find(|l| l.starts_with(key))
            .unwrap_or_else(|| panic!("{key} in {text}"));
        assert_eq!(&line[values..], value, "{text}");
    }
}

#[test]
fn reload_and_errors_say_what_happened() {
    let taken = ReloadOutcome {
        taken: true,
        error: None,
    };
    assert!(render(&Response::Reload(taken), now()).contains("was taken"));
    let refused = ReloadOutcome {
        taken: false,
        error: Some("parse error".into()),
    };
    let text = render(&Response::Reload(refused), now());
    assert!(text.contains("refused") && text.contains("parse error"));
    let err = render(&Response::Error("nope".into()), now());
    assert_eq!(err, "error: nope\n");
    let none = render(&Response::Bfd(Vec::new()), now());
    assert_eq!(none, "no BFD sessions\n");
}

#[test]
fn dump_has_every_section() {
    let d = Dump {
        status: process(),
        instances: vec![instance("VI_1", "BACKUP")],
        sync_groups: vec![SyncGroup {
            name: "G1".into(),
            state: "BACKUP".into(),
            members: vec!["VI_1".into()],
        }],
        vrrp_scripts: vec![VrrpScript {
            name: "chk".into(),
            state: "GOOD".into(),
            result: 2,
            rise: 2,
            fall: 3,
        }],
        track_files: vec![TrackFile {
            name: "PRIO".into(),
            value: -10,
        }],
        track_processes: Vec::new(),
        interfaces_down: vec!["eth1".into()],
        vrid_errors: 7,
        virtual_servers: Vec::new(),
        bfd: Vec::new(),
    };
    let text = render(&Response::Dump(Box::new(d)), now());
    for section in [
        "STATUS\n",
        "\nVRRP INSTANCES\n",
        "\nSYNC GROUPS\n",
        "\nTRACKERS\n",
        "\nVIRTUAL SERVERS\n",
        "\nBFD SESSIONS\n",
    ] {
        assert!(text.contains(section), "{section:?} in {text}");
    }
    assert!(text.contains("G1"));
    assert!(text.contains("script") && text.contains("GOOD"));
    assert!(text.contains("-10"));
    assert!(text.contains("eth1"));
    assert!(text.contains("unknown VRID: 7"));
    assert!(text.contains("\nBFD SESSIONS\n(none)\n"), "{text}");
}

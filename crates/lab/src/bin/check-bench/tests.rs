use std::time::Duration;

use crate::analysis::{
    cpu_ticks, in_window, lateness, listen_queue, median, parse_access, ppid,
    vm_hwm_kb,
};
use crate::layout;

#[test]
fn lateness_counts_intervals_over_ten_percent() {
    // Server 0: 1.0, 1.05 and 1.2 s apart; server 1: never checked.
    let servers = vec![vec![0.0, 1.0, 2.05, 3.25], vec![]];
    let l = lateness(&servers, Duration::from_secs(1));
    assert_eq!(l.intervals, 3);
    assert_eq!(l.late, 1);
    assert_eq!(l.unchecked, 1);
    assert!((l.p50.as_secs_f64() - 1.05).abs() < 1e-9, "{l:?}");
    assert!((l.max.as_secs_f64() - 1.2).abs() < 1e-9, "{l:?}");
    assert!((l.late_pct() - 100.0 / 3.0).abs() < 1e-9);
}

#[test]
fn lateness_of_nothing_is_zero() {
    let l = lateness(&[], Duration::from_secs(1));
    assert_eq!((l.intervals, l.late, l.max), (0, 0, Duration::ZERO));
    assert_eq!(l.late_pct(), 0.0);
}

#[test]
fn window_keeps_the_times_inside_sorted() {
    assert_eq!(
        in_window(&[5.0, 1.0, 3.0, 2.0, 9.0], 2.0, 5.0),
        vec![2.0, 3.0, 5.0]
    );
}

#[test]
fn proc_fields() {
    let stat =
        "42 (keep alived) S 7 42 42 0 -1 4194560 100 0 0 0 13 29 0 0 20 0 1 0";
    assert_eq!(cpu_ticks(stat), Some(42));
    assert_eq!(ppid(stat), Some(7));
    assert_eq!(
        vm_hwm_kb("Name:\tx\nVmHWM:\t   12345 kB\nVmRSS:\t 1 kB\n"),
        Some(12345)
    );
    assert_eq!(vm_hwm_kb("Name:\tx\n"), None);
}

#[test]
fn nginx_log_lines() {
    assert_eq!(
        parse_access("1764700000.123 203.0.113.1:20005 200"),
        Some((1_764_700_000.123, "203.0.113.1:20005", true))
    );
    assert_eq!(
        parse_access("1.5 203.0.113.1:20005 404").map(|p| p.2),
        Some(false)
    );
    assert_eq!(parse_access("garbage"), None);
}

#[test]
fn server_addresses_round_trip() {
    assert_eq!(layout::tcp_rs(0), ("198.51.100.1".parse().unwrap(), 10_000));
    assert_eq!(
        layout::tcp_rs(9_999),
        ("198.51.100.10".parse().unwrap(), 10_999)
    );
    for j in [0, 1, 999, 1000, 4321] {
        let (a, p) = layout::http_rs(j);
        assert_eq!(layout::http_index(&format!("{a}:{p}")), Some(j));
    }
    assert_eq!(layout::http_index("198.51.100.1:20000"), None);
    assert_eq!(layout::http_index("203.0.113.1:80"), None);
}

#[test]
fn config_has_every_real_server_once() {
    let c = layout::keepalived_conf(2_500, 250);
    assert_eq!(c.matches("TCP_CHECK").count(), 2_500);
    assert_eq!(c.matches("HTTP_GET").count(), 250);
    // 3 TCP virtual servers of up to 1,000, 3 HTTP ones of up to 100.
    assert_eq!(c.matches("virtual_server ").count(), 6);
    assert_eq!(c.matches('{').count(), c.matches('}').count());
    assert!(c.contains("real_server 198.51.100.3 10499 {"));
    assert!(c.contains("virtual_server 192.0.2.153 80 {"));
    let n = layout::nginx_conf(250, std::path::Path::new("/w"));
    assert_eq!(n.matches("listen 203.0.113.1:").count(), 250);
    assert_eq!(layout::addresses(2_500, 250).len(), 4);
}

#[test]
fn median_takes_the_middle() {
    assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
    assert_eq!(median(vec![]), 0.0);
}

#[test]
fn accept_queue_of_listeners_only() {
    let listen = "   0: 0164330A:2710 00000000:0000 0A 00000000:0000001F 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0";
    let est = "   1: 0164330A:2710 0100007F:D431 01 00000000:00000005 00:00000000 00000000     0        0 2 1 0 20 4 30 10 -1";
    assert_eq!(listen_queue(listen), Some(31));
    assert_eq!(listen_queue(est), None);
}

#[test]
fn syn_destinations_map_to_real_servers() {
    use crate::syn::server_index;
    use std::net::Ipv4Addr;
    let (tcp, http) = (2500, 1500);
    for i in [0, 999, 1000, 2499] {
        assert_eq!(server_index(layout::tcp_rs(i), tcp, http), Some(i));
    }
    for j in [0, 1000, 1499] {
        assert_eq!(server_index(layout::http_rs(j), tcp, http), Some(tcp + j));
    }
    assert_eq!(server_index(layout::tcp_rs(2500), tcp, http), None);
    assert_eq!(server_index(layout::http_rs(1500), tcp, http), None);
    // A SYN-ACK's destination is the daemon's ephemeral port.
    assert_eq!(
        server_index((Ipv4Addr::new(198, 51, 100, 1), 45000), tcp, http),
        None
    );
    assert_eq!(
        server_index((Ipv4Addr::new(192, 0, 2, 1), 10000), tcp, http),
        None
    );
}

/// The filter keeps a connect's SYN (with the kernel's time) and nothing
/// else of the connection: not the SYN-ACK, not the outgoing copy.
#[test]
fn syn_capture_sees_each_connect_once() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    if ka_lab::skip() {
        return;
    }
    let lab = ka_lab::Lab::new(1).expect("lab");
    let netns = lab.host(0).netns.clone();
    lab.exec_ok(0, "ip", &["addr", "add", "198.51.100.1/32", "dev", "lo"])
        .expect("address");
    let per = std::thread::spawn(move || {
        let ns =
            std::fs::File::open(format!("/run/netns/{netns}")).expect("netns");
        nix::sched::setns(ns, nix::sched::CloneFlags::CLONE_NEWNET)
            .expect("setns");
        let stop = Arc::new(AtomicBool::new(false));
        let cap = crate::syn::start(2, 0, Arc::clone(&stop)).expect("capture");
        let before = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs_f64();
        let l = std::net::TcpListener::bind(("198.51.100.1", 10001))
            .expect("listen");
        for _ in 0..3 {
            let c = std::net::TcpStream::connect(("198.51.100.1", 10001))
                .expect("connect");
            drop(l.accept().expect("accept"));
            drop(c);
        }
        std::thread::sleep(Duration::from_millis(300));
        stop.store(true, Ordering::Relaxed);
        (cap.join().expect("capture thread"), before)
    });
    let (seen, before) = per.join().expect("thread");
    // Three SYNs to port 10001 and no other frame of the connections.
    assert_eq!(seen.frames, 3, "{seen:?}");
    let per = seen.per;
    assert_eq!(per.len(), 2);
    assert!(per[0].is_empty(), "{per:?}");
    assert_eq!(per[1].len(), 3, "{per:?}");
    assert!(
        per[1]
            .iter()
            .all(|&t| t >= before - 1.0 && t < before + 10.0),
        "{per:?} vs {before}"
    );
}

#[test]
fn a_syn_is_told_by_its_port_and_sequence_number() {
    let mut p = vec![0u8; 40];
    p[0] = 0x45;
    p[16..20].copy_from_slice(&[198, 51, 100, 1]);
    p[20..22].copy_from_slice(&45000u16.to_be_bytes());
    p[22..24].copy_from_slice(&10001u16.to_be_bytes());
    p[24..28].copy_from_slice(&0xdead_beefu32.to_be_bytes());
    let ((a, port), id) = crate::syn::parse_syn(&p).expect("parses");
    assert_eq!(
        (a.octets(), port, id),
        ([198, 51, 100, 1], 10001, (45000, 0xdead_beef))
    );
    assert_eq!(crate::syn::parse_syn(&p[..27]), None);
}

use std::net::Ipv4Addr;
use std::time::Duration;

use super::addrwatch::{Change, parse};
use super::setup::{self, Bfd};
use super::stats;

/// An rtnetlink message of `kind` for 192.0.2.100 with IFA_ADDRESS and
/// IFA_LOCAL attributes, padded to 4 bytes.
fn addr_msg(kind: u16, addr: [u8; 4]) -> Vec<u8> {
    let mut body = vec![2u8, 24, 0, 0, 2, 0, 0, 0]; // ifaddrmsg, AF_INET
    for attr in [1u16, 2] {
        body.extend(8u16.to_ne_bytes());
        body.extend(attr.to_ne_bytes());
        body.extend(addr);
    }
    let mut m = Vec::new();
    m.extend(u32::try_from(16 + body.len()).unwrap().to_ne_bytes());
    m.extend(kind.to_ne_bytes());
    m.extend([0u8; 10]);
    m.extend(body);
    m
}

#[test]
fn netlink_address_changes_parse() {
    let mut buf = addr_msg(20, [192, 0, 2, 100]);
    buf.extend(addr_msg(21, [192, 0, 2, 100]));
    let vip = Ipv4Addr::new(192, 0, 2, 100);
    assert_eq!(
        parse(&buf),
        [
            Change {
                added: true,
                addr: vip
            },
            Change {
                added: false,
                addr: vip
            }
        ]
    );
    // Other message types, truncation and other families yield nothing.
    assert!(parse(&addr_msg(16, [192, 0, 2, 100])).is_empty());
    assert!(parse(&buf[..20]).is_empty());
    let mut v6 = addr_msg(21, [192, 0, 2, 100]);
    v6[16] = 10;
    assert!(parse(&v6).is_empty());
}

#[test]
fn medians_of_odd_and_even_counts() {
    let ms = |v: &[u64]| {
        v.iter()
            .map(|&m| Duration::from_millis(m))
            .collect::<Vec<_>>()
    };
    assert_eq!(stats(&ms(&[30, 10, 20])), Some((10.0, 20.0, 30.0)));
    assert_eq!(stats(&ms(&[40, 10, 20, 30])), Some((10.0, 25.0, 40.0)));
    assert_eq!(stats(&[]), None);
}

#[test]
fn configs_name_timers_and_tracking() {
    let t = Bfd { ms: 10, mult: 3 };
    let (a, p) = (Ipv4Addr::new(192, 0, 2, 10), Ipv4Addr::new(192, 0, 2, 11));
    let c = setup::tracking_config(p, a, t);
    assert!(
        c.contains("neighbor_ip 192.0.2.11")
            && c.contains("source_ip 192.0.2.10")
    );
    assert!(
        c.contains("min_rx 10")
            && c.contains("min_tx 10")
            && c.contains("multiplier 3")
    );
    assert!(c.contains("B weight 0") && c.contains("192.0.2.100/24"));
    let many = setup::many_sessions(
        "a",
        100,
        |k| Ipv4Addr::new(198, 51, 100, 100 + k),
        |k| Ipv4Addr::new(198, 51, 100, k),
        t,
    );
    assert_eq!(many.matches("bfd_instance").count(), 100);
    assert!(
        many.contains("bfd_instance B100 {\n    neighbor_ip 198.51.100.200\n")
    );
}

#[test]
fn cpu_ticks_are_utime_plus_stime() {
    let stat = "42 (a b) S 1 42 42 0 -1 4194560 100 0 0 0 7 5 0 0 20 0 1 0";
    assert_eq!(setup::parse_ticks(stat), Some(12));
    assert_eq!(setup::parse_ticks("42 (x) S 1"), None);
}

#[test]
fn udp_receive_buffer_drops_are_read_from_snmp() {
    let snmp = "Ip: Forwarding\nIp: 1\nUdp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors\nUdp: 10 1 2 9 7\nUdpLite: InDatagrams RcvbufErrors\nUdpLite: 0 0\n";
    assert_eq!(super::cpu::udp_counter(snmp, "RcvbufErrors"), Some(7));
    assert_eq!(super::cpu::udp_counter(snmp, "InDatagrams"), Some(10));
    assert_eq!(super::cpu::udp_counter(snmp, "Nope"), None);
}

#[test]
fn gaps_over_the_detection_time() {
    use super::tap::gaps;
    // Out of order as two threads may record them; one 40 ms gap.
    let (n, max) = gaps(&[0.010, 0.0, 0.060, 0.020], 0.030);
    assert_eq!(n, 1);
    assert!((max - 0.040).abs() < 1e-9, "{max}");
    assert_eq!(gaps(&[], 0.030), (0, 0.0));
}

#[test]
fn detection_time_is_interval_times_multiplier() {
    assert!((Bfd { ms: 10, mult: 3 }.detection_secs() - 0.030).abs() < 1e-12);
}

/// The tap sees what a host sends to UDP 3784 as sent, what it receives
/// as received, and nothing else (a datagram to another port).
#[test]
fn the_tap_tells_sent_from_received_bfd_packets() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    if ka_lab::skip() {
        return;
    }
    let lab = ka_lab::Lab::new(2).expect("lab");
    let (n0, n1) = (lab.host(0).netns.clone(), lab.host(1).netns.clone());
    let to = lab.host(1).ipv4;
    let stop = Arc::new(AtomicBool::new(false));
    let t0 = super::tap::start(n0.clone(), Arc::clone(&stop));
    let t1 = super::tap::start(n1, Arc::clone(&stop));
    std::thread::sleep(Duration::from_millis(200));
    std::thread::spawn(move || {
        let ns =
            std::fs::File::open(format!("/run/netns/{n0}")).expect("netns");
        nix::sched::setns(ns, nix::sched::CloneFlags::CLONE_NEWNET)
            .expect("setns");
        let s = std::net::UdpSocket::bind("0.0.0.0:0").expect("bind");
        for _ in 0..5 {
            s.send_to(b"bfd", (to, 3784)).expect("send");
            s.send_to(b"other", (to, 3785)).expect("send");
            std::thread::sleep(Duration::from_millis(10));
        }
    })
    .join()
    .expect("sender");
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::Relaxed);
    let a = t0.join().expect("tap 0").expect("tap 0 ran");
    let b = t1.join().expect("tap 1").expect("tap 1 ran");
    assert_eq!((a.sent.len(), a.received.len()), (5, 0), "{a:?}");
    assert_eq!((b.sent.len(), b.received.len()), (0, 5), "{b:?}");
}

#[test]
fn steal_time_is_the_eighth_value_of_the_cpu_line() {
    use super::stall::steal_ticks;
    let stat = "cpu  7160185 34715 1185131 8560778 89546 0 70838 111917 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n";
    assert_eq!(steal_ticks(stat), Some(111_917));
    assert_eq!(steal_ticks("cpu0 1 2\n"), None);
}

#[test]
fn stall_counts_round_trip_through_the_probes_file() {
    use super::stall::Stalls;
    let s = Stalls {
        wakeups: 600_000,
        over: 4,
        max: 0.0369,
        steal_ticks: 50,
    };
    let line = format!("{} {} {} {}", s.wakeups, s.over, s.max, s.steal_ticks);
    assert_eq!(Stalls::parse(&line), Some(s));
    assert_eq!(Stalls::parse("1 2"), None);
}

/// The probe (here in-process, at this thread's priority; the bench
/// runs it under `chrt -f 99`) wakes about a thousand times a second and
/// writes what it saw.
#[test]
fn the_stall_probe_counts_its_wakeups() {
    let dir =
        std::env::temp_dir().join(format!("bfd-stall-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let out = dir.join("stalls");
    let args = ["1".to_owned(), "30".to_owned(), out.display().to_string()];
    super::stall::probe_main(&args).expect("probe");
    let text = std::fs::read_to_string(&out).expect("out");
    let _ = std::fs::remove_dir_all(&dir);
    let s = super::stall::Stalls::parse(&text).expect("parses");
    assert!((500..=1_001).contains(&s.wakeups), "{s:?}");
}

//! The metrics endpoint end to end: keepalived-rs in namespace hosts
//! (ka-lab) with `--metrics-listen`, scraped from inside the host's
//! namespace and read with a Prometheus text-format parser: a VRRP
//! backup becomes master when the master stops, a TCP_CHECK real server
//! goes up then down (`--lvs-backend nftables`). Needs root; skipped
//! with the reason otherwise.

mod common;

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use ka_lab::Lab;
use nix::sched::{CloneFlags, setns};
use nix::sys::signal::Signal;
use prometheus_parse::{Scrape, Value};

/// Election or failover: Master_Down (3.609 s at priority 100) plus a
/// wide margin for a loaded 2-core machine.
const ELECTION: Duration = Duration::from_secs(15);
/// A checker verdict: delay_loop 1, connect_timeout 1, retry 1,
/// delay_before_retry 1, plus margin.
const VERDICT: Duration = Duration::from_secs(15);
const PORT: u16 = 9650;

/// Runs `f` on a thread inside network namespace `netns`.
fn in_netns<T: Send + 'static>(
    netns: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let path = format!("/run/netns/{netns}");
    std::thread::spawn(move || {
        let ns = std::fs::File::open(&path).expect("open netns");
        setns(ns.as_fd(), CloneFlags::CLONE_NEWNET).expect("setns");
        f()
    })
    .join()
    .expect("namespace thread")
}

/// `GET /metrics` on `addr` inside `netns`: the body of a 200 answer,
/// else why not.
fn scrape(netns: &str, addr: SocketAddr) -> Result<String, String> {
    in_netns(netns, move || {
        let mut c = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
            .map_err(|e| format!("connect {addr}: {e}"))?;
        let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
        let req =
            "GET /metrics HTTP/1.1\r\nHost: ka\r\nConnection: close\r\n\r\n";
        c.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
        let mut out = String::new();
        c.read_to_string(&mut out).map_err(|e| e.to_string())?;
        match out.split_once("\r\n\r\n") {
            Some((head, body)) if head.starts_with("HTTP/1.1 200") => {
                Ok(body.to_owned())
            }
            _ => Err(format!("not a 200 answer: {out}")),
        }
    })
}

fn parse(text: &str) -> Scrape {
    Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("parse")
}

/// The value of the one sample of `metric` whose labels include `want`.
fn value(s: &Scrape, metric: &str, want: &[(&str, &str)]) -> Option<f64> {
    let mut found = s.samples.iter().filter(|x| {
        x.metric == metric
            && want.iter().all(|(k, v)| x.labels.get(k) == Some(*v))
    });
    let one = found.next()?;
    assert!(found.next().is_none(), "{metric} {want:?}: several samples");
    match one.value {
        Value::Counter(x) | Value::Gauge(x) | Value::Untyped(x) => Some(x),
        _ => None,
    }
}

/// Scrapes until `ok` holds for a parsed answer, at most `bound`; the
/// last answer (or error) when it never does.
fn scrape_until(
    netns: &str,
    addr: SocketAddr,
    bound: Duration,
    ok: impl Fn(&Scrape) -> bool,
) -> Result<Scrape, String> {
    let t0 = Instant::now();
    let mut last = String::from("never scraped");
    while t0.elapsed() < bound {
        match scrape(netns, addr) {
            Ok(text) => {
                let s = parse(&text);
                if ok(&s) {
                    return Ok(s);
                }
                last = text;
            }
            Err(e) => last = e,
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    Err(last)
}

fn instance(prio: u8) -> String {
    format!(
        "vrrp_instance VI_1 {{\n    state BACKUP\n    interface eth0\n    \
         virtual_router_id 62\n    priority {prio}\n    advert_int 1\n    \
         virtual_ipaddress {{\n        192.0.2.100/24\n    }}\n}}\n"
    )
}

fn vrrp_state(s: &Scrape, state: &str) -> Option<f64> {
    let l = [
        ("vrrp_instance", "VI_1"),
        ("interface", "eth0"),
        ("vrid", "62"),
        ("state", state),
    ];
    value(s, "keepalived_vrrp_state", &l)
}

#[test]
fn a_backup_scraped_over_ipv6_shows_the_failover() {
    if ka_lab::skip() {
        return;
    }
    let mut lab = Lab::new(2).expect("lab");
    let hi =
        common::start_keepalived_rs(&mut lab, 0, "hi", &instance(150), &[]);
    let ns = lab.host(1).netns.clone();
    let addr = SocketAddr::new(IpAddr::V6(lab.host(1).ipv6), PORT);
    let listen = addr.to_string();
    let lo = common::start_keepalived_rs_with(
        &mut lab,
        1,
        "lo",
        &instance(100),
        &[],
        &["--metrics-listen", &listen],
    );
    let logs = |lab: &Lab| {
        format!("--- hi:\n{}\n--- lo:\n{}", lab.log_of(hi), lab.log_of(lo))
    };
    // The backup hears the master's adverts.
    let backup = scrape_until(&ns, addr, ELECTION, |s| {
        vrrp_state(s, "BACKUP") == Some(1.0)
            && value(s, "keepalived_vrrp_adverts_received_total", &[])
                .is_some_and(|n| n >= 1.0)
    });
    let backup = backup.unwrap_or_else(|last| {
        panic!("never BACKUP with adverts: {last}\n{}", logs(&lab))
    });
    assert_eq!(vrrp_state(&backup, "MASTER"), Some(0.0));
    let to_master = [("to", "MASTER"), ("reason", "master_down_timer")];
    let tr = "keepalived_vrrp_transitions_total";
    assert_eq!(value(&backup, tr, &to_master), None, "not master yet");
    assert_eq!(
        value(&backup, tr, &[("to", "BACKUP"), ("reason", "init")]),
        Some(1.0)
    );
    assert_eq!(value(&backup, "keepalived_vrrp_priority", &[]), Some(100.0));
    // The master stops (priority 0 advert): the backup takes over.
    assert!(lab.signal(hi, Signal::SIGTERM));
    let master = scrape_until(&ns, addr, ELECTION, |s| {
        vrrp_state(s, "MASTER") == Some(1.0)
    });
    let master = master
        .unwrap_or_else(|last| panic!("never MASTER: {last}\n{}", logs(&lab)));
    assert_eq!(vrrp_state(&master, "BACKUP"), Some(0.0));
    assert_eq!(value(&master, tr, &to_master), Some(1.0), "{}", logs(&lab));
    let become_master = "keepalived_vrrp_become_master_total";
    assert_eq!(value(&master, become_master, &[]), Some(1.0));
    let zero = "keepalived_vrrp_priority_zero_received_total";
    assert!(value(&master, zero, &[]).is_some_and(|n| n >= 1.0));
    assert!(lab.signal(lo, Signal::SIGTERM));
}

/// A TCP listener in `netns` on `addr`; dropping it refuses connections.
fn listener(netns: &str, addr: SocketAddr) -> TcpListener {
    in_netns(netns, move || TcpListener::bind(addr).expect("bind"))
}

fn nft_skip() -> bool {
    let reason = ka_lab::skip_reason().or_else(|| {
        ka_lab::run("nft", &["--version"])
            .err()
            .map(|e| format!("nft is not installed: {e}"))
    });
    ka_lab::skip_if(reason)
}

#[test]
fn a_tcp_check_real_server_shows_up_then_down() {
    if nft_skip() {
        return;
    }
    let mut lab = Lab::new(2).expect("lab");
    let rs = SocketAddr::new(IpAddr::V4(lab.host(1).ipv4), 8080);
    let server = listener(&lab.host(1).netns.clone(), rs);
    let conf = format!(
        "virtual_server 203.0.113.1 80 {{\n    delay_loop 1\n    \
         lvs_sched rr\n    lvs_method NAT\n    protocol TCP\n    \
         real_server {} 8080 {{\n        TCP_CHECK {{ connect_timeout 1 \
         retry 1 delay_before_retry 1 }}\n    }}\n}}\n",
        rs.ip()
    );
    let ns = lab.host(0).netns.clone();
    let addr = SocketAddr::new(IpAddr::V4(lab.host(0).ipv4), PORT);
    let (listen, pid_file) =
        (addr.to_string(), lab.dir().join("dir-check.pid"));
    let pid_file = pid_file.display().to_string();
    let dir = common::start_keepalived_rs_with(
        &mut lab,
        0,
        "dir",
        &conf,
        &[],
        &[
            "--lvs-backend",
            "nftables",
            "-c",
            &pid_file,
            "--metrics-listen",
            &listen,
        ],
    );
    // keepalived's names: `[ADDR]:PROTO:PORT`.
    let vs = [("virtual_server", "[203.0.113.1]:tcp:80")];
    let rs_label = format!("[{}]:tcp:8080", rs.ip());
    let real = [("real_server", rs_label.as_str())];
    // Up, and a probe answered (a server starts up before any probe,
    // as in keepalived without `alpha`).
    let probes = "keepalived_real_server_probe_latency_seconds_count";
    let up = scrape_until(&ns, addr, VERDICT, |s| {
        value(s, "keepalived_real_server_up", &real) == Some(1.0)
            && value(s, probes, &real).is_some_and(|n| n >= 1.0)
    });
    let up = up
        .unwrap_or_else(|last| panic!("never up: {last}\n{}", lab.log_of(dir)));
    let rs_up = "keepalived_virtual_server_real_servers_up";
    assert_eq!(value(&up, rs_up, &vs), Some(1.0));
    // The probe was started by a checker timer, whose delay was counted.
    let timers = "keepalived_checker_timer_delay_seconds_count";
    assert!(
        value(&up, timers, &[]).is_some_and(|n| n >= 1.0),
        "{timers} missing or 0"
    );
    assert_eq!(
        value(&up, "keepalived_real_server_weight", &real),
        Some(1.0)
    );
    // The real server stops listening: the checker fails it.
    drop(server);
    let down = scrape_until(&ns, addr, VERDICT, |s| {
        value(s, "keepalived_real_server_up", &real) == Some(0.0)
    });
    let down = down.unwrap_or_else(|last| {
        panic!("never down: {last}\n{}", lab.log_of(dir))
    });
    assert_eq!(value(&down, rs_up, &vs), Some(0.0));
    assert!(lab.signal(dir, Signal::SIGTERM));
}

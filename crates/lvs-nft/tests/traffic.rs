//! Real traffic through the nftables data plane on the host kernel: a
//! client, a director running `apply`, three real servers routed back
//! through it (see `topo.rs`). Requests through the virtual address are
//! spread by weight; a real server removed, or of weight 0, gets no new
//! connection from the next request on; re-added, it gets them again;
//! IPv6, UDP, fwmark services and persistence too.

#[allow(dead_code)]
#[path = "../src/bin/nftlb-bench/topo.rs"]
mod topo;

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::Duration;

use ka_types::lvs::{
    DataPlane, Dest, Family, Forward, Proto, Service, ServiceState, SvcKey,
    svc_flags,
};

use topo::{Topo, VIP4, VIP6, query, request};

fn skip() -> bool {
    let reason = ka_lab::skip_reason().or_else(|| {
        ka_lab::run("nft", &["--version"])
            .err()
            .map(|e| format!("nft is not installed: {e}"))
    });
    ka_lab::skip_if(reason)
}

fn lab() -> Topo {
    Topo::new().unwrap_or_else(|e| panic!("building the lab: {e}"))
}

fn service(
    key: SvcKey,
    sched: &str,
    flags: u32,
    dests: &[(SocketAddr, u32)],
) -> ServiceState {
    ServiceState {
        service: Service {
            key,
            scheduler: sched.into(),
            flags,
            timeout: if flags & svc_flags::PERSISTENT != 0 {
                300
            } else {
                0
            },
            netmask: if key.family() == Family::Inet {
                u32::MAX
            } else {
                128
            },
            pe_name: None,
        },
        dests: dests
            .iter()
            .map(|&(addr, weight)| {
                let d = Dest {
                    addr,
                    forward: Forward::Masq,
                    tunnel: None,
                    weight,
                    u_threshold: 0,
                    l_threshold: 0,
                };
                (addr, d)
            })
            .collect(),
    }
}

fn table(states: Vec<ServiceState>) -> DataPlane {
    DataPlane {
        services: states.into_iter().map(|s| (s.service.key, s)).collect(),
    }
}

fn tcp(ip: IpAddr, port: u16) -> SvcKey {
    SvcKey::Addr {
        proto: Proto::Tcp,
        addr: SocketAddr::new(ip, port),
    }
}

/// `n` TCP requests from the client to `to`: answers counted by server
/// name, and every failure.
fn spread(
    t: &Topo,
    to: SocketAddr,
    n: usize,
) -> (BTreeMap<String, usize>, Vec<String>) {
    spread_with(t, to, n, request)
}

fn spread_with(
    t: &Topo,
    to: SocketAddr,
    n: usize,
    ask: fn(SocketAddr) -> io::Result<String>,
) -> (BTreeMap<String, usize>, Vec<String>) {
    t.in_client(move || {
        let (mut counts, mut errors) = (BTreeMap::new(), Vec::new());
        for _ in 0..n {
            match ask(to) {
                Ok(name) => *counts.entry(name).or_insert(0) += 1,
                Err(e) => errors.push(e.to_string()),
            }
        }
        (counts, errors)
    })
}

/// Asserts each server's count is within 2 of what its weight predicts.
fn assert_near(counts: &BTreeMap<String, usize>, want: &[(&str, usize)]) {
    let total: usize = want.iter().map(|(_, n)| n).sum();
    assert_eq!(counts.values().sum::<usize>(), total, "{counts:?}");
    for (name, n) in want {
        let got = counts.get(*name).copied().unwrap_or(0);
        assert!(
            got.abs_diff(*n) <= 2,
            "{name}: {got} requests, expected about {n}; all: {counts:?}"
        );
    }
}

#[test]
fn ipv4_requests_follow_weights_removals_and_weight_zero() {
    if skip() {
        return;
    }
    let t = lab();
    let vip = SocketAddr::new(IpAddr::V4(VIP4), 80);
    let key = tcp(vip.ip(), 80);
    let rs = |i| t.rs(i, false, 8080);
    let apply = |dests: &[(SocketAddr, u32)]| {
        t.apply(&table(vec![service(key, "wrr", 0, dests)]))
            .unwrap_or_else(|e| panic!("apply: {e}"));
    };

    apply(&[(rs(0), 3), (rs(1), 2), (rs(2), 1)]);
    let (counts, errors) = spread(&t, vip, 60);
    assert!(errors.is_empty(), "{errors:?}");
    assert_near(&counts, &[("rs0", 30), ("rs1", 20), ("rs2", 10)]);

    // Removed: not one new connection from the next request on.
    apply(&[(rs(0), 3), (rs(1), 2)]);
    let (counts, errors) = spread(&t, vip, 30);
    assert!(errors.is_empty(), "{errors:?}");
    assert_near(&counts, &[("rs0", 18), ("rs1", 12), ("rs2", 0)]);

    // Weight 0 (inhibited): none either.
    apply(&[(rs(0), 3), (rs(1), 0)]);
    let (counts, errors) = spread(&t, vip, 20);
    assert!(errors.is_empty(), "{errors:?}");
    assert_near(&counts, &[("rs0", 20), ("rs1", 0), ("rs2", 0)]);

    // Back: traffic again, by weight.
    apply(&[(rs(0), 1), (rs(1), 1), (rs(2), 2)]);
    let (counts, errors) = spread(&t, vip, 40);
    assert!(errors.is_empty(), "{errors:?}");
    assert_near(&counts, &[("rs0", 10), ("rs1", 10), ("rs2", 20)]);

    // A client on the director itself is balanced too (nat output hook),
    // not answered by the director's own server on that port.
    let local = t.in_director(move || request(vip).map_err(|e| e.to_string()));
    assert!(
        local.as_deref().is_ok_and(|n| n.starts_with("rs")),
        "{local:?}"
    );

    // Nobody to take it: refused at once, as IPVS does (ICMP port
    // unreachable), not left to time out.
    apply(&[(rs(0), 0)]);
    let got = t.in_client(move || request(vip).map_err(|e| e.kind()));
    assert_eq!(got, Err(io::ErrorKind::ConnectionRefused));
}

#[test]
fn udp_queries_are_spread_by_weight_on_both_families() {
    if skip() {
        return;
    }
    let t = lab();
    let udp = |ip: IpAddr| SvcKey::Addr {
        proto: Proto::Udp,
        addr: SocketAddr::new(ip, 80),
    };
    let v4: Vec<_> = (0..2)
        .map(|i| (t.rs(i, false, 8080), 2 - i as u32))
        .collect();
    let v6: Vec<_> = (1..3).map(|i| (t.rs(i, true, 8080), 1)).collect();
    t.apply(&table(vec![
        service(udp(VIP4.into()), "wrr", 0, &v4),
        service(udp(VIP6.into()), "rr", 0, &v6),
    ]))
    .unwrap_or_else(|e| panic!("apply: {e}"));
    let (counts, errors) =
        spread_with(&t, SocketAddr::new(VIP4.into(), 80), 30, query);
    assert!(errors.is_empty(), "{errors:?}");
    assert_near(&counts, &[("rs0", 20), ("rs1", 10)]);
    let (counts, errors) =
        spread_with(&t, SocketAddr::new(VIP6.into(), 80), 20, query);
    assert!(errors.is_empty(), "{errors:?}");
    assert_near(&counts, &[("rs1", 10), ("rs2", 10)]);
}

#[test]
fn an_established_connection_survives_its_server_leaving_the_table() {
    if skip() {
        return;
    }
    let t = lab();
    let vip = SocketAddr::new(IpAddr::V4(VIP4), topo::HOLD_PORT);
    let key = tcp(vip.ip(), topo::HOLD_PORT);
    let only =
        |i| table(vec![service(key, "rr", 0, &[(t.rs(i, false, 0), 1)])]);
    t.apply(&only(2)).unwrap_or_else(|e| panic!("apply: {e}"));
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    // The client holds one connection across the change.
    let held = std::thread::scope(|scope| {
        let client = scope.spawn(|| {
            t.in_client(move || -> io::Result<(String, String)> {
                let mut s =
                    TcpStream::connect_timeout(&vip, Duration::from_secs(2))?;
                s.set_read_timeout(Some(Duration::from_secs(2)))?;
                let mut r = BufReader::new(s.try_clone()?);
                let mut name = String::new();
                r.read_line(&mut name)?;
                let _ = done_tx.send(());
                // Wait (bounded) for the table to change, then talk again.
                let _ = rx.recv_timeout(Duration::from_secs(10));
                s.write_all(b"still here\n")?;
                let mut echo = String::new();
                r.read_line(&mut echo)?;
                Ok((name.trim().to_owned(), echo.trim().to_owned()))
            })
        });
        let connected = done_rx.recv_timeout(Duration::from_secs(10)).is_ok();
        if connected {
            t.apply(&only(0)).unwrap_or_else(|e| panic!("apply: {e}"));
        }
        let _ = tx.send(());
        client
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    });
    let (name, echo) = held.unwrap_or_else(|e| panic!("held connection: {e}"));
    assert_eq!(name, "rs2");
    assert_eq!(echo, "still here", "the connection to rs2 was cut");
    // New connections go to the table's only server now.
    let fresh = t.in_client(move || {
        let mut s = TcpStream::connect_timeout(&vip, Duration::from_secs(2))?;
        s.set_read_timeout(Some(Duration::from_secs(2)))?;
        let mut name = String::new();
        BufReader::new(&mut s).read_line(&mut name)?;
        io::Result::Ok(name.trim().to_owned())
    });
    assert_eq!(fresh.ok().as_deref(), Some("rs0"));
}

#[test]
fn ipv6_requests_are_spread_round_robin_on_the_service_port() {
    if skip() {
        return;
    }
    let t = lab();
    let vip = SocketAddr::new(IpAddr::V6(VIP6), 80);
    let dests: Vec<_> = (0..3).map(|i| (t.rs(i, true, 0), 1)).collect();
    // Destinations of port 0 in a port-80 service take port 80.
    t.apply(&table(vec![service(tcp(vip.ip(), 80), "rr", 0, &dests)]))
        .unwrap_or_else(|e| panic!("apply: {e}"));
    let (counts, errors) = spread(&t, vip, 30);
    assert!(errors.is_empty(), "{errors:?}");
    assert_near(&counts, &[("rs0", 10), ("rs1", 10), ("rs2", 10)]);

    let without: Vec<_> = dests[..2].to_vec();
    t.apply(&table(vec![service(tcp(vip.ip(), 80), "rr", 0, &without)]))
        .unwrap_or_else(|e| panic!("apply: {e}"));
    let (counts, errors) = spread(&t, vip, 20);
    assert!(errors.is_empty(), "{errors:?}");
    assert_near(&counts, &[("rs0", 10), ("rs1", 10), ("rs2", 0)]);
}

#[test]
fn fwmark_services_keep_the_port_and_persistence_pins_the_client() {
    if skip() {
        return;
    }
    let t = lab();
    // The operator's marking rule, outside our table.
    t.director_nft(
        "table ip ka_test_mark {\n chain pre {\n  type filter hook \
         prerouting priority mangle; policy accept;\n  ip daddr \
         203.0.113.20 meta mark set 5\n }\n}\n",
    );
    let fwm = SvcKey::Fwmark {
        mark: 5,
        family: Family::Inet,
    };
    let marked: Vec<_> = (0..2).map(|i| (t.rs(i, false, 0), 1)).collect();
    let sticky_vip = SocketAddr::new(IpAddr::V4(VIP4), 0);
    let sticky: Vec<_> = (0..3).map(|i| (t.rs(i, false, 0), 1)).collect();
    t.apply(&table(vec![
        service(fwm, "wrr", 0, &marked),
        service(tcp(VIP4.into(), 0), "rr", svc_flags::PERSISTENT, &sticky),
    ]))
    .unwrap_or_else(|e| panic!("apply: {e}"));

    for port in topo::PORTS {
        let to = SocketAddr::new([203, 0, 113, 20].into(), port);
        let (counts, errors) = spread(&t, to, 20);
        assert!(errors.is_empty(), "port {port}: {errors:?}");
        assert_near(&counts, &[("rs0", 10), ("rs1", 10)]);
    }
    // One client, both ports, 20 connections: one real server.
    let mut all = BTreeMap::new();
    for port in topo::PORTS {
        let (counts, errors) =
            spread(&t, SocketAddr::new(sticky_vip.ip(), port), 10);
        assert!(errors.is_empty(), "port {port}: {errors:?}");
        for (k, v) in counts {
            *all.entry(k).or_insert(0) += v;
        }
    }
    assert_eq!(all.len(), 1, "a persistent client moved: {all:?}");

    // Re-applied with other weights elsewhere: the hash seed is fixed, so
    // the client stays where it was.
    let marked: Vec<_> =
        (0..2).map(|i| (t.rs(i, false, 0), i as u32 + 1)).collect();
    t.apply(&table(vec![
        service(fwm, "wrr", 0, &marked),
        service(tcp(VIP4.into(), 0), "rr", svc_flags::PERSISTENT, &sticky),
    ]))
    .unwrap_or_else(|e| panic!("apply: {e}"));
    let (again, errors) = spread(&t, sticky_vip_port(80), 10);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        again.keys().collect::<Vec<_>>(),
        all.keys().collect::<Vec<_>>(),
        "the persistent client moved on a re-apply"
    );
}

fn sticky_vip_port(port: u16) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(VIP4), port)
}

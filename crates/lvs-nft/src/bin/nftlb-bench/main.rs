//! `nftlb-bench`: what the nftables data plane costs. Prints (asserts
//! nothing):
//! - requests per second through the virtual address against straight to
//!   one real server (routed through the same director, without NAT), for
//!   IPv4 and IPv6, one TCP connection per request;
//! - the same through a virtual service among a large table;
//! - the time `apply` takes for a small table, and for `--services` ×
//!   `--dests` (default 1,000 × 10): first apply, the same table again, one
//!   weight changed, and `remove`.
//!
//! Root only: it builds a namespace lab (see `topo.rs`).
//! `cargo run --release -p ka-lvs-nft --features bench --bin nftlb-bench
//!  -- [--secs 3] [--threads 4] [--services 1000] [--dests 10]`

#[allow(dead_code)] // shared with tests/traffic.rs
mod topo;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ka_types::lvs::{
    DataPlane, Dest, Forward, Proto, Service, ServiceState, SvcKey,
};

use topo::{Topo, VIP4, VIP6, request};

struct Args {
    secs: u64,
    threads: usize,
    services: usize,
    dests: usize,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        secs: 3,
        threads: 4,
        services: 1000,
        dests: 10,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let n: u64 = value
            .parse()
            .map_err(|_| format!("{flag} {value}: not a number"))?;
        let n_usize =
            usize::try_from(n).map_err(|_| format!("{flag}: too large"))?;
        match flag.as_str() {
            "--secs" => a.secs = n,
            "--threads" => a.threads = n_usize.max(1),
            "--services" => a.services = n_usize.clamp(1, 65_000),
            "--dests" => a.dests = n_usize.clamp(1, 100),
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(a)
}

fn main() {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("nftlb-bench: {e}");
            std::process::exit(2);
        }
    };
    if let Some(why) = ka_lab::skip_reason() {
        eprintln!("nftlb-bench: {why}");
        std::process::exit(2);
    }
    if let Err(e) = run(&args) {
        eprintln!("nftlb-bench: {e}");
        std::process::exit(1);
    }
}

fn run(a: &Args) -> Result<(), String> {
    let t = Topo::new()?;
    let small = small_table(&t);
    let took = t.apply(&small).map_err(|e| e.to_string())?;
    println!("apply, 4 services, 8 real servers: {}", ms(took));
    let took = t.apply(&small).map_err(|e| e.to_string())?;
    println!("apply again, unchanged:             {}", ms(took));
    println!(
        "\nrequests per second, one TCP connection each, {} client threads, {} s:",
        a.threads, a.secs
    );
    for (label, to) in [
        (
            "IPv4 through the VIP (wrr, 3 servers)",
            SocketAddr::new(VIP4.into(), 80),
        ),
        (
            "IPv4 through the VIP to rs0 alone    ",
            SocketAddr::new(VIP4.into(), 81),
        ),
        (
            "IPv4 straight to rs0 (routed, no NAT)",
            t.rs(0, false, 8080),
        ),
        (
            "IPv6 through the VIP (wrr, 3 servers)",
            SocketAddr::new(VIP6.into(), 80),
        ),
        (
            "IPv6 through the VIP to rs0 alone    ",
            SocketAddr::new(VIP6.into(), 81),
        ),
        ("IPv6 straight to rs0 (routed, no NAT)", t.rs(0, true, 80)),
    ] {
        let (rps, errors) = rate(&t, to, a);
        println!("  {label}: {rps:>8.0} req/s ({errors} failed)");
    }

    let big = big_table(&t, a.services, a.dests);
    println!(
        "\napply, {} services x {} real servers ({} bytes of nft script):",
        a.services,
        a.dests,
        ka_lvs_nft::render(&big).len()
    );
    let start = Instant::now();
    let script = ka_lvs_nft::render(&big);
    println!("  render:                     {}", ms(start.elapsed()));
    drop(script);
    let took = t.apply(&big).map_err(|e| e.to_string())?;
    println!("  first apply (replaces the small table): {}", ms(took));
    let took = t.apply(&big).map_err(|e| e.to_string())?;
    println!("  apply again, unchanged:     {}", ms(took));
    let mut one = big.clone();
    if let Some(d) = one
        .services
        .values_mut()
        .next()
        .and_then(|s| s.dests.values_mut().next())
    {
        d.weight += 1;
    }
    let took = t.apply(&one).map_err(|e| e.to_string())?;
    println!("  apply, one weight changed:  {}", ms(took));
    let to = SocketAddr::new(VIP4.into(), 80);
    let (rps, errors) = rate(&t, to, a);
    println!(
        "  IPv4 through the VIP among {} services: {rps:.0} req/s ({errors} failed)",
        a.services
    );
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// Requests per second to `to` from the client, and the failures.
fn rate(t: &Topo, to: SocketAddr, a: &Args) -> (f64, u64) {
    let (threads, secs) = (a.threads, a.secs);
    t.in_client(move || {
        let done = Arc::new(AtomicU64::new(0));
        let failed = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let start = Instant::now();
        // Threads spawned here share the client's namespace.
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let (done, failed, stop) =
                    (done.clone(), failed.clone(), stop.clone());
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        let counter =
                            if request(to).is_ok() { &done } else { &failed };
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_secs(secs));
        stop.store(true, Ordering::Relaxed);
        for w in workers {
            let _ = w.join();
        }
        let elapsed = start.elapsed().as_secs_f64();
        (
            done.load(Ordering::Relaxed) as f64 / elapsed,
            failed.load(Ordering::Relaxed),
        )
    })
}

fn service(
    key: SvcKey,
    sched: &str,
    dests: Vec<SocketAddr>,
    weight: u32,
) -> ServiceState {
    ServiceState {
        service: Service {
            key,
            scheduler: sched.into(),
            flags: 0,
            timeout: 0,
            netmask: if key.family() == ka_types::lvs::Family::Inet {
                u32::MAX
            } else {
                128
            },
            pe_name: None,
        },
        dests: dests
            .into_iter()
            .enumerate()
            .map(|(i, addr)| {
                let d = Dest {
                    addr,
                    forward: Forward::Masq,
                    tunnel: None,
                    weight: weight + i as u32,
                    u_threshold: 0,
                    l_threshold: 0,
                };
                (addr, d)
            })
            .collect(),
    }
}

fn tcp(ip: IpAddr, port: u16) -> SvcKey {
    SvcKey::Addr {
        proto: Proto::Tcp,
        addr: SocketAddr::new(ip, port),
    }
}

/// The benchmark's own services on each family: port 80, wrr 1:2:3 over
/// the three real servers; port 81, rs0 alone (the NAT's own cost against
/// going straight to rs0).
fn small_table(t: &Topo) -> DataPlane {
    let v4 = (0..3).map(|i| t.rs(i, false, 8080)).collect();
    let v6 = (0..3).map(|i| t.rs(i, true, 80)).collect();
    let states = [
        service(tcp(VIP4.into(), 80), "wrr", v4, 1),
        service(tcp(VIP6.into(), 80), "wrr", v6, 1),
        service(tcp(VIP4.into(), 81), "wrr", vec![t.rs(0, false, 8080)], 1),
        service(tcp(VIP6.into(), 81), "wrr", vec![t.rs(0, true, 80)], 1),
    ];
    DataPlane {
        services: states.into_iter().map(|s| (s.service.key, s)).collect(),
    }
}

/// The small table plus `n` services of `m` real servers each (on ports
/// 10000 and up of the IPv4 VIP; their real servers need not exist).
fn big_table(t: &Topo, n: usize, m: usize) -> DataPlane {
    let mut table = small_table(t);
    for i in 0..n {
        let port = 10_000 + i as u16;
        let dests = (0..m)
            .map(|j| SocketAddr::new([192, 0, 2, 100 + j as u8].into(), port))
            .collect();
        let s = service(tcp(VIP4.into(), port), "wrr", dests, 1);
        table.services.insert(s.service.key, s);
    }
    table
}

//! The small programs the scenario runs inside its namespaces: a real
//! server, a client that counts requests, and the watchers of the kernel
//! table.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(1);

/// A real server: answers `ok` to every connection and closes it once
/// the client has (the client closes first, so TIME_WAIT stays on the
/// client and a reused port does not meet an old connection here), until
/// killed (bounded by a count for safety).
pub(crate) fn serve(addr: SocketAddr) -> Result<(), String> {
    let l = TcpListener::bind(addr).map_err(|e| format!("bind {addr}: {e}"))?;
    for mut s in l.incoming().take(100_000_000).flatten() {
        let _ = s.set_read_timeout(Some(REQUEST_TIMEOUT));
        if s.write_all(b"ok\n").is_ok() {
            let _ = s.read(&mut [0u8; 16]);
        }
    }
    Ok(())
}

/// One request: connect, read the answer, close.
pub(crate) fn request(to: SocketAddr) -> std::io::Result<()> {
    let mut s = TcpStream::connect_timeout(&to, REQUEST_TIMEOUT)?;
    s.set_read_timeout(Some(REQUEST_TIMEOUT))?;
    let mut buf = [0u8; 3];
    s.read_exact(&mut buf)?;
    if &buf != b"ok\n" {
        return Err(std::io::Error::other("unexpected answer"));
    }
    Ok(())
}

/// Requests per second to `to` over `secs` seconds from `threads`
/// threads, one connection each, and the failures: `RPS FAILED`.
pub(crate) fn client(to: SocketAddr, secs: u64, threads: usize) -> String {
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let workers: Vec<_> = (0..threads.max(1))
        .map(|_| {
            let (done, failed, stop) =
                (done.clone(), failed.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let c = if request(to).is_ok() { &done } else { &failed };
                    c.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(secs));
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        let _ = w.join();
    }
    let rps =
        done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64();
    format!("{rps:.0} {}", failed.load(Ordering::Relaxed))
}

/// Which kernel table the daemon programs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Backend {
    /// IPVS: `/proc/net/ip_vs` of this namespace.
    Ipvs,
    /// nftables: `nft list ruleset` of this namespace.
    Nftables,
}

impl std::str::FromStr for Backend {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "ipvs" => Ok(Self::Ipvs),
            "nftables" => Ok(Self::Nftables),
            _ => Err(format!("{s}: expected ipvs or nftables")),
        }
    }
}

/// How `/proc/net/ip_vs` writes an IPv4 destination: `C0000202:1F90`.
pub(crate) fn ipvs_hex(addr: SocketAddr) -> Option<String> {
    match addr {
        SocketAddr::V4(a) => {
            Some(format!("{:08X}:{:04X}", u32::from(*a.ip()), a.port()))
        }
        SocketAddr::V6(_) => None,
    }
}

/// Whether the table holds destination `rs` now.
pub(crate) fn present(
    backend: Backend,
    rs: SocketAddr,
) -> Result<bool, String> {
    match backend {
        Backend::Ipvs => {
            let t = std::fs::read_to_string("/proc/net/ip_vs")
                .map_err(|e| format!("/proc/net/ip_vs: {e}"))?;
            let hex = ipvs_hex(rs).ok_or("IPv4 real servers only")?;
            Ok(t.contains(&format!("-> {hex}")))
        }
        Backend::Nftables => {
            let out = Command::new("nft")
                .args(["list", "ruleset"])
                .output()
                .map_err(|e| format!("nft: {e}"))?;
            let t = String::from_utf8_lossy(&out.stdout);
            Ok(nft_holds(&t, rs))
        }
    }
}

/// Whether an nft listing sends traffic to `rs` (`IP . PORT` or
/// `IP:PORT` in a map or a dnat).
pub(crate) fn nft_holds(listing: &str, rs: SocketAddr) -> bool {
    let (ip, port) = (rs.ip(), rs.port());
    listing.contains(&format!("{ip} . {port}"))
        || listing.contains(&format!("{ip}:{port}"))
}

/// Waits (at most `secs`) until `rs` is in the table.
pub(crate) fn wait_present(
    backend: Backend,
    rs: SocketAddr,
    secs: u64,
) -> Result<bool, String> {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if present(backend, rs)? {
            return Ok(true);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(false)
}

/// Kills the real server `pid` (SIGKILL: its listener is gone at once)
/// and polls the table about every millisecond until `rs` is out (at
/// most `secs`): `MS POLLS`, or `timeout POLLS`.
pub(crate) fn watch_kill(
    pid: i32,
    backend: Backend,
    rs: SocketAddr,
    secs: u64,
) -> Result<String, String> {
    if !present(backend, rs)? {
        return Err(format!("{rs} is not in the table before the kill"));
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .map_err(|e| format!("kill {pid}: {e}"))?;
    let t0 = Instant::now();
    let end = t0 + Duration::from_secs(secs);
    let mut polls = 0u64;
    while Instant::now() < end {
        polls += 1;
        if !present(backend, rs)? {
            let ms = t0.elapsed().as_secs_f64() * 1e3;
            return Ok(format!("{ms:.1} {polls}"));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(format!("timeout {polls}"))
}

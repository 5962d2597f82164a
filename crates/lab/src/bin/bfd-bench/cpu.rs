//! CPU of many BFD sessions: A runs `n` sessions at 10 ms × 3 to P (the
//! same implementation), each between its own pair of addresses
//! (A: 198.51.100.k, P: 198.51.100.(100+k), on the lab link); once all
//! are Up, the utime + stime of each daemon (keepalived: all its
//! processes) is taken over a window.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use ka_lab::Lab;

use super::daemons::{self, Daemon, Impl};
use super::setup::{self, Bfd};

/// Linux's USER_HZ: /proc/PID/stat counts CPU time in 1/100 s.
const TICKS_PER_SEC: f64 = 100.0;
/// Steady running after the last session came Up, before the window.
const SETTLE: Duration = Duration::from_secs(2);

/// A's address of session `k`.
fn a_addr(k: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 51, 100, k)
}

/// P's address of session `k`.
fn p_addr(k: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 51, 100, 100 + k)
}

/// The figures of one implementation.
pub(crate) struct CpuRow {
    pub(crate) imp: &'static str,
    pub(crate) sessions: u8,
    pub(crate) secs: f64,
    /// CPU of A and of P, in % of one core.
    pub(crate) a_pct: f64,
    pub(crate) p_pct: f64,
    /// Processes counted for A.
    pub(crate) a_procs: usize,
    /// Session downs logged by A and P during the window.
    pub(crate) downs: usize,
    /// UDP receive-buffer drops in A's and P's namespaces in the window
    /// (`RcvbufErrors` of /proc/net/snmp), if readable.
    pub(crate) rcvbuf_drops: Option<u64>,
}

/// The `Udp` counter `name` of a /proc/net/snmp text.
pub(crate) fn udp_counter(snmp: &str, name: &str) -> Option<u64> {
    let mut udp = snmp.lines().filter(|l| l.starts_with("Udp: "));
    let (head, vals) = (udp.next()?, udp.next()?);
    let col = head.split_whitespace().position(|h| h == name)?;
    vals.split_whitespace().nth(col)?.parse().ok()
}

/// UDP receive-buffer drops so far in hosts 0 and 1.
fn rcvbuf_errors(lab: &Lab) -> Option<u64> {
    (0..2)
        .map(|i| {
            let out = lab.exec(i, "cat", &["/proc/net/snmp"]).ok()?;
            udp_counter(&String::from_utf8_lossy(&out.stdout), "RcvbufErrors")
        })
        .sum()
}

/// Adds session addresses to host `i`.
fn add_addrs(
    lab: &Lab,
    i: usize,
    n: u8,
    addr: fn(u8) -> Ipv4Addr,
) -> Result<(), String> {
    let netns = lab.host(i).netns.clone();
    let mut batch = String::new();
    for k in 1..=n {
        batch.push_str(&format!("addr add {}/24 dev eth0\n", addr(k)));
    }
    let file = lab.dir().join(format!("addrs{i}.batch"));
    std::fs::write(&file, batch).map_err(|e| e.to_string())?;
    let file = file.display().to_string();
    ka_lab::run_ok("ip", &["-n", &netns, "-batch", &file])
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// CPU ticks of every process of each daemon.
fn ticks(procs: &[u32]) -> u64 {
    procs.iter().filter_map(|&p| setup::cpu_ticks(p)).sum()
}

/// Runs `n` sessions at `t` for `imp` and measures `window`.
pub(crate) fn measure(
    imp: &Impl,
    n: u8,
    t: Bfd,
    window: Duration,
) -> Result<CpuRow, String> {
    let mut lab = Lab::new(2).map_err(|e| e.to_string())?;
    add_addrs(&lab, 0, n, a_addr)?;
    add_addrs(&lab, 1, n, p_addr)?;
    let a_conf = setup::many_sessions("a", n, p_addr, a_addr, t);
    let p_conf = setup::many_sessions("p", n, a_addr, p_addr, t);
    let peer = setup::start(&mut lab, imp, 1, "p", &p_conf)?;
    let node = setup::start(&mut lab, imp, 0, "a", &a_conf)?;
    let r = window_of(&lab, (&node, &peer), n, window);
    node.stop(&mut lab);
    peer.stop(&mut lab);
    r.map(
        |(secs, a_pct, p_pct, a_procs, downs, rcvbuf_drops)| CpuRow {
            imp: imp.name(),
            sessions: n,
            secs,
            a_pct,
            p_pct,
            a_procs,
            downs,
            rcvbuf_drops,
        },
    )
}

type Window = (f64, f64, f64, usize, usize, Option<u64>);

fn window_of(
    lab: &Lab,
    (node, peer): (&Daemon, &Daemon),
    n: u8,
    window: Duration,
) -> Result<Window, String> {
    let timeout = Duration::from_secs(30);
    setup::wait_up(lab, node, usize::from(n), timeout)?;
    setup::wait_up(lab, peer, usize::from(n), timeout)?;
    if !daemons::sleep_unless_interrupted(SETTLE) {
        return Err("interrupted".into());
    }
    let (ap, pp) = (setup::processes(node), setup::processes(peer));
    let downs = |l: &Lab| {
        setup::count(l, node, setup::DOWN_LINE)
            + setup::count(l, peer, setup::DOWN_LINE)
    };
    let drops0 = rcvbuf_errors(lab);
    let (d0, a0, p0, t0) = (downs(lab), ticks(&ap), ticks(&pp), Instant::now());
    if !daemons::sleep_unless_interrupted(window) {
        return Err("interrupted".into());
    }
    let (a1, p1, secs) = (ticks(&ap), ticks(&pp), t0.elapsed().as_secs_f64());
    let drops = rcvbuf_errors(lab)
        .zip(drops0)
        .map(|(x, y)| x.saturating_sub(y));
    let pct = |d: u64| d as f64 / TICKS_PER_SEC / secs * 100.0;
    Ok((
        secs,
        pct(a1.saturating_sub(a0)),
        pct(p1.saturating_sub(p0)),
        ap.len(),
        downs(lab) - d0,
        drops,
    ))
}

//! Resource benchmark: resident memory and CPU of keepalived-rs and
//! keepalived 2.2.7 running 1 and 100 VRRP instances.
//!
//! ```text
//! cargo run --release -p ka-lab --bin resource-bench -- \
//!     [--impl keepalived-rs|keepalived|both] [--counts 1,100] \
//!     [--settle SECS] [--window SECS] [--bin PATH-TO-keepalived-rs]
//! ```
//!
//! For each implementation and instance count, a 2-host lab runs the same
//! configuration on both hosts (VRRPv2, advert_int 1, VRIDs 1..=N on eth0)
//! at priorities 150 (h0, the master of every instance) and 100 (h1, the
//! backup), so adverts flow from master to backup for every instance.
//! After h0 holds the VIPs and a settling time (10 s), each daemon is
//! sampled: RSS is VmRSS from /proc/PID/status at the end of the window,
//! CPU is utime+stime from /proc/PID/stat over the window (30 s) as a
//! percentage of one core (one clock tick, 10 ms, is the resolution: 0.033 %
//! over 30 s). keepalived's figures are the sum of its parent and its VRRP
//! child (`-P`: no checker process); RSS counts pages the two share twice,
//! so PSS (from /proc/PID/smaps_rollup) is given too.

#[path = "common/daemons.rs"]
mod daemons;

use std::net::IpAddr;
use std::time::Duration;

use daemons::{Daemon, Impl, Timing};
use ka_lab::Lab;

/// Adverts once a second, the keepalived default.
const TIMING: Timing = Timing {
    version: 2,
    advert_int: "1",
};

#[derive(Debug)]
struct Opts {
    impls: Vec<Impl>,
    counts: Vec<u8>,
    settle: Duration,
    window: Duration,
}

fn parse_opts() -> Result<Opts, String> {
    let (mut imp, mut counts, mut settle, mut window) =
        ("both".to_owned(), "1,100".to_owned(), 10, 30);
    let mut bin = daemons::default_rs_bin();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut val =
            || args.next().ok_or_else(|| format!("{flag} needs a value"));
        let secs =
            |s: String| s.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--impl" => imp = val()?,
            "--counts" => counts = val()?,
            "--settle" => settle = secs(val()?)?,
            "--window" => window = secs(val()?)?.max(1),
            "--bin" => bin = val()?.into(),
            o => {
                return Err(format!(
                    "unknown option {o}\nusage: resource-bench [--impl keepalived-rs|keepalived|both] \
                     [--counts 1,100] [--settle SECS] [--window SECS] [--bin PATH]"
                ));
            }
        }
    }
    let counts = counts
        .split(',')
        .map(|c| {
            c.parse::<u8>()
                .ok()
                .filter(|n| (1..=254).contains(n))
                .ok_or(format!("bad count {c} (1..=254)"))
        })
        .collect::<Result<_, _>>()?;
    Ok(Opts {
        impls: Impl::parse_list(&imp, &bin)?,
        counts,
        settle: Duration::from_secs(settle),
        window: Duration::from_secs(window),
    })
}

/// The KiB value of line `key` ("VmRSS:", "Pss:") in a /proc file.
fn proc_kib(path: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// VmRSS of `pid` in KiB.
fn rss_kib(pid: u32) -> Option<u64> {
    proc_kib(&format!("/proc/{pid}/status"), "VmRSS:")
}

/// PSS of `pid` in KiB: RSS with shared pages split among their users, so
/// keepalived's two processes are not charged twice for shared pages.
fn pss_kib(pid: u32) -> Option<u64> {
    proc_kib(&format!("/proc/{pid}/smaps_rollup"), "Pss:")
}

/// utime+stime of `pid` (all its threads) in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name: state is field 3, utime 14, stime 15.
    let f: Vec<&str> =
        stat[stat.rfind(')')? + 2..].split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// Clock ticks per second (`getconf CLK_TCK`, normally 100).
fn clk_tck() -> f64 {
    ka_lab::run_ok("getconf", &["CLK_TCK"])
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// What one daemon used.
struct Sample {
    /// VmRSS of each of its processes, KiB, at the end of the window.
    rss_kib: Vec<u64>,
    /// Sum of their PSS, KiB.
    pss_kib: u64,
    /// CPU time over the window, ms.
    cpu_ms: f64,
    /// The same as a percentage of one core.
    cpu_pct: f64,
}

/// One row of the table.
struct Row {
    imp: &'static str,
    count: u8,
    role: &'static str,
    sample: Sample,
}

/// The VIP of the last instance of a `count`-instance configuration.
fn last_vip(count: u8) -> IpAddr {
    if count == 1 {
        IpAddr::from([192, 0, 2, 100])
    } else {
        IpAddr::from([198, 51, 100, count])
    }
}

/// Samples the daemons over one window (empty if interrupted).
fn sample(daemons: &[&Daemon], window: Duration) -> Vec<Sample> {
    let pids: Vec<Vec<u32>> = daemons.iter().map(|d| d.pids()).collect();
    let ticks = |p: &[u32]| p.iter().filter_map(|&p| cpu_ticks(p)).sum::<u64>();
    let before: Vec<u64> = pids.iter().map(|p| ticks(p)).collect();
    if !daemons::sleep_unless_interrupted(window) {
        return Vec::new();
    }
    let hz = clk_tck();
    pids.iter()
        .zip(before)
        .map(|(p, t0)| {
            let cpu_s = ticks(p).saturating_sub(t0) as f64 / hz;
            Sample {
                rss_kib: p.iter().filter_map(|&p| rss_kib(p)).collect(),
                pss_kib: p.iter().filter_map(|&p| pss_kib(p)).sum(),
                cpu_ms: cpu_s * 1e3,
                cpu_pct: cpu_s / window.as_secs_f64() * 100.0,
            }
        })
        .collect()
}

/// Runs one implementation with `count` instances on a master and a backup.
fn measure(imp: &Impl, count: u8, o: &Opts) -> Result<Vec<Row>, String> {
    let mut lab = Lab::new(2).map_err(|e| e.to_string())?;
    let master = daemons::start(
        &mut lab,
        imp,
        0,
        "h0",
        &daemons::config(count, 150, TIMING),
    )?;
    let backup = daemons::start(
        &mut lab,
        imp,
        1,
        "h1",
        &daemons::config(count, 100, TIMING),
    )?;
    let up =
        daemons::wait_holder(&lab, last_vip(count), 0, Duration::from_secs(20));
    let samples = up.map(|_| {
        daemons::sleep_unless_interrupted(o.settle);
        sample(&[&master, &backup], o.window)
    });
    backup.stop(&mut lab);
    master.stop(&mut lab);
    let rows = samples?
        .into_iter()
        .zip(["master", "backup"])
        .map(|(sample, role)| Row {
            imp: imp.name(),
            count,
            role,
            sample,
        })
        .collect();
    Ok(rows)
}

fn main() {
    daemons::catch_interrupts();
    let o = daemons::options_or_exit(parse_opts(), |o| &o.impls);
    daemons::print_load("before");
    let mut rows = Vec::new();
    for &count in &o.counts {
        for imp in o.impls.iter().filter(|_| !daemons::interrupted()) {
            eprintln!("{}: {count} instance(s)…", imp.name());
            match measure(imp, count, &o) {
                Ok(r) => rows.extend(r),
                Err(e) => eprintln!(
                    "{} with {count} instance(s) FAILED: {e}",
                    imp.name()
                ),
            }
        }
    }
    daemons::print_load("after");
    print_table(&rows, o.window);
}

fn print_table(rows: &[Row], window: Duration) {
    println!(
        "| implementation | instances | role | RSS KiB (per process) | PSS KiB | \
         CPU ms in {}s | CPU % of one core |",
        window.as_secs()
    );
    println!("|---|---:|---|---:|---:|---:|---:|");
    for r in rows {
        let s = &r.sample;
        let per: Vec<String> = s.rss_kib.iter().map(u64::to_string).collect();
        let rss = s.rss_kib.iter().sum::<u64>();
        let per = if per.len() > 1 {
            format!(" ({})", per.join(" + "))
        } else {
            String::new()
        };
        println!(
            "| {} | {} | {} | {rss}{per} | {} | {:.0} | {:.3} |",
            r.imp, r.count, r.role, s.pss_kib, s.cpu_ms, s.cpu_pct
        );
    }
}

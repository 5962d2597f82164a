//! BFD benchmark: how fast a VIP leaves the node that tracks a BFD
//! session when the peer goes silent, what 100 sessions at 10 ms cost in
//! CPU, and whether a session at 10 ms × 3 stays up on loaded cores;
//! keepalived-rs beside keepalived 2.2.7 in the same run.
//!
//! ```text
//! cargo run --release -p ka-lab --bin bfd-bench -- \
//!     [--impl keepalived-rs|keepalived|both] [--bin PATH-TO-keepalived-rs] \
//!     [--runs 7] [--parts failover,vrrp,cpu] [--sessions 100] [--cpu-secs 30]
//! cargo run --release -p ka-lab --bin bfd-bench -- --soak 600 [--busy 4]
//! ```
//!
//! * `failover`: node A is a VRRP master holding 192.0.2.100 with
//!   `track_bfd { B weight 0 }`, B being a session to peer P (P runs the
//!   same implementation's BFD, nothing else); P is cut off silently (the
//!   bridge drops its frames) and the time until the kernel announces the
//!   VIP's removal from A is taken (see `failover.rs`), at 20 ms × 3 and
//!   10 ms × 3; `--runs` runs each, interleaving the implementations.
//! * `vrrp`: VRRP alone for comparison: VRRPv3 at advert_int 0.01, the
//!   master is cut off, the time until the VIP appears on the backup.
//! * `cpu`: `--sessions` sessions at 10 ms × 3 between A and P; utime +
//!   stime of each daemon (keepalived: all its processes) over
//!   `--cpu-secs` seconds once all are Up (see `cpu.rs`).
//! * `--soak SECS` (alone): one session at 10 ms × 3 per implementation,
//!   side by side, with `--busy` spinning threads; counts session downs
//!   (all false: nothing is cut). As soak-bench's doc says, on a shared
//!   machine run it in its own autogroup with more weight:
//!
//! ```text
//! setsid sh -c 'echo -10 > /proc/self/autogroup; exec target/release/bfd-bench --soak 600'
//! ```

mod addrwatch;
#[path = "../common/busy.rs"]
mod busy;
mod cpu;
#[path = "../common/daemons.rs"]
mod daemons;
mod failover;
mod setup;
mod soak;
mod stall;
#[path = "../common/stamped.rs"]
mod stamped;
mod tap;
#[cfg(test)]
mod tests;

use std::time::Duration;

use daemons::Impl;
use failover::Case;
use setup::Bfd;

const BFD_20: Bfd = Bfd { ms: 20, mult: 3 };
const BFD_10: Bfd = Bfd { ms: 10, mult: 3 };

/// Command-line options.
#[derive(Debug)]
struct Opts {
    impls: Vec<Impl>,
    runs: usize,
    parts: Vec<String>,
    sessions: u8,
    cpu_secs: u64,
    soak: Option<u64>,
    busy: usize,
    /// `--global LINE` (repeatable, soak only): added to both daemons'
    /// `global_defs`, e.g. `bfd_rt_priority 20`.
    globals: Vec<String>,
}

fn usage() -> String {
    "usage: bfd-bench [--impl keepalived-rs|keepalived|both] [--bin PATH] \
     [--runs 7] [--parts failover,vrrp,cpu] [--sessions 100] [--cpu-secs 30] \
     | --soak SECS [--busy 4] [--global 'bfd_rt_priority 20']..."
        .to_owned()
}

fn parse_opts() -> Result<Opts, String> {
    let (mut imp, mut bin) = ("both".to_owned(), daemons::default_rs_bin());
    let mut o = Opts {
        impls: vec![],
        runs: 7,
        parts: vec!["failover".into(), "vrrp".into(), "cpu".into()],
        sessions: 100,
        cpu_secs: 30,
        soak: None,
        busy: 4,
        globals: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut val =
            || args.next().ok_or_else(|| format!("{flag} needs a value"));
        let num =
            |s: String| s.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        let conv = |e: std::num::TryFromIntError| format!("{flag}: {e}");
        match flag.as_str() {
            "--impl" => imp = val()?,
            "--bin" => bin = val()?.into(),
            "--runs" => o.runs = usize::try_from(num(val()?)?).map_err(conv)?,
            "--parts" => {
                o.parts = val()?.split(',').map(str::to_owned).collect()
            }
            "--sessions" => {
                o.sessions = u8::try_from(num(val()?)?).map_err(conv)?
            }
            "--cpu-secs" => o.cpu_secs = num(val()?)?.max(1),
            "--soak" => o.soak = Some(num(val()?)?.max(1)),
            "--busy" => o.busy = usize::try_from(num(val()?)?).map_err(conv)?,
            "--global" => o.globals.push(val()?),
            "-h" | "--help" => return Err(usage()),
            x => return Err(format!("unknown option {x}\n{}", usage())),
        }
    }
    if let Some(p) = o
        .parts
        .iter()
        .find(|p| !["failover", "vrrp", "cpu"].contains(&p.as_str()))
    {
        return Err(format!("unknown part {p}: want failover, vrrp or cpu"));
    }
    if !(1..=100).contains(&o.sessions) {
        return Err("--sessions: 1 to 100".into());
    }
    o.runs = o.runs.max(1);
    o.impls = Impl::parse_list(&imp, &bin)?;
    Ok(o)
}

/// Min, median and max in ms.
fn stats(v: &[Duration]) -> Option<(f64, f64, f64)> {
    let mut ms: Vec<f64> = v.iter().map(|d| d.as_secs_f64() * 1e3).collect();
    ms.sort_by(f64::total_cmp);
    let n = ms.len();
    let med = match n {
        0 => return None,
        _ if n % 2 == 1 => ms[n / 2],
        _ => (ms[n / 2 - 1] + ms[n / 2]) / 2.0,
    };
    Some((ms[0], med, ms[n - 1]))
}

/// The samples of one implementation in one case.
struct Cell {
    case: Case,
    imp: &'static str,
    samples: Vec<Duration>,
    failures: usize,
}

/// Runs the failover cases, interleaving implementations run by run.
fn run_failovers(o: &Opts) -> Vec<Cell> {
    let mut cases = Vec::new();
    if o.parts.iter().any(|p| p == "failover") {
        cases.extend([Case::TrackBfd(BFD_20), Case::TrackBfd(BFD_10)]);
    }
    if o.parts.iter().any(|p| p == "vrrp") {
        cases.push(Case::VrrpAlone);
    }
    let mut cells = Vec::new();
    for case in cases {
        let first = cells.len();
        cells.extend(o.impls.iter().map(|imp| Cell {
            case,
            imp: imp.name(),
            samples: vec![],
            failures: 0,
        }));
        for run in 1..=o.runs {
            for (k, imp) in o.impls.iter().enumerate() {
                if daemons::interrupted() {
                    return cells;
                }
                let cell = &mut cells[first + k];
                let head =
                    format!("{} | {} | run {run}", cell.imp, case.name());
                match failover::one_run(imp, case) {
                    Ok(d) => {
                        eprintln!("{head}: {:.1} ms", d.as_secs_f64() * 1e3);
                        cell.samples.push(d);
                    }
                    Err(e) => {
                        eprintln!("{head}: FAILED: {e}");
                        cell.failures += 1;
                    }
                }
            }
        }
    }
    cells
}

fn print_failovers(cells: &[Cell]) {
    if cells.is_empty() {
        return;
    }
    println!(
        "\n| case | measured | implementation | runs | failed | median ms | min–max ms | / keepalived |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|");
    let median = |case: Case, imp: &str| {
        cells
            .iter()
            .find(|c| c.case == case && c.imp == imp)
            .and_then(|c| stats(&c.samples))
            .map(|s| s.1)
    };
    for c in cells {
        let (med, range) = stats(&c.samples).map_or_else(
            || ("–".to_owned(), "–".to_owned()),
            |(lo, m, hi)| (format!("{m:.1}"), format!("{lo:.1}–{hi:.1}")),
        );
        let ratio = match (median(c.case, c.imp), median(c.case, "keepalived"))
        {
            (Some(x), Some(k)) if c.imp != "keepalived" => {
                format!("{:.2}", x / k)
            }
            _ => "".to_owned(),
        };
        println!(
            "| {} | {} | {} | {} | {} | {med} | {range} | {ratio} |",
            c.case.name(),
            c.case.measured(),
            c.imp,
            c.samples.len(),
            c.failures
        );
    }
}

fn run_cpu(o: &Opts) {
    let window = Duration::from_secs(o.cpu_secs);
    let mut rows = Vec::new();
    for imp in &o.impls {
        if daemons::interrupted() {
            break;
        }
        match cpu::measure(imp, o.sessions, BFD_10, window) {
            Ok(r) => rows.push(r),
            Err(e) => eprintln!("{} | cpu: FAILED: {e}", imp.name()),
        }
    }
    println!(
        "\n| implementation | sessions | timers | window s | A: CPU % of a core | A processes | P: CPU % of a core | session downs in the window (A + P) | UDP receive-buffer drops (A + P) |"
    );
    println!("|---|---:|---|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {} | {} | {:.1} | {:.2} | {} | {:.2} | {} | {} |",
            r.imp,
            r.sessions,
            BFD_10.name(),
            r.secs,
            r.a_pct,
            r.a_procs,
            r.p_pct,
            r.downs,
            r.rcvbuf_drops.map_or("?".to_owned(), |d| d.to_string())
        );
    }
}

fn run_soak(o: &Opts, secs: u64) {
    eprintln!(
        "soak: {secs} s at {}, {} busy loop(s), on {} core(s)",
        BFD_10.name(),
        o.busy,
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    for g in &o.globals {
        println!("global_defs line added to both daemons: {g}");
    }
    match soak::run(&o.impls, BFD_10, secs, o.busy, &o.globals) {
        Ok((rows, stalls)) => {
            match stalls {
                Some(s) => println!(
                    "machine: a SCHED_FIFO 99 thread waking every 1 ms woke more than {:.0} ms late {} times in {} wake-ups (latest {:.1} ms); steal time {:.2} s of CPU",
                    BFD_10.detection_secs() * 1e3,
                    s.over,
                    s.wakeups,
                    s.max * 1e3,
                    s.steal_ticks as f64 / 100.0
                ),
                None => println!("machine: the stall probe gave no result"),
            }
            println!(
                "\n| implementation | timers | seconds | busy loops | session downs A / P | detection expiries A / P | A→P gaps > detection time sent / received (longest, ms) | P→A gaps sent / received (longest, ms) |"
            );
            println!("|---|---|---:|---:|---:|---:|---:|---:|");
            let dir = |d: &soak::Direction| {
                format!(
                    "{} / {} ({:.1} / {:.1})",
                    d.sent_gaps,
                    d.received_gaps,
                    d.sent_max * 1e3,
                    d.received_max * 1e3
                )
            };
            for r in rows {
                println!(
                    "| {} | {} | {:.0} | {} | {} / {} | {} / {} | {} | {} |",
                    r.imp,
                    BFD_10.name(),
                    r.secs,
                    o.busy,
                    r.downs.0,
                    r.downs.1,
                    r.expired.0,
                    r.expired.1,
                    dir(&r.wire[0]),
                    dir(&r.wire[1])
                );
            }
        }
        Err(e) => eprintln!("soak FAILED: {e}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("stall-probe") {
        if let Err(e) = stall::probe_main(&args[1..]) {
            eprintln!("stall-probe: {e}");
            std::process::exit(2);
        }
        return;
    }
    daemons::catch_interrupts();
    let o = daemons::options_or_exit(parse_opts(), |o| &o.impls);
    daemons::print_load("before");
    if let Some(secs) = o.soak {
        run_soak(&o, secs);
    } else {
        let cells = run_failovers(&o);
        if o.parts.iter().any(|p| p == "cpu") {
            run_cpu(&o);
        }
        print_failovers(&cells);
    }
    daemons::print_load("after");
}

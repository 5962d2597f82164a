//! `lb-bench`: what the director costs, with the real keepalived-rs
//! binary. Prints (asserts nothing), for IPVS (in a user-mode Linux guest:
//! the host kernel has no IPVS) and for the nftables data plane (host
//! kernel):
//! - requests per second through the VIP (rr over two real servers, and a
//!   service with one real server) against straight to that real server
//!   (routed through the same director, no NAT), one TCP connection per
//!   request;
//! - the time from a real server's death (its listener SIGKILLed) to its
//!   removal from the kernel table, the table polled about every
//!   millisecond (`/proc/net/ip_vs`; `nft list ruleset`, whose own run
//!   takes a few milliseconds), with the checker settings;
//! - medians (and ranges) of `--runs` rounds, and the load average.
//!
//! The scenario (`scenario.sh`) is the same in both places: namespaces for
//! two clients (198.51.100.2 through the VIP, 198.51.100.130 straight to
//! the real server), the director (198.51.100.1, VIP 203.0.113.10)
//! and two real servers (192.0.2.2, 192.0.2.18) routed back through it.
//! The reconcile cost of 1,000 services × 10 destinations is measured by
//! `cargo test --release -p ka-ipvs --test uml -- --ignored --nocapture
//! bench` (IPVS) and `nftlb-bench` (nftables).
//!
//! ```text
//! cargo build --release -p keepalived-rs -p ka-lab
//! target/release/lb-bench [--runs 5] [--secs 3] [--threads 2] \
//!     [--backends ipvs,nftables] [--bin PATH-TO-keepalived-rs]
//! ```

#[cfg(test)]
mod tests;
mod tools;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use ka_lab::TmpDir;
use ka_lab::uml::Guest;
use tools::Backend;

const SCENARIO: &str = include_str!("scenario.sh");
/// What the scenario's checkers are, for the report.
const CHECKER: &str = "delay_loop 1, TCP_CHECK connect_timeout 1 retry 0";

#[derive(Debug)]
struct Opts {
    runs: u32,
    secs: u64,
    threads: usize,
    backends: Vec<Backend>,
    bin: PathBuf,
}

fn opts(args: &[String]) -> Result<Opts, String> {
    let here = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut o = Opts {
        runs: 5,
        secs: 3,
        threads: 2,
        backends: vec![Backend::Ipvs, Backend::Nftables],
        bin: here.with_file_name("keepalived-rs"),
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let v = it.next().ok_or(format!("{flag} needs a value"))?;
        let num = || {
            v.parse::<u64>()
                .map_err(|_| format!("{flag} {v}: not a number"))
        };
        match flag.as_str() {
            "--runs" => o.runs = num()?.clamp(1, 100) as u32,
            "--secs" => o.secs = num()?.clamp(1, 60),
            "--threads" => o.threads = num()?.clamp(1, 64) as usize,
            "--bin" => o.bin = PathBuf::from(v),
            "--backends" => {
                o.backends =
                    v.split(',').map(str::parse).collect::<Result<_, _>>()?;
            }
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(o)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let r = match args.first().map(String::as_str) {
        Some("serve" | "client" | "wait-present" | "watch-kill") => tool(&args),
        _ => bench(&args),
    };
    if let Err(e) = r {
        eprintln!("lb-bench: {e}");
        std::process::exit(1);
    }
}

/// The scenario's helpers (`lb-bench serve ADDR`, `client ADDR SECS
/// THREADS`, `wait-present BACKEND ADDR SECS`, `watch-kill PID BACKEND
/// ADDR SECS`).
fn tool(args: &[String]) -> Result<(), String> {
    let arg =
        |i: usize| args.get(i).map(String::as_str).ok_or("missing argument");
    let addr = |i: usize| -> Result<SocketAddr, String> {
        arg(i)?.parse().map_err(|e| format!("{}: {e}", args[i]))
    };
    let num = |i: usize| -> Result<u64, String> {
        arg(i)?.parse().map_err(|e| format!("{}: {e}", args[i]))
    };
    match arg(0)? {
        "serve" => tools::serve(addr(1)?),
        "client" => {
            println!("{}", tools::client(addr(1)?, num(2)?, num(3)? as usize));
            Ok(())
        }
        "wait-present" => {
            if tools::wait_present(arg(1)?.parse()?, addr(2)?, num(3)?)? {
                Ok(())
            } else {
                Err(format!("{} is not in the table", args[2]))
            }
        }
        _ => {
            let pid = i32::try_from(num(1)?).map_err(|e| e.to_string())?;
            let out =
                tools::watch_kill(pid, arg(2)?.parse()?, addr(3)?, num(4)?)?;
            println!("{out}");
            Ok(())
        }
    }
}

fn bench(args: &[String]) -> Result<(), String> {
    let o = opts(args)?;
    if let Some(why) = ka_lab::skip_reason() {
        return Err(why);
    }
    if !o.bin.exists() {
        return Err(format!(
            "{} is missing (cargo build --release -p keepalived-rs)",
            o.bin.display()
        ));
    }
    println!(
        "lb-bench: {} runs, {} s per rate, {} client threads, one TCP connection per request; checkers: {CHECKER}",
        o.runs, o.secs, o.threads
    );
    println!("load average before: {}", loadavg());
    for b in &o.backends {
        let (text, where_) = match b {
            Backend::Ipvs => {
                (run_uml(&o)?, "IPVS, user-mode Linux guest (1 vCPU)")
            }
            Backend::Nftables => (run_host(&o)?, "nftables, host kernel"),
        };
        println!("\n{where_}:");
        print!("{}", report(&text));
    }
    println!("\nload average after: {}", loadavg());
    Ok(())
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// The scenario's environment.
fn env(
    o: &Opts,
    w: &Path,
    backend: &str,
    prefix: &str,
) -> Vec<(String, String)> {
    let lb = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    [
        ("W", w.display().to_string()),
        ("LB", lb),
        ("KA", o.bin.display().to_string()),
        ("BACKEND", backend.to_owned()),
        ("P", prefix.to_owned()),
        ("RUNS", o.runs.to_string()),
        ("SECS", o.secs.to_string()),
        ("THREADS", o.threads.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// IPVS: the scenario in a UML guest; its results file.
fn run_uml(o: &Opts) -> Result<String, String> {
    if let Some(why) = ka_lab::uml::skip_reason() {
        return Err(why);
    }
    let bound = 120 + u64::from(o.runs) * (3 * o.secs + 40);
    let mut g = Guest::new("lb-bench")
        .mem("512M")
        .timeout(Duration::from_secs(bound));
    let w = g.work().to_path_buf();
    for (k, v) in env(o, &w, "ipvs", "lb") {
        g = g.env(&k, &v);
    }
    g = g.env("UML", "1");
    let body = format!("W=$KA_UML_WORK\n{SCENARIO}");
    let run = g.run(&body).map_err(|e| e.to_string())?;
    let results =
        std::fs::read_to_string(w.join("results.txt")).unwrap_or_default();
    if run.status != Some(0) {
        let log = std::fs::read_to_string(w.join("ka.log")).unwrap_or_default();
        return Err(format!(
            "the guest failed ({:?}):\n{results}\n{log}\n{}",
            run.status, run.console
        ));
    }
    Ok(results)
}

/// nftables: the scenario on the host, in namespaces of its own.
fn run_host(o: &Opts) -> Result<String, String> {
    let dir = TmpDir::new("lb-bench", "nft");
    let w = dir.path().to_path_buf();
    let prefix = format!("lb{}", std::process::id() % 100_000);
    let script = w.join("scenario.sh");
    std::fs::write(&script, SCENARIO).map_err(|e| e.to_string())?;
    let err = std::fs::File::create(w.join("scenario.err"))
        .map_err(|e| e.to_string())?;
    let status = Command::new("timeout")
        .arg((60 + u64::from(o.runs) * (3 * o.secs + 40)).to_string())
        .arg("sh")
        .arg(&script)
        .envs(env(o, &w, "nftables", &prefix))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(err)
        .status()
        .map_err(|e| e.to_string())?;
    let results =
        std::fs::read_to_string(w.join("results.txt")).unwrap_or_default();
    if !status.success() {
        let log = std::fs::read_to_string(w.join("ka.log")).unwrap_or_default();
        return Err(format!(
            "the scenario failed ({status}):\n{results}\n{log}\n{}",
            std::fs::read_to_string(w.join("scenario.err")).unwrap_or_default()
        ));
    }
    Ok(results)
}

/// Medians and ranges per measure of the scenario's `results.txt`.
fn report(results: &str) -> String {
    let mut by: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut per_run: BTreeMap<(&str, &str), f64> = BTreeMap::new();
    let mut failed: BTreeMap<&str, u64> = BTreeMap::new();
    let mut timeouts = 0;
    for line in results.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        let [run, what, value, extra] = w[..] else {
            continue;
        };
        match value.parse::<f64>() {
            Ok(v) => {
                by.entry(what).or_default().push(v);
                per_run.insert((run, what), v);
            }
            Err(_) => timeouts += 1,
        }
        if what != "removal" {
            *failed.entry(what).or_default() +=
                extra.parse::<u64>().unwrap_or(0);
        }
    }
    let mut s = String::new();
    let mut row = |label: &str, key: &str, unit: &str| {
        if let Some(v) = by.get_mut(key) {
            let (med, lo, hi) = stats(v);
            let f = failed
                .get(key)
                .map(|n| format!(", {n} failed"))
                .unwrap_or_default();
            s.push_str(&format!(
                "  {label}: median {med:.1} {unit} (range {lo:.1}-{hi:.1}, {} runs{f})\n",
                v.len()
            ));
        }
    };
    row("through the VIP, rr over 2 servers  ", "vip", "req/s");
    row("through the VIP, one server         ", "vip1", "req/s");
    row("straight to that server (routed)    ", "direct", "req/s");
    row("real server killed -> out of table  ", "removal", "ms");
    // The ratio within each run (measured seconds apart), then its median:
    // steadier than the ratio of medians on a loaded machine.
    let mut ratios: Vec<f64> = per_run
        .iter()
        .filter(|((_, what), _)| *what == "vip1")
        .filter_map(|((run, _), v)| {
            let d = per_run.get(&(*run, "direct"))?;
            (*d > 0.0).then(|| 100.0 * v / d)
        })
        .collect();
    if !ratios.is_empty() {
        let (med, lo, hi) = stats(&mut ratios);
        s.push_str(&format!(
            "  VIP (one server) / straight, per run: median {med:.0} % (range {lo:.0}-{hi:.0} %)\n"
        ));
    }
    if timeouts > 0 {
        s.push_str(&format!("  {timeouts} removals not seen within 30 s\n"));
    }
    s
}

/// Median, minimum and maximum (`v` sorted in place; zeros when empty).
fn stats(v: &mut [f64]) -> (f64, f64, f64) {
    if v.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let med = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    (med, v[0], v[n - 1])
}

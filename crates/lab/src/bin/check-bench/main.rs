//! Checker benchmark: 10,000 TCP_CHECK and 1,000 HTTP_GET real servers
//! at `delay_loop 1`, checked by keepalived-rs and by keepalived 2.2.7.
//!
//! ```text
//! cargo build --release -p keepalived-rs -p ka-lab
//! target/release/check-bench [--tcp 10000] [--http 1000] [--settle 10] \
//!     [--secs 30] [--runs 1] [--impl keepalived-rs|keepalived|both] \
//!     [--bin PATH-TO-keepalived-rs] [--no-uml-rs] [--uml-scale TCP,HTTP] \
//!     [--mem 1536M]
//! ```
//!
//! The real servers are TCP listeners (this binary, `check-bench serve`,
//! recording the time of every accepted connection) and one nginx with a
//! port per HTTP real server (its access log gives the time of every
//! request); all on the loopback link (see `layout.rs`). Each run starts the
//! daemon with `-C` (checkers only), lets it settle, then measures one
//! window: checks per second at the servers, the CPU of the daemon's
//! processes (utime + stime, the process started and its children:
//! keepalived's parent and checker child) as % of one core and per
//! check, their peak RSS (sum of VmHWM), and the lateness of checks: the
//! intervals between consecutive checks of each server, the share longer
//! than 1.1 × delay_loop, p50/p99/max; and the same from the kernel's
//! timestamp of each SYN (`syn.rs`), which a late server process cannot
//! skew. Two columns vouch for the
//! measurement itself: the TCP servers' own CPU and the connections left
//! in their accept queues at the end (a large number would mean the
//! servers, not the daemon, fall behind). A check counts at the server:
//! a check that never reaches it (a connect that fails) is not counted.
//! Medians (`--runs N`) are taken per column.
//!
//! Where: keepalived's checker needs IPVS, which the host kernel lacks,
//! so keepalived runs in a user-mode Linux guest (one virtual CPU, a
//! slower kernel). keepalived-rs runs in a namespace on the host with
//! `--lvs-backend nftables`, and also in the same UML guest with
//! `--lvs-backend ipvs`: that row is the fair comparison of the checkers,
//! both programming the guest's IPVS (with every real server up, once at
//! start and not in the window). One virtual CPU shared with the
//! real servers and nginx cannot keep 10,000 checks a second: with
//! `--uml-scale 1000,100` the guests run fewer real servers, at a load
//! where CPU per check can be compared.

mod analysis;
#[path = "../common/daemons.rs"]
mod daemons;
mod layout;
mod scrape;
mod serve;
#[path = "../common/stamped.rs"]
mod stamped;
mod syn;
#[cfg(test)]
mod tests;

use std::path::Path;
use std::time::Duration;

use daemons::Impl;

#[derive(Debug)]
struct Opts {
    tcp: usize,
    http: usize,
    /// The counts in the UML guest (default: the same).
    uml: Option<(usize, usize)>,
    settle: u64,
    secs: u64,
    runs: usize,
    impls: Vec<Impl>,
    uml_rs: bool,
    mem: String,
    /// Seconds of `strace -c` on the daemon, early in the window (a
    /// diagnostic: it slows the daemon, so that run's figures are off).
    strace: Option<u64>,
}

fn usage() -> String {
    "usage: check-bench [--tcp 10000] [--http 1000] [--settle 10] [--secs 30] [--runs 1] \
     [--impl keepalived-rs|keepalived|both] [--bin PATH] [--no-uml-rs] [--uml-scale TCP,HTTP] [--mem 1536M] [--strace SECS]"
        .to_owned()
}

fn parse_opts(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        tcp: 10_000,
        http: 1_000,
        uml: None,
        settle: 10,
        secs: 30,
        runs: 1,
        impls: Vec::new(),
        uml_rs: true,
        mem: "1536M".into(),
        strace: None,
    };
    let (mut imp, mut bin) = ("both".to_owned(), daemons::default_rs_bin());
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut val = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        let num =
            |s: String| s.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--tcp" => o.tcp = num(val()?)? as usize,
            "--http" => o.http = num(val()?)? as usize,
            "--uml-scale" => {
                let v = val()?;
                let (t, h) = v
                    .split_once(',')
                    .ok_or_else(|| format!("--uml-scale {v}: want TCP,HTTP"))?;
                let n = |x: &str| {
                    x.parse::<usize>().map_err(|e| format!("--uml-scale: {e}"))
                };
                o.uml = Some((n(t)?, n(h)?));
            }
            "--settle" => o.settle = num(val()?)?,
            "--secs" => o.secs = num(val()?)?.max(2),
            "--runs" => o.runs = (num(val()?)? as usize).max(1),
            "--impl" => imp = val()?,
            "--bin" => bin = val()?.into(),
            "--no-uml-rs" => o.uml_rs = false,
            "--mem" => o.mem = val()?,
            "--strace" => o.strace = Some(num(val()?)?),
            "-h" | "--help" => return Err(usage()),
            other => {
                return Err(format!("unknown option {other}\n{}", usage()));
            }
        }
    }
    layout::check_counts(o.tcp, o.http)?;
    if let Some((t, h)) = o.uml {
        layout::check_counts(t, h)?;
    }
    o.impls = Impl::parse_list(&imp, &bin)?;
    Ok(o)
}

/// Where a daemon runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// A namespace on the host kernel.
    Host,
    /// The UML guest.
    Uml,
}

/// One measured window, as `serve` wrote it.
#[derive(Clone, Debug)]
struct Row {
    name: String,
    place: Place,
    run: usize,
    /// TCP_CHECK and HTTP_GET real servers.
    servers: (usize, usize),
    v: serde_json::Value,
}

/// The figures of a row, in table order after the servers column.
const FIGURES: usize = 20;

impl Row {
    fn f(&self, k: &str) -> f64 {
        self.v[k].as_f64().unwrap_or(0.0)
    }

    /// `part` as a percentage of `whole` (0 when there is none).
    fn pct(&self, part: &str, whole: &str) -> f64 {
        let w = self.f(whole);
        if w == 0.0 {
            0.0
        } else {
            self.f(part) * 100.0 / w
        }
    }

    fn figures(&self) -> [f64; FIGURES] {
        let secs = self.f("secs").max(1e-9);
        let checks = self.f("tcp_checks") + self.f("http_checks");
        [
            checks / secs,
            self.f("tcp_checks") / secs,
            self.f("http_checks") / secs,
            // /proc counts USER_HZ = 100 ticks a second: ticks / s = %.
            self.f("cpu_ticks") / secs,
            if checks == 0.0 {
                0.0
            } else {
                self.f("cpu_ticks") * 10_000.0 / checks
            },
            self.f("hwm_kb") / 1024.0,
            self.f("procs"),
            self.pct("late", "intervals"),
            self.pct("tcp_late", "tcp_intervals"),
            self.pct("http_late", "http_intervals"),
            self.f("p50"),
            self.f("p99"),
            self.f("max"),
            self.pct("syn_late", "syn_intervals"),
            self.f("syn_p99"),
            self.f("syn_max"),
            self.f("unchecked"),
            self.f("http_not_200"),
            self.f("serve_ticks") / secs,
            self.f("backlog"),
        ]
    }
}

/// The daemon's command line in the measurement script: keepalived-rs
/// programs nftables on the host (no IPVS there) and IPVS in the UML
/// guest, as keepalived does.
fn daemon_cmd(imp: &Impl, place: Place, work: &Path) -> String {
    let w = work.display();
    let files = format!(
        "-n -l -C -f {w}/keepalived.conf -p {w}/ka.pid -c {w}/ka-chk.pid -r {w}/ka-vrrp.pid"
    );
    match imp {
        Impl::Rs(bin) => {
            let backend = match place {
                Place::Host => "nftables",
                Place::Uml => "ipvs",
            };
            format!(
                "\"{}\" {files} --lvs-backend {backend} --metrics-listen {}",
                bin.display(),
                layout::METRICS
            )
        }
        Impl::Keepalived => {
            format!("{} {files} --dont-respawn", daemons::KEEPALIVED)
        }
    }
}

/// Writes the configurations and the script into `work`.
fn prepare(
    o: &Opts,
    imp: &Impl,
    place: Place,
    work: &Path,
    (tcp, http): (usize, usize),
) -> Result<String, String> {
    let write = |name: &str, text: String| {
        std::fs::write(work.join(name), text)
            .map_err(|e| format!("write {name}: {e}"))
    };
    write("keepalived.conf", layout::keepalived_conf(tcp, http))?;
    write("nginx.conf", layout::nginx_conf(http, work))?;
    let bench = std::env::current_exe().map_err(|e| e.to_string())?;
    Ok(layout::script(&layout::Script {
        work,
        bench: &bench,
        daemon: daemon_cmd(imp, place, work),
        tcp,
        http,
        settle: o.settle,
        window: o.secs,
        strace: o.strace,
        metrics: matches!(imp, Impl::Rs(_)),
    }))
}

/// The result file, or what went wrong with the logs that explain it.
fn result(work: &Path, extra: &str) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(work.join("result.json")).map_err(|e| {
        let log = |n: &str| std::fs::read_to_string(work.join(n)).unwrap_or_default();
        let tail = |s: String| s.lines().rev().take(15).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
        format!(
            "no result ({e})\n--- serve.log:\n{}\n--- daemon.log:\n{}\n--- nginx-error.log:\n{}\n{extra}",
            tail(log("serve.log")),
            tail(log("daemon.log")),
            tail(log("nginx-error.log"))
        )
    })?;
    // The daemon's words about its data plane and any error, so the
    // output shows what each row ran on.
    let log =
        std::fs::read_to_string(work.join("daemon.log")).unwrap_or_default();
    for l in log
        .lines()
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            l.contains("nftables") || l.contains("ipvs") || l.contains("error")
        })
        .take(5)
    {
        eprintln!("  daemon: {l}");
    }
    let mut v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("result.json: {e}"))?;
    // keepalived-rs logs a refused nftables transaction as "nftables: nft:
    // ... Error"; the checks go on without a table.
    let refused = log
        .lines()
        .any(|l| l.contains("nftables: nft:") && l.contains("Error"));
    v["table_refused"] = serde_json::json!(refused);
    if let Ok(t) = std::fs::read_to_string(work.join("strace.txt")) {
        eprintln!(
            "  strace -c of the daemon (this run's figures are slowed by it):\n{t}"
        );
    }
    // The counts behind the percentages (a handful of late intervals
    // rounds to 0.00 %).
    let n = |k: &str| v[k].as_u64().unwrap_or(0);
    if v["daemon_timers"].is_u64() {
        eprintln!(
            "  the daemon's own timer delay since its start (/metrics, read after the window): {} of {} checker timers ran more than 100 ms late",
            n("daemon_timers_late"),
            n("daemon_timers")
        );
    }
    eprintln!(
        "  late intervals: {} of {} at the servers, {} of {} by SYN time ({} SYN frames)",
        n("late"),
        n("intervals"),
        n("syn_late"),
        n("syn_intervals"),
        n("syn_frames")
    );
    Ok(v)
}

/// One run in a namespace on the host.
fn run_host(o: &Opts, imp: &Impl) -> Result<serde_json::Value, String> {
    let mut lab = ka_lab::Lab::new(1).map_err(|e| e.to_string())?;
    conntrack_time_wait(&lab);
    let work = lab.dir().to_path_buf();
    let script = prepare(o, imp, Place::Host, &work, (o.tcp, o.http))?;
    std::fs::write(work.join("run.sh"), script).map_err(|e| e.to_string())?;
    let sh = work.join("run.sh").display().to_string();
    let pid = lab
        .spawn(0, "run", "sh", &[&sh])
        .map_err(|e| e.to_string())?;
    let bound = Duration::from_secs(o.settle + o.secs + 120);
    let st = lab.wait_exit(pid, bound);
    let log = lab.log_of(pid);
    result(&work, &format!("--- script ({st:?}):\n{log}"))
}

/// The namespace's conntrack TIME_WAIT timeout, in seconds. The
/// nftables data plane turns conntrack on, so every probe connection
/// leaves an entry; at the kernel's 120 s, 11,000 checks a second fill
/// the host's table (`nf_conntrack_max`, 262,144 here, not settable in a
/// namespace) within about 25 s, and from then on new connections are
/// dropped until their SYN is retransmitted (1 s, 3 s, 7 s late). An
/// operator checking this many servers sizes conntrack too.
const CONNTRACK_TIME_WAIT: &str = "10";

/// Sets [`CONNTRACK_TIME_WAIT`] in the lab's host (a per-namespace
/// sysctl, there once `nf_conntrack` is loaded); says so, or why not.
fn conntrack_time_wait(lab: &ka_lab::Lab) {
    let _ = ka_lab::run("modprobe", &["nf_conntrack"]);
    let key = "net.netfilter.nf_conntrack_tcp_timeout_time_wait";
    match lab.sysctl(0, key, CONNTRACK_TIME_WAIT) {
        Ok(()) => eprintln!("  namespace: {key} = {CONNTRACK_TIME_WAIT} s"),
        Err(e) => eprintln!("  namespace: cannot set {key}: {e}"),
    }
}

/// Loads what the guest needs: IPVS for keepalived, nftables for
/// keepalived-rs.
/// (No tmpfs on /tmp: the work folder the harness mounts lives there.)
/// The UML kernel has nf_tables but no NAT chain type (no
/// `nft_chain_nat`), so keepalived-rs's nftables table is refused there.
const UML_SETUP: &str = "ka_modprobe ip_vs ip_vs_rr || echo 'guest: no IPVS'\n\
    for m in nf_tables nf_conntrack nf_nat nft_numgen nft_hash nft_reject nft_ct nf_reject_ipv4 nf_reject_ipv6; do ka_modprobe $m 2>/dev/null; done\n";

/// One run in a UML guest.
fn run_uml(o: &Opts, imp: &Impl) -> Result<serde_json::Value, String> {
    if let Some(why) = ka_lab::uml::skip_reason() {
        return Err(format!("UML cannot run: {why}"));
    }
    let g = ka_lab::uml::Guest::new("checkbench")
        .mem(&o.mem)
        .timeout(Duration::from_secs(o.settle + o.secs + 240));
    let work = g.work().to_path_buf();
    let script =
        prepare(o, imp, Place::Uml, &work, o.uml.unwrap_or((o.tcp, o.http)))?;
    let run = g
        .run(&format!("{UML_SETUP}{script}"))
        .map_err(|e| e.to_string())?;
    let tail: String = run
        .console
        .lines()
        .rev()
        .take(30)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join("\n");
    result(
        &work,
        &format!("--- console tail (status {:?}):\n{tail}", run.status),
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("serve") {
        let r = serve::parse(&args[1..]).and_then(|o| serve::run(&o));
        if let Err(e) = r {
            eprintln!("serve: {e}");
            std::process::exit(1);
        }
        return;
    }
    daemons::catch_interrupts();
    let o = daemons::options_or_exit(parse_opts(&args), |o| &o.impls);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default();
    eprintln!(
        "check-bench: {} TCP_CHECK + {} HTTP_GET real servers, delay_loop {}, settle {} s, window {} s, {} run(s); host kernel {}, {} core(s)",
        o.tcp,
        o.http,
        layout::DELAY_LOOP,
        o.settle,
        o.secs,
        o.runs,
        kernel.trim(),
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    daemons::print_load("before");
    let mut plan: Vec<(Impl, Place)> = Vec::new();
    for imp in &o.impls {
        match imp {
            Impl::Keepalived => plan.push((imp.clone(), Place::Uml)),
            Impl::Rs(_) => {
                plan.push((imp.clone(), Place::Host));
                if o.uml_rs {
                    plan.push((imp.clone(), Place::Uml));
                }
            }
        }
    }
    let mut rows = Vec::new();
    for run in 1..=o.runs {
        for (imp, place) in &plan {
            if daemons::interrupted() {
                break;
            }
            let r = match place {
                Place::Host => run_host(&o, imp),
                Place::Uml => run_uml(&o, imp),
            };
            match r {
                Ok(v) => {
                    let servers = match place {
                        Place::Uml => o.uml.unwrap_or((o.tcp, o.http)),
                        Place::Host => (o.tcp, o.http),
                    };
                    let row = Row {
                        name: imp.name().to_owned(),
                        place: *place,
                        run,
                        servers,
                        v,
                    };
                    eprintln!("{}", line(&row));
                    rows.push(row);
                }
                Err(e) => eprintln!(
                    "{} ({place:?}) run {run} FAILED: {e}",
                    imp.name()
                ),
            }
        }
    }
    daemons::print_load("after");
    print_table(&o, &rows);
}

/// A footnote for the rows whose nftables table was refused.
fn refused_note(rows: &[Row]) -> String {
    let refused: Vec<String> = rows
        .iter()
        .filter(|r| r.v["table_refused"].as_bool() == Some(true))
        .map(|r| format!("{} ({}, run {})", r.name, place_name(r.place), r.run))
        .collect();
    if refused.is_empty() {
        return String::new();
    }
    format!(
        "\nThe kernel refused the nftables table of {} (the UML kernel has no nftables NAT): those rows measure the checker with no data plane behind it.\n",
        refused.join(", ")
    )
}

fn place_name(p: Place) -> &'static str {
    match p {
        Place::Host => "host kernel, netns, nftables",
        Place::Uml => "UML 6.1 guest (1 vCPU)",
    }
}

fn line(r: &Row) -> String {
    line_of(r, r.run.to_string(), &r.figures())
}

fn line_of(r: &Row, run: String, f: &[f64; FIGURES]) -> String {
    format!(
        "| {} | {} | {} | {} + {} | {:.0} | {:.0} | {:.0} | {:.1} | {:.1} | {:.1} | {:.0} | {:.2} | {:.2} | {:.2} | {:.3} | {:.3} | {:.3} | {:.2} | {:.3} | {:.3} | {:.0} | {:.0} | {:.1} | {:.0} |",
        r.name,
        place_name(r.place),
        run,
        r.servers.0,
        r.servers.1,
        f[0],
        f[1],
        f[2],
        f[3],
        f[4],
        f[5],
        f[6],
        f[7],
        f[8],
        f[9],
        f[10],
        f[11],
        f[12],
        f[13],
        f[14],
        f[15],
        f[16],
        f[17],
        f[18],
        f[19],
    )
}

const HEADER: &str = "| implementation | where | run | servers TCP + HTTP | checks/s | TCP/s | HTTP/s | CPU % of a core | CPU µs/check | peak RSS MiB (VmHWM) | processes | intervals > 1.1 s % | TCP late % | HTTP late % | p50 s | p99 s | max s | SYN intervals > 1.1 s % | SYN p99 s | SYN max s | servers unchecked | HTTP not 200 | TCP servers' CPU % | accept backlog at end |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

fn print_table(o: &Opts, rows: &[Row]) {
    println!(
        "delay_loop {} s, connect_timeout 1 s, window {} s after {} s settling.\n",
        layout::DELAY_LOOP,
        o.secs,
        o.settle
    );
    println!("{HEADER}");
    for r in rows {
        println!("{}", line(r));
    }
    if o.runs > 1 {
        println!("\nMedians over {} runs:\n", o.runs);
        println!("{HEADER}");
        let mut keys: Vec<(String, Place)> =
            rows.iter().map(|r| (r.name.clone(), r.place)).collect();
        keys.sort_by_key(|k| (k.0.clone(), k.1 == Place::Uml));
        keys.dedup();
        for (name, place) in keys {
            let of: Vec<&Row> = rows
                .iter()
                .filter(|r| r.name == name && r.place == place)
                .collect();
            if let Some(first) = of.first() {
                let figs: Vec<[f64; FIGURES]> =
                    of.iter().map(|r| r.figures()).collect();
                let med: [f64; FIGURES] = std::array::from_fn(|i| {
                    analysis::median(figs.iter().map(|f| f[i]).collect())
                });
                println!(
                    "{}",
                    line_of(first, format!("median of {}", of.len()), &med)
                );
            }
        }
    }
    println!(
        "{}\nkeepalived runs under UML only (its checker needs IPVS); the UML rows share one kernel and one virtual CPU with the real servers and nginx, the host row does not: compare keepalived with keepalived-rs on the UML rows. CPU is utime+stime of the daemon's processes over the window; peak RSS sums their VmHWM.",
        refused_note(rows)
    );
}

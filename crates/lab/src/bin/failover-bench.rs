//! Failover benchmark: how long after a fault on the master does a client
//! reach the new master, for keepalived-rs and keepalived 2.2.7.
//!
//! ```text
//! cargo run --release -p ka-lab --bin failover-bench -- \
//!     [--runs N] [--impl keepalived-rs|keepalived|both] \
//!     [--scenarios sigkill,linkcut,sigterm] [--settings v2,v3] \
//!     [--bin PATH-TO-keepalived-rs]
//! ```
//!
//! Each run builds a fresh 3-host lab: h0 (priority 150, the master), h1
//! (priority 100, the backup) and h2, the observer, all with VIP
//! 192.0.2.100 in one VRRP instance. Once h0 holds the VIP and the
//! observer gets answers from it, a fault hits h0:
//!
//! * `sigkill`: a crash (keepalived-rs's process; keepalived's VRRP
//!   child, with keepalived started with `--dont-respawn` so that its
//!   parent neither resigns for the child nor starts a new one);
//! * `linkcut`: h0's switch port goes down (the fault instant is taken
//!   just before `ip link set down` runs, so it includes a millisecond or
//!   two of process start);
//! * `sigterm`: a graceful stop (the master resigns with priority 0).
//!
//! The probe: h0 and h1 run a UDP responder on port 7979 that answers
//! `h<i> <payload>`; the observer sends a datagram to VIP:7979 every
//! millisecond. The failover time is from the fault to the send time of
//! the first probe that h1 answers, so it includes the backup's
//! Master_Down timer, its takeover, its gratuitous ARP and the observer's
//! ARP update: what a client sees. All probe threads live in this process
//! and enter the hosts' namespaces with setns(2), so all times come from
//! one monotonic clock.
//!
//! The fault comes at a random phase of the master's advert cycle (a
//! uniform random part of one advert_int after a settling time), so after
//! a crash the backup's remaining wait spreads over one advert interval:
//! about 2.6-3.6 s at VRRPv2/1 s and 26-36 ms at VRRPv3/10 ms, plus the
//! takeover. Results are min/median/max per implementation, setting
//! (VRRPv2 advert_int 1, VRRPv3 advert_int 0.01) and scenario, and the
//! keepalived/keepalived-rs ratio of medians.

#[path = "common/daemons.rs"]
mod daemons;

use std::fs::File;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use daemons::{Daemon, Impl, Timing};
use ka_lab::Lab;
use nix::sched::{CloneFlags, setns};
use nix::sys::signal::Signal;

/// The VIP.
const VIP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 100);
/// The responders' UDP port.
const PORT: u16 = 7979;
/// The observer's probe interval.
const PROBE_EVERY: Duration = Duration::from_millis(1);
/// No probe thread lives longer than this, whatever happens.
const PROBE_LIFETIME: Duration = Duration::from_secs(120);
/// Bound on the initial election and on the failover itself.
const ELECTION_TIMEOUT: Duration = Duration::from_secs(15);
const FAILOVER_TIMEOUT: Duration = Duration::from_secs(15);

/// The fault injected on the master.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scenario {
    Sigkill,
    Linkcut,
    Sigterm,
}

impl Scenario {
    fn parse(s: &str) -> Result<Self, String> {
        match s {
            "sigkill" => Ok(Self::Sigkill),
            "linkcut" => Ok(Self::Linkcut),
            "sigterm" => Ok(Self::Sigterm),
            o => Err(format!(
                "unknown scenario {o}: want sigkill, linkcut or sigterm"
            )),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Sigkill => "sigkill",
            Self::Linkcut => "linkcut",
            Self::Sigterm => "sigterm",
        }
    }
}

/// A VRRP timing setting of the benchmark.
#[derive(Clone, Copy, Debug)]
struct Setting {
    name: &'static str,
    timing: Timing,
    /// How long the pair runs steadily before the fault.
    settle: Duration,
    /// The advert interval: the fault comes a random part of it after
    /// `settle`, so it hits every phase of the master's advert cycle.
    advert: Duration,
}

const V2: Setting = Setting {
    name: "VRRPv2 advert_int 1",
    timing: Timing {
        version: 2,
        advert_int: "1",
    },
    settle: Duration::from_secs(1),
    advert: Duration::from_secs(1),
};
const V3: Setting = Setting {
    name: "VRRPv3 advert_int 0.01",
    timing: Timing {
        version: 3,
        advert_int: "0.01",
    },
    settle: Duration::from_millis(300),
    advert: Duration::from_millis(10),
};

/// Command-line options.
#[derive(Debug)]
struct Opts {
    runs: usize,
    impls: Vec<Impl>,
    scenarios: Vec<Scenario>,
    settings: Vec<Setting>,
}

fn parse_opts() -> Result<Opts, String> {
    let (mut runs, mut imp, mut scen, mut sets) = (
        10,
        "both".to_owned(),
        "sigkill,linkcut,sigterm".to_owned(),
        "v2,v3".to_owned(),
    );
    let mut bin = daemons::default_rs_bin();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut val =
            || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--runs" => {
                runs = val()?.parse().map_err(|e| format!("--runs: {e}"))?
            }
            "--impl" => imp = val()?,
            "--scenarios" => scen = val()?,
            "--settings" => sets = val()?,
            "--bin" => bin = val()?.into(),
            "-h" | "--help" => return Err(usage()),
            o => return Err(format!("unknown option {o}\n{}", usage())),
        }
    }
    let settings = sets
        .split(',')
        .map(|s| match s {
            "v2" => Ok(V2),
            "v3" => Ok(V3),
            o => Err(format!("unknown setting {o}: want v2 or v3")),
        })
        .collect::<Result<_, _>>()?;
    let scenarios = scen
        .split(',')
        .map(Scenario::parse)
        .collect::<Result<_, _>>()?;
    let impls = Impl::parse_list(&imp, &bin)?;
    Ok(Opts {
        runs: runs.max(1),
        impls,
        scenarios,
        settings,
    })
}

fn usage() -> String {
    "usage: failover-bench [--runs N] [--impl keepalived-rs|keepalived|both] \
     [--scenarios sigkill,linkcut,sigterm] [--settings v2,v3] [--bin PATH]"
        .to_owned()
}

/// One reply seen by the observer: when its probe was sent, and which
/// host answered.
#[derive(Clone, Copy, Debug)]
struct Reply {
    sent: Instant,
    host: usize,
}

/// The responders on h0 and h1 and the prober on h2.
struct Probes {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    rx: Receiver<Reply>,
}

/// Moves the calling thread into the lab namespace `netns`.
fn enter_netns(netns: &str) -> Result<(), String> {
    let f = File::open(format!("/run/netns/{netns}"))
        .map_err(|e| format!("open netns {netns}: {e}"))?;
    setns(f, CloneFlags::CLONE_NEWNET)
        .map_err(|e| format!("setns {netns}: {e}"))
}

/// Answers every datagram on UDP port 7979 with `h<host> <payload>`.
fn responder(
    netns: String,
    host: usize,
    stop: Arc<AtomicBool>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let sock = enter_netns(&netns).and_then(|()| {
            UdpSocket::bind(("0.0.0.0", PORT))
                .map_err(|e| format!("bind in {netns}: {e}"))
        });
        let sock = match sock {
            Ok(s) => s,
            Err(e) => return eprintln!("responder h{host}: {e}"),
        };
        let _ = sock.set_read_timeout(Some(Duration::from_millis(50)));
        let start = Instant::now();
        let mut buf = [0u8; 64];
        while !stop.load(Ordering::Relaxed) && start.elapsed() < PROBE_LIFETIME
        {
            if let Ok((n, from)) = sock.recv_from(&mut buf) {
                let mut reply = format!("h{host} ").into_bytes();
                reply.extend_from_slice(&buf[..n]);
                let _ = sock.send_to(&reply, from);
            }
        }
    })
}

/// Sends a numbered probe to VIP:7979 every millisecond and reports every
/// reply with the send time of its probe.
fn prober(
    netns: String,
    stop: Arc<AtomicBool>,
    tx: Sender<Reply>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let sock = enter_netns(&netns).and_then(|()| {
            UdpSocket::bind(("0.0.0.0", 0))
                .map_err(|e| format!("bind in {netns}: {e}"))
        });
        let sock = match sock {
            Ok(s) => s,
            Err(e) => return eprintln!("prober: {e}"),
        };
        let to = SocketAddr::new(IpAddr::V4(VIP), PORT);
        let start = Instant::now();
        let (mut sent, mut next, mut buf) =
            (Vec::<Instant>::new(), start, [0u8; 64]);
        while !stop.load(Ordering::Relaxed) && start.elapsed() < PROBE_LIFETIME
        {
            let now = Instant::now();
            if now >= next {
                let _ = sock.send_to(sent.len().to_string().as_bytes(), to);
                sent.push(now);
                next = (next + PROBE_EVERY).max(now);
            }
            let wait = next
                .saturating_duration_since(Instant::now())
                .max(Duration::from_micros(50));
            let _ = sock.set_read_timeout(Some(wait));
            if let Ok((n, _)) = sock.recv_from(&mut buf)
                && let Some(r) = parse_reply(&buf[..n], &sent)
            {
                let _ = tx.send(r);
            }
        }
    })
}

/// `h<host> <seq>` → the reply, with the send time of probe `seq`.
fn parse_reply(b: &[u8], sent: &[Instant]) -> Option<Reply> {
    let s = std::str::from_utf8(b).ok()?;
    let (h, seq) = s.strip_prefix('h')?.split_once(' ')?;
    Some(Reply {
        host: h.parse().ok()?,
        sent: *sent.get(seq.parse::<usize>().ok()?)?,
    })
}

impl Probes {
    fn start(lab: &Lab) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = channel();
        let mut threads: Vec<_> = (0..2)
            .map(|i| responder(lab.host(i).netns.clone(), i, stop.clone()))
            .collect();
        threads.push(prober(lab.host(2).netns.clone(), stop.clone(), tx));
        Self { stop, threads, rx }
    }

    /// The first reply from `host` to a probe sent at or after `after`.
    fn first_from(
        &self,
        host: usize,
        after: Instant,
        timeout: Duration,
    ) -> Option<Reply> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            match self.rx.recv_timeout(left) {
                Ok(r) if r.host == host && r.sent >= after => return Some(r),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }

    fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads {
            let _ = t.join();
        }
    }
}

/// Starts the master (h0, 150) and backup (h1, 100) and waits until h0
/// holds the VIP and answers the observer.
fn bring_up(
    lab: &mut Lab,
    imp: &Impl,
    set: Setting,
) -> Result<(Daemon, Daemon, Probes), String> {
    let master = daemons::start(
        lab,
        imp,
        0,
        "h0",
        &daemons::config(1, 150, set.timing),
    )?;
    let backup = daemons::start(
        lab,
        imp,
        1,
        "h1",
        &daemons::config(1, 100, set.timing),
    )?;
    daemons::wait_holder(lab, IpAddr::V4(VIP), 0, ELECTION_TIMEOUT)
        .map_err(|e| format!("{e}\n--- h0 log:\n{}", lab.log_of(master.pid)))?;
    let probes = Probes::start(lab);
    if probes
        .first_from(0, Instant::now(), Duration::from_secs(5))
        .is_none()
    {
        probes.stop();
        return Err(
            "the observer gets no answer from h0 through the VIP".into()
        );
    }
    std::thread::sleep(set.settle + random_below(set.advert));
    Ok((master, backup, probes))
}

/// A uniformly random duration in [0, `max`).
fn random_below(max: Duration) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    // Each RandomState has fresh keys: hashing nothing gives a random u64.
    let r = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    max.mul_f64((r >> 11) as f64 / (1u64 << 53) as f64)
}

/// Injects `scen` on the master; returns the instant of the fault.
fn inject(
    lab: &mut Lab,
    master: &Daemon,
    scen: Scenario,
) -> Result<Instant, String> {
    let target = if scen == Scenario::Sigkill {
        master.crash_pid()?
    } else {
        master.pid
    };
    let t0 = Instant::now();
    let ok = match scen {
        Scenario::Sigkill => daemons::sigkill(lab, master, target),
        Scenario::Sigterm => lab.signal(target, Signal::SIGTERM),
        Scenario::Linkcut => lab.link_down(0).is_ok(),
    };
    if ok {
        Ok(t0)
    } else {
        Err(format!("could not inject {}", scen.name()))
    }
}

/// One measurement in a fresh lab: fault to first answer from h1.
fn one_run(
    imp: &Impl,
    set: Setting,
    scen: Scenario,
) -> Result<Duration, String> {
    let mut lab = Lab::new(3).map_err(|e| e.to_string())?;
    let (master, backup, probes) = bring_up(&mut lab, imp, set)?;
    let measured = inject(&mut lab, &master, scen).and_then(|t0| {
        // Replies already queued were sent before the fault and are skipped.
        let r = probes.first_from(1, t0, FAILOVER_TIMEOUT);
        r.map(|r| r.sent - t0).ok_or_else(|| {
            format!("no answer from h1 within {FAILOVER_TIMEOUT:?}")
        })
    });
    probes.stop();
    backup.stop(&mut lab);
    master.stop(&mut lab);
    measured
}

/// Min, median and max.
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

/// The results of one cell of the table.
struct Cell {
    imp: &'static str,
    setting: &'static str,
    scenario: &'static str,
    times: Vec<Duration>,
    failures: usize,
}

/// Runs every cell, interleaving implementations run by run so that
/// machine noise hits them alike.
fn run_all(o: &Opts) -> Vec<Cell> {
    let mut cells = Vec::new();
    for set in &o.settings {
        for &scen in &o.scenarios {
            let first = cells.len();
            for imp in &o.impls {
                cells.push(Cell {
                    imp: imp.name(),
                    setting: set.name,
                    scenario: scen.name(),
                    times: vec![],
                    failures: 0,
                });
            }
            for run in 1..=o.runs {
                if daemons::interrupted() {
                    return cells;
                }
                for (k, imp) in o.impls.iter().enumerate() {
                    let cell = &mut cells[first + k];
                    match one_run(imp, *set, scen) {
                        Ok(d) => {
                            eprintln!(
                                "{} | {} | {} | run {run}: {:.1} ms",
                                cell.imp,
                                set.name,
                                scen.name(),
                                d.as_secs_f64() * 1e3
                            );
                            cell.times.push(d);
                        }
                        Err(e) => {
                            eprintln!(
                                "{} | {} | {} | run {run}: FAILED: {e}",
                                cell.imp,
                                set.name,
                                scen.name()
                            );
                            cell.failures += 1;
                        }
                    }
                }
            }
        }
    }
    cells
}

fn print_tables(cells: &[Cell]) {
    println!(
        "| implementation | setting | scenario | runs ok | failed | min ms | median ms | max ms |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|");
    for c in cells {
        let (lo, med, hi) = stats(&c.times).map_or(
            ("-".into(), "-".into(), "-".into()),
            |(a, b, c)| {
                (format!("{a:.1}"), format!("{b:.1}"), format!("{c:.1}"))
            },
        );
        println!(
            "| {} | {} | {} | {} | {} | {lo} | {med} | {hi} |",
            c.imp,
            c.setting,
            c.scenario,
            c.times.len(),
            c.failures
        );
    }
    let median = |imp: &str, c: &Cell| {
        cells
            .iter()
            .find(|x| {
                x.imp == imp
                    && x.setting == c.setting
                    && x.scenario == c.scenario
            })
            .and_then(|x| stats(&x.times))
            .map(|s| s.1)
    };
    let pairs: Vec<_> = cells
        .iter()
        .filter(|c| c.imp == "keepalived")
        .filter_map(|c| {
            Some((c, median("keepalived", c)?, median("keepalived-rs", c)?))
        })
        .collect();
    if pairs.is_empty() {
        return;
    }
    println!(
        "\n| setting | scenario | keepalived median ms | keepalived-rs median ms | keepalived / keepalived-rs |"
    );
    println!("|---|---|---:|---:|---:|");
    for (c, ka, rs) in pairs {
        println!(
            "| {} | {} | {ka:.1} | {rs:.1} | {:.2} |",
            c.setting,
            c.scenario,
            ka / rs
        );
    }
}

fn main() {
    daemons::catch_interrupts();
    let opts = match parse_opts().and_then(|o| {
        daemons::check_installed(&o.impls)?;
        Ok(o)
    }) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    if let Some(why) = ka_lab::skip_reason() {
        eprintln!("cannot run: {why}");
        std::process::exit(1);
    }
    let load = |when: &str| {
        eprintln!(
            "load {when}: {}",
            std::fs::read_to_string("/proc/loadavg")
                .unwrap_or_default()
                .trim()
        )
    };
    load("before");
    let cells = run_all(&opts);
    load("after");
    print_tables(&cells);
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn replies_carry_host_and_send_time() {
        let t = Instant::now();
        let sent = [t, t + Duration::from_millis(1)];
        let r = parse_reply(b"h1 1", &sent).unwrap();
        assert_eq!((r.host, r.sent), (1, sent[1]));
        assert!(parse_reply(b"h1 2", &sent).is_none());
        assert!(parse_reply(b"garbage", &sent).is_none());
    }

    #[test]
    fn random_phase_stays_below_its_bound() {
        let max = Duration::from_millis(10);
        assert!((0..100).all(|_| random_below(max) < max));
    }

    #[test]
    fn configs_name_version_and_interval() {
        let c = daemons::config(1, 150, V3.timing);
        assert!(c.contains("version 3") && c.contains("advert_int 0.01"));
        assert!(c.contains("192.0.2.100/24") && c.contains("priority 150"));
        let many = daemons::config(100, 100, V2.timing);
        assert_eq!(many.matches("vrrp_instance").count(), 100);
        assert!(
            many.contains("virtual_router_id 100")
                && many.contains("198.51.100.100/24")
        );
    }
}

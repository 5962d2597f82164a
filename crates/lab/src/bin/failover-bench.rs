//! Failover benchmark: how long after a fault on the master does a client
//! reach the new master, for keepalived-rs and keepalived 2.2.7.
//!
//! ```text
//! cargo run --release -p ka-lab --bin failover-bench -- \
//!     [--runs N] [--impl keepalived-rs|keepalived|both] \
//!     [--scenarios sigkill,linkcut,sigterm] [--settings v2,v3] \
//!     [--phase locked|random] [--bin PATH-TO-keepalived-rs]
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
//! When the fault comes (`--phase`): the observer also watches the VRRP
//! adverts on its link (see `common/adverts.rs`).
//!
//! * `locked` (the default): after a settling time the benchmark waits
//!   (at most two advert intervals and a bit) for the next advert from
//!   h0 and injects the fault as soon as it sees it, so every run starts
//!   from the same point of the advert cycle: for a crash or a cut link
//!   the backup then waits a whole Master_Down_Interval (3 × advert_int +
//!   Skew_Time, about 3.61 s at VRRPv2/1 s and 36.1 ms at VRRPv3/10 ms),
//!   the RFC 5798 worst case, and runs differ only by the takeover.
//! * `random`: the fault comes a uniform random part of one advert_int
//!   after the settling time, so the backup's remaining wait spreads over
//!   one advert interval (2.6-3.6 s, 26-36 ms) and so do the results.
//!
//! Two times per run, both ending at the send time of the first probe h1
//! answers: from the fault, and from the last advert of h0 the observer
//! saw before that probe (what the protocol bounds: Master_Down_Interval
//! after a crash or a cut, Skew_Time after the priority-0 advert of a
//! graceful stop). The second does not depend on the phase of the fault.
//! Also reported: the lag from the last advert of h0 before the fault to
//! the fault (near zero when phase-locked). Results are min/median/max
//! per implementation, setting (VRRPv2 advert_int 1, VRRPv3 advert_int
//! 0.01) and scenario, and the keepalived-rs/keepalived ratio of medians.

#[path = "common/adverts.rs"]
mod adverts;
#[path = "common/daemons.rs"]
mod daemons;
#[path = "common/probes.rs"]
mod probes;

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use daemons::{Daemon, Impl, Timing};
use ka_lab::Lab;
use nix::sys::signal::Signal;
use probes::Probes;

/// The VIP.
const VIP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 100);
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

/// When the fault comes in the master's advert cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Right after the observer sees an advert from the master.
    Locked,
    /// At a uniformly random point of one advert interval.
    Random,
}

impl Phase {
    fn parse(s: &str) -> Result<Self, String> {
        match s {
            "locked" => Ok(Self::Locked),
            "random" => Ok(Self::Random),
            o => Err(format!("unknown phase {o}: want locked or random")),
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
    /// The advert interval (see [`Phase`]).
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
    phase: Phase,
}

fn parse_opts() -> Result<Opts, String> {
    let (mut runs, mut imp, mut scen, mut sets) = (
        10,
        "both".to_owned(),
        "sigkill,linkcut,sigterm".to_owned(),
        "v2,v3".to_owned(),
    );
    let mut bin = daemons::default_rs_bin();
    let mut phase = Phase::Locked;
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
            "--phase" => phase = Phase::parse(&val()?)?,
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
        phase,
    })
}

fn usage() -> String {
    "usage: failover-bench [--runs N] [--impl keepalived-rs|keepalived|both] \
     [--scenarios sigkill,linkcut,sigterm] [--settings v2,v3] \
     [--phase locked|random] [--bin PATH]"
        .to_owned()
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

/// The process a fault on the master hits (for `linkcut`, none is hit).
fn fault_target(master: &Daemon, scen: Scenario) -> Result<u32, String> {
    match scen {
        Scenario::Sigkill => master.crash_pid(),
        Scenario::Sigterm | Scenario::Linkcut => Ok(master.pid),
    }
}

/// Waits for the moment to inject the fault (see [`Phase`]).
fn wait_phase(
    probes: &mut Probes,
    h0: Ipv4Addr,
    set: Setting,
    phase: Phase,
) -> Result<(), String> {
    if !daemons::sleep_unless_interrupted(set.settle) {
        return Err("interrupted".into());
    }
    match phase {
        Phase::Random => {
            std::thread::sleep(random_below(set.advert));
            Ok(())
        }
        Phase::Locked => {
            let wait = 2 * set.advert + Duration::from_millis(100);
            let next = probes.adverts.next_from(h0, Instant::now(), wait);
            next.map(|_| ()).ok_or_else(|| {
                format!("the observer saw no advert from h0 within {wait:?}")
            })
        }
    }
}

/// Injects `scen` on the master (process `target`); returns the instant
/// of the fault.
fn inject(
    lab: &mut Lab,
    master: &Daemon,
    scen: Scenario,
    target: u32,
) -> Result<Instant, String> {
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

/// The times of one run, all ending at the send time of the first probe
/// h1 answers.
#[derive(Clone, Copy, Debug)]
struct Sample {
    /// From the fault.
    from_fault: Duration,
    /// From the last advert of h0 the observer saw before that probe.
    from_advert: Duration,
    /// From the last advert of h0 seen before the fault to the fault.
    lag: Duration,
}

/// Injects the fault at the chosen phase and times the failover.
fn measure(
    lab: &mut Lab,
    master: &Daemon,
    probes: &mut Probes,
    (set, scen, phase): (Setting, Scenario, Phase),
) -> Result<Sample, String> {
    let h0 = lab.host(0).ipv4;
    let target = fault_target(master, scen)?;
    wait_phase(probes, h0, set, phase)?;
    let t0 = inject(lab, master, scen, target)?;
    // Replies already queued were sent before the fault and are skipped.
    let r = probes.first_from(1, t0, FAILOVER_TIMEOUT).ok_or_else(|| {
        format!("no answer from h1 within {FAILOVER_TIMEOUT:?}")
    })?;
    // Let the watcher hand over what it saw up to that probe.
    std::thread::sleep(Duration::from_millis(5));
    let mut last = |before| {
        probes
            .adverts
            .last_from(h0, before)
            .map(|a| a.at)
            .ok_or_else(|| {
                "the observer saw no advert from h0 before the fault".to_owned()
            })
    };
    let (before_fault, before_answer) = (last(t0)?, last(r.sent)?);
    Ok(Sample {
        from_fault: r.sent - t0,
        from_advert: r.sent - before_answer,
        lag: t0 - before_fault,
    })
}

/// One measurement in a fresh lab.
fn one_run(
    imp: &Impl,
    set: Setting,
    scen: Scenario,
    phase: Phase,
) -> Result<Sample, String> {
    let mut lab = Lab::new(3).map_err(|e| e.to_string())?;
    let (master, backup, mut probes) = bring_up(&mut lab, imp, set)?;
    let measured = measure(&mut lab, &master, &mut probes, (set, scen, phase));
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
    samples: Vec<Sample>,
    failures: usize,
}

impl Cell {
    /// One of the times of every run.
    fn times(&self, f: fn(&Sample) -> Duration) -> Vec<Duration> {
        self.samples.iter().map(f).collect()
    }

    /// Logs and keeps the result of run `run`.
    fn record(&mut self, run: usize, r: Result<Sample, String>) {
        let head = format!(
            "{} | {} | {} | run {run}",
            self.imp, self.setting, self.scenario
        );
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        match r {
            Ok(s) => {
                eprintln!(
                    "{head}: {:.1} ms from the fault, {:.1} ms from the last \
                     advert (fault {:.2} ms after an advert)",
                    ms(s.from_fault),
                    ms(s.from_advert),
                    ms(s.lag)
                );
                self.samples.push(s);
            }
            Err(e) => {
                eprintln!("{head}: FAILED: {e}");
                self.failures += 1;
            }
        }
    }
}

/// Runs every cell, interleaving implementations run by run so that
/// machine noise hits them alike.
fn run_all(o: &Opts) -> Vec<Cell> {
    let mut cells = Vec::new();
    for set in &o.settings {
        for &scen in &o.scenarios {
            let first = cells.len();
            cells.extend(o.impls.iter().map(|imp| Cell {
                imp: imp.name(),
                setting: set.name,
                scenario: scen.name(),
                samples: vec![],
                failures: 0,
            }));
            for run in 1..=o.runs {
                if daemons::interrupted() {
                    return cells;
                }
                for (k, imp) in o.impls.iter().enumerate() {
                    let r = one_run(imp, *set, scen, o.phase);
                    cells[first + k].record(run, r);
                }
            }
        }
    }
    cells
}

/// `min / median / max` in ms, or dashes.
fn triple(v: &[Duration]) -> String {
    stats(v).map_or("- / - / -".into(), |(a, b, c)| {
        format!("{a:.1} / {b:.1} / {c:.1}")
    })
}

/// One row per cell: both times and the lag of the fault.
fn print_cells(cells: &[Cell]) {
    println!(
        "| implementation | setting | scenario | runs ok | failed | fault → h1 ms min / median / max | last h0 advert → h1 ms min / median / max | max fault lag ms |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|");
    for c in cells {
        let lag = c.times(|s| s.lag).into_iter().max();
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            c.imp,
            c.setting,
            c.scenario,
            c.samples.len(),
            c.failures,
            triple(&c.times(|s| s.from_fault)),
            triple(&c.times(|s| s.from_advert)),
            lag.map_or("-".into(), |d| format!("{:.2}", d.as_secs_f64() * 1e3))
        );
    }
}

/// The keepalived-rs/keepalived ratio of medians of both times, per
/// setting and scenario.
fn print_ratios(cells: &[Cell]) {
    let median = |imp: &str, c: &Cell, f: fn(&Sample) -> Duration| {
        cells
            .iter()
            .find(|x| {
                x.imp == imp
                    && x.setting == c.setting
                    && x.scenario == c.scenario
            })
            .and_then(|x| stats(&x.times(f)))
            .map(|s| s.1)
    };
    let rows: Vec<String> = cells
        .iter()
        .filter(|c| c.imp == "keepalived")
        .filter_map(|c| {
            let mut cols = vec![c.setting.to_owned(), c.scenario.to_owned()];
            for f in [|s: &Sample| s.from_fault, |s: &Sample| s.from_advert] {
                let (ka, rs) = (
                    median("keepalived", c, f)?,
                    median("keepalived-rs", c, f)?,
                );
                cols.extend([
                    format!("{ka:.1}"),
                    format!("{rs:.1}"),
                    format!("{:.3}", rs / ka),
                ]);
            }
            Some(format!("| {} |", cols.join(" | ")))
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    println!(
        "\n| setting | scenario | fault → h1: keepalived median ms | keepalived-rs median ms | keepalived-rs / keepalived | last advert → h1: keepalived median ms | keepalived-rs median ms | keepalived-rs / keepalived |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        println!("{r}");
    }
}

fn main() {
    daemons::catch_interrupts();
    let opts = daemons::options_or_exit(parse_opts(), |o| &o.impls);
    daemons::print_load("before");
    let cells = run_all(&opts);
    daemons::print_load("after");
    print_cells(&cells);
    print_ratios(&cells);
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
    fn phases_parse() {
        assert_eq!(Phase::parse("locked"), Ok(Phase::Locked));
        assert_eq!(Phase::parse("random"), Ok(Phase::Random));
        assert!(Phase::parse("sometimes").is_err());
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

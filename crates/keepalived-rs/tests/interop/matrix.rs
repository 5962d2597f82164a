//! One mixed pair per matrix cell and priority assignment: keepalived on
//! one host, keepalived-rs on the other, judged only from outside (who
//! has the VIPs on `eth0`) with a capture of the wire kept as evidence.
//!
//! Host 0 always runs the higher priority (150), host 1 the lower (100);
//! which implementation runs where is the assignment. The scenario:
//! election (and the backup staying backup for a Master_Down_Interval,
//! which a backup that cannot hear the master would not); crash, link
//! cut and silent partition of the master, each followed by the higher
//! priority taking the VIP back; a graceful stop (priority 0);
//! `nopreempt` holding; the other node's stop; and a sync group of two
//! instances whose VIPs move together when one instance's tracked
//! interface fails.
//!
//! Bounds: Master_Down_Interval + 2 s for crash, cut and partition
//! (timed from the fault), Skew_Time + 1.5 s for a stop (timed from the
//! SIGTERM), Master_Down_Interval + 3 s for a restarted node to preempt.
//! When a mixed run fails, the same scenario runs with two keepalived
//! nodes and with two keepalived-rs nodes as controls.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use ka_lab::Lab;

use crate::conf::{Cell, NodeConf};
use crate::support::{self, Impl, Node, Steps, has, only};

const HI: usize = 0;
const LO: usize = 1;
const PRIO: [u8; 2] = [150, 100];

/// What happened in one (cell, assignment).
#[derive(Debug)]
pub struct Outcome {
    /// Cell name.
    pub cell: String,
    /// Implementation that had the higher priority.
    pub high: Impl,
    /// `Err` with the failed step and the evidence.
    pub result: Result<(), String>,
    /// The steps that passed, with their times.
    pub steps: Steps,
    /// Wall time of the scenario.
    pub elapsed: Duration,
    /// After a failure: the same scenario with two keepalived nodes and
    /// with two keepalived-rs nodes (`Ok`, or the step that failed), to
    /// tell an interop problem from a lab or single-implementation one.
    pub controls: Vec<(String, Result<(), String>)>,
}

/// Runs the whole scenario for `cell` with `high` at priority 150 and
/// the other implementation at 100; after a failure, runs the controls.
pub fn run_cell(cell: Cell, high: Impl) -> Outcome {
    let start = Instant::now();
    let other = if high == Impl::Rust {
        Impl::Keepalived
    } else {
        Impl::Rust
    };
    let (steps, result) = run_pair(cell, [high, other]);
    let mut controls = Vec::new();
    if result.is_err() {
        let runs: Vec<_> = [Impl::Keepalived, Impl::Rust]
            .into_iter()
            .map(|imp| {
                (
                    imp,
                    std::thread::spawn(move || run_pair(cell, [imp, imp]).1),
                )
            })
            .collect();
        for (imp, h) in runs {
            let r = h
                .join()
                .unwrap_or_else(|_| Err("control thread panicked".into()));
            let first =
                r.map_err(|e| e.lines().next().unwrap_or_default().to_string());
            controls.push((format!("{0} <-> {0}", imp.label()), first));
        }
    }
    Outcome {
        cell: cell.name(),
        high,
        result,
        steps,
        elapsed: start.elapsed(),
        controls,
    }
}

/// One scenario run with `imps[0]` at 150 and `imps[1]` at 100.
fn run_pair(cell: Cell, imps: [Impl; 2]) -> (Steps, Result<(), String>) {
    match Pair::new(cell, imps) {
        Err(e) => (Steps::default(), Err(format!("lab setup: {e}"))),
        Ok(mut pair) => {
            let r = pair
                .basic()
                .and_then(|()| pair.preemption())
                .and_then(|()| pair.sync_group());
            let r = r.map_err(|e| format!("{e}\n{}", pair.evidence()));
            (std::mem::take(&mut pair.steps), r)
        }
    }
}

struct Pair {
    lab: Lab,
    cell: Cell,
    imps: [Impl; 2],
    nodes: [Option<Node>; 2],
    started: Vec<(String, u32)>,
    steps: Steps,
    pcap: Option<PathBuf>,
}

impl Pair {
    fn new(cell: Cell, imps: [Impl; 2]) -> Result<Self, String> {
        let lab = Lab::new(2).map_err(|e| e.to_string())?;
        let mut p = Self {
            lab,
            cell,
            imps,
            nodes: [None, None],
            started: Vec::new(),
            steps: Steps::default(),
            pcap: None,
        };
        if support::have_tcpdump() {
            let path = p.lab.dir().join("wire.pcap");
            crate::wire::start_capture(&mut p.lab, LO, &path)?;
            p.pcap = Some(path);
        }
        Ok(p)
    }

    fn conf(&self, host: usize, nopreempt: bool, sync: bool) -> String {
        let addr = |h: usize| -> IpAddr {
            let hh = self.lab.host(h);
            if self.cell.family == crate::conf::Family::V4 {
                hh.ipv4.into()
            } else {
                hh.ipv6.into()
            }
        };
        NodeConf {
            cell: self.cell,
            own: addr(host),
            peer: addr(1 - host),
            prio: PRIO[host],
            nopreempt,
            track: (sync && host == HI).then(|| "trk0".to_string()),
            sync,
        }
        .render()
    }

    fn start(
        &mut self,
        host: usize,
        nopreempt: bool,
        sync: bool,
    ) -> Result<(), String> {
        let conf = self.conf(host, nopreempt, sync);
        let imp = self.imps[host];
        let label = format!("{}-h{host}-{}", imp.label(), self.started.len());
        let node = support::start(&mut self.lab, host, imp, &conf, &label)?;
        self.started.push((label, node.pid));
        self.nodes[host] = Some(node);
        Ok(())
    }

    fn crash(&mut self, host: usize) -> Result<(), String> {
        let node = self.nodes[host].take().ok_or("crash: node not running")?;
        support::crash(&mut self.lab, &node)
    }

    fn stop(&mut self, host: usize) -> Result<(), String> {
        let node = self.nodes[host].take().ok_or("stop: node not running")?;
        support::stop(&mut self.lab, &node)
    }

    /// SIGTERMs a node, checks `what` from then on, then reaps it.
    fn stop_expect(
        &mut self,
        host: usize,
        what: &str,
        bound: Duration,
        cond: impl FnMut(&Lab) -> bool,
    ) -> Result<(), String> {
        let node = self.nodes[host].take().ok_or("stop: node not running")?;
        let t = Instant::now();
        support::terminate(&mut self.lab, &node);
        let r = self.steps.expect_since(&self.lab, what, t, bound, cond);
        support::reap(&mut self.lab, &node)?;
        r.map(|_| ())
    }

    fn vips(&self, sync: bool) -> Vec<IpAddr> {
        if sync {
            vec![self.cell.vip(0), self.cell.vip(1)]
        } else {
            vec![self.cell.vip(0)]
        }
    }

    /// Election and a crash of the master, then [`Self::cuts`].
    fn basic(&mut self) -> Result<(), String> {
        let (c, v, s) = (self.cell, self.vips(false), Duration::from_secs(1));
        let (md_lo, md_hi) = (c.master_down(PRIO[LO]), c.master_down(PRIO[HI]));
        self.start(HI, false, false)?;
        self.start(LO, false, false)?;
        self.steps.expect(
            &self.lab,
            "elect: higher priority holds the VIP",
            md_lo * 2 + 3 * s,
            |l| only(l, &v, HI),
        )?;
        // A backup that ignored the master would only time out now.
        self.steps.hold(
            &self.lab,
            "elected: the backup stays backup (Master_Down)",
            md_lo,
            |l| only(l, &v, HI),
        )?;
        let t = Instant::now();
        self.crash(HI)?;
        self.steps.expect_since(
            &self.lab,
            "crash master: backup takes over",
            t,
            md_lo + 2 * s,
            |l| has(l, &v, LO),
        )?;
        self.start(HI, false, false)?;
        self.steps.expect(
            &self.lab,
            "restarted higher priority preempts",
            md_hi + 3 * s,
            |l| only(l, &v, HI),
        )?;
        self.cuts()
    }

    /// Link cut and silent partition of the master.
    fn cuts(&mut self) -> Result<(), String> {
        let (c, v, s) = (self.cell, self.vips(false), Duration::from_secs(1));
        let (md_lo, md_hi) = (c.master_down(PRIO[LO]), c.master_down(PRIO[HI]));
        let t = Instant::now();
        self.lab.link_down(HI).map_err(|e| e.to_string())?;
        self.steps.expect_since(
            &self.lab,
            "cut master's link: backup takes over",
            t,
            md_lo + 2 * s,
            |l| has(l, &v, LO),
        )?;
        self.lab.link_up(HI).map_err(|e| e.to_string())?;
        self.steps.expect(
            &self.lab,
            "link back: higher priority preempts",
            md_hi + 3 * s,
            |l| only(l, &v, HI),
        )?;
        let t = Instant::now();
        self.lab.partition(HI).map_err(|e| e.to_string())?;
        self.steps.expect_since(
            &self.lab,
            "silent partition: backup takes over",
            t,
            md_lo + 2 * s,
            |l| has(l, &v, LO),
        )?;
        self.lab.heal().map_err(|e| e.to_string())?;
        self.steps.expect(
            &self.lab,
            "healed: the two masters settle on the higher",
            c.advert() * 3 + 2 * s,
            |l| only(l, &v, HI),
        )?;
        Ok(())
    }

    /// Graceful stop (priority 0) both ways, and `nopreempt`.
    fn preemption(&mut self) -> Result<(), String> {
        let (c, v, s) =
            (self.cell, self.vips(false), Duration::from_millis(1500));
        self.stop_expect(
            HI,
            "stop master (priority 0): backup takes over",
            c.skew(PRIO[LO]) + s,
            |l| only(l, &v, LO),
        )?;
        self.start(HI, true, false)?;
        let span = c.master_down(PRIO[HI]) + Duration::from_secs(2);
        self.steps.hold(
            &self.lab,
            "nopreempt: higher priority stays backup",
            span,
            |l| only(l, &v, LO),
        )?;
        self.stop_expect(
            LO,
            "stop master: nopreempt backup takes over",
            c.skew(PRIO[HI]) + s,
            |l| only(l, &v, HI),
        )?;
        self.stop(HI)
    }

    /// Two instances in a sync group; one tracks an interface on host 0.
    fn sync_group(&mut self) -> Result<(), String> {
        let (c, v, s) = (self.cell, self.vips(true), Duration::from_secs(1));
        let ip = |lab: &Lab, args: &[&str]| {
            lab.exec_ok(HI, "ip", args)
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        ip(
            &self.lab,
            &[
                "link", "add", "trk0", "type", "veth", "peer", "name", "trk1",
            ],
        )?;
        ip(&self.lab, &["link", "set", "trk0", "up"])?;
        ip(&self.lab, &["link", "set", "trk1", "up"])?;
        self.start(HI, false, true)?;
        self.start(LO, false, true)?;
        let md_lo = c.master_down(PRIO[LO]);
        self.steps.expect(
            &self.lab,
            "sync group: both instances elect the higher",
            md_lo * 2 + 3 * s,
            |l| only(l, &v, HI),
        )?;
        self.steps.hold(
            &self.lab,
            "sync group: the backup stays backup (Master_Down)",
            md_lo,
            |l| only(l, &v, HI),
        )?;
        let t = Instant::now();
        ip(&self.lab, &["link", "set", "trk1", "down"])?;
        self.steps.expect_since(
            &self.lab,
            "sync group: one instance faults, both VIPs move",
            t,
            md_lo + 2 * s,
            |l| only(l, &v, LO),
        )?;
        ip(&self.lab, &["link", "set", "trk1", "up"])?;
        let md_hi = c.master_down(PRIO[HI]);
        self.steps.expect(
            &self.lab,
            "sync group: interface back, both preempt",
            md_hi + 3 * s,
            |l| only(l, &v, HI),
        )?;
        Ok(())
    }

    /// Who holds what, the daemons' logs and the wire, for a failure.
    fn evidence(&self) -> String {
        let v = self.vips(true);
        let mut e = format!(
            "    holders now: {:?} of {v:?} (host 0 = {} prio 150, host 1 = {} prio 100)\n",
            support::holders(&self.lab, &v),
            self.imps[HI].label(),
            self.imps[LO].label()
        );
        for (label, pid) in &self.started {
            let log = support::tail(&self.lab.log_of(*pid), 25);
            e.push_str(&format!(
                "    --- log {label} (last 25 lines)\n{log}\n"
            ));
        }
        if let Some(p) = &self.pcap {
            e.push_str(&format!(
                "    --- wire seen by host 1 (last 40 packets)\n{}\n",
                crate::wire::summary(p, 40)
            ));
        }
        e
    }
}

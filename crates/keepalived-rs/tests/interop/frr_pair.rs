//! A mixed pair keepalived-rs ↔ FRR vrrpd (VRRPv3, one family): host 0
//! runs keepalived-rs (priority 150), host 1 runs FRR. First FRR has
//! priority 100: keepalived-rs wins, FRR takes over when keepalived-rs
//! crashes or stops, and keepalived-rs preempts it back. Then FRR has
//! priority 200: keepalived-rs stays backup, takes over when vrrpd
//! crashes or the router is shut down (priority 0), and FRR preempts it.
//!
//! keepalived-rs's side is judged by its VIP on `eth0`; FRR's by vtysh.
//! The keepalived-rs configuration has no `v3_checksum_as_v2`: FRR, like
//! keepalived, sums the IPv4 pseudo-header into the VRRPv3 checksum.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use ka_lab::Lab;

use crate::conf::{Auth, Cell, Family, NodeConf};
use crate::frr::Frr;
use crate::support::{self, Impl, Node, Steps};

const RS: usize = 0;
const FRR: usize = 1;
const RS_PRIO: u8 = 150;
const ADV_MS: u32 = 500;

/// Runs the pair for `family`; returns the steps passed and the verdict
/// (with evidence on failure).
pub fn run(family: Family) -> (Steps, Result<(), String>) {
    let cell = Cell {
        version: 3,
        family,
        unicast: false,
        auth: Auth::None,
        vrid: 51,
    };
    let mut p = match Pair::new(cell) {
        Ok(p) => p,
        Err(e) => return (Steps::default(), Err(format!("setup: {e}"))),
    };
    let r = p.frr_lower().and_then(|()| p.frr_higher());
    let r = r.map_err(|e| format!("{e}\n{}", p.evidence()));
    (std::mem::take(&mut p.steps), r)
}

struct Pair {
    lab: Lab,
    cell: Cell,
    frr: Frr,
    rs: Option<Node>,
    logs: Vec<(String, u32)>,
    steps: Steps,
    pcap: Option<std::path::PathBuf>,
}

impl Pair {
    fn new(cell: Cell) -> Result<Self, String> {
        let mut lab = Lab::new(2).map_err(|e| e.to_string())?;
        let mut pcap = None;
        if support::have_tcpdump() {
            let path = lab.dir().join("wire.pcap");
            crate::wire::start_capture(&mut lab, RS, &path)?;
            pcap = Some(path);
        }
        let frr =
            Frr::setup(&mut lab, FRR, cell.family, cell.vrid, cell.vip(0))?;
        Ok(Self {
            lab,
            cell,
            frr,
            rs: None,
            logs: Vec::new(),
            steps: Steps::default(),
            pcap,
        })
    }

    fn start_rs(&mut self) -> Result<(), String> {
        let addr = |h: usize| -> IpAddr {
            let host = self.lab.host(h);
            if self.cell.family == Family::V4 {
                host.ipv4.into()
            } else {
                host.ipv6.into()
            }
        };
        let conf = NodeConf {
            cell: self.cell,
            own: addr(RS),
            peer: addr(FRR),
            prio: RS_PRIO,
            nopreempt: false,
            track: None,
            sync: false,
        };
        let label = format!("rs-{}", self.logs.len());
        let node = support::start(
            &mut self.lab,
            RS,
            Impl::Rust,
            &conf.render(),
            &label,
        )?;
        self.logs.push((label, node.pid));
        self.rs = Some(node);
        Ok(())
    }

    fn rs_node(&mut self) -> Result<Node, String> {
        self.rs
            .take()
            .ok_or_else(|| "keepalived-rs is not running".into())
    }

    /// FRR at priority 100 below keepalived-rs at 150.
    fn frr_lower(&mut self) -> Result<(), String> {
        let (c, v, s) = (self.cell, [self.cell.vip(0)], Duration::from_secs(1));
        let frr_up =
            |l: &Lab, f: &Frr, st: &str| l.holders(v[0]).is_empty() && f.is(st);
        let rs_up =
            |l: &Lab, f: &Frr| l.holders(v[0]) == [RS] && f.is("Backup");
        self.frr.start_vrrpd(&mut self.lab, 100, ADV_MS)?;
        self.start_rs()?;
        let f = &self.frr;
        self.steps.expect(
            &self.lab,
            "rs 150 master, FRR 100 backup",
            c.master_down(100) * 2 + 3 * s,
            |l| rs_up(l, f),
        )?;
        self.steps.hold(
            &self.lab,
            "FRR stays backup (Master_Down)",
            c.master_down(100),
            |l| rs_up(l, f),
        )?;
        let t = Instant::now();
        let n = self.rs_node()?;
        support::crash(&mut self.lab, &n)?;
        let f = &self.frr;
        self.steps.expect_since(
            &self.lab,
            "crash rs: FRR takes over",
            t,
            c.master_down(100) + 2 * s,
            |_| f.is("Master"),
        )?;
        self.start_rs()?;
        let f = &self.frr;
        self.steps.expect(
            &self.lab,
            "restarted rs preempts FRR",
            c.master_down(RS_PRIO) + 3 * s,
            |l| rs_up(l, f),
        )?;
        let t = Instant::now();
        let n = self.rs_node()?;
        support::terminate(&mut self.lab, &n);
        let f = &self.frr;
        let bound = c.skew(100) + Duration::from_millis(1500);
        let r = self.steps.expect_since(
            &self.lab,
            "stop rs (priority 0): FRR takes over",
            t,
            bound,
            |l| frr_up(l, f, "Master"),
        );
        support::reap(&mut self.lab, &n)?;
        r.map(|_| ())
    }

    /// FRR at priority 200 above keepalived-rs at 150.
    fn frr_higher(&mut self) -> Result<(), String> {
        let (c, v, s) = (self.cell, [self.cell.vip(0)], Duration::from_secs(1));
        self.frr.stop(&mut self.lab)?;
        self.frr.start_vrrpd(&mut self.lab, 200, ADV_MS)?;
        let f = &self.frr;
        self.steps.expect(
            &self.lab,
            "FRR 200 alone becomes master",
            c.master_down(200) + 3 * s,
            |_| f.is("Master"),
        )?;
        self.start_rs()?;
        let f = &self.frr;
        let span = c.master_down(RS_PRIO) + s;
        self.steps.hold(
            &self.lab,
            "rs 150 stays backup of FRR 200",
            span,
            |l| l.holders(v[0]).is_empty() && f.is("Master"),
        )?;
        let t = Instant::now();
        self.frr.crash(&mut self.lab)?;
        self.steps.expect_since(
            &self.lab,
            "crash FRR vrrpd: rs takes over",
            t,
            c.master_down(RS_PRIO) + 2 * s,
            |l| l.holders(v[0]) == [RS],
        )?;
        self.frr.start_vrrpd(&mut self.lab, 200, ADV_MS)?;
        let f = &self.frr;
        let bound = c.master_down(200) + 3 * s;
        self.steps.expect(
            &self.lab,
            "restarted FRR preempts rs",
            bound,
            |l| l.holders(v[0]).is_empty() && f.is("Master"),
        )?;
        let t = Instant::now();
        self.frr.shutdown_router()?;
        let bound = c.skew(RS_PRIO) + Duration::from_millis(1500);
        self.steps.expect_since(
            &self.lab,
            "FRR router shutdown (priority 0): rs takes over",
            t,
            bound,
            |l| l.holders(v[0]) == [RS],
        )?;
        Ok(())
    }

    fn evidence(&self) -> String {
        let mut e = format!(
            "    rs holds VIP: {:?}; FRR status: {:?}\n",
            self.lab.holders(self.cell.vip(0)),
            self.frr.status()
        );
        for (label, pid) in &self.logs {
            e.push_str(&format!(
                "    --- log {label} (last 25 lines)\n{}\n",
                support::tail(&self.lab.log_of(*pid), 25)
            ));
        }
        e.push_str(&format!(
            "    --- vrrpd log (last 25 lines)\n{}\n",
            support::tail(&self.frr.vrrpd_log(&self.lab), 25)
        ));
        if let Some(p) = &self.pcap {
            e.push_str(&format!(
                "    --- wire seen by host 0 (last 40 packets)\n{}\n",
                crate::wire::summary(p, 40)
            ));
        }
        e
    }
}

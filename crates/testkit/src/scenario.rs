//! Randomised failover scenarios and the invariants they must keep.
//!
//! A [`Scenario`] is drawn from a seed: 2–4 hosts with random priorities
//! (at most one address owner), VRRPv2 or v3, multicast or unicast, an
//! optional two-instance sync group, `nopreempt` / `preempt_delay` on some
//! hosts, a LAN with delay, jitter and loss, and one fault applied to the
//! converged master followed by its recovery. [`run`] checks:
//!
//! * after convergence exactly one MASTER per VRID among reachable live
//!   hosts, every other one BACKUP, holding every VIP alone; it has the
//!   highest effective priority unless `nopreempt` allows otherwise
//!   (keepalived compat: a BACKUP accepts an equal-priority master whatever
//!   its address, so the address tie-break applies only master-vs-master);
//! * failover completes within Master_Down_Interval of the lost master's
//!   last advert plus the worst delivery delay (RFC 5798 §6.4.2);
//! * a graceful stop hands over within Skew_Time plus delivery delay;
//! * a returning `nopreempt` host does not take over; a `preempt_delay`
//!   host does not take over before the delay;
//! * sync-group members never disagree after convergence.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use ka_types::Instant;
use ka_vrrp::{
    AdverInt, EngineConfig, Event, InstanceConfig, ScriptConfig, State,
    SyncGroupConfig, TrackKind, TrackRef, UnicastPeer, Version, Vip,
    master_down_interval, skew_time,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::lan::{Lan, LinkProfile};

/// The fault applied to the converged master.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Crash (silent); recovery restarts it.
    Kill,
    /// SIGTERM (priority 0); recovery restarts it.
    Stop,
    /// Network partition around it; recovery heals it.
    Isolate,
    /// Its link goes down (FAULT); recovery brings it up.
    LinkDown,
    /// A weighted tracker drops its priority below the best backup.
    Demote,
}

/// One host of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct HostSpec {
    /// Base priority.
    pub priority: u8,
    /// `nopreempt`.
    pub nopreempt: bool,
    /// `preempt_delay`.
    pub preempt_delay: Duration,
}

/// A randomly drawn failover scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// The seed it was drawn from (reproduce with [`Scenario::from_seed`]).
    pub seed: u64,
    /// Protocol version.
    pub version: Version,
    /// Advert interval.
    pub adver_int: AdverInt,
    /// LAN characteristics.
    pub link: LinkProfile,
    /// Hosts.
    pub hosts: Vec<HostSpec>,
    /// Two instances per host in one sync group.
    pub sync_group: bool,
    /// Unicast peers instead of multicast.
    pub unicast: bool,
    /// The fault.
    pub fault: Fault,
}

/// What a run measured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Time from fault to the first new master, if the fault caused one.
    pub failover: Option<Duration>,
}

const DEMOTE_WEIGHT: i32 = -254;

impl Scenario {
    /// Draw a scenario from `seed`.
    pub fn from_seed(seed: u64) -> Self {
        let mut r = StdRng::seed_from_u64(seed);
        let version = if r.gen_bool(0.5) {
            Version::V2
        } else {
            Version::V3
        };
        let adver_int = match version {
            Version::V2 => AdverInt::from_secs(r.gen_range(1..=2)),
            Version::V3 => AdverInt::from_centis(r.gen_range(1..=100)),
        };
        let adv_us = adver_int.micros();
        // Delays stay below a third of an advert interval (a LAN).
        let max_delay = (adv_us / 3).min(3_000);
        let delay = Duration::from_micros(r.gen_range(0..=max_delay / 2));
        let jitter = Duration::from_micros(r.gen_range(0..=max_delay / 2));
        let loss = if r.gen_bool(0.25) { 0.02 } else { 0.0 };
        let n = r.gen_range(2..=4);
        let owner = r.gen_bool(0.1);
        let mut hosts: Vec<HostSpec> = (0..n)
            .map(|i| HostSpec {
                priority: if owner && i == 0 {
                    255
                } else {
                    r.gen_range(1..=254)
                },
                nopreempt: r.gen_bool(0.15),
                preempt_delay: if r.gen_bool(0.15) {
                    Duration::from_micros(adv_us * r.gen_range(1..=5))
                } else {
                    Duration::ZERO
                },
            })
            .collect();
        if owner {
            // keepalived: nopreempt / preempt_delay need `state BACKUP`.
            hosts[0].nopreempt = false;
            hosts[0].preempt_delay = Duration::ZERO;
        }
        let fault = match r.gen_range(0..5) {
            0 => Fault::Kill,
            1 => Fault::Stop,
            2 => Fault::Isolate,
            3 => Fault::LinkDown,
            _ => Fault::Demote,
        };
        Self {
            seed,
            version,
            adver_int,
            link: LinkProfile {
                delay,
                jitter,
                loss,
            },
            hosts,
            sync_group: r.gen_bool(0.2),
            unicast: r.gen_bool(0.25),
            fault,
        }
    }

    fn addr(i: usize) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(
            10,
            0,
            0,
            u8::try_from(i + 1).unwrap_or(u8::MAX),
        ))
    }

    fn vip(k: usize) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(
            10,
            0,
            u8::try_from(k + 1).unwrap_or(u8::MAX),
            1,
        ))
    }

    /// Instance names per host.
    pub fn instance_names(&self) -> Vec<String> {
        let k = if self.sync_group { 2 } else { 1 };
        (1..=k).map(|i| format!("VI_{i}")).collect()
    }

    /// The engine configuration of host `i`.
    pub fn config(&self, i: usize) -> EngineConfig {
        let h = &self.hosts[i];
        let instances: Vec<InstanceConfig> = self
            .instance_names()
            .iter()
            .enumerate()
            .map(|(k, name)| {
                let vrid = u8::try_from(k + 1)
                    .ok()
                    .and_then(ka_vrrp::Vrid::new)
                    .unwrap_or(ka_vrrp::Vrid::MIN);
                let prio = ka_vrrp::Priority::new(h.priority);
                let mut c = InstanceConfig::new(name, vrid, prio);
                c.version = self.version;
                c.adver_int = self.adver_int;
                c.vips = vec![Vip::host(Self::vip(k))];
                c.src_addr = Some(Self::addr(i));
                c.nopreempt = h.nopreempt;
                c.preempt_delay = h.preempt_delay;
                if h.priority == 255 {
                    c.initial_state = ka_vrrp::InitialState::Master;
                }
                if self.unicast {
                    c.unicast_peers = (0..self.hosts.len())
                        .filter(|&j| j != i)
                        .map(|j| UnicastPeer::new(Self::addr(j)))
                        .collect();
                }
                c.track = vec![TrackRef::new(
                    TrackKind::Script("demote".into()),
                    DEMOTE_WEIGHT,
                )];
                c
            })
            .collect();
        let sync_groups = if self.sync_group {
            vec![SyncGroupConfig {
                name: "G".into(),
                members: self.instance_names(),
                track: vec![],
                tracking_weight: true,
            }]
        } else {
            vec![]
        };
        EngineConfig {
            instances,
            sync_groups,
            scripts: vec![ScriptConfig {
                name: "demote".into(),
                rise: 1,
                fall: 1,
                init_fail: false,
            }],
            ..Default::default()
        }
    }

    /// Master_Down_Interval of priority `p` in this scenario.
    pub fn mdi(&self, p: u8) -> Duration {
        let dta = ka_vrrp::DOWN_TIMER_ADVERTS;
        Duration::from_micros(master_down_interval(
            self.version,
            dta,
            p,
            self.adver_int.micros(),
        ))
    }

    /// Skew_Time of priority `p`.
    pub fn skew(&self, p: u8) -> Duration {
        Duration::from_micros(skew_time(
            self.version,
            p,
            self.adver_int.micros(),
        ))
    }

    /// Enough time for any election to finish.
    pub fn settle(&self) -> Duration {
        let pd = self
            .hosts
            .iter()
            .map(|h| h.preempt_delay)
            .max()
            .unwrap_or_default();
        let adv = Duration::from_micros(self.adver_int.micros());
        self.mdi(1) * 2 + pd + adv * 3 + self.link.max_delay() * 4
    }
}

/// Run `sc` and check every invariant; `Err` names the first violation.
pub fn run(sc: &Scenario) -> Result<Report, String> {
    let mut lan = Lan::new(sc.seed, sc.link);
    run_on(&mut lan, sc)
}

/// [`run`] on a caller-provided LAN (e.g. one that records actions).
pub fn run_on(lan: &mut Lan, sc: &Scenario) -> Result<Report, String> {
    let lan = &mut *lan;
    start_hosts(lan, sc);
    let no_nopreempt = sc.hosts.iter().all(|h| !h.nopreempt);
    lan.run_for(sc.settle());
    let m = converged(lan, sc, no_nopreempt, &[])
        .map_err(|e| format!("initial: {e}"))?;
    let report = apply_fault(lan, sc, m)?;
    let excluded: Vec<usize> = match sc.fault {
        Fault::Kill | Fault::Stop | Fault::Isolate | Fault::LinkDown => vec![m],
        Fault::Demote => vec![],
    };
    lan.run_for(sc.settle());
    let before = converged(lan, sc, no_nopreempt, &excluded)
        .map_err(|e| format!("after {:?}: {e}", sc.fault))?;
    recover(lan, sc, m, before)?;
    Ok(report)
}

/// Add and start every host; each starts healthy (the demote script
/// reports OK).
fn start_hosts(lan: &mut Lan, sc: &Scenario) {
    for i in 0..sc.hosts.len() {
        let id =
            lan.add_node(&format!("h{i}"), Scenario::addr(i), sc.config(i));
        lan.start(id);
        lan.feed(id, demote(true));
    }
}

/// The demote script's result.
fn demote(success: bool) -> Event {
    Event::ScriptExited {
        script: "demote".into(),
        success,
    }
}

fn converged(
    lan: &mut Lan,
    sc: &Scenario,
    highest: bool,
    excluded: &[usize],
) -> Result<usize, String> {
    // With loss an election may still be running (three adverts in a row
    // lost make a second master for one interval): allow extra rounds.
    let rounds = if sc.link.loss > 0.0 { 3 } else { 1 };
    let mut err = String::new();
    for _ in 0..rounds {
        match check_converged(lan, sc, highest, excluded) {
            Ok(m) => return Ok(m),
            Err(e) => err = e,
        }
        lan.run_for(sc.settle());
    }
    Err(err)
}

/// The converged-state invariant; returns the master host.
pub fn check_converged(
    lan: &Lan,
    sc: &Scenario,
    highest: bool,
    excluded: &[usize],
) -> Result<usize, String> {
    let live: Vec<usize> = (0..sc.hosts.len())
        .filter(|i| !excluded.contains(i) && lan.engine(*i).is_some())
        .collect();
    let mut master_host = None;
    for (k, name) in sc.instance_names().iter().enumerate() {
        let masters: Vec<usize> = live
            .iter()
            .copied()
            .filter(|&i| lan.state(i, name) == Some(State::Master))
            .collect();
        let [m] = masters[..] else {
            return Err(format!(
                "{name}: masters {masters:?} among {live:?} at {}",
                lan.now()
            ));
        };
        for &i in &live {
            if i != m && lan.state(i, name) != Some(State::Backup) {
                return Err(format!(
                    "{name}: host {i} is {:?}",
                    lan.state(i, name)
                ));
            }
        }
        let vip = Scenario::vip(k);
        let holders: Vec<usize> = lan
            .holders(vip)
            .iter()
            .copied()
            .filter(|h| !excluded.contains(h))
            .collect();
        if holders != [m] {
            return Err(format!("{name}: VIP held by {holders:?}, master {m}"));
        }
        if *master_host.get_or_insert(m) != m {
            return Err(format!("sync group split: {name} master {m}"));
        }
        if highest {
            let prio = |i: usize| eff_priority(lan, i, name);
            let best = live.iter().map(|&i| prio(i)).max().unwrap_or(0);
            if prio(m) != best {
                return Err(format!(
                    "{name}: master {m} prio {} but best {best}",
                    prio(m)
                ));
            }
        }
    }
    master_host.ok_or_else(|| "no instance".to_owned())
}

fn eff_priority(lan: &Lan, host: usize, name: &str) -> u8 {
    lan.engine(host)
        .and_then(|e| {
            e.snapshot().instances.into_iter().find(|i| i.name == name)
        })
        .map_or(0, |i| i.effective_priority)
}

fn best_other(lan: &Lan, sc: &Scenario, m: usize) -> u8 {
    (0..sc.hosts.len())
        .filter(|&i| i != m)
        .map(|i| eff_priority(lan, i, "VI_1"))
        .max()
        .unwrap_or(0)
}

fn apply_fault(
    lan: &mut Lan,
    sc: &Scenario,
    m: usize,
) -> Result<Report, String> {
    let adv = sc.adver_int.micros();
    let offset = Duration::from_micros(lan.now().micros() % adv.max(1));
    lan.run_for(offset);
    let t_f = lan.now();
    // Sync-group members keep their own advert timers: the group fails
    // over when the member that heard the master last times out.
    let last = sc
        .instance_names()
        .iter()
        .filter_map(|n| lan.last_advert(m, n))
        .max()
        .unwrap_or(t_f);
    let Some(bound) = inject(lan, sc, m, t_f, last) else {
        return Ok(Report::default());
    };
    lan.run_until(bound + Duration::from_micros(1));
    let first = lan.transitions().iter().find(|t| {
        t.at >= t_f
            && t.node != m
            && t.instance == "VI_1"
            && t.state == State::Master
    });
    match first {
        Some(t) if t.at <= bound => Ok(Report {
            failover: Some(t.at - t_f),
        }),
        // With loss a backup may already have been master (split brain):
        _ if (0..sc.hosts.len())
            .any(|i| i != m && lan.state(i, "VI_1") == Some(State::Master)) =>
        {
            Ok(Report::default())
        }
        _ => Err(format!(
            "{:?}: no new master by {bound} (fault at {t_f}, last advert {last})",
            sc.fault
        )),
    }
}

/// Apply the fault to master `m` at `t_f` and return the latest instant
/// a backup must have taken over, or `None` when no failover is due.
fn inject(
    lan: &mut Lan,
    sc: &Scenario,
    m: usize,
    t_f: Instant,
    last: Instant,
) -> Option<Instant> {
    let p_best = best_other(lan, sc, m);
    let md = sc.link.max_delay();
    let down_bound = last + md + sc.mdi(p_best);
    match sc.fault {
        Fault::Kill => lan.kill(m),
        Fault::Stop => {
            lan.stop(m);
            // RFC 5798 §6.4.2: priority 0 ⇒ Skew_Time (unless it was lost).
            if sc.link.loss == 0.0 {
                return Some(t_f + md + sc.skew(p_best));
            }
        }
        Fault::Isolate => lan.isolate(m, true),
        Fault::LinkDown => lan.set_link(m, false),
        Fault::Demote => {
            lan.feed(m, demote(false));
            if sc.hosts.iter().any(|h| h.nopreempt)
                || eff_priority(lan, m, "VI_1") >= p_best
            {
                return None;
            }
            let pd = sc
                .hosts
                .iter()
                .map(|h| h.preempt_delay)
                .max()
                .unwrap_or_default();
            // The delay starts on the first lower advert *received*; with
            // loss that may be a few adverts late.
            let lossy = if sc.link.loss > 0.0 { 3 } else { 0 };
            let adv = sc.adver_int.micros();
            return Some(
                t_f + md
                    + sc.mdi(p_best)
                    + pd
                    + Duration::from_micros(adv * (1 + lossy)),
            );
        }
    }
    Some(down_bound)
}

fn recover(
    lan: &mut Lan,
    sc: &Scenario,
    m: usize,
    prev_master: usize,
) -> Result<(), String> {
    let t_r = lan.now();
    match sc.fault {
        Fault::Kill | Fault::Stop => lan.start(m),
        Fault::Isolate => lan.isolate(m, false),
        Fault::LinkDown => lan.set_link(m, true),
        Fault::Demote => lan.feed(m, demote(true)),
    }
    if matches!(sc.fault, Fault::Kill | Fault::Stop) {
        lan.feed(m, demote(true));
    }
    lan.run_for(sc.settle());
    let h = &sc.hosts[m];
    let took_over = lan
        .transitions()
        .iter()
        .find(|t| {
            t.at >= t_r
                && t.node == m
                && t.instance == "VI_1"
                && t.state == State::Master
        })
        .map(|t| t.at);
    let returning = !matches!(sc.fault, Fault::Isolate | Fault::Demote);
    if returning
        && h.nopreempt
        && prev_master != m
        && took_over.is_some()
        && sc.link.loss == 0.0
    {
        return Err(format!("nopreempt host {m} took over at {took_over:?}"));
    }
    let early = took_over.filter(|t| *t < t_r + h.preempt_delay);
    if returning
        && !h.preempt_delay.is_zero()
        && sc.link.loss == 0.0
        && let Some(t) = early
        && eff_priority(lan, prev_master, "VI_1") < h.priority
    {
        return Err(format!(
            "preempt_delay host {m} took over at {t}, back at {t_r}"
        ));
    }
    let highest = sc.hosts.iter().all(|h| !h.nopreempt);
    converged(lan, sc, highest, &[])
        .map(|_| ())
        .map_err(|e| format!("after recovery: {e}"))
}

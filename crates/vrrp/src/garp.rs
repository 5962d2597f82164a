//! Gratuitous ARP / unsolicited NA pacing per interface
//! (keepalived `vrrp_garp_interval` / `vrrp_gna_interval`, `garp_group`,
//! `vrrp_arp.c`, `vrrp_ndisc.c`, `vrrp_arp_thread`).
//!
//! With no interval every GARP goes out at once (keepalived's default).
//! Otherwise GARPs on one lane (an interface, or every interface of a
//! `garp_group`, a VMAC with its parent) are spaced by the lane's interval
//! and the rest wait; [`GarpPacer::poll_at`] feeds the engine's
//! `poll_timeout`.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::time::Duration;

use ka_types::Instant;

use crate::action::Action;
use crate::config::EngineConfig;

/// Which pacing state a GARP uses.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum LaneKey {
    /// A configured lane (index into the lane list).
    Shared(usize),
    /// An interface in no lane, paced with the global intervals.
    Alone(String),
}

/// Which address a GARP is for: (instance position in the
/// configuration, position of the address in its VIPs then eVIPs).
/// keepalived keeps one pending flag per address (`garp_gna_pending`) and
/// releases pending addresses in this order (`vrrp_arp_thread`).
pub(crate) type AddrKey = (usize, usize);

/// One GARP / NA to send for an instance's address.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Garp<'a> {
    /// The instance's name.
    pub(crate) instance: &'a str,
    /// Position of the address in the instance's VIPs then eVIPs.
    pub(crate) pos: usize,
    /// Interface it goes out on.
    pub(crate) iface: &'a str,
    /// The address.
    pub(crate) addr: IpAddr,
}

/// Per-lane, per-family queue of pending addresses.
#[derive(Clone, Debug, Default)]
struct Lane {
    next: Instant,
    queue: BTreeMap<AddrKey, Action>,
}

/// GARP/NA pacing state for all interfaces.
#[derive(Clone, Debug, Default)]
pub(crate) struct GarpPacer {
    garp_interval: Duration,
    gna_interval: Duration,
    /// (GARP, NA) interval of each configured lane.
    shared: Vec<(Duration, Duration)>,
    lane_of: HashMap<String, usize>,
    /// Instance name to its position in the configuration.
    order: HashMap<String, usize>,
    lanes: BTreeMap<(LaneKey, bool), Lane>,
}

impl GarpPacer {
    /// A pacer with the global intervals and the configured lanes.
    pub(crate) fn new(cfg: &EngineConfig) -> Self {
        let mut p = Self::default();
        p.reconfigure(cfg);
        p
    }

    /// New intervals and lanes (a reload). Queued GARPs are dropped: the
    /// positions they were keyed by belong to the old configuration, and
    /// keepalived's reload frees the pending flags with the old addresses.
    pub(crate) fn reconfigure(&mut self, cfg: &EngineConfig) {
        let lanes = &cfg.garp_lanes;
        self.garp_interval = cfg.garp_interval;
        self.gna_interval = cfg.gna_interval;
        self.order = cfg
            .instances
            .iter()
            .enumerate()
            .map(|(n, i)| (i.name.clone(), n))
            .collect();
        for lane in self.lanes.values_mut() {
            lane.queue.clear();
        }
        self.shared = lanes
            .iter()
            .map(|l| {
                // keepalived compat: a garp_group without garp_interval
                // leaves its interfaces' GARPs unspaced, whatever the
                // global vrrp_garp_interval (`have_garp_interval`).
                (
                    l.garp_interval.unwrap_or_default(),
                    l.gna_interval.unwrap_or_default(),
                )
            })
            .collect();
        self.lane_of.clear();
        for (n, l) in lanes.iter().enumerate() {
            for i in &l.interfaces {
                // keepalived compat: "garp_group already specified for
                // IF - ignoring": the first lane naming it wins.
                self.lane_of.entry(i.clone()).or_insert(n);
            }
        }
    }

    fn key(&self, iface: &str) -> LaneKey {
        match self.lane_of.get(iface) {
            Some(&n) => LaneKey::Shared(n),
            None => LaneKey::Alone(iface.to_owned()),
        }
    }

    fn interval(&self, key: &LaneKey, v6: bool) -> Duration {
        let (garp, gna) = match key {
            LaneKey::Shared(n) => {
                self.shared.get(*n).copied().unwrap_or_default()
            }
            LaneKey::Alone(_) => (self.garp_interval, self.gna_interval),
        };
        if v6 { gna } else { garp }
    }

    /// Send (or queue) one GARP / NA.
    pub(crate) fn send(
        &mut self,
        now: Instant,
        g: Garp<'_>,
        out: &mut Vec<Action>,
    ) {
        let Garp { iface, addr, .. } = g;
        let action = match addr {
            IpAddr::V4(a) => Action::SendGarp {
                iface: iface.to_owned(),
                addr: a,
            },
            IpAddr::V6(a) => Action::SendUnsolicitedNa {
                iface: iface.to_owned(),
                addr: a,
            },
        };
        let key = self.key(iface);
        let interval = self.interval(&key, addr.is_ipv6());
        if interval.is_zero() {
            out.push(action);
            return;
        }
        let at = (
            self.order.get(g.instance).copied().unwrap_or(usize::MAX),
            g.pos,
        );
        let lane = self.lanes.entry((key, addr.is_ipv6())).or_default();
        if lane.next <= now {
            // keepalived compat: `send_gratuitous_arp` sends at once once
            // the interval has passed, even with other addresses pending.
            out.push(action);
            lane.next = now + interval;
        } else {
            // keepalived compat: a waiting address is one flag
            // (`garp_gna_pending`), so repeats of a GARP still waiting
            // merge into one: with an interval, `garp_master_repeat`
            // sends an address at most twice per burst.
            lane.queue.insert(at, action);
        }
    }

    /// The earliest instant a queued GARP is due.
    pub(crate) fn poll_at(&self) -> Option<Instant> {
        self.lanes
            .values()
            .filter(|l| !l.queue.is_empty())
            .map(|l| l.next)
            .min()
    }

    /// Release every queued GARP that is due: one per lane per interval.
    pub(crate) fn on_timeout(&mut self, now: Instant, out: &mut Vec<Action>) {
        let intervals: Vec<Duration> = self
            .lanes
            .keys()
            .map(|(k, v6)| self.interval(k, *v6))
            .collect();
        for (lane, interval) in self.lanes.values_mut().zip(intervals) {
            while lane.next <= now {
                let Some((_, a)) = lane.queue.pop_first() else {
                    break;
                };
                out.push(a);
                lane.next = now + interval;
            }
        }
    }

    /// Drop queued GARPs for addresses being removed (keepalived
    /// `vrrp_remove_delayed_arp`).
    pub(crate) fn forget(&mut self, addrs: &[IpAddr]) {
        for lane in self.lanes.values_mut() {
            lane.queue.retain(|_, a| match a {
                Action::SendGarp { addr, .. } => {
                    !addrs.contains(&IpAddr::V4(*addr))
                }
                Action::SendUnsolicitedNa { addr, .. } => {
                    !addrs.contains(&IpAddr::V6(*addr))
                }
                _ => true,
            });
        }
    }
}

#[cfg(test)]
#[path = "garp_tests.rs"]
mod tests;

//! Gratuitous ARP / unsolicited NA pacing per interface
//! (keepalived `vrrp_garp_interval` / `vrrp_gna_interval`, `vrrp_arp.c`).
//!
//! With a zero interval every GARP goes out at once (keepalived's
//! default). Otherwise GARPs on one interface are spaced by the interval
//! and the rest wait in a queue; [`GarpPacer::poll_at`] feeds the engine's
//! `poll_timeout`.

use std::collections::{BTreeMap, VecDeque};
use std::net::IpAddr;
use std::time::Duration;

use ka_types::Instant;

use crate::action::Action;

/// Per-interface, per-family queue.
#[derive(Clone, Debug, Default)]
struct Lane {
    next: Instant,
    queue: VecDeque<Action>,
}

/// GARP/NA pacing state for all interfaces.
#[derive(Clone, Debug, Default)]
pub(crate) struct GarpPacer {
    garp_interval: Duration,
    gna_interval: Duration,
    lanes: BTreeMap<(String, bool), Lane>,
}

impl GarpPacer {
    /// A pacer with the global intervals.
    pub(crate) fn new(garp_interval: Duration, gna_interval: Duration) -> Self {
        Self {
            garp_interval,
            gna_interval,
            lanes: BTreeMap::new(),
        }
    }

    /// Send (or queue) one GARP / NA for `addr` on `iface`.
    pub(crate) fn send(
        &mut self,
        now: Instant,
        iface: &str,
        addr: IpAddr,
        out: &mut Vec<Action>,
    ) {
        let (action, interval) = match addr {
            IpAddr::V4(a) => (
                Action::SendGarp {
                    iface: iface.to_owned(),
                    addr: a,
                },
                self.garp_interval,
            ),
            IpAddr::V6(a) => (
                Action::SendUnsolicitedNa {
                    iface: iface.to_owned(),
                    addr: a,
                },
                self.gna_interval,
            ),
        };
        if interval.is_zero() {
            out.push(action);
            return;
        }
        let lane = self
            .lanes
            .entry((iface.to_owned(), addr.is_ipv6()))
            .or_default();
        if lane.queue.is_empty() && lane.next <= now {
            out.push(action);
            lane.next = now + interval;
        } else {
            lane.queue.push_back(action);
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

    /// Release every queued GARP that is due.
    pub(crate) fn on_timeout(&mut self, now: Instant, out: &mut Vec<Action>) {
        for ((_, v6), lane) in &mut self.lanes {
            let interval = if *v6 {
                self.gna_interval
            } else {
                self.garp_interval
            };
            while lane.next <= now {
                let Some(a) = lane.queue.pop_front() else {
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
            lane.queue.retain(|a| match a {
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
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn interval_spaces_garps_per_interface() {
        let mut p = GarpPacer::new(Duration::from_millis(10), Duration::ZERO);
        let mut out = Vec::new();
        let a = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let t0 = Instant::from_secs(1);
        p.send(t0, "eth0", a, &mut out);
        p.send(t0, "eth0", a, &mut out);
        p.send(t0, "eth1", a, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(p.poll_at(), Some(t0 + Duration::from_millis(10)));
        out.clear();
        p.on_timeout(t0 + Duration::from_millis(10), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(p.poll_at(), None);
    }
}

//! The interface table: names, indexes, MACs, link state and addresses,
//! kept current from netlink and turned into engine events.
//!
//! `interface_up_down_delays`: a link going down (or up) on such an
//! interface reaches the engine only once it has stayed so for the delay;
//! a flap shorter than the delay is never seen (keepalived
//! `update_interface_flags`, `delayed_if_flags_change_thread`).
//!
//! Linkbeat: the usability of a polled interface
//! (`linkbeat_use_polling`, `linkbeat_interfaces`) comes only from the
//! poller (`vrrp::linkbeat`); netlink link messages for it are ignored.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use tokio::time::Instant;

use crate::vrrp::plan::UpDownDelay;

use ka_sys::netlink::{AddrInfo, LinkInfo, NetEvent};
use ka_vrrp::Event;

/// One interface as the runtime sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Iface {
    /// Kernel index.
    pub index: u32,
    /// Name.
    pub name: String,
    /// Hardware address (zero when the link has none).
    pub mac: [u8; 6],
    /// Up and running (carrier).
    pub usable: bool,
    /// Addresses, in the order the kernel reported them (primary first).
    pub addrs: Vec<IpAddr>,
}

impl Iface {
    /// The first IPv4 address: keepalived's default source address.
    pub(crate) fn primary_v4(&self) -> Option<Ipv4Addr> {
        self.addrs.iter().find_map(|a| match a {
            IpAddr::V4(v4) => Some(*v4),
            IpAddr::V6(_) => None,
        })
    }

    /// The first link-local IPv6 address: the source of IPv6 adverts.
    pub(crate) fn link_local_v6(&self) -> Option<Ipv6Addr> {
        self.addrs.iter().find_map(|a| match a {
            IpAddr::V6(v6) if ka_types::net::is_link_local_v6(v6) => Some(*v6),
            _ => None,
        })
    }
}

/// A usability change waiting for its delay.
#[derive(Clone, Copy, Debug)]
struct Pending {
    usable: bool,
    due: Instant,
}

/// Every interface, by name and by index.
#[derive(Clone, Debug, Default)]
pub(crate) struct Ifaces {
    by_name: HashMap<String, Iface>,
    names: HashMap<u32, String>,
    delays: HashMap<String, UpDownDelay>,
    pending: HashMap<String, Pending>,
    /// keepalived `seen_up`: delays apply once the link was up.
    seen_up: std::collections::HashSet<String>,
    /// Interfaces whose link state the linkbeat poller owns.
    polled: std::collections::HashSet<String>,
}

impl Ifaces {
    /// The table from a netlink dump.
    pub(crate) fn from_dump(links: &[LinkInfo], addrs: &[AddrInfo]) -> Self {
        let mut t = Self::default();
        for l in links {
            if l.is_usable() {
                t.seen_up.insert(l.name.clone());
            }
            t.upsert_link(l);
        }
        for a in addrs {
            t.add_addr(a);
        }
        t
    }

    /// New `interface_up_down_delays` (start, reload); a pending change
    /// of an interface that no longer has a delay takes effect at once at
    /// its next [`Self::due`].
    pub(crate) fn set_delays(&mut self, delays: HashMap<String, UpDownDelay>) {
        self.delays = delays;
        let now = Instant::now();
        for (name, p) in &mut self.pending {
            if !self.delays.contains_key(name) {
                p.due = now;
            }
        }
    }

    /// The interfaces whose usability only [`Self::set_polled_usable`]
    /// changes (start, reload).
    pub(crate) fn set_polled(
        &mut self,
        names: impl IntoIterator<Item = String>,
    ) {
        self.polled = names.into_iter().collect();
    }

    /// The linkbeat poller's reading of `name`: the engine event when the
    /// usability changes. keepalived compat: a polled change is acted on
    /// at once (`if_linkbeat_refresh_thread` calls
    /// `process_if_status_change`), never through
    /// `interface_up_down_delays`.
    pub(crate) fn set_polled_usable(
        &mut self,
        name: &str,
        usable: bool,
    ) -> Option<Event> {
        let i = self.by_name.get_mut(name)?;
        if i.usable == usable {
            return None;
        }
        self.pending.remove(name);
        i.usable = usable;
        if usable {
            self.seen_up.insert(name.to_owned());
        }
        Some(link_event(i))
    }

    /// When the next delayed link change is due.
    pub(crate) fn next_due(&self) -> Option<Instant> {
        self.pending.values().map(|p| p.due).min()
    }

    /// The engine events of every delayed change due at `now`.
    pub(crate) fn due(&mut self, now: Instant) -> Vec<Event> {
        let mut ready: Vec<(String, bool)> = self
            .pending
            .iter()
            .filter(|(_, p)| p.due <= now)
            .map(|(n, p)| (n.clone(), p.usable))
            .collect();
        ready.sort();
        let mut out = Vec::new();
        for (name, usable) in ready {
            self.pending.remove(&name);
            if let Some(i) = self.by_name.get_mut(&name)
                && i.usable != usable
            {
                i.usable = usable;
                if usable {
                    self.seen_up.insert(name.clone());
                }
                out.push(link_event(i));
            }
        }
        out
    }

    /// The interface called `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&Iface> {
        self.by_name.get(name)
    }

    /// The name of interface `index`.
    pub(crate) fn name_of(&self, index: u32) -> Option<&str> {
        self.names.get(&index).map(String::as_str)
    }

    /// Engine events describing the whole table (at startup).
    pub(crate) fn initial_events(&self) -> Vec<Event> {
        let mut names: Vec<&String> = self.by_name.keys().collect();
        names.sort();
        let mut out = Vec::new();
        for n in names {
            let i = &self.by_name[n];
            out.push(link_event(i));
            for a in &i.addrs {
                out.push(Event::AddressAdded {
                    iface: i.name.clone(),
                    addr: *a,
                });
            }
        }
        out
    }

    /// Applies a netlink change; returns the engine events it implies
    /// (only real changes: a link message that does not change
    /// usability is not an event).
    pub(crate) fn apply(&mut self, ev: &NetEvent) -> Vec<Event> {
        match ev {
            NetEvent::LinkChanged(l) => {
                let before = self.by_name.get(&l.name).map(|i| i.usable);
                if let Some(was) = before
                    && self.polled.contains(&l.name)
                {
                    // keepalived compat: netlink_if_link_filter ignores
                    // link messages for a known interface it polls.
                    self.upsert_link(l).usable = was;
                    return Vec::new();
                }
                if let Some(was) = before
                    && self.delayed(&l.name, was, l.is_usable())
                {
                    // The table keeps the usability the engine knows.
                    self.upsert_link(l).usable = was;
                    return Vec::new();
                }
                if l.is_usable() {
                    self.seen_up.insert(l.name.clone());
                }
                let now = self.upsert_link(l);
                if before == Some(now.usable) {
                    Vec::new()
                } else {
                    vec![link_event(now)]
                }
            }
            NetEvent::LinkRemoved(l) => {
                self.names.remove(&l.index);
                self.pending.remove(&l.name);
                match self.by_name.remove(&l.name) {
                    Some(_) => vec![Event::LinkDown {
                        iface: l.name.clone(),
                    }],
                    None => Vec::new(),
                }
            }
            NetEvent::AddrAdded(a) => match self.add_addr(a) {
                Some(name) => vec![Event::AddressAdded {
                    iface: name,
                    addr: a.addr,
                }],
                None => Vec::new(),
            },
            NetEvent::AddrRemoved(a) => {
                let Some(name) = self.names.get(&a.ifindex).cloned() else {
                    return Vec::new();
                };
                let Some(i) = self.by_name.get_mut(&name) else {
                    return Vec::new();
                };
                let before = i.addrs.len();
                i.addrs.retain(|x| *x != a.addr);
                if i.addrs.len() == before {
                    Vec::new()
                } else {
                    vec![Event::AddressRemoved {
                        iface: name,
                        addr: a.addr,
                    }]
                }
            }
        }
    }

    /// keepalived `update_interface_flags`: whether a change of `name`
    /// from `was` (what the engine knows) to `now` waits. A change back
    /// before the delay ends cancels the waiting one.
    fn delayed(&mut self, name: &str, was: bool, now: bool) -> bool {
        if let Some(p) = self.pending.get(name) {
            if p.usable == now {
                return true;
            }
            self.pending.remove(name);
            tracing::info!(target: crate::core::log::target::VRRP, "Delay timer for {name} cancelled");
        }
        if was == now || !self.seen_up.contains(name) {
            return false;
        }
        let Some(d) = self.delays.get(name) else {
            return false;
        };
        let delay = if now { d.up } else { d.down };
        if delay.is_zero() {
            return false;
        }
        tracing::info!(
            target: crate::core::log::target::VRRP,
            "{name}: Adding link {} delay by {}",
            if now { "up" } else { "down" },
            delay.as_micros()
        );
        let due = Instant::now() + delay;
        self.pending
            .insert(name.to_owned(), Pending { usable: now, due });
        true
    }

    fn upsert_link(&mut self, l: &LinkInfo) -> &mut Iface {
        // A rename: drop the old name.
        if let Some(old) = self.names.get(&l.index).cloned()
            && old != l.name
            && let Some(mut i) = self.by_name.remove(&old)
        {
            i.name.clone_from(&l.name);
            self.by_name.insert(l.name.clone(), i);
        }
        self.names.insert(l.index, l.name.clone());
        let e = self.by_name.entry(l.name.clone()).or_default();
        e.index = l.index;
        e.name.clone_from(&l.name);
        e.usable = l.is_usable();
        if l.mac.len() == 6 {
            e.mac.copy_from_slice(&l.mac);
        }
        e
    }

    /// Records an address; returns the interface name if it is new.
    fn add_addr(&mut self, a: &AddrInfo) -> Option<String> {
        let name = self.names.get(&a.ifindex)?.clone();
        let i = self.by_name.get_mut(&name)?;
        if i.addrs.contains(&a.addr) {
            return None;
        }
        i.addrs.push(a.addr);
        Some(name)
    }
}

fn link_event(i: &Iface) -> Event {
    if i.usable {
        Event::LinkUp {
            iface: i.name.clone(),
        }
    } else {
        Event::LinkDown {
            iface: i.name.clone(),
        }
    }
}

#[cfg(test)]
#[path = "ifaces_tests.rs"]
mod tests;

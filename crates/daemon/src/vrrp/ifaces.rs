//! The interface table: names, indexes, MACs, link state and addresses,
//! kept current from netlink and turned into engine events.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

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

/// Every interface, by name and by index.
#[derive(Clone, Debug, Default)]
pub(crate) struct Ifaces {
    by_name: HashMap<String, Iface>,
    names: HashMap<u32, String>,
}

impl Ifaces {
    /// The table from a netlink dump.
    pub(crate) fn from_dump(links: &[LinkInfo], addrs: &[AddrInfo]) -> Self {
        let mut t = Self::default();
        for l in links {
            t.upsert_link(l);
        }
        for a in addrs {
            t.add_addr(a);
        }
        t
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
                let now = self.upsert_link(l);
                if before == Some(now.usable) {
                    Vec::new()
                } else {
                    vec![link_event(now)]
                }
            }
            NetEvent::LinkRemoved(l) => {
                self.names.remove(&l.index);
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

    fn upsert_link(&mut self, l: &LinkInfo) -> &Iface {
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
mod tests {
    use super::*;

    fn link(index: u32, name: &str, up: bool) -> LinkInfo {
        LinkInfo {
            index,
            name: name.into(),
            up,
            running: up,
            mac: vec![2, 0, 0, 0, 0, index as u8],
            link: None,
        }
    }

    fn addr(ifindex: u32, a: &str) -> AddrInfo {
        AddrInfo {
            ifindex,
            addr: a.parse().unwrap(),
            prefix_len: 24,
        }
    }

    #[test]
    fn tracks_links_and_addresses_as_engine_events() {
        let mut t = Ifaces::from_dump(
            &[link(2, "eth0", true)],
            &[addr(2, "192.0.2.10"), addr(2, "fe80::1")],
        );
        let eth0 = t.get("eth0").unwrap();
        assert_eq!(eth0.primary_v4(), Some(Ipv4Addr::new(192, 0, 2, 10)));
        assert_eq!(eth0.link_local_v6(), Some("fe80::1".parse().unwrap()));
        assert_eq!(t.initial_events().len(), 3);
        // Same usability: no event. Carrier loss: LinkDown.
        assert!(
            t.apply(&NetEvent::LinkChanged(link(2, "eth0", true)))
                .is_empty()
        );
        assert_eq!(
            t.apply(&NetEvent::LinkChanged(link(2, "eth0", false))),
            vec![Event::LinkDown {
                iface: "eth0".into()
            }]
        );
        assert!(
            t.apply(&NetEvent::AddrAdded(addr(2, "192.0.2.10")))
                .is_empty()
        );
        assert_eq!(
            t.apply(&NetEvent::AddrRemoved(addr(2, "192.0.2.10"))).len(),
            1
        );
        assert_eq!(t.name_of(2), Some("eth0"));
    }
}

//! `static_ipaddress`, `static_routes` and `static_rules`: kernel entries
//! keepalived installs when it starts and removes when it stops, whatever
//! the state of any VRRP instance (keepalived's `vrrp_daemon.c`).
//!
//! keepalived compat (`vrrp_static_track.c`): a `track_group` on a static
//! entry does not make the entry follow the group; the group's instances
//! track the entry's interface (an address's `dev`, a route's `dev`, a
//! rule's `iif`) with weight 0, so they go to FAULT while it is down.

use std::net::IpAddr;

use ka_config::Config;

use super::instance::zero_weight;
use super::route::{route_text, rule_text};
use super::{AddressDetail, VrrpPlan, addr};

/// The static entries of a configuration, ready for the kernel worker.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Statics {
    /// Addresses with their netlink details (`dev` resolved).
    pub addresses: Vec<(IpAddr, AddressDetail)>,
    /// `ip route` arguments, one per route.
    pub routes: Vec<String>,
    /// `ip rule` arguments, one per rule.
    pub rules: Vec<String>,
}

/// The static entries of `cfg`.
pub(super) fn statics(cfg: &Config) -> Statics {
    let v = &cfg.vrrp;
    let default_dev = cfg.global.default_interface_or_eth0().to_owned();
    let addresses = v
        .static_addresses
        .iter()
        .map(|a| {
            let dev = a.dev.clone().unwrap_or_else(|| default_dev.clone());
            (a.addr, addr::detail(a, dev, false))
        })
        .collect();
    let routes = v.static_routes.iter().map(route_text).collect();
    let rules = v.static_rules.iter().map(rule_text).collect();
    Statics {
        addresses,
        routes,
        rules,
    }
}

/// The interfaces each `track_group` watches for its instances: the
/// `dev` of its addresses (`default_interface` without one), routes and
/// rules (`iif`), skipping `no_track` entries as keepalived does.
pub(super) fn track_groups(cfg: &Config, plan: &mut VrrpPlan) {
    let v = &cfg.vrrp;
    let default_dev = cfg.global.default_interface_or_eth0();
    let mut watched: Vec<(&str, String)> = Vec::new();
    for a in v.static_addresses.iter().filter(|a| !a.no_track) {
        if let Some(g) = &a.track_group {
            let dev = a.dev.as_deref().unwrap_or(default_dev);
            watched.push((g, dev.to_owned()));
        }
    }
    for r in v.static_routes.iter().filter(|r| !r.no_track) {
        if let (Some(g), Some(dev)) = (&r.track_group, &r.dev) {
            watched.push((g, dev.clone()));
        }
    }
    for r in v.static_rules.iter().filter(|r| !r.no_track) {
        let iif = r.options.iter().find(|(k, _)| k == "iif");
        if let (Some(g), Some((_, Some(dev)))) = (&r.track_group, iif) {
            watched.push((g, dev.clone()));
        }
    }
    for (group, dev) in watched {
        let Some(g) = v.track_groups.iter().find(|g| g.name == group) else {
            continue;
        };
        for c in plan.engine.instances.iter_mut() {
            // The instance's own interface is tracked already.
            if g.members.contains(&c.name) && c.interface.as_ref() != Some(&dev)
            {
                zero_weight(&mut c.track, &dev);
            }
        }
    }
}

//! `static_ipaddress`, `static_routes` and `static_rules`: kernel entries
//! keepalived installs when it starts and removes when it stops, whatever
//! the state of any VRRP instance (keepalived's `vrrp_daemon.c`).

use std::net::IpAddr;

use ka_config::Config;

use super::route::{route_text, rule_text};
use super::{AddressDetail, addr};

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

/// The static entries of `cfg`; options the runtime cannot honour are
/// added to `notes`.
pub(super) fn statics(cfg: &Config, notes: &mut Vec<String>) -> Statics {
    let v = &cfg.vrrp;
    let default_dev = cfg.global.default_interface_or_eth0().to_owned();
    let owner = "static_ipaddress";
    let addresses = v
        .static_addresses
        .iter()
        .map(|a| {
            let dev = a.dev.clone().unwrap_or_else(|| default_dev.clone());
            if a.track_group.is_some() {
                notes.push(format!(
                    "({owner}) address {} option track_group is not implemented yet; the address is installed untracked",
                    a.addr
                ));
            }
            (a.addr, addr::detail(a, dev, false))
        })
        .collect();
    let mut tracked = |what: &str, text: &str, group: &Option<String>| {
        if group.is_some() {
            notes.push(format!(
                "(static_{what}s) {what} {text}: option track_group is not implemented yet; it is installed untracked"
            ));
        }
    };
    let routes = v
        .static_routes
        .iter()
        .map(|r| {
            let t = route_text(r);
            tracked("route", &t, &r.track_group);
            t
        })
        .collect();
    let rules = v
        .static_rules
        .iter()
        .map(|r| {
            let t = rule_text(r);
            tracked("rule", &t, &r.track_group);
            t
        })
        .collect();
    Statics {
        addresses,
        routes,
        rules,
    }
}

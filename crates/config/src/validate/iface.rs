//! Interface existence, as keepalived checks it while reading the VRRP
//! configuration (`if_get_by_ifname()` in `vrrp_ipaddress.c`,
//! `vrrp_iproute.c`, `vrrp_iprule.c` and `vrrp_parser.c`).
//!
//! keepalived compat: a missing interface named by a VIP/eVIP `dev`, a
//! route (or next hop) `dev`, a rule `iif`/`oif`, a `track_interface` or a
//! `garp_group` is a configuration error and the object is dropped. With
//! `dynamic_interfaces` keepalived creates a placeholder instead and
//! nothing is reported. keepalived then also stops the VRRP process
//! ("Non-existent interface specified in configuration",
//! `CONFIG_BAD_IF`) before `vrrp_complete_init()`: [`super::validate`]
//! then reports that line and skips the VRRP completion and the VRRP
//! script security check, and the daemon does not start. When that is
//! the only problem, as for a static address without `dev` whose default
//! interface is missing, `-t` exits 4 rather than 5.

use crate::diag::Diagnostics;
use crate::host::Host;
use crate::model::Config;
use crate::model::vrrp::{Instance, IpAddress, Route, Rule};

/// Drops objects naming interfaces that do not exist; true when one of
/// those keepalived looks up with `IF_CREATE_IF_DYNAMIC` is missing
/// (`non_existent_interface_specified`: its VRRP process stops).
pub fn validate(
    config: &mut Config,
    host: &dyn Host,
    d: &mut Diagnostics,
) -> bool {
    if config.global.dynamic_interfaces.is_some() {
        return false;
    }
    let bad = std::cell::Cell::new(false);
    let missing = |name: &str| {
        let gone = host.interface_exists(name) == Some(false);
        bad.set(bad.get() || gone);
        gone
    };
    // linkbeat_interfaces and interface_up_down_delays are looked up
    // without it: CONFIG_FATAL, the entry dropped, VRRP goes on.
    let unflagged = |name: &str| host.interface_exists(name) == Some(false);
    let v = &mut config.vrrp;
    for i in &mut v.instances {
        instance(i, &missing, d);
    }
    addresses(&mut v.static_addresses, &missing, d);
    routes(&mut v.static_routes, &missing, d);
    rules(&mut v.static_rules, &missing, d);
    for g in &mut v.garp_groups {
        g.interfaces.retain(|name| {
            let gone = missing(name);
            if gone {
                d.error(None, format!("WARNING - interface {name} specified for garp_group doesn't exist"));
            }
            !gone
        });
    }
    // keepalived compat: an unknown interface here is CONFIG_FATAL and
    // the entry is dropped.
    v.linkbeat_interfaces.retain(|l| {
        let gone = unflagged(&l.interface);
        if gone {
            d.fatal(
                None,
                format!(
                    "unknown interface {} specified for linkbeat interface",
                    l.interface
                ),
            );
        }
        !gone
    });
    v.interface_up_down_delays.retain(|u| {
        let gone = unflagged(&u.interface);
        if gone {
            d.fatal(
                None,
                format!(
                    "unknown interface {} specified for up/down delay",
                    u.interface
                ),
            );
        }
        !gone
    });
    static_default_interface(config, &missing, d);
    bad.get()
}

fn instance(
    i: &mut Instance,
    missing: &dyn Fn(&str) -> bool,
    d: &mut Diagnostics,
) {
    addresses(&mut i.vips, missing, d);
    addresses(&mut i.evips, missing, d);
    routes(&mut i.routes, missing, d);
    rules(&mut i.rules, missing, d);
    let (at, name) = (i.loc.0, i.name.clone());
    i.track.interfaces.retain(|t| {
        let gone = missing(&t.name);
        if gone {
            d.error(
                at,
                format!("({name}) tracked interface {} doesn't exist", t.name),
            );
        }
        !gone
    });
}

fn addresses(
    list: &mut Vec<IpAddress>,
    missing: &dyn Fn(&str) -> bool,
    d: &mut Diagnostics,
) {
    list.retain(|a| match &a.dev {
        Some(dev) if missing(dev) => {
            d.error(None, format!("WARNING - interface {dev} for ip address {}/{} doesn't exist", a.addr, a.prefix_len));
            false
        }
        _ => true,
    });
}

fn routes(
    list: &mut Vec<Route>,
    missing: &dyn Fn(&str) -> bool,
    d: &mut Diagnostics,
) {
    list.retain(|r| {
        let devs = r.dev.iter().chain(r.nexthops.iter().filter_map(|n| n.dev.as_ref()));
        for dev in devs {
            if missing(dev) {
                d.error(None, format!("WARNING - interface {dev} for VROUTE nexthop doesn't exist"));
                return false;
            }
        }
        true
    });
}

fn rules(
    list: &mut Vec<Rule>,
    missing: &dyn Fn(&str) -> bool,
    d: &mut Diagnostics,
) {
    list.retain(|r| {
        for (k, v) in &r.options {
            if let ("iif" | "oif" | "dev", Some(dev)) = (k.as_str(), v)
                && missing(dev)
            {
                d.error(
                    None,
                    format!("WARNING - interface {dev} for rule doesn't exist"),
                );
                return false;
            }
        }
        true
    });
}

/// keepalived compat: a static address without `dev` goes on
/// `default_interface` (default `eth0`); if that interface does not exist
/// the address is dropped (`CONFIG_FATAL`).
fn static_default_interface(
    config: &mut Config,
    missing: &dyn Fn(&str) -> bool,
    d: &mut Diagnostics,
) {
    // keepalived compat: get_default_if() looks the interface up only
    // when an address needs it.
    if config.vrrp.static_addresses.iter().all(|a| a.dev.is_some()) {
        return;
    }
    let default = config.global.default_interface_or_eth0();
    if !missing(default) {
        return;
    }
    // The VRRP process stops at this (a missing interface): the address
    // is kept in the model, so that the printed configuration says so too.
    for a in config
        .vrrp
        .static_addresses
        .iter()
        .filter(|a| a.dev.is_none())
    {
        d.fatal(None, format!("Static address {}/{} requires either an interface or default interface must exist", a.addr, a.prefix_len));
    }
}

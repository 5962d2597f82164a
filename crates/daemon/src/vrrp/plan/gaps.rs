//! Configured features the runtime does not implement yet, as sentences
//! for [`super::VrrpPlan::not_implemented`].

use ka_config::Config;
use ka_config::model::vrrp::Instance;

/// Per-instance features.
pub(super) fn instance(i: &Instance, notes: &mut Vec<String>) {
    let n = &i.name;
    let mut say = |on: bool, what: &str| {
        if on {
            notes.push(format!("({n}) {what} is not implemented yet"));
        }
    };
    say(i.ipvlan.is_some(), "use_ipvlan");
    say(i.vrf.is_some(), "vrf");
    say(
        i.linkbeat_use_polling,
        "linkbeat_use_polling (link state comes from netlink)",
    );
}

/// Global and section-level features.
pub(super) fn global(cfg: &Config, notes: &mut Vec<String>) {
    let g = &cfg.global;
    let v = &cfg.vrrp;
    let mut say = |on: bool, what: String| {
        if on {
            notes.push(format!("{what} is not implemented yet"));
        }
    };
    say(
        g.linkbeat_use_polling,
        "linkbeat_use_polling (link state comes from netlink)".into(),
    );
    say(
        !v.linkbeat_interfaces.is_empty(),
        "linkbeat_interfaces".into(),
    );
    process(cfg, notes);
}

/// Settings of the VRRP process itself not applied yet.
/// Scheduling (`vrrp_priority`, `vrrp_rt_priority`, `vrrp_no_swap`,
/// `vrrp_cpu_affinity`, `vrrp_rlimit_rttime`, `max_auto_priority`) is
/// applied to the process by `core::placement`; `vrrp_iptables` uses the
/// nftables table as keepalived's nftables build does; SNMP and DBus
/// keywords are reported once, by the configuration loader.
fn process(cfg: &Config, notes: &mut Vec<String>) {
    let g = &cfg.global;
    let nl = &g.netlink_bufs;
    let items = [
        (
            g.vrrp_rx_bufs_policy.is_some()
                || g.vrrp_rx_bufs_multiplier.is_some(),
            "vrrp_rx_bufs_policy / vrrp_rx_bufs_multiplier",
        ),
        (
            nl.vrrp_cmd != Default::default(),
            "vrrp_netlink_cmd_rcv_bufs",
        ),
        (
            nl.process_monitor != Default::default(),
            "process_monitor_rcv_bufs",
        ),
    ];
    for (on, what) in items {
        if on {
            notes.push(format!("{what} is not implemented yet"));
        }
    }
}

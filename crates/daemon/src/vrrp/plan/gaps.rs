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
    say(i.vrf.is_some(), "vrf");
}

/// Global and section-level features.
pub(super) fn global(cfg: &Config, notes: &mut Vec<String>) {
    let g = &cfg.global;
    let mut say = |on: bool, what: String| {
        if on {
            notes.push(format!("{what} is not implemented yet"));
        }
    };
    say(
        g.fifo_write_vrrp_states_on_reload,
        "fifo_write_vrrp_states_on_reload".into(),
    );
    process(cfg, notes);
}

/// Settings of the VRRP process itself (buffers, firewall, SNMP, DBus).
/// Scheduling (`vrrp_priority`, `vrrp_rt_priority`, `vrrp_no_swap`,
/// `vrrp_cpu_affinity`, `vrrp_rlimit_rttime`, `max_auto_priority`) is
/// applied to the process by `core::placement`.
fn process(cfg: &Config, notes: &mut Vec<String>) {
    let g = &cfg.global;
    let fw = &g.firewall;
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
        (
            fw.vrrp_iptables.is_some() || fw.vrrp_ipsets.is_some(),
            "vrrp_iptables / vrrp_ipsets (nftables is used for no_accept)",
        ),
        (
            g.snmp.vrrp || g.snmp.rfc || g.snmp.rfcv2 || g.snmp.rfcv3,
            "SNMP for VRRP (enable_snmp_vrrp / enable_snmp_rfc*)",
        ),
        (g.dbus.enable, "enable_dbus"),
    ];
    for (on, what) in items {
        if on {
            notes.push(format!("{what} is not implemented yet"));
        }
    }
}

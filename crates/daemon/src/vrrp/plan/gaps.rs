//! Configured features the runtime does not implement yet, as sentences
//! for [`super::VrrpPlan::not_implemented`].

use ka_config::Config;

/// Global and section-level features.
pub(super) fn global(cfg: &Config, notes: &mut Vec<String>) {
    process(cfg, notes);
}

/// Settings of the VRRP process itself without an effect here.
/// Scheduling (`vrrp_priority`, `vrrp_rt_priority`, `vrrp_no_swap`,
/// `vrrp_cpu_affinity`, `vrrp_rlimit_rttime`, `max_auto_priority`) is
/// applied to the process by `core::placement`; `vrrp_iptables` uses the
/// nftables table as keepalived's nftables build does; the receive
/// buffers are set on the sockets (`vrrp::rx_bufs`, netlink); SNMP
/// keywords are reported once, by the configuration loader; DBus is
/// `core::dbus`.
fn process(cfg: &Config, notes: &mut Vec<String>) {
    // keepalived-rs follows processes by scanning /proc (ka_sys::procscan),
    // without keepalived's proc connector socket.
    if cfg.global.netlink_bufs.process_monitor != Default::default() {
        notes.push("process_monitor_rcv_bufs has no effect: vrrp_track_process scans /proc instead of using a netlink process connector socket".into());
    }
}

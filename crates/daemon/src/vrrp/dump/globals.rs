//! The `------< Global definitions >------` section of `keepalived.data`
//! as keepalived 2.2.7's VRRP process writes it (`dump_global_data`):
//! every line it always writes, and the conditional lines for the
//! settings keepalived-rs reads. Lines about build options keepalived-rs
//! does not have (SNMP, LVS) show keepalived's "disabled" values.

use std::time::Duration;

use ka_config::model::global::GlobalDefs;

use super::view::{View, cmd_str};

/// Appends the global section.
pub(super) fn section(o: &mut String, v: &View<'_>) {
    defs(o, &v.plan.config.global);
}

/// The global section from the definitions alone (keepalived's checker
/// process writes the same `dump_global_data`).
pub(crate) fn defs(o: &mut String, g: &GlobalDefs) {
    let mut w = |s: String| {
        o.push_str(&s);
        o.push('\n');
    };
    w("------< Global definitions >------".into());
    w(format!(
        " Network namespace = {}",
        g.net_namespace.as_deref().unwrap_or("(default)")
    ));
    w(" Network namespace ipvs = (main namespace)".into());
    if let Some(i) = &g.instance {
        w(format!(" Instance name = {i}"));
    }
    // keepalived compat: router_id defaults to the host name.
    let host = || {
        nix::unistd::gethostname()
            .ok()
            .map(|h| h.to_string_lossy().into_owned())
    };
    if let Some(r) = g.router_id.clone().or_else(host) {
        w(format!(" Router ID = {r}"));
    }
    let onoff = |b: Option<bool>| match b {
        None => "unset",
        Some(true) => "on",
        Some(false) => "off",
    };
    w(format!(" Default smtp_alert = {}", onoff(g.smtp_alert)));
    w(format!(
        " Default smtp_alert_vrrp = {}",
        onoff(g.smtp_alert_vrrp)
    ));
    w(format!(
        " Default smtp_alert_checker = {}",
        onoff(g.smtp_alert_checker)
    ));
    w(format!(
        " Checkers log all failures = {}",
        g.checker_log_all_failures
    ));
    w(" No test config before reload".into());
    for (what, s, t) in [
        ("Startup", &g.startup_script, g.startup_script_timeout),
        ("Shutdown", &g.shutdown_script, g.shutdown_script_timeout),
    ] {
        if let Some(s) = s {
            w(format!(
                " {what} script = {}, uid:gid 0:0, timeout {}",
                cmd_str(&s.argv),
                t.unwrap_or(10)
            ));
        }
    }
    let dynamic = g.dynamic_interfaces.is_some();
    w(format!(" Dynamic interfaces = {dynamic}"));
    if dynamic {
        w(format!(
            " Allow interface changes = {}",
            g.dynamic_interfaces == Some(true)
        ));
    }
    if g.no_email_faults {
        w(" Send emails for fault transitions = off".into());
    }
    w(format!(
        " Default interface = {}",
        g.default_interface.as_deref().unwrap_or("eth0")
    ));
    w(format!(
        " Disable local IGMP = {}",
        yes_no(g.disable_local_igmp)
    ));
    w(format!(" LVS flush = {}", g.lvs_flush));
    w(" LVS flush on stop = disabled".into());
    fifos(&mut w, g);
    vrrp_lines(&mut w, g);
    process_lines(&mut w, g);
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn fifos(w: &mut impl FnMut(String), g: &GlobalDefs) {
    for (what, f) in [
        ("Global notify", &g.notify_fifo),
        ("VRRP notify", &g.vrrp_notify_fifo),
        ("LVS notify", &g.lvs_notify_fifo),
    ] {
        let Some(f) = f else { continue };
        w(format!(" {what} fifo = {}, uid:gid 0:0", f.path));
        if let Some(s) = &f.script {
            w(format!(
                " {what} fifo script = {}, uid:gid 0:0",
                cmd_str(&s.argv)
            ));
        }
    }
}

fn secs(d: Option<Duration>, default: u64) -> u64 {
    d.map_or(default, |d| d.as_secs())
}

fn vrrp_lines(w: &mut impl FnMut(String), g: &GlobalDefs) {
    w(format!(
        " FIFO write vrrp states on reload = {}",
        g.fifo_write_vrrp_states_on_reload
    ));
    w(format!(
        " VRRP notify priority changes = {}",
        g.vrrp_notify_priority_changes
    ));
    let g4 = g
        .vrrp_mcast_group4
        .map_or("224.0.0.18".into(), |a| a.to_string());
    let g6 = g
        .vrrp_mcast_group6
        .map_or("ff02::12".into(), |a| a.to_string());
    w(format!(" VRRP IPv4 mcast group = {g4}"));
    w(format!(" VRRP IPv6 mcast group = {g6}"));
    w(format!(
        " Gratuitous ARP delay = {}",
        secs(g.vrrp_garp_master_delay, 5)
    ));
    w(format!(
        " Gratuitous ARP repeat = {}",
        g.vrrp_garp_master_repeat.unwrap_or(5)
    ));
    w(format!(
        " Gratuitous ARP refresh timer = {}",
        secs(g.vrrp_garp_master_refresh, 0)
    ));
    w(format!(
        " Gratuitous ARP refresh repeat = {}",
        g.vrrp_garp_master_refresh_repeat.unwrap_or(1)
    ));
    // keepalived compat: the lower priority values default to the
    // master ones.
    let delay = secs(g.vrrp_garp_master_delay, 5);
    w(format!(
        " Gratuitous ARP lower priority delay = {}",
        secs(g.vrrp_garp_lower_prio_delay, delay)
    ));
    let repeat = g.vrrp_garp_master_repeat.unwrap_or(5);
    w(format!(
        " Gratuitous ARP lower priority repeat = {}",
        g.vrrp_garp_lower_prio_repeat.unwrap_or(repeat)
    ));
    w(format!(
        " Num adverts before down = {}",
        g.vrrp_down_timer_adverts.unwrap_or(3)
    ));
    // keepalived compat: printed even when unset, as "0s" with "VMAC".
    let (all_if, extra) = g.vrrp_garp_extra_if.unwrap_or((false, 0));
    let which = if all_if { "i/f" } else { "VMAC" };
    w(format!(
        " Gratuitous ARP for each secondary {which} = {extra}s"
    ));
    w(format!(
        " Send advert after receive lower priority advert = {}",
        !g.vrrp_lower_prio_no_advert.unwrap_or(false)
    ));
    w(format!(
        " Send advert after receive higher priority advert = {}",
        g.vrrp_higher_prio_send_advert.unwrap_or(false)
    ));
    let f = |d: Option<Duration>| d.unwrap_or_default().as_secs_f64();
    w(format!(
        " Gratuitous ARP interval = {:.6}",
        f(g.vrrp_garp_interval)
    ));
    w(format!(
        " Gratuitous NA interval = {:.6}",
        f(g.vrrp_gna_interval)
    ));
    w(format!(
        " VRRP default protocol version = {}",
        g.vrrp_version.unwrap_or(2)
    ));
    if let Some(t) = &g.firewall.nftables {
        w(format!(" nftables table name = {t}"));
        w(format!(
            " nftables base chain priority = {}",
            g.firewall.nftables_priority.unwrap_or(-1)
        ));
        let dont = if g.firewall.nftables_ifindex {
            ""
        } else {
            "don't "
        };
        w(format!(
            " nftables {dont}force use ifindex for link local IPv6"
        ));
    }
    let with = if g.firewall.nftables_counters {
        ""
    } else {
        "out"
    };
    w(format!(" nftables with{with} counters"));
    w(" libnftnl version 1.2.3".into());
    w(format!(
        " VRRP check unicast_src = {}",
        g.vrrp_check_unicast_src
    ));
    w(format!(
        " VRRP skip check advert addresses = {}",
        g.vrrp_skip_check_adv_addr
    ));
    w(format!(" VRRP strict mode = {}", g.vrrp_strict));
    match g.max_auto_priority {
        Some(-1) => w(" Max auto priority = Disabled".into()),
        p => w(format!(" Max auto priority = {}", p.unwrap_or(0))),
    }
    w(format!(
        " Min auto priority delay = {} usecs",
        g.min_auto_priority_delay.unwrap_or(1_000_000)
    ));
}

fn process_lines(w: &mut impl FnMut(String), g: &GlobalDefs) {
    for (what, p) in [
        ("VRRP", &g.vrrp_process),
        ("Checker", &g.checker_process),
        ("BFD", &g.bfd_process),
    ] {
        w(format!(
            " {what} process priority = {}",
            p.priority.unwrap_or(0)
        ));
        w(format!(" {what} don't swap = {}", p.no_swap));
        w(format!(
            " {what} realtime priority = {}",
            p.rt_priority.unwrap_or(0)
        ));
        w(format!(
            " {what} realtime limit = {}",
            p.rlimit_rttime.unwrap_or(10_000)
        ));
    }
    for line in [
        " SNMP vrrp disabled",
        " SNMP checker disabled",
        " SNMP RFCv2 disabled",
        " SNMP RFCv3 disabled",
        " SNMP traps disabled",
        " SNMP socket = default (unix:/var/agentx/master)",
    ] {
        w(line.into());
    }
    let dbus = if g.dbus.enable { "enabled" } else { "disabled" };
    w(format!(" DBus {dbus}"));
    let name = g.dbus.service_name.as_deref().unwrap_or("");
    w(format!(" DBus service name = {name}"));
    let sec = if g.enable_script_security {
        "enabled"
    } else {
        "disabled"
    };
    w(format!(" Script security {sec}"));
    w(" Default script uid:gid 0:0".into());
    let b = &g.netlink_bufs;
    for (name, r) in [
        ("vrrp_netlink_cmd", &b.vrrp_cmd),
        ("vrrp_netlink_monitor", &b.vrrp_monitor),
        ("process_monitor", &b.process_monitor),
        ("lvs_netlink_cmd", &b.lvs_cmd),
        ("lvs_netlink_monitor", &b.lvs_monitor),
    ] {
        w(format!(" {name}_rcv_bufs = {}", r.size.unwrap_or(0)));
        w(format!(
            " {name}_rcv_bufs_force = {}",
            u8::from(r.force.unwrap_or(false))
        ));
    }
    w(format!(
        " rs_init_notifies = {}",
        u8::from(g.rs_init_notifies)
    ));
    w(format!(
        " no_checker_emails = {}",
        u8::from(g.no_checker_emails)
    ));
    w(format!(
        " rx_bufs_multiples = {}",
        g.vrrp_rx_bufs_multiplier.unwrap_or(3)
    ));
    w(format!(" umask = 0{:o}", g.umask.unwrap_or(0o177)));
    if let Some(d) = g.vrrp_startup_delay {
        w(format!(" vrrp_startup_delay = {}", d.as_secs_f64()));
    }
    if g.log_unknown_vrids {
        w(" log_unknown_vrids".into());
    }
    if let Some(p) = &g.vmac_prefix {
        w(format!(" VMAC prefix = {p}"));
    }
    if let Some(p) = &g.vmac_addr_prefix {
        w(format!(" VMAC address prefix = {p}"));
    }
}

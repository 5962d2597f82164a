//! Printing `global_defs` and the root process keywords back as
//! keepalived.conf text (canonical spelling, one keyword per line).

use std::time::Duration;

use super::{
    Firewall, GlobalDefs, LvsFlushOnStop, LvsSyncDaemon, NetlinkBufs,
    ProcessSched, RcvBufs, Reload, RxBufsPolicy,
};
use crate::build::cx::fmt_secs;
use crate::model::vrrp::fmt_cmd;
use crate::print::{Printer, quote};

// ===== impl GlobalDefs =====

impl GlobalDefs {
    /// Prints the root keywords, then `global_defs { … }`.
    pub fn print(&self, p: &mut Printer) {
        p.opt("net_namespace", self.net_namespace.as_deref().map(word));
        if let Some(ns) = &self.net_namespace_ipvs {
            p.line("net_namespace_ipvs", ns.iter());
        }
        flag(p, "namespace_with_ipsets", self.namespace_with_ipsets);
        p.opt("instance", self.instance.as_deref().map(word));
        flag(p, "use_pid_dir", self.use_pid_dir);
        p.opt("child_wait_time", self.child_wait_time);
        flag(p, "linkbeat_use_polling", self.linkbeat_use_polling);
        p.block("global_defs", std::iter::empty::<&str>(), |p| {
            self.print_processes(p);
            self.print_email(p);
            self.print_scripts(p);
            self.print_vrrp(p);
            self.print_fifos(p);
            self.print_lvs(p);
            print_firewall(p, &self.firewall);
            self.print_snmp_dbus(p);
            print_netlink(p, &self.netlink_bufs);
            self.print_misc(p);
            print_reload(p, &self.reload);
        });
    }

    fn print_processes(&self, p: &mut Printer) {
        flag(p, "process_names", self.process_names);
        p.opt("process_name", self.process_name.as_deref().map(word));
        print_sched(p, "vrrp", &self.vrrp_process);
        print_sched(p, "checker", &self.checker_process);
        print_sched(p, "bfd", &self.bfd_process);
        p.opt("max_auto_priority", self.max_auto_priority);
        p.opt("min_auto_priority_delay", self.min_auto_priority_delay);
    }

    fn print_email(&self, p: &mut Printer) {
        p.opt("router_id", self.router_id.as_deref().map(word));
        if !self.notification_email.is_empty() {
            p.block("notification_email", std::iter::empty::<&str>(), |p| {
                self.notification_email.iter().for_each(|e| p.flag(e));
            });
        }
        p.opt(
            "notification_email_from",
            self.notification_email_from.as_deref().map(word),
        );
        if let Some((h, port)) = &self.smtp_server {
            p.line(
                "smtp_server",
                std::iter::once(h.clone()).chain(port.map(|x| x.to_string())),
            );
        }
        p.opt("smtp_helo_name", self.smtp_helo_name.as_deref().map(word));
        p.opt(
            "smtp_connect_timeout",
            self.smtp_connect_timeout.map(|d| d.as_secs()),
        );
        p.opt("smtp_alert", self.smtp_alert.map(on_off));
        p.opt("smtp_alert_vrrp", self.smtp_alert_vrrp.map(on_off));
        p.opt("smtp_alert_checker", self.smtp_alert_checker.map(on_off));
        flag(p, "no_email_faults", self.no_email_faults);
        flag(p, "checker_log_all_failures", self.checker_log_all_failures);
        flag(p, "rs_init_notifies", self.rs_init_notifies);
        flag(p, "no_checker_emails", self.no_checker_emails);
    }

    fn print_scripts(&self, p: &mut Printer) {
        p.opt("startup_script", self.startup_script.as_ref().map(fmt_cmd));
        p.opt("startup_script_timeout", self.startup_script_timeout);
        p.opt(
            "shutdown_script",
            self.shutdown_script.as_ref().map(fmt_cmd),
        );
        p.opt("shutdown_script_timeout", self.shutdown_script_timeout);
        if let Some((u, g)) = &self.script_user {
            p.line("script_user", std::iter::once(u).chain(g.iter()));
        }
        flag(p, "enable_script_security", self.enable_script_security);
        match self.dynamic_interfaces {
            Some(true) => p.kv("dynamic_interfaces", "allow_if_changes"),
            Some(false) => p.flag("dynamic_interfaces"),
            None => {}
        }
        p.opt("default_interface", self.default_interface.as_ref());
        flag(p, "disable_local_igmp", self.disable_local_igmp);
    }

    fn print_vrrp(&self, p: &mut Printer) {
        p.opt("vrrp_mcast_group4", self.vrrp_mcast_group4);
        p.opt("vrrp_mcast_group6", self.vrrp_mcast_group6);
        p.opt("vrrp_version", self.vrrp_version);
        let secs = |d: Option<Duration>| d.map(|d| d.as_secs());
        p.opt("vrrp_garp_master_delay", secs(self.vrrp_garp_master_delay));
        p.opt("vrrp_garp_master_repeat", self.vrrp_garp_master_repeat);
        p.opt(
            "vrrp_garp_master_refresh",
            secs(self.vrrp_garp_master_refresh),
        );
        p.opt(
            "vrrp_garp_master_refresh_repeat",
            self.vrrp_garp_master_refresh_repeat,
        );
        p.opt(
            "vrrp_garp_lower_prio_delay",
            secs(self.vrrp_garp_lower_prio_delay),
        );
        p.opt(
            "vrrp_garp_lower_prio_repeat",
            self.vrrp_garp_lower_prio_repeat,
        );
        p.opt("vrrp_garp_interval", self.vrrp_garp_interval.map(fmt_secs));
        p.opt("vrrp_gna_interval", self.vrrp_gna_interval.map(fmt_secs));
        flag(p, "vrrp_min_garp", self.vrrp_min_garp);
        if let Some((all, s)) = self.vrrp_garp_extra_if {
            let a = if all { "all " } else { "" };
            p.kv("vrrp_garp_extra_if", format!("{a}{s}"));
        }
        p.opt("vrrp_down_timer_adverts", self.vrrp_down_timer_adverts);
        p.opt(
            "vrrp_lower_prio_no_advert",
            self.vrrp_lower_prio_no_advert.map(on_off),
        );
        p.opt(
            "vrrp_higher_prio_send_advert",
            self.vrrp_higher_prio_send_advert.map(on_off),
        );
        flag(p, "vrrp_check_unicast_src", self.vrrp_check_unicast_src);
        flag(p, "vrrp_skip_check_adv_addr", self.vrrp_skip_check_adv_addr);
        flag(p, "vrrp_strict", self.vrrp_strict);
        flag(
            p,
            "vrrp_notify_priority_changes",
            self.vrrp_notify_priority_changes,
        );
        flag(
            p,
            "fifo_write_vrrp_states_on_reload",
            self.fifo_write_vrrp_states_on_reload,
        );
        p.opt("vrrp_startup_delay", self.vrrp_startup_delay.map(fmt_secs));
        flag(p, "log_unknown_vrids", self.log_unknown_vrids);
        p.opt("vmac_prefix", self.vmac_prefix.as_ref());
        p.opt("vmac_addr_prefix", self.vmac_addr_prefix.as_ref());
        match self.vrrp_rx_bufs_policy {
            Some(RxBufsPolicy::Mtu) => p.kv("vrrp_rx_bufs_policy", "MTU"),
            Some(RxBufsPolicy::Advert) => p.kv("vrrp_rx_bufs_policy", "ADVERT"),
            Some(RxBufsPolicy::Size(n)) => p.kv("vrrp_rx_bufs_policy", n),
            None => {}
        }
        p.opt("vrrp_rx_bufs_multiplier", self.vrrp_rx_bufs_multiplier);
    }

    fn print_fifos(&self, p: &mut Printer) {
        let fifos = [
            ("notify_fifo", &self.notify_fifo),
            ("vrrp_notify_fifo", &self.vrrp_notify_fifo),
            ("lvs_notify_fifo", &self.lvs_notify_fifo),
        ];
        for (kw, f) in fifos {
            let Some(f) = f else { continue };
            // A FIFO script without a FIFO keeps an empty path.
            if !f.path.is_empty() {
                let args = std::iter::once(quote(&f.path))
                    .chain(f.user.iter().cloned())
                    .chain(f.group.iter().cloned());
                p.line(kw, args);
            }
            if let Some(s) = &f.script {
                p.kv(&format!("{kw}_script"), fmt_cmd(s));
            }
        }
    }

    fn print_lvs(&self, p: &mut Printer) {
        if let Some(t) = &self.lvs_timeouts {
            let args = [("tcp", t.tcp), ("tcpfin", t.tcpfin), ("udp", t.udp)]
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| format!("{k} {v}")));
            p.line("lvs_timeouts", args);
        }
        flag(p, "lvs_flush", self.lvs_flush);
        match self.lvs_flush_on_stop {
            Some(LvsFlushOnStop::Full) => p.flag("lvs_flush_on_stop"),
            Some(LvsFlushOnStop::Vs) => p.kv("lvs_flush_on_stop", "VS"),
            None => {}
        }
        if let Some(s) = &self.lvs_sync_daemon {
            p.line("lvs_sync_daemon", sync_daemon_args(s));
        }
    }

    fn print_snmp_dbus(&self, p: &mut Printer) {
        let s = &self.snmp;
        p.opt("snmp_socket", s.socket.as_deref().map(word));
        flag(p, "enable_traps", s.enable_traps);
        flag(p, "enable_snmp_vrrp", s.vrrp);
        flag(p, "enable_snmp_checker", s.checker);
        flag(p, "enable_snmp_rfc", s.rfc);
        flag(p, "enable_snmp_rfcv2", s.rfcv2);
        flag(p, "enable_snmp_rfcv3", s.rfcv3);
        flag(p, "enable_dbus", self.dbus.enable);
        p.opt(
            "dbus_service_name",
            self.dbus.service_name.as_deref().map(word),
        );
    }

    fn print_misc(&self, p: &mut Printer) {
        p.opt("umask", self.umask.map(|m| format!("0{m:o}")));
        p.opt("random_seed", self.random_seed);
    }
}

// ===== free functions =====

fn print_sched(p: &mut Printer, process: &str, s: &ProcessSched) {
    let kw = |k: &str| format!("{process}_{k}");
    p.opt(&kw("process_name"), s.name.as_deref().map(word));
    p.opt(&kw("priority"), s.priority);
    flag(p, &kw("no_swap"), s.no_swap);
    p.opt(&kw("rt_priority"), s.rt_priority);
    if let Some(cpus) = &s.cpu_affinity {
        p.line(&kw("cpu_affinity"), cpus.iter());
    }
    p.opt(&kw("rlimit_rttime"), s.rlimit_rttime);
}

fn sync_daemon_args(s: &LvsSyncDaemon) -> Vec<String> {
    let mut a = vec![s.interface.clone()];
    if let Some(i) = &s.instance {
        a.extend(["inst".into(), i.clone()]);
    }
    let nums = [
        ("id", s.id.map(u32::from)),
        ("maxlen", s.maxlen.map(u32::from)),
        ("port", s.port.map(u32::from)),
        ("ttl", s.ttl.map(u32::from)),
    ];
    for (k, v) in nums {
        if let Some(v) = v {
            a.extend([k.to_string(), v.to_string()]);
        }
    }
    if let Some(g) = s.group {
        a.extend(["group".into(), g.to_string()]);
    }
    a
}

fn print_firewall(p: &mut Printer, f: &Firewall) {
    if let Some((i, o)) = &f.vrrp_iptables {
        p.line("vrrp_iptables", i.iter().chain(o.iter()));
    }
    if let Some(sets) = &f.vrrp_ipsets {
        p.line("vrrp_ipsets", sets.iter().map(|s| word(s)));
    }
    if let Some(t) = &f.nftables {
        p.kv("nftables", word(t));
    }
    p.opt("nftables_priority", f.nftables_priority);
    flag(p, "nftables_ifindex", f.nftables_ifindex);
    if let Some(t) = &f.nftables_ipvs {
        p.kv("nftables_ipvs", word(t));
    }
    p.opt("nftables_ipvs_priority", f.nftables_ipvs_priority);
    p.opt("nftables_ipvs_start_fwmark", f.nftables_ipvs_start_fwmark);
    flag(p, "nftables_counters", f.nftables_counters);
}

fn print_netlink(p: &mut Printer, n: &NetlinkBufs) {
    let bufs: [(&str, &RcvBufs); 5] = [
        ("vrrp_netlink_cmd_rcv_bufs", &n.vrrp_cmd),
        ("vrrp_netlink_monitor_rcv_bufs", &n.vrrp_monitor),
        ("process_monitor_rcv_bufs", &n.process_monitor),
        ("lvs_netlink_cmd_rcv_bufs", &n.lvs_cmd),
        ("lvs_netlink_monitor_rcv_bufs", &n.lvs_monitor),
    ];
    for (kw, b) in bufs {
        p.opt(kw, b.size);
        p.opt(&format!("{kw}_force"), b.force.map(on_off));
    }
}

fn print_reload(p: &mut Printer, r: &Reload) {
    p.opt("reload_check_config", r.check_config.as_deref().map(word));
    p.opt("reload_time_file", r.time_file.as_deref().map(word));
    flag(p, "reload_repeat", r.repeat);
    if let Some(f) = &r.file {
        p.line("reload_file", f.iter().map(|s| word(s)));
    }
    if let Some(words) = &r.include_check {
        p.line("include_check", words.iter());
    }
    p.opt("config_save_dir", r.config_save_dir.as_deref().map(word));
    p.opt(
        "tmp_config_directory",
        r.tmp_config_directory.as_deref().map(word),
    );
    p.opt("data_use_instance", r.data_use_instance.map(on_off));
}

/// A generic-tokenizer word: quoted when empty or holding whitespace
/// (keepalived's tokenizer keeps `"a b"` as one word, without escapes).
fn word(s: &str) -> String {
    if s.is_empty() || s.contains(char::is_whitespace) {
        format!("\"{s}\"")
    } else {
        s.to_string()
    }
}

fn flag(p: &mut Printer, kw: &str, on: bool) {
    if on {
        p.flag(kw);
    }
}

fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

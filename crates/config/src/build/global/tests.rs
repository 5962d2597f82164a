//! Tests of the `global_defs` builder: every keyword typed, keepalived's
//! range checks and fallbacks, and printing back.

use std::time::Duration;

use crate::build::{Cx, build, testutil::items};
use crate::diag::{Category, Diagnostics, Severity};
use crate::model::Config;
use crate::model::global::{
    LvsFlushOnStop, LvsSyncDaemon, LvsTimeouts, RcvBufs, RxBufsPolicy,
};

fn load(text: &str) -> (Config, Diagnostics) {
    let mut cx = Cx::new();
    let c = build(&items(text), &mut cx);
    (c, cx.diags)
}

fn errors(d: &Diagnostics) -> Vec<String> {
    d.iter()
        .filter(|x| x.severity == Severity::Error)
        .map(|x| x.message.clone())
        .collect()
}

fn unsupported(d: &Diagnostics) -> Vec<String> {
    d.iter()
        .filter(|x| x.category == Category::Unsupported)
        .map(|x| x.message.clone())
        .collect()
}

fn global(body: &str) -> (Config, Diagnostics) {
    load(&format!("global_defs {{\n{body}\n}}\n"))
}

/// Every keyword keepalived 2.2.7 accepts without an error.
const ALL: &str = "
linkbeat_use_polling
use_pid_dir
child_wait_time 7
global_defs {
    process_names
    process_name ka
    vrrp_process_name ka_vrrp
    checker_process_name ka_check
    bfd_process_name ka_bfd
    router_id LB1
    notification_email_from ka@example.org
    smtp_server 192.0.2.25 2525
    smtp_helo_name lb1
    smtp_connect_timeout 12
    notification_email {
        ops@example.org
    }
    smtp_alert off
    startup_script \"/usr/local/bin/up\"
    startup_script_timeout 20
    shutdown_script /usr/local/bin/down
    shutdown_script_timeout 30
    max_auto_priority 10
    min_auto_priority_delay 5000
    smtp_alert_vrrp on
    smtp_alert_checker off
    checker_log_all_failures
    dynamic_interfaces allow_if_changes
    no_email_faults
    default_interface eth1
    disable_local_igmp
    lvs_timeouts tcp 900 tcpfin 120 udp 300
    lvs_flush
    lvs_flush_on_stop VS
    lvs_sync_daemon eth0 inst VI_1 id 4 maxlen 1400 port 8850 ttl 2 group 239.0.0.81
    vrrp_mcast_group4 224.0.0.19
    vrrp_mcast_group6 ff02::13
    vrrp_garp_master_delay 3
    vrrp_garp_master_repeat 4
    vrrp_garp_master_refresh 60
    vrrp_garp_master_refresh_repeat 2
    vrrp_garp_lower_prio_delay 1
    vrrp_garp_lower_prio_repeat 2
    vrrp_down_timer_adverts 4
    vrrp_garp_interval 0.002
    vrrp_gna_interval 0.003
    vrrp_min_garp
    vrrp_garp_extra_if all 30
    vrrp_lower_prio_no_advert
    vrrp_higher_prio_send_advert off
    vrrp_version 3
    nftables ka_table
    nftables_priority -5
    nftables_ifindex
    nftables_ipvs ka_ipvs
    nftables_ipvs_priority -6
    nftables_ipvs_start_fwmark 2000
    nftables_counters
    vrrp_check_unicast_src
    vrrp_skip_check_adv_addr
    vrrp_strict
    vrrp_priority -10
    vrrp_no_swap
    vrrp_rt_priority 50
    vrrp_cpu_affinity 0 1
    vrrp_rlimit_rttime 20000
    notify_fifo /run/ka.fifo
    notify_fifo_script /usr/local/bin/fifo
    vrrp_notify_fifo /run/ka_vrrp.fifo root
    vrrp_notify_priority_changes
    fifo_write_vrrp_states_on_reload
    lvs_notify_fifo /run/ka_lvs.fifo
    checker_priority 5
    checker_no_swap
    checker_rt_priority 40
    checker_cpu_affinity 1
    checker_rlimit_rttime 30000
    bfd_priority -3
    bfd_no_swap
    bfd_rt_priority 60
    bfd_cpu_affinity 0
    bfd_rlimit_rttime 40000
    snmp_socket tcp:localhost:705
    enable_traps
    enable_snmp_vrrp
    enable_snmp_rfc
    enable_snmp_rfcv2
    enable_snmp_rfcv3
    enable_snmp_checker
    enable_dbus
    dbus_service_name org.example.Vrrp
    script_user root
    enable_script_security
    vrrp_netlink_cmd_rcv_bufs 1048576
    vrrp_netlink_cmd_rcv_bufs_force
    vrrp_netlink_monitor_rcv_bufs 2097152
    vrrp_netlink_monitor_rcv_bufs_force off
    process_monitor_rcv_bufs 65536
    process_monitor_rcv_bufs_force on
    lvs_netlink_cmd_rcv_bufs 131072
    lvs_netlink_cmd_rcv_bufs_force yes
    lvs_netlink_monitor_rcv_bufs 262144
    lvs_netlink_monitor_rcv_bufs_force no
    rs_init_notifies
    no_checker_emails
    vrrp_rx_bufs_policy MTU
    vrrp_rx_bufs_multiplier 4
    vrrp_startup_delay 1.5
    log_unknown_vrids
    vmac_prefix vr
    vmac_addr_prefix va
    umask 0027
    random_seed 42
    reload_check_config /tmp/ka_check.log
    reload_time_file /run/ka_reload
    reload_repeat
    reload_file /run/ka.reload
    include_check read +match
    config_save_dir /var/lib/ka/
    tmp_config_directory /run/ka_tmp
    data_use_instance
}
";

#[test]
fn every_keyword_is_typed() {
    let (c, d) = load(ALL);
    assert!(errors(&d).is_empty(), "{:?}", errors(&d));
    let g = &c.global;
    assert!(g.linkbeat_use_polling && g.use_pid_dir);
    assert_eq!(g.child_wait_time, Some(7));
    assert!(g.process_names);
    assert_eq!(g.process_name.as_deref(), Some("ka"));
    assert_eq!(g.vrrp_process.name.as_deref(), Some("ka_vrrp"));
    assert_eq!(g.checker_process.name.as_deref(), Some("ka_check"));
    assert_eq!(g.bfd_process.name.as_deref(), Some("ka_bfd"));
    assert_eq!(g.vrrp_process.priority, Some(-10));
    assert!(g.vrrp_process.no_swap);
    assert_eq!(g.vrrp_process.rt_priority, Some(50));
    assert_eq!(g.vrrp_process.cpu_affinity, Some(vec![0, 1]));
    assert_eq!(g.bfd_process.rlimit_rttime, Some(40_000));
    assert_eq!(g.max_auto_priority, Some(10));
    assert_eq!(g.min_auto_priority_delay, Some(5000));
    assert!(g.disable_local_igmp);
    assert_eq!(
        g.lvs_timeouts,
        Some(LvsTimeouts {
            tcp: Some(900),
            tcpfin: Some(120),
            udp: Some(300)
        })
    );
    assert!(g.lvs_flush);
    assert_eq!(g.lvs_flush_on_stop, Some(LvsFlushOnStop::Vs));
    assert_eq!(
        g.lvs_sync_daemon,
        Some(LvsSyncDaemon {
            interface: "eth0".into(),
            instance: Some("VI_1".into()),
            id: Some(4),
            maxlen: Some(1400),
            port: Some(8850),
            ttl: Some(2),
            group: Some("239.0.0.81".parse().unwrap()),
        })
    );
    let f = &g.firewall;
    assert_eq!(f.nftables.as_deref(), Some("ka_table"));
    assert_eq!(f.nftables_priority, Some(-5));
    assert_eq!(f.nftables_ipvs.as_deref(), Some("ka_ipvs"));
    assert_eq!(f.nftables_ipvs_start_fwmark, Some(2000));
    assert!(f.nftables_ifindex && f.nftables_counters);
    assert!(g.snmp.vrrp && g.snmp.rfc && g.snmp.checker);
    assert_eq!(g.snmp.socket.as_deref(), Some("tcp:localhost:705"));
    assert_eq!(g.dbus.service_name.as_deref(), Some("org.example.Vrrp"));
    let n = &g.netlink_bufs;
    assert_eq!(
        n.vrrp_cmd,
        RcvBufs {
            size: Some(1_048_576),
            force: Some(true)
        }
    );
    assert_eq!(n.vrrp_monitor.force, Some(false));
    assert_eq!(n.lvs_monitor.size, Some(262_144));
    assert!(g.rs_init_notifies && g.no_checker_emails);
    assert_eq!(g.vrrp_rx_bufs_policy, Some(RxBufsPolicy::Mtu));
    assert_eq!(g.vrrp_rx_bufs_multiplier, Some(4));
    assert_eq!(g.vrrp_startup_delay, Some(Duration::from_millis(1500)));
    assert_eq!(g.umask, Some(0o027));
    assert_eq!(g.random_seed, Some(42));
    let r = &g.reload;
    assert_eq!(r.check_config.as_deref(), Some("/tmp/ka_check.log"));
    assert_eq!(r.file, Some(Some("/run/ka.reload".into())));
    assert!(r.repeat);
    assert_eq!(
        r.include_check,
        Some(vec!["read".to_string(), "+match".to_string()])
    );
    assert_eq!(r.config_save_dir.as_deref(), Some("/var/lib/ka"));
    assert_eq!(r.data_use_instance, Some(true));
}

#[test]
fn only_snmp_checker_is_reported_as_not_implemented() {
    let (_, d) = load(ALL);
    let u = unsupported(&d);
    let kw = "`enable_snmp_checker`";
    assert!(u.iter().any(|m| m.starts_with(kw)), "{kw}: {u:?}");
    // Applied by the daemon (core::placement, core::smtp, core::snmp,
    // nftables, ...).
    for kw in [
        "`snmp_socket`",
        "`enable_traps`",
        "`enable_snmp_vrrp`",
        "`enable_snmp_rfc`",
        "`enable_snmp_rfcv2`",
        "`enable_snmp_rfcv3`",
        "`smtp_server`",
        "`vrrp_rt_priority`",
        "`checker_rt_priority`",
        "`bfd_rt_priority`",
        "`vrrp_cpu_affinity`",
        "`checker_cpu_affinity`",
        "`bfd_cpu_affinity`",
        "`vrrp_rlimit_rttime`",
        "`checker_rlimit_rttime`",
        "`bfd_rlimit_rttime`",
        "`vrrp_no_swap`",
        "`max_auto_priority`",
        "`min_auto_priority_delay`",
        "`nftables`",
        "`umask`",
        "`vrrp_priority`",
        "`lvs_flush`",
        "`linkbeat_use_polling`",
        "`data_use_instance`",
        "`fifo_write_vrrp_states_on_reload`",
        "`enable_dbus`",
        "`dbus_service_name`",
    ] {
        assert!(!u.iter().any(|m| m.starts_with(kw)), "{kw}: {u:?}");
    }
}

#[test]
fn root_namespace_keywords_are_not_reported_as_not_implemented() {
    let (c, d) = load("net_namespace blue\nnamespace_with_ipsets\n");
    assert!(unsupported(&d).is_empty(), "{:?}", unsupported(&d));
    assert!(errors(&d).is_empty(), "{:?}", errors(&d));
    assert_eq!(c.global.net_namespace.as_deref(), Some("blue"));
    assert!(c.global.namespace_with_ipsets);
}

#[test]
fn all_keywords_print_back_to_the_same_model() {
    let (c1, _) = load(ALL);
    let printed = crate::print(&c1);
    let (c2, d2) = load(&printed);
    assert!(errors(&d2).is_empty(), "{:?}\n{printed}", errors(&d2));
    assert_eq!(c1.global, c2.global, "printed:\n{printed}");
}

#[test]
fn root_keywords_are_unknown_inside_global_defs() {
    let (c, d) = global("linkbeat_use_polling\nnet_namespace x");
    assert!(!c.global.linkbeat_use_polling);
    assert_eq!(c.global.net_namespace, None);
    assert_eq!(errors(&d).len(), 2, "{:?}", errors(&d));
}

#[test]
fn duplicates_keep_the_first() {
    let (c, d) = load(
        "instance a\ninstance b\nglobal_defs {\nnftables t1\nnftables t2\n\
         vmac_prefix p1\nvmac_prefix p2\nsnmp_socket s1\nsnmp_socket s2\n\
         tmp_config_directory /a\ntmp_config_directory /b\n}\n",
    );
    let g = &c.global;
    assert_eq!(g.instance.as_deref(), Some("a"));
    assert_eq!(g.firewall.nftables.as_deref(), Some("t1"));
    assert_eq!(g.vmac_prefix.as_deref(), Some("p1"));
    assert_eq!(g.snmp.socket.as_deref(), Some("s1"));
    assert_eq!(g.reload.tmp_config_directory.as_deref(), Some("/a"));
    assert_eq!(errors(&d).len(), 5, "{:?}", errors(&d));
}

#[test]
fn process_settings_range_checks() {
    let (c, d) = global(
        "vrrp_process_name a_very_long_process_name\nvrrp_priority 20\n\
         checker_rt_priority 150\nbfd_rlimit_rttime 1\n\
         max_auto_priority\nmin_auto_priority_delay 0",
    );
    let g = &c.global;
    // Truncated to 15 bytes, reported.
    assert_eq!(g.vrrp_process.name.as_deref(), Some("a_very_long_pro"));
    // An invalid nice value resets to 0.
    assert_eq!(g.vrrp_process.priority, Some(0));
    // Clamped to the SCHED_RR maximum, reported.
    assert_eq!(g.checker_process.rt_priority, Some(99));
    // 1 becomes 2 silently.
    assert_eq!(g.bfd_process.rlimit_rttime, Some(2));
    assert_eq!(g.max_auto_priority, Some(99));
    assert_eq!(g.min_auto_priority_delay, None);
    assert_eq!(errors(&d).len(), 4, "{:?}", errors(&d));
}

#[test]
fn lvs_keywords_report_bad_options() {
    let (c, d) = global(
        "lvs_timeouts tcp 99999999 udp 10 foo\nlvs_flush_on_stop ALL\n\
         lvs_sync_daemon eth0 VI_1 7 group 192.0.2.1",
    );
    let g = &c.global;
    assert_eq!(
        g.lvs_timeouts,
        Some(LvsTimeouts {
            udp: Some(10),
            ..LvsTimeouts::default()
        })
    );
    assert_eq!(g.lvs_flush_on_stop, None);
    let s = g.lvs_sync_daemon.as_ref().unwrap();
    // The old positional `IF VI SYNCID` form is accepted, with a report
    // for the bare id.
    assert_eq!(s.instance.as_deref(), Some("VI_1"));
    assert_eq!(s.id, Some(7));
    assert_eq!(s.group, None);
    // tcp value, unknown `foo`, flush type, bare syncid, group.
    assert_eq!(errors(&d).len(), 5, "{:?}", errors(&d));
}

#[test]
fn vrrp_ipsets_is_unknown_as_in_the_reference_build() {
    // keepalived compat: Debian's 2.2.7 is built without ipset support.
    let (c, d) = global("vrrp_ipsets keepalived \"\"");
    assert_eq!(c.global.firewall.vrrp_ipsets, None);
    assert_eq!(errors(&d), ["unknown keyword `vrrp_ipsets`"]);
    assert!(unsupported(&d).is_empty(), "{:?}", unsupported(&d));
}

#[test]
fn vrrp_iptables_falls_back_to_nftables() {
    let (c, d) =
        global("nftables mine\nnftables_priority 7\nvrrp_iptables IN OUT");
    let f = &c.global.firewall;
    assert_eq!(
        f.vrrp_iptables,
        Some((Some("IN".into()), Some("OUT".into())))
    );
    // keepalived compat: the table becomes `keepalived` at priority -1.
    assert_eq!(f.nftables.as_deref(), Some("keepalived"));
    assert_eq!(f.nftables_priority, None);
    assert_eq!(
        errors(&d),
        [
            "iptables not supported, using nftables instead. Please replace 'vrrp_iptables and 'vrrp_ipsets' with 'nftables' config option"
        ]
    );
    assert!(unsupported(&d).is_empty(), "{:?}", unsupported(&d));
    // A later `nftables` is a duplicate.
    let (c, d) = global("vrrp_iptables\nnftables other");
    assert_eq!(c.global.firewall.nftables.as_deref(), Some("keepalived"));
    assert_eq!(errors(&d)[1], "nftables already specified - ignoring");
}

#[test]
fn naming_the_nftables_table_resets_its_priority() {
    let (c, _) = global(
        "nftables_priority 3\nnftables_ipvs_priority 4\nnftables\nnftables_ipvs",
    );
    let f = &c.global.firewall;
    assert_eq!(
        (f.nftables_priority, f.nftables_ipvs_priority),
        (None, None)
    );
}

#[test]
fn umask_forms() {
    for (arg, want) in [
        ("0177", Some(0o177)),
        ("0x3f", Some(0o77)),
        ("18", Some(18)),
        ("IRWXU", None),
        ("IWGRP|IWOTH", Some(0o022)),
        ("IWGRP | IWOTH", Some(0o022)),
        ("IWGRP|", None),
        ("01000", None),
        ("IWGRP IWOTH", None),
    ] {
        let (c, d) = global(&format!("umask {arg}"));
        assert_eq!(c.global.umask, want, "{arg}");
        assert_eq!(errors(&d).is_empty(), want.is_some(), "{arg}");
    }
}

#[test]
fn rx_bufs_policy_quirks() {
    let (c, d) = global("vrrp_rx_bufs_policy mtu advert");
    assert_eq!(c.global.vrrp_rx_bufs_policy, Some(RxBufsPolicy::Mtu));
    assert_eq!(errors(&d).len(), 1);
    let (c, d) = global("vrrp_rx_bufs_policy 4096");
    assert_eq!(c.global.vrrp_rx_bufs_policy, Some(RxBufsPolicy::Size(4096)));
    assert!(errors(&d).is_empty());
    // keepalived reads the size from the first word only.
    let (c, d) = global("vrrp_rx_bufs_policy MTU 4096");
    assert_eq!(c.global.vrrp_rx_bufs_policy, Some(RxBufsPolicy::Mtu));
    assert_eq!(errors(&d).len(), 1);
    let (c, d) = global("vrrp_rx_bufs_multiplier 0");
    assert_eq!(c.global.vrrp_rx_bufs_multiplier, None);
    assert_eq!(errors(&d).len(), 1);
}

#[test]
fn netlink_zero_size_is_ignored() {
    let (c, d) = global(
        "vrrp_netlink_cmd_rcv_bufs 0\nlvs_netlink_cmd_rcv_bufs_force maybe",
    );
    assert_eq!(c.global.netlink_bufs.vrrp_cmd, RcvBufs::default());
    assert_eq!(errors(&d).len(), 1);
}

#[test]
fn reload_and_include_check() {
    let (c, d) = global(
        "reload_check_config\nreload_file\nreload_time_file\n\
         include_check -read +wildcard_match",
    );
    let r = &c.global.reload;
    assert_eq!(r.check_config.as_deref(), Some("/dev/null"));
    assert_eq!(r.file, Some(None));
    assert_eq!(r.time_file, None);
    assert_eq!(
        r.include_check,
        Some(vec!["-read".to_string(), "+wildcard_match".to_string()])
    );
    assert_eq!(errors(&d), ["reload_time_file invalid"]);
}

#[test]
fn keywords_nothing_acts_on_are_reported_not_ignored() {
    for kw in super::NOT_ACTED_ON {
        let (_, d) = global(&format!("{kw} 1"));
        let want = format!("`{kw}` is accepted but not implemented");
        assert!(
            unsupported(&d).iter().any(|m| m.starts_with(&want)),
            "{kw}: {:?}",
            unsupported(&d)
        );
    }
    let (_, d) = load("net_namespace_ipvs x\n");
    assert_eq!(unsupported(&d).len(), 1, "{:?}", unsupported(&d));
}

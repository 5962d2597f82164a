//! `global_defs` and root-level process settings (keepalived
//! `global_parser.c`; defaults from `global_data.c`).
//!
//! Every keyword keepalived 2.2.7 accepts has a typed field. Fields are
//! `None`/`false` when the keyword is absent, so that printing gives back
//! only what was written; keepalived's defaults are noted on each field
//! and applied by the consumers.

mod print;
mod types;

pub use types::{
    Dbus, Firewall, LvsFlushOnStop, LvsSyncDaemon, LvsTimeouts, NetlinkBufs,
    ProcessSched, RcvBufs, Reload, RxBufsPolicy, Snmp,
};

use std::net::IpAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::model::vrrp::ScriptCmd;

/// A notify FIFO: `notify_fifo PATH [USER [GROUP]]` and its script.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct Fifo {
    /// FIFO path.
    pub path: String,
    /// Owner user.
    pub user: Option<String>,
    /// Owner group.
    pub group: Option<String>,
    /// `*_fifo_script` reading it (the path is appended as last argument).
    pub script: Option<ScriptCmd>,
}

/// `global_defs { … }` plus the root keywords such as `net_namespace`.
#[derive(Clone, Debug, Default, PartialEq)]
#[derive(Serialize, Deserialize)]
pub struct GlobalDefs {
    /// Root `net_namespace`.
    pub net_namespace: Option<String>,
    /// Root `net_namespace_ipvs [NAME]` (`Some(None)`: default namespace).
    pub net_namespace_ipvs: Option<Option<String>>,
    /// Root `namespace_with_ipsets`.
    pub namespace_with_ipsets: bool,
    /// Root `instance`.
    pub instance: Option<String>,
    /// Root `use_pid_dir`.
    pub use_pid_dir: bool,
    /// Root `child_wait_time` (seconds; keepalived default 5).
    pub child_wait_time: Option<u32>,
    /// Root `linkbeat_use_polling`.
    // keepalived compat: a root keyword only; inside `global_defs` it is
    // an unknown keyword (a configuration error).
    pub linkbeat_use_polling: bool,
    /// `router_id`; keepalived's default is the host name.
    pub router_id: Option<String>,
    /// `notification_email { … }`.
    pub notification_email: Vec<String>,
    /// `notification_email_from`.
    pub notification_email_from: Option<String>,
    /// `smtp_server HOST [PORT]` (port default 25).
    pub smtp_server: Option<(String, Option<u16>)>,
    /// `smtp_helo_name`.
    pub smtp_helo_name: Option<String>,
    /// `smtp_connect_timeout` (default 30 s).
    // keepalived compat: 0 is accepted with an error and becomes 1 s.
    pub smtp_connect_timeout: Option<Duration>,
    /// `smtp_alert`.
    pub smtp_alert: Option<bool>,
    /// `smtp_alert_vrrp`.
    pub smtp_alert_vrrp: Option<bool>,
    /// `smtp_alert_checker`.
    pub smtp_alert_checker: Option<bool>,
    /// `no_email_faults`.
    pub no_email_faults: bool,
    /// `checker_log_all_failures`.
    pub checker_log_all_failures: bool,
    /// `rs_init_notifies`.
    pub rs_init_notifies: bool,
    /// `no_checker_emails`.
    pub no_checker_emails: bool,
    /// `startup_script`.
    pub startup_script: Option<ScriptCmd>,
    /// `startup_script_timeout` (1..=1000 s, default 10).
    pub startup_script_timeout: Option<u32>,
    /// `shutdown_script`.
    pub shutdown_script: Option<ScriptCmd>,
    /// `shutdown_script_timeout` (1..=1000 s, default 10).
    pub shutdown_script_timeout: Option<u32>,
    /// `script_user USER [GROUP]`; default `keepalived_script` if that
    /// user exists, else root.
    // keepalived compat: a missing user or group is an error, and then
    // every script without its own user is dropped (validate/scripts.rs).
    pub script_user: Option<(String, Option<String>)>,
    /// `enable_script_security`.
    pub enable_script_security: bool,
    /// `dynamic_interfaces [allow_if_changes]`: `Some(allow_if_changes)`.
    pub dynamic_interfaces: Option<bool>,
    /// `default_interface` (keepalived default `eth0`).
    // keepalived compat: only used for static addresses without `dev`;
    // if it does not exist such addresses are dropped (validate/iface.rs).
    pub default_interface: Option<String>,
    /// `vrrp_mcast_group4` (default 224.0.0.18).
    pub vrrp_mcast_group4: Option<IpAddr>,
    /// `vrrp_mcast_group6` (default ff02::12).
    pub vrrp_mcast_group6: Option<IpAddr>,
    /// `vrrp_version` (default 2).
    pub vrrp_version: Option<u8>,
    /// `vrrp_garp_master_delay` (default 5 s).
    pub vrrp_garp_master_delay: Option<Duration>,
    /// `vrrp_garp_master_repeat` (default 5).
    // keepalived compat: 0 (pre-2.0.7) is reported and becomes 1.
    pub vrrp_garp_master_repeat: Option<u32>,
    /// `vrrp_garp_master_refresh` (default 0: off).
    pub vrrp_garp_master_refresh: Option<Duration>,
    /// `vrrp_garp_master_refresh_repeat` (default 1).
    pub vrrp_garp_master_refresh_repeat: Option<u32>,
    /// `vrrp_garp_lower_prio_delay` (default: master delay).
    pub vrrp_garp_lower_prio_delay: Option<Duration>,
    /// `vrrp_garp_lower_prio_repeat` (default: master repeat).
    pub vrrp_garp_lower_prio_repeat: Option<u32>,
    /// `vrrp_garp_interval` (default 0).
    // keepalived compat: the minimum is 1 µs, so the shipped sample's
    // `vrrp_garp_interval 0` is a configuration error.
    pub vrrp_garp_interval: Option<Duration>,
    /// `vrrp_gna_interval` (default 0).
    pub vrrp_gna_interval: Option<Duration>,
    /// `vrrp_min_garp`.
    pub vrrp_min_garp: bool,
    /// `vrrp_garp_extra_if [all] SECS` as (all, seconds).
    pub vrrp_garp_extra_if: Option<(bool, u32)>,
    /// `vrrp_down_timer_adverts` (1..=100, default 3).
    pub vrrp_down_timer_adverts: Option<u32>,
    /// `vrrp_lower_prio_no_advert`.
    pub vrrp_lower_prio_no_advert: Option<bool>,
    /// `vrrp_higher_prio_send_advert`.
    pub vrrp_higher_prio_send_advert: Option<bool>,
    /// `vrrp_check_unicast_src`.
    pub vrrp_check_unicast_src: bool,
    /// `vrrp_skip_check_adv_addr`.
    pub vrrp_skip_check_adv_addr: bool,
    /// `vrrp_strict`.
    pub vrrp_strict: bool,
    /// `notify_fifo` (+ `notify_fifo_script`).
    // keepalived compat: a FIFO script without a FIFO is kept (empty
    // path): it is never run, but still counts for script security.
    pub notify_fifo: Option<Fifo>,
    /// `vrrp_notify_fifo` (+ script).
    pub vrrp_notify_fifo: Option<Fifo>,
    /// `lvs_notify_fifo` (+ script).
    pub lvs_notify_fifo: Option<Fifo>,
    /// `vrrp_notify_priority_changes`.
    pub vrrp_notify_priority_changes: bool,
    /// `fifo_write_vrrp_states_on_reload`.
    pub fifo_write_vrrp_states_on_reload: bool,
    /// `vrrp_startup_delay`.
    pub vrrp_startup_delay: Option<Duration>,
    /// `log_unknown_vrids`.
    pub log_unknown_vrids: bool,
    /// `vmac_prefix` (default `vrrp`).
    // keepalived compat: a second `vmac_prefix` is reported and ignored.
    pub vmac_prefix: Option<String>,
    /// `vmac_addr_prefix` (default: `vmac_prefix`).
    pub vmac_addr_prefix: Option<String>,
    /// `process_names`: default names for every child process.
    pub process_names: bool,
    /// `process_name` of the parent process (at most 15 bytes).
    pub process_name: Option<String>,
    /// VRRP process name and scheduling (`vrrp_process_name`,
    /// `vrrp_priority`, …).
    pub vrrp_process: ProcessSched,
    /// Checker process name and scheduling (`checker_process_name`,
    /// deprecated `lvs_process_name`, `checker_priority`, …).
    pub checker_process: ProcessSched,
    /// BFD process name and scheduling (`bfd_process_name`, …).
    pub bfd_process: ProcessSched,
    /// `max_auto_priority [N]` (-1..=99; no argument: 99).
    // keepalived compat: 99 is `sched_get_priority_max(SCHED_RR)` on Linux.
    pub max_auto_priority: Option<i32>,
    /// `min_auto_priority_delay` in microseconds (1..=10 000 000).
    pub min_auto_priority_delay: Option<u32>,
    /// `disable_local_igmp`.
    pub disable_local_igmp: bool,
    /// `lvs_timeouts`.
    pub lvs_timeouts: Option<LvsTimeouts>,
    /// `lvs_flush`.
    pub lvs_flush: bool,
    /// `lvs_flush_on_stop` (deprecated `lvs_flush_onstop`).
    pub lvs_flush_on_stop: Option<LvsFlushOnStop>,
    /// `lvs_sync_daemon`.
    pub lvs_sync_daemon: Option<LvsSyncDaemon>,
    /// Firewall keywords (`nftables*`, `vrrp_iptables`, `vrrp_ipsets`).
    pub firewall: Firewall,
    /// SNMP keywords.
    pub snmp: Snmp,
    /// DBus keywords.
    pub dbus: Dbus,
    /// Netlink socket buffer keywords.
    pub netlink_bufs: NetlinkBufs,
    /// `vrrp_rx_bufs_policy`.
    pub vrrp_rx_bufs_policy: Option<RxBufsPolicy>,
    /// `vrrp_rx_bufs_multiplier` (default 3).
    pub vrrp_rx_bufs_multiplier: Option<u32>,
    /// `umask` as permission bits (keepalived default 0o177).
    // keepalived compat: a number is read with C `strtol` base 0 (`0177`
    // octal, `0x7f` hex); `IWGRP|IWOTH` names bits; a command-line `-m`
    // overrides it.
    pub umask: Option<u32>,
    /// `random_seed`.
    // keepalived compat: it seeds `${_RANDOM}` only for lines read after
    // it; the preprocessor applies it.
    pub random_seed: Option<u32>,
    /// Reload and configuration-file keywords.
    pub reload: Reload,
}

/// keepalived compat: `DFLT_INT`, the `default_interface` when none is
/// configured.
pub const DEFAULT_INTERFACE: &str = "eth0";

impl GlobalDefs {
    /// `default_interface`, else [`DEFAULT_INTERFACE`]: where a static
    /// address without `dev` goes.
    pub fn default_interface_or_eth0(&self) -> &str {
        self.default_interface
            .as_deref()
            .unwrap_or(DEFAULT_INTERFACE)
    }
}

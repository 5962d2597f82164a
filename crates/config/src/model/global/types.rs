//! The grouped `global_defs` settings: per-process scheduling, LVS
//! globals, firewall tables, SNMP/DBus, netlink buffers and reload
//! control.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// Scheduling settings of one child process (`vrrp_*`, `checker_*` or
/// `bfd_*` keywords; `checker_*` is also spelled `lvs_*` for the name).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct ProcessSched {
    /// `*_process_name` (at most 15 bytes, keepalived truncates).
    pub name: Option<String>,
    /// `*_priority`: nice value, -20..=19 (keepalived default 0).
    pub priority: Option<i8>,
    /// `*_no_swap`: lock the process in memory.
    pub no_swap: bool,
    /// `*_rt_priority`: SCHED_RR priority, clamped to 1..=99.
    pub rt_priority: Option<u32>,
    /// `*_cpu_affinity`: CPU ids.
    pub cpu_affinity: Option<Vec<u32>>,
    /// `*_rlimit_rttime` (deprecated `*_rlimit_rtime`): RLIMIT_RTTIME in
    /// microseconds, at least 2 (keepalived default 10000).
    pub rlimit_rttime: Option<u32>,
}

impl ProcessSched {
    /// True when nothing is configured.
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// `lvs_timeouts [tcp S] [tcpfin S] [udp S]` (seconds, 0..=2 678 400).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct LvsTimeouts {
    /// `tcp`.
    pub tcp: Option<u32>,
    /// `tcpfin`.
    pub tcpfin: Option<u32>,
    /// `udp`.
    pub udp: Option<u32>,
}

/// `lvs_flush_on_stop [VS]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum LvsFlushOnStop {
    /// No argument: flush the whole IPVS table.
    Full,
    /// `VS`: remove only the configured virtual servers.
    Vs,
}

/// `lvs_sync_daemon IF [inst] VI [id N] [maxlen N] [port N] [ttl N]
/// [group ADDR]`: the IPVS connection synchronisation daemon.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct LvsSyncDaemon {
    /// Interface the daemon sends and receives on (< 16 bytes).
    pub interface: String,
    /// VRRP instance whose state decides master/backup.
    pub instance: Option<String>,
    /// `id` (0..=255); default the instance's VRID.
    pub id: Option<u8>,
    /// `maxlen` (1..=65507).
    pub maxlen: Option<u16>,
    /// `port` (default 8848).
    pub port: Option<u16>,
    /// `ttl` (1..=255).
    pub ttl: Option<u8>,
    /// `group` multicast address (default 224.0.0.81).
    pub group: Option<IpAddr>,
}

/// `vrrp_rx_bufs_policy MTU|ADVERT|SIZE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum RxBufsPolicy {
    /// Size the receive buffer from the interface MTU.
    Mtu,
    /// Size it from the advert size.
    Advert,
    /// A fixed size in bytes.
    Size(u32),
}

/// A netlink socket receive buffer: `*_rcv_bufs N` and `*_rcv_bufs_force`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct RcvBufs {
    /// Size in bytes; `None` keeps the kernel default.
    pub size: Option<u32>,
    /// `*_force`: use SO_RCVBUFFORCE.
    pub force: Option<bool>,
}

/// The netlink and process-monitor socket buffers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct NetlinkBufs {
    /// `vrrp_netlink_cmd_rcv_bufs`.
    pub vrrp_cmd: RcvBufs,
    /// `vrrp_netlink_monitor_rcv_bufs`.
    pub vrrp_monitor: RcvBufs,
    /// `process_monitor_rcv_bufs`.
    pub process_monitor: RcvBufs,
    /// `lvs_netlink_cmd_rcv_bufs`.
    pub lvs_cmd: RcvBufs,
    /// `lvs_netlink_monitor_rcv_bufs`.
    pub lvs_monitor: RcvBufs,
}

/// nftables/iptables/ipsets firewall settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct Firewall {
    /// `vrrp_iptables [IN [OUT]]`: (in chain, out chain).
    pub vrrp_iptables: Option<(Option<String>, Option<String>)>,
    /// `vrrp_ipsets [NAMES…]`; `Some(empty)` disables ipsets.
    pub vrrp_ipsets: Option<Vec<String>>,
    /// `nftables [TABLE]` (default table `keepalived`).
    pub nftables: Option<String>,
    /// `nftables_priority` (default -1).
    pub nftables_priority: Option<i32>,
    /// `nftables_ifindex`.
    pub nftables_ifindex: bool,
    /// `nftables_ipvs [TABLE]` (default table `keepalived_ipvs`).
    pub nftables_ipvs: Option<String>,
    /// `nftables_ipvs_priority` (default -1).
    pub nftables_ipvs_priority: Option<i32>,
    /// `nftables_ipvs_start_fwmark` (default 1000).
    pub nftables_ipvs_start_fwmark: Option<u32>,
    /// `nftables_counters`.
    pub nftables_counters: bool,
}

/// SNMP AgentX settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct Snmp {
    /// `snmp_socket` (default `unix:/var/agentx/master`).
    pub socket: Option<String>,
    /// `enable_traps`.
    pub enable_traps: bool,
    /// `enable_snmp_vrrp` (deprecated `enable_snmp_keepalived`).
    pub vrrp: bool,
    /// `enable_snmp_checker`.
    pub checker: bool,
    /// `enable_snmp_rfc` (both RFC MIBs).
    pub rfc: bool,
    /// `enable_snmp_rfcv2`.
    pub rfcv2: bool,
    /// `enable_snmp_rfcv3`.
    pub rfcv3: bool,
}

/// DBus settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct Dbus {
    /// `enable_dbus`.
    pub enable: bool,
    /// `dbus_service_name` (default `org.keepalived.Vrrp1`).
    pub service_name: Option<String>,
}

/// Reload control and configuration file handling.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct Reload {
    /// `reload_check_config [LOGFILE]` (no file: `/dev/null`).
    pub check_config: Option<String>,
    /// `reload_time_file PATH`.
    pub time_file: Option<String>,
    /// `reload_repeat`.
    pub repeat: bool,
    /// `reload_file [PATH]`: `Some(None)` is keepalived's default path.
    pub file: Option<Option<String>>,
    /// `include_check [±opts…]`, words verbatim (applied by the
    /// preprocessor).
    pub include_check: Option<Vec<String>>,
    /// `config_save_dir DIR` (a trailing `/` removed).
    pub config_save_dir: Option<String>,
    /// `tmp_config_directory DIR`.
    pub tmp_config_directory: Option<String>,
    /// `data_use_instance [BOOL]`.
    pub data_use_instance: Option<bool>,
}

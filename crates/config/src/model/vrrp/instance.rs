//! `vrrp_instance NAME { … }`.

use std::net::IpAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::track::{ScriptCmd, Trackers};
use super::{IpAddress, Loc, Route, Rule};

/// The initial state asked for with `state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum InstanceState {
    /// `state MASTER`.
    Master,
    /// `state BACKUP`.
    Backup,
}

/// VRRP protocol version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum VrrpVersion {
    /// RFC 3768.
    V2,
    /// RFC 5798.
    V3,
}

/// `auth_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum AuthType {
    /// Clear-text password.
    Pass,
    /// IPsec AH (HMAC-MD5-96).
    Ah,
}

/// `authentication { auth_type …; auth_pass … }` (VRRPv2, IPv4).
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct Auth {
    /// PASS or AH.
    pub auth_type: AuthType,
    /// The password, at most 8 bytes (keepalived truncates).
    pub pass: String,
}

/// A `unicast_peer` entry: `ADDR [min_ttl N] [max_ttl N]`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct UnicastPeer {
    /// Peer address.
    pub addr: IpAddr,
    /// Lowest TTL accepted (default 0).
    pub min_ttl: u8,
    /// Highest TTL accepted (default 255).
    pub max_ttl: u8,
}

/// `use_vmac [IFNAME] [MAC]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct Vmac {
    /// Interface name; `None` means `<vmac_prefix>.<vrid>` (keepalived
    /// picks a free name at startup).
    pub ifname: Option<String>,
    /// A configured MAC; with 5 octets the VRID is the 6th.
    pub mac: Option<Vec<u8>>,
}

/// One `vrrp_instance`.
#[derive(Clone, Debug, PartialEq)]
#[derive(Serialize, Deserialize)]
pub struct Instance {
    /// The instance name.
    pub name: String,
    /// Where the block starts.
    pub loc: Loc,
    /// `state`; resolved from the priority when unset (255 ⇒ MASTER).
    pub state: Option<InstanceState>,
    /// `interface`.
    pub interface: Option<String>,
    /// `vrf` (interface-less unicast only).
    pub vrf: Option<String>,
    /// `virtual_router_id` (1..=255); `None` is a configuration error.
    pub vrid: Option<u8>,
    /// `priority`; resolved to 100, or 255 for `state MASTER`.
    pub priority: Option<u8>,
    /// `advert_int`, default 1 s; rounded per version by validation.
    pub advert_int: Duration,
    /// `version`; resolved from `vrrp_version` and the family.
    pub version: Option<VrrpVersion>,
    /// `native_ipv6`, or deduced from addresses: true for IPv6.
    pub ipv6: Option<bool>,
    /// `virtual_ipaddress`.
    pub vips: Vec<IpAddress>,
    /// `virtual_ipaddress_excluded`.
    pub evips: Vec<IpAddress>,
    /// `virtual_routes`.
    pub routes: Vec<Route>,
    /// `virtual_rules`.
    pub rules: Vec<Rule>,
    /// `track_*` references.
    pub track: Trackers,
    /// `dont_track_primary`.
    pub dont_track_primary: bool,
    /// `track_src_ip` (cleared when no source address is configured).
    pub track_src_ip: bool,
    /// `mcast_src_ip` / `unicast_src_ip`.
    pub src_ip: Option<IpAddr>,
    /// `mcast_dst_ip`; resolved to the global group for multicast.
    pub mcast_dst_ip: Option<IpAddr>,
    /// `unicast_peer`.
    pub unicast_peers: Vec<UnicastPeer>,
    /// Any unicast keyword was given (`unicast_src_ip`, `unicast_peer`,
    /// `check_unicast_src`, `unicast_fault_no_peer`, `old_unicast_checksum`).
    pub unicast_configured: bool,
    /// `unicast_fault_no_peer`.
    pub unicast_fault_no_peer: bool,
    /// `check_unicast_src` (also set by peer `min_ttl`/`max_ttl`).
    pub check_unicast_src: bool,
    /// `old_unicast_checksum [never]`: `Some(true)` = configured,
    /// `Some(false)` = never.
    pub old_unicast_checksum: Option<bool>,
    /// `unicast_ttl`; 255 for IPv4 by default, kernel default for IPv6.
    pub unicast_ttl: Option<u8>,
    /// `nopreempt` (cleared for priority 255 or `state MASTER`).
    pub nopreempt: bool,
    /// `preempt_delay`.
    pub preempt_delay: Duration,
    /// `accept`/`no_accept`; resolved: on unless strict (then only the
    /// address owner).
    pub accept: Option<bool>,
    /// `skip_check_adv_addr` (default: global `vrrp_skip_check_adv_addr`).
    pub skip_check_adv_addr: Option<bool>,
    /// `strict_mode`; resolved from global `vrrp_strict`.
    pub strict_mode: Option<bool>,
    /// `authentication`.
    pub auth: Option<Auth>,
    /// `use_vmac`.
    pub vmac: Option<Vmac>,
    /// `use_vmac_addr`.
    pub use_vmac_addr: bool,
    /// `vmac_xmit_base`.
    pub vmac_xmit_base: bool,
    /// `use_ipvlan` words verbatim (`[IF] [ADDR] [bridge|private|vepa]`).
    pub ipvlan: Option<Vec<String>>,
    /// `promote_secondaries`.
    pub promote_secondaries: bool,
    /// `garp_master_delay`; default global `vrrp_garp_master_delay`.
    pub garp_master_delay: Option<Duration>,
    /// `garp_master_repeat`; default global.
    pub garp_master_repeat: Option<u32>,
    /// `garp_master_refresh`; default global.
    pub garp_master_refresh: Option<Duration>,
    /// `garp_master_refresh_repeat`; default global.
    pub garp_master_refresh_repeat: Option<u32>,
    /// `garp_lower_prio_delay`; default global (0 if strict).
    pub garp_lower_prio_delay: Option<Duration>,
    /// `garp_lower_prio_repeat`; default global (0 if strict).
    pub garp_lower_prio_repeat: Option<u32>,
    /// `garp_extra_if [all] SECS` as (all, seconds); default global.
    pub garp_extra_if: Option<(bool, u32)>,
    /// `down_timer_adverts` (1..=100); default global (3).
    pub down_timer_adverts: Option<u32>,
    /// `lower_prio_no_advert`; default global (true if strict).
    pub lower_prio_no_advert: Option<bool>,
    /// `higher_prio_send_advert`; default global (false if strict).
    pub higher_prio_send_advert: Option<bool>,
    /// `kernel_rx_buf_size`.
    pub kernel_rx_buf_size: Option<u32>,
    /// `notify_master`.
    pub notify_master: Option<ScriptCmd>,
    /// `notify_backup`.
    pub notify_backup: Option<ScriptCmd>,
    /// `notify_fault`.
    pub notify_fault: Option<ScriptCmd>,
    /// `notify_stop`.
    pub notify_stop: Option<ScriptCmd>,
    /// `notify_deleted [SCRIPT]`: `Some(None)` sends DELETED with no
    /// script.
    pub notify_deleted: Option<Option<ScriptCmd>>,
    /// `notify` (4 extra arguments appended when run).
    pub notify: Option<ScriptCmd>,
    /// `notify_master_rx_lower_pri`.
    pub notify_master_rx_lower_pri: Option<ScriptCmd>,
    /// `smtp_alert`; resolved from `smtp_alert_vrrp`/`smtp_alert`.
    pub smtp_alert: Option<bool>,
    /// `notify_priority_changes`; resolved from the sync group or global.
    pub notify_priority_changes: Option<bool>,
    /// `linkbeat_use_polling` (deprecated).
    pub linkbeat_use_polling: bool,
    /// `debug` level (not implemented by keepalived either).
    pub debug: Option<u8>,
}

impl Instance {
    /// A new instance with keepalived's `alloc_vrrp()` defaults.
    pub fn new(name: impl Into<String>, loc: Loc) -> Self {
        Self {
            name: name.into(),
            loc,
            state: None,
            interface: None,
            vrf: None,
            vrid: None,
            priority: None,
            // keepalived compat: VRRP_ADVER_DFL (1 s), vrrp.h.
            advert_int: Duration::from_secs(1),
            version: None,
            ipv6: None,
            vips: Vec::new(),
            evips: Vec::new(),
            routes: Vec::new(),
            rules: Vec::new(),
            track: Trackers::default(),
            dont_track_primary: false,
            track_src_ip: false,
            src_ip: None,
            mcast_dst_ip: None,
            unicast_peers: Vec::new(),
            unicast_configured: false,
            unicast_fault_no_peer: false,
            check_unicast_src: false,
            old_unicast_checksum: None,
            unicast_ttl: None,
            nopreempt: false,
            preempt_delay: Duration::ZERO,
            accept: None,
            skip_check_adv_addr: None,
            strict_mode: None,
            auth: None,
            vmac: None,
            use_vmac_addr: false,
            vmac_xmit_base: false,
            ipvlan: None,
            promote_secondaries: false,
            garp_master_delay: None,
            garp_master_repeat: None,
            garp_master_refresh: None,
            garp_master_refresh_repeat: None,
            garp_lower_prio_delay: None,
            garp_lower_prio_repeat: None,
            garp_extra_if: None,
            down_timer_adverts: None,
            lower_prio_no_advert: None,
            higher_prio_send_advert: None,
            kernel_rx_buf_size: None,
            notify_master: None,
            notify_backup: None,
            notify_fault: None,
            notify_stop: None,
            notify_deleted: None,
            notify: None,
            notify_master_rx_lower_pri: None,
            smtp_alert: None,
            notify_priority_changes: None,
            linkbeat_use_polling: false,
            debug: None,
        }
    }

    /// True for an IPv6 instance (after validation: the family of the
    /// VIPs, else of the addresses given, else IPv4).
    pub fn is_ipv6(&self) -> bool {
        self.ipv6.unwrap_or(false)
    }

    /// True when the instance runs unicast: a unicast keyword and at least
    /// one peer (keepalived compat: without peers it falls back to
    /// multicast).
    pub fn is_unicast(&self) -> bool {
        self.unicast_configured && !self.unicast_peers.is_empty()
    }
}

//! The engine's own configuration: exactly the fields the FSM needs.
//!
//! These are plain data. `ka-config` validates `keepalived.conf` and the
//! daemon maps its model onto these types; config-time coercions (strict
//! mode, defaults such as "priority 255 when `state MASTER` without
//! priority", family from the VIPs, v2 interval rounding) are done there.
//! Runtime consequences of `vrrp_strict` arrive here as the individual
//! flags (`accept`, `lower_prio_no_advert`, `owner_ignore_adverts`, …).

use std::net::IpAddr;
use std::time::Duration;

use ka_wire::vrrp::{AddrList, Auth as WireAuth};
use serde::{Deserialize, Serialize};

use crate::timers::{AdverInt, DOWN_TIMER_ADVERTS, Version};
use crate::units::{Priority, Vrid};

/// Everything the VRRP engine runs.
#[derive(Clone, Debug, Default, PartialEq)]
#[derive(Serialize, Deserialize)]
pub struct EngineConfig {
    /// `vrrp_instance` blocks.
    pub instances: Vec<InstanceConfig>,
    /// `vrrp_sync_group` blocks.
    pub sync_groups: Vec<SyncGroupConfig>,
    /// `vrrp_script` blocks (rise/fall are applied by the engine).
    pub scripts: Vec<ScriptConfig>,
    /// `vrrp_track_process` blocks (quorum is applied by the engine).
    pub processes: Vec<ProcessConfig>,
    /// `vrrp_garp_interval`: minimum gap between GARPs on one interface.
    pub garp_interval: Duration,
    /// `vrrp_gna_interval`: minimum gap between unsolicited NAs.
    pub gna_interval: Duration,
    /// Interfaces that share one GARP/NA pacing (keepalived `garp_group`,
    /// and a VMAC paced with its parent, `IF_BASE_IFP`); an interface in
    /// no lane is paced alone with the global intervals.
    #[serde(default)]
    pub garp_lanes: Vec<GarpLane>,
    /// `log_unknown_vrids`: log each advert for a VRID no instance has.
    #[serde(default)]
    pub log_unknown_vrids: bool,
    /// `vrrp_startup_delay`: packets are ignored and BACKUP timers start
    /// only once this has elapsed after [`crate::Event::Started`].
    pub startup_delay: Duration,
}

/// The state an instance wants at startup (`state MASTER|BACKUP`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum InitialState {
    /// `state BACKUP` (or priority < 255 without `state`).
    #[default]
    Backup,
    /// `state MASTER`: only an address owner (255) becomes master at once.
    Master,
}

/// One `vrrp_instance`.
#[derive(Clone, Debug, PartialEq)]
#[derive(Serialize, Deserialize)]
pub struct InstanceConfig {
    /// Instance name, as in log lines `(VI_1) …` and notifies.
    pub name: String,
    /// `virtual_router_id` (RFC 5798 §5.2.3).
    pub vrid: Vrid,
    /// `version`.
    pub version: Version,
    /// `interface`; `None` only for interface-less unicast.
    pub interface: Option<String>,
    /// `priority` (RFC 5798 §5.2.4: 1..=255, 255 = address owner).
    pub priority: Priority,
    /// `state`.
    pub initial_state: InitialState,
    /// `advert_int`.
    pub adver_int: AdverInt,
    /// `down_timer_adverts` (1..=100, default 3).
    pub down_timer_adverts: u32,
    /// `virtual_ipaddress`: advertised, added when MASTER.
    pub vips: Vec<Vip>,
    /// `virtual_ipaddress_excluded`: added when MASTER, not advertised.
    pub evips: Vec<Vip>,
    /// `virtual_routes`, opaque to the engine.
    pub routes: Vec<RouteSpec>,
    /// `virtual_rules`, opaque to the engine.
    pub rules: Vec<RuleSpec>,
    /// `unicast_src_ip` / `mcast_src_ip`; else the interface's primary
    /// address as reported by [`crate::Event::AddressAdded`].
    pub src_addr: Option<IpAddr>,
    /// `mcast_dst_ip`; else 224.0.0.18 / ff02::12.
    pub mcast_group: Option<IpAddr>,
    /// `unicast_peer`; non-empty means unicast mode.
    pub unicast_peers: Vec<UnicastPeer>,
    /// `unicast_ttl`: TTL / hop limit of unicast adverts. `None` (the
    /// keyword absent) means 255 for IPv4 (keepalived builds the IPv4
    /// header itself) and the kernel's default hop limit for IPv6
    /// (keepalived sets `IPV6_HOPLIMIT` only when configured); see
    /// [`crate::Action::SendAdvert`].
    pub unicast_ttl: Option<u8>,
    /// `nopreempt`.
    pub nopreempt: bool,
    /// `preempt_delay`.
    pub preempt_delay: Duration,
    /// Accept_Mode (RFC 5798 §6.1): `accept` / `no_accept`.
    pub accept: bool,
    /// `authentication` (VRRPv2 over IPv4 only).
    pub auth: Auth,
    /// `skip_check_adv_addr`.
    pub skip_check_adv_addr: bool,
    /// `check_unicast_src`.
    pub check_unicast_src: bool,
    /// `unicast_fault_no_peer`.
    pub unicast_fault_no_peer: bool,
    /// `dont_track_primary`.
    pub dont_track_primary: bool,
    /// `track_src_ip`.
    pub track_src_ip: bool,
    /// `lower_prio_no_advert` (forced on by strict mode).
    pub lower_prio_no_advert: bool,
    /// `higher_prio_send_advert`.
    pub higher_prio_send_advert: bool,
    /// `owner_ignore_adverts` (forced on by strict mode).
    pub owner_ignore_adverts: bool,
    /// `v3_checksum_as_v2`.
    pub v3_checksum_as_v2: bool,
    /// `old_unicast_checksum [never]` (VRRPv3 over IPv4, unicast).
    #[serde(default)]
    pub old_unicast_checksum: OldUnicastChecksum,
    /// `notify_priority_changes`.
    pub notify_priority_changes: bool,
    /// `notify_deleted`: an instance removed by a reload notifies DELETED
    /// rather than FAULT (keepalived `vrrp_notify.c`: FAULT is the
    /// backward-compatible default).
    pub notify_deleted: bool,
    /// GARP / unsolicited NA schedule.
    pub garp: GarpConfig,
    /// `garp_extra_if`: while master, one GARP/NA per listed interface
    /// every interval, checked when an advert is sent.
    #[serde(default)]
    pub garp_extra_if: Option<ExtraIfGarp>,
    /// Trackers, each with its resolved weight.
    pub track: Vec<TrackRef>,
}

impl InstanceConfig {
    /// An instance with keepalived's defaults for everything but the name,
    /// VRID and priority (IPv4, v2, 1 s adverts, multicast, preempt).
    pub fn new(name: &str, vrid: Vrid, priority: Priority) -> Self {
        Self {
            name: name.to_owned(),
            vrid,
            version: Version::V2,
            interface: Some("eth0".to_owned()),
            priority,
            initial_state: InitialState::Backup,
            adver_int: AdverInt::DEFAULT,
            down_timer_adverts: DOWN_TIMER_ADVERTS,
            vips: Vec::new(),
            evips: Vec::new(),
            routes: Vec::new(),
            rules: Vec::new(),
            src_addr: None,
            mcast_group: None,
            unicast_peers: Vec::new(),
            unicast_ttl: None,
            nopreempt: false,
            preempt_delay: Duration::ZERO,
            accept: true,
            auth: Auth::None,
            skip_check_adv_addr: false,
            check_unicast_src: false,
            unicast_fault_no_peer: false,
            dont_track_primary: false,
            track_src_ip: false,
            lower_prio_no_advert: false,
            higher_prio_send_advert: false,
            owner_ignore_adverts: false,
            v3_checksum_as_v2: false,
            old_unicast_checksum: OldUnicastChecksum::Detect,
            notify_priority_changes: false,
            notify_deleted: false,
            garp: GarpConfig::default(),
            garp_extra_if: None,
            track: Vec::new(),
        }
    }

    /// Whether the instance is IPv6: from the first VIP, else the source
    /// address, else the first peer (keepalived: IPv4 by default).
    pub fn is_ipv6(&self) -> bool {
        self.vips
            .first()
            .map(|v| v.addr)
            .or(self.src_addr)
            .or(self.unicast_peers.first().map(|p| p.addr))
            .is_some_and(|a| a.is_ipv6())
    }

    /// The VIPs adverts carry: those of the instance's family
    /// (keepalived keeps VIPs of the other family out of the advert).
    pub(crate) fn advertised_vips(&self) -> impl Iterator<Item = IpAddr> + '_ {
        let v6 = self.is_ipv6();
        self.vips
            .iter()
            .map(|v| v.addr)
            .filter(move |a| a.is_ipv6() == v6)
    }

    /// [`Self::advertised_vips`] as the advert's address list.
    pub(crate) fn advert_addrs(&self) -> AddrList {
        let vips = self.advertised_vips();
        if self.is_ipv6() {
            AddrList::V6(
                vips.filter_map(|a| match a {
                    IpAddr::V6(a) => Some(a),
                    IpAddr::V4(_) => None,
                })
                .collect(),
            )
        } else {
            AddrList::V4(
                vips.filter_map(|a| match a {
                    IpAddr::V4(a) => Some(a),
                    IpAddr::V6(_) => None,
                })
                .collect(),
            )
        }
    }

    /// The IPsec-AH key when adverts carry an AH header: `auth_type AH`
    /// on a VRRPv2 IPv4 instance (keepalived refuses AH elsewhere).
    pub(crate) fn ah_key(&self) -> Option<[u8; 8]> {
        match self.auth {
            Auth::Ah(key) if self.version == Version::V2 && !self.is_ipv6() => {
                Some(key)
            }
            _ => None,
        }
    }

    /// Whether adverts are unicast (non-empty `unicast_peer`).
    pub fn is_unicast(&self) -> bool {
        !self.unicast_peers.is_empty()
    }

    /// The multicast destination: `mcast_dst_ip` or the RFC 5798 §5.1.1.2
    /// / §5.1.2.2 group (224.0.0.18, ff02::12).
    pub fn multicast_group(&self) -> IpAddr {
        self.mcast_group
            .unwrap_or(ka_types::net::vrrp_group(self.is_ipv6()))
    }
}

/// A virtual address (`virtual_ipaddress` entry) as the FSM needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct Vip {
    /// The address.
    pub addr: IpAddr,
    /// Prefix length (`/MASK`; /32 or /128 by default).
    pub prefix_len: u8,
    /// `dev IF`; else the instance interface.
    pub dev: Option<String>,
}

impl Vip {
    /// A host VIP on the instance interface.
    pub fn host(addr: IpAddr) -> Self {
        let prefix_len = if addr.is_ipv4() { 32 } else { 128 };
        Self {
            addr,
            prefix_len,
            dev: None,
        }
    }
}

/// A `virtual_routes` entry, kept as its keepalived.conf text; the route
/// driver owns its parsing (the FSM only adds and removes it).
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct RouteSpec(pub String);

/// A `virtual_rules` entry, kept as its keepalived.conf text.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct RuleSpec(pub String);

/// A `unicast_peer` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct UnicastPeer {
    /// The peer address.
    pub addr: IpAddr,
    /// `min_ttl` (implies check_unicast_src).
    pub min_ttl: u8,
    /// `max_ttl` (implies check_unicast_src).
    pub max_ttl: u8,
}

impl UnicastPeer {
    /// A peer with no TTL restriction.
    pub fn new(addr: IpAddr) -> Self {
        Self {
            addr,
            min_ttl: 0,
            max_ttl: 255,
        }
    }
}

/// VRRPv2 authentication (`authentication { auth_type …; auth_pass … }`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum Auth {
    /// No authentication (auth type 0).
    #[default]
    None,
    /// `auth_type PASS`: the password, zero padded to 8 bytes.
    Pass([u8; 8]),
    /// `auth_type AH`: the HMAC-MD5-96 key, zero padded to 8 bytes; the
    /// engine signs and verifies the IPsec-AH header with it.
    Ah([u8; 8]),
}

impl Auth {
    /// The authentication as the VRRPv2 header carries it (the AH key
    /// goes into the AH header's ICV, not the VRRP message).
    pub const fn wire(&self) -> WireAuth {
        match self {
            Self::None => WireAuth::None,
            Self::Pass(p) => WireAuth::Pass(*p),
            Self::Ah(_) => WireAuth::Ah,
        }
    }
}

/// The GARP / unsolicited NA schedule (keepalived `garp_*` keywords).
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct GarpConfig {
    /// `garp_master_delay`: second burst after becoming master (0 = none).
    pub master_delay: Duration,
    /// `garp_master_repeat`: GARPs per VIP per burst.
    pub master_repeat: u32,
    /// `garp_master_refresh`: periodic refresh while master (0 = off).
    pub master_refresh: Duration,
    /// `garp_master_refresh_repeat`.
    pub refresh_repeat: u32,
    /// `garp_lower_prio_delay`: second burst after a lower-prio advert.
    pub lower_prio_delay: Duration,
    /// `garp_lower_prio_repeat` (0 = none).
    pub lower_prio_repeat: u32,
}

/// Interfaces whose GARPs / NAs are spaced together (keepalived
/// `garp_delay_t`, shared by every interface of a `garp_group`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct GarpLane {
    /// Member interfaces (VMACs included under their parent's lane).
    pub interfaces: Vec<String>,
    /// Gap between GARPs on the lane; `None`: not spaced.
    pub garp_interval: Option<Duration>,
    /// Gap between unsolicited NAs on the lane; `None`: not spaced.
    pub gna_interval: Option<Duration>,
}

/// `garp_extra_if [all] SECS` resolved to interfaces (keepalived
/// `vmac_garp_intvl`, `vrrp_send_vmac_update`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct ExtraIfGarp {
    /// Time between two rounds.
    pub interval: Duration,
    /// Interfaces that get a GARP/NA for their first VIP/eVIP, in order.
    pub interfaces: Vec<String>,
}

impl Default for GarpConfig {
    /// keepalived's defaults (`vrrp.h`: `VRRP_GARP_DELAY` 5 s,
    /// `VRRP_GARP_REP` 5, refresh off with repeat 1; lower-prio values
    /// follow the master ones in `vrrp_complete_instance`).
    fn default() -> Self {
        Self {
            master_delay: Duration::from_secs(5),
            master_repeat: 5,
            master_refresh: Duration::ZERO,
            refresh_repeat: 1,
            lower_prio_delay: Duration::from_secs(5),
            lower_prio_repeat: 5,
        }
    }
}

/// One `vrrp_sync_group`.
#[derive(Clone, Debug, PartialEq)]
#[derive(Serialize, Deserialize)]
pub struct SyncGroupConfig {
    /// Group name, as in `GROUP "G" MASTER 0`.
    pub name: String,
    /// Member instance names.
    pub members: Vec<String>,
    /// Group trackers, applied to every member.
    pub track: Vec<TrackRef>,
    /// `sync_group_tracking_weight`: honour weighted member trackers
    /// (otherwise they are ignored, as keepalived does).
    pub tracking_weight: bool,
}

/// What a tracker watches.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[derive(Serialize, Deserialize)]
pub enum TrackKind {
    /// `track_interface` (link up/down).
    Interface(String),
    /// `track_script` (a `vrrp_script` by name).
    Script(String),
    /// `track_file` (a `track_file` by name).
    File(String),
    /// `track_process` (a `vrrp_track_process` by name).
    Process(String),
    /// `track_bfd` (a BFD instance by name).
    Bfd(String),
}

/// A tracker reference inside an instance or sync group.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct TrackRef {
    /// The tracked object.
    pub kind: TrackKind,
    /// The resolved weight; 0 means "FAULT when failed".
    pub weight: i32,
    /// `reverse`: apply the weight in the opposite sense.
    pub reverse: bool,
}

impl TrackRef {
    /// A tracker reference with `weight` and no `reverse`.
    pub fn new(kind: TrackKind, weight: i32) -> Self {
        Self {
            kind,
            weight,
            reverse: false,
        }
    }
}

/// A `vrrp_script` as the engine needs it (the driver runs it).
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct ScriptConfig {
    /// Script name.
    pub name: String,
    /// `rise` (≥ 1).
    pub rise: u32,
    /// `fall` (≥ 1).
    pub fall: u32,
    /// `init_fail`.
    pub init_fail: bool,
}

/// A `vrrp_track_process` as the engine needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct ProcessConfig {
    /// Tracker name.
    pub name: String,
    /// `quorum` (≥ 1).
    pub quorum: u32,
    /// `quorum_max` (`u32::MAX` when unlimited).
    pub quorum_max: u32,
}

/// keepalived compat (`old_unicast_checksum`, keepalived ≤ 1.3.6 peers):
/// which VRRPv3/IPv4 checksum a unicast instance uses, the RFC 5798 one
/// (the peer's address in the pseudo-header) or the old one (the
/// multicast group there).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub enum OldUnicastChecksum {
    /// Not configured: send the RFC checksum, accept an old one too.
    #[default]
    Detect,
    /// `old_unicast_checksum never`: the RFC checksum only.
    Never,
    /// `old_unicast_checksum`: send and accept the old checksum only.
    Always,
}

//! What the control socket answers (`keepalived-rs ctl`): typed, stable
//! JSON built from an [`operator::Status`](super::operator::Status), so
//! that the engines' snapshot types can change without changing what
//! operators' scripts read. Every field is documented for operators in
//! docs/control-socket.md; a field added here is added there.
//!
//! The client deserializes the same types to print its tables.

mod build;
#[cfg(test)]
mod tests;

use std::net::{IpAddr, SocketAddr};

use serde::{Deserialize, Serialize};

pub use build::{
    bfd_sessions, dump, instances, process_status, virtual_servers,
};

/// One answer line: exactly one key, the command's name, or `error`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    /// `status`.
    Status(ProcessStatus),
    /// `instances`.
    Instances(Vec<Instance>),
    /// `virtual-servers`.
    VirtualServers(Vec<VirtualServer>),
    /// `bfd`.
    Bfd(Vec<BfdSession>),
    /// `reload`.
    Reload(ReloadOutcome),
    /// `dump`.
    Dump(Box<Dump>),
    /// The request was refused or could not be answered.
    Error(String),
}

/// The process (`status`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessStatus {
    /// The daemon's pid.
    pub pid: u32,
    /// keepalived-rs's version.
    pub version: String,
    /// The keepalived version whose behaviour it reproduces.
    pub keepalived_version: String,
    /// When the process started, seconds since the Unix epoch.
    pub started: u64,
    /// Seconds since then (a reload does not reset it).
    pub uptime_secs: u64,
    /// The frameworks running: `vrrp`, `check`, `bfd`.
    pub frameworks: Vec<String>,
    /// How many of each thing run, and in which state.
    pub counts: Counts,
}

/// Totals over every framework.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// VRRP instances.
    pub vrrp_instances: usize,
    /// Of which MASTER.
    pub master: usize,
    /// Of which BACKUP.
    pub backup: usize,
    /// Of which FAULT.
    pub fault: usize,
    /// Sync groups.
    pub sync_groups: usize,
    /// Virtual servers.
    pub virtual_servers: usize,
    /// Of which holding their quorum.
    pub virtual_servers_quorum_up: usize,
    /// Real servers, over every virtual server.
    pub real_servers: usize,
    /// Of which up (every checker up).
    pub real_servers_up: usize,
    /// BFD sessions.
    pub bfd_sessions: usize,
    /// Of which Up.
    pub bfd_sessions_up: usize,
}

/// One VRRP instance (`instances`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    /// `vrrp_instance` name.
    pub name: String,
    /// `INIT`, `BACKUP`, `MASTER`, `FAULT` or `STOP`.
    pub state: String,
    /// The state it is heading for (keepalived's `wantstate`).
    pub want_state: String,
    /// `interface`, when it has one.
    pub interface: Option<String>,
    /// `virtual_router_id`.
    pub vrid: u8,
    /// VRRP version (2 or 3).
    pub version: u8,
    /// Configured priority (254 after an address-owner conflict).
    pub priority: u8,
    /// Priority with tracker weights applied (sent in adverts).
    pub effective_priority: u8,
    /// The master last heard (ourselves while MASTER).
    pub master_address: Option<IpAddr>,
    /// Its priority.
    pub master_priority: u8,
    /// Master_Adver_Interval, milliseconds.
    pub advert_interval_ms: u64,
    /// The last state change, seconds since the Unix epoch (µs
    /// precision); `None` before the first one.
    pub last_transition: Option<f64>,
    /// Why it is in FAULT (empty otherwise): `interface_down`,
    /// `tracker`, `initialising`, `no_source_ip`, `config_error`.
    pub fault_reasons: Vec<String>,
    /// Its `vrrp_sync_group`.
    pub sync_group: Option<String>,
    /// `virtual_ipaddress` entries, `ADDR/LEN` with ` dev IF` when set.
    pub vips: Vec<String>,
    /// The VIPs are installed (MASTER).
    pub vips_installed: bool,
    /// Its counters.
    pub stats: InstanceStats,
}

/// One instance's counters (keepalived's `vrrp_stats`, the `.stats`
/// dump; RFC 6527 `vrrpv3Statistics*`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceStats {
    /// Adverts sent.
    pub adverts_sent: u64,
    /// Valid adverts received.
    pub adverts_received: u64,
    /// Transitions to MASTER.
    pub became_master: u64,
    /// Transitions out of MASTER.
    pub released_master: u64,
    /// Priority-0 adverts sent.
    pub priority_zero_sent: u64,
    /// Priority-0 adverts received.
    pub priority_zero_received: u64,
    /// Packets refused, per reason.
    pub errors: ErrorCounters,
}

/// Received packets refused, by reason.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorCounters {
    /// Wrong length.
    pub packet_length: u64,
    /// Advertisement interval differs (VRRPv2).
    pub advert_interval: u64,
    /// TTL / hop limit not 255.
    pub ip_ttl: u64,
    /// Type not ADVERTISEMENT.
    pub invalid_type: u64,
    /// Address list differs from ours.
    pub address_list: u64,
    /// Unknown authentication type.
    pub invalid_auth_type: u64,
    /// Authentication type differs from ours.
    pub auth_type_mismatch: u64,
    /// Wrong password.
    pub auth_failure: u64,
    /// Bad checksum.
    pub checksum: u64,
    /// Wrong VRRP version.
    pub version: u64,
    /// Unicast source not a configured peer.
    pub unicast_source: u64,
}

/// One virtual server (`virtual-servers`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VirtualServer {
    /// keepalived's name for it: `[ADDR]:PROTO:PORT`, `FWM N`, or the
    /// group's.
    pub name: String,
    /// The scheduler (`lb_algo`).
    pub scheduler: Option<String>,
    /// `quorum`.
    pub quorum: u32,
    /// The live real servers' weights reach the quorum.
    pub quorum_up: bool,
    /// Sum of the live real servers' weights.
    pub live_weight: u64,
    /// The sorry server is in use.
    pub sorry_server_active: bool,
    /// Its real servers, in configuration order.
    pub real_servers: Vec<RealServer>,
}

/// One real server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RealServer {
    /// keepalived's name for it: `[ADDR]:PROTO:PORT`.
    pub name: String,
    /// Address and port.
    pub address: Option<SocketAddr>,
    /// Every checker up.
    pub up: bool,
    /// The weight it has now (dynamic weights applied).
    pub weight: u32,
    /// The configured weight.
    pub configured_weight: u32,
    /// In the kernel table (a dead server with `inhibit_on_failure` is,
    /// at weight 0).
    pub in_table: bool,
    /// Its checkers, in configuration order.
    pub checkers: Vec<Checker>,
}

/// One checker's last result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Checker {
    /// The block keyword (`TCP_CHECK`, `HTTP_GET`, ...).
    pub kind: String,
    /// Its verdict is up.
    pub up: bool,
    /// How long its last probe took, milliseconds (none yet, or not a
    /// probe).
    pub latency_ms: Option<f64>,
}

/// One BFD session (`bfd`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BfdSession {
    /// `bfd_instance` name.
    pub name: String,
    /// `neighbor_ip`.
    pub neighbor: IpAddr,
    /// `source_ip`.
    pub source: Option<IpAddr>,
    /// Our state: `AdminDown`, `Down`, `Init`, `Up`.
    pub local_state: String,
    /// The peer's state as it last told us.
    pub remote_state: String,
    /// Our diagnostic (RFC 5880 §4.1 text).
    pub local_diag: String,
    /// The peer's last diagnostic.
    pub remote_diag: String,
    /// Configured `min_rx`, µs.
    pub min_rx_us: u32,
    /// Configured `min_tx`, µs.
    pub min_tx_us: u32,
    /// Configured `idle_tx`, µs.
    pub idle_tx_us: u32,
    /// Configured `multiplier`.
    pub multiplier: u8,
    /// Our transmit interval now (before jitter), µs.
    pub tx_interval_us: u32,
    /// The peer's transmit interval as agreed, µs.
    pub remote_tx_interval_us: u32,
    /// The peer's Required Min RX Interval, µs.
    pub remote_min_rx_us: u32,
    /// The peer's Detect Mult.
    pub remote_multiplier: u8,
    /// Our detection time, µs.
    pub detect_time_us: u64,
    /// The peer's detection time, µs.
    pub remote_detect_time_us: u64,
    /// Milliseconds since the last valid packet.
    pub last_seen_ms: Option<f64>,
}

/// `reload`'s answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReloadOutcome {
    /// The new configuration was loaded and handed to the frameworks.
    pub taken: bool,
    /// Why not, when not taken.
    pub error: Option<String>,
}

/// `dump`: everything the other commands show, plus the VRRP trackers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dump {
    /// As `status`.
    pub status: ProcessStatus,
    /// As `instances`.
    pub instances: Vec<Instance>,
    /// Every `vrrp_sync_group`.
    pub sync_groups: Vec<SyncGroup>,
    /// Every `vrrp_script` VRRP uses.
    pub vrrp_scripts: Vec<VrrpScript>,
    /// Every `track_file` value VRRP has read, by name.
    pub track_files: Vec<TrackFile>,
    /// Every `vrrp_track_process`.
    pub track_processes: Vec<TrackProcess>,
    /// Interfaces VRRP knows to be down.
    pub interfaces_down: Vec<String>,
    /// Adverts for a VRID no instance serves.
    pub vrid_errors: u64,
    /// As `virtual-servers`.
    pub virtual_servers: Vec<VirtualServer>,
    /// As `bfd`.
    pub bfd: Vec<BfdSession>,
}

/// One sync group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncGroup {
    /// Name.
    pub name: String,
    /// State, as an instance's.
    pub state: String,
    /// Member instances.
    pub members: Vec<String>,
}

/// One `vrrp_script`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VrrpScript {
    /// Name.
    pub name: String,
    /// `GOOD`, `BAD`, or `INIT` before its first exit.
    pub state: String,
    /// The rise/fall counter (GOOD when at least `rise`).
    pub result: u32,
    /// `rise`.
    pub rise: u32,
    /// `fall`.
    pub fall: u32,
}

/// One `track_file` value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackFile {
    /// Name.
    pub name: String,
    /// The value last read.
    pub value: i64,
}

/// One `vrrp_track_process`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackProcess {
    /// Name.
    pub name: String,
    /// Processes counted.
    pub count: u32,
    /// The count is within the quorum.
    pub quorum: bool,
}

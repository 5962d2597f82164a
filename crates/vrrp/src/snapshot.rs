//! Read-only engine state for dumps, JSON, SNMP and tests.

use std::net::IpAddr;

use ka_types::Instant;
use serde::{Deserialize, Serialize};

use crate::instance::{FaultFlags, State};
use crate::stats::Stats;

/// The whole engine.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct Snapshot {
    /// One entry per instance, in configuration order.
    pub instances: Vec<InstanceSnapshot>,
    /// One entry per sync group.
    pub groups: Vec<GroupSnapshot>,
    /// Packets for a VRID no instance serves (`vrrpv3RouterVrIdErrors`).
    pub vrid_errors: u64,
    /// The engine time the snapshot was taken at, when the caller gave it
    /// ([`crate::Engine::snapshot_at`]): dumps turn the other instants
    /// into wall-clock times with it.
    pub taken_at: Option<Instant>,
    /// Every `vrrp_script`, in configuration order.
    pub scripts: Vec<ScriptSnapshot>,
    /// Every `track_file` value the engine has seen, by name.
    pub files: Vec<(String, i64)>,
    /// Every `vrrp_track_process`: current process count and quorum.
    pub processes: Vec<ProcessSnapshot>,
    /// Interfaces the engine knows to be down.
    pub links_down: Vec<String>,
}

/// One `vrrp_script` (keepalived `vrrp_script_t`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct ScriptSnapshot {
    /// Script name.
    pub name: String,
    /// keepalived `result`: the rise/fall counter, OK iff ≥ `rise`.
    pub result: u32,
    /// `rise`.
    pub rise: u32,
    /// `fall`.
    pub fall: u32,
    /// No exit status yet (keepalived `SCRIPT_INIT_STATE_INIT`).
    pub init: bool,
}

/// One `vrrp_track_process`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct ProcessSnapshot {
    /// Tracker name.
    pub name: String,
    /// Processes currently counted.
    pub count: u32,
    /// The count is within `quorum..=quorum_max`.
    pub have_quorum: bool,
}

/// One instance.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct InstanceSnapshot {
    /// Instance name.
    pub name: String,
    /// VRID.
    pub vrid: u8,
    /// Current state.
    pub state: State,
    /// keepalived `wantstate`.
    pub want_state: State,
    /// Configured priority (254 after an owner conflict).
    pub base_priority: u8,
    /// Priority carried in adverts.
    pub effective_priority: u8,
    /// Last master heard (ourselves when MASTER).
    pub master_addr: Option<IpAddr>,
    /// Its priority.
    pub master_priority: u8,
    /// Master_Adver_Interval in µs.
    pub master_adver_int_us: u64,
    /// Master_Down_Interval currently armed, in µs.
    pub ms_down_timer_us: u64,
    /// Next timer expiry.
    pub next_timer: Option<Instant>,
    /// keepalived `sands`: master-down expiry (BACKUP) or next advert
    /// (MASTER); `None` in INIT/FAULT/STOP.
    pub read_timeout: Option<Instant>,
    /// Σ tracker weights applied (keepalived `total_priority` minus
    /// `base_priority`).
    pub track_weight: i64,
    /// The source address adverts use: configured, else the interface's.
    pub src_addr: Option<IpAddr>,
    /// VIPs installed.
    pub vips_set: bool,
    /// Fault reasons.
    pub fault: FaultFlags,
    /// Last state change.
    pub last_transition: Option<Instant>,
    /// Counters.
    pub stats: Stats,
    /// Why it last became MASTER (RFC 6527 vrrpv3StatisticsNewMasterReason).
    #[serde(default)]
    pub master_reason: MasterReason,
}

/// RFC 6527 `vrrpv3StatisticsNewMasterReason`, as keepalived sets it
/// (`vrrp_snmp.h`: a priority-0 advert, a preemption or an address owner,
/// or the master falling silent).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum MasterReason {
    /// notMaster(0): never MASTER yet.
    #[default]
    NotMaster,
    /// priority(1): the master resigned with a priority-0 advert.
    Priority,
    /// preempted(2): lower-priority adverts were preempted, or the
    /// address owner started.
    Preempted,
    /// masterNoResponse(3): the master's adverts stopped.
    MasterNoResponse,
}

impl MasterReason {
    /// The MIB's number.
    pub fn as_u8(self) -> u8 {
        match self {
            Self::NotMaster => 0,
            Self::Priority => 1,
            Self::Preempted => 2,
            Self::MasterNoResponse => 3,
        }
    }
}

/// One sync group.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct GroupSnapshot {
    /// Group name.
    pub name: String,
    /// Group state.
    pub state: State,
    /// Member instance names.
    pub members: Vec<String>,
}

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
    /// VIPs installed.
    pub vips_set: bool,
    /// Fault reasons.
    pub fault: FaultFlags,
    /// Last state change.
    pub last_transition: Option<Instant>,
    /// Counters.
    pub stats: Stats,
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

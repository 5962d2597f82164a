//! VRRP configuration: instances, sync groups, trackers and static objects.
//!
//! Values are those of keepalived 2.2.7 after `vrrp_complete_instance()`:
//! fields that keepalived leaves "unset" while parsing and resolves at
//! startup are `Option`s after building and always `Some` after validation.
//! Validation is the only place that fills those defaults;
//! [`Instance::resolved`] gives them as plain values to the daemon.

mod addr;
mod instance;
mod print;
mod resolved;
mod track;

pub use addr::{
    Broadcast, IpAddress, NextHop, PreferredLft, RTPROT_KEEPALIVED, Route,
    RouteFamily, RouteMetric, Rule, Scope,
};
pub use instance::{
    Auth, AuthType, Instance, InstanceState, UnicastPeer, Vmac, VrrpVersion,
};
pub use print::{fmt_addr, fmt_cmd, fmt_route, fmt_rule};
pub use resolved::{DEFAULT_DOWN_TIMER_ADVERTS, GarpSchedule, Resolved};
pub use track::{
    GarpGroup, IfUpDownDelay, LinkbeatInterface, ParamMatch, ScriptCmd,
    SyncGroup, TrackFile, TrackGroup, TrackProcess, TrackRef, Trackers,
    VrrpScript,
};

use serde::{Deserialize, Serialize};

use crate::source::Span;

/// Everything VRRP in a configuration.
#[derive(Clone, Debug, Default, PartialEq)]
#[derive(Serialize, Deserialize)]
pub struct VrrpSection {
    /// `vrrp_instance` blocks, in file order.
    pub instances: Vec<Instance>,
    /// `vrrp_sync_group` blocks.
    pub sync_groups: Vec<SyncGroup>,
    /// `vrrp_script` blocks.
    pub scripts: Vec<VrrpScript>,
    /// `vrrp_track_process` blocks.
    pub track_processes: Vec<TrackProcess>,
    /// `track_file` (alias `vrrp_track_file`) blocks; also used by the
    /// checker's `FILE_CHECK`.
    pub track_files: Vec<TrackFile>,
    /// `track_group` blocks for static addresses, routes and rules.
    pub track_groups: Vec<TrackGroup>,
    /// `static_ipaddress` entries.
    pub static_addresses: Vec<IpAddress>,
    /// `static_routes` entries.
    pub static_routes: Vec<Route>,
    /// `static_rules` entries.
    pub static_rules: Vec<Rule>,
    /// `garp_group` blocks.
    pub garp_groups: Vec<GarpGroup>,
    /// `linkbeat_interfaces` entries.
    pub linkbeat_interfaces: Vec<LinkbeatInterface>,
    /// `interface_up_down_delays` entries.
    pub interface_up_down_delays: Vec<IfUpDownDelay>,
}

impl VrrpSection {
    /// The instance called `name`.
    pub fn instance(&self, name: &str) -> Option<&Instance> {
        self.instances.iter().find(|i| i.name == name)
    }

    /// The `vrrp_script` called `name`.
    pub fn script(&self, name: &str) -> Option<&VrrpScript> {
        self.scripts.iter().find(|s| s.name == name)
    }

    /// The `track_file` called `name`.
    pub fn track_file(&self, name: &str) -> Option<&TrackFile> {
        self.track_files.iter().find(|s| s.name == name)
    }
}

/// Where a block was declared. Ignored by equality and serde, so that a
/// model printed and loaded again compares equal.
#[derive(Clone, Copy, Debug, Default)]
#[derive(Serialize, Deserialize)]
pub struct Loc(#[serde(skip)] pub Span);

impl PartialEq for Loc {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Loc {}

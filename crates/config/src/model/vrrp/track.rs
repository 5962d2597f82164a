//! Trackers (`vrrp_script`, `vrrp_track_process`, `track_file`), the
//! `track_*` references of instances and sync groups, sync groups, track
//! groups, GARP groups and link settings.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::Loc;

/// A command run by keepalived (`script`, `notify*`, FIFO scripts):
/// argv after keepalived's quote/escape tokenizer, and the user.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct ScriptCmd {
    /// The program and its arguments.
    pub argv: Vec<String>,
    /// User to run as; `None` means `script_user` (default
    /// `keepalived_script`, else root).
    pub user: Option<String>,
    /// Group to run as; `None` means the user's primary group.
    pub group: Option<String>,
}

/// A reference to a tracker with the weight in force for this instance or
/// group (the tracker's own weight unless the reference overrides it).
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct TrackRef {
    /// Name of the interface, script, file, process or BFD instance.
    pub name: String,
    /// Weight; 0 means "fault on failure".
    pub weight: i32,
    /// `reverse`.
    pub reverse: bool,
}

/// The `track_*` blocks of an instance or sync group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct Trackers {
    /// `track_interface`.
    pub interfaces: Vec<TrackRef>,
    /// `track_script`.
    pub scripts: Vec<TrackRef>,
    /// `track_file`.
    pub files: Vec<TrackRef>,
    /// `track_process`.
    pub processes: Vec<TrackRef>,
    /// `track_bfd`.
    pub bfds: Vec<TrackRef>,
}

impl Trackers {
    /// True when nothing is tracked.
    pub fn is_empty(&self) -> bool {
        self.interfaces.is_empty()
            && self.scripts.is_empty()
            && self.files.is_empty()
            && self.processes.is_empty()
            && self.bfds.is_empty()
    }
}

/// `vrrp_script NAME { … }`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct VrrpScript {
    /// Name used by `track_script`.
    pub name: String,
    /// Where the block starts.
    pub loc: Loc,
    /// `script` and `user`.
    pub cmd: ScriptCmd,
    /// `interval` (whole seconds; default 1).
    pub interval: Duration,
    /// `timeout`; `None` means the interval.
    pub timeout: Option<Duration>,
    /// `weight` (-253..=253), default 0.
    pub weight: i32,
    /// `weight … reverse`.
    pub reverse: bool,
    /// `rise`, default 1.
    pub rise: u32,
    /// `fall`, default 1.
    pub fall: u32,
    /// `init_fail`.
    pub init_fail: bool,
}

/// `param_match` of a tracked process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum ParamMatch {
    /// Parameters must match exactly.
    Exact,
    /// `initial`: the configured parameters are a prefix.
    Initial,
    /// `partial`: the configured parameters appear in order.
    Partial,
}

/// `vrrp_track_process NAME { … }`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct TrackProcess {
    /// Name used by `track_process`.
    pub name: String,
    /// Where the block starts.
    pub loc: Loc,
    /// `process`: path or name, then parameters.
    pub process: Vec<String>,
    /// `param_match`; `None` when no parameters and no `param_match`.
    pub param_match: Option<ParamMatch>,
    /// `weight` (-254..=254), default 0.
    pub weight: i32,
    /// `weight … reverse`.
    pub reverse: bool,
    /// `quorum`, default 1.
    pub quorum: u32,
    /// `quorum_max`, default unlimited (`None`).
    pub quorum_max: Option<u32>,
    /// `fork_delay` (also set by `delay`).
    pub fork_delay: Duration,
    /// `terminate_delay` (also set by `delay`).
    pub terminate_delay: Duration,
    /// `full_command` (also implied by parameters or `param_match`).
    pub full_command: bool,
}

/// `track_file NAME { … }`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct TrackFile {
    /// Name used by `track_file` references and `FILE_CHECK`.
    pub name: String,
    /// Where the block starts.
    pub loc: Loc,
    /// `file`.
    pub file: String,
    /// `weight` (-254..=254), default 1.
    pub weight: i32,
    /// `weight … reverse`.
    pub reverse: bool,
    /// `init_file [VALUE] [overwrite]`: (value, overwrite).
    pub init_file: Option<(i32, bool)>,
}

/// `vrrp_sync_group NAME { … }`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct SyncGroup {
    /// The group name.
    pub name: String,
    /// Where the block starts.
    pub loc: Loc,
    /// `group { VI … }` member names, in order.
    pub members: Vec<String>,
    /// Trackers applied to every member.
    pub track: Trackers,
    /// `notify_master`.
    pub notify_master: Option<ScriptCmd>,
    /// `notify_backup`.
    pub notify_backup: Option<ScriptCmd>,
    /// `notify_fault`.
    pub notify_fault: Option<ScriptCmd>,
    /// `notify_stop`.
    pub notify_stop: Option<ScriptCmd>,
    /// `notify`.
    pub notify: Option<ScriptCmd>,
    /// `smtp_alert`.
    pub smtp_alert: Option<bool>,
    /// `sync_group_tracking_weight` (also set by deprecated
    /// `global_tracking`).
    pub tracking_weight: bool,
    /// `notify_priority_changes`.
    pub notify_priority_changes: Option<bool>,
}

/// `track_group NAME { group { VI … } }`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct TrackGroup {
    /// The group name.
    pub name: String,
    /// Instance names put in FAULT when a static object is lost.
    pub members: Vec<String>,
}

/// `garp_group { … }`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct GarpGroup {
    /// `garp_interval`.
    pub garp_interval: Option<Duration>,
    /// `gna_interval`.
    pub gna_interval: Option<Duration>,
    /// `interface`/`interfaces` members.
    pub interfaces: Vec<String>,
}

/// An entry of `linkbeat_interfaces { IF [MII|ETHTOOL|IOCTL] }`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct LinkbeatInterface {
    /// Interface.
    pub interface: String,
    /// Polling method; `None` tries MII, ETHTOOL then IOCTL.
    pub method: Option<String>,
}

/// An entry of `interface_up_down_delays { IF DOWN [UP] }`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct IfUpDownDelay {
    /// Interface.
    pub interface: String,
    /// Delay before acting on link down.
    pub down: Duration,
    /// Delay before acting on link up.
    pub up: Duration,
}

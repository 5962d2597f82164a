//! The sans-IO VRRP engine: instances, sync groups, trackers, timers.
//!
//! [`Engine`] is a plain struct fed `(now, Event)` that appends
//! [`Action`]s; it never opens a socket, reads a clock or sleeps
//! (quinn-proto / smoltcp shape, DESIGN.md §2). Deadlines are state:
//! [`Engine::poll_timeout`] says when to call [`Engine::handle_timeout`].
//!
//! Behaviour follows RFC 5798 §6 (VRRPv3), RFC 3768 (VRRPv2) and
//! keepalived 2.2.7 where keepalived differs; every such rule is marked
//! `// keepalived compat:` in the code.
//!
//! ```
//! use ka_types::Instant;
//! use ka_vrrp::{Engine, EngineConfig, Event, InstanceConfig, Priority, Vrid};
//!
//! let vrid = Vrid::new(51).expect("VRIDs are 1..=255");
//! let cfg = EngineConfig {
//!     instances: vec![InstanceConfig::new("VI_1", vrid, Priority::DEFAULT)],
//!     ..Default::default()
//! };
//! let mut engine = Engine::new(cfg);
//! let mut out = Vec::new();
//! engine.handle(Instant::ZERO, Event::Started, &mut out);
//! // BACKUP for Master_Down_Interval = 3 × 1 s + (256 − 100)/256 s.
//! assert_eq!(engine.poll_timeout(), Some(Instant::from_micros(3_609_375)));
//! ```
#![warn(missing_docs)]

mod action;
mod config;
mod engine;
mod event;
mod garp;
mod instance;
mod log_limit;
mod rx;
mod snapshot;
mod stats;
#[cfg(test)]
mod testutil;
mod timers;
mod track;
mod transitions;
mod tx;
mod units;

pub use action::{
    Action, LogLevel, LogLine, Notification, NotifyKind, NotifyState,
};
pub use config::{
    Auth, EngineConfig, ExtraIfGarp, GarpConfig, GarpLane, InitialState,
    InstanceConfig, OldUnicastChecksum, ProcessConfig, RouteSpec, RuleSpec,
    ScriptConfig, SyncGroupConfig, TrackKind, TrackRef, UnicastPeer, Vip,
};
pub use engine::Engine;
pub use event::{AdminCommand, Event, RxPacket};
pub use instance::{FaultFlags, State};
pub use rx::RxError;
pub use snapshot::{
    GroupSnapshot, InstanceSnapshot, MasterReason, ProcessSnapshot,
    ScriptSnapshot, Snapshot,
};
pub use stats::Stats;
pub use timers::{
    AdverInt, DOWN_TIMER_ADVERTS, Version, master_down_interval, skew_min,
    skew_time,
};
pub use transitions::{TransitionReason, Transitions};
pub use units::{Priority, Vrid, ZeroVrid};

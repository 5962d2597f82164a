//! The health-checker engine: keepalived's checker framework without I/O.
//!
//! It owns, per real server, the verdict of every checker (keepalived's
//! retry / delay_before_retry / delay_loop / warmup / alpha timing), per
//! virtual server the quorum and the sorry server, and from those the
//! desired IPVS table ([`ka_types::lvs::DataPlane`]). The daemon runs the
//! probes it asks for ([`Action::StartProbe`]) and feeds back their
//! results ([`Event::ProbeDone`]); it applies the table changes
//! ([`Action::DataPlane`]) to IPVS or nftables and runs the notify
//! scripts ([`Action::Notify`]). No clock, sockets, async or libc.
#![warn(missing_docs)]

pub mod config;
mod engine;
pub mod event;
pub mod latency;

pub use config::{
    CheckConfig, CheckerConfig, CheckerSource, RsConfig, SorryConfig, VsConfig,
};
pub use engine::Engine;
pub use event::{
    Action, CheckerAlert, CheckerId, CheckerSnapshot, Event, LogLevel, Notify,
    ProbeResult, Reason, RsId, RsSnapshot, Snapshot, VsSnapshot,
};

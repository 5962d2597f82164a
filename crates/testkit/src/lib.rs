//! Test support: a virtual LAN and clock that run many VRRP engines.
//!
//! * [`Lan`] — N [`ka_vrrp::Engine`]s on a virtual LAN with per-packet
//!   delay, jitter and loss, partitions (isolate), link down, silent kill,
//!   graceful stop (SIGTERM) and restart, tracking which host holds each
//!   VIP and every state change.
//! * [`Scenario`] / [`run`] — randomised failover scenarios drawn from a
//!   seed, with the invariants of RFC 5798 §6 and keepalived checked.
//! * [`golden`] — replays a recorded engine run (`--record-events`) into
//!   a fresh engine and reports the first step whose actions differ.
#![warn(missing_docs)]

pub mod golden;
mod lan;
mod scenario;

pub use lan::{Lan, LinkProfile, Node, Transition};
pub use scenario::{
    Fault, HostSpec, Report, Scenario, check_converged, run, run_on,
};

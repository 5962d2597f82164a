//! The VRRP framework: the `ka_vrrp` engine on real interfaces.
//!
//! [`plan`] maps the configuration; the runtime (`runtime/`) is VRRP's
//! user of the generic loop ([`crate::core::driver`]) and reaches the
//! kernel only through the driver traits of `io.rs`; `system.rs`
//! implements them for real, the tests' fakes (`fake.rs`) in memory.
//! `signals.rs` starts VRRP's trackers on the bus and turns their signals
//! into engine events; `notify.rs` says which hooks a transition runs.

pub mod dump;
#[cfg(test)]
mod fake;
mod firewall;
mod ifaces;
mod io;
mod kernel;
mod linkbeat;
pub mod mail;
pub mod notify;
pub mod plan;
mod reload_states;
mod runtime;
mod rx_bufs;
mod rx_queue;
mod signals;
mod sockets;
mod system;
mod vmac;

pub use runtime::{Control, run};

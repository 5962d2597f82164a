//! The VRRP runtime: the engine on real interfaces.
//!
//! The event loop ([`runtime`]) reaches the kernel only through the
//! driver traits of [`io`]; [`system`] implements them for real, and the
//! tests' fakes (`fake.rs`) implement them in memory.

pub mod dump;
#[cfg(test)]
mod fake;
mod firewall;
mod ifaces;
mod io;
mod kernel;
pub mod notify;
pub mod plan;
mod runtime;
mod rx_queue;
mod signals;
mod sockets;
mod system;
mod vmac;

pub use runtime::{Control, run};

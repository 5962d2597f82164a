//! The VRRP runtime: the engine on real interfaces.

mod ifaces;
mod kernel;
mod runtime;
mod sockets;
mod trackers;

pub use runtime::{Control, run};

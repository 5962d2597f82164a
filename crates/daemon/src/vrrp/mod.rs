//! The VRRP runtime: the engine on real interfaces.

mod firewall;
mod ifaces;
mod kernel;
mod runtime;
mod sockets;
mod trackers;
mod vmac;

pub use runtime::{Control, run};

//! The VRRP runtime: the engine on real interfaces.

mod ifaces;
mod kernel;
mod runtime;
mod setup;
mod sockets;
mod trackers;

pub use runtime::{Control, run};
pub use setup::{AddressDetail, ScriptRunner, Setup};

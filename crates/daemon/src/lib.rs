//! The keepalived-rs runtime: turns the sans-IO engines into a daemon.
//!
//! It owns every side effect: sockets, netlink, scripts, files, signals
//! and the clock. Engines get `(now, Event)` and return `Action`s; this
//! crate carries the actions out and reports what happened as new events.

pub mod daemon;
pub mod dump;
pub mod log;
pub mod map;
pub mod notify;
pub mod record;
pub mod vrrp;

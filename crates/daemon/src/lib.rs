//! The keepalived-rs runtime: turns the sans-IO engines into a daemon.
//!
//! It owns every side effect: sockets, netlink, scripts, files, signals
//! and the clock. Engines get `(now, Event)` and return `Action`s; this
//! crate carries the actions out and reports what happened as new events.
//!
//! [`core`] is what every framework shares (the process, logging, notify
//! scripts, trackers); each framework has its own folder ([`vrrp`], [`check`]).
//! docs/ARCHITECTURE.md draws the layout.

pub mod check;
pub mod core;
pub mod vrrp;

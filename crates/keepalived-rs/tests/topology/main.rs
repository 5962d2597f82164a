//! Topology tests: keepalived-rs daemons in network namespaces on a
//! bridge, observed from outside (which host holds the VIP, what crosses
//! the wire, what the notify hooks wrote), never from our own logs alone.
//!
//! Every test builds its own lab (unique namespace names), bounds every
//! wait, and leaves nothing behind: the lab's Drop kills the daemons it
//! started (by pid) and deletes the namespaces and links. Without root the
//! tests print why they skip and pass.

mod ah_inject;
#[path = "../common/mod.rs"]
mod common;
mod faults;
mod harness;
mod hooks;
mod inject;
mod modes;

pub(crate) use harness::*;

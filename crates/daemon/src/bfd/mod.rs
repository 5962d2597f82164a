//! The BFD framework: the `ka_bfd` engine on UDP sockets.
//!
//! [`plan`] maps the configuration; `runtime.rs` is BFD's user of the
//! generic loop ([`crate::core::driver`]) and reaches the sockets only
//! through the [`io::BfdIo`] trait, which `system.rs` implements with
//! `ka_sys::bfd_socket` and the tests' fake in memory. Session states go
//! out on the bus ([`crate::core::bus::Signal::BfdState`]) for VRRP's
//! `track_bfd` and the checkers' `BFD_CHECK`.

pub mod dump;
mod io;
pub mod plan;
mod runtime;
mod system;

pub use runtime::{Control, run};

/// A seed for the engine's random numbers (discriminators, jitter):
/// the standard library's per-process random keys hashed with the time.
pub fn random_seed() -> u64 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new()
        .hash_one(std::time::SystemTime::now())
}

//! The IPVS driver: programs the kernel's load-balancing table over
//! generic netlink (family `IPVS`), as keepalived's checker process does
//! through libipvs (`keepalived/check/libipvs.c`, `ipvswrapper.c`).
//!
//! [`Ipvs`] applies [`ka_types::lvs::Op`]s and dumps the kernel's table
//! as a [`ka_types::lvs::DataPlane`], so the daemon can diff what is
//! against what should be. The attributes are typed and round-trip
//! tested ([`nla`], [`message`]); nothing here knows the configuration.

mod convert;
mod error;
mod ipvs;
pub mod message;
pub mod nla;
mod socket;
mod sync;

pub use error::IpvsError;
pub use ipvs::Ipvs;
pub use sync::{SyncDaemon, SyncState, Timeouts};

#[cfg(test)]
#[path = "compat_tests.rs"]
mod compat_tests;

//! The checker framework: the `ka_check` engine with real probes and a
//! kernel table (IPVS over generic netlink, or nftables where the kernel
//! has no IPVS).
//!
//! [`plan`] maps the configuration; the runtime (`runtime/`) is the
//! checkers' user of the generic loop ([`crate::core::driver`]) and
//! reaches the outside only through the driver traits of `io.rs`;
//! `system.rs` implements them for real, the tests' fakes (`fake.rs`) in
//! memory.

pub mod dump;
#[cfg(test)]
mod fake;
mod io;
mod nft_worker;
pub mod plan;
mod probe_workers;
mod runtime;
pub mod sync_daemon;
mod system;
mod system_table;

use std::fmt;
use std::str::FromStr;

pub use io::DataPlaneError;
pub use runtime::{Control, RunOptions, run};

/// Which kernel table the checkers program (`--lvs-backend`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LvsBackend {
    /// IPVS when the kernel has it, else nftables (one log line says
    /// which).
    #[default]
    Auto,
    /// Linux IPVS over generic netlink, as keepalived.
    Ipvs,
    /// One nftables table (`ka_lvs_nft`), for kernels without IPVS.
    Nftables,
}

impl FromStr for LvsBackend {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Self::Auto),
            "ipvs" => Ok(Self::Ipvs),
            "nftables" | "nft" => Ok(Self::Nftables),
            _ => Err(format!(
                "invalid --lvs-backend {s:?}: expected ipvs, nftables or auto"
            )),
        }
    }
}

impl fmt::Display for LvsBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Auto => "auto",
            Self::Ipvs => "ipvs",
            Self::Nftables => "nftables",
        })
    }
}

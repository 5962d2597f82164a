//! The nftables data plane: the load balancer's table
//! ([`ka_types::lvs::DataPlane`], IPVS's model) rendered as one nftables
//! table and applied atomically, for kernels without IPVS.
//!
//! Every virtual service becomes NAT: a new connection to the virtual
//! address is sent (`dnat`) to one real server chosen by weight
//! (`numgen inc` for rr/wrr, `jhash` of the source for sh and for
//! persistence, of the destination for dh), real servers of weight 0 take
//! none, and a service with no real server to take it refuses it with
//! ICMP port unreachable, as IPVS does. Replies must be routed back
//! through the director, as IPVS NAT requires: nothing is masqueraded.
//! What cannot be honoured (DR, TUN, schedulers that count connections,
//! thresholds, `ops`, persistence engines) is refused by [`check`], per
//! service; what is honoured approximately is listed by [`notes`]. The
//! mapping is documented in `docs/nftables-dataplane.md`.
//!
//! `apply` and `remove` run `nft` in the caller's network namespace.

mod check;
mod maglev;
mod plan;
mod render;

use std::path::{Path, PathBuf};
use std::time::Duration;

use ka_sys::nft::{NFT_TIMEOUT, NftError};
use ka_types::lvs::DataPlane;

pub use check::{Problem, Reason, Unsupported, check, notes};
pub use render::render;

/// The table this data plane owns (family `inet`: IPv4 and IPv6 in one).
pub const TABLE: &str = "keepalived_rs_lb";

/// The `jhash` seed. Fixed, so a client hashes to the same real server
/// after every re-apply (the kernel would pick a random seed per rule).
pub const HASH_SEED: u32 = 0x6b61_6c62;

/// A failed apply or removal.
#[derive(Debug, thiserror::Error)]
pub enum NftLbError {
    /// The table asks for what nftables cannot honour; nothing was applied.
    #[error(transparent)]
    Unsupported(#[from] Unsupported),
    /// `nft` failed; the previous table is still in place.
    #[error(transparent)]
    Nft(#[from] NftError),
}

/// How long `nft` may take for `table`: the usual limit, plus 1 ms per
/// service and destination for large tables (1,000 services of 10 real
/// servers apply in well under a second; see the benchmark).
pub fn time_limit(table: &DataPlane) -> Duration {
    let items: usize = table.services.values().map(|s| 1 + s.dests.len()).sum();
    NFT_TIMEOUT + Duration::from_millis(items as u64)
}

/// Checks `table`, renders it and applies it with `nft -f -` in one
/// transaction, replacing this data plane's previous table.
pub async fn apply(table: &DataPlane) -> Result<(), NftLbError> {
    apply_with(Path::new("nft"), table).await
}

/// [`apply`] with `program` standing in for `nft`.
async fn apply_with(
    program: &Path,
    table: &DataPlane,
) -> Result<(), NftLbError> {
    check(table)?;
    let script = render(table);
    tracing::debug!(
        services = table.services.len(),
        bytes = script.len(),
        "nftables data plane: applying table {TABLE}"
    );
    ka_sys::nft::apply_with(program, &script, time_limit(table)).await?;
    Ok(())
}

/// Deletes this data plane's table (stop); absent is success.
pub async fn remove() -> Result<(), NftLbError> {
    ka_sys::nft::delete_table("inet", TABLE).await?;
    Ok(())
}

/// The table last applied, so that applying an unchanged table (a reload
/// that changes nothing, a verdict that does not change the weights) runs
/// no `nft` at all. A whole-table apply of 1,000 services costs about
/// half a second.
#[derive(Debug)]
pub struct Synced {
    program: PathBuf,
    applied: Option<DataPlane>,
}

impl Default for Synced {
    fn default() -> Self {
        Self::new()
    }
}

impl Synced {
    /// Nothing applied yet; `nft` from `PATH`.
    pub fn new() -> Self {
        Self::with_program(PathBuf::from("nft"))
    }

    /// With `program` standing in for `nft` (tests).
    pub fn with_program(program: PathBuf) -> Self {
        Self {
            program,
            applied: None,
        }
    }

    /// Applies `want` unless it is what was last applied. Returns whether
    /// `nft` ran. After a failure the next call applies again.
    pub async fn sync(&mut self, want: &DataPlane) -> Result<bool, NftLbError> {
        if self.applied.as_ref() == Some(want) {
            return Ok(false);
        }
        self.applied = None;
        apply_with(&self.program, want).await?;
        self.applied = Some(want.clone());
        Ok(true)
    }

    /// Deletes the table ([`remove`]); the next `sync` applies again.
    pub async fn remove(&mut self) -> Result<(), NftLbError> {
        self.applied = None;
        remove().await
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;

//! The kernel table: IPVS over generic netlink (`ka_ipvs`), or one
//! nftables table (`ka_lvs_nft`) where the kernel has no IPVS.

use std::io;

use ka_types::lvs::{DataPlane, Op};

use crate::check::LvsBackend;
use crate::check::io::{DataPlaneError, DataPlaneIo};
use crate::check::plan::{CheckPlan, LvsGlobals};
use crate::core::log::target;

const NFT: &str = "nftables";

/// The table backend in use.
#[derive(Debug)]
pub(crate) enum Table {
    /// nftables: the whole table, kept as a mirror and re-applied in one
    /// transaction per step.
    Nft {
        /// What the table holds.
        mirror: DataPlane,
    },
}

impl Table {
    /// The backend `choice` asks for. `auto`: IPVS when it opens, else
    /// nftables, with one line saying which. nftables refuses a plan it
    /// cannot honour here, before anything runs.
    pub(crate) async fn open(
        plan: &CheckPlan,
        choice: LvsBackend,
    ) -> io::Result<Self> {
        if choice == LvsBackend::Ipvs {
            return Err(io::Error::other(
                "the IPVS data plane is not built in yet",
            ));
        }
        let whole = every_destination(plan);
        ka_lvs_nft::check(&whole).map_err(io::Error::other)?;
        if choice == LvsBackend::Nftables {
            tracing::info!(target: target::CHECK, "Using the nftables data plane (table inet {})", ka_lvs_nft::TABLE);
        }
        for note in ka_lvs_nft::notes(&whole) {
            tracing::warn!(target: target::CHECK, "{note}");
        }
        Ok(Self::Nft {
            mirror: DataPlane::default(),
        })
    }
}

/// The table with every service and every real and sorry server in it:
/// what nftables must be able to honour whatever the checkers decide.
fn every_destination(plan: &CheckPlan) -> DataPlane {
    let mut t = DataPlane::default();
    for vs in &plan.engine.virtual_servers {
        for s in &vs.services {
            t.apply(&Op::AddService(s.clone()));
            let dests = vs.real_servers.iter().map(|r| r.dest);
            let sorry = vs.sorry_server.as_ref().map(|s| s.dest);
            for d in dests.chain(sorry) {
                t.apply(&Op::AddDest(s.key, d));
            }
        }
    }
    t
}

impl DataPlaneIo for Table {
    async fn start(&mut self, lvs: &LvsGlobals) -> Result<(), DataPlaneError> {
        match self {
            Self::Nft { .. } => {
                // Every apply replaces the whole table: nothing to flush.
                if lvs.timeouts.is_some() {
                    return Err(DataPlaneError::new(
                        NFT,
                        "lvs_timeouts cannot be honoured (connection timeouts are IPVS settings); ignored",
                    ));
                }
                Ok(())
            }
        }
    }

    async fn apply(&mut self, ops: &[Op]) -> Result<(), DataPlaneError> {
        match self {
            Self::Nft { mirror } => {
                let before = mirror.clone();
                ops.iter().for_each(|op| mirror.apply(op));
                if *mirror == before {
                    return Ok(());
                }
                ka_lvs_nft::apply(mirror)
                    .await
                    .map_err(|e| DataPlaneError::new(NFT, e))
            }
        }
    }

    async fn flush(&mut self) -> Result<(), DataPlaneError> {
        match self {
            Self::Nft { mirror } => {
                *mirror = DataPlane::default();
                ka_lvs_nft::remove()
                    .await
                    .map_err(|e| DataPlaneError::new(NFT, e))
            }
        }
    }

    async fn close(&mut self, release: bool) -> Result<(), DataPlaneError> {
        match self {
            Self::Nft { .. } if release => ka_lvs_nft::remove()
                .await
                .map_err(|e| DataPlaneError::new(NFT, e)),
            Self::Nft { .. } => Ok(()),
        }
    }
}

//! The kernel table: IPVS over generic netlink (`ka_ipvs`), or one
//! nftables table (`ka_lvs_nft`) where the kernel has no IPVS.

use std::io;

use ka_ipvs::{Ipvs, Timeouts};
use ka_types::lvs::{DataPlane, Op};

use crate::check::LvsBackend;
use crate::check::io::{DataPlaneError, DataPlaneIo};
use crate::check::nft_worker::NftWorker;
use crate::check::plan::{CheckPlan, LvsGlobals};
use crate::core::log::target;

const IPVS: &str = "IPVS";
const NFT: &str = "nftables";

/// The table backend in use.
#[derive(Debug)]
pub(crate) enum Table {
    /// IPVS: each change is one netlink request.
    Ipvs(Box<Ipvs>),
    /// nftables: the whole table, kept as a mirror and re-applied in one
    /// transaction per step, off the event loop.
    Nft {
        /// What the table holds.
        mirror: DataPlane,
        /// Applies it.
        worker: NftWorker,
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
        let ipvs = match choice {
            LvsBackend::Nftables => None,
            LvsBackend::Ipvs => {
                Some(Ipvs::open().await.map_err(io::Error::other)?)
            }
            LvsBackend::Auto => match Ipvs::open().await {
                Ok(i) => Some(i),
                Err(e) => {
                    tracing::info!(target: target::CHECK, "{e}: using the nftables data plane (table inet {})", ka_lvs_nft::TABLE);
                    None
                }
            },
        };
        if let Some(i) = ipvs {
            tracing::info!(target: target::CHECK, "Using the IPVS data plane");
            return Ok(Self::Ipvs(Box::new(i)));
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
            worker: NftWorker::spawn(),
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
            Self::Ipvs(ipvs) => {
                if lvs.flush {
                    ipvs.flush()
                        .await
                        .map_err(|e| DataPlaneError::new(IPVS, e))?;
                }
                if let Some(t) = lvs.timeouts {
                    // keepalived compat: an unset value is sent as 0,
                    // which the kernel takes as "unchanged".
                    let t = Timeouts {
                        tcp: t.tcp.unwrap_or(0),
                        tcp_fin: t.tcpfin.unwrap_or(0),
                        udp: t.udp.unwrap_or(0),
                    };
                    ipvs.set_timeouts(t)
                        .await
                        .map_err(|e| DataPlaneError::new(IPVS, e))?;
                }
                Ok(())
            }
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
            Self::Ipvs(ipvs) => {
                let mut first = None;
                for op in ops {
                    if let Err(e) = ipvs.apply(op).await {
                        tracing::error!(target: target::CHECK, "{e}");
                        first.get_or_insert(e);
                    }
                }
                first.map_or(Ok(()), |e| Err(DataPlaneError::new(IPVS, e)))
            }
            Self::Nft { mirror, worker } => {
                let before = mirror.clone();
                ops.iter().for_each(|op| mirror.apply(op));
                if *mirror != before {
                    // Refused services are left out of the rendering (and
                    // were refused at start); failures are logged by the
                    // worker.
                    worker.apply(mirror);
                }
                Ok(())
            }
        }
    }

    async fn flush(&mut self) -> Result<(), DataPlaneError> {
        match self {
            Self::Ipvs(ipvs) => {
                ipvs.flush().await.map_err(|e| DataPlaneError::new(IPVS, e))
            }
            Self::Nft { mirror, worker } => {
                *mirror = DataPlane::default();
                worker.remove().await;
                Ok(())
            }
        }
    }

    async fn close(&mut self, release: bool) -> Result<(), DataPlaneError> {
        match self {
            Self::Ipvs(_) => Ok(()),
            Self::Nft { worker, .. } if release => {
                worker.remove().await;
                Ok(())
            }
            Self::Nft { .. } => Ok(()),
        }
    }
}

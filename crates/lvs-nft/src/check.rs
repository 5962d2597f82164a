//! What the nftables data plane cannot honour, per service, in words an
//! operator can act on; and what it honours only approximately.

use std::fmt;
use std::net::SocketAddr;

use ka_types::lvs::{DataPlane, Forward, SvcKey};

use crate::plan::plan;

/// Why one service cannot be run by nftables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// A scheduler that decides by live connection counts nftables does
    /// not keep (`lc wlc sed nq ovf lblc lblcr twos`).
    Scheduler(String),
    /// A scheduler name IPVS does not know.
    UnknownScheduler(String),
    /// A destination forwarded by direct routing or tunnelling.
    Forward {
        /// The destination.
        dest: SocketAddr,
        /// Its method.
        method: Forward,
    },
    /// `uthreshold` / `lthreshold`: limits on live connection counts.
    Thresholds {
        /// The destination.
        dest: SocketAddr,
    },
    /// `ops` (one-packet scheduling).
    OnePacket,
    /// `persistence_engine`.
    PersistenceEngine(String),
    /// `dh` with persistence: a client would be pinned by its own address,
    /// where dh chooses by the address it connects to.
    DhPersistent,
    /// Destinations some of which keep the client's port and some not.
    MixedPorts,
    /// A destination of the other address family than the service.
    MixedFamily,
    /// Weights summing past 2^32 (the selector's modulus is 32 bits).
    WeightOverflow,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Scheduler(s) => write!(
                f,
                "scheduler {s} chooses by live connection counts, which the \
                 nftables data plane does not keep; use rr, wrr, sh, dh, \
                 mh or fo, or IPVS"
            ),
            Self::UnknownScheduler(s) => write!(f, "unknown scheduler {s}"),
            Self::Forward { dest, method } => write!(
                f,
                "real server {dest}: lb_kind {} is not supported by the \
                 nftables data plane (NAT only); use IPVS",
                match method {
                    Forward::Masq => "NAT",
                    Forward::Tunnel => "TUN",
                    Forward::Route => "DR",
                }
            ),
            Self::Thresholds { dest } => write!(
                f,
                "real server {dest}: uthreshold/lthreshold limit live \
                 connection counts, which the nftables data plane does not \
                 keep; use IPVS"
            ),
            Self::OnePacket => write!(
                f,
                "ops (one-packet scheduling) is not supported by the \
                 nftables data plane; use IPVS"
            ),
            Self::PersistenceEngine(pe) => write!(
                f,
                "persistence_engine {pe} is not supported by the nftables \
                 data plane; use IPVS"
            ),
            Self::DhPersistent => write!(
                f,
                "dh with persistence is not supported by the nftables data \
                 plane (persistence is approximated by source hashing, which \
                 contradicts dh); use IPVS"
            ),
            Self::MixedPorts => write!(
                f,
                "real servers mix port 0 (keep the client's port) with fixed \
                 ports"
            ),
            Self::MixedFamily => write!(
                f,
                "a real server is not of the virtual server's address family"
            ),
            Self::WeightOverflow => write!(
                f,
                "the weights add up to more than 4294967295 (nftables' \
                 selector modulus is 32 bits)"
            ),
        }
    }
}

/// One service that cannot be honoured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The service.
    pub service: SvcKey,
    /// Why.
    pub reason: Reason,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "virtual server {}: {}", self.service, self.reason)
    }
}

/// Every service of a table that cannot be honoured.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Unsupported {
    /// One per refused service, in key order.
    pub problems: Vec<Problem>,
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the nftables data plane cannot run ")?;
        for (i, p) in self.problems.iter().enumerate() {
            let sep = if i == 0 { "" } else { "; " };
            write!(f, "{sep}{p}")?;
        }
        Ok(())
    }
}

/// What cannot be honoured, per service (none: `Ok`).
pub fn check(table: &DataPlane) -> Result<(), Unsupported> {
    let problems: Vec<Problem> = table
        .services
        .iter()
        .filter_map(|(key, state)| {
            plan(state).err().map(|reason| Problem {
                service: *key,
                reason,
            })
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Unsupported { problems })
    }
}

/// What is honoured only approximately, per service, for the log: one
/// line each, to be logged when the table is first applied and on reload.
pub fn notes(table: &DataPlane) -> Vec<String> {
    let mut out = Vec::new();
    for (key, state) in &table.services {
        let Ok(p) = plan(state) else { continue };
        if p.persistent {
            out.push(format!(
                "virtual server {key}: persistence is approximated by \
                 hashing the client's address (nftables keeps no \
                 persistence templates): a client stays on its real server \
                 while that server stays, with no timeout; adding or \
                 removing a server moves about 1/N of the clients"
            ));
        }
        if p.fo_tie {
            out.push(format!(
                "virtual server {key}: fo: several real servers share the \
                 highest weight; the lowest address is used (IPVS takes the \
                 first one added)"
            ));
        }
        if !p.persistent && state.service.scheduler == "mh" {
            out.push(format!(
                "virtual server {key}: mh: Maglev hashing over a {}-entry \
                 table with our own permutations; which source goes to \
                 which real server differs from IPVS's",
                crate::maglev::TABLE_SIZE
            ));
        }
        if !p.persistent && state.service.scheduler == "sh" {
            out.push(format!(
                "virtual server {key}: sh: sources are hashed over the real \
                 servers of positive weight only (IPVS without sh-fallback \
                 fails the sources of a weight-0 server instead)"
            ));
        }
    }
    out
}

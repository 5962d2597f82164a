//! What each virtual service becomes in nftables: which destinations
//! receive new connections, and how one is chosen. Pure: `check` and
//! `render` both read this plan, so what is refused and what is written
//! cannot disagree.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ka_types::lvs::{Dest, Forward, ServiceState, SvcKey, svc_flags};

use crate::check::Reason;
use crate::maglev;

/// Where a new connection is sent: an address, and a port unless the
/// client's destination port is kept (fwmark and port-0 services whose
/// destinations have port 0, as IPVS does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) ip: IpAddr,
    pub(crate) port: Option<u16>,
}

/// How one of several destinations is chosen for a new connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Spread {
    /// `numgen inc`: each new connection takes the next slot (rr, wrr).
    Turn,
    /// `jhash` of the client's address, masked (persistence granularity),
    /// and of its port when `port` (sh with `sh-port`).
    Source { mask: Option<IpAddr>, port: bool },
    /// `jhash` of the destination address (dh).
    Dest,
}

/// A slot range `lo..=hi` of the selector's value, owned by one target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    pub(crate) lo: u64,
    pub(crate) hi: u64,
    pub(crate) to: Target,
}

/// The service's selection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Pick {
    /// No destination may take new connections: refused as IPVS refuses
    /// them (ICMP port unreachable).
    Nobody,
    /// Exactly one destination takes every new connection.
    One(Target),
    /// `modulus` slots shared by weight.
    Spread {
        by: Spread,
        modulus: u64,
        slots: Vec<Slot>,
    },
}

/// One service's plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Plan {
    pub(crate) pick: Pick,
    /// Whether the service is persistent (approximated by source hashing).
    pub(crate) persistent: bool,
    /// Whether `fo` had to break a tie between equal highest weights.
    pub(crate) fo_tie: bool,
}

/// The scheduler families the nftables data plane can honour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sched {
    Rr,
    Wrr,
    Sh,
    Dh,
    Fo,
    Mh,
}

/// Plans one service, or says why it cannot be honoured.
pub(crate) fn plan(state: &ServiceState) -> Result<Plan, Reason> {
    let svc = &state.service;
    let sched = scheduler(&svc.scheduler)?;
    let persistent = svc.flags & svc_flags::PERSISTENT != 0;
    if svc.flags & svc_flags::ONEPACKET != 0 {
        return Err(Reason::OnePacket);
    }
    if let Some(pe) = svc.pe_name.as_ref().filter(|pe| !pe.is_empty()) {
        return Err(Reason::PersistenceEngine(pe.clone()));
    }
    if persistent && sched == Sched::Dh {
        return Err(Reason::DhPersistent);
    }
    for d in state.dests.values() {
        if d.forward != Forward::Masq {
            return Err(Reason::Forward {
                dest: d.addr,
                method: d.forward,
            });
        }
        if d.u_threshold != 0 || d.l_threshold != 0 {
            return Err(Reason::Thresholds { dest: d.addr });
        }
    }
    // Ports and families are checked over every destination, not only the
    // live ones, so a weight change at run time cannot make an accepted
    // service unsupported.
    let all: Vec<&Dest> = state.dests.values().collect();
    targets(&svc.key, &all)?;
    let live: Vec<&Dest> = all.into_iter().filter(|d| d.weight > 0).collect();
    let targets = targets(&svc.key, &live)?;
    let mut plan = Plan {
        pick: Pick::Nobody,
        persistent,
        fo_tie: false,
    };
    if live.is_empty() {
        return Ok(plan);
    }
    if sched == Sched::Fo {
        // IPVS fo: the available destination of highest weight.
        let top = live.iter().map(|d| d.weight).max().unwrap_or(0);
        let first = live.iter().position(|d| d.weight == top).unwrap_or(0);
        plan.fo_tie = live.iter().filter(|d| d.weight == top).count() > 1;
        plan.pick = Pick::One(targets[first]);
        return Ok(plan);
    }
    if live.len() == 1 {
        plan.pick = Pick::One(targets[0]);
        return Ok(plan);
    }
    let by = if persistent {
        Spread::Source {
            mask: mask(&svc.key, svc.netmask),
            port: false,
        }
    } else {
        match sched {
            Sched::Rr | Sched::Wrr => Spread::Turn,
            // sh-port, mh-port: IP_VS_SVC_F_SCHED2.
            Sched::Sh | Sched::Mh => Spread::Source {
                mask: None,
                port: svc.flags & svc_flags::SCHED2 != 0,
            },
            Sched::Dh | Sched::Fo => Spread::Dest,
        }
    };
    // rr ignores weights (any positive weight is one turn); a persistent
    // rr service spreads its clients evenly too.
    let weights: Vec<u64> = live
        .iter()
        .map(|d| {
            if sched == Sched::Rr {
                1
            } else {
                u64::from(d.weight)
            }
        })
        .collect();
    // mh is consistent hashing; persistence uses it too, so a server added
    // or removed moves only its share of the clients.
    let (modulus, slots) = if persistent || sched == Sched::Mh {
        (maglev::TABLE_SIZE, maglev::slots(&weights, &targets))
    } else {
        slots(&weights, &targets)?
    };
    plan.pick = Pick::Spread { by, modulus, slots };
    Ok(plan)
}

/// The scheduler, or why it cannot be honoured.
fn scheduler(name: &str) -> Result<Sched, Reason> {
    match name {
        "rr" => Ok(Sched::Rr),
        "wrr" => Ok(Sched::Wrr),
        "sh" => Ok(Sched::Sh),
        "dh" => Ok(Sched::Dh),
        "fo" => Ok(Sched::Fo),
        "mh" => Ok(Sched::Mh),
        "lc" | "wlc" | "sed" | "nq" | "ovf" | "lblc" | "lblcr" | "twos" => {
            Err(Reason::Scheduler(name.to_owned()))
        }
        _ => Err(Reason::UnknownScheduler(name.to_owned())),
    }
}

/// The targets of `live`, in order. A destination of
/// port 0 keeps the client's port in a fwmark or port-0 service (IPVS),
/// and takes the service's port otherwise.
fn targets(key: &SvcKey, live: &[&Dest]) -> Result<Vec<Target>, Reason> {
    let svc_port = match key {
        SvcKey::Addr { addr, .. } if addr.port() != 0 => Some(addr.port()),
        _ => None,
    };
    let out: Vec<Target> = live
        .iter()
        .map(|d| Target {
            ip: d.addr.ip(),
            port: match d.addr.port() {
                0 => svc_port,
                p => Some(p),
            },
        })
        .collect();
    if out.iter().any(|t| t.ip.is_ipv4() != key_is_v4(key)) {
        return Err(Reason::MixedFamily);
    }
    let with_port = out.iter().filter(|t| t.port.is_some()).count();
    if with_port != 0 && with_port != out.len() {
        return Err(Reason::MixedPorts);
    }
    Ok(out)
}

fn key_is_v4(key: &SvcKey) -> bool {
    key.family() == ka_types::lvs::Family::Inet
}

/// Slot ranges by weight, reduced by their greatest common divisor: a
/// destination of weight w owns w of every `modulus` consecutive values.
fn slots(
    weights: &[u64],
    targets: &[Target],
) -> Result<(u64, Vec<Slot>), Reason> {
    let g = weights.iter().copied().fold(0, gcd).max(1);
    let mut next = 0u64;
    let mut out = Vec::with_capacity(weights.len());
    for (w, t) in weights.iter().zip(targets) {
        let n = w / g;
        out.push(Slot {
            lo: next,
            hi: next + n - 1,
            to: *t,
        });
        next += n;
    }
    // `numgen ... mod N` and `jhash ... mod N` take a 32-bit N.
    if next > u64::from(u32::MAX) {
        return Err(Reason::WeightOverflow);
    }
    Ok((next, out))
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// The persistence granularity as an address mask, `None` for a whole
/// address. IPv4: `netmask` is the mask itself (host order); IPv6: a
/// prefix length (`IPVS_SVC_ATTR_NETMASK`).
fn mask(key: &SvcKey, netmask: u32) -> Option<IpAddr> {
    if key_is_v4(key) {
        (netmask != u32::MAX && netmask != 0)
            .then(|| IpAddr::V4(Ipv4Addr::from(netmask)))
    } else {
        let len = netmask.min(128);
        (len != 128 && len != 0)
            .then(|| IpAddr::V6(Ipv6Addr::from(u128::MAX << (128 - len))))
    }
}

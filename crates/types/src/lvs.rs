//! The load balancer's kernel state: IPVS services and their
//! destinations. The checker engine computes the desired state; the data
//! planes (IPVS over generic netlink, nftables) make the kernel match it.
//! Values are IPVS's own (`include/uapi/linux/ip_vs.h`), so the IPVS
//! driver copies them into attributes and the nftables renderer reads the
//! same meaning.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

/// A service's transport protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[derive(Serialize, Deserialize)]
pub enum Proto {
    /// TCP (`IPPROTO_TCP`).
    Tcp,
    /// UDP (`IPPROTO_UDP`).
    Udp,
    /// SCTP (`IPPROTO_SCTP`).
    Sctp,
}

impl Proto {
    /// The IP protocol number (`IPVS_SVC_ATTR_PROTOCOL`).
    pub const fn number(self) -> u8 {
        match self {
            Self::Tcp => 6,
            Self::Udp => 17,
            Self::Sctp => 132,
        }
    }

    /// The protocol with that number.
    pub const fn from_number(n: u8) -> Option<Self> {
        match n {
            6 => Some(Self::Tcp),
            17 => Some(Self::Udp),
            132 => Some(Self::Sctp),
            _ => None,
        }
    }

    /// keepalived's lower-case spelling in log lines (`tcp`, `udp`, `sctp`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Udp => "udp",
            Self::Sctp => "sctp",
        }
    }
}

/// An address family (`IPVS_SVC_ATTR_AF`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[derive(Serialize, Deserialize)]
pub enum Family {
    /// `AF_INET`.
    Inet,
    /// `AF_INET6`.
    Inet6,
}

/// What identifies a service in the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[derive(Serialize, Deserialize)]
pub enum SvcKey {
    /// Protocol, address and port (port 0: persistent, any port).
    Addr {
        /// The protocol.
        proto: Proto,
        /// The virtual address and port.
        addr: SocketAddr,
    },
    /// A firewall mark, in one family.
    Fwmark {
        /// The mark.
        mark: u32,
        /// The family.
        family: Family,
    },
}

impl SvcKey {
    /// The service's family.
    pub fn family(&self) -> Family {
        match self {
            Self::Addr { addr, .. } if addr.is_ipv4() => Family::Inet,
            Self::Addr { .. } => Family::Inet6,
            Self::Fwmark { family, .. } => *family,
        }
    }
}

impl fmt::Display for SvcKey {
    /// keepalived's `FMT_VS` spelling: `[192.0.2.1]:tcp:80`, `FWM 5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Addr { proto, addr } => {
                write!(f, "[{}]:{}:{}", addr.ip(), proto.as_str(), addr.port())
            }
            Self::Fwmark { mark, .. } => write!(f, "FWM {mark}"),
        }
    }
}

/// `IP_VS_SVC_F_*` service flags.
pub mod svc_flags {
    /// `IP_VS_SVC_F_PERSISTENT`.
    pub const PERSISTENT: u32 = 0x0001;
    /// `IP_VS_SVC_F_HASHED` (set by the kernel; never sent).
    pub const HASHED: u32 = 0x0002;
    /// `IP_VS_SVC_F_ONEPACKET` (`ops`).
    pub const ONEPACKET: u32 = 0x0004;
    /// `IP_VS_SVC_F_SCHED1` (`flag-1`, `sh-fallback`, `mh-fallback`).
    pub const SCHED1: u32 = 0x0008;
    /// `IP_VS_SVC_F_SCHED2` (`flag-2`, `sh-port`, `mh-port`).
    pub const SCHED2: u32 = 0x0010;
    /// `IP_VS_SVC_F_SCHED3` (`flag-3`).
    pub const SCHED3: u32 = 0x0020;
}

/// A virtual service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// What identifies it.
    pub key: SvcKey,
    /// The kernel scheduler name (`wlc`, `rr`, …).
    pub scheduler: String,
    /// `svc_flags` bits.
    pub flags: u32,
    /// Persistence timeout in seconds (0 when not persistent).
    pub timeout: u32,
    /// `IPVS_SVC_ATTR_NETMASK`: an IPv4 mask as a host-order `u32`
    /// (`0xffff_ffff` for /32), or an IPv6 prefix length (128).
    pub netmask: u32,
    /// `persistence_engine`.
    pub pe_name: Option<String>,
}

/// A destination's forwarding method (`IP_VS_CONN_F_FWD_MASK` values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Forward {
    /// NAT (`IP_VS_CONN_F_MASQ` = 0).
    Masq,
    /// Tunnelling (`IP_VS_CONN_F_TUNNEL` = 2).
    Tunnel,
    /// Direct routing (`IP_VS_CONN_F_DROUTE` = 3).
    Route,
}

impl Forward {
    /// The kernel value (`IPVS_DEST_ATTR_FWD_METHOD`).
    pub const fn value(self) -> u32 {
        match self {
            Self::Masq => 0,
            Self::Tunnel => 2,
            Self::Route => 3,
        }
    }
}

/// Tunnel encapsulation of a `Forward::Tunnel` destination
/// (`IPVS_DEST_ATTR_TUN_TYPE`, `_TUN_PORT`, `_TUN_FLAGS`).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize
)]
pub struct Tunnel {
    /// `IP_VS_CONN_F_TUNNEL_TYPE_IPIP` 0, `_GUE` 1, `_GRE` 2.
    pub kind: u8,
    /// The GUE port (0 otherwise).
    pub port: u16,
    /// `IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM` 0, `_CSUM` 1, `_REMCSUM` 2.
    pub flags: u16,
}

/// A real server in a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Dest {
    /// Address and port (non-NAT destinations carry the service's port;
    /// fwmark services 0), as keepalived sends them.
    pub addr: SocketAddr,
    /// Forwarding method.
    pub forward: Forward,
    /// Encapsulation, for `Forward::Tunnel`.
    pub tunnel: Option<Tunnel>,
    /// Scheduling weight (0: no new connections).
    pub weight: u32,
    /// `uthreshold` (0: none).
    pub u_threshold: u32,
    /// `lthreshold` (0: none).
    pub l_threshold: u32,
}

/// A service with its destinations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceState {
    /// The service.
    pub service: Service,
    /// Its destinations by address.
    pub dests: BTreeMap<SocketAddr, Dest>,
}

/// One change to the kernel's table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// `IPVS_CMD_NEW_SERVICE`.
    AddService(Service),
    /// `IPVS_CMD_SET_SERVICE`.
    EditService(Service),
    /// `IPVS_CMD_DEL_SERVICE` (its destinations go with it).
    DelService(SvcKey),
    /// `IPVS_CMD_NEW_DEST`.
    AddDest(SvcKey, Dest),
    /// `IPVS_CMD_SET_DEST`.
    EditDest(SvcKey, Dest),
    /// `IPVS_CMD_DEL_DEST`.
    DelDest(SvcKey, SocketAddr),
}

/// A whole table: every service and destination.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataPlane {
    /// Services by key.
    pub services: BTreeMap<SvcKey, ServiceState>,
}

impl DataPlane {
    /// Applies one change. An add of what exists replaces it, an edit or
    /// delete of what is absent does nothing (the kernel would refuse).
    pub fn apply(&mut self, op: &Op) {
        match op {
            Op::AddService(s) | Op::EditService(s) => {
                let entry = self.services.entry(s.key).or_insert_with(|| {
                    ServiceState {
                        service: s.clone(),
                        dests: BTreeMap::new(),
                    }
                });
                entry.service = s.clone();
            }
            Op::DelService(k) => {
                self.services.remove(k);
            }
            Op::AddDest(k, d) | Op::EditDest(k, d) => {
                if let Some(s) = self.services.get_mut(k) {
                    s.dests.insert(d.addr, *d);
                }
            }
            Op::DelDest(k, a) => {
                if let Some(s) = self.services.get_mut(k) {
                    s.dests.remove(a);
                }
            }
        }
    }

    /// The changes that turn `self` into `target`, touching only what
    /// differs: removals first (destinations, then services), then
    /// services added or edited, then destinations added or edited.
    pub fn diff(&self, target: &Self) -> Vec<Op> {
        let mut ops = Vec::new();
        for (key, cur) in &self.services {
            match target.services.get(key) {
                None => ops.push(Op::DelService(*key)),
                Some(want) => ops.extend(
                    cur.dests
                        .keys()
                        .filter(|a| !want.dests.contains_key(a))
                        .map(|a| Op::DelDest(*key, *a)),
                ),
            }
        }
        for (key, want) in &target.services {
            match self.services.get(key) {
                None => ops.push(Op::AddService(want.service.clone())),
                Some(cur) if cur.service != want.service => {
                    ops.push(Op::EditService(want.service.clone()));
                }
                Some(_) => {}
            }
        }
        for (key, want) in &target.services {
            let cur = self.services.get(key).map(|s| &s.dests);
            for (addr, d) in &want.dests {
                match cur.and_then(|c| c.get(addr)) {
                    None => ops.push(Op::AddDest(*key, *d)),
                    Some(c) if c != d => ops.push(Op::EditDest(*key, *d)),
                    Some(_) => {}
                }
            }
        }
        ops
    }
}

#[cfg(test)]
#[path = "lvs_tests.rs"]
mod tests;

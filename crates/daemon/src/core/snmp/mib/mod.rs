//! The values keepalived-rs serves, built from one [`Status`] when a
//! request arrives: KEEPALIVED-MIB's global part ([`global`]) and VRRP
//! part ([`vrrp`], [`vrrp_addr`]), VRRP-MIB (RFC 2787, [`rfc2787`]) and
//! VRRPv3-MIB (RFC 6527, [`rfc6527`]), each filled as keepalived 2.2.7
//! fills it (`keepalived/core/snmp.c`, `keepalived/vrrp/vrrp_snmp.c`).

mod global;
mod rfc2787;
mod rfc6527;
mod rows;
mod vrrp;
mod vrrp_addr;
mod vrrp_scripts;

#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod tests_support {
    //! The MIB tests' status, for the notification tests too.
    pub(crate) use super::tests::{ifaces, status};
}

use std::time::SystemTime;

use ka_agentx::{MibView, Oid};

use crate::core::operator::Status;
use crate::vrrp::dump::IfaceInfo;

pub(crate) use global::router_id;
pub(crate) use rfc6527::master_reason;
pub(crate) use rows::{Row, rows};

/// KEEPALIVED-MIB: `1.3.6.1.4.1.9586.100.5` (debian.100.5).
pub(crate) const KEEPALIVED: [u32; 9] = [1, 3, 6, 1, 4, 1, 9586, 100, 5];

/// KEEPALIVED-MIB's global part (`global`, `.1`).
pub(crate) fn global_oid() -> Oid {
    Oid::new(&KEEPALIVED).child(&[1])
}

/// KEEPALIVED-MIB's VRRP part (`vrrp`, `.2`).
pub(crate) fn vrrp_oid() -> Oid {
    Oid::new(&KEEPALIVED).child(&[2])
}

/// VRRP-MIB (RFC 2787): mib-2 68.
pub(crate) fn rfc2787_oid() -> Oid {
    Oid::new(&[1, 3, 6, 1, 2, 1, 68])
}

/// VRRPv3-MIB (RFC 6527): mib-2 207.
pub(crate) fn rfc6527_oid() -> Oid {
    Oid::new(&[1, 3, 6, 1, 2, 1, 207])
}

/// Which MIB parts are served (`enable_snmp_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Parts {
    /// KEEPALIVED-MIB `global`: with `enable_snmp_vrrp` (keepalived's
    /// VRRP process registers it when it serves the VRRP part).
    pub global: bool,
    /// KEEPALIVED-MIB `vrrp` (`enable_snmp_vrrp`).
    pub vrrp: bool,
    /// RFC 2787 (`enable_snmp_rfcv2`, `enable_snmp_rfc`).
    pub rfcv2: bool,
    /// RFC 6527 (`enable_snmp_rfcv3`, `enable_snmp_rfc`).
    pub rfcv3: bool,
}

/// The times a view depends on.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    /// Now.
    pub now: SystemTime,
    /// When the subagent started (keepalived `snmp_vrrp_start_time`).
    pub snmp_start: SystemTime,
    /// When the instances started (keepalived `stats->uptime`): the
    /// process's start.
    pub instances_start: SystemTime,
}

/// Every value of the parts `parts` enables, from `status` and the
/// namespace's interfaces `ifaces`.
pub fn build(
    status: &Status,
    parts: Parts,
    ifaces: &[IfaceInfo],
    clock: Clock,
) -> MibView {
    let mut v = MibView::new();
    let rows = rows(status, ifaces, clock.now);
    let cfg = status.plan.vrrp.as_ref().map(|p| &*p.config);
    if parts.global
        && let Some(cfg) = cfg
    {
        global::fill(&mut v, &cfg.global);
    }
    if parts.vrrp {
        vrrp::fill(&mut v, status, &rows);
        vrrp_addr::fill(&mut v, status, &rows, ifaces);
        vrrp_scripts::fill(&mut v, status);
    }
    let traps = cfg.is_some_and(|c| c.global.snmp.enable_traps);
    if parts.rfcv2 {
        rfc2787::fill(&mut v, status, &rows, traps, clock);
    }
    if parts.rfcv3 {
        rfc6527::fill(&mut v, status, &rows, clock);
    }
    v
}

/// keepalived `vrrp_snmp_state`: INIT 0, BACKUP 1, MASTER 2, FAULT 3,
/// anything else 4 (unknown).
pub(crate) fn keepalived_state(s: ka_vrrp::State) -> i32 {
    use ka_vrrp::State::*;
    match s {
        Init => 0,
        Backup => 1,
        Master => 2,
        Fault => 3,
        Stop => 4,
    }
}

/// keepalived `vrrp_snmp_rfc_state` (RFC 2787 / 6527 `OperState`):
/// initialize(1), backup(2), master(3); FAULT and STOP are initialize.
pub(crate) fn rfc_state(s: ka_vrrp::State) -> i32 {
    use ka_vrrp::State::*;
    match s {
        Backup => 2,
        Master => 3,
        Init | Fault | Stop => 1,
    }
}

/// InetAddressType (RFC 4001): ipv4(1), ipv6(2).
pub(crate) fn inet_type(ipv6: bool) -> i32 {
    if ipv6 { 2 } else { 1 }
}

/// An address as InetAddress octets.
pub(crate) fn inet_octets(a: std::net::IpAddr) -> Vec<u8> {
    match a {
        std::net::IpAddr::V4(a) => a.octets().to_vec(),
        std::net::IpAddr::V6(a) => a.octets().to_vec(),
    }
}

/// Hundredths of a second from `from` to `to` (0 if `to` is earlier),
/// as TimeTicks wrap.
pub(crate) fn centis(from: SystemTime, to: SystemTime) -> u32 {
    let d = to.duration_since(from).unwrap_or_default();
    (d.as_millis() / 10) as u32
}

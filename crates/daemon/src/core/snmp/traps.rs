//! Notifications (keepalived `vrrp_snmp_instance_trap`,
//! `vrrp_snmp_group_trap`, `vrrp_rfcv2_snmp_new_master_trap`,
//! `vrrp_rfcv3_snmp_new_master_notify`), built from a bus signal and
//! what the last [`Status`] said about the instance.
//!
//! Not sent (keepalived-rs's engine does not report the events):
//! vrrpTrapAuthFailure (RFC 2787) and vrrpv3NotifyProtoError (RFC 6527).

use std::collections::HashMap;
use std::net::IpAddr;

use ka_agentx::{Oid, Value, VarBind};
use ka_vrrp::{InitialState, Version};

use super::mib::{self, KEEPALIVED, Parts, Row};
use crate::core::bus::NotifyState;
use crate::core::operator::Status;
use crate::vrrp::dump::IfaceInfo;

/// What a notification needs to know of an instance.
#[derive(Clone, Debug)]
struct InstanceFacts {
    initial: i32,
    version: Version,
    ipv6: bool,
    has_vips: bool,
    vrid: u32,
    base_index: u32,
    /// keepalived `vrrp->saddr`: the adverts' source address.
    saddr: Option<IpAddr>,
    master_reason: i32,
}

/// The facts notifications are built from, refreshed from every
/// [`Status`] the agent reads (a STOP notification at shutdown arrives
/// when no status can be asked for any more).
#[derive(Clone, Debug, Default)]
pub struct TrapFacts {
    loaded: bool,
    router_id: String,
    instances: HashMap<String, InstanceFacts>,
}

impl TrapFacts {
    /// Takes what `status` says; instances it does not list (a status
    /// taken while the engine stops) keep their last facts.
    pub fn update(
        &mut self,
        status: &Status,
        ifaces: &[IfaceInfo],
        now: std::time::SystemTime,
    ) {
        if let Some(p) = &status.plan.vrrp {
            self.router_id = mib::router_id(&p.config.global);
            self.loaded = true;
        }
        for r in mib::rows(status, ifaces, now) {
            self.instances.insert(r.s.name.clone(), facts(&r));
        }
    }

    /// Whether the facts were read at least once and know instance
    /// `name` (any name for "").
    pub fn knows(&self, name: &str) -> bool {
        self.loaded && (name.is_empty() || self.instances.contains_key(name))
    }
}

fn facts(r: &Row<'_>) -> InstanceFacts {
    InstanceFacts {
        initial: match r.c.initial_state {
            InitialState::Backup => 1,
            InitialState::Master => 2,
        },
        version: r.c.version,
        ipv6: r.ipv6(),
        has_vips: !r.c.vips.is_empty(),
        vrid: u32::from(r.s.vrid),
        base_index: r.base_index(),
        saddr: r.s.src_addr.or(Some(r.primary())),
        master_reason: mib::master_reason(r),
    }
}

/// `snmpTrapOID.0` (RFC 3418).
pub(crate) fn snmp_trap_oid() -> Oid {
    Oid::new(&[1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0])
}

/// One notification: its OID and its objects.
pub type Notification = (Oid, Vec<VarBind>);

/// keepalived's state numbers in its traps: BACKUP 1, MASTER 2, FAULT 3,
/// STOP 5, DELETED 6.
fn trap_state(s: NotifyState) -> i32 {
    match s {
        NotifyState::Backup => 1,
        NotifyState::Master => 2,
        NotifyState::Fault => 3,
        NotifyState::Stop => 5,
        NotifyState::Deleted => 6,
    }
}

/// The notifications keepalived sends for one state notification, in its
/// order.
pub fn build(
    facts: &TrapFacts,
    parts: Parts,
    group: bool,
    name: &str,
    state: NotifyState,
) -> Vec<Notification> {
    let mut out = Vec::new();
    let vrrp = Oid::new(&KEEPALIVED).child(&[2]);
    let router = VarBind::new(
        Oid::new(&KEEPALIVED).child(&[1, 2, 0]),
        Value::string(&facts.router_id),
    );
    // keepalived compat: the objects are named without their row index.
    if group {
        if parts.vrrp {
            out.push((
                vrrp.child(&[10, 0, 1]),
                vec![
                    VarBind::new(vrrp.child(&[1, 1, 2]), Value::string(name)),
                    VarBind::new(
                        vrrp.child(&[1, 1, 3]),
                        Value::Integer(trap_state(state)),
                    ),
                    router,
                ],
            ));
        }
        return out;
    }
    let f = facts.instances.get(name);
    if parts.vrrp {
        out.push((
            vrrp.child(&[10, 0, 2]),
            vec![
                VarBind::new(vrrp.child(&[3, 1, 2]), Value::string(name)),
                VarBind::new(
                    vrrp.child(&[3, 1, 4]),
                    Value::Integer(trap_state(state)),
                ),
                VarBind::new(
                    vrrp.child(&[3, 1, 5]),
                    Value::Integer(f.map_or(1, |f| f.initial)),
                ),
                router,
            ],
        ));
    }
    let Some(f) = f.filter(|_| state == NotifyState::Master) else {
        return out;
    };
    // RFC 2787 vrrpTrapNewMaster: VRRPv2 IPv4 instances with VIPs.
    if parts.rfcv2 && f.version == Version::V2 && !f.ipv6 && f.has_vips {
        let ip = match f.saddr {
            Some(IpAddr::V4(a)) => a.octets(),
            _ => [0; 4],
        };
        let rfc = mib::rfc2787_oid();
        out.push((
            rfc.child(&[0, 1]),
            vec![VarBind::new(
                rfc.child(&[1, 3, 1, 7, f.base_index, f.vrid]),
                Value::IpAddress(ip),
            )],
        ));
    }
    // RFC 6527 vrrpv3NewMaster: every instance with VIPs.
    if parts.rfcv3 && f.has_vips {
        let ty = mib::inet_type(f.ipv6) as u32;
        let idx = [f.base_index, f.vrid, ty];
        let addr = f.saddr.map_or_else(Vec::new, mib::inet_octets);
        let rfc = mib::rfc6527_oid();
        out.push((
            rfc.child(&[0, 1]),
            vec![
                VarBind::new(
                    rfc.child(&[1, 1, 1, 1, 3]).child(&idx),
                    Value::OctetString(addr),
                ),
                VarBind::new(
                    rfc.child(&[1, 2, 5, 1, 2]).child(&idx),
                    Value::Integer(f.master_reason),
                ),
            ],
        ));
    }
    out
}

#[cfg(test)]
#[path = "traps_tests.rs"]
mod tests;

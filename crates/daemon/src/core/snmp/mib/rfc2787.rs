//! VRRP-MIB (RFC 2787, mib-2 68): keepalived `vrrp_rfcv2_snmp_*`.
//! Rows are indexed by (ifIndex, VRID) in OID order; keepalived lists
//! only VRRPv2 IPv4 instances with at least one VIP
//! (`suitable_for_rfc2787`).

use std::net::IpAddr;

use ka_agentx::{MibView, Value};
use ka_vrrp::{Auth, State, Version};

use super::{Clock, Row, centis, rfc_state, rfc2787_oid};
use crate::core::operator::Status;

/// keepalived `suitable_for_rfc2787` (built with RFC 6527 support too,
/// as Debian's is: VRRPv2 only).
fn suitable(r: &Row<'_>) -> bool {
    r.c.version == Version::V2 && !r.ipv6() && !r.c.vips.is_empty()
}

/// The 32-bit view of a counter (Counter32 wraps).
fn c32(n: u64) -> Value {
    Value::Counter32(n as u32)
}

pub(super) fn fill(
    v: &mut MibView,
    status: &Status,
    rows: &[Row<'_>],
    traps: bool,
    clock: Clock,
) {
    let base = rfc2787_oid();
    // vrrpNodeVersion, vrrpNotificationCntl (`.1.1`, `.1.2`).
    v.set(&base.child(&[1, 1]), &[0], Value::Integer(2));
    v.set(&base.child(&[1, 2]), &[0], Value::truth(traps));
    let ours: Vec<&Row<'_>> = rows.iter().filter(|r| suitable(r)).collect();
    // vrrpRouterChecksumErrors, VersionErrors, VrIdErrors (`.2.1`–`.2.3`):
    // sums over the instances served. keepalived-rs counts VRID errors
    // per process, not per instance: the process's count is reported.
    let sum = |f: fn(&ka_vrrp::Stats) -> u64| {
        ours.iter().map(|r| f(&r.s.stats)).sum::<u64>()
    };
    v.set(&base.child(&[2, 1]), &[0], c32(sum(|s| s.chk_err)));
    v.set(&base.child(&[2, 2]), &[0], c32(sum(|s| s.vers_err)));
    let vrid = status.snapshot.vrrp.as_ref().map_or(0, |s| s.vrid_errors);
    v.set(
        &base.child(&[2, 3]),
        &[0],
        c32(if ours.is_empty() { 0 } else { vrid }),
    );
    let oper = |c: u32| base.child(&[1, 3, 1, c]);
    let assoc = base.child(&[1, 4, 1, 2]);
    let stats = |c: u32| base.child(&[2, 4, 1, c]);
    for c in 2..=15 {
        v.declare(oper(c));
    }
    for c in 1..=12 {
        v.declare(stats(c));
    }
    v.declare(assoc.clone());
    for r in ours {
        let (s, c) = (r.s, r.c);
        let idx = [r.base_index(), u32::from(s.vrid)];
        let mut set = |col: u32, value: Value| v.set(&oper(col), &idx, value);
        // keepalived compat: the interface's own MAC, not the virtual
        // router's (`ifp->hw_addr`).
        if let Some(mac) = r.mac() {
            set(2, Value::OctetString(mac));
        }
        set(3, Value::Integer(rfc_state(s.state)));
        set(4, Value::Integer(1));
        set(5, Value::Integer(i32::from(s.base_priority)));
        set(6, Value::Integer(c.vips.len() as i32));
        set(7, Value::IpAddress(master_ip(r)));
        if let IpAddr::V4(p) = r.primary() {
            set(8, Value::IpAddress(p.octets()));
        }
        let auth = match &c.auth {
            Auth::None => 1,
            Auth::Pass(_) => 2,
            Auth::Ah(_) => 3,
        };
        set(9, Value::Integer(auth));
        // vrrpOperAuthKey (`.10`) reads as nothing, as in keepalived.
        set(
            11,
            Value::Integer((c.adver_int.micros() / 1_000_000) as i32),
        );
        set(12, Value::truth(!c.nopreempt));
        set(13, Value::TimeTicks(up_time(r, clock)));
        set(14, Value::Integer(1));
        set(15, Value::Integer(1));
        for vip in &c.vips {
            if let IpAddr::V4(a) = vip.addr {
                let mut i = idx.to_vec();
                i.extend(a.octets().iter().map(|&b| u32::from(b)));
                v.set(&assoc, &i, Value::Integer(1));
            }
        }
        let t = &s.stats;
        let counters = [
            t.become_master,
            t.advert_rcvd,
            t.advert_interval_err,
            t.auth_failure,
            t.ip_ttl_err,
            t.pri_zero_rcvd,
            t.pri_zero_sent,
            t.invalid_type_rcvd,
            t.addr_list_err,
            t.invalid_authtype,
            t.authtype_mismatch,
            t.packet_len_err,
        ];
        for (n, value) in counters.into_iter().enumerate() {
            v.set(&stats(n as u32 + 1), &idx, c32(value));
        }
    }
}

/// vrrpOperMasterIpAddr: the source of the last advert heard. keepalived
/// compat: as MASTER keepalived shows the last other master it heard
/// (0.0.0.0 when it never heard one); keepalived-rs keeps only the
/// current master, itself, and shows 0.0.0.0 (docs/compat.md).
fn master_ip(r: &Row<'_>) -> [u8; 4] {
    match (r.s.state, r.s.master_addr) {
        (State::Master, _) | (_, None) => [0; 4],
        (_, Some(IpAddr::V4(a))) => a.octets(),
        (_, Some(IpAddr::V6(_))) => [0; 4],
    }
}

/// vrrpOperVirtualRouterUpTime: keepalived reports, in BACKUP or MASTER,
/// when the instance started relative to when the subagent started (0
/// when it started first, as here: the instances start with the
/// process); else 0.
fn up_time(r: &Row<'_>, clock: Clock) -> u32 {
    match r.s.state {
        State::Backup | State::Master => {
            centis(clock.snmp_start, clock.instances_start)
        }
        _ => 0,
    }
}

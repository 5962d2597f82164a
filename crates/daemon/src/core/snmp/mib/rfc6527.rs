//! VRRPv3-MIB (RFC 6527, mib-2 207): keepalived `vrrp_rfcv3_snmp_*`.
//! Rows are indexed by (ifIndex, VRID, InetAddressType); Debian's
//! keepalived (built with `_SNMP_REPLY_V3_FOR_V2_`) lists every instance
//! with at least one VIP, VRRPv2 ones included.

use std::net::IpAddr;

use ka_agentx::{MibView, Value};
use ka_vrrp::State;

use super::{
    Clock, Row, centis, inet_octets, inet_type, rfc_state, rfc6527_oid,
};
use crate::core::operator::Status;

/// keepalived `suitable_for_rfc6527`.
fn suitable(r: &Row<'_>) -> bool {
    !r.c.vips.is_empty()
}

pub(super) fn fill(
    v: &mut MibView,
    status: &Status,
    rows: &[Row<'_>],
    clock: Clock,
) {
    let base = rfc6527_oid();
    let ours: Vec<&Row<'_>> = rows.iter().filter(|r| suitable(r)).collect();
    // vrrpv3RouterChecksumErrors, VersionErrors, VrIdErrors,
    // GlobalStatisticsDiscontinuityTime (`.1.2.1`–`.1.2.4`).
    let sum = |f: fn(&ka_vrrp::Stats) -> u64| {
        ours.iter().map(|r| f(&r.s.stats)).sum::<u64>()
    };
    v.set(
        &base.child(&[1, 2, 1]),
        &[0],
        Value::Counter64(sum(|s| s.chk_err)),
    );
    v.set(
        &base.child(&[1, 2, 2]),
        &[0],
        Value::Counter64(sum(|s| s.vers_err)),
    );
    // VRID errors are counted per process in keepalived-rs.
    let vrid = status.snapshot.vrrp.as_ref().map_or(0, |s| s.vrid_errors);
    v.set(
        &base.child(&[1, 2, 3]),
        &[0],
        Value::Counter64(if ours.is_empty() { 0 } else { vrid }),
    );
    // keepalived: "We don't do discontinuities".
    v.set(&base.child(&[1, 2, 4]), &[0], Value::TimeTicks(0));
    let oper = |c: u32| base.child(&[1, 1, 1, 1, c]);
    let assoc = base.child(&[1, 1, 2, 1, 2]);
    let stats = |c: u32| base.child(&[1, 2, 5, 1, c]);
    for c in 3..=13 {
        v.declare(oper(c));
        v.declare(stats(c - 2));
    }
    v.declare(stats(12));
    v.declare(stats(13));
    v.declare(assoc.clone());
    for r in ours {
        let (s, c) = (r.s, r.c);
        let idx = [
            r.base_index(),
            u32::from(s.vrid),
            inet_type(r.ipv6()) as u32,
        ];
        let mut set = |col: u32, value: Value| v.set(&oper(col), &idx, value);
        let primary = inet_octets(r.primary());
        // vrrpv3OperationsMasterIpAddress: the last master heard; as
        // MASTER, the primary address (keepalived falls through).
        let master = match (s.state, s.master_addr) {
            (State::Master, _) => primary.clone(),
            (_, Some(a)) if a.is_ipv6() == r.ipv6() => inet_octets(a),
            _ => inet_octets(unspecified(r.ipv6())),
        };
        set(3, Value::OctetString(master));
        set(4, Value::OctetString(primary));
        if let Some(mac) = r.mac() {
            set(5, Value::OctetString(mac));
        }
        set(6, Value::Integer(rfc_state(s.state)));
        set(7, Value::Gauge32(u32::from(s.base_priority)));
        set(8, Value::Integer(c.vips.len() as i32));
        let centi = (c.adver_int.micros() / 10_000) as u32;
        set(9, Value::Integer(centi as i32));
        set(10, Value::truth(!c.nopreempt));
        set(11, Value::truth(c.accept));
        let up = match s.state {
            State::Backup | State::Master => {
                centis(clock.instances_start, clock.now)
            }
            _ => 0,
        };
        set(12, Value::TimeTicks(up));
        set(13, Value::Integer(1));
        // keepalived compat: the address is appended to the index without
        // the length RFC 6527's InetAddress index would carry.
        for vip in &c.vips {
            let mut i = idx.to_vec();
            i.extend(inet_octets(vip.addr).iter().map(|&b| u32::from(b)));
            v.set(&assoc, &i, Value::Integer(1));
        }
        let t = &s.stats;
        let mut st = |col: u32, value: Value| v.set(&stats(col), &idx, value);
        st(1, Value::Counter32(t.become_master as u32));
        st(2, Value::Integer(master_reason(r)));
        st(3, Value::Counter64(t.advert_rcvd));
        st(4, Value::Counter64(t.advert_interval_err));
        st(5, Value::Counter64(t.ip_ttl_err));
        // vrrpv3StatisticsProtoErrReason: keepalived-rs does not keep the
        // last protocol error's reason; noError(0) as keepalived before
        // its first error.
        st(6, Value::Integer(0));
        st(7, Value::Counter64(t.pri_zero_rcvd));
        st(8, Value::Counter64(t.pri_zero_sent));
        st(9, Value::Counter64(t.invalid_type_rcvd));
        st(10, Value::Counter64(t.addr_list_err));
        st(11, Value::Counter64(t.packet_len_err));
        st(12, Value::TimeTicks(0));
        // vrrpv3StatisticsRefreshRate: the advert interval in ms.
        st(13, Value::Gauge32(centi * 10));
    }
}

fn unspecified(ipv6: bool) -> IpAddr {
    if ipv6 {
        IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
    }
}

/// vrrpv3StatisticsNewMasterReason (keepalived `master_reason`):
/// notMaster(0) until the first transition to MASTER, then why the last
/// one happened.
pub(crate) fn master_reason(r: &Row<'_>) -> i32 {
    i32::from(r.s.master_reason.as_u8())
}

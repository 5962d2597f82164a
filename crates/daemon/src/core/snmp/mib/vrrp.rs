//! KEEPALIVED-MIB `vrrp` (`.2`): sync groups, their members, instances,
//! tracked interfaces and scripts (keepalived `vrrp_snmp_syncgroup`,
//! `vrrp_snmp_syncgroupmember`, `vrrp_snmp_instance`,
//! `vrrp_snmp_trackedinterface`, `vrrp_snmp_trackedscript`).
//!
//! Not served (keepalived-rs does not fill them yet; a walk skips
//! them): vrrpRouteTable (`.7`), vrrpRuleTable (`.8`), vrrpNextHopTable
//! (`.11`), the tracked file, BFD and process
//! tables (`.12`, `.13`, `.17`, `.18`, `.20`, `.21`) and the sync-group
//! tracker tables (`.14`–`.16`, `.19`, `.22`).

use ka_agentx::{MibView, Oid, Value};
use ka_config::model::global::GlobalDefs;
use ka_vrrp::{Auth, InitialState, TrackKind, Version};

use super::{Row, inet_octets, inet_type, keepalived_state, vrrp_oid};
use crate::core::operator::Status;
use crate::vrrp::dump::{cmd_str, want_state};
use crate::vrrp::notify::Hooks;

pub(super) fn fill(v: &mut MibView, status: &Status, rows: &[Row<'_>]) {
    let (Some(snap), Some(plan)) = (&status.snapshot.vrrp, &status.plan.vrrp)
    else {
        return;
    };
    let g = &plan.config.global;
    let base = vrrp_oid();
    // vrrpSyncGroupTable (`.1.1`), vrrpSyncGroupMemberTable (`.2.1`).
    let group_col = |c: u32| base.child(&[1, 1, c]);
    let member = base.child(&[2, 1, 2]);
    for (n, grp) in snap.groups.iter().enumerate() {
        let i = n as u32 + 1;
        let m = plan
            .config
            .vrrp
            .sync_groups
            .iter()
            .find(|m| m.name == grp.name);
        v.set(&group_col(2), &[i], Value::string(&grp.name));
        v.set(
            &group_col(3),
            &[i],
            Value::Integer(keepalived_state(grp.state)),
        );
        let smtp = m.and_then(|m| m.smtp_alert);
        v.set(&group_col(4), &[i], Value::truth(smtp_alert(smtp, g)));
        let hooks = plan.hooks.get(&(true, grp.name.clone()));
        v.set(
            &group_col(5),
            &[i],
            Value::truth(hooks.is_some_and(notify_exec)),
        );
        if let Some(h) = hooks {
            let scripts = [
                (6, &h.master),
                (7, &h.backup),
                (8, &h.fault),
                (9, &h.generic),
                (11, &h.stop),
            ];
            scripts_into(v, &group_col, i, &scripts);
        }
        let weight = m.is_some_and(|m| m.tracking_weight);
        v.set(&group_col(10), &[i], Value::truth(weight));
        for (k, name) in grp.members.iter().enumerate() {
            v.set(&member, &[i, k as u32 + 1], Value::string(name));
        }
    }
    for c in [2, 3, 4, 5, 6, 7, 8, 9, 10, 11] {
        v.declare(group_col(c));
    }
    v.declare(member);
    instances(v, g, rows);
    trackers(v, rows);
}

/// keepalived: an instance's (or group's) `smtp_alert`, else
/// `smtp_alert_vrrp`, else `smtp_alert`, else off.
fn smtp_alert(own: Option<bool>, g: &GlobalDefs) -> bool {
    own.or(g.smtp_alert_vrrp).or(g.smtp_alert).unwrap_or(false)
}

/// keepalived `notify_exec`: some notify script is configured.
fn notify_exec(h: &Hooks) -> bool {
    [
        &h.master,
        &h.backup,
        &h.fault,
        &h.stop,
        &h.deleted,
        &h.generic,
        &h.master_rx_lower_pri,
    ]
    .iter()
    .any(|s| s.is_some())
}

/// keepalived `cmd_str` of each configured script, in its column.
fn scripts_into(
    v: &mut MibView,
    col: &dyn Fn(u32) -> Oid,
    i: u32,
    scripts: &[(u32, &Option<ka_sys::script::ScriptSpec>)],
) {
    for (c, spec) in scripts {
        if let Some(spec) = spec {
            v.set(&col(*c), &[i], Value::string(&cmd_str(&spec.argv)));
        } else {
            v.declare(col(*c));
        }
    }
}

/// vrrpInstanceTable (`.3.1`).
fn instances(v: &mut MibView, g: &GlobalDefs, rows: &[Row<'_>]) {
    let col = |c: u32| vrrp_oid().child(&[3, 1, c]);
    for c in 2..=35 {
        v.declare(col(c));
    }
    for r in rows {
        let (s, c, i) = (r.s, r.c, r.index);
        let mut set = |n: u32, value: Value| v.set(&col(n), &[i], value);
        set(2, Value::string(&s.name));
        set(3, Value::Gauge32(u32::from(s.vrid)));
        set(4, Value::Integer(keepalived_state(s.state)));
        let initial = match c.initial_state {
            InitialState::Backup => 1,
            InitialState::Master => 2,
        };
        set(5, Value::Integer(initial));
        set(6, Value::Integer(keepalived_state(want_state(s))));
        set(7, Value::Integer(i32::from(s.base_priority)));
        set(8, Value::Integer(i32::from(s.effective_priority)));
        set(9, Value::truth(s.vips_set));
        if let Some(ifname) = &c.interface {
            set(10, Value::string(ifname));
        }
        let track_if = c
            .track
            .iter()
            .any(|t| matches!(t.kind, TrackKind::Interface(_)));
        set(11, Value::truth(track_if));
        // keepalived: seconds for VRRPv2, centiseconds for VRRPv3.
        let us = c.adver_int.micros();
        let adver = match c.version {
            Version::V2 => us / 1_000_000,
            Version::V3 => us / 10_000,
        };
        set(12, Value::Gauge32(adver as u32));
        set(13, Value::truth(!c.nopreempt));
        set(14, Value::Gauge32(c.preempt_delay.as_secs() as u32));
        let auth = match (c.version, &c.auth) {
            (Version::V2, Auth::Pass(_)) => 1,
            (Version::V2, Auth::Ah(_)) => 2,
            _ => 0,
        };
        set(15, Value::Integer(auth));
        let syncd = g
            .lvs_sync_daemon
            .as_ref()
            .filter(|d| d.instance.as_deref() == Some(s.name.as_str()));
        set(16, Value::truth(syncd.is_some()));
        if let Some(d) = syncd {
            set(17, Value::string(&d.interface));
        }
        if let Some(grp) = r.group {
            set(18, Value::string(grp));
        }
        set(19, Value::Gauge32(c.garp.master_delay.as_secs() as u32));
        set(
            20,
            Value::truth(smtp_alert(r.m.and_then(|m| m.smtp_alert), g)),
        );
        set(21, Value::truth(r.hooks.is_some_and(notify_exec)));
        // keepalived: accept is reported for VRRPv3 only (0 otherwise).
        let accept = match c.version {
            Version::V2 => Value::Integer(0),
            Version::V3 => Value::truth(c.accept),
        };
        set(27, accept);
        set(28, Value::truth(r.m.is_some_and(|m| m.promote_secondaries)));
        set(
            29,
            Value::truth(r.m.is_some_and(|m| m.linkbeat_use_polling)),
        );
        set(30, Value::Integer(i32::from(c.version.as_u8())));
        set(33, Value::truth(c.notify_deleted));
        if !c.is_unicast() {
            let group = c.multicast_group();
            set(34, Value::Integer(inet_type(group.is_ipv6())));
            set(35, Value::OctetString(inet_octets(group)));
        }
        if let Some(h) = r.hooks {
            let scripts = [
                (22, &h.master),
                (23, &h.backup),
                (24, &h.fault),
                (25, &h.stop),
                (26, &h.generic),
                (31, &h.master_rx_lower_pri),
                (32, &h.deleted),
            ];
            scripts_into(v, &col, i, &scripts);
        }
    }
}

/// vrrpTrackedInterfaceTable (`.4.1`) and vrrpTrackedScriptTable
/// (`.5.1`), indexed by (instance, tracker) in configuration order.
fn trackers(v: &mut MibView, rows: &[Row<'_>]) {
    let ifc = |c: u32| vrrp_oid().child(&[4, 1, c]);
    let scr = |c: u32| vrrp_oid().child(&[5, 1, c]);
    for c in 1..=3 {
        v.declare(ifc(c));
    }
    for c in 2..=4 {
        v.declare(scr(c));
    }
    for r in rows {
        let (mut ni, mut ns) = (0, 0);
        for t in &r.c.track {
            let (col, first, n, name): (
                &dyn Fn(u32) -> Oid,
                u32,
                &mut u32,
                &str,
            ) = match &t.kind {
                TrackKind::Interface(name) => (&ifc, 1, &mut ni, name),
                TrackKind::Script(name) => (&scr, 2, &mut ns, name),
                _ => continue,
            };
            *n += 1;
            let idx = [r.index, *n];
            v.set(&col(first), &idx, Value::string(name));
            v.set(&col(first + 1), &idx, Value::Integer(t.weight));
            v.set(&col(first + 2), &idx, Value::truth(t.reverse));
        }
    }
}

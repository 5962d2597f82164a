//! `vrrp_instance` and `vrrp_sync_group` to the engine's configuration.

use std::collections::HashSet;
use std::time::Duration;

use ka_config::Config;
use ka_config::model::global::GlobalDefs;
use ka_config::model::vrrp::{
    AuthType, GarpSchedule, Instance, InstanceState, Resolved, SyncGroup,
    TrackRef as ModelRef, Trackers, VrrpVersion,
};
use ka_vrrp::{
    AdverInt, Auth, GarpConfig, InitialState, InstanceConfig, Priority,
    RouteSpec, RuleSpec, SyncGroupConfig, TrackKind, TrackRef, UnicastPeer,
    Version, Vrid,
};

use super::support::Known;
use super::{VrrpPlan, addr, route};

/// Maps one instance; `None` (with a note) when it cannot run at all.
pub(super) fn map_instance(
    cfg: &Config,
    i: &Instance,
    known: &Known,
    plan: &mut VrrpPlan,
) -> Option<InstanceConfig> {
    let g = &cfg.global;
    // RFC 5798 §5.2.3: VRIDs are 1..=255 (the parser refuses 0).
    let Some(vrid) = i.vrid.and_then(Vrid::new) else {
        plan.not_implemented.push(format!(
            "({}) has no virtual_router_id; the instance is not run",
            i.name
        ));
        return None;
    };
    let Some(r) = i.resolved() else {
        plan.not_implemented.push(format!(
            "({}) was not validated; the instance is not run",
            i.name
        ));
        return None;
    };
    let mut c = core(i, &r, vrid);
    addressing(&mut c, i);
    c.nopreempt = i.nopreempt;
    c.preempt_delay = i.preempt_delay;
    c.accept = r.accept;
    c.auth = auth(i);
    options(&mut c, i, &r, g);
    c.garp = garp(&r.garp);
    c.track = refs(&i.track, &i.name, known, &mut plan.not_implemented);
    implicit_interfaces(i, &mut c.track);
    addresses(i, plan);
    Some(c)
}

/// Identity, priority, state, version and timers.
fn core(i: &Instance, r: &Resolved, vrid: Vrid) -> InstanceConfig {
    let priority = Priority::new(r.priority);
    let mut c = InstanceConfig::new(&i.name, vrid, priority);
    c.version = match r.version {
        VrrpVersion::V3 => Version::V3,
        VrrpVersion::V2 => Version::V2,
    };
    c.interface = i.interface.clone();
    c.initial_state = match r.state {
        InstanceState::Master => InitialState::Master,
        InstanceState::Backup => InitialState::Backup,
    };
    c.adver_int = adver_int(i.advert_int);
    c.down_timer_adverts = r.down_timer_adverts;
    c
}

/// Addresses, routes, rules, source, destination and peers.
fn addressing(c: &mut InstanceConfig, i: &Instance) {
    c.vips = i.vips.iter().map(addr::vip).collect();
    c.evips = i.evips.iter().map(addr::vip).collect();
    let routes = i.routes.iter().map(|r| RouteSpec(route::route_text(r)));
    c.routes = routes.collect();
    c.rules = i
        .rules
        .iter()
        .map(|r| RuleSpec(route::rule_text(r)))
        .collect();
    c.src_addr = i.src_ip;
    c.mcast_group = if i.is_unicast() { None } else { i.mcast_dst_ip };
    let peer = |p: &ka_config::model::vrrp::UnicastPeer| UnicastPeer {
        addr: p.addr,
        min_ttl: p.min_ttl,
        max_ttl: p.max_ttl,
    };
    c.unicast_peers = i.unicast_peers.iter().map(peer).collect();
    // Validation set TTL 255 for IPv4 unicast without `unicast_ttl`;
    // IPv6 keeps `None` (the kernel's default hop limit); multicast
    // adverts ignore it.
    c.unicast_ttl = i.unicast_ttl;
}

/// Boolean options (validation resolved their defaults).
fn options(c: &mut InstanceConfig, i: &Instance, r: &Resolved, g: &GlobalDefs) {
    c.skip_check_adv_addr = r.skip_check_adv_addr;
    // keepalived compat: the global `vrrp_check_unicast_src` is checked
    // at receive time next to the instance flag.
    c.check_unicast_src = i.check_unicast_src || g.vrrp_check_unicast_src;
    c.unicast_fault_no_peer = i.unicast_fault_no_peer;
    c.dont_track_primary = i.dont_track_primary;
    c.track_src_ip = i.track_src_ip;
    c.lower_prio_no_advert = r.lower_prio_no_advert;
    c.higher_prio_send_advert = r.higher_prio_send_advert;
    // keepalived 2.2.7 has neither `vrrp_owner_ignore_adverts` nor
    // `v3_checksum_as_v2` (both came later): off.
    c.owner_ignore_adverts = false;
    c.v3_checksum_as_v2 = false;
    c.old_unicast_checksum = match i.old_unicast_checksum {
        None => ka_vrrp::OldUnicastChecksum::Detect,
        Some(false) => ka_vrrp::OldUnicastChecksum::Never,
        Some(true) => ka_vrrp::OldUnicastChecksum::Always,
    };
    c.notify_priority_changes = r.notify_priority_changes;
    // keepalived compat: `notify_deleted` (with or without a script) makes
    // an instance removed by reload report DELETED instead of FAULT.
    c.notify_deleted = i.notify_deleted.is_some();
}

/// `advert_int` in centiseconds (validation already rounded it to the
/// version's unit), within the 12-bit v3 field.
fn adver_int(d: Duration) -> AdverInt {
    let centis = (d.as_micros() + 5_000) / 10_000;
    AdverInt::from_centis(centis.clamp(1, 4095) as u16)
}

/// keepalived compat: `auth_pass` is truncated to 8 bytes and zero padded.
fn auth(i: &Instance) -> Auth {
    let Some(a) = &i.auth else { return Auth::None };
    let mut key = [0u8; 8];
    let n = a.pass.len().min(8);
    key[..n].copy_from_slice(&a.pass.as_bytes()[..n]);
    match a.auth_type {
        AuthType::Pass => Auth::Pass(key),
        AuthType::Ah => Auth::Ah(key),
    }
}

/// The GARP schedule validation resolved.
fn garp(g: &GarpSchedule) -> GarpConfig {
    GarpConfig {
        master_delay: g.master_delay,
        master_repeat: g.master_repeat,
        master_refresh: g.master_refresh,
        refresh_repeat: g.master_refresh_repeat,
        lower_prio_delay: g.lower_prio_delay,
        lower_prio_repeat: g.lower_prio_repeat,
    }
}

/// Address details of the VIPs and eVIPs.
fn addresses(i: &Instance, plan: &mut VrrpPlan) {
    let all = i
        .vips
        .iter()
        .map(|a| (a, false))
        .chain(i.evips.iter().map(|a| (a, true)));
    for (a, excluded) in all {
        let Some(dev) = a.dev.clone().or_else(|| i.interface.clone()) else {
            plan.not_implemented.push(format!(
                "({}) address {} has no interface; it is not added",
                i.name, a.addr
            ));
            continue;
        };
        let d = addr::detail(a, dev, excluded);
        plan.addresses.insert((i.name.clone(), a.addr), d);
    }
}

/// A list of references, its keyword, its kind and the usable names.
type RefList<'a> = (
    &'a [ModelRef],
    &'a str,
    fn(String) -> TrackKind,
    &'a HashSet<String>,
);

/// Tracker references of an instance or group, dropping (with a note)
/// references to trackers that cannot run.
fn refs(
    t: &Trackers,
    owner: &str,
    known: &Known,
    notes: &mut Vec<String>,
) -> Vec<TrackRef> {
    let mut out: Vec<TrackRef> = t
        .interfaces
        .iter()
        .map(|r| tref(TrackKind::Interface(r.name.clone()), r))
        .collect();
    let lists: [RefList<'_>; 4] = [
        (
            &t.scripts,
            "track_script",
            TrackKind::Script,
            &known.scripts,
        ),
        (&t.files, "track_file", TrackKind::File, &known.files),
        (
            &t.processes,
            "track_process",
            TrackKind::Process,
            &known.processes,
        ),
        (&t.bfds, "track_bfd", TrackKind::Bfd, &known.bfds),
    ];
    for (list, kw, kind, names) in lists {
        for r in list {
            if names.contains(&r.name) {
                out.push(tref(kind(r.name.clone()), r));
            } else {
                notes.push(format!(
                    "({owner}) {kw} {} refers to nothing that can run; ignored",
                    r.name
                ));
            }
        }
    }
    out
}

fn tref(kind: TrackKind, r: &ModelRef) -> TrackRef {
    TrackRef {
        kind,
        weight: r.weight,
        reverse: r.reverse,
    }
}

/// keepalived compat (`vrrp_complete_instance`, `add_vrrp_to_interface`):
/// a `track_interface` naming the instance's own interface is ignored
/// (the engine watches the primary itself unless `dont_track_primary`);
/// the interfaces of VIPs/eVIPs, virtual routes (`dev`) and rules
/// (`iif`/`oif`) without `no_track` are tracked with weight 0, and that
/// weight 0 replaces a weighted `track_interface` of the same interface.
fn implicit_interfaces(i: &Instance, track: &mut Vec<TrackRef>) {
    let primary = i.interface.as_deref();
    if let Some(p) = primary {
        track.retain(|r| r.kind != TrackKind::Interface(p.to_owned()));
    }
    for a in i.vips.iter().chain(&i.evips).filter(|a| !a.no_track) {
        // keepalived skips the primary here when it is not tracked.
        if let Some(d) = a.dev.as_deref().filter(|d| Some(*d) != primary) {
            zero_weight(track, d);
        }
    }
    let route_devs = i
        .routes
        .iter()
        .filter(|r| !r.no_track)
        .filter_map(|r| r.dev.as_deref());
    let rule_devs = i.rules.iter().filter(|r| !r.no_track).flat_map(|r| {
        r.options
            .iter()
            .filter(|(k, _)| matches!(k.as_str(), "iif" | "dev" | "oif"))
            .filter_map(|(_, v)| v.as_deref())
    });
    for d in route_devs.chain(rule_devs) {
        // Routes and rules track even an untracked primary.
        if Some(d) != primary || i.dont_track_primary {
            zero_weight(track, d);
        }
    }
}

/// Sets a weighted reference to `iface` to weight 0, or adds one.
pub(super) fn zero_weight(track: &mut Vec<TrackRef>, iface: &str) {
    let kind = TrackKind::Interface(iface.to_owned());
    match track.iter_mut().find(|r| r.kind == kind) {
        Some(r) if r.weight != 0 => {
            r.weight = 0;
            r.reverse = false;
        }
        Some(_) => {}
        None => track.push(TrackRef::new(kind, 0)),
    }
}

/// Maps one sync group.
pub(super) fn map_group(
    s: &SyncGroup,
    known: &Known,
    notes: &mut Vec<String>,
) -> SyncGroupConfig {
    let owner = format!("sync group {}", s.name);
    SyncGroupConfig {
        name: s.name.clone(),
        members: s.members.clone(),
        track: refs(&s.track, &owner, known, notes),
        tracking_weight: s.tracking_weight,
    }
}

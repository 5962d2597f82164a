//! VRRP validation: keepalived's `vrrp_complete_init()` and
//! `vrrp_complete_instance()` defaults, fix-ups and cross-checks.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use ka_types::net;

use crate::diag::Diagnostics;
use crate::host::Host;
use crate::model::Config;
use crate::model::global::GlobalDefs;
use crate::model::vrrp::{Instance, InstanceState, VrrpVersion};

mod garp;
mod tracking;
mod vmac;

use tracking::NoWeights;

/// The instances' `interface` and `vrf` devices, as keepalived's parser
/// looks them up; true when one does not exist (keepalived's
/// `non_existent_interface_specified`).
pub fn interfaces(
    config: &mut Config,
    host: &dyn Host,
    d: &mut Diagnostics,
) -> bool {
    let dynamic = config.global.dynamic_interfaces.is_some();
    let mut missing = false;
    for i in &mut config.vrrp.instances {
        if let Some(iface) = i.interface.clone() {
            missing |= interface(i, &iface, dynamic, host, d);
        }
        if let Some(vrf) = i.vrf.clone() {
            missing |= vrf_device(i, &vrf, dynamic, host, d);
        }
    }
    missing
}

/// Checks and resolves every instance and sync group (keepalived's
/// `vrrp_complete_init`); false when keepalived's `chk_min_cfg` refuses
/// an instance, which stops its VRRP process.
pub fn validate(config: &mut Config, d: &mut Diagnostics) -> bool {
    let g = config.global.clone();
    let v = &mut config.vrrp;
    let mut complete = true;
    // keepalived compat: chk_min_cfg() then sync groups, before defaults.
    for i in &v.instances {
        let at = i.loc.0;
        if i.vrid.is_none() {
            complete = false;
            d.error(
                at,
                format!("({}) the virtual router id must be set", i.name),
            );
        }
        // keepalived compat: 2.2.7's `chk_min_cfg` tests the unicast flag
        // before `vrrp_complete_instance` has set it, so an instance
        // without an interface is refused even with unicast peers
        // (fixed upstream in 2.2.8, commit 75f30737). So is `vrf`, which
        // needs an interface-less unicast instance.
        if i.interface.is_none() {
            complete = false;
            d.error(at, format!("({}) Unknown interface!", i.name));
        }
    }
    sync_groups(config, d);
    let sync_members: Vec<(String, Option<bool>, bool)> = config
        .vrrp
        .sync_groups
        .iter()
        .flat_map(|s| {
            s.members.iter().map(move |m| {
                (m.clone(), s.notify_priority_changes, s.tracking_weight)
            })
        })
        .collect();
    for i in &mut config.vrrp.instances {
        let member = sync_members.iter().find(|m| m.0 == i.name);
        complete &= complete_instance(i, &g, member.map(|m| m.1), d);
        tracking::own_interface(i, d);
        let why = if i.priority == Some(255) {
            Some(NoWeights::Owner)
        } else if member.is_some_and(|m| !m.2) {
            Some(NoWeights::SyncGroup)
        } else {
            None
        };
        if let Some(why) = why {
            tracking::drop_weights(i, why, d);
        }
    }
    // keepalived compat: check_vrid_conflicts() failing stops it too.
    let before = d.len();
    vrid_conflicts(config, d);
    complete && d.len() == before
}

fn interface(
    i: &mut Instance,
    iface: &str,
    dynamic: bool,
    host: &dyn Host,
    d: &mut Diagnostics,
) -> bool {
    if iface == "lo" {
        d.error(
            i.loc.0,
            format!(
                "({}) cannot use a loopback interface (lo) for vrrp - ignoring",
                i.name
            ),
        );
        i.interface = None;
        return false;
    }
    // keepalived compat: with `dynamic_interfaces` a missing interface
    // is created as a placeholder and waited for.
    if !dynamic && host.interface_exists(iface) == Some(false) {
        // keepalived compat: reported; the instance has no interface.
        // The VRRP process stops (super::validate): the name is kept.
        d.error(i.loc.0, format!("WARNING - interface {iface} for vrrp_instance {} doesn't exist", i.name));
        return true;
    }
    false
}

/// keepalived compat (`vrrp_vrf_handler`): the VRF device must exist
/// (unless `dynamic_interfaces`) and must not be the loopback.
fn vrf_device(
    i: &mut Instance,
    vrf: &str,
    dynamic: bool,
    host: &dyn Host,
    d: &mut Diagnostics,
) -> bool {
    let n = &i.name;
    if vrf == "lo" {
        d.error(i.loc.0, format!("({n}) cannot use a loopback interface ({vrf}) for VRF - ignoring"));
        i.vrf = None;
    } else if !dynamic && host.interface_exists(vrf) == Some(false) {
        d.error(
            i.loc.0,
            format!("({n}) WARNING - VRF interface {vrf} doesn't exist"),
        );
        return true;
    }
    false
}

fn sync_groups(config: &mut Config, d: &mut Diagnostics) {
    let names: Vec<String> = config
        .vrrp
        .instances
        .iter()
        .map(|i| i.name.clone())
        .collect();
    let mut used: Vec<String> = Vec::new();
    let mut keep = Vec::new();
    for mut g in std::mem::take(&mut config.vrrp.sync_groups) {
        if g.members.is_empty() {
            d.error(
                g.loc.0,
                format!(
                    "Sync group {} has no virtual router(s). removing",
                    g.name
                ),
            );
            continue;
        }
        let mut members = Vec::new();
        for m in &g.members {
            if !names.contains(m) {
                d.error(g.loc.0, format!("Virtual router {m} specified in sync group {} doesn't exist - ignoring", g.name));
            } else if used.contains(m) {
                d.error(g.loc.0, format!("Virtual router {m} cannot exist in more than one sync group; ignoring {}", g.name));
            } else {
                used.push(m.clone());
                members.push(m.clone());
            }
        }
        if members.is_empty() {
            d.error(g.loc.0, format!("Sync group {}, no matching virtual router found in group declaration - removing", g.name));
            continue;
        }
        if members.len() == 1 {
            d.error(g.loc.0, format!("Sync group {} has only 1 virtual router(s) - this probably isn't what you want", g.name));
        }
        g.members = members;
        keep.push(g);
    }
    config.vrrp.sync_groups = keep;
}

/// keepalived compat: `vrrp_complete_instance()` in order; each helper
/// is one phase of it and the calls keep keepalived's sequence.
fn complete_instance(
    i: &mut Instance,
    g: &GlobalDefs,
    sync: Option<Option<bool>>,
    d: &mut Diagnostics,
) -> bool {
    let (strict, v6, version) = protocol_version(i, g, d);
    if !v6 && i.unicast_ttl.is_none() && i.is_unicast() {
        i.unicast_ttl = Some(255);
    }
    let vips = require_vips(i, strict, version, d);
    let prio = priority_and_state(i, strict, d);
    auth(i, strict, version, v6, d);
    let unicast = unicast_checks(i, strict, d);
    address_checks(i, strict, v6, d);
    vmac::vip_limit(i, version, v6, d);
    vmac::vmac(i, v6, d);
    preempt(i, prio, strict, d);
    accept(i, prio, strict, version, d);
    garp::garp_defaults(i, g, strict, d);
    inherit_globals(i, g, sync);
    advert_int(i, version, d);
    destination(i, g, v6, d);
    // keepalived's vrrp_complete_instance returns false for these, and its
    // VRRP process stops.
    vips && unicast
}

/// Resolves strict mode, address family and VRRP version; returns
/// `(strict, ipv6, version)`.
fn protocol_version(
    i: &mut Instance,
    g: &GlobalDefs,
    d: &mut Diagnostics,
) -> (bool, bool, VrrpVersion) {
    let at = i.loc.0;
    let strict = *i.strict_mode.get_or_insert(g.vrrp_strict);
    let v6 = *i.ipv6.get_or_insert(false);
    if v6 {
        if i.version == Some(VrrpVersion::V2) && strict {
            d.error(at, format!("({}) cannot use IPv6 with VRRP version 2; setting version 3", i.name));
            i.version = Some(VrrpVersion::V3);
        }
        i.version.get_or_insert(VrrpVersion::V3);
    }
    let global_v = if g.vrrp_version == Some(3) {
        VrrpVersion::V3
    } else {
        VrrpVersion::V2
    };
    let version = *i.version.get_or_insert(global_v);
    (strict, v6, version)
}

/// Reports an instance without virtual addresses; false when they are
/// required.
fn require_vips(
    i: &Instance,
    strict: bool,
    version: VrrpVersion,
    d: &mut Diagnostics,
) -> bool {
    let at = i.loc.0;
    if i.vips.is_empty() {
        if version == VrrpVersion::V3 || strict {
            d.error(
                at,
                format!(
                    "({}) No VIP specified; at least one is required",
                    i.name
                ),
            );
            return false;
        } else {
            d.error(
                at,
                format!(
                    "({}) No VIP specified; at least one is sensible",
                    i.name
                ),
            );
        }
    }
    true
}

/// Defaults the priority and makes the state agree with it; returns the
/// priority.
fn priority_and_state(
    i: &mut Instance,
    strict: bool,
    d: &mut Diagnostics,
) -> u8 {
    let at = i.loc.0;
    // keepalived compat: `state MASTER` without priority ⇒ owner (255).
    let prio =
        *i.priority
            .get_or_insert(if i.state == Some(InstanceState::Master) {
                255
            } else {
                100
            });
    match i.state {
        None => {
            i.state = Some(if prio == 255 {
                InstanceState::Master
            } else {
                InstanceState::Backup
            })
        }
        Some(s) if strict && (s == InstanceState::Master) != (prio == 255) => {
            d.error(
                at,
                format!(
                    "({}) State MASTER must match being address owner",
                    i.name
                ),
            );
            i.state = Some(if prio == 255 {
                InstanceState::Master
            } else {
                InstanceState::Backup
            });
        }
        Some(_) => {}
    }
    prio
}

/// Unicast consistency: strict mode, source address, peers; false when
/// keepalived refuses the instance.
fn unicast_checks(i: &Instance, strict: bool, d: &mut Diagnostics) -> bool {
    let at = i.loc.0;
    let mut ok = true;
    if strict && i.is_unicast() {
        ok = false;
        d.error(
            at,
            format!(
                "({}) Unicast peers are not supported in strict mode",
                i.name
            ),
        );
    }
    if i.interface.is_none()
        && i.vrf.is_none()
        && i.src_ip.is_none()
        && i.is_unicast()
    {
        ok = false;
        d.error(
            at,
            format!(
                "({}): Unicast instances must have unicast_src_ip or interface",
                i.name
            ),
        );
    }
    if i.unicast_configured
        && i.unicast_peers.is_empty()
        && !i.unicast_fault_no_peer
    {
        d.warning(at, format!("({}) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration.", i.name));
    }
    ok
}

/// Strict-mode VMAC address, first IPv6 VIP and `vrf` checks.
fn address_checks(
    i: &mut Instance,
    strict: bool,
    v6: bool,
    d: &mut Diagnostics,
) {
    let at = i.loc.0;
    if strict && i.vmac.as_ref().is_some_and(|v| v.mac.is_some()) {
        d.error(
            at,
            format!(
                "({}): cannot specify MAC address with strict mode - clearing",
                i.name
            ),
        );
        if let Some(v) = i.vmac.as_mut() {
            v.mac = None;
        }
    }
    if v6
        && !i.is_unicast()
        && strict
        && let Some(IpAddr::V6(a)) = i.vips.first().map(|a| a.addr)
        && !net::is_link_local_v6(&a)
    {
        d.error(
            at,
            format!(
                "({}) the first IPv6 VIP address must be link local",
                i.name
            ),
        );
    }
    if i.vrf.is_some() && (i.interface.is_some() || !i.is_unicast()) {
        // keepalived compat: one condition named, as vrrp.c words it.
        let with = if i.interface.is_some() {
            "out interface"
        } else {
            " unicast"
        };
        d.error(
            at,
            format!(
                "({}) vrf can only be specified with{with} - clearing",
                i.name
            ),
        );
        i.vrf = None;
    }
}

/// Instance settings inherited from `global_defs` (or the sync group).
fn inherit_globals(
    i: &mut Instance,
    g: &GlobalDefs,
    sync: Option<Option<bool>>,
) {
    i.smtp_alert
        .get_or_insert(g.smtp_alert_vrrp.or(g.smtp_alert).unwrap_or(false));
    i.notify_priority_changes.get_or_insert(
        sync.flatten().unwrap_or(g.vrrp_notify_priority_changes),
    );
    i.skip_check_adv_addr
        .get_or_insert(g.vrrp_skip_check_adv_addr);
}

/// Source tracking and the advert destination address.
fn destination(
    i: &mut Instance,
    g: &GlobalDefs,
    v6: bool,
    d: &mut Diagnostics,
) {
    let at = i.loc.0;
    if i.src_ip.is_none() {
        i.track_src_ip = false;
    }
    if !i.is_unicast() && i.mcast_dst_ip.is_none() {
        // RFC 5798 §5.1.1.2 / §5.1.2.2, unless `vrrp_mcast_group4/6`.
        let global = if v6 {
            g.vrrp_mcast_group6
        } else {
            g.vrrp_mcast_group4
        };
        i.mcast_dst_ip = Some(global.unwrap_or(net::vrrp_group(v6)));
    } else if i.is_unicast() && i.mcast_dst_ip.take().is_some() {
        d.error(
            at,
            format!(
                "({}) multicast destination specified with unicast - ignoring",
                i.name
            ),
        );
    }
}

fn auth(
    i: &mut Instance,
    strict: bool,
    version: VrrpVersion,
    v6: bool,
    d: &mut Diagnostics,
) {
    let Some(a) = &i.auth else { return };
    let msg = if strict {
        "Strict mode does not support authentication. Ignoring."
    } else if version == VrrpVersion::V3 {
        "VRRP version 3 does not support authentication. Ignoring."
    } else if a.pass.is_empty() {
        "Authentication specified but no password given. Ignoring"
    } else if v6 && a.auth_type == crate::model::vrrp::AuthType::Ah {
        "Cannot use AH authentication with IPv6. ignoring"
    } else {
        if a.auth_type == crate::model::vrrp::AuthType::Ah
            && i.state == Some(InstanceState::Master)
            && i.priority != Some(255)
        {
            d.error(i.loc.0, format!("({}) Initial state master is incompatible with AH authentication - clearing", i.name));
            i.state = Some(InstanceState::Backup);
        }
        return;
    };
    d.error(i.loc.0, format!("({}) {msg}", i.name));
    i.auth = None;
}

fn preempt(i: &mut Instance, prio: u8, strict: bool, d: &mut Diagnostics) {
    let at = i.loc.0;
    if prio == 255 && i.nopreempt {
        d.error(at, format!("({}) nopreempt is incompatible with priority 255. resetting nopreempt", i.name));
        i.nopreempt = false;
    }
    if i.state == Some(InstanceState::Master) {
        if i.nopreempt {
            d.error(at, format!("({}) Warning - nopreempt will not work with initial state MASTER - clearing", i.name));
            i.nopreempt = false;
        }
        if !i.preempt_delay.is_zero() {
            d.error(at, format!("({}) Warning - preempt delay will not work with initial state MASTER - clearing", i.name));
            i.preempt_delay = Duration::ZERO;
        }
    }
    if !i.preempt_delay.is_zero() && strict {
        d.error(at, format!("({}) preempt_delay is incompatible with strict mode - resetting", i.name));
        i.preempt_delay = Duration::ZERO;
    }
    if !i.preempt_delay.is_zero() && i.nopreempt {
        d.error(at, format!("({}) preempt_delay is incompatible with nopreempt mode - resetting", i.name));
        i.preempt_delay = Duration::ZERO;
    }
}

fn accept(
    i: &mut Instance,
    prio: u8,
    strict: bool,
    version: VrrpVersion,
    d: &mut Diagnostics,
) {
    // keepalived compat: accept defaults on unless strict (owner only).
    let acc = *i.accept.get_or_insert(prio == 255 || !strict);
    if acc && prio != 255 && strict && version == VrrpVersion::V2 {
        d.error(i.loc.0, format!("({}) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting", i.name));
        i.accept = Some(false);
    }
}

/// keepalived compat: v2 intervals are whole seconds below 256, v3
/// intervals whole centiseconds below 40.96 s; others are reported and
/// rounded.
fn advert_int(i: &mut Instance, version: VrrpVersion, d: &mut Diagnostics) {
    let us = i.advert_int.as_micros() as u64;
    let (unit, max) = match version {
        VrrpVersion::V2 => (1_000_000, 255 * 1_000_000),
        VrrpVersion::V3 => (10_000, 4095 * 10_000),
    };
    let v = if version == VrrpVersion::V2 { 2 } else { 3 };
    if us > max {
        d.error(i.loc.0, format!("({}) VRRPv{v} advertisement interval is out of range. Setting to {}s", i.name, crate::build::cx::fmt_secs(Duration::from_micros(max))));
        i.advert_int = Duration::from_micros(max);
    } else if !us.is_multiple_of(unit) {
        let rounded = ((us + unit / 2) / unit * unit).max(unit);
        d.error(i.loc.0, format!("({}) VRRPv{v} advertisement interval {}s must be a multiple of {}s - rounding", i.name, crate::build::cx::fmt_secs(i.advert_int), crate::build::cx::fmt_secs(Duration::from_micros(unit))));
        i.advert_int = Duration::from_micros(rounded);
    }
}

/// keepalived compat: `check_vrid_conflicts()` for multicast instances
/// (same interface, family, VRID and group) and unicast instances with a
/// common peer.
///
/// Only instances with the same VRID, family and kind can conflict, so
/// each is compared with the later ones of its bucket, not with all
/// (the pairs, and so the findings, come in the same order).
fn vrid_conflicts(config: &Config, d: &mut Diagnostics) {
    let v = &config.vrrp.instances;
    let key = |i: &Instance| i.vrid.map(|id| (id, i.is_ipv6(), i.is_unicast()));
    let mut buckets: HashMap<_, Vec<usize>> = HashMap::new();
    for (n, i) in v.iter().enumerate() {
        if let Some(k) = key(i) {
            buckets.entry(k).or_default().push(n);
        }
    }
    for (n, a) in v.iter().enumerate() {
        let Some(bucket) = key(a).and_then(|k| buckets.get(&k)) else {
            continue;
        };
        let later = &bucket[bucket.partition_point(|&m| m <= n)..];
        for b in later.iter().map(|&m| &v[m]) {
            if a.is_unicast() {
                let common = a
                    .unicast_peers
                    .iter()
                    .any(|p| b.unicast_peers.iter().any(|q| q.addr == p.addr));
                let same_if = a.interface == b.interface
                    || a.interface.is_none()
                    || b.interface.is_none();
                if common && same_if && a.src_ip == b.src_ip {
                    d.error(
                        a.loc.0,
                        format!(
                            "({}) duplicate VRID conflict with {} VRID {}",
                            a.name,
                            b.name,
                            a.vrid.unwrap_or(0)
                        ),
                    );
                }
                continue;
            }
            if a.interface.is_some()
                && a.interface == b.interface
                && a.mcast_dst_ip == b.mcast_dst_ip
            {
                let fam = if a.is_ipv6() { 6 } else { 4 };
                d.error(b.loc.0, format!("{} and {} both use VRID {} with IPv{fam} on interface {}", a.name, b.name, a.vrid.unwrap_or(0), a.interface.as_deref().unwrap_or("")));
            }
        }
    }
}

//! Builder for `vrrp_instance NAME { … }` (keepalived `vrrp_parser.c`
//! handlers `vrrp_*_handler`).

use std::time::Duration;

use crate::ast::Item;
use crate::build::Cx;
use crate::build::names::Kind;
use crate::model::vrrp::{
    Auth, AuthType, Instance, InstanceState, Loc, VrrpSection, VrrpVersion,
};

use super::addr::parse_address;
use super::instance_options::{garp, notify, options, unicast};
use super::route::parse_route;
use super::rule::parse_rule;
use super::track::track_block;

/// Keywords of `vrrp_instance` in keepalived 2.2.7.
pub(crate) const KEYWORDS: &[&str] = &[
    "use_vmac",
    "use_vmac_addr",
    "vmac_xmit_base",
    "use_ipvlan",
    "unicast_peer",
    "unicast_fault_no_peer",
    "check_unicast_src",
    "old_unicast_checksum",
    "native_ipv6",
    "state",
    "interface",
    "vrf",
    "dont_track_primary",
    "track_interface",
    "track_script",
    "track_file",
    "track_process",
    "track_bfd",
    "mcast_src_ip",
    "unicast_src_ip",
    "mcast_dst_ip",
    "track_src_ip",
    "virtual_router_id",
    "unicast_ttl",
    "version",
    "priority",
    "advert_int",
    "virtual_ipaddress",
    "virtual_ipaddress_excluded",
    "promote_secondaries",
    "linkbeat_use_polling",
    "virtual_routes",
    "virtual_rules",
    "accept",
    "no_accept",
    "skip_check_adv_addr",
    "strict_mode",
    "preempt",
    "nopreempt",
    "preempt_delay",
    "debug",
    "notify_backup",
    "notify_master",
    "notify_fault",
    "notify_stop",
    "notify_deleted",
    "notify",
    "notify_master_rx_lower_pri",
    "smtp_alert",
    "notify_priority_changes",
    "lvs_sync_daemon_interface",
    "garp_master_delay",
    "garp_master_refresh",
    "garp_master_repeat",
    "garp_master_refresh_repeat",
    "garp_lower_prio_delay",
    "garp_lower_prio_repeat",
    "down_timer_adverts",
    "garp_extra_if",
    "vmac_garp_intvl",
    "lower_prio_no_advert",
    "higher_prio_send_advert",
    "kernel_rx_buf_size",
    "authentication",
];

/// Keywords of an instance's `authentication` block.
pub(crate) const AUTH_KEYWORDS: &[&str] = &["auth_type", "auth_pass"];

/// Builds one `vrrp_instance`.
pub(crate) fn build_instance(
    item: &Item,
    cx: &mut Cx,
    v: &VrrpSection,
    bfd: &[String],
) -> Option<Instance> {
    if item.args.len() != 1 {
        cx.error(item.span(), "vrrp_instance must have a name");
        return None;
    }
    let name = item.args[0].text.clone();
    if cx.names.get(Kind::Instance, &name).is_some() {
        cx.error(item.span(), format!("vrrp instance {name} already defined"));
        return None;
    }
    let mut inst = Instance::new(name, Loc(item.span()));
    for c in cx.block(item).unwrap_or(&[]) {
        if !core(c, cx, &mut inst)
            && !addresses(c, cx, &mut inst, v)
            && !unicast(c, cx, &mut inst)
            && !options(c, cx, &mut inst)
            && !garp(c, cx, &mut inst)
            && !notify(c, cx, &mut inst)
            && !track_block(c, cx, &inst.name.clone(), &mut inst.track, v, bfd)
        {
            cx.unknown_keyword(c, KEYWORDS);
        }
    }
    end(cx, item, &mut inst);
    Some(inst)
}

/// keepalived compat: `vrrp_end_handler()`.
fn end(cx: &mut Cx, item: &Item, i: &mut Instance) {
    if i.unicast_configured && i.vmac.is_some() && !i.vmac_xmit_base {
        if i.interface.is_none() {
            cx.error(item.span(), format!("({}): Cannot use VMAC/ipvlan with unicast and no interface - clearing use_vmac", i.name));
            i.vmac = None;
        } else {
            cx.error(item.span(), format!("({}) unicast with use_vmac requires vmac_xmit_base - setting", i.name));
            i.vmac_xmit_base = true;
        }
    }
    if i.unicast_peers.is_empty() && i.unicast_ttl.is_some() {
        cx.error(item.span(), format!("({}): Cannot use unicast_ttl without unicast peers - resetting", i.name));
        i.unicast_ttl = None;
    }
}

pub(super) fn set_family(
    cx: &mut Cx,
    c: &Item,
    i: &mut Instance,
    v6: bool,
) -> bool {
    match i.ipv6 {
        None => {
            i.ipv6 = Some(v6);
            true
        }
        Some(f) if f == v6 => true,
        Some(_) => {
            cx.error(c.span(), format!("({}) address {} MUST match VRRP instance family - skipping", i.name, c.args.first().map_or(c.name(), |w| w.as_str())));
            false
        }
    }
}

fn core(c: &Item, cx: &mut Cx, i: &mut Instance) -> bool {
    match c.name() {
        "state" => {
            match c.arg(0).map(|w| w.as_str()) {
                Some("MASTER") => i.state = Some(InstanceState::Master),
                Some("BACKUP") if i.state == Some(InstanceState::Master) => {
                    cx.error(c.span(), format!("({}) state previously set as MASTER - ignoring BACKUP", i.name));
                }
                Some("BACKUP") => i.state = Some(InstanceState::Backup),
                other => {
                    cx.error(
                        c.span(),
                        format!(
                            "({}) unknown state '{}', defaulting to BACKUP",
                            i.name,
                            other.unwrap_or("")
                        ),
                    );
                    i.state = Some(InstanceState::Backup);
                }
            }
        }
        "interface" => {
            let name = cx.string_arg(c, 0).unwrap_or_default();
            if name.len() >= 16 {
                cx.error(
                    c.span(),
                    format!("Interface name '{name}' too long - ignoring"),
                );
            } else {
                i.interface = Some(name);
            }
        }
        // keepalived compat: `vrrp_vrf_handler`'s checks, in its order
        // (a name must fit IFNAMSIZ, 16 with its NUL).
        "vrf" => {
            match cx.string_arg(c, 0) {
                Some(name) if name.len() >= 16 => {
                    cx.error(c.span(), format!("({}) VRF interface name '{name}' too long - ignoring", i.name));
                }
                Some(_) if i.interface.is_some() => {
                    cx.error(c.span(), format!("({}) Cannot specify VRF interface and interface - ignoring", i.name));
                }
                Some(_) if i.vrf.is_some() => {
                    let had = i.vrf.clone().unwrap_or_default();
                    cx.error(c.span(), format!("({}) VRF interface already specified as '{had}' - ignoring", i.name));
                }
                name => i.vrf = name,
            }
        }
        "virtual_router_id" => match cx.u32_arg(c, 0, 1..=255) {
            Some(v) => i.vrid = Some(v as u8),
            None => cx.error(
                c.span(),
                format!(
                    "({}): VRID not valid - must be between 1 & 255",
                    i.name
                ),
            ),
        },
        "priority" => {
            // keepalived compat: an invalid priority falls back to 100.
            // ("priority 300 out of range 1..=255" is reported by the reader.)
            let p = cx.u32_arg(c, 0, 1..=255);
            i.priority = Some(p.unwrap_or(100) as u8);
        }
        "advert_int" => {
            if let Some(d) = cx.timer_arg(
                c,
                0,
                Duration::from_millis(10),
                Duration::from_secs(255),
            ) {
                i.advert_int = d;
            }
        }
        "version" => version(c, cx, i),
        "native_ipv6" => {
            if i.ipv6 == Some(false) {
                cx.error(
                    c.span(),
                    format!(
                        "({}) Cannot specify native_ipv6 with IPv4 addresses",
                        i.name
                    ),
                );
            } else {
                i.ipv6 = Some(true);
                i.version = Some(VrrpVersion::V3);
            }
        }
        "authentication" => auth(c, cx, i),
        _ => return false,
    }
    true
}

fn version(c: &Item, cx: &mut Cx, i: &mut Instance) {
    let Some(v) = cx.u32_arg(c, 0, 2..=3) else {
        return;
    };
    let v = if v == 2 {
        VrrpVersion::V2
    } else {
        VrrpVersion::V3
    };
    if i.version.is_some_and(|x| x != v)
        || (v == VrrpVersion::V2 && i.ipv6 == Some(true))
    {
        cx.error(c.span(), format!("({}) vrrp_version conflicts with configured or deduced version; ignoring.", i.name));
        return;
    }
    i.version = Some(v);
}

fn auth(c: &Item, cx: &mut Cx, i: &mut Instance) {
    let mut ty = i.auth.as_ref().map(|a| a.auth_type);
    let mut pass = i.auth.as_ref().map(|a| a.pass.clone()).unwrap_or_default();
    for a in cx.block(c).unwrap_or(&[]) {
        match a.name() {
            "auth_type" => match a.arg(0).map(|w| w.as_str()) {
                Some("PASS") => ty = Some(AuthType::Pass),
                Some("AH") => ty = Some(AuthType::Ah),
                o => cx.error(
                    a.span(),
                    format!(
                        "({}) unknown authentication type '{}'",
                        i.name,
                        o.unwrap_or("")
                    ),
                ),
            },
            "auth_pass" => {
                let mut p = cx.string_arg(a, 0).unwrap_or_default();
                if p.len() > 8 {
                    // keepalived compat: truncated to 8 bytes, reported.
                    cx.error(a.span(), "Truncating auth_pass to 8 characters");
                    let mut end = 8;
                    while !p.is_char_boundary(end) {
                        end -= 1;
                    }
                    p.truncate(end);
                }
                pass = p;
            }
            _ => cx.unknown_keyword(a, AUTH_KEYWORDS),
        }
    }
    // keepalived compat: a password without a type is kept but unused;
    // an empty password is reported by validation.
    i.auth = ty.map(|auth_type| Auth { auth_type, pass });
}

fn addresses(c: &Item, cx: &mut Cx, i: &mut Instance, v: &VrrpSection) -> bool {
    let groups: Vec<String> =
        v.track_groups.iter().map(|g| g.name.clone()).collect();
    match c.name() {
        "virtual_ipaddress" => {
            for e in cx.block(c).unwrap_or(&[]) {
                if let Some(a) = parse_address(cx, e, false, &groups) {
                    // keepalived compat: VIPs must all match the family.
                    if set_family(cx, e, i, a.addr.is_ipv6()) {
                        i.vips.push(a);
                    }
                }
            }
        }
        "virtual_ipaddress_excluded" => {
            for e in cx.block(c).unwrap_or(&[]) {
                i.evips.extend(parse_address(cx, e, false, &groups));
            }
        }
        "virtual_routes" => {
            for e in cx.block(c).unwrap_or(&[]) {
                i.routes.extend(parse_route(cx, e, &[]));
            }
        }
        "virtual_rules" => {
            for e in cx.block(c).unwrap_or(&[]) {
                i.rules.extend(parse_rule(cx, e, &[]));
            }
        }
        _ => return false,
    }
    true
}

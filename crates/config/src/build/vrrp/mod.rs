//! Builders for the VRRP root blocks.

mod addr;
mod groups;
mod instance;
mod instance_options;
mod route;
mod rule;
mod track;

#[cfg(test)]
mod tests;

pub(crate) use instance_options::garp_extra_if;

use crate::ast::Item;
use crate::build::Cx;
use crate::build::names::Kind;
use crate::model::global::{GlobalDefs, LvsSyncDaemon};
use crate::model::vrrp::{Instance, VrrpSection};

/// Root keywords this module builds.
pub const ROOT_KEYWORDS: &[&str] = &[
    "vrrp_instance",
    "vrrp_sync_group",
    "vrrp_script",
    "vrrp_track_process",
    "track_file",
    "vrrp_track_file",
    "track_group",
    "static_ipaddress",
    "static_routes",
    "static_rules",
    "garp_group",
    "linkbeat_interfaces",
    "interface_up_down_delays",
];

/// The VRRP blocks' keyword tables (block name, keywords), for the
/// generated configuration manual page.
pub const KEYWORD_TABLES: &[(&str, &[&str])] = &[
    ("vrrp_instance", instance::KEYWORDS),
    ("authentication", instance::AUTH_KEYWORDS),
    ("vrrp_sync_group", groups::SYNC_KEYWORDS),
    ("vrrp_script", track::SCRIPT_KEYWORDS),
    ("vrrp_track_process", track::PROCESS_KEYWORDS),
    ("track_file", track::TRACK_FILE_KEYWORDS),
    ("track_group", groups::TRACK_GROUP_KEYWORDS),
    ("garp_group", groups::GARP_GROUP_KEYWORDS),
];

/// Builds one VRRP root item into `v`; `bfd` are the BFD instance names
/// declared so far (for `track_bfd`).
pub fn build_root(
    item: &Item,
    cx: &mut Cx,
    v: &mut VrrpSection,
    bfd: &[String],
) {
    let groups: Vec<String> =
        v.track_groups.iter().map(|g| g.name.clone()).collect();
    match item.name() {
        "vrrp_instance" => {
            if let Some(i) = instance::build_instance(item, cx, v, bfd) {
                cx.names.add(Kind::Instance, &i.name, v.instances.len());
                v.instances.push(i);
            }
        }
        "vrrp_sync_group" => {
            if let Some(g) = groups::build_sync_group(item, cx, v, bfd) {
                v.sync_groups.push(g);
            }
        }
        "vrrp_script" => {
            if let Some(s) = track::build_script(item, cx) {
                cx.names.add(Kind::Script, &s.name, v.scripts.len());
                v.scripts.push(s);
            }
        }
        "vrrp_track_process" => {
            if let Some(t) = track::build_process(item, cx) {
                let at = v.track_processes.len();
                cx.names.add(Kind::TrackProcess, &t.name, at);
                v.track_processes.push(t);
            }
        }
        "track_file" | "vrrp_track_file" => {
            if let Some(t) = track::build_track_file(item, cx) {
                cx.names.add(Kind::TrackFile, &t.name, v.track_files.len());
                v.track_files.push(t);
            }
        }
        "track_group" => {
            if let Some(g) = groups::build_track_group(item, cx, v) {
                v.track_groups.push(g);
            }
        }
        "static_ipaddress" => {
            for e in cx.block(item).unwrap_or(&[]) {
                v.static_addresses
                    .extend(addr::parse_address(cx, e, true, &groups));
            }
        }
        "static_routes" => {
            for e in cx.block(item).unwrap_or(&[]) {
                v.static_routes.extend(route::parse_route(cx, e, &groups));
            }
        }
        "static_rules" => {
            for e in cx.block(item).unwrap_or(&[]) {
                v.static_rules.extend(rule::parse_rule(cx, e, &groups));
            }
        }
        "garp_group" => {
            v.garp_groups.extend(groups::build_garp_group(item, cx))
        }
        "linkbeat_interfaces" => {
            groups::build_linkbeat(item, cx, &mut v.linkbeat_interfaces)
        }
        "interface_up_down_delays" => {
            groups::build_updown(item, cx, &mut v.interface_up_down_delays)
        }
        _ => {}
    }
}

#[cfg(test)]
mod groups_tests;

/// `lvs_sync_daemon_interface IF` in `vrrp_instance` `i`: deprecated
/// since keepalived 1.2.19; recorded here and applied to the global
/// `lvs_sync_daemon` by [`apply_syncd_interfaces`].
pub(super) fn syncd_interface(c: &Item, cx: &mut Cx, i: &Instance) {
    let pad = " ".repeat(i.name.len().saturating_sub(2));
    cx.error(c.span(), format!("({}) Specifying lvs_sync_daemon_interface against a vrrp is deprecated.", i.name));
    cx.error(
        c.span(),
        format!("      {pad}Please use global lvs_sync_daemon"),
    );
    if let Some(ifname) = cx.string_arg(c, 0) {
        cx.syncd_interfaces.push((c.span(), i.name.clone(), ifname));
    }
}

/// keepalived compat: the first `lvs_sync_daemon_interface` or global
/// `lvs_sync_daemon` in file order wins (applied after each root item);
/// later ones are reported and ignored.
pub fn apply_syncd_interfaces(cx: &mut Cx, g: &mut GlobalDefs) {
    for (span, instance, ifname) in std::mem::take(&mut cx.syncd_interfaces) {
        if let Some(s) = &g.lvs_sync_daemon {
            cx.error(span, format!("({instance}) lvs_sync_daemon_interface has already been specified as {} - ignoring", s.interface));
            continue;
        }
        g.lvs_sync_daemon = Some(LvsSyncDaemon {
            interface: ifname,
            instance: Some(instance),
            ..LvsSyncDaemon::default()
        });
    }
}

//! Builders for the blocks that group instances or interfaces:
//! `vrrp_sync_group`, `track_group`, `garp_group`, `linkbeat_interfaces`
//! and `interface_up_down_delays`.

use std::time::Duration;

use crate::ast::Item;
use crate::build::Cx;
use crate::model::vrrp::{
    GarpGroup, IfUpDownDelay, LinkbeatInterface, Loc, SyncGroup, TrackGroup,
    Trackers, VrrpSection,
};

use super::track::track_block;

/// Builds a `vrrp_sync_group`.
pub(crate) fn build_sync_group(
    item: &Item,
    cx: &mut Cx,
    v: &VrrpSection,
    bfd: &[String],
) -> Option<SyncGroup> {
    if item.args.len() != 1 {
        cx.error(item.span(), "vrrp_sync_group must have a name - skipping");
        return None;
    }
    let name = item.args[0].text.clone();
    if v.sync_groups.iter().any(|g| g.name == name) {
        cx.error(
            item.span(),
            format!("vrrp sync group {name} already defined"),
        );
        return None;
    }
    let mut g = SyncGroup {
        name,
        loc: Loc(item.span()),
        members: Vec::new(),
        track: Trackers::default(),
        notify_master: None,
        notify_backup: None,
        notify_fault: None,
        notify_stop: None,
        notify: None,
        smtp_alert: None,
        tracking_weight: false,
        notify_priority_changes: None,
    };
    for c in cx.block(item).unwrap_or(&[]) {
        sync_keyword(c, cx, &mut g, v, bfd);
    }
    Some(g)
}

fn sync_keyword(
    c: &Item,
    cx: &mut Cx,
    g: &mut SyncGroup,
    v: &VrrpSection,
    bfd: &[String],
) {
    let owner = g.name.clone();
    let slot = match c.name() {
        "group" => {
            if !g.members.is_empty() {
                cx.error(
                    c.span(),
                    format!(
                        "Group list already specified for sync group {owner}"
                    ),
                );
                return;
            }
            g.members = list_words(cx.block(c).unwrap_or(&[]));
            if g.members.is_empty() {
                cx.error(
                    c.span(),
                    format!(
                        "Warning - sync group {owner} has empty group block"
                    ),
                );
            }
            return;
        }
        "notify_master" => &mut g.notify_master,
        "notify_backup" => &mut g.notify_backup,
        "notify_fault" => &mut g.notify_fault,
        "notify_stop" => &mut g.notify_stop,
        "notify" => &mut g.notify,
        "smtp_alert" => {
            g.smtp_alert = cx.bool_arg(c, 0).or(g.smtp_alert);
            return;
        }
        "notify_priority_changes" => {
            g.notify_priority_changes =
                cx.bool_arg(c, 0).or(g.notify_priority_changes);
            return;
        }
        "global_tracking" => {
            cx.error(c.span(), format!("({owner}) global_tracking is deprecated. Use track_interface/script/file on the sync group"));
            g.tracking_weight = true;
            return;
        }
        "sync_group_tracking_weight" => {
            g.tracking_weight = true;
            return;
        }
        _ => {
            if !track_block(c, cx, &owner, &mut g.track, v, bfd) {
                cx.unknown_keyword(c, SYNC_KEYWORDS);
            }
            return;
        }
    };
    if slot.is_some() {
        cx.error(
            c.span(),
            format!(
                "vrrp group {owner}: {} script already specified - ignoring",
                c.name()
            ),
        );
    } else {
        *slot = cx.script_cmd(c);
    }
}

/// Keywords of `track_group`.
pub(super) const TRACK_GROUP_KEYWORDS: &[&str] = &["group"];

/// Keywords of `garp_group`.
pub(super) const GARP_GROUP_KEYWORDS: &[&str] =
    &["garp_interval", "gna_interval", "interface", "interfaces"];

/// Keywords of `vrrp_sync_group`.
pub(super) const SYNC_KEYWORDS: &[&str] = &[
    "group",
    "track_interface",
    "track_script",
    "track_file",
    "track_process",
    "track_bfd",
    "notify_backup",
    "notify_master",
    "notify_fault",
    "notify_stop",
    "notify",
    "smtp_alert",
    "global_tracking",
    "sync_group_tracking_weight",
    "notify_priority_changes",
];

/// Every word of a list block (`group { a b c }` or one per line).
pub(crate) fn list_words(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .flat_map(|e| super::addr::words(e).into_iter().map(str::to_string))
        .collect()
}

/// Builds a `track_group`.
pub(crate) fn build_track_group(
    item: &Item,
    cx: &mut Cx,
    v: &VrrpSection,
) -> Option<TrackGroup> {
    if item.args.len() != 1 {
        cx.error(item.span(), "track_group must have a name - skipping");
        return None;
    }
    let name = item.args[0].text.clone();
    if v.track_groups.iter().any(|g| g.name == name) {
        cx.error(item.span(), format!("track_group {name} already defined"));
        return None;
    }
    let mut g = TrackGroup {
        name,
        members: Vec::new(),
    };
    for c in cx.block(item).unwrap_or(&[]) {
        match c.name() {
            "group" if !g.members.is_empty() => cx.error(
                c.span(),
                format!(
                    "Group list already specified for sync group {}",
                    g.name
                ),
            ),
            "group" => g.members = list_words(cx.block(c).unwrap_or(&[])),
            _ => cx.unknown_keyword(c, TRACK_GROUP_KEYWORDS),
        }
    }
    Some(g)
}

/// Builds a `garp_group`; `None` when it sets no interval.
pub(crate) fn build_garp_group(item: &Item, cx: &mut Cx) -> Option<GarpGroup> {
    let mut g = GarpGroup::default();
    for c in cx.block(item).unwrap_or(&[]) {
        match c.name() {
            "garp_interval" => {
                g.garp_interval = cx
                    .timer_arg(
                        c,
                        0,
                        Duration::ZERO,
                        Duration::from_secs(i32::MAX as u64 / 1_000_000),
                    )
                    .or(g.garp_interval)
            }
            "gna_interval" => {
                g.gna_interval = cx
                    .timer_arg(
                        c,
                        0,
                        Duration::ZERO,
                        Duration::from_secs(i32::MAX as u64 / 1_000_000),
                    )
                    .or(g.gna_interval)
            }
            "interface" => g.interfaces.extend(cx.string_arg(c, 0)),
            "interfaces" => {
                let l = list_words(cx.block(c).unwrap_or(&[]));
                if l.is_empty() {
                    cx.error(
                        c.span(),
                        "Warning - empty garp_group interfaces block",
                    );
                }
                g.interfaces.extend(l);
            }
            _ => cx.unknown_keyword(c, GARP_GROUP_KEYWORDS),
        }
    }
    if g.garp_interval.is_none() && g.gna_interval.is_none() {
        cx.error(
            item.span(),
            "garp group does not have any delay set - removing",
        );
        return None;
    }
    Some(g)
}

/// Builds `linkbeat_interfaces` entries.
pub(crate) fn build_linkbeat(
    item: &Item,
    cx: &mut Cx,
    out: &mut Vec<LinkbeatInterface>,
) {
    for e in cx.block(item).unwrap_or(&[]) {
        let method = e.arg(0).map(|w| w.text.clone());
        if method
            .as_deref()
            .is_some_and(|m| !matches!(m, "MII" | "ETHTOOL" | "IOCTL"))
            || e.args.len() > 1
        {
            cx.error(e.span(), "extra characters in linkbeat interface");
        }
        out.push(LinkbeatInterface {
            interface: e.name().to_string(),
            method: method
                .filter(|m| matches!(m.as_str(), "MII" | "ETHTOOL" | "IOCTL")),
        });
    }
}

/// Builds `interface_up_down_delays` entries. keepalived only logs bad
/// values here.
pub(crate) fn build_updown(
    item: &Item,
    cx: &mut Cx,
    out: &mut Vec<IfUpDownDelay>,
) {
    let parse = |w: Option<&crate::ast::Word>| {
        w.and_then(|w| crate::build::cx::parse_seconds(&w.text))
            .filter(|d| *d <= Duration::from_secs(255))
    };
    for e in cx.block(item).unwrap_or(&[]) {
        if e.args.is_empty() {
            cx.warn(
                e.span(),
                format!(
                    "No timeouts specified for {} up/down delays",
                    e.name()
                ),
            );
            continue;
        }
        let Some(down) = parse(e.arg(0)) else {
            cx.warn(e.span(), format!("Invalid down delay for {}", e.name()));
            continue;
        };
        let up = if e.args.len() < 2 {
            Some(Duration::ZERO)
        } else {
            parse(e.arg(1))
        };
        match up {
            Some(up) => out.push(IfUpDownDelay {
                interface: e.name().to_string(),
                down,
                up,
            }),
            None => {
                cx.warn(e.span(), format!("Invalid up delay for {}", e.name()))
            }
        }
    }
}

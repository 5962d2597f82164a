//! Builder for `bfd_instance NAME { … }` (keepalived `bfd_parser.c`).

use std::time::Duration;

use crate::ast::Item;
use crate::build::Cx;
use crate::model::bfd::{BfdInstance, BfdSection};
use crate::model::vrrp::Loc;

/// Keywords of `bfd_instance`.
pub const KEYWORDS: &[&str] = &[
    "source_ip",
    "neighbor_ip",
    "neighbour_ip",
    "min_rx",
    "min_tx",
    "idle_tx",
    "multiplier",
    "passive",
    "ttl",
    "hoplimit",
    "max_hops",
    "weight",
    "vrrp",
    "checker",
];

/// Builds one `bfd_instance` into `bfd`.
pub fn build_root(item: &Item, cx: &mut Cx, bfd: &mut BfdSection) {
    let Some(name) = cx.string_arg(item, 0) else {
        return;
    };
    if name.len() >= 32 {
        cx.error(item.span(), format!("Configuration error: BFD instance {name} name too long (maximum length is 31 characters) - ignoring"));
        return;
    }
    if bfd.instance(&name).is_some() {
        cx.error(item.span(), format!("BFD {name} already specified"));
        return;
    }
    let mut b = BfdInstance::new(name, Loc(item.span()));
    for c in cx.block(item).unwrap_or(&[]) {
        keyword(c, cx, &mut b);
    }
    if end(item, cx, &mut b, bfd) {
        bfd.instances.push(b);
    }
}

fn ms(c: &Item, cx: &mut Cx, min_ms: u64) -> Option<Duration> {
    let w = cx.arg(c, 0)?;
    // keepalived compat: milliseconds with up to 3 decimals.
    let d = crate::build::cx::parse_seconds(&w.text)
        .filter(|_| w.text.split('.').nth(1).is_none_or(|f| f.len() <= 3));
    match d.map(|d| d / 1000) {
        Some(d)
            if d >= Duration::from_millis(min_ms)
                && d <= Duration::from_millis(u64::from(u32::MAX / 1000)) =>
        {
            Some(d)
        }
        _ => {
            cx.error(w.span, format!("`{}` {} not valid (must be in range [{min_ms}-{}] ms), ignoring", c.name(), w.text, u32::MAX / 1000));
            None
        }
    }
}

fn keyword(c: &Item, cx: &mut Cx, b: &mut BfdInstance) {
    match c.name() {
        "neighbor_ip" | "neighbour_ip" => {
            b.neighbor = cx.ip_arg(c, 0).or(b.neighbor)
        }
        "source_ip" => b.source = cx.ip_arg(c, 0).or(b.source),
        "min_rx" => b.min_rx = ms(c, cx, 1).unwrap_or(b.min_rx),
        "min_tx" => b.min_tx = ms(c, cx, 1).unwrap_or(b.min_tx),
        "idle_tx" => b.idle_tx = ms(c, cx, 1000).unwrap_or(b.idle_tx),
        "multiplier" => {
            b.multiplier =
                cx.u32_arg(c, 0, 1..=255).map_or(b.multiplier, |m| m as u8)
        }
        "passive" => b.passive = true,
        "ttl" | "hoplimit" => {
            b.ttl = cx.u32_arg(c, 0, 1..=255).map(|t| t as u8).or(b.ttl)
        }
        "max_hops" => {
            b.max_hops =
                cx.i64_arg(c, 0, -1..=255).map_or(b.max_hops, |m| m as i16)
        }
        "weight" => {
            b.weight =
                cx.i64_arg(c, 0, -253..=253).map_or(b.weight, |w| w as i32);
            match c.arg(1).map(|w| w.as_str()) {
                None => {}
                Some("reverse") => b.reverse = true,
                Some(o) => cx.error(c.span(), format!("Configuration error: BFD instance {} unknown weight option {o}", b.name)),
            }
        }
        "vrrp" => b.vrrp = true,
        "checker" => b.checker = true,
        _ => cx.unknown_keyword(c, KEYWORDS),
    }
}

/// keepalived compat: `bfd_end_handler()`.
fn end(
    item: &Item,
    cx: &mut Cx,
    b: &mut BfdInstance,
    all: &BfdSection,
) -> bool {
    let Some(n) = b.neighbor else {
        cx.error(item.span(), format!("Configuration error: BFD instance {} has no neighbor address set, disabling instance", b.name));
        return false;
    };
    if b.source.is_some_and(|s| s.is_ipv4() != n.is_ipv4()) {
        cx.error(item.span(), format!("Configuration error: BFD instance {} source address and neighbor address are not of the same family, disabling instance", b.name));
        return false;
    }
    if all
        .instances
        .iter()
        .any(|o| o.neighbor == b.neighbor && o.source == b.source)
    {
        cx.error(item.span(), format!("Configuration error: BFD instance {} has duplicate neighbor address {n}, ignoring instance", b.name));
        return false;
    }
    let ttl = *b.ttl.get_or_insert(if n.is_ipv4() { 255 } else { 64 });
    if b.max_hops > i16::from(ttl) {
        cx.error(item.span(), format!("BFD instance {}: max_hops exceeds ttl/hoplimit - setting to ttl/hoplimit", b.name));
        b.max_hops = i16::from(ttl);
    }
    true
}

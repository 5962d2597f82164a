//! Parsing rule specifications (`static_rules`, `virtual_rules`) the way
//! keepalived's `alloc_rule()` does: `ip rule` syntax.

use crate::ast::Item;
use crate::build::Cx;
use crate::model::vrrp::{RouteFamily, Rule};

use super::addr::{parse_prefix, words};
use super::route::is_keepalived_protocol;
use crate::model::vrrp::RTPROT_KEEPALIVED;

/// Selectors and options taking one value, kept verbatim.
const RULE_OPTS: &[&str] = &[
    "iif",
    "dev",
    "oif",
    "tos",
    "dsfield",
    "fwmark",
    "realms",
    "uidrange",
    "protocol",
    "ipproto",
    "sport",
    "dport",
    "suppress_prefixlength",
    "sup_pl",
    "suppress_ifgroup",
    "sup_group",
    "tunnel-id",
];

/// Parses one rule spec (`ip rule` syntax).
pub(crate) fn parse_rule(
    cx: &mut Cx,
    item: &Item,
    track_groups: &[String],
) -> Option<Rule> {
    let w = words(item);
    let mut r = Rule {
        family: RouteFamily::Inet,
        from: None,
        to: None,
        action: None,
        preference: None,
        options: Vec::new(),
        no_track: false,
        track_group: None,
    };
    let mut family: Option<RouteFamily> = None;
    let mut i = 0;
    while i < w.len() {
        let (kw, v) = (w[i], w.get(i + 1).copied());
        i += match (kw, v) {
            ("inet", _) => set(&mut family, RouteFamily::Inet),
            ("inet6", _) => set(&mut family, RouteFamily::Inet6),
            ("from" | "to", Some(v)) => {
                selector(cx, item, &mut r, &mut family, kw, v)?
            }
            _ => option(cx, item, &mut r, track_groups, kw, v)?,
        };
    }
    r.family = family.unwrap_or(RouteFamily::Inet);
    // keepalived compat: a tracked rule is the daemon's own
    // (RTPROT_KEEPALIVED); another protocol is reported and dropped.
    let foreign = |(k, v): &(String, Option<String>)| {
        k == "protocol" && !v.as_deref().is_some_and(is_keepalived_protocol)
    };
    if !r.no_track && r.options.iter().any(foreign) {
        cx.error(item.span(), format!("Rule cannot be tracked if protocol is not RTPROT_KEEPALIVED({RTPROT_KEEPALIVED}), resetting protocol"));
        r.options.retain(|o| !foreign(o));
    }
    // keepalived compat: rules without a preference are numbered down
    // from 16384, one counter per family, and that is reported.
    if r.preference.is_none() {
        let p = cx.next_rule_preference(r.family == RouteFamily::Inet6);
        cx.error(item.span(), format!("Rule has no preference specified - setting to {p}. This is probably not what you want."));
        r.preference = Some(p);
    }
    Some(r)
}

fn set(family: &mut Option<RouteFamily>, f: RouteFamily) -> usize {
    *family = Some(f);
    1
}

/// `from`/`to PREFIX|all`; returns the words used.
fn selector(
    cx: &mut Cx,
    item: &Item,
    r: &mut Rule,
    family: &mut Option<RouteFamily>,
    kw: &str,
    v: &str,
) -> Option<usize> {
    if v == "all" {
        return Some(2);
    }
    let p = parse_prefix(cx, item, v)?;
    let f = if p.0.is_ipv4() {
        RouteFamily::Inet
    } else {
        RouteFamily::Inet6
    };
    if family.is_some_and(|x| x != f) {
        cx.error(item.span(), "Cannot mix IPv4 and IPv6 addresses in rule");
        return None;
    }
    *family = Some(f);
    if kw == "from" {
        r.from = Some(p);
    } else {
        r.to = Some(p);
    }
    Some(2)
}

/// Every other rule word; returns the words used.
fn option(
    cx: &mut Cx,
    item: &Item,
    r: &mut Rule,
    track_groups: &[String],
    kw: &str,
    v: Option<&str>,
) -> Option<usize> {
    match (kw, v) {
        ("preference" | "priority" | "order", Some(v)) => {
            r.preference = crate::build::cx::parse_uint(v)
                .filter(|n| *n <= u64::from(u32::MAX))
                .map(|n| n as u32);
            if r.preference.is_none() {
                cx.error(item.span(), format!("Invalid rule preference {v}"));
                return None;
            }
        }
        ("table" | "lookup" | "goto", Some(v)) => {
            let k = if kw == "lookup" { "table" } else { kw };
            r.action = Some((k.to_string(), Some(v.to_string())));
        }
        ("nop" | "blackhole" | "unreachable" | "prohibit", _) => {
            r.action = Some((kw.to_string(), None));
            return Some(1);
        }
        ("l3mdev", _) => {
            r.options.push((kw.to_string(), None));
            return Some(1);
        }
        ("no_track", _) => {
            r.no_track = true;
            return Some(1);
        }
        ("track_group", Some(v)) => {
            if track_groups.iter().any(|g| g == v) {
                r.track_group = Some(v.to_string());
            } else {
                cx.error(item.span(), format!("track_group {v} not found"));
            }
        }
        // keepalived compat: a rule's protocol is a decimal number (no
        // names); a bad one is reported and the rule kept without it.
        ("protocol", Some(v)) if v.parse::<u8>().is_err() => {
            cx.error(item.span(), format!("Invalid protocol {v}"));
        }
        (o, Some(v)) if RULE_OPTS.contains(&o) => {
            r.options.push((o.to_string(), Some(v.to_string())));
        }
        (x, _) => {
            cx.error(item.span(), format!("Unknown rule option {x}"));
            return None;
        }
    }
    Some(2)
}

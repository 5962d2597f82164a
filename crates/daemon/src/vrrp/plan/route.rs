//! `virtual_routes` and `virtual_rules` as argument text for
//! `ip route add` / `ip rule add`.
//!
//! The model's own printer writes keepalived.conf syntax (with `no_track`,
//! `track_group`, a leading `inet6`); iproute2 rejects those words, so the
//! text is built here with only what `ip` accepts. An IPv6 route or rule
//! with no address to tell the family gets `::/0` (`ip` would otherwise
//! assume IPv4).

use std::net::IpAddr;

use ka_config::model::vrrp::{
    NextHop, RTPROT_KEEPALIVED, Route, RouteFamily, Rule,
};

/// `ip route add` arguments for a route.
pub fn route_text(r: &Route) -> String {
    let mut w: Vec<String> = Vec::new();
    w.extend(r.route_type.clone());
    w.push(match (r.dst, r.family) {
        (Some((ip, len)), _) => format!("{ip}/{len}"),
        (None, RouteFamily::Inet6) => "::/0".into(),
        (None, RouteFamily::Inet) => "default".into(),
    });
    let mut kv = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            w.push(k.to_owned());
            w.push(v);
        }
    };
    kv("from", r.from.map(|(ip, len)| format!("{ip}/{len}")));
    kv("src", r.src.map(|s| s.to_string()));
    kv("via", r.via.map(|v| via(v, r.family)));
    kv("dev", r.dev.clone());
    kv("table", r.table.clone());
    kv("scope", r.scope.map(|s| s.name()));
    kv("metric", r.metric.map(|m| m.to_string()));
    // keepalived compat: routes are RTPROT_KEEPALIVED unless configured
    // otherwise (only untracked routes may be; ka-config drops the rest).
    kv("protocol", Some(protocol(r.protocol.as_deref())));
    // iproute2 reads a dsfield number as hexadecimal.
    kv("tos", r.tos.map(|t| format!("0x{t:02x}")));
    kv("pref", r.pref.clone());
    kv("expires", r.expires.map(|e| e.to_string()));
    kv("vrf", r.vrf.clone());
    kv(
        "ttl-propagate",
        r.ttl_propagate
            .map(|t| if t { "enabled" } else { "disabled" }.to_owned()),
    );
    for m in &r.metrics {
        w.push(m.name.clone());
        if m.lock {
            w.push("lock".into());
        }
        w.push(m.value.clone());
    }
    if r.onlink {
        w.push("onlink".into());
    }
    if !r.encap.is_empty() {
        w.push("encap".into());
        w.extend(r.encap.iter().cloned());
    }
    // `nexthop` must come last: iproute2 reads everything after it as hops.
    r.nexthops.iter().for_each(|h| nexthop(&mut w, h, r.family));
    w.join(" ")
}

/// A gateway of the other family (IPv6 next hop of an IPv4 route) needs
/// `inet6` in front of it.
fn via(v: IpAddr, family: RouteFamily) -> String {
    match (v, family) {
        (IpAddr::V6(_), RouteFamily::Inet) => format!("inet6 {v}"),
        _ => v.to_string(),
    }
}

fn nexthop(w: &mut Vec<String>, h: &NextHop, family: RouteFamily) {
    w.push("nexthop".into());
    if let Some(v) = h.via {
        w.push("via".into());
        w.push(via(v, family));
    }
    if let Some(d) = &h.dev {
        w.push("dev".into());
        w.push(d.clone());
    }
    if let Some(x) = h.weight {
        w.push("weight".into());
        w.push(x.to_string());
    }
    if h.onlink {
        w.push("onlink".into());
    }
    w.extend(h.extra.iter().cloned());
}

/// `ip rule add` arguments for a rule.
pub fn rule_text(r: &Rule) -> String {
    let mut w: Vec<String> = Vec::new();
    match (r.from, r.family) {
        (Some((ip, len)), _) => w.push(format!("from {ip}/{len}")),
        (None, RouteFamily::Inet6) => w.push("from ::/0".into()),
        (None, RouteFamily::Inet) => {}
    }
    if let Some((ip, len)) = r.to {
        w.push(format!("to {ip}/{len}"));
    }
    // keepalived compat: tracked rules are RTPROT_KEEPALIVED; untracked
    // ones carry only what is configured.
    if !r.no_track && !r.options.iter().any(|(k, _)| k == "protocol") {
        w.push(format!("protocol {RTPROT_KEEPALIVED}"));
    }
    for (k, v) in &r.options {
        w.push(rule_keyword(k).to_owned());
        if k == "protocol" {
            w.push(protocol(v.as_deref()));
            continue;
        }
        if let Some(v) = v {
            w.push(if matches!(k.as_str(), "tos" | "dsfield") {
                dsfield(v)
            } else {
                v.clone()
            });
        }
    }
    if let Some(p) = r.preference {
        w.push(format!("preference {p}"));
    }
    if let Some((k, v)) = &r.action {
        w.push(k.clone());
        w.extend(v.clone());
    }
    w.join(" ")
}

/// A protocol for `ip`: the configured one, RTPROT_KEEPALIVED by number
/// when none is (or when it is named, which older iproute2 cannot read).
fn protocol(v: Option<&str>) -> String {
    match v {
        None | Some("keepalived") => RTPROT_KEEPALIVED.to_string(),
        Some(p) => p.to_owned(),
    }
}

/// keepalived spellings iproute2 does not know.
fn rule_keyword(k: &str) -> &str {
    match k {
        "tunnel-id" => "tun_id",
        other => other,
    }
}

/// keepalived reads a TOS number with `strtoul(…, 0)` (decimal unless
/// `0x`/`0`), iproute2 as hexadecimal: numbers are written in hex.
fn dsfield(v: &str) -> String {
    let n = if let Some(h) =
        v.strip_prefix("0x").or_else(|| v.strip_prefix("0X"))
    {
        u8::from_str_radix(h, 16).ok()
    } else if v.len() > 1 && v.starts_with('0') {
        u8::from_str_radix(&v[1..], 8).ok()
    } else {
        v.parse::<u8>().ok()
    };
    n.map_or_else(|| v.to_owned(), |n| format!("0x{n:02x}"))
}

#[cfg(test)]
pub(super) fn dsfield_for_test(v: &str) -> String {
    dsfield(v)
}

//! Routes and rules as keepalived's dumps show them (`format_iproute`,
//! `format_iprule`), for the fields keepalived-rs's model carries; the
//! rarer route attributes (metrics, encap, next hops) follow in `ip`
//! syntax.

use std::net::IpAddr;

use ka_config::model::vrrp::{RTPROT_KEEPALIVED, Route, RouteFamily, Rule};

/// keepalived `ipaddresstos`: the address, with `/len` unless a host.
fn prefix(ip: IpAddr, len: u8) -> String {
    let host = if ip.is_ipv4() { 32 } else { 128 };
    if len == host {
        ip.to_string()
    } else {
        format!("{ip}/{len}")
    }
}

/// A number for a name `ip` also accepts (keepalived prints numbers).
fn table_number(t: &str) -> String {
    match t {
        "main" => "254".into(),
        "local" => "255".into(),
        "default" => "253".into(),
        other => other.to_string(),
    }
}

fn proto_number(p: Option<&str>) -> String {
    match p {
        None => RTPROT_KEEPALIVED.to_string(),
        Some("kernel") => "2".into(),
        Some("boot") => "3".into(),
        Some("static") => "4".into(),
        Some("keepalived") => RTPROT_KEEPALIVED.to_string(),
        Some(n) => n.to_string(),
    }
}

/// One virtual route.
pub(super) fn route(r: &Route) -> String {
    route_text(r, false)
}

/// One static route. keepalived compat: keepalived records no interface
/// index for static routes, so once installed they show
/// ` [installed ifindex 0]`.
pub(super) fn static_route(r: &Route) -> String {
    route_text(r, true)
}

fn route_text(r: &Route, installed_static: bool) -> String {
    // keepalived compat: without `add`/`append` keepalived shows
    // "prepend", its default mode (`ip route prepend` semantics).
    let mut o = String::from("prepend ");
    if let Some(t) = r.route_type.as_deref().filter(|t| *t != "unicast") {
        o += &format!("{t} ");
    }
    o += &match (r.dst, r.family) {
        (Some((ip, len)), _) => prefix(ip, len),
        (None, _) => "default".into(),
    };
    if let Some((ip, len)) = r.from {
        o += &format!(" from {}", prefix(ip, len));
    }
    if let Some(s) = r.src {
        o += &format!(" src {s}");
    }
    if let Some(t) = r.tos {
        o += &format!(" tos {t}");
    }
    if let Some(v) = r.via {
        let fam = if v.is_ipv6() { "inet6" } else { "inet" };
        o += &format!(" via {fam} {v}");
    }
    if let Some(d) = &r.dev {
        o += &format!(" dev {d}");
    }
    if let Some(t) = r.table.as_deref().map(table_number).filter(|t| t != "254")
    {
        o += &format!(" table {t}");
    }
    o += &format!(" proto {}", proto_number(r.protocol.as_deref()));
    if let Some(s) = r.scope {
        o += &format!(" scope {}", s.name());
    }
    if let Some(m) = r.metric {
        o += &format!(" metric {m}");
    }
    if r.onlink && r.family == RouteFamily::Inet {
        o += " onlink";
    }
    for m in &r.metrics {
        let lock = if m.lock { " lock" } else { "" };
        o += &format!(" {}{lock} {}", m.name, m.value);
    }
    for h in &r.nexthops {
        o += " nexthop";
        if let Some(v) = h.via {
            let fam = if v.is_ipv6() { "6" } else { "" };
            o += &format!(" via inet{fam} {v}");
        }
        if let Some(d) = &h.dev {
            o += &format!(" dev {d}");
        }
        if let Some(w) = h.weight {
            o += &format!(" weight {w}");
        }
        if h.onlink {
            o += " onlink";
        }
    }
    if r.no_track {
        o += " no_track";
    }
    if let Some(g) = &r.track_group {
        o += &format!(" track_group {g}");
    }
    if installed_static && !r.no_track {
        o += " [installed ifindex 0]";
    }
    o
}

/// One virtual or static rule.
pub(super) fn rule(r: &Rule) -> String {
    let mut o = String::new();
    if r.from.is_none() && r.to.is_none() && r.family == RouteFamily::Inet6 {
        o += "inet6 ";
    }
    if r.options.iter().any(|(k, _)| k == "not") {
        o += "not ";
    }
    o += &match r.from {
        Some((ip, len)) => format!("from {}", prefix(ip, len)),
        None => "from all".into(),
    };
    if let Some((ip, len)) = r.to {
        o += &format!(" to {}", prefix(ip, len));
    }
    if let Some(p) = r.preference {
        o += &format!(" priority {p}");
    }
    let opt = |k: &str| {
        r.options
            .iter()
            .find(|(n, _)| n == k)
            .and_then(|(_, v)| v.clone())
    };
    let tos = opt("tos")
        .or_else(|| opt("dsfield"))
        .unwrap_or_else(|| "0".into());
    let tos =
        u32::from_str_radix(tos.trim_start_matches("0x"), 16).unwrap_or(0);
    o += &format!(" tos 0x{tos:x}");
    for (k, v) in &r.options {
        if matches!(k.as_str(), "tos" | "dsfield" | "not" | "protocol") {
            continue;
        }
        o += &format!(" {k}");
        if let Some(v) = v {
            o += &format!(" {v}");
        }
    }
    if !r.no_track {
        o += &format!(" protocol {}", proto_number(opt("protocol").as_deref()));
    }
    match &r.action {
        Some((k, Some(t))) if matches!(k.as_str(), "table" | "lookup") => {
            o += &format!(" lookup {}", table_number(t));
        }
        Some((k, Some(t))) if k == "goto" => o += &format!(" goto {t}"),
        Some((k, _)) if k == "nop" => o += " nop",
        Some((k, _)) => o += &format!(" type {k}"),
        None => o += " lookup 254",
    }
    if r.no_track {
        o += " no_track";
    }
    if let Some(g) = &r.track_group {
        o += &format!(" track_group {g}");
    }
    o
}

//! Parsing route specifications (`static_routes`, `virtual_routes`) the
//! way keepalived's `alloc_route()` does: `ip route` syntax without
//! abbreviations.

use std::net::IpAddr;

use crate::ast::Item;
use crate::build::Cx;
use crate::build::cx::parse_uint;
use crate::model::vrrp::{
    NextHop, RTPROT_KEEPALIVED, Route, RouteFamily, RouteMetric, Scope,
};

use super::addr::{parse_prefix, words};

/// Route metrics (`RTAX_*`), each `NAME [lock] VALUE`.
const ROUTE_METRICS: &[&str] = &[
    "mtu",
    "advmss",
    "rtt",
    "rttvar",
    "reordering",
    "window",
    "cwnd",
    "ssthresh",
    "realms",
    "rto_min",
    "initcwnd",
    "initrwnd",
    "hoplimit",
    "congctl",
    "features",
    "quickack",
    "fastopen_no_cookie",
    "as",
];

/// Route types, allowed before the destination.
const ROUTE_TYPES: &[&str] = &[
    "unicast",
    "local",
    "broadcast",
    "multicast",
    "throw",
    "unreachable",
    "prohibit",
    "blackhole",
    "nat",
    "anycast",
];

/// Parses one route spec (`ip route` syntax).
pub(crate) fn parse_route(
    cx: &mut Cx,
    item: &Item,
    track_groups: &[String],
) -> Option<Route> {
    let mut p = RouteParser {
        item,
        w: words(item),
        track_groups,
        r: empty_route(),
        family: None,
        have_dst: false,
    };
    let mut i = 0;
    while i < p.w.len() {
        i += p.word(cx, i)?;
    }
    p.finish(cx)
}

fn empty_route() -> Route {
    Route {
        family: RouteFamily::Inet,
        route_type: None,
        dst: None,
        from: None,
        src: None,
        via: None,
        dev: None,
        table: None,
        scope: None,
        metric: None,
        protocol: None,
        tos: None,
        pref: None,
        expires: None,
        vrf: None,
        onlink: false,
        ttl_propagate: None,
        metrics: Vec::new(),
        encap: Vec::new(),
        nexthops: Vec::new(),
        no_track: false,
        track_group: None,
    }
}

/// The state of one route being parsed.
struct RouteParser<'a> {
    item: &'a Item,
    w: Vec<&'a str>,
    track_groups: &'a [String],
    r: Route,
    family: Option<RouteFamily>,
    have_dst: bool,
}

// ===== impl RouteParser =====

impl<'a> RouteParser<'a> {
    /// Handles the word at `i`; returns how many words it used, `None`
    /// after reporting an error that drops the route.
    fn word(&mut self, cx: &mut Cx, i: usize) -> Option<usize> {
        let kw = self.w[i];
        match kw {
            "inet" | "inet6" => self.family_kw(cx, kw).map(|()| 1),
            "src" | "via" | "gw" | "from" => self.address(cx, i),
            "dev" | "oif" | "table" | "protocol" | "vrf" => {
                let v = self.need(cx, i)?.to_string();
                let slot = match kw {
                    "table" => &mut self.r.table,
                    "protocol" => &mut self.r.protocol,
                    "vrf" => &mut self.r.vrf,
                    _ => &mut self.r.dev,
                };
                *slot = Some(v);
                Some(2)
            }
            "scope" | "metric" | "priority" | "preference" | "tos"
            | "dsfield" | "pref" | "expires" | "ttl-propagate" => {
                self.value(cx, i)
            }
            "onlink" => {
                self.r.onlink = true;
                Some(1)
            }
            "no_track" => {
                self.r.no_track = true;
                Some(1)
            }
            "track_group" => self.track_group(cx, i),
            "encap" => {
                self.r.encap = self.w[i + 1..]
                    .iter()
                    .take_while(|x| **x != "nexthop")
                    .map(|s| s.to_string())
                    .collect();
                Some(1 + self.r.encap.len())
            }
            "nexthop" => {
                self.r.nexthops = parse_nexthops(cx, self.item, &self.w[i..])?;
                Some(self.w.len() - i)
            }
            "add" | "append" | "prepend" | "to" => Some(1),
            m if ROUTE_METRICS.contains(&m) => self.metric(cx, i),
            _ => self.destination(cx, kw).map(|()| 1),
        }
    }

    /// The value after the keyword at `i`, reporting its absence.
    fn need(&self, cx: &mut Cx, i: usize) -> Option<&'a str> {
        let v = self.w.get(i + 1).copied();
        if v.is_none() {
            cx.error(
                self.item.span(),
                format!("route: `{}` needs a value", self.w[i]),
            );
        }
        v
    }

    fn bad(&self, cx: &mut Cx, msg: String) -> Option<usize> {
        cx.error(self.item.span(), msg);
        None
    }

    fn family_kw(&mut self, cx: &mut Cx, kw: &str) -> Option<()> {
        let f = if kw == "inet" {
            RouteFamily::Inet
        } else {
            RouteFamily::Inet6
        };
        if self.family.is_some_and(|x| x != f) {
            let msg = format!("{kw} specified for route of other family");
            cx.error(self.item.span(), msg);
            return None;
        }
        self.family = Some(f);
        Some(())
    }

    /// keepalived compat: all addresses of a route must be of one family.
    fn set_family(&mut self, cx: &mut Cx, ip: IpAddr) -> Option<()> {
        let f = if ip.is_ipv4() {
            RouteFamily::Inet
        } else {
            RouteFamily::Inet6
        };
        self.set_address_family(cx, f)
    }

    /// Sets the family an address (or a `via inet`/`via inet6` word)
    /// gives the route; an error if another address gave the other one.
    fn set_address_family(
        &mut self,
        cx: &mut Cx,
        f: RouteFamily,
    ) -> Option<()> {
        if self.family.is_some_and(|x| x != f) {
            let msg = "Cannot mix IPv4 and IPv6 addresses for route";
            cx.error(self.item.span(), msg);
            return None;
        }
        self.family = Some(f);
        Some(())
    }

    fn address(&mut self, cx: &mut Cx, i: usize) -> Option<usize> {
        // keepalived compat: `via inet ADDR` / `via inet6 ADDR`, as
        // `ip route` writes it; the family word sets the route's family.
        if matches!(self.w[i], "via" | "gw")
            && let Some(fam @ ("inet" | "inet6")) = self.w.get(i + 1).copied()
        {
            let f = if fam == "inet" {
                RouteFamily::Inet
            } else {
                RouteFamily::Inet6
            };
            self.set_address_family(cx, f)?;
            // The family word's index reads as a gateway below.
            return self.address(cx, i + 1).map(|n| n + 1);
        }
        let v = self.need(cx, i)?;
        let (ip, len) = parse_prefix(cx, self.item, v)?;
        self.set_family(cx, ip)?;
        match self.w[i] {
            "src" => self.r.src = Some(ip),
            "from" => self.r.from = Some((ip, len)),
            _ => self.r.via = Some(ip),
        }
        Some(2)
    }

    /// Keywords with a checked value.
    fn value(&mut self, cx: &mut Cx, i: usize) -> Option<usize> {
        let v = self.need(cx, i)?;
        let r = &mut self.r;
        match self.w[i] {
            "scope" => match Scope::parse(v) {
                Some(s) => r.scope = Some(s),
                None => {
                    return self.bad(cx, format!("Invalid route scope {v}"));
                }
            },
            "metric" | "priority" | "preference" => {
                match parse_uint(v).filter(|n| *n <= u64::from(u32::MAX)) {
                    Some(n) => r.metric = Some(n as u32),
                    None => return self.bad(cx, format!("Invalid metric {v}")),
                }
            }
            "tos" | "dsfield" => match parse_uint(v).filter(|n| *n <= 255) {
                Some(n) => r.tos = Some(n as u8),
                None => return self.bad(cx, format!("Invalid TOS {v}")),
            },
            "pref" if matches!(v, "low" | "medium" | "high") => {
                r.pref = Some(v.to_string())
            }
            "pref" => return self.bad(cx, format!("Invalid pref value {v}")),
            "expires" => match parse_uint(v) {
                Some(n) if n <= u64::from(u32::MAX) => {
                    r.expires = Some(n as u32)
                }
                _ => return self.bad(cx, format!("Invalid expires {v}")),
            },
            _ => {
                r.ttl_propagate = match v {
                    "enabled" => Some(true),
                    "disabled" => Some(false),
                    x => {
                        let msg = format!("Invalid ttl-propagate value {x}");
                        return self.bad(cx, msg);
                    }
                }
            }
        }
        Some(2)
    }

    fn track_group(&mut self, cx: &mut Cx, i: usize) -> Option<usize> {
        let v = self.need(cx, i)?;
        if self.track_groups.iter().any(|g| g == v) {
            self.r.track_group = Some(v.to_string());
        } else {
            cx.error(self.item.span(), format!("track_group {v} not found"));
        }
        Some(2)
    }

    /// `NAME [lock] VALUE`; `quickack` and `fastopen_no_cookie` may stand
    /// alone.
    fn metric(&mut self, cx: &mut Cx, i: usize) -> Option<usize> {
        let m = self.w[i];
        let mut j = i + 1;
        let lock = self.w.get(j) == Some(&"lock");
        if lock {
            j += 1;
        }
        let flag_only = matches!(m, "fastopen_no_cookie" | "quickack")
            && self
                .w
                .get(j)
                .is_none_or(|x| !x.bytes().all(|b| b.is_ascii_digit()));
        let value = if flag_only {
            String::new()
        } else {
            match self.w.get(j) {
                Some(x) => x.to_string(),
                None => {
                    return self.bad(cx, format!("route: `{m}` needs a value"));
                }
            }
        };
        self.r.metrics.push(RouteMetric {
            name: m.to_string(),
            lock,
            value,
        });
        Some(if flag_only { j - i } else { j + 1 - i })
    }

    /// A route type or the destination, only before the destination.
    fn destination(&mut self, cx: &mut Cx, d: &str) -> Option<()> {
        if self.have_dst {
            let msg = format!("Route has trailing nonsense - {d}");
            cx.error(self.item.span(), msg);
            return None;
        }
        match d {
            t if ROUTE_TYPES.contains(&t) => {
                self.r.route_type = Some(t.to_string());
                return Some(());
            }
            "default" | "any" | "all" => {}
            "default6" => self.family = Some(RouteFamily::Inet6),
            _ => {
                let (ip, len) = parse_prefix(cx, self.item, d)?;
                self.set_family(cx, ip)?;
                self.r.dst = Some((ip, len));
            }
        }
        self.have_dst = true;
        Some(())
    }

    fn finish(mut self, cx: &mut Cx) -> Option<Route> {
        let span = self.item.span();
        if !self.have_dst {
            cx.error(span, "Route must have a destination");
            return None;
        }
        let r = &mut self.r;
        // keepalived compat: a tracked route is the daemon's own
        // (RTPROT_KEEPALIVED); another protocol is reported and dropped.
        if !r.no_track
            && r.protocol
                .as_deref()
                .is_some_and(|p| !is_keepalived_protocol(p))
        {
            cx.error(span, format!("Route cannot be tracked if protocol is not RTPROT_KEEPALIVED({RTPROT_KEEPALIVED}), resetting protocol"));
            r.protocol = None;
        }
        // keepalived compat: a route without `dev` cannot be tracked.
        if !r.no_track && r.dev.is_none() {
            cx.error(span, format!("Warning - cannot track route {} with no interface specified, not tracking", self.w.join(" ")));
            r.no_track = true;
        }
        if r.track_group.is_some() && r.dev.is_none() {
            let msg =
                "Static route cannot have track group if no oif specified";
            cx.error(span, msg);
            r.track_group = None;
        }
        r.family = self.family.unwrap_or(RouteFamily::Inet);
        Some(self.r)
    }
}

// ===== free functions =====

/// True when a `protocol` value names RTPROT_KEEPALIVED (by name, or as
/// a number as `strtoul(…, 0)` reads it).
pub(crate) fn is_keepalived_protocol(v: &str) -> bool {
    let n = match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(h) => u8::from_str_radix(h, 16).ok(),
        None => v.parse::<u8>().ok(),
    };
    v == "keepalived" || n == Some(RTPROT_KEEPALIVED)
}

fn parse_nexthops(
    cx: &mut Cx,
    item: &Item,
    w: &[&str],
) -> Option<Vec<NextHop>> {
    let mut hops: Vec<NextHop> = Vec::new();
    let mut i = 0;
    while i < w.len() {
        if w[i] == "nexthop" {
            hops.push(NextHop {
                via: None,
                dev: None,
                weight: None,
                onlink: false,
                extra: Vec::new(),
            });
            i += 1;
            continue;
        }
        let h = hops.last_mut()?;
        let v = w.get(i + 1).copied();
        match (w[i], v) {
            ("via" | "gw", Some(v)) => {
                h.via = Some(parse_prefix(cx, item, v)?.0);
                i += 1;
            }
            ("dev", Some(v)) => {
                h.dev = Some(v.to_string());
                i += 1;
            }
            ("weight", Some(v)) => {
                match parse_uint(v).filter(|n| (1..=256).contains(n)) {
                    Some(n) => h.weight = Some(n as u16),
                    None => {
                        let msg = format!("Invalid nexthop weight {v}");
                        cx.error(item.span(), msg);
                        return None;
                    }
                }
                i += 1;
            }
            ("onlink", _) => h.onlink = true,
            (x, _) => h.extra.push(x.to_string()),
        }
        i += 1;
    }
    Some(hops)
}

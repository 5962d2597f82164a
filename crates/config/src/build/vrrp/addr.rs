//! Parsing address specifications (`virtual_ipaddress`,
//! `virtual_ipaddress_excluded`, `static_ipaddress`) the way keepalived's
//! `alloc_ipaddress()` does. Routes are in `route.rs`, rules in `rule.rs`.

use std::net::IpAddr;

use crate::ast::Item;
use crate::build::Cx;
use crate::model::vrrp::{Broadcast, IpAddress, PreferredLft, Scope};

/// The words of a list-block entry: the item's keyword and arguments.
pub(crate) fn words(item: &Item) -> Vec<&str> {
    std::iter::once(item.name())
        .chain(item.args.iter().map(|w| w.as_str()))
        .collect()
}

/// Parses `ADDR[/LEN]`; `None` after reporting.
pub(crate) fn parse_prefix(
    cx: &mut Cx,
    item: &Item,
    s: &str,
) -> Option<(IpAddr, u8)> {
    let (a, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let Ok(ip) = a.parse::<IpAddr>() else {
        cx.error(
            item.span(),
            format!("VRRP parsed invalid IP {s}. skipping IP..."),
        );
        return None;
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let mut plen = max;
    if let Some(l) = len {
        match crate::build::cx::parse_uint(l) {
            Some(v) if v <= u64::from(max) => plen = v as u8,
            // keepalived compat: a bad prefix length is reported and the
            // host length used.
            _ => cx.error(
                item.span(),
                format!("Invalid address prefix len {l} for address {s} - using {max}"),
            ),
        }
    }
    Some((ip, plen))
}

/// Parses one address spec; `static_addr` allows `track_group`, VIPs allow
/// `use_vmac`. `track_groups` are the names defined so far.
pub(crate) fn parse_address(
    cx: &mut Cx,
    item: &Item,
    static_addr: bool,
    track_groups: &[String],
) -> Option<IpAddress> {
    let w = words(item);
    let (ip, plen) = parse_prefix(cx, item, w[0])?;
    let mut a = IpAddress::new(ip);
    a.prefix_len = plen;
    let mut p = AddrParser {
        item,
        w,
        static_addr,
        track_groups,
    };
    let mut i = 1;
    while i < p.w.len() {
        match p.option(cx, i, &mut a)? {
            Next::Words(n) => i += n,
            Next::Stop => break,
        }
    }
    finish_address(cx, item, &mut a);
    Some(a)
}

/// What to do after an address option.
enum Next {
    /// Go on after this many words.
    Words(usize),
    /// Ignore the rest of the entry.
    Stop,
}

/// One address entry being parsed.
struct AddrParser<'a> {
    item: &'a Item,
    w: Vec<&'a str>,
    static_addr: bool,
    track_groups: &'a [String],
}

// ===== impl AddrParser =====

impl AddrParser<'_> {
    fn err(&self, cx: &mut Cx, msg: String) {
        cx.error(self.item.span(), msg);
    }

    /// Handles the option at `i`; `None` drops the address.
    fn option(
        &mut self,
        cx: &mut Cx,
        i: usize,
        a: &mut IpAddress,
    ) -> Option<Next> {
        let kw = self.w[i];
        match kw {
            "home" => a.home = true,
            "-nodad" => a.nodad = true,
            "mngtmpaddr" => a.mngtmpaddr = true,
            "noprefixroute" => a.noprefixroute = true,
            "autojoin" => a.autojoin = true,
            "no_track" => a.no_track = true,
            "use_vmac" if !self.static_addr => a.use_vmac = true,
            "dev" | "scope" | "broadcast" | "brd" | "label" | "peer"
            | "preferred_lft" => return self.valued(cx, i, a),
            "track_group" if self.static_addr => {
                return self.valued(cx, i, a);
            }
            _ => self.err(cx, format!("Unknown configuration entry '{kw}' for ip address - ignoring")),
        }
        Some(Next::Words(1))
    }

    /// An option with a value.
    fn valued(
        &mut self,
        cx: &mut Cx,
        i: usize,
        a: &mut IpAddress,
    ) -> Option<Next> {
        let (kw, addr) = (self.w[i], self.w[0]);
        let Some(v) = self.w.get(i + 1).copied() else {
            self.err(cx, format!("No {kw} parameter specified for {addr}"));
            return None;
        };
        match kw {
            "dev" if a.dev.is_some() => {
                self.err(cx, format!("Cannot specify ipaddress device more than once for {addr}"));
                return None;
            }
            "dev" => a.dev = Some(v.to_string()),
            "scope" => match Scope::parse(v) {
                Some(s) => a.scope = Some(s),
                None => self.err(
                    cx,
                    format!(
                        "Invalid scope '{v}' specified for {addr} - ignoring"
                    ),
                ),
            },
            "broadcast" | "brd" => {
                a.broadcast = Some(self.broadcast(cx, a, v)?)
            }
            "label" if v.len() >= 16 => {
                self.err(cx, format!("Address label {v} is longer than maximum length 15 - removing address"));
                return None;
            }
            "label" => a.label = Some(v.to_string()),
            "peer" if a.peer.is_some() => self.err(
                cx,
                format!("Peer {v} - another peer has already been specified"),
            ),
            "peer" => peer(cx, self.item, a, v),
            "preferred_lft" => self.preferred_lft(cx, a, v),
            _ => return Some(self.track_group(cx, a, v)),
        }
        Some(Next::Words(2))
    }

    fn broadcast(
        &self,
        cx: &mut Cx,
        a: &IpAddress,
        v: &str,
    ) -> Option<Broadcast> {
        if a.addr.is_ipv6() {
            self.err(cx, format!("VRRP is trying to assign a broadcast {v} to the IPv6 address {} - skipping VIP", self.w[0]));
            return None;
        }
        match v {
            "+" => Some(Broadcast::Plus),
            "-" => Some(Broadcast::Minus),
            _ => match v.parse() {
                Ok(b) => Some(Broadcast::Addr(b)),
                Err(_) => {
                    self.err(cx, format!("VRRP is trying to assign invalid broadcast {v}. skipping VIP..."));
                    None
                }
            },
        }
    }

    fn preferred_lft(&self, cx: &mut Cx, a: &mut IpAddress, v: &str) {
        if v == "forever" {
            a.preferred_lft = Some(PreferredLft::Forever);
            return;
        }
        match crate::build::cx::parse_uint(v)
            .filter(|n| *n <= u64::from(u32::MAX))
        {
            Some(n) => a.preferred_lft = Some(PreferredLft::Secs(n as u32)),
            None => self.err(cx, format!("preferred_lft {v} is invalid")),
        }
    }

    fn track_group(&self, cx: &mut Cx, a: &mut IpAddress, v: &str) -> Next {
        if a.track_group.is_some() {
            self.err(cx, format!("track_group {v} is a duplicate"));
            return Next::Stop;
        }
        if self.track_groups.iter().any(|g| g == v) {
            a.track_group = Some(v.to_string());
        } else {
            // keepalived compat: track groups must be defined first.
            self.err(cx, format!("track_group {v} not found"));
        }
        Next::Words(2)
    }
}

fn peer(cx: &mut Cx, item: &Item, a: &mut IpAddress, v: &str) {
    let Some((p, plen)) = parse_prefix(cx, item, v) else {
        cx.error(item.span(), format!("Invalid peer address {v}"));
        return;
    };
    if p.is_ipv4() != a.addr.is_ipv4() {
        cx.error(
            item.span(),
            format!("Peer address {v} does not match address family"),
        );
        return;
    }
    let host = if a.addr.is_ipv4() { 32 } else { 128 };
    if a.prefix_len != host {
        cx.error(item.span(), "Cannot specify address prefix when specifying peer address - ignoring");
    }
    a.peer = Some(p);
    a.prefix_len = plen;
}

fn finish_address(cx: &mut Cx, item: &Item, a: &mut IpAddress) {
    if a.broadcast.is_some() && a.peer.is_some() {
        cx.error(item.span(), "Cannot specify broadcast and peer addresses - ignoring broadcast address");
        a.broadcast = None;
    } else if matches!(a.broadcast, Some(Broadcast::Plus | Broadcast::Minus))
        && a.prefix_len > 30
    {
        cx.error(
            item.span(),
            format!(
                "Address prefix length {} too long for broadcast",
                a.prefix_len
            ),
        );
    }
    if a.addr.is_ipv6() {
        if a.scope.take().is_some_and(|s| s != Scope::Global) {
            cx.error(item.span(), format!("Cannot specify scope for IPv6 addresses ({}) - ignoring scope", a.addr));
        }
        if a.label.take().is_some() {
            cx.error(item.span(), format!("Cannot specify label for IPv6 addresses ({}) - ignoring label", a.addr));
        }
    }
}

//! Argument readers specific to the load-balancing blocks, on top of the
//! shared ones in [`Cx`]: keepalived's case-sensitive booleans, timers
//! with `read_timer()`'s ranges, addresses as `inet_stosockaddr()` reads
//! them, hex strings, quoted script lines and forwarding methods.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::ast::Item;
use crate::build::Cx;
use crate::build::cx::parse_uint;
use crate::model::lvs::{
    Forwarding, HexPattern, Script, TunnelCsum, TunnelOpts, TunnelType,
};

/// `TIMER_MAXIMUM`: the largest timer keepalived accepts (`ULONG_MAX - 1`
/// microseconds).
pub(crate) const TIMER_MAX: Duration = Duration::from_micros(u64::MAX - 1);
/// One microsecond, the smallest non-zero timer.
pub(crate) const MICRO: Duration = Duration::from_micros(1);
/// `UINT_MAX` microseconds, the largest `connect_timeout`.
pub(crate) const CONNECT_TIMEOUT_MAX: Duration =
    Duration::from_micros(u32::MAX as u64);

/// keepalived's `check_true_false()`: an optional, case-sensitive
/// `true|on|yes|false|off|no`; absent means true.
///
/// keepalived compat: `alpha Yes` is an error in keepalived 2.2.7
/// (checked with `keepalived -t`: "Invalid alpha parameter Yes").
pub(crate) fn flag_bool(cx: &mut Cx, item: &Item) -> Option<bool> {
    let Some(w) = item.arg(0) else {
        return Some(true);
    };
    match w.text.as_str() {
        "true" | "on" | "yes" => Some(true),
        "false" | "off" | "no" => Some(false),
        other => {
            cx.error(
                w.span,
                format!("invalid `{}` parameter `{other}`", item.name()),
            );
            None
        }
    }
}

/// A timer argument between `min` and keepalived's maximum.
pub(crate) fn timer(
    cx: &mut Cx,
    item: &Item,
    min: Duration,
) -> Option<Duration> {
    cx.timer_arg(item, 0, min, TIMER_MAX)
}

/// Parses an address the way `inet_stosockaddr()` does: anything after
/// a `-` or `/` (range or mask) is ignored.
///
/// keepalived compat: `real_server 192.0.2.1/24 80` is accepted as
/// 192.0.2.1.
pub(crate) fn parse_ip_lenient(s: &str) -> Option<IpAddr> {
    let end = s.find(['-', '/']).unwrap_or(s.len());
    s[..end].parse().ok()
}

/// Reads a port word; keepalived treats any all-zero string as "no port"
/// (`port[strspn(port, "0")]`), giving `Some(0)`.
pub(crate) fn parse_port(s: &str) -> Option<u16> {
    if !s.is_empty() && s.bytes().all(|b| b == b'0') {
        return Some(0);
    }
    match parse_uint(s) {
        Some(p @ 1..=65535) => u16::try_from(p).ok(),
        _ => None,
    }
}

/// Reads `IP [PORT]` from the first two arguments; reports and returns
/// `None` when either is invalid.
pub(crate) fn sock_addr(
    cx: &mut Cx,
    item: &Item,
    what: &str,
) -> Option<SocketAddr> {
    let w = cx.arg(item, 0)?;
    let port = match item.arg(1) {
        Some(p) => parse_port(&p.text),
        None => Some(0),
    };
    match (parse_ip_lenient(&w.text), port) {
        (Some(ip), Some(port)) => Some(SocketAddr::new(ip, port)),
        _ => {
            let port = item.arg(1).map_or("", |p| p.text.as_str());
            cx.error(
                w.span,
                format!("invalid {what} address/port `{} {port}`", w.text),
            );
            None
        }
    }
}

/// A port argument 1..=65535.
pub(crate) fn port_arg(cx: &mut Cx, item: &Item) -> Option<u16> {
    cx.u32_arg(item, 0, 1..=65535)
        .and_then(|p| u16::try_from(p).ok())
}

/// The words of a keyword line re-split with keepalived's quote and
/// escape rules (`alloc_strvec_quoted_escaped`), without the keyword.
pub(crate) fn quoted_words(cx: &mut Cx, item: &Item) -> Option<Vec<String>> {
    if item.raw_args.trim().is_empty() {
        return Some(item.args.iter().map(|w| w.text.clone()).collect());
    }
    match crate::lexer::split_quoted_escaped(&item.raw_args) {
        Ok(v) => Some(v),
        Err(e) => {
            cx.error(item.raw_span, e);
            None
        }
    }
}

/// A script keyword (`notify_up "CMD" [USER [GROUP]]`).
pub(crate) fn script(cx: &mut Cx, item: &Item) -> Option<Script> {
    let words = quoted_words(cx, item)?;
    let Some(command) = words.first().filter(|c| !c.trim().is_empty()) else {
        // keepalived compat: notify_script_init() only logs this.
        cx.warn(item.span(), format!("`{}`: no script given", item.name()));
        return None;
    };
    Some(Script {
        command: command.clone(),
        user: words.get(1).cloned(),
        group: words.get(2).cloned(),
    })
}

/// Reads a hex string as keepalived's `read_hex_str()` does: pairs of
/// hex digits, spaces between bytes allowed, a single digit followed by a
/// space is one byte, and `X` (with `wildcards`) matches any nibble.
///
/// keepalived compat: `read_hex_str` uses 0xff as its error marker, so a
/// string whose last byte is `ff` is rejected as invalid (checked with
/// `keepalived -t`: `require_reply 0X ff` → "Invalid hex string").
pub(crate) fn hex_str(s: &str, wildcards: bool) -> Option<HexPattern> {
    let nib = |c: char| match c {
        'X' if wildcards => Some((0u8, 0x0fu8)),
        _ => c.to_digit(16).map(|d| (d as u8, 0)),
    };
    let mut out = HexPattern::default();
    let mut chars = s.chars().peekable();
    let mut last = 0u8;
    loop {
        while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
        let Some(c) = chars.next() else { break };
        let (mut v, mut m) = nib(c)?;
        if let Some(&c2) = chars.peek().filter(|c| **c != ' ') {
            chars.next();
            let (v2, m2) = nib(c2)?;
            v = v << 4 | v2;
            m = m << 4 | m2;
        }
        last = v;
        out.data.push(v);
        out.mask.push(m);
    }
    if out.data.is_empty() || last == 0xff {
        return None;
    }
    if out.mask.iter().all(|m| *m == 0) {
        out.mask.clear();
    }
    Some(out)
}

/// Reads `NAT|DR|TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]`
/// (`svr_forwarding_handler`). `prev` is the current setting: on an
/// error in the tunnel options keepalived has already switched the
/// method to TUN but keeps the previous tunnel options.
pub(crate) fn forwarding(
    cx: &mut Cx,
    item: &Item,
    prev: Option<Forwarding>,
) -> Option<Forwarding> {
    let w = cx.arg(item, 0)?;
    let fallback = match prev {
        Some(Forwarding::Tun(t)) => t,
        _ => TunnelOpts::default(),
    };
    match w.text.as_str() {
        "NAT" => Some(Forwarding::Nat),
        "DR" => Some(Forwarding::Dr),
        "TUN" => Some(Forwarding::Tun(tunnel_opts(item).unwrap_or_else(|e| {
            cx.error(item.span(), e);
            fallback
        }))),
        other => {
            cx.error(w.span, format!("unknown forwarding method `{other}`"));
            None
        }
    }
}

fn tunnel_opts(item: &Item) -> Result<TunnelOpts, String> {
    let mut kind = "ipip";
    let mut port: u32 = 0;
    let mut csum = TunnelCsum::NoCsum;
    let mut it = item.args.iter().skip(1);
    while let Some(w) = it.next() {
        match w.text.as_str() {
            "type" => {
                let t = it.next().ok_or("missing tunnel type")?;
                kind = match t.text.as_str() {
                    k @ ("ipip" | "gue" | "gre") => k,
                    k => return Err(format!("unknown tunnel type `{k}`")),
                };
            }
            "port" => {
                let p = it.next().ok_or("missing gue tunnel port")?;
                port = parse_uint(&p.text)
                    .filter(|p| (1..=65535).contains(p))
                    .and_then(|p| u32::try_from(p).ok())
                    .ok_or(format!("invalid gue tunnel port `{}`", p.text))?;
            }
            "nocsum" => csum = TunnelCsum::NoCsum,
            "csum" => csum = TunnelCsum::Csum,
            "remcsum" => csum = TunnelCsum::RemCsum,
            o => return Err(format!("invalid tunnel option `{o}`")),
        }
    }
    if (kind == "gue") != (port != 0) {
        return Err(
            "gue tunnels require a port, other tunnels cannot have one".into(),
        );
    }
    let kind = match kind {
        "gue" => TunnelType::Gue { port: port as u16 },
        "gre" => TunnelType::Gre,
        _ => TunnelType::Ipip,
    };
    if kind == TunnelType::Ipip && csum != TunnelCsum::NoCsum {
        return Err("ipip tunnels do not support a checksum option".into());
    }
    if kind == TunnelType::Gre && csum == TunnelCsum::RemCsum {
        return Err(
            "gre tunnels do not support the remote checksum option".into()
        );
    }
    Ok(TunnelOpts { kind, csum })
}

/// Parses plain seconds for `misc_timeout`, which keepalived reads as an
/// integer (`misc_timeout 1.5` is an error).
pub(crate) fn whole_seconds(cx: &mut Cx, item: &Item) -> Option<Duration> {
    let max = u32::MAX / 1_000_000;
    cx.u32_arg(item, 0, 0..=max)
        .map(|s| Duration::from_secs(s.into()))
}

//! Checker blocks inside `real_server` (check_api.c common keywords and
//! the per-type handlers in check_*.c).

use std::net::IpAddr;
use std::time::Duration;

use super::args::{self, CONNECT_TIMEOUT_MAX, MICRO, flag_bool, timer};
use super::children;
use crate::ast::Item;
use crate::build::Cx;
use crate::model::lvs::checkers::SMTP_DEFAULT_HELO;
use crate::model::lvs::{
    BfdCheck, Checker, CheckerCommon, CheckerKind, ConnOpts, DnsCheck, DnsType,
    FileCheck, HttpCheck, MiscCheck, SmtpCheck, UdpCheck, WEIGHT_LIMIT,
};

mod http;

/// `HTTP_GET`/`SSL_GET` keywords and those of their `url` blocks.
pub(crate) const HTTP_TABLES: [&[&str]; 2] =
    [http::HTTP_KEYWORDS, http::URL_KEYWORDS];

/// The checker block keywords of a `real_server`.
pub(crate) const CHECKER_KEYWORDS: &[&str] = &[
    "TCP_CHECK",
    "HTTP_GET",
    "SSL_GET",
    "SMTP_CHECK",
    "DNS_CHECK",
    "MISC_CHECK",
    "UDP_CHECK",
    "PING_CHECK",
    "FILE_CHECK",
    "BFD_CHECK",
];

/// Connection keywords of the checkers that connect.
pub(crate) const CONN_KEYWORDS: &[&str] = &[
    "connect_ip",
    "connect_port",
    "bindto",
    "bind_port",
    "bind_if",
    "connect_timeout",
    "fwmark",
];
/// Keywords of every checker.
pub(crate) const COMMON_KEYWORDS: &[&str] = &[
    "retry",
    "delay_before_retry",
    "warmup",
    "delay_loop",
    "alpha",
    "log_all_failures",
];
/// `IFNAMSIZ - 1`.
const IFNAME_MAX: usize = 15;

/// Builds one checker block; `None` when keepalived drops it at the end
/// of the block (no url, no misc_path, link-local target without
/// bind_if, …).
pub(crate) fn build_checker(
    cx: &mut Cx,
    item: &Item,
    rs_ip: IpAddr,
) -> Option<Checker> {
    let kind = match item.name() {
        "TCP_CHECK" => CheckerKind::Tcp,
        "HTTP_GET" => CheckerKind::Http(HttpCheck::default()),
        "SSL_GET" => CheckerKind::Ssl(HttpCheck::default()),
        "SMTP_CHECK" => CheckerKind::Smtp(SmtpCheck::default()),
        "DNS_CHECK" => CheckerKind::Dns(DnsCheck::default()),
        "MISC_CHECK" => CheckerKind::Misc(MiscCheck::default()),
        "UDP_CHECK" => CheckerKind::Udp(UdpCheck::default()),
        "PING_CHECK" => CheckerKind::Ping,
        "FILE_CHECK" => CheckerKind::File(FileCheck::default()),
        _ => CheckerKind::Bfd(BfdCheck::default()),
    };
    let conn = match kind {
        CheckerKind::Misc(_) | CheckerKind::File(_) | CheckerKind::Bfd(_) => {
            None
        }
        _ => Some(ConnOpts::default()),
    };
    let mut c = Checker {
        common: CheckerCommon::default(),
        conn,
        kind,
    };
    let mut ok = true;
    for it in children(cx, item) {
        ok &= checker_keyword(cx, &mut c, it);
    }
    (ok && checker_end(cx, item, &mut c, rs_ip)).then_some(c)
}

/// One keyword; `false` when keepalived drops the checker on it.
fn checker_keyword(cx: &mut Cx, c: &mut Checker, it: &Item) -> bool {
    let name = it.name();
    let common_ok =
        !matches!(c.kind, CheckerKind::File(_) | CheckerKind::Bfd(_));
    if let (Some(co), true) = (&mut c.conn, CONN_KEYWORDS.contains(&name)) {
        conn_keyword(cx, co, it);
        return true;
    }
    if common_ok && COMMON_KEYWORDS.contains(&name) {
        common_keyword(cx, &mut c.common, it);
        return true;
    }
    match &mut c.kind {
        CheckerKind::Http(h) | CheckerKind::Ssl(h) => {
            if name == "nb_get_retry" {
                // keepalived compat: accepted, but reported as an error.
                cx.error(
                    it.span(),
                    "nb_get_retry is deprecated - please use 'retry'",
                );
                if let Some(r) = cx.u32_arg(it, 0, 0..=u32::MAX) {
                    c.common.retry = Some(r);
                }
                return true;
            }
            http::keyword(cx, h, it)
        }
        CheckerKind::Smtp(s) => smtp_keyword(cx, s, &mut c.common, it),
        CheckerKind::Dns(d) => dns_keyword(cx, d, it),
        CheckerKind::Misc(m) => return misc_keyword(cx, m, it),
        CheckerKind::Udp(u) => udp_keyword(cx, u, it),
        CheckerKind::File(f) => file_keyword(cx, f, it),
        CheckerKind::Bfd(b) => return bfd_keyword(cx, b, &mut c.common, it),
        CheckerKind::Tcp | CheckerKind::Ping => unknown(cx, it, &c.kind, &[]),
    }
    true
}

fn unknown(cx: &mut Cx, it: &Item, kind: &CheckerKind, own: &[&str]) {
    let mut known: Vec<&str> = own.to_vec();
    match kind {
        CheckerKind::File(_) | CheckerKind::Bfd(_) => {}
        CheckerKind::Misc(_) => known.extend(COMMON_KEYWORDS),
        _ => known.extend(CONN_KEYWORDS.iter().chain(COMMON_KEYWORDS)),
    }
    cx.unknown_keyword(it, &known);
}

fn conn_keyword(cx: &mut Cx, co: &mut ConnOpts, it: &Item) {
    match it.name() {
        "connect_ip" | "bindto" => {
            let Some(w) = cx.arg(it, 0) else { return };
            let Some(ip) = args::parse_ip_lenient(&w.text) else {
                cx.error(
                    w.span,
                    format!(
                        "invalid {} address {} - ignoring",
                        it.name(),
                        w.text
                    ),
                );
                return;
            };
            let (mine, other) = if it.name() == "connect_ip" {
                (&mut co.connect_ip, co.bindto)
            } else {
                (&mut co.bindto, co.connect_ip)
            };
            if other.is_some_and(|o| o.is_ipv4() != ip.is_ipv4()) {
                cx.error(w.span, format!("{} address {ip} does not match the address family of {} - skipping", it.name(), if it.name() == "bindto" { "connect_ip" } else { "bindto" }));
                // keepalived compat: the address is cleared (family unset).
                *mine = None;
                return;
            }
            *mine = Some(ip);
        }
        "connect_port" => set(&mut co.connect_port, args::port_arg(cx, it)),
        "bind_port" => set(&mut co.bind_port, args::port_arg(cx, it)),
        "bind_if" => {
            let Some(s) = cx.string_arg(it, 0) else {
                return;
            };
            if s.len() > IFNAME_MAX {
                cx.error(
                    it.span(),
                    format!("interface name {s} is too long - ignoring"),
                );
            } else {
                co.bind_if = Some(s);
            }
        }
        "connect_timeout" => set(
            &mut co.connect_timeout,
            cx.timer_arg(it, 0, MICRO, CONNECT_TIMEOUT_MAX),
        ),
        _ => set(&mut co.fwmark, cx.u32_arg(it, 0, 0..=u32::MAX)),
    }
}

fn common_keyword(cx: &mut Cx, c: &mut CheckerCommon, it: &Item) {
    match it.name() {
        "retry" => set(&mut c.retry, cx.u32_arg(it, 0, 0..=u32::MAX)),
        "delay_before_retry" => {
            set(&mut c.delay_before_retry, timer(cx, it, Duration::ZERO))
        }
        "warmup" => set(&mut c.warmup, timer(cx, it, Duration::ZERO)),
        "delay_loop" => set(&mut c.delay_loop, timer(cx, it, MICRO)),
        "alpha" => set(&mut c.alpha, flag_bool(cx, it)),
        _ => {
            if let Some(b) = flag_bool(cx, it) {
                c.log_all_failures = b;
            }
        }
    }
}

fn set<T>(slot: &mut Option<T>, v: Option<T>) {
    if v.is_some() {
        *slot = v;
    }
}

/// The block-end checks keepalived runs; `false` drops the checker.
fn checker_end(
    cx: &mut Cx,
    item: &Item,
    c: &mut Checker,
    rs_ip: IpAddr,
) -> bool {
    let span = item.span();
    match &mut c.kind {
        CheckerKind::Http(h) | CheckerKind::Ssl(h) if h.urls.is_empty() => {
            cx.error(
                span,
                "HTTP/SSL_GET checker has no urls specified - ignoring",
            );
            return false;
        }
        CheckerKind::Smtp(s) => {
            if s.helo_name.is_empty() {
                s.helo_name = SMTP_DEFAULT_HELO.to_string();
            }
            if !s.hosts.is_empty() {
                cx.warn(span, "the SMTP_CHECK host block is deprecated, please define additional checkers");
            }
        }
        CheckerKind::Misc(m) if m.path.is_empty() => {
            cx.error(
                span,
                "no script path has been specified for MISC_CHECK - skipping",
            );
            return false;
        }
        CheckerKind::Udp(u) if u.min_reply_length > u.max_reply_length => {
            cx.error(span, format!("UDP_CHECK min_reply_length {} > max_reply_length {} - will always fail", u.min_reply_length, u.max_reply_length));
        }
        CheckerKind::File(f) if f.track_file.is_empty() => {
            cx.error(span, "FILE_CHECK has no track_file specified - ignoring");
            return false;
        }
        CheckerKind::Bfd(b) if b.name.is_empty() => {
            cx.error(
                span,
                "no name has been specified for BFD_CHECK - skipping",
            );
            return false;
        }
        _ => {}
    }
    match &c.conn {
        Some(co) => link_local_ok(cx, span, co, rs_ip),
        None => true,
    }
}

/// `check_conn_opts`: an IPv6 link-local target needs `bind_if`.
fn link_local_ok(
    cx: &mut Cx,
    span: crate::source::Span,
    co: &ConnOpts,
    rs_ip: IpAddr,
) -> bool {
    let dst = co.connect_ip.unwrap_or(rs_ip);
    let link_local = ka_types::net::is_link_local(&dst);
    if link_local && co.bind_if.is_none() {
        cx.error(
            span,
            format!("checker link local address {dst} requires a bind_if"),
        );
        return false;
    }
    true
}

fn smtp_keyword(
    cx: &mut Cx,
    s: &mut SmtpCheck,
    common: &mut CheckerCommon,
    it: &Item,
) {
    match it.name() {
        "helo_name" => {
            if let Some(h) = cx.string_arg(it, 0) {
                s.helo_name = h;
            }
        }
        "host" => {
            // keepalived compat: common keywords inside `host` apply to
            // the whole checker; connection keywords to the host.
            let mut co = ConnOpts::default();
            for h in children(cx, it) {
                if CONN_KEYWORDS.contains(&h.name()) {
                    conn_keyword(cx, &mut co, h);
                } else if COMMON_KEYWORDS.contains(&h.name()) {
                    common_keyword(cx, common, h);
                } else {
                    let known: Vec<&str> = CONN_KEYWORDS
                        .iter()
                        .chain(COMMON_KEYWORDS)
                        .copied()
                        .collect();
                    cx.unknown_keyword(h, &known);
                }
            }
            if co
                .connect_ip
                .is_some_and(|ip| ka_types::net::is_link_local(&ip))
                && co.bind_if.is_none()
            {
                cx.error(
                    it.span(),
                    "checker link local address requires a bind_if",
                );
                return;
            }
            s.hosts.push(co);
        }
        _ => unknown(cx, it, &CheckerKind::Tcp, &["helo_name", "host"]),
    }
}

fn dns_keyword(cx: &mut Cx, d: &mut DnsCheck, it: &Item) {
    match it.name() {
        "type" => {
            let Some(w) = cx.arg(it, 0) else { return };
            match DnsType::from_keyword(&w.text) {
                Some(t) => d.qtype = t,
                None => cx.error(
                    w.span,
                    format!("unknown DNS check type {} - ignoring", w.text),
                ),
            }
        }
        "name" => {
            let Some(w) = cx.arg(it, 0) else { return };
            let n = w.text.as_str();
            if d.name.is_some() {
                cx.error(
                    it.span(),
                    "DNS_CHECK name already specified - ignoring",
                );
            } else if (n.starts_with('.') && n != ".") || n.contains("..") {
                cx.error(
                    w.span,
                    format!("DNS_CHECK name '{n}' has empty label - ignoring"),
                );
            } else {
                d.name = Some(n.to_string());
            }
        }
        _ => unknown(cx, it, &CheckerKind::Tcp, &["type", "name"]),
    }
}

/// `false` when keepalived drops the checker (`user` unresolvable is
/// checked in validation, where the host's users are known).
fn misc_keyword(cx: &mut Cx, m: &mut MiscCheck, it: &Item) -> bool {
    match it.name() {
        "misc_path" => {
            if let Some(words) = args::quoted_words(cx, it) {
                m.path = words.into_iter().next().unwrap_or_default();
            }
        }
        "misc_timeout" => {
            if let Some(t) = args::whole_seconds(cx, it) {
                m.timeout = (!t.is_zero()).then_some(t);
            }
        }
        "misc_dynamic" => m.dynamic = true,
        "user" => {
            if it.args.is_empty() {
                cx.error(
                    it.span(),
                    "no user specified for misc checker script",
                );
            } else {
                m.user = it.arg(0).map(|w| w.text.clone());
                m.group = it.arg(1).map(|w| w.text.clone());
            }
        }
        _ => unknown(
            cx,
            it,
            &CheckerKind::Misc(MiscCheck::default()),
            &["misc_path", "misc_timeout", "misc_dynamic", "user"],
        ),
    }
    true
}

fn udp_keyword(cx: &mut Cx, u: &mut UdpCheck, it: &Item) {
    let hex = || {
        it.args
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    match it.name() {
        "payload" => {
            if it.args.is_empty() {
                cx.error(it.span(), "UDP_CHECK payload requires a payload");
                return;
            }
            match args::hex_str(&hex(), false) {
                Some(p) => u.payload = Some(p.data),
                None => cx.error(
                    it.span(),
                    "invalid hex string for UDP_CHECK payload",
                ),
            }
        }
        "require_reply" => {
            u.require_reply = true;
            if !it.args.is_empty() {
                match args::hex_str(&hex(), true) {
                    Some(p) => u.reply = Some(p),
                    None => cx.error(
                        it.span(),
                        "invalid hex string for UDP_CHECK reply",
                    ),
                }
            }
        }
        "min_reply_length" => {
            if let Some(v) = cx.u32_arg(it, 0, 0..=u32::from(u16::MAX)) {
                u.min_reply_length = v as u16;
            }
        }
        "max_reply_length" => {
            if let Some(v) = cx.u32_arg(it, 0, 0..=u32::from(u16::MAX)) {
                u.max_reply_length = v as u16;
            }
        }
        _ => unknown(
            cx,
            it,
            &CheckerKind::Tcp,
            &[
                "payload",
                "require_reply",
                "min_reply_length",
                "max_reply_length",
            ],
        ),
    }
}

fn file_keyword(cx: &mut Cx, f: &mut FileCheck, it: &Item) {
    match it.name() {
        "track_file" => {
            if let Some(n) = cx.string_arg(it, 0) {
                f.track_file = n;
            }
        }
        "weight" => {
            let lim = i64::from(WEIGHT_LIMIT);
            let Some(w) = cx.i64_arg(it, 0, -lim..=lim) else {
                return;
            };
            let reverse = match it.arg(1).map(|w| w.text.as_str()) {
                None | Some("noreverse") => false,
                Some("reverse") => true,
                Some(o) => {
                    cx.error(
                        it.span(),
                        format!(
                            "unknown track file weight option {o} - ignoring"
                        ),
                    );
                    return;
                }
            };
            f.weight = Some(w as i32);
            f.reverse = reverse;
        }
        _ => unknown(
            cx,
            it,
            &CheckerKind::File(FileCheck::default()),
            &["track_file", "weight"],
        ),
    }
}

/// `false` when keepalived drops the checker on a bad `name`.
fn bfd_keyword(
    cx: &mut Cx,
    b: &mut BfdCheck,
    common: &mut CheckerCommon,
    it: &Item,
) -> bool {
    match it.name() {
        "name" => {
            if it.args.len() != 1 {
                cx.error(it.span(), "BFD_CHECK - no or too many names specified - skipping checker");
                return false;
            }
            if !b.name.is_empty() {
                cx.error(
                    it.span(),
                    format!(
                        "BFD_CHECK - BFD {} already specified as {}",
                        it.args[0].text, b.name
                    ),
                );
                return false;
            }
            b.name = it.args[0].text.clone();
        }
        "alpha" => set(&mut common.alpha, flag_bool(cx, it)),
        _ => unknown(
            cx,
            it,
            &CheckerKind::Bfd(BfdCheck::default()),
            &["name", "alpha"],
        ),
    }
    true
}

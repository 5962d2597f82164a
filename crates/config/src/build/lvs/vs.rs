//! `virtual_server` and `real_server` blocks (`vs_handler`, `rs_handler`
//! and their keyword handlers in check_parser.c).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use super::args::{self, CONNECT_TIMEOUT_MAX, MICRO, flag_bool, timer};
use super::{checkers, children};
use crate::ast::Item;
use crate::build::Cx;
use crate::model::lvs::{
    DEFAULT_PERSISTENCE_TIMEOUT, Family, Forwarding, Granularity,
    MAX_PERSISTENCE_TIMEOUT, Protocol, RealServer, Scheduler, SorryServer,
    VirtualServer, VsKey, WEIGHT_LIMIT,
};

/// Keywords of a `virtual_server` block (`init_check_keywords`).
pub(crate) const VS_KEYWORDS: &[&str] = &[
    "ip_family",
    "retry",
    "delay_before_retry",
    "warmup",
    "connect_timeout",
    "delay_loop",
    "inhibit_on_failure",
    "lb_algo",
    "lvs_sched",
    "hashed",
    "ops",
    "flag-1",
    "flag-2",
    "flag-3",
    "sh-port",
    "sh-fallback",
    "mh-port",
    "mh-fallback",
    "lb_kind",
    "lvs_method",
    "persistence_engine",
    "persistence_timeout",
    "persistence_granularity",
    "protocol",
    "ha_suspend",
    "smtp_alert",
    "virtualhost",
    "snmp_name",
    "alpha",
    "omega",
    "quorum_up",
    "quorum_down",
    "quorum",
    "hysteresis",
    "weight",
    "sorry_server",
    "sorry_server_inhibit",
    "sorry_server_lvs_method",
    "real_server",
];

/// Keywords of a `real_server` block, besides the checker blocks.
pub(crate) const RS_KEYWORDS: &[&str] = &[
    "weight",
    "lvs_method",
    "uthreshold",
    "lthreshold",
    "inhibit_on_failure",
    "notify_up",
    "notify_down",
    "alpha",
    "retry",
    "delay_before_retry",
    "warmup",
    "connect_timeout",
    "delay_loop",
    "smtp_alert",
    "virtualhost",
    "snmp_name",
];

/// `IP_VS_PENAME_MAXLEN`: persistence engine names are truncated to 15.
const PE_NAME_MAX: usize = 15;

/// A virtual server being built, with the address family keepalived
/// tracks while parsing (`vs->af`).
struct VsBuild {
    vs: VirtualServer,
    af: Option<Family>,
}

/// Builds a `virtual_server` block; `None` when its key is invalid
/// (keepalived skips the whole block).
pub(crate) fn build_vs(item: &Item, cx: &mut Cx) -> Option<VirtualServer> {
    let key = vs_key(cx, item)?;
    let af = match &key {
        VsKey::Addr(sa) => Some(Family::of(sa.ip())),
        _ => None,
    };
    let mut b = VsBuild {
        vs: VirtualServer::new(key),
        af,
    };
    for it in children(cx, item) {
        vs_keyword(cx, &mut b, it);
    }
    vs_end(cx, &mut b, item);
    Some(b.vs)
}

fn vs_key(cx: &mut Cx, item: &Item) -> Option<VsKey> {
    let first = cx.arg(item, 0)?;
    match first.text.as_str() {
        "group" => cx.string_arg(item, 1).map(VsKey::Group),
        "fwmark" => cx.u32_arg(item, 1, 0..=u32::MAX).map(VsKey::Fwmark),
        _ => args::sock_addr(cx, item, "virtual server").map(VsKey::Addr),
    }
}

/// `vs_end_handler`: a sorry server of another family is dropped unless
/// tunnelled; a fwmark service with only tunnelled servers takes their
/// family, or IPv4.
fn vs_end(cx: &mut Cx, b: &mut VsBuild, item: &Item) {
    let Some(ss) = &b.vs.sorry_server else { return };
    if matches!(ss.forwarding, Some(Forwarding::Tun(_))) {
        return;
    }
    let ip = ss.addr.ip();
    match b.af {
        None => b.af = Some(Family::of(ip)),
        Some(af) if af != Family::of(ip) => {
            cx.error(
                item.span(),
                format!(
                    "address family of virtual server and sorry server {ip} \
                     don't match - skipping sorry server"
                ),
            );
            b.vs.sorry_server = None;
        }
        Some(_) => {}
    }
}

fn vs_keyword(cx: &mut Cx, b: &mut VsBuild, it: &Item) {
    match it.name() {
        "real_server" => {
            if let Some(rs) = build_rs(cx, b, it) {
                b.vs.real_servers.push(rs);
            }
        }
        "ip_family" => ip_family(cx, b, it),
        "persistence_granularity" => granularity(cx, b, it),
        _ => vs_keyword1(cx, &mut b.vs, it),
    }
}

fn vs_keyword1(cx: &mut Cx, vs: &mut VirtualServer, it: &Item) {
    match it.name() {
        "retry" => set(&mut vs.retry, cx.u32_arg(it, 0, 1..=u32::MAX)),
        "delay_before_retry" => {
            set(&mut vs.delay_before_retry, timer(cx, it, Duration::ZERO))
        }
        "warmup" => set(&mut vs.warmup, timer(cx, it, Duration::ZERO)),
        "connect_timeout" => {
            if let Some(t) = cx.timer_arg(it, 0, MICRO, CONNECT_TIMEOUT_MAX) {
                vs.connect_timeout = t;
            }
        }
        "delay_loop" => {
            if let Some(t) = timer(cx, it, MICRO) {
                vs.delay_loop = t;
            }
        }
        "inhibit_on_failure" => vs.inhibit_on_failure = true,
        "lb_algo" | "lvs_sched" => {
            let w = cx.arg(it, 0).map(|w| (w.span, w.text.clone()));
            match w.as_ref().map(|(s, t)| (s, Scheduler::from_keyword(t))) {
                Some((_, Some(s))) => vs.scheduler = Some(s),
                Some((span, None)) => {
                    let t = w.as_ref().map_or("", |(_, t)| t.as_str());
                    cx.error(
                        *span,
                        format!("invalid lvs_scheduler '{t}' - ignoring"),
                    );
                }
                None => {}
            }
        }
        "hashed" | "ops" | "flag-1" | "flag-2" | "flag-3" | "sh-port"
        | "sh-fallback" | "mh-port" | "mh-fallback" => svc_flag(cx, vs, it),
        "lb_kind" | "lvs_method" => {
            if let Some(f) = args::forwarding(cx, it, vs.forwarding) {
                vs.forwarding = Some(f);
            }
        }
        _ => vs_keyword2(cx, vs, it),
    }
}

fn vs_keyword2(cx: &mut Cx, vs: &mut VirtualServer, it: &Item) {
    match it.name() {
        "persistence_engine" => {
            if let Some(mut s) = cx.string_arg(it, 0) {
                if s.len() > PE_NAME_MAX {
                    cx.error(it.span(), format!("persistence_engine name too long, truncating - {s}"));
                    let mut n = PE_NAME_MAX;
                    while !s.is_char_boundary(n) {
                        n -= 1;
                    }
                    s.truncate(n);
                }
                vs.persistence_engine = Some(s);
            }
        }
        "persistence_timeout" => {
            if it.arg(0).is_none() {
                vs.persistence_timeout = Some(DEFAULT_PERSISTENCE_TIMEOUT);
            } else if let Some(t) = cx.u32_arg(it, 0, 1..=MAX_PERSISTENCE_TIMEOUT) {
                vs.persistence_timeout = Some(Duration::from_secs(t.into()));
            }
        }
        "protocol" => {
            let p = cx.choice_arg(it, 0, &["TCP", "UDP", "SCTP"], true);
            vs.protocol = match p {
                Some("TCP") => Some(Protocol::Tcp),
                Some("UDP") => Some(Protocol::Udp),
                Some("SCTP") => Some(Protocol::Sctp),
                _ => vs.protocol,
            };
        }
        "ha_suspend" => vs.ha_suspend = true,
        "smtp_alert" => set(&mut vs.smtp_alert, flag_bool(cx, it)),
        "virtualhost" => set(&mut vs.virtualhost, cx.string_arg(it, 0)),
        "snmp_name" => set(&mut vs.snmp_name, snmp_name(cx, it)),
        "alpha" => vs.alpha = true,
        "omega" => vs.omega = true,
        "quorum_up" => script_once(cx, it, &mut vs.quorum_up),
        "quorum_down" => script_once(cx, it, &mut vs.quorum_down),
        "quorum" => {
            // keepalived compat: an invalid quorum is reported and set to 1.
            vs.quorum = cx.u32_arg(it, 0, 1..=u32::MAX).unwrap_or(1);
        }
        "hysteresis" => set_val(&mut vs.hysteresis, cx.u32_arg(it, 0, 0..=u32::MAX)),
        "weight" => set_val(&mut vs.weight, cx.u32_arg(it, 0, 1..=WEIGHT_LIMIT)),
        "sorry_server" => {
            if let Some(addr) = args::sock_addr(cx, it, "sorry server") {
                let forwarding = vs.forwarding;
                vs.sorry_server = Some(SorryServer { addr, inhibit: false, forwarding });
            }
        }
        "sorry_server_inhibit" => match &mut vs.sorry_server {
            Some(ss) => ss.inhibit = true,
            None => cx.error(it.span(), "ignoring sorry_server_inhibit used before or without sorry_server"),
        },
        "sorry_server_lvs_method" => match &mut vs.sorry_server {
            Some(ss) => {
                if let Some(f) = args::forwarding(cx, it, ss.forwarding) {
                    ss.forwarding = Some(f);
                }
            }
            None => cx.error(it.span(), "sorry_server_lvs_method used without sorry_server"),
        },
        _ => cx.unknown_keyword(it, VS_KEYWORDS),
    }
}

fn set<T>(slot: &mut Option<T>, v: Option<T>) {
    if v.is_some() {
        *slot = v;
    }
}

fn set_val<T>(slot: &mut T, v: Option<T>) {
    if let Some(v) = v {
        *slot = v;
    }
}

fn snmp_name(cx: &mut Cx, it: &Item) -> Option<String> {
    if it.args.len() != 1 {
        cx.error(it.span(), "snmp_name missing or extra parameters");
        return None;
    }
    cx.string_arg(it, 0)
}

/// A script keyword that may be given once; keepalived ignores repeats
/// with an error.
fn script_once(
    cx: &mut Cx,
    it: &Item,
    slot: &mut Option<crate::model::lvs::Script>,
) {
    if slot.is_some() {
        cx.error(
            it.span(),
            format!("{} script already specified - ignoring", it.name()),
        );
        return;
    }
    *slot = args::script(cx, it);
}

/// Service flags (`lbflags_handler`). keepalived compat: `sh-*` flags
/// are only read when the scheduler set so far is `sh` (`mh-*` for
/// `mh`); any other flag, including the no-op `hashed`, under another
/// scheduler is "only applies to sh scheduler - ignoring".
fn svc_flag(cx: &mut Cx, vs: &mut VirtualServer, it: &Item) {
    let f = &mut vs.flags;
    match (it.name(), vs.scheduler) {
        ("ops", _) => f.ops = true,
        ("flag-1", _) => f.flag_1 = true,
        ("flag-2", _) => f.flag_2 = true,
        ("flag-3", _) => f.flag_3 = true,
        ("sh-port", Some(Scheduler::Sh)) => f.sh_port = true,
        ("sh-fallback", Some(Scheduler::Sh)) => f.sh_fallback = true,
        ("mh-port", Some(Scheduler::Mh)) => f.mh_port = true,
        ("mh-fallback", Some(Scheduler::Mh)) => f.mh_fallback = true,
        // keepalived compat: e.g. `hashed` or `mh-port` under sh are
        // silently ignored.
        (_, Some(Scheduler::Sh | Scheduler::Mh)) => {}
        (name, _) => cx.error(
            it.span(),
            format!("{name} only applies to sh scheduler - ignoring"),
        ),
    }
}

fn ip_family(cx: &mut Cx, b: &mut VsBuild, it: &Item) {
    let f = match cx.choice_arg(it, 0, &["inet", "inet6"], false) {
        Some("inet") => Family::Inet,
        Some(_) => Family::Inet6,
        None => return,
    };
    if b.af.is_some_and(|af| af != f) {
        cx.error(it.span(), format!("virtual server specified family {} conflicts with server family", f.as_str()));
        return;
    }
    b.af = Some(f);
    b.vs.ip_family = Some(f);
}

/// `pgr_handler`: a netmask for IPv4, a prefix length for IPv6 (the
/// family guessed from a `.` when not yet known); implies persistence.
fn granularity(cx: &mut Cx, b: &mut VsBuild, it: &Item) {
    let Some(w) = cx.arg(it, 0) else { return };
    let af = b.af.unwrap_or(if w.text.contains('.') {
        Family::Inet
    } else {
        Family::Inet6
    });
    let g = match af {
        Family::Inet6 => cx
            .u32_word("persistence_granularity", w, 1..=128)
            .map(|l| Granularity::V6(l as u8)),
        Family::Inet => {
            match w.text.parse::<Ipv4Addr>() {
                Ok(m) => Some(Granularity::V4(m)),
                Err(_) => {
                    cx.error(w.span, format!("invalid IPv4 persistence_granularity specified - {}", w.text));
                    None
                }
            }
        }
    };
    let Some(g) = g else { return };
    b.vs.persistence_granularity = Some(g);
    b.af.get_or_insert(af);
    b.vs.persistence_timeout
        .get_or_insert(DEFAULT_PERSISTENCE_TIMEOUT);
}

/// `real_server IP [PORT] { … }`; `None` when the address is invalid or
/// its family does not match the virtual server's (`rs_end_handler`).
fn build_rs(cx: &mut Cx, b: &mut VsBuild, item: &Item) -> Option<RealServer> {
    let addr: SocketAddr = args::sock_addr(cx, item, "real server")?;
    let mut rs = RealServer::new(addr);
    // alloc_rs(): the method in force when the block starts is copied.
    rs.forwarding = b.vs.forwarding;
    for it in children(cx, item) {
        rs_keyword(cx, &mut rs, it);
    }
    if !matches!(rs.forwarding, Some(Forwarding::Tun(_))) {
        let f = Family::of(addr.ip());
        match b.af {
            None => b.af = Some(f),
            Some(af) if af != f => {
                cx.error(item.span(), format!("address family of virtual server and real server {} don't match - skipping real server", addr.ip()));
                return None;
            }
            Some(_) => {}
        }
    }
    Some(rs)
}

fn rs_keyword(cx: &mut Cx, rs: &mut RealServer, it: &Item) {
    if checkers::CHECKER_KEYWORDS.contains(&it.name()) {
        let ip: IpAddr = rs.addr.ip();
        if let Some(c) = checkers::build_checker(cx, it, ip) {
            rs.checkers.push(c);
        }
        return;
    }
    match it.name() {
        "weight" => set(&mut rs.weight, cx.u32_arg(it, 0, 0..=WEIGHT_LIMIT)),
        "lvs_method" => {
            let f = args::forwarding(cx, it, rs.forwarding);
            set(&mut rs.forwarding, f);
        }
        "uthreshold" => {
            set_val(&mut rs.uthreshold, cx.u32_arg(it, 0, 0..=u32::MAX))
        }
        "lthreshold" => {
            set_val(&mut rs.lthreshold, cx.u32_arg(it, 0, 0..=u32::MAX))
        }
        "inhibit_on_failure" => {
            set(&mut rs.inhibit_on_failure, flag_bool(cx, it))
        }
        "notify_up" => script_once(cx, it, &mut rs.notify_up),
        "notify_down" => script_once(cx, it, &mut rs.notify_down),
        "alpha" => set(&mut rs.alpha, flag_bool(cx, it)),
        "retry" => set(&mut rs.retry, cx.u32_arg(it, 0, 1..=u32::MAX)),
        "delay_before_retry" => {
            set(&mut rs.delay_before_retry, timer(cx, it, Duration::ZERO))
        }
        "warmup" => set(&mut rs.warmup, timer(cx, it, Duration::ZERO)),
        "connect_timeout" => set(
            &mut rs.connect_timeout,
            cx.timer_arg(it, 0, MICRO, CONNECT_TIMEOUT_MAX),
        ),
        "delay_loop" => set(&mut rs.delay_loop, timer(cx, it, MICRO)),
        "smtp_alert" => set(&mut rs.smtp_alert, flag_bool(cx, it)),
        "virtualhost" => set(&mut rs.virtualhost, cx.string_arg(it, 0)),
        "snmp_name" => set(&mut rs.snmp_name, snmp_name(cx, it)),
        _ => {
            let known: Vec<&str> = RS_KEYWORDS
                .iter()
                .chain(checkers::CHECKER_KEYWORDS)
                .copied()
                .collect();
            cx.unknown_keyword(it, &known);
        }
    }
}

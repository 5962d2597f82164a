//! The `------< Health checkers >------` section: keepalived's
//! `dump_checker` (check_api.c) per checker, then the checker kind's own
//! lines (`dump_tcp_check`, `dump_http_check`, …).

use std::net::SocketAddr;
use std::time::Duration;

use ka_check::{CheckerConfig, CheckerSnapshot, Snapshot};
use ka_config::model::lvs::checkers::DEFAULT_DELAY_BEFORE_RETRY;
use ka_config::model::lvs::{
    Checker, CheckerKind, ConnOpts, HttpCheck, RealServer, Url, VirtualServer,
};

use super::line;
use crate::check::plan::CheckPlan;
use crate::vrrp::dump::cmd_str;

/// Appends the section (nothing without checkers).
pub(super) fn section(o: &mut String, snap: &Snapshot, plan: &CheckPlan) {
    let lvs = &plan.config.lvs;
    let any = lvs
        .virtual_servers
        .iter()
        .any(|v| v.real_servers.iter().any(|r| !r.checkers.is_empty()));
    if !any {
        return;
    }
    line(o, "------< Health checkers >------");
    for (vi, vs) in lvs.virtual_servers.iter().enumerate() {
        let evs = plan.engine.virtual_servers.get(vi);
        let svs = snap.virtual_servers.get(vi);
        for (ri, rs) in vs.real_servers.iter().enumerate() {
            let ers = evs.and_then(|v| v.real_servers.get(ri));
            let srs = svs.and_then(|v| v.real_servers.get(ri));
            let names = (
                evs.map(|v| v.name.as_str()).unwrap_or_default(),
                ers.map(|r| r.name.as_str()).unwrap_or_default(),
            );
            for (ci, c) in rs.checkers.iter().enumerate() {
                let cfg = ers.and_then(|r| r.checkers.get(ci));
                let st = srs
                    .and_then(|r| r.checker_states.get(ci))
                    .cloned()
                    .unwrap_or_default();
                let ctx = Ctx { vs, rs, c, cfg };
                checker(o, names, &ctx, &st);
            }
        }
    }
}

/// One checker's configuration, in the model and resolved.
struct Ctx<'a> {
    vs: &'a VirtualServer,
    rs: &'a RealServer,
    c: &'a Checker,
    cfg: Option<&'a CheckerConfig>,
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn us(d: Duration) -> String {
    format!("{} us", d.as_micros())
}

fn checker(
    o: &mut String,
    names: (&str, &str),
    x: &Ctx<'_>,
    st: &CheckerSnapshot,
) {
    line(o, format!(" {} -> {}", names.0, names.1));
    line(o, "   Enabled = yes");
    line(o, format!("   Up = {}", yes_no(st.up)));
    line(o, format!("   Has run = {}", yes_no(st.has_run)));
    line(o, format!("   Current weight = {}", st.cur_weight));
    let file = matches!(x.c.kind, CheckerKind::File(_));
    if let (false, Some(cfg)) = (file, x.cfg) {
        line(o, format!("   Alpha = {}", yes_no(cfg.alpha)));
        line(o, format!("   Delay loop = {}", us(cfg.delay_loop)));
        line(o, format!("   Warmup = {}", us(cfg.warmup)));
        line(o, format!("   Retries = {}", cfg.retry));
        if cfg.retry > 0 {
            line(
                o,
                format!(
                    "   Delay before retry = {}",
                    us(cfg.delay_before_retry)
                ),
            );
            line(o, format!("   Retries iterations = {}", st.retry_it));
        }
        let default =
            x.c.kind
                .default_delay_before_retry()
                .unwrap_or(DEFAULT_DELAY_BEFORE_RETRY);
        line(
            o,
            format!("   Default delay before retry = {}", us(default)),
        );
    }
    let all = x.cfg.is_some_and(|c| c.log_all_failures);
    line(o, format!("   Log all failures = {}", yes_no(all)));
    if has_connection(&x.c.kind) {
        connection(o, x);
    }
    kind(o, x, st);
}

/// Whether keepalived gives the checker kind a `conn_opts_t`.
fn has_connection(k: &CheckerKind) -> bool {
    !matches!(
        k,
        CheckerKind::Misc(_) | CheckerKind::File(_) | CheckerKind::Bfd(_)
    )
}

/// keepalived's `dump_connection_opts`.
fn connection(o: &mut String, x: &Ctx<'_>) {
    let co = x.c.conn.clone().unwrap_or_default();
    line(o, "   Connection");
    line(o, format!("     Dest = {}", pair(dest(x.rs, &co))));
    if let Some(b) = co.bindto {
        let p = co.bind_port.unwrap_or(0);
        line(o, format!("     Bind to = {}", pair(SocketAddr::new(b, p))));
    }
    if let Some(i) = &co.bind_if {
        line(o, format!("     Bind i/f = {i}"));
    }
    if let Some(m) = co.fwmark.filter(|m| *m != 0) {
        line(o, format!("     Mark = {m}"));
    }
    let timeout = x
        .cfg
        .map_or(x.rs.connect_timeout.unwrap_or(x.vs.connect_timeout), |c| {
            c.connect_timeout
        });
    line(o, format!("     Timeout = {:.6}", timeout.as_secs_f64()));
}

fn dest(rs: &RealServer, co: &ConnOpts) -> SocketAddr {
    SocketAddr::new(
        co.connect_ip.unwrap_or(rs.addr.ip()),
        co.connect_port.unwrap_or(rs.addr.port()),
    )
}

/// keepalived's `inet_sockaddrtopair`.
fn pair(a: SocketAddr) -> String {
    format!("[{}]:{}", a.ip(), a.port())
}

fn kind(o: &mut String, x: &Ctx<'_>, st: &CheckerSnapshot) {
    match &x.c.kind {
        CheckerKind::Tcp => line(o, "   Keepalive method = TCP_CHECK"),
        CheckerKind::Http(h) => http(o, "HTTP", h, st),
        CheckerKind::Ssl(h) => http(o, "SSL", h, st),
        CheckerKind::Smtp(s) => {
            line(o, "   Keepalive method = SMTP_CHECK");
            line(o, format!("   helo = {}", s.helo_name));
        }
        CheckerKind::Dns(d) => {
            line(o, "   Keepalive method = DNS_CHECK");
            line(o, format!("   Type = {}", d.qtype.as_str()));
            line(o, format!("   Name = {}", d.name.as_deref().unwrap_or("")));
        }
        CheckerKind::Misc(m) => {
            line(o, "   Keepalive method = MISC_CHECK");
            let argv = ka_config::lexer::split_quoted_escaped(&m.path)
                .unwrap_or_else(|_| vec![m.path.clone()]);
            line(o, format!("   script = {}", cmd_str(&argv)));
            let t = m.timeout.map_or(0, |t| t.as_secs());
            line(o, format!("   timeout = {t}"));
            let dynamic = if m.dynamic { "YES" } else { "NO" };
            line(o, format!("   dynamic = {dynamic}"));
            // keepalived-rs resolves a MISC_CHECK's `user` when it runs
            // it; the dump shows keepalived's default (docs/compat.md).
            line(o, "   uid:gid = 0:0");
        }
        CheckerKind::Udp(u) => {
            line(o, "   Keepalive method = UDP_CHECK");
            match &u.payload {
                Some(p) => line(o, format!("   Payload len = {}", p.len())),
                None => line(o, "   Payload specified = no"),
            }
            line(o, format!("   Require reply = {}", yes_no(u.require_reply)));
            if u.require_reply {
                line(
                    o,
                    format!("     Min reply length = {}", u.min_reply_length),
                );
                line(
                    o,
                    format!("     Max reply length = {}", u.max_reply_length),
                );
                let len = u.reply.as_ref().map_or(0, |r| r.data.len());
                line(o, format!("     Reply data len = {len}"));
                if let Some(r) = &u.reply {
                    let mask = yes_no(!r.mask.is_empty());
                    line(o, format!("     Reply data mask = {mask}"));
                }
            }
        }
        CheckerKind::Ping => line(o, "   Keepalive method = PING_CHECK"),
        CheckerKind::File(f) => {
            line(o, "   Keepalive method = FILE_CHECK");
            line(o, format!("     Tracked file = {}", f.track_file));
            line(o, "     Reloaded = No");
        }
        CheckerKind::Bfd(b) => {
            line(o, "   Keepalive method = BFD_CHECK");
            line(o, format!("   Name = {}", b.name));
            let alpha = x.cfg.is_some_and(|c| c.alpha);
            line(
                o,
                format!("   Alpha is {}", if alpha { "ON" } else { "OFF" }),
            );
        }
    }
}

/// keepalived's `dump_http_check` and `dump_url`.
fn http(o: &mut String, proto: &str, h: &HttpCheck, st: &CheckerSnapshot) {
    line(
        o,
        format!(
            "   Keepalive method = {proto}_GET, http protocol {}",
            h.protocol.as_str()
        ),
    );
    if let Some(v) = &h.virtualhost {
        line(o, format!("   Virtualhost = {v}"));
    }
    let set = |b: bool| if b { "set" } else { "unset" };
    line(o, format!("   Enable SNI {}", set(h.enable_sni)));
    line(o, format!("   Fast recovery {}", set(h.fast_recovery)));
    for u in &h.urls {
        url(o, u);
    }
    let failed = st
        .failed_url
        .and_then(|i| h.urls.get(usize::try_from(i).unwrap_or(usize::MAX)));
    if let Some(u) = failed {
        line(o, format!("   Failed URL = {}", u.path));
    }
}

fn url(o: &mut String, u: &Url) {
    line(o, format!("   Checked url = {}", u.path));
    if let Some(d) = &u.digest {
        let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
        line(o, format!("     digest = {hex}"));
    }
    line(o, "     HTTP Status Code(s)");
    for (lo, hi) in status_ranges(&u.status_codes) {
        if lo == hi {
            line(o, format!("       {lo}"));
        } else {
            line(o, format!("       {lo}-{hi}"));
        }
    }
    if let Some(v) = &u.virtualhost {
        line(o, format!("     Virtual host = {v}"));
    }
    if let Some(r) = &u.regex {
        line(o, format!("     Regex = \"{r}\""));
        if u.regex_no_match {
            line(o, "     Regex no match");
        }
        let min = u.regex_min_offset.unwrap_or(0);
        match u.regex_max_offset {
            Some(max) => line(
                o,
                format!("     Regex min offset = {min}, max_offset = {max}"),
            ),
            None if min > 0 => {
                line(o, format!("     Regex min offset = {min}"))
            }
            None => {}
        }
        let opts: String =
            u.regex_options.iter().map(|x| format!(" {x}")).collect();
        line(o, format!("     Regex options:{opts}"));
    }
}

/// The status codes as keepalived prints its bit array: sorted, merged
/// runs (keepalived's default, none configured, is 200-299).
fn status_ranges(codes: &[(u16, u16)]) -> Vec<(u16, u16)> {
    let mut v: Vec<(u16, u16)> = if codes.is_empty() {
        vec![(200, 299)]
    } else {
        codes.to_vec()
    };
    v.sort_unstable();
    let mut out: Vec<(u16, u16)> = Vec::new();
    for (lo, hi) in v {
        match out.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => {
                last.1 = last.1.max(hi);
            }
            _ => out.push((lo, hi)),
        }
    }
    out
}

#[cfg(test)]
pub(super) fn ranges_for_test(codes: &[(u16, u16)]) -> Vec<(u16, u16)> {
    status_ranges(codes)
}

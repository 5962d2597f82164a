//! Printing the load-balancing model as canonical keepalived.conf text.
//!
//! Keywords are printed in an order that keepalived's order-dependent
//! handlers read back to the same model: the scheduler before the
//! `sh-*`/`mh-*` flags, the forwarding method before sorry and real
//! servers (which copy it when they are created), `persistence_timeout`
//! before `persistence_granularity`. Current keyword names are used
//! (`lvs_sched`, `lvs_method`), never the legacy aliases.

use std::net::SocketAddr;

use super::checkers::{
    Checker, CheckerCommon, CheckerKind, ConnOpts, HexPattern, HttpCheck, Url,
};
use super::{
    Forwarding, Granularity, LvsSection, RealServer, Script, SorryServer,
    TunnelCsum, TunnelType, VirtualServer, VirtualServerGroup, VsKey, VsgEntry,
};
use crate::build::cx::fmt_secs;
use crate::print::{Printer, quote};

const NO_ARGS: [&str; 0] = [];

impl LvsSection {
    /// Prints every load-balancing block.
    pub fn print(&self, p: &mut Printer) {
        if let Some(ssl) = &self.ssl {
            p.block("SSL", NO_ARGS, |p| {
                p.opt("password", ssl.password.as_deref().map(word));
                p.opt("ca", ssl.ca.as_deref().map(word));
                p.opt("certificate", ssl.certificate.as_deref().map(word));
                p.opt("key", ssl.key.as_deref().map(word));
            });
        }
        for g in &self.groups {
            print_group(p, g);
        }
        for vs in &self.virtual_servers {
            print_vs(p, vs);
        }
    }
}

/// A word for the generic tokenizer: quoted when it holds whitespace.
fn word(s: &str) -> String {
    if s.is_empty() || s.contains(char::is_whitespace) {
        format!("\"{s}\"")
    } else {
        s.to_string()
    }
}

fn addr_args(sa: &SocketAddr) -> Vec<String> {
    let mut v = vec![sa.ip().to_string()];
    if sa.port() != 0 {
        v.push(sa.port().to_string());
    }
    v
}

fn print_group(p: &mut Printer, g: &VirtualServerGroup) {
    p.block("virtual_server_group", [word(&g.name)], |p| {
        for e in &g.entries {
            match e {
                VsgEntry::Range { start, end, port } => {
                    let mut a = if start == end {
                        start.to_string()
                    } else {
                        format!("{start}-{end}")
                    };
                    if *port != 0 {
                        a = format!("{a} {port}");
                    }
                    p.flag(&a);
                }
                VsgEntry::Fwmark { mark, family } => {
                    let mut args = vec![mark.to_string()];
                    args.extend(family.map(|f| f.as_str().to_string()));
                    p.line("fwmark", args);
                }
            }
        }
    });
}

fn forwarding_args(f: &Forwarding) -> Vec<String> {
    match f {
        Forwarding::Nat => vec!["NAT".into()],
        Forwarding::Dr => vec!["DR".into()],
        Forwarding::Tun(t) => {
            let mut v = vec!["TUN".to_string(), "type".into()];
            match t.kind {
                TunnelType::Ipip => v.push("ipip".into()),
                TunnelType::Gue { port } => {
                    v.extend(["gue".into(), "port".into(), port.to_string()]);
                }
                TunnelType::Gre => v.push("gre".into()),
            }
            v.push(
                match t.csum {
                    TunnelCsum::NoCsum => "nocsum",
                    TunnelCsum::Csum => "csum",
                    TunnelCsum::RemCsum => "remcsum",
                }
                .into(),
            );
            v
        }
    }
}

fn print_script(p: &mut Printer, kw: &str, s: &Option<Script>) {
    if let Some(s) = s {
        let mut args = vec![quote(&s.command)];
        args.extend(s.user.as_deref().map(word));
        args.extend(s.group.as_deref().map(word));
        p.line(kw, args);
    }
}

fn flag_if(p: &mut Printer, kw: &str, on: bool) {
    if on {
        p.flag(kw);
    }
}

fn bool_opt(p: &mut Printer, kw: &str, v: Option<bool>) {
    if let Some(b) = v {
        p.kv(kw, if b { "on" } else { "off" });
    }
}

fn print_vs(p: &mut Printer, vs: &VirtualServer) {
    let args = match &vs.key {
        VsKey::Addr(sa) => addr_args(sa),
        VsKey::Fwmark(m) => vec!["fwmark".into(), m.to_string()],
        VsKey::Group(g) => vec!["group".into(), word(g)],
    };
    p.block("virtual_server", args, |p| {
        p.opt("ip_family", vs.ip_family.map(|f| f.as_str()));
        p.opt("lvs_sched", vs.scheduler.map(|s| s.as_str()));
        let f = &vs.flags;
        for (kw, on) in [
            ("ops", f.ops),
            ("flag-1", f.flag_1),
            ("flag-2", f.flag_2),
            ("flag-3", f.flag_3),
            ("sh-port", f.sh_port),
            ("sh-fallback", f.sh_fallback),
            ("mh-port", f.mh_port),
            ("mh-fallback", f.mh_fallback),
        ] {
            flag_if(p, kw, on);
        }
        if let Some(fw) = &vs.forwarding {
            p.line("lvs_method", forwarding_args(fw));
        }
        p.opt("protocol", vs.protocol.map(|x| x.as_str()));
        print_vs_persistence(p, vs);
        print_vs_timers(p, vs);
        flag_if(p, "alpha", vs.alpha);
        flag_if(p, "omega", vs.omega);
        p.kv("quorum", vs.quorum);
        p.kv("hysteresis", vs.hysteresis);
        print_script(p, "quorum_up", &vs.quorum_up);
        print_script(p, "quorum_down", &vs.quorum_down);
        flag_if(p, "inhibit_on_failure", vs.inhibit_on_failure);
        flag_if(p, "ha_suspend", vs.ha_suspend);
        p.opt("virtualhost", vs.virtualhost.as_deref().map(word));
        bool_opt(p, "smtp_alert", vs.smtp_alert);
        p.opt("snmp_name", vs.snmp_name.as_deref().map(word));
        p.kv("weight", vs.weight);
        if let Some(ss) = &vs.sorry_server {
            print_sorry(p, ss);
        }
        for rs in &vs.real_servers {
            print_rs(p, rs);
        }
    });
}

fn print_vs_persistence(p: &mut Printer, vs: &VirtualServer) {
    p.opt(
        "persistence_timeout",
        vs.persistence_timeout.map(|d| d.as_secs()),
    );
    match vs.persistence_granularity {
        Some(Granularity::V4(m)) => p.kv("persistence_granularity", m),
        Some(Granularity::V6(l)) => p.kv("persistence_granularity", l),
        None => {}
    }
    p.opt(
        "persistence_engine",
        vs.persistence_engine.as_deref().map(word),
    );
}

fn print_vs_timers(p: &mut Printer, vs: &VirtualServer) {
    p.kv("delay_loop", fmt_secs(vs.delay_loop));
    p.kv("connect_timeout", fmt_secs(vs.connect_timeout));
    p.opt("retry", vs.retry);
    p.opt("delay_before_retry", vs.delay_before_retry.map(fmt_secs));
    p.opt("warmup", vs.warmup.map(fmt_secs));
}

fn print_sorry(p: &mut Printer, ss: &SorryServer) {
    p.line("sorry_server", addr_args(&ss.addr));
    flag_if(p, "sorry_server_inhibit", ss.inhibit);
    if let Some(fw) = &ss.forwarding {
        p.line("sorry_server_lvs_method", forwarding_args(fw));
    }
}

fn print_rs(p: &mut Printer, rs: &RealServer) {
    p.block("real_server", addr_args(&rs.addr), |p| {
        p.opt("weight", rs.weight);
        if let Some(fw) = &rs.forwarding {
            p.line("lvs_method", forwarding_args(fw));
        }
        if rs.uthreshold != 0 {
            p.kv("uthreshold", rs.uthreshold);
        }
        if rs.lthreshold != 0 {
            p.kv("lthreshold", rs.lthreshold);
        }
        bool_opt(p, "inhibit_on_failure", rs.inhibit_on_failure);
        print_script(p, "notify_up", &rs.notify_up);
        print_script(p, "notify_down", &rs.notify_down);
        bool_opt(p, "alpha", rs.alpha);
        p.opt("retry", rs.retry);
        p.opt("delay_before_retry", rs.delay_before_retry.map(fmt_secs));
        p.opt("warmup", rs.warmup.map(fmt_secs));
        p.opt("connect_timeout", rs.connect_timeout.map(fmt_secs));
        p.opt("delay_loop", rs.delay_loop.map(fmt_secs));
        bool_opt(p, "smtp_alert", rs.smtp_alert);
        p.opt("virtualhost", rs.virtualhost.as_deref().map(word));
        p.opt("snmp_name", rs.snmp_name.as_deref().map(word));
        for c in &rs.checkers {
            print_checker(p, c);
        }
    });
}

fn print_common(p: &mut Printer, c: &CheckerCommon, kind: &CheckerKind) {
    // BFD_CHECK accepts `alpha` only; FILE_CHECK nothing.
    match kind {
        CheckerKind::File(_) => return,
        CheckerKind::Bfd(_) => return bool_opt(p, "alpha", c.alpha),
        _ => {}
    }
    p.opt("retry", c.retry);
    p.opt("delay_before_retry", c.delay_before_retry.map(fmt_secs));
    p.opt("warmup", c.warmup.map(fmt_secs));
    p.opt("delay_loop", c.delay_loop.map(fmt_secs));
    bool_opt(p, "alpha", c.alpha);
    flag_if(p, "log_all_failures", c.log_all_failures);
}

fn print_conn(p: &mut Printer, co: &ConnOpts) {
    p.opt("connect_ip", co.connect_ip);
    p.opt("connect_port", co.connect_port);
    p.opt("bindto", co.bindto);
    p.opt("bind_port", co.bind_port);
    p.opt("bind_if", co.bind_if.as_deref().map(word));
    p.opt("connect_timeout", co.connect_timeout.map(fmt_secs));
    p.opt("fwmark", co.fwmark);
}

fn print_checker(p: &mut Printer, c: &Checker) {
    p.block(c.kind.keyword(), NO_ARGS, |p| {
        if let Some(co) = &c.conn {
            print_conn(p, co);
        }
        print_common(p, &c.common, &c.kind);
        print_kind(p, &c.kind);
    });
}

fn print_kind(p: &mut Printer, kind: &CheckerKind) {
    match kind {
        CheckerKind::Tcp | CheckerKind::Ping => {}
        CheckerKind::Http(h) | CheckerKind::Ssl(h) => print_http(p, h),
        CheckerKind::Smtp(s) => {
            p.kv("helo_name", word(&s.helo_name));
            for h in &s.hosts {
                p.block("host", NO_ARGS, |p| print_conn(p, h));
            }
        }
        CheckerKind::Dns(d) => {
            p.kv("type", d.qtype.as_str());
            p.opt("name", d.name.as_deref().map(word));
        }
        CheckerKind::Misc(m) => {
            p.kv("misc_path", quote(&m.path));
            p.opt("misc_timeout", m.timeout.map(|d| d.as_secs()));
            flag_if(p, "misc_dynamic", m.dynamic);
            if let Some(u) = &m.user {
                let mut args = vec![word(u)];
                args.extend(m.group.as_deref().map(word));
                p.line("user", args);
            }
        }
        CheckerKind::Udp(u) => {
            p.opt("payload", u.payload.as_deref().map(hex));
            if u.require_reply {
                match &u.reply {
                    Some(r) => p.kv("require_reply", hex_pattern(r)),
                    None => p.flag("require_reply"),
                }
            }
            p.kv("min_reply_length", u.min_reply_length);
            p.kv("max_reply_length", u.max_reply_length);
        }
        CheckerKind::File(f) => {
            p.kv("track_file", word(&f.track_file));
            if let Some(w) = f.weight {
                let dir = if f.reverse { "reverse" } else { "noreverse" };
                p.line("weight", [w.to_string(), dir.into()]);
            }
        }
        CheckerKind::Bfd(b) => p.kv("name", word(&b.name)),
    }
}

fn print_http(p: &mut Printer, h: &HttpCheck) {
    p.kv("http_protocol", h.protocol.as_str());
    p.opt("virtualhost", h.virtualhost.as_deref().map(word));
    flag_if(p, "enable_sni", h.enable_sni);
    flag_if(p, "fast_recovery", h.fast_recovery);
    for u in &h.urls {
        p.block("url", NO_ARGS, |p| print_url(p, u));
    }
}

fn print_url(p: &mut Printer, u: &Url) {
    p.kv("path", word(&u.path));
    p.opt("digest", u.digest.as_ref().map(|d| hex(d)));
    let codes: Vec<String> = u
        .status_codes
        .iter()
        .map(|(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect();
    if !codes.is_empty() {
        p.line("status_code", codes);
    }
    p.opt("virtualhost", u.virtualhost.as_deref().map(word));
    p.opt("regex", u.regex.as_deref().map(quote));
    flag_if(p, "regex_no_match", u.regex_no_match);
    if !u.regex_options.is_empty() {
        p.line("regex_options", &u.regex_options);
    }
    p.opt("regex_min_offset", u.regex_min_offset);
    p.opt("regex_max_offset", u.regex_max_offset);
    if let Some((a, b)) = u.regex_stack {
        p.line("regex_stack", [a, b]);
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn hex_pattern(h: &HexPattern) -> String {
    let mut s = String::new();
    for (i, b) in h.data.iter().enumerate() {
        let m = h.mask.get(i).copied().unwrap_or(0);
        for (shift, mbits) in [(4u8, 0xf0u8), (0, 0x0f)] {
            if m & mbits != 0 {
                s.push('X');
            } else {
                s.push_str(&format!("{:x}", (b >> shift) & 0x0f));
            }
        }
    }
    s
}

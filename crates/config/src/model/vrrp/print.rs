//! Printing the VRRP section as canonical keepalived.conf text.

use std::time::Duration;

use crate::build::cx::fmt_secs;
use crate::print::{Printer, quote};

use super::*;

const NONE: [&str; 0] = [];

impl VrrpSection {
    /// Prints every VRRP block, trackers first (keepalived resolves
    /// `track_*` references while parsing, so they must come first).
    pub fn print(&self, p: &mut Printer) {
        for g in &self.track_groups {
            p.block("track_group", [&g.name], |p| {
                p.block("group", NONE, |p| {
                    g.members.iter().for_each(|m| p.flag(m))
                });
            });
        }
        list_block(p, "static_ipaddress", &self.static_addresses, fmt_addr);
        list_block(p, "static_routes", &self.static_routes, fmt_route);
        list_block(p, "static_rules", &self.static_rules, fmt_rule);
        for g in &self.garp_groups {
            print_garp_group(p, g);
        }
        if !self.linkbeat_interfaces.is_empty() {
            p.block("linkbeat_interfaces", NONE, |p| {
                for l in &self.linkbeat_interfaces {
                    p.line(&l.interface, l.method.iter());
                }
            });
        }
        if !self.interface_up_down_delays.is_empty() {
            p.block("interface_up_down_delays", NONE, |p| {
                for d in &self.interface_up_down_delays {
                    p.line(&d.interface, [fmt_secs(d.down), fmt_secs(d.up)]);
                }
            });
        }
        self.scripts.iter().for_each(|s| print_script(p, s));
        self.track_processes
            .iter()
            .for_each(|t| print_process(p, t));
        self.track_files.iter().for_each(|t| print_track_file(p, t));
        self.instances.iter().for_each(|i| i.print(p));
        self.sync_groups.iter().for_each(|g| print_sync_group(p, g));
    }
}

fn list_block<T>(p: &mut Printer, kw: &str, v: &[T], f: fn(&T) -> String) {
    if !v.is_empty() {
        p.block(kw, NONE, |p| v.iter().for_each(|x| p.flag(&f(x))));
    }
}

fn print_garp_group(p: &mut Printer, g: &GarpGroup) {
    p.block("garp_group", NONE, |p| {
        p.opt("garp_interval", g.garp_interval.map(fmt_secs));
        p.opt("gna_interval", g.gna_interval.map(fmt_secs));
        if !g.interfaces.is_empty() {
            p.block("interfaces", NONE, |p| {
                g.interfaces.iter().for_each(|i| p.flag(i))
            });
        }
    });
}

/// Formats a command for a quoted keyword: the argv is escaped for the
/// inner tokenizer, then quoted for the outer one.
pub fn fmt_cmd(c: &ScriptCmd) -> String {
    let inner: Vec<String> = c.argv.iter().map(|w| escape_word(w)).collect();
    let mut s = quote(&inner.join(" "));
    for u in c.user.iter().chain(c.group.iter()) {
        s.push(' ');
        s.push_str(u);
    }
    s
}

fn escape_word(w: &str) -> String {
    if w.is_empty() {
        return "''".into();
    }
    let mut out = String::new();
    for c in w.chars() {
        match c {
            ' ' | '"' | '\'' | '\\' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out
}

fn cmd(p: &mut Printer, kw: &str, c: &Option<ScriptCmd>) {
    if let Some(c) = c {
        p.kv(kw, fmt_cmd(c));
    }
}

fn print_script(p: &mut Printer, s: &VrrpScript) {
    p.block("vrrp_script", [&s.name], |p| {
        p.kv("script", quote(&inner_cmd(&s.cmd)));
        if let Some(u) = &s.cmd.user {
            p.line("user", std::iter::once(u).chain(s.cmd.group.iter()));
        }
        p.kv("interval", s.interval.as_secs());
        p.opt("timeout", s.timeout.map(|t| t.as_secs()));
        weight_line(p, s.weight, s.reverse);
        p.kv("rise", s.rise);
        p.kv("fall", s.fall);
        if s.init_fail {
            p.flag("init_fail");
        }
    });
}

fn inner_cmd(c: &ScriptCmd) -> String {
    c.argv
        .iter()
        .map(|w| escape_word(w))
        .collect::<Vec<_>>()
        .join(" ")
}

fn weight_line(p: &mut Printer, w: i32, reverse: bool) {
    if reverse {
        p.line("weight", [w.to_string(), "reverse".into()]);
    } else {
        p.kv("weight", w);
    }
}

fn print_process(p: &mut Printer, t: &TrackProcess) {
    p.block("vrrp_track_process", [&t.name], |p| {
        p.line("process", t.process.iter());
        match t.param_match {
            Some(ParamMatch::Initial) => p.kv("param_match", "initial"),
            Some(ParamMatch::Partial) => p.kv("param_match", "partial"),
            Some(ParamMatch::Exact) | None => {}
        }
        weight_line(p, t.weight, t.reverse);
        p.kv("quorum", t.quorum);
        p.opt("quorum_max", t.quorum_max);
        if !t.fork_delay.is_zero() {
            p.kv("fork_delay", fmt_secs(t.fork_delay));
        }
        if !t.terminate_delay.is_zero() {
            p.kv("terminate_delay", fmt_secs(t.terminate_delay));
        }
        if t.full_command {
            p.flag("full_command");
        }
    });
}

fn print_track_file(p: &mut Printer, t: &TrackFile) {
    p.block("track_file", [&t.name], |p| {
        p.kv("file", quote(&t.file));
        weight_line(p, t.weight, t.reverse);
        if let Some((v, ow)) = t.init_file {
            let mut args = vec![v.to_string()];
            if ow {
                args.push("overwrite".into());
            }
            p.line("init_file", args);
        }
    });
}

fn print_trackers(p: &mut Printer, t: &Trackers) {
    let lists = [
        ("track_interface", &t.interfaces),
        ("track_script", &t.scripts),
        ("track_file", &t.files),
        ("track_process", &t.processes),
        ("track_bfd", &t.bfds),
    ];
    for (kw, refs) in lists {
        if refs.is_empty() {
            continue;
        }
        p.block(kw, NONE, |p| {
            for r in refs {
                let mut args = vec!["weight".to_string(), r.weight.to_string()];
                if r.reverse {
                    args.push("reverse".into());
                }
                p.line(&r.name, args);
            }
        });
    }
}

fn print_sync_group(p: &mut Printer, g: &SyncGroup) {
    p.block("vrrp_sync_group", [&g.name], |p| {
        p.block("group", NONE, |p| g.members.iter().for_each(|m| p.flag(m)));
        print_trackers(p, &g.track);
        cmd(p, "notify_master", &g.notify_master);
        cmd(p, "notify_backup", &g.notify_backup);
        cmd(p, "notify_fault", &g.notify_fault);
        cmd(p, "notify_stop", &g.notify_stop);
        cmd(p, "notify", &g.notify);
        p.opt("smtp_alert", g.smtp_alert.map(on_off));
        if g.tracking_weight {
            p.flag("sync_group_tracking_weight");
        }
        p.opt(
            "notify_priority_changes",
            g.notify_priority_changes.map(on_off),
        );
    });
}

/// `on` or `off`.
pub(crate) fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

fn secs(d: Duration) -> String {
    fmt_secs(d)
}

impl Instance {
    /// Prints this `vrrp_instance` block.
    pub fn print(&self, p: &mut Printer) {
        p.block("vrrp_instance", [&self.name], |p| {
            self.print_core(p);
            self.print_addrs(p);
            print_trackers(p, &self.track);
            self.print_unicast(p);
            self.print_options(p);
            self.print_garp(p);
            self.print_notify(p);
        });
    }

    fn print_core(&self, p: &mut Printer) {
        match self.state {
            Some(InstanceState::Master) => p.kv("state", "MASTER"),
            Some(InstanceState::Backup) => p.kv("state", "BACKUP"),
            None => {}
        }
        p.opt("interface", self.interface.as_ref());
        p.opt("vrf", self.vrf.as_ref());
        p.opt("virtual_router_id", self.vrid);
        p.opt("priority", self.priority);
        p.kv("advert_int", secs(self.advert_int));
        match self.version {
            Some(VrrpVersion::V2) => p.kv("version", 2),
            Some(VrrpVersion::V3) => p.kv("version", 3),
            None => {}
        }
        if self.ipv6 == Some(true) && self.vips.is_empty() {
            p.flag("native_ipv6");
        }
        p.opt("strict_mode", self.strict_mode.map(on_off));
        if let Some(a) = &self.auth {
            p.block("authentication", NONE, |p| {
                let t = if a.auth_type == AuthType::Pass {
                    "PASS"
                } else {
                    "AH"
                };
                p.kv("auth_type", t);
                p.kv("auth_pass", &a.pass);
            });
        }
    }

    fn print_addrs(&self, p: &mut Printer) {
        list_block(p, "virtual_ipaddress", &self.vips, fmt_addr);
        list_block(p, "virtual_ipaddress_excluded", &self.evips, fmt_addr);
        list_block(p, "virtual_routes", &self.routes, fmt_route);
        list_block(p, "virtual_rules", &self.rules, fmt_rule);
    }

    fn print_unicast(&self, p: &mut Printer) {
        let src_kw = if self.unicast_configured {
            "unicast_src_ip"
        } else {
            "mcast_src_ip"
        };
        p.opt(src_kw, self.src_ip);
        p.opt("mcast_dst_ip", self.mcast_dst_ip);
        if !self.unicast_peers.is_empty() {
            p.block("unicast_peer", NONE, |p| {
                for u in &self.unicast_peers {
                    let mut args = Vec::new();
                    if u.min_ttl != 0 {
                        args.push(format!("min_ttl {}", u.min_ttl));
                    }
                    if u.max_ttl != 255 {
                        args.push(format!("max_ttl {}", u.max_ttl));
                    }
                    p.line(&u.addr.to_string(), args);
                }
            });
        } else if self.unicast_configured && self.src_ip.is_none() {
            p.block("unicast_peer", NONE, |_| {});
        }
        flag(p, "unicast_fault_no_peer", self.unicast_fault_no_peer);
        flag(p, "check_unicast_src", self.check_unicast_src);
        match self.old_unicast_checksum {
            Some(true) => p.flag("old_unicast_checksum"),
            Some(false) => p.kv("old_unicast_checksum", "never"),
            None => {}
        }
        p.opt(
            "unicast_ttl",
            self.unicast_ttl.filter(|_| self.is_unicast()),
        );
    }

    fn print_options(&self, p: &mut Printer) {
        flag(p, "dont_track_primary", self.dont_track_primary);
        flag(p, "track_src_ip", self.track_src_ip);
        flag(p, "nopreempt", self.nopreempt);
        if !self.preempt_delay.is_zero() {
            p.kv("preempt_delay", secs(self.preempt_delay));
        }
        match self.accept {
            Some(true) => p.flag("accept"),
            Some(false) => p.flag("no_accept"),
            None => {}
        }
        p.opt("skip_check_adv_addr", self.skip_check_adv_addr.map(on_off));
        if let Some(v) = &self.vmac {
            let args = v
                .ifname
                .iter()
                .cloned()
                .chain(v.mac.as_ref().map(|m| fmt_mac(m)));
            p.line("use_vmac", args);
        }
        flag(p, "use_vmac_addr", self.use_vmac_addr);
        flag(p, "vmac_xmit_base", self.vmac_xmit_base);
        if let Some(w) = &self.ipvlan {
            p.line("use_ipvlan", w.iter());
        }
        flag(p, "promote_secondaries", self.promote_secondaries);
        p.opt("kernel_rx_buf_size", self.kernel_rx_buf_size);
        flag(p, "linkbeat_use_polling", self.linkbeat_use_polling);
        p.opt("debug", self.debug);
    }

    fn print_garp(&self, p: &mut Printer) {
        p.opt(
            "garp_master_delay",
            self.garp_master_delay.map(|d| d.as_secs()),
        );
        p.opt("garp_master_repeat", self.garp_master_repeat);
        p.opt(
            "garp_master_refresh",
            self.garp_master_refresh.map(|d| d.as_secs()),
        );
        p.opt(
            "garp_master_refresh_repeat",
            self.garp_master_refresh_repeat,
        );
        p.opt(
            "garp_lower_prio_delay",
            self.garp_lower_prio_delay.map(|d| d.as_secs()),
        );
        p.opt("garp_lower_prio_repeat", self.garp_lower_prio_repeat);
        if let Some((all, s)) = self.garp_extra_if {
            let a = if all { "all " } else { "" };
            p.kv("garp_extra_if", format!("{a}{s}"));
        }
        p.opt("down_timer_adverts", self.down_timer_adverts);
        p.opt(
            "lower_prio_no_advert",
            self.lower_prio_no_advert.map(on_off),
        );
        p.opt(
            "higher_prio_send_advert",
            self.higher_prio_send_advert.map(on_off),
        );
    }

    fn print_notify(&self, p: &mut Printer) {
        cmd(p, "notify_master", &self.notify_master);
        cmd(p, "notify_backup", &self.notify_backup);
        cmd(p, "notify_fault", &self.notify_fault);
        cmd(p, "notify_stop", &self.notify_stop);
        match &self.notify_deleted {
            Some(Some(c)) => p.kv("notify_deleted", fmt_cmd(c)),
            Some(None) => p.flag("notify_deleted"),
            None => {}
        }
        cmd(p, "notify", &self.notify);
        cmd(
            p,
            "notify_master_rx_lower_pri",
            &self.notify_master_rx_lower_pri,
        );
        p.opt("smtp_alert", self.smtp_alert.map(on_off));
        p.opt(
            "notify_priority_changes",
            self.notify_priority_changes.map(on_off),
        );
    }
}

fn flag(p: &mut Printer, kw: &str, on: bool) {
    if on {
        p.flag(kw);
    }
}

fn fmt_mac(m: &[u8]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Formats an address spec as one line of words.
pub fn fmt_addr(a: &IpAddress) -> String {
    let mut w = vec![format!("{}/{}", a.addr, a.prefix_len)];
    if let Some(peer) = a.peer {
        w[0] = a.addr.to_string();
        w.push(format!("peer {peer}/{}", a.prefix_len));
    }
    let mut push = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            w.push(format!("{k} {v}"));
        }
    };
    push("dev", a.dev.clone());
    push("scope", a.scope.map(Scope::name));
    push(
        "brd",
        a.broadcast.map(|b| match b {
            Broadcast::Addr(ip) => ip.to_string(),
            Broadcast::Plus => "+".into(),
            Broadcast::Minus => "-".into(),
        }),
    );
    push("label", a.label.clone());
    push(
        "preferred_lft",
        a.preferred_lft.map(|l| match l {
            PreferredLft::Forever => "forever".into(),
            PreferredLft::Secs(s) => s.to_string(),
        }),
    );
    push("track_group", a.track_group.clone());
    let flags = [
        ("home", a.home),
        ("-nodad", a.nodad),
        ("mngtmpaddr", a.mngtmpaddr),
        ("noprefixroute", a.noprefixroute),
        ("autojoin", a.autojoin),
        ("no_track", a.no_track),
        ("use_vmac", a.use_vmac),
    ];
    w.extend(flags.iter().filter(|f| f.1).map(|f| f.0.to_string()));
    w.join(" ")
}

fn fmt_prefix(p: &Option<(std::net::IpAddr, u8)>) -> String {
    match p {
        Some((ip, len)) => format!("{ip}/{len}"),
        None => "default".into(),
    }
}

/// Formats a route spec as one line of words.
pub fn fmt_route(r: &Route) -> String {
    let mut w: Vec<String> = Vec::new();
    if r.family == RouteFamily::Inet6 && r.dst.is_none() {
        w.push("inet6".into());
    }
    if let Some(t) = &r.route_type {
        w.push(t.clone());
    }
    w.push(fmt_prefix(&r.dst));
    let mut kv = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            w.push(format!("{k} {v}"));
        }
    };
    kv("from", r.from.map(|f| format!("{}/{}", f.0, f.1)));
    kv("src", r.src.map(|s| s.to_string()));
    kv("via", r.via.map(|s| s.to_string()));
    kv("dev", r.dev.clone());
    kv("table", r.table.clone());
    kv("scope", r.scope.map(Scope::name));
    kv("metric", r.metric.map(|m| m.to_string()));
    kv("protocol", r.protocol.clone());
    kv("tos", r.tos.map(|t| t.to_string()));
    kv("pref", r.pref.clone());
    kv("expires", r.expires.map(|t| t.to_string()));
    kv("vrf", r.vrf.clone());
    kv(
        "ttl-propagate",
        r.ttl_propagate.map(|t| {
            if t {
                "enabled".into()
            } else {
                "disabled".into()
            }
        }),
    );
    kv("track_group", r.track_group.clone());
    for m in &r.metrics {
        let lock = if m.lock { "lock " } else { "" };
        w.push(format!("{} {lock}{}", m.name, m.value));
    }
    if r.onlink {
        w.push("onlink".into());
    }
    if r.no_track {
        w.push("no_track".into());
    }
    if !r.encap.is_empty() {
        w.push(format!("encap {}", r.encap.join(" ")));
    }
    for nh in &r.nexthops {
        w.push("nexthop".into());
        if let Some(v) = nh.via {
            w.push(format!("via {v}"));
        }
        if let Some(d) = &nh.dev {
            w.push(format!("dev {d}"));
        }
        if let Some(x) = nh.weight {
            w.push(format!("weight {x}"));
        }
        if nh.onlink {
            w.push("onlink".into());
        }
        w.extend(nh.extra.iter().cloned());
    }
    w.join(" ")
}

/// Formats a rule spec as one line of words.
pub fn fmt_rule(r: &Rule) -> String {
    let mut w: Vec<String> = Vec::new();
    if r.family == RouteFamily::Inet6 && r.from.is_none() && r.to.is_none() {
        w.push("inet6".into());
    }
    if let Some(f) = r.from {
        w.push(format!("from {}/{}", f.0, f.1));
    }
    if let Some(t) = r.to {
        w.push(format!("to {}/{}", t.0, t.1));
    }
    for (k, v) in &r.options {
        w.push(k.clone());
        w.extend(v.clone());
    }
    if let Some(pref) = r.preference {
        w.push(format!("preference {pref}"));
    }
    if let Some((k, v)) = &r.action {
        w.push(k.clone());
        w.extend(v.clone());
    }
    if r.no_track {
        w.push("no_track".into());
    }
    if let Some(g) = &r.track_group {
        w.push(format!("track_group {g}"));
    }
    w.join(" ")
}

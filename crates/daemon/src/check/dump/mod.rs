//! `keepalived_check.data` (SIGUSR1): keepalived 2.2.7's checker process
//! writes its global definitions, the LVS topology (virtual and real
//! servers with their state) and the health checkers
//! (`check_data.c: dump_data_check`, `check_api.c: dump_checker`). This
//! module writes the same layout from the plan and the engine's snapshot;
//! what it cannot know (keepalived's `reloaded` flags, the previous
//! effective weight, a MISC_CHECK's last run) is listed in
//! docs/compat.md.

mod checkers;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ka_check::{RsSnapshot, Snapshot, VsSnapshot};
use ka_config::model::lvs::{
    Family, Forwarding, Granularity, RealServer, TunnelCsum, TunnelType,
    VirtualServer, VsKey, VsgEntry,
};
use ka_sys::script::ScriptSpec;

use super::plan::CheckPlan;
use crate::vrrp::dump::{cmd_str, global_defs};

/// [`default_path`] with `tag` in the name ([`crate::core::dump_names`]).
pub fn path(tag: Option<&str>) -> PathBuf {
    let name = crate::core::dump_names::file_name("keepalived_check.data", tag);
    default_path().with_file_name(name)
}

/// Where keepalived writes it: `$TMPDIR` (when a directory) or /tmp.
pub fn default_path() -> PathBuf {
    let dir = std::env::var_os("TMPDIR")
        .map(PathBuf::from)
        .filter(|d| d.is_dir())
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    dir.join("keepalived_check.data")
}

/// Writes the dump to `path` (private, never through a symlink).
pub fn write(
    snap: &Snapshot,
    plan: &CheckPlan,
    path: &Path,
) -> std::io::Result<()> {
    ka_sys::files::write_private(path, text(snap, plan).as_bytes())
}

/// The dump's text.
pub fn text(snap: &Snapshot, plan: &CheckPlan) -> String {
    let mut o = String::new();
    global_defs(&mut o, &plan.config.global);
    ssl(&mut o, plan);
    let lvs = &plan.config.lvs;
    if !lvs.virtual_servers.is_empty() {
        line(&mut o, "------< LVS Topology >------");
        // keepalived compat: the version of the kernel headers it was
        // built with (IP_VS_VERSION_CODE), the same on every kernel.
        line(&mut o, " System is compiled with LVS v1.2.1");
        for g in &lvs.groups {
            group(&mut o, g);
        }
        for (vi, vs) in lvs.virtual_servers.iter().enumerate() {
            let st = snap.virtual_servers.get(vi);
            virtual_server(&mut o, plan, vi, vs, st);
        }
    }
    checkers::section(&mut o, snap, plan);
    o
}

pub(super) fn line(o: &mut String, s: impl AsRef<str>) {
    o.push_str(s.as_ref());
    o.push('\n');
}

/// keepalived's `format_decimal(val, TIMER_HZ_DIGITS)`: seconds with six
/// decimals.
pub(super) fn decimal(d: Duration) -> String {
    format!("{}.{:06}", d.as_secs(), d.subsec_micros())
}

fn on_off(b: bool) -> &'static str {
    if b { "ON" } else { "OFF" }
}

fn ssl(o: &mut String, plan: &CheckPlan) {
    let Some(s) = &plan.config.lvs.ssl else {
        return;
    };
    line(o, "------< SSL definitions >------");
    if s.password.is_none()
        && s.ca.is_none()
        && s.certificate.is_none()
        && s.key.is_none()
    {
        line(o, " Using autogen SSL context");
        return;
    }
    for (what, v) in [
        ("Password", &s.password),
        ("CA-file", &s.ca),
        ("Certificate file", &s.certificate),
        ("Key file", &s.key),
    ] {
        if let Some(v) = v {
            line(o, format!(" {what} : {v}"));
        }
    }
}

fn group(o: &mut String, g: &ka_config::model::lvs::VirtualServerGroup) {
    let (mut v4, mut v6) = (false, false);
    for e in &g.entries {
        if let VsgEntry::Range { start, .. } = e {
            if start.is_ipv4() {
                v4 = true;
            } else {
                v6 = true;
            }
        }
    }
    let yes = |b: bool| if b { "yes" } else { "no" };
    line(o, " ------< Virtual server group >------");
    line(
        o,
        format!(
            " Virtual Server Group = {}, IPv4 = {}, IPv6 = {}",
            g.name,
            yes(v4),
            yes(v6)
        ),
    );
    for e in &g.entries {
        match e {
            VsgEntry::Range { start, end, port } => {
                if end == start {
                    line(o, format!("   VIP = {start}, VPORT = {port}"));
                } else {
                    line(
                        o,
                        format!("   VIP Range = {start}-{end}, VPORT = {port}"),
                    );
                }
                line(o, "     Alive: 0 tcp, 0 udp, 0 sctp");
            }
            VsgEntry::Fwmark { mark, family } => {
                let f = match family {
                    Some(Family::Inet) => " IPv4",
                    Some(Family::Inet6) => " IPv6",
                    None => "",
                };
                line(o, format!("   FWMARK = {mark}{f}"));
                line(o, "     Alive: 0 IPv4, 0 IPv6");
            }
        }
        line(o, "     reloaded = False");
    }
}

/// keepalived's `dump_forwarding_method`.
fn forwarding(o: &mut String, prefix: &str, f: Option<Forwarding>) {
    let m = "forwarding method = ";
    match f.unwrap_or(Forwarding::Nat) {
        Forwarding::Nat => line(o, format!("   {prefix}{m}NAT")),
        Forwarding::Dr => line(o, format!("   {prefix}{m}DR")),
        Forwarding::Tun(t) => {
            let csum = match t.csum {
                TunnelCsum::NoCsum => ", no checksum",
                TunnelCsum::Csum => ", checksum",
                TunnelCsum::RemCsum => ", remote checksum",
            };
            // keepalived compat: its GUE and GRE lines leave the prefix
            // out.
            match t.kind {
                TunnelType::Ipip => {
                    line(o, format!("   {prefix}{m}TUN, type = IPIP"));
                }
                TunnelType::Gue { port } => line(
                    o,
                    format!("   {m}TUN, type = GUE, port = {port}{csum}"),
                ),
                TunnelType::Gre => {
                    line(o, format!("   {m}TUN, type = GRE{csum}"));
                }
            }
        }
    }
}

fn script_line(o: &mut String, what: &str, s: Option<&ScriptSpec>) {
    if let Some(s) = s {
        line(
            o,
            format!(
                "{what} = {}, uid:gid {}:{}",
                cmd_str(&s.argv),
                s.uid.unwrap_or(0),
                s.gid.unwrap_or(0)
            ),
        );
    }
}

fn vs_head(o: &mut String, vs: &VirtualServer, name: &str) {
    line(o, " ------< Virtual server >------");
    match &vs.key {
        VsKey::Group(_) => line(o, format!(" VS GROUP = {name}")),
        VsKey::Fwmark(m) => line(o, format!(" VS FWMARK = {m}")),
        VsKey::Addr(a) => {
            line(o, format!(" VS VIP = {}, VPORT = {}", a.ip(), a.port()));
        }
    }
    if let Some(h) = &vs.virtualhost {
        line(o, format!("   VirtualHost = {h}"));
    }
    let family = match (&vs.key, vs.ip_family) {
        (VsKey::Addr(a), _) => Some(Family::of(a.ip())),
        (VsKey::Fwmark(_), f) => Some(f.unwrap_or(Family::Inet)),
        (VsKey::Group(_), f) => f,
    };
    line(
        o,
        match family {
            Some(Family::Inet) => "   Address family = inet",
            Some(Family::Inet6) => "   Address family = inet6",
            None => "   Address family = unknown",
        },
    );
    line(
        o,
        format!("   connection timeout = {}", decimal(vs.connect_timeout)),
    );
    line(o, format!("   delay_loop = {}", decimal(vs.delay_loop)));
}

fn vs_flags(o: &mut String, vs: &VirtualServer, sched: &str) {
    line(o, format!("   lvs_sched = {sched}"));
    line(o, "   Hashed = disabled");
    let f = &vs.flags;
    let ed = |b: bool| if b { "en" } else { "dis" };
    let pairs: [(&str, bool); 3] = match sched {
        "sh" => [
            ("sh-port", f.sh_port),
            ("sh-fallback", f.sh_fallback),
            ("", false),
        ],
        "mh" => [
            ("mh-port", f.mh_port),
            ("mh-fallback", f.mh_fallback),
            ("", false),
        ],
        _ => [
            ("flag-1", f.flag_1),
            ("flag-2", f.flag_2),
            ("flag-3", f.flag_3),
        ],
    };
    for (name, on) in pairs.iter().filter(|(n, _)| !n.is_empty()) {
        line(o, format!("   {name} = {}abled", ed(*on)));
    }
    let udp = matches!(vs.protocol, Some(ka_config::model::lvs::Protocol::Udp));
    let inactive = if f.ops && !udp {
        " (inactive due to not UDP)"
    } else {
        ""
    };
    line(
        o,
        format!("   One packet scheduling = {}abled{inactive}", ed(f.ops)),
    );
    if let Some(t) = vs.persistence_timeout.filter(|t| !t.is_zero()) {
        line(o, format!("   persistence timeout = {}", t.as_secs()));
    }
    match vs.persistence_granularity {
        Some(Granularity::V4(m)) => {
            line(o, format!("   persistence granularity = {m}"));
        }
        Some(Granularity::V6(n)) => {
            line(o, format!("   persistence granularity = {n}"));
        }
        None => {}
    }
    let proto = vs.protocol.map_or("none", |p| p.as_str());
    line(o, format!("   protocol = {proto}"));
}

fn virtual_server(
    o: &mut String,
    plan: &CheckPlan,
    vi: usize,
    vs: &VirtualServer,
    st: Option<&VsSnapshot>,
) {
    let ecfg = plan.engine.virtual_servers.get(vi);
    let name = ecfg.map(|v| v.name.as_str()).unwrap_or_default();
    vs_head(o, vs, name);
    let sched = ecfg
        .and_then(|v| v.services.first())
        .map_or("wlc", |s| s.scheduler.as_str());
    vs_flags(o, vs, sched);
    line(o, format!("   alpha is {}", on_off(vs.alpha)));
    line(o, format!("   omega is {}", on_off(vs.omega)));
    timers(o, vs.retry, vs.delay_before_retry, vs.warmup);
    line(
        o,
        format!("   Inhibit on failure is {}", on_off(vs.inhibit_on_failure)),
    );
    line(
        o,
        format!("   quorum = {}, hysteresis = {}", vs.quorum, vs.hysteresis),
    );
    let hooks = plan.vs_hooks.get(vi);
    script_line(
        o,
        "   Quorum up notify script",
        hooks.and_then(|h| h.up.as_ref()),
    );
    script_line(
        o,
        "   Quorum down notify script",
        hooks.and_then(|h| h.down.as_ref()),
    );
    if vs.ha_suspend {
        line(o, "   Using HA suspend");
    }
    let smtp = ecfg.is_some_and(|v| v.smtp_alert);
    line(o, format!("   Using smtp notification = {}", yes_no(smtp)));
    forwarding(o, "default ", vs.forwarding);
    if let Some(ss) = &vs.sorry_server {
        let dup = vs.real_servers.iter().any(|r| r.addr == ss.addr);
        let dup = if dup { "(duplicates rs) " } else { "" };
        let rs = super::plan::fmt_rs(vs, ss.addr);
        line(o, format!("   sorry server {dup}= {rs}"));
        forwarding(o, "  ", ss.forwarding.or(vs.forwarding));
        line(
            o,
            format!("     Inhibit on failure is {}", on_off(ss.inhibit)),
        );
    }
    let flag = |b: bool| u8::from(b);
    line(
        o,
        format!("   alive = {}", flag(st.is_some_and(|s| s.in_table))),
    );
    line(
        o,
        format!(
            "   quorum_state_up = {}",
            flag(st.is_some_and(|s| s.quorum_up))
        ),
    );
    line(o, "   reloaded = 0");
    for (ri, rs) in vs.real_servers.iter().enumerate() {
        let rst = st.and_then(|s| s.real_servers.get(ri));
        real_server(o, plan, (vi, ri), vs, rs, rst);
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The optional timer lines of a virtual or real server.
fn timers(
    o: &mut String,
    retry: Option<u32>,
    delay_before_retry: Option<Duration>,
    warmup: Option<Duration>,
) {
    if let Some(r) = retry {
        line(o, format!("   Retry count = {r}"));
    }
    if let Some(d) = delay_before_retry {
        line(o, format!("   Retry delay = {}", decimal(d)));
    }
    if let Some(w) = warmup {
        line(o, format!("   Warmup = {}", decimal(w)));
    }
}

fn rip(a: SocketAddr) -> String {
    format!("   RIP = {}, RPORT = {}", a.ip(), a.port())
}

fn real_server(
    o: &mut String,
    plan: &CheckPlan,
    at: (usize, usize),
    vs: &VirtualServer,
    rs: &RealServer,
    st: Option<&RsSnapshot>,
) {
    let (vi, ri) = at;
    let ecfg = plan
        .engine
        .virtual_servers
        .get(vi)
        .and_then(|v| v.real_servers.get(ri));
    let iweight = rs.weight.unwrap_or(vs.weight);
    let eff = st.map_or(i64::from(iweight), |s| s.effective_weight);
    let weight = st.map_or(iweight, |s| s.weight);
    line(o, "   ------< Real server >------");
    line(
        o,
        format!("{}, WEIGHT = {weight} EFF WEIGHT = {eff}", rip(rs.addr)),
    );
    forwarding(o, "", rs.forwarding.or(vs.forwarding));
    line(
        o,
        format!("   Alpha is {}", on_off(rs.alpha.unwrap_or(vs.alpha))),
    );
    let timeout = rs.connect_timeout.unwrap_or(vs.connect_timeout);
    line(o, format!("   connection timeout = {}", decimal(timeout)));
    line(
        o,
        format!(
            "   connection limit range = {} -> {}",
            rs.lthreshold, rs.uthreshold
        ),
    );
    let delay_loop = rs.delay_loop.unwrap_or(vs.delay_loop);
    line(o, format!("   Delay loop = {}", decimal(delay_loop)));
    timers(o, rs.retry, rs.delay_before_retry, rs.warmup);
    let inhibit = ecfg.is_some_and(|r| r.inhibit_on_failure);
    line(o, format!("   Inhibit on failure is {}", on_off(inhibit)));
    let id = ka_check::RsId {
        vs: u32::try_from(vi).unwrap_or(u32::MAX),
        rs: u32::try_from(ri).unwrap_or(u32::MAX),
    };
    let hooks = plan.rs_hooks.get(&id);
    script_line(
        o,
        "     RS up notify script",
        hooks.and_then(|h| h.up.as_ref()),
    );
    script_line(
        o,
        "     RS down notify script",
        hooks.and_then(|h| h.down.as_ref()),
    );
    if let Some(h) = &rs.virtualhost {
        line(o, format!("    VirtualHost = '{h}'"));
    }
    let smtp = ecfg.is_some_and(|r| r.smtp_alert);
    line(o, format!("   Using smtp notification = {}", yes_no(smtp)));
    line(o, format!("   initial weight = {iweight}"));
    line(o, format!("   effective weight = {eff}"));
    line(o, "   previous effective_weight = 0");
    let alive = st.is_some_and(|s| s.alive);
    line(o, format!("   alive = {}", u8::from(alive)));
    let failed = st.map_or(0, |s| s.checkers.iter().filter(|c| !c.0).count());
    line(o, format!("   num failed checkers = {failed}"));
    let set = st.is_some_and(|s| s.in_table);
    line(o, format!("   RS set = {}", u8::from(set)));
    line(o, "   reloaded = 0");
}

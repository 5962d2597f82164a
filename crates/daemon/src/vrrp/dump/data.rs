//! `keepalived.data` (SIGUSR1) in keepalived 2.2.7's layout
//! (`dump_data_vrrp`): global definitions, static addresses, routes and
//! rules, the VRRP topology, the socket pool, sync groups, scripts, track
//! files, track processes and the interfaces.

use std::net::IpAddr;

use ka_vrrp::{Auth, TrackKind};

use super::instance::{self, tracked_blocks};
use super::route::{rule as rule_text, static_route};
use super::view::{Inst, View, address_text, cmd_str, script_ids, state_word};
use super::{globals, ifaces};

/// The whole `keepalived.data`.
pub fn text(v: &View<'_>) -> String {
    let mut o = String::new();
    globals::section(&mut o, v);
    statics(&mut o, v);
    let insts = v.instances();
    if !insts.is_empty() {
        o.push_str("------< VRRP Topology >------\n");
        for i in &insts {
            instance::block(&mut o, v, i);
        }
        sockpool(&mut o, &insts);
    }
    groups(&mut o, v);
    scripts(&mut o, v, &insts);
    files(&mut o, v, &insts);
    processes(&mut o, v, &insts);
    ifaces::section(&mut o, v, v.ifaces);
    o
}

fn line(o: &mut String, s: impl AsRef<str>) {
    o.push_str(s.as_ref());
    o.push('\n');
}

fn statics(o: &mut String, v: &View<'_>) {
    let vr = &v.plan.config.vrrp;
    if !vr.static_addresses.is_empty() {
        line(o, "------< Static Addresses >------");
        for a in &vr.static_addresses {
            let d = v
                .plan
                .statics
                .addresses
                .iter()
                .find(|(addr, _)| *addr == a.addr);
            let text = address_text(a.addr, d.map(|(_, d)| d), true);
            line(o, format!("     {text}"));
        }
    }
    if !vr.static_routes.is_empty() {
        line(o, "------< Static Routes >------");
        vr.static_routes
            .iter()
            .for_each(|r| line(o, format!("     {}", static_route(r))));
    }
    if !vr.static_rules.is_empty() {
        line(o, "------< Static Rules >------");
        vr.static_rules
            .iter()
            .for_each(|r| line(o, format!("     {}", rule_text(r))));
    }
}

/// keepalived's socket pool: one entry per (interface, family, protocol,
/// unicast source), in the order instances first need them.
fn sockpool(o: &mut String, insts: &[Inst<'_>]) {
    type Key<'k> = (Option<&'k str>, bool, bool, Option<IpAddr>);
    let mut pool: Vec<(Key<'_>, Vec<&Inst<'_>>)> = Vec::new();
    for i in insts {
        let c = i.c;
        let src = if c.is_unicast() { i.s.src_addr } else { None };
        let key = (
            c.interface.as_deref(),
            c.is_ipv6(),
            matches!(c.auth, Auth::Ah(_)),
            src,
        );
        match pool.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(i),
            None => pool.push((key, vec![i])),
        }
    }
    if pool.is_empty() {
        return;
    }
    line(o, "------< VRRP Sockpool >------");
    for ((ifname, v6, ah, src), mut members) in pool {
        line(o, " fd_in -1 fd_out = -1");
        line(o, format!("   Interface = {}", ifname.unwrap_or("(null)")));
        line(
            o,
            format!("   Family = {}", if v6 { "IPv6" } else { "IPv4" }),
        );
        line(
            o,
            format!("   Protocol = {}", if ah { "AH" } else { "VRRP" }),
        );
        line(
            o,
            format!(
                "   Type = {}",
                if src.is_some() {
                    "Unicast"
                } else {
                    "Multicast"
                }
            ),
        );
        if let Some(a) = src {
            line(o, format!("   Address = {a}"));
        }
        line(o, "   Rx buf size = 0");
        line(o, "   VRRP instances");
        members.sort_by_key(|i| i.s.vrid);
        for i in members {
            line(o, format!("     {} vrid {}", i.s.name, i.s.vrid));
        }
    }
}

fn groups(o: &mut String, v: &View<'_>) {
    if v.snap.groups.is_empty() {
        return;
    }
    line(o, "------< VRRP Sync groups >------");
    for g in &v.snap.groups {
        line(
            o,
            format!(" VRRP Sync Group = {}, {}", g.name, state_word(g.state)),
        );
        let members: Vec<_> = v
            .snap
            .instances
            .iter()
            .filter(|i| g.members.contains(&i.name))
            .collect();
        let fault = members
            .iter()
            .filter(|i| i.state == ka_vrrp::State::Fault)
            .count();
        let init = members
            .iter()
            .filter(|i| i.state == ka_vrrp::State::Init)
            .count();
        line(
            o,
            format!("   Num member fault {fault}, num member init {init}"),
        );
        if !g.members.is_empty() {
            line(o, "   VRRP member instances :");
            g.members.iter().for_each(|m| line(o, format!("     {m}")));
        }
        let cfg = v.plan.engine.sync_groups.iter().find(|c| c.name == g.name);
        let model = v
            .plan
            .config
            .vrrp
            .sync_groups
            .iter()
            .find(|m| m.name == g.name);
        if cfg.is_some_and(|c| c.tracking_weight) {
            line(o, "   sync group tracking weight set");
        }
        let smtp = model.and_then(|m| m.smtp_alert).unwrap_or(false);
        line(
            o,
            format!(
                "   Using smtp notification = {}",
                if smtp { "yes" } else { "no" }
            ),
        );
        if let Some(n) = model.and_then(|m| m.notify_priority_changes) {
            line(
                o,
                format!(
                    "   Notify priority changes = {}",
                    if n { "yes" } else { "no" }
                ),
            );
        }
        if let Some(c) = cfg {
            tracked_blocks(
                &mut |s| line(o, s),
                &c.track,
                "   Tracked process :",
            );
        }
        if let Some(h) = v.plan.hooks.get(&(true, g.name.clone())) {
            for (what, spec) in [
                ("Backup", &h.backup),
                ("Master", &h.master),
                ("Fault", &h.fault),
                ("Stop", &h.stop),
                ("Generic", &h.generic),
            ] {
                if let Some(spec) = spec {
                    let (u, gid) = script_ids(spec);
                    line(
                        o,
                        format!(
                            "   {what} state transition script = {}, uid:gid {u}:{gid}",
                            cmd_str(&spec.argv)
                        ),
                    );
                }
            }
        }
    }
}

/// `     NAME, weight W` for every instance tracking `kind`, with the
/// weight the instance gives it.
fn tracking_instances(insts: &[Inst<'_>], kind: &TrackKind) -> Vec<String> {
    insts
        .iter()
        .filter_map(|i| {
            let t = i.c.track.iter().find(|t| &t.kind == kind)?;
            let rev = if t.reverse { " reverse" } else { "" };
            Some(format!("     {}, weight {}{rev}", i.s.name, t.weight))
        })
        .collect()
}

fn tracking_block(o: &mut String, lines: Vec<String>) {
    if !lines.is_empty() {
        line(o, "   Tracking instances :");
        lines.into_iter().for_each(|l| line(o, l));
    }
}

fn scripts(o: &mut String, v: &View<'_>, insts: &[Inst<'_>]) {
    let runners = &v.plan.scripts;
    if runners.is_empty() {
        return;
    }
    line(o, "------< VRRP Scripts >------");
    for r in runners {
        let m = v.plan.config.vrrp.scripts.iter().find(|s| s.name == r.name);
        let st = v.snap.scripts.iter().find(|s| s.name == r.name);
        line(o, format!(" VRRP Script = {}", r.name));
        line(o, format!("   Command = {}", cmd_str(&r.spec.argv)));
        line(o, format!("   Interval = {} sec", r.interval.as_secs()));
        // keepalived compat: an unset timeout shows as 0 (it then uses
        // the interval).
        let timeout = m.and_then(|m| m.timeout).unwrap_or_default();
        line(o, format!("   Timeout = {} sec", timeout.as_secs()));
        let (weight, rev) = m.map_or((0, false), |m| (m.weight, m.reverse));
        let rev = if rev { " reverse" } else { "" };
        line(o, format!("   Weight = {weight}{rev}"));
        let (rise, fall, result) =
            st.map_or((1, 1, 0), |s| (s.rise, s.fall, s.result));
        line(o, format!("   Rise = {rise}"));
        line(o, format!("   Fall = {fall}"));
        line(o, format!("   Result = {result}"));
        line(o, "   Insecure = no");
        let init = match st {
            Some(s) if s.init => "INIT",
            _ => "unknown",
        };
        line(o, format!("   Init state = {init}"));
        let good = if result >= rise { "GOOD" } else { "BAD" };
        line(o, format!("   Status = {good}"));
        let (u, g) = script_ids(&r.spec);
        line(o, format!("   Script uid:gid = {u}:{g}"));
        line(o, "   VRRP instances :");
        tracking_block(
            o,
            tracking_instances(insts, &TrackKind::Script(r.name.clone())),
        );
        line(o, "   State = idle");
    }
}

fn files(o: &mut String, v: &View<'_>, insts: &[Inst<'_>]) {
    if v.plan.files.is_empty() {
        return;
    }
    line(o, "------< VRRP Track files >------");
    for f in &v.plan.files {
        let m = v
            .plan
            .config
            .vrrp
            .track_files
            .iter()
            .find(|m| m.name == f.name);
        let value = v
            .snap
            .files
            .iter()
            .find(|(n, _)| n == &f.name)
            .map_or(0, |(_, v)| *v);
        line(o, format!(" Track file = {}", f.name));
        line(o, format!("   File = {}", f.path));
        line(o, format!("   Status = {value}"));
        let (weight, rev) = m.map_or((1, false), |m| (m.weight, m.reverse));
        line(
            o,
            format!(
                "   Weight = {weight}{}",
                if rev { " reverse" } else { "" }
            ),
        );
        tracking_block(
            o,
            tracking_instances(insts, &TrackKind::File(f.name.clone())),
        );
    }
}

fn processes(o: &mut String, v: &View<'_>, insts: &[Inst<'_>]) {
    if v.plan.processes.is_empty() {
        return;
    }
    line(o, "------< VRRP Track processes >------");
    for p in &v.plan.processes {
        let m = v
            .plan
            .config
            .vrrp
            .track_processes
            .iter()
            .find(|m| m.name == p.name);
        let st = v.snap.processes.iter().find(|s| s.name == p.name);
        line(o, format!(" VRRP Track process = {}", p.name));
        line(o, format!("   Process = {}", p.process));
        if !p.params.is_empty() {
            line(o, format!("   Parameters = {}", p.params.join(" ")));
        }
        if let Some(pm) = p.param_match {
            use ka_config::model::vrrp::ParamMatch;
            let how = match pm {
                ParamMatch::Exact => "",
                ParamMatch::Partial => " = partial",
                ParamMatch::Initial => " = initial",
            };
            line(o, format!("   Param match{how}"));
        }
        line(
            o,
            format!("   Min processes = {}", m.map_or(1, |m| m.quorum)),
        );
        if let Some(max) = m.and_then(|m| m.quorum_max) {
            line(o, format!("   Max processes = {max}"));
        }
        line(
            o,
            format!("   Current processes = {}", st.map_or(0, |s| s.count)),
        );
        line(
            o,
            format!("   Have quorum = {}", st.is_some_and(|s| s.have_quorum)),
        );
        let (weight, rev) = m.map_or((0, false), |m| (m.weight, m.reverse));
        line(
            o,
            format!(
                "   Weight = {weight}{}",
                if rev { " reverse" } else { "" }
            ),
        );
        line(
            o,
            format!(
                "   Terminate delay = {:.6}s",
                p.terminate_delay.as_secs_f64()
            ),
        );
        line(
            o,
            format!("   Fork delay = {:.6}s", p.fork_delay.as_secs_f64()),
        );
        line(o, "   Fork delay timer not running");
        line(o, "   Terminate delay timer not running");
        line(o, format!("   Full command = {}", p.full_command));
        tracking_block(
            o,
            tracking_instances(insts, &TrackKind::Process(p.name.clone())),
        );
    }
}

//! Validation of virtual servers, real servers and checkers: keepalived
//! 2.2.7's `link_vsg_to_vs()` (ipwrapper.c) and `validate_check_config()`
//! (check_data.c), with the same fallbacks.
//!
//! Every `report_config_error()` there is an error here (keepalived `-t`
//! exits 5 on them, even on those worded "Warning"); `log_message()` is a
//! warning. The model carries no spans, so these diagnostics name the
//! virtual server the way keepalived does (`[192.0.2.1]:tcp:80`).

use std::net::SocketAddr;

use crate::diag::Diagnostics;
use crate::host::Host;
use crate::model::Config;
use crate::model::lvs::{
    Checker, CheckerKind, DEFAULT_PERSISTENCE_TIMEOUT, Family, Forwarding,
    Protocol, RealServer, Scheduler, Script, VirtualServer, VirtualServerGroup,
    VsKey, VsgEntry,
};

/// Checks the load-balancing part of `config`.
pub fn validate(config: &mut Config, host: &dyn Host, diags: &mut Diagnostics) {
    let lvs = &mut config.lvs;
    let groups = lvs.groups.clone();
    lvs.virtual_servers
        .retain(|vs| link_group(vs, &groups, diags));
    lvs.virtual_servers.retain_mut(|vs| {
        let group = match &vs.key {
            VsKey::Group(name) => groups.iter().find(|g| &g.name == name),
            _ => None,
        };
        validate_vs(vs, group, host, diags)
    });
    cross_references(config, diags);
    // Script security for these scripts is checked with the VRRP ones in
    // `validate::security`.
}

/// BFD_CHECK names must be `bfd_instance`s and FILE_CHECK names
/// `track_file`s; keepalived drops the checker otherwise. An unset
/// FILE_CHECK weight takes the track_file's (`file_end_handler`).
///
/// keepalived resolves these while parsing, so a definition placed after
/// its use is also "not configured" there; the model has no spans, so
/// that ordering is not checked here. TODO(lead): check order via spans.
fn cross_references(config: &mut Config, diags: &mut Diagnostics) {
    let bfds: Vec<String> = config
        .bfd
        .instances
        .iter()
        .map(|b| b.name.clone())
        .collect();
    let files = config.vrrp.track_files.clone();
    for vs in &mut config.lvs.virtual_servers {
        for rs in &mut vs.real_servers {
            let addr = rs.addr;
            rs.checkers.retain_mut(|c| match &mut c.kind {
                CheckerKind::Bfd(b) => {
                    let ok = bfds.contains(&b.name);
                    if !ok {
                        diags.error(
                            None,
                            format!(
                                "({addr}) BFD_CHECK - BFD {} not configured",
                                b.name
                            ),
                        );
                    }
                    ok
                }
                CheckerKind::File(f) => {
                    let Some(tf) =
                        files.iter().find(|t| t.name == f.track_file)
                    else {
                        diags.error(
                            None,
                            format!("track_file {} not found", f.track_file),
                        );
                        return false;
                    };
                    if f.weight.is_none() {
                        f.weight = Some(tf.weight);
                        f.reverse = tf.reverse;
                    }
                    true
                }
                _ => true,
            });
        }
    }
}

/// Every script the checker process would run: quorum and notify
/// scripts and MISC_CHECK paths (`check_check_script_security`).
pub fn scripts(lvs: &crate::model::lvs::LvsSection) -> Vec<&str> {
    let mut out = Vec::new();
    fn cmd(s: &Option<Script>) -> Option<&str> {
        s.as_ref().map(|s| s.command.as_str())
    }
    for vs in &lvs.virtual_servers {
        out.extend(cmd(&vs.quorum_up));
        out.extend(cmd(&vs.quorum_down));
        for rs in &vs.real_servers {
            out.extend(cmd(&rs.notify_up));
            out.extend(cmd(&rs.notify_down));
            for c in &rs.checkers {
                if let CheckerKind::Misc(m) = &c.kind {
                    out.push(m.path.as_str());
                }
            }
        }
    }
    out
}

/// keepalived's `FMT_VS`.
fn fmt_vs(vs: &VirtualServer) -> String {
    let proto = match vs.protocol {
        Some(p) => p.as_str().to_ascii_lowercase(),
        None => "none".into(),
    };
    match &vs.key {
        VsKey::Addr(sa) => format!("[{}]:{proto}:{}", sa.ip(), sa.port()),
        k => k.to_string(),
    }
}

fn group_families(g: &VirtualServerGroup) -> (bool, bool, bool) {
    let (mut v4, mut v6, mut nofam) = (false, false, false);
    for e in &g.entries {
        let f = match e {
            VsgEntry::Range { start, .. } => Some(Family::of(*start)),
            VsgEntry::Fwmark { family, .. } => *family,
        };
        match f {
            Some(Family::Inet) => v4 = true,
            Some(Family::Inet6) => v6 = true,
            None => nofam = true,
        }
    }
    (v4, v6, nofam)
}

/// The family keepalived has settled on for a virtual server after
/// parsing (`vs->af`): `ip_family`, the address, or the first real or
/// sorry server that is not tunnelled.
fn vs_family(vs: &VirtualServer) -> Option<Family> {
    if let Some(f) = vs.ip_family {
        return Some(f);
    }
    if let VsKey::Addr(sa) = vs.key {
        return Some(Family::of(sa.ip()));
    }
    let not_tun =
        |f: &Option<Forwarding>| !matches!(f, Some(Forwarding::Tun(_)));
    vs.real_servers
        .iter()
        .find(|rs| not_tun(&rs.forwarding))
        .map(|rs| Family::of(rs.addr.ip()))
        .or_else(|| {
            vs.sorry_server
                .as_ref()
                .filter(|ss| not_tun(&ss.forwarding))
                .map(|ss| Family::of(ss.addr.ip()))
        })
}

/// `link_vsg_to_vs`: drops (with a log line only) a virtual server whose
/// group is missing or of another family.
fn link_group(
    vs: &VirtualServer,
    groups: &[VirtualServerGroup],
    diags: &mut Diagnostics,
) -> bool {
    let VsKey::Group(name) = &vs.key else {
        return true;
    };
    let Some(g) = groups.iter().find(|g| &g.name == name) else {
        diags.warning(None, format!("virtual server group {name} specified but not configured - ignoring virtual server {}", fmt_vs(vs)));
        return false;
    };
    let (v4, v6, _) = group_families(g);
    let af = vs_family(vs);
    let mismatch = match af {
        None => false,
        Some(_) if v4 && v6 => true,
        Some(Family::Inet) => v6,
        Some(Family::Inet6) => v4,
    };
    if mismatch {
        diags.warning(None, format!("{name}: address family doesn't match virtual server {} - ignoring", fmt_vs(vs)));
        return false;
    }
    true
}

fn validate_vs(
    vs: &mut VirtualServer,
    group: Option<&VirtualServerGroup>,
    host: &dyn Host,
    diags: &mut Diagnostics,
) -> bool {
    if vs.real_servers.is_empty() {
        diags.error(
            None,
            format!(
                "virtual server {} has no real servers - ignoring",
                fmt_vs(vs)
            ),
        );
        return false;
    }
    let has_fwmark = |g: &VirtualServerGroup| {
        g.entries
            .iter()
            .any(|e| matches!(e, VsgEntry::Fwmark { .. }))
    };
    let has_ranges = |g: &VirtualServerGroup| {
        g.entries
            .iter()
            .any(|e| matches!(e, VsgEntry::Range { .. }))
    };
    let is_fwmark = matches!(vs.key, VsKey::Fwmark(_));
    if vs.ha_suspend && (is_fwmark || group.is_some_and(has_fwmark)) {
        diags.error(None, format!("virtual server {}: cannot use ha_suspend with fwmarks - clearing ha_suspend", fmt_vs(vs)));
        vs.ha_suspend = false;
    }
    let by_addr =
        matches!(vs.key, VsKey::Addr(_)) || group.is_some_and(has_ranges);
    if by_addr {
        address_service_rules(vs, group, diags);
    }
    if let Some(g) = group {
        let zero_port = g
            .entries
            .iter()
            .any(|e| matches!(e, VsgEntry::Range { port: 0, .. }));
        if vs.persistence_timeout.is_none() && zero_port {
            diags.error(None, format!("virtual server {}: zero port only valid for persistent services - setting", fmt_vs(vs)));
            vs.persistence_timeout = Some(DEFAULT_PERSISTENCE_TIMEOUT);
        }
    }
    if vs.protocol.is_some() && !by_addr {
        diags.error(None, format!("Warning: virtual server {}: protocol specified for fwmark - protocol will be ignored", fmt_vs(vs)));
        vs.protocol = None;
    }
    if vs.scheduler.is_none() {
        diags.error(
            None,
            format!(
                "virtual server {}: no scheduler set, setting default 'wlc'",
                fmt_vs(vs)
            ),
        );
        vs.scheduler = Some(Scheduler::Wlc);
    }
    let weight_sum = inherit_rs(vs, diags);
    quorum_rules(vs, weight_sum, diags);
    match group {
        Some(g) => group_port_rules(vs, g, diags),
        None => port_rules(vs, diags),
    }
    for rs in &mut vs.real_servers {
        rs.checkers.retain(|c| misc_user_ok(c, host, diags));
        let d = rs_defaults(rs);
        for c in &mut rs.checkers {
            inherit_checker(c, d);
        }
    }
    true
}

fn address_service_rules(
    vs: &mut VirtualServer,
    group: Option<&VirtualServerGroup>,
    diags: &mut Diagnostics,
) {
    if vs.protocol.is_none() {
        // The kernel treats protocol 0 as UDP, so keepalived sets it.
        diags.error(
            None,
            format!(
                "virtual server {}: no protocol set - defaulting to UDP",
                fmt_vs(vs)
            ),
        );
        vs.protocol = Some(Protocol::Udp);
    }
    if vs.flags.ops && vs.protocol != Some(Protocol::Udp) {
        diags.error(None, format!("virtual server {}: one packet scheduling requires UDP - resetting", fmt_vs(vs)));
        vs.flags.ops = false;
    }
    let zero_port = matches!(vs.key, VsKey::Addr(sa) if sa.port() == 0);
    if vs.persistence_timeout.is_none() && group.is_none() && zero_port {
        diags.error(None, format!("virtual server {}: zero port only valid for persistent services - setting", fmt_vs(vs)));
        vs.persistence_timeout = Some(DEFAULT_PERSISTENCE_TIMEOUT);
    }
}

/// The default-forwarding fallback: keepalived sets the VS method to NAT
/// (with an error) the first time a server needs it.
fn default_forwarding(
    vs_fwd: &mut Option<Forwarding>,
    name: &str,
    diags: &mut Diagnostics,
) -> Forwarding {
    *vs_fwd.get_or_insert_with(|| {
        diags.error(None, format!("virtual server {name}: no forwarding method set, setting default NAT"));
        Forwarding::Nat
    })
}

/// Removes duplicate real servers and fills what they inherit from the
/// virtual server; returns the total weight.
fn inherit_rs(vs: &mut VirtualServer, diags: &mut Diagnostics) -> u64 {
    let name = fmt_vs(vs);
    let mut seen: Vec<SocketAddr> = Vec::new();
    let mut weight_sum = 0u64;
    let mut rss = std::mem::take(&mut vs.real_servers);
    rss.retain(|rs| {
        let dup = seen.contains(&rs.addr);
        if dup {
            diags.error(None, format!("VS {name}: real server {} is duplicated - removing second rs", rs.addr));
        }
        seen.push(rs.addr);
        !dup
    });
    for rs in &mut rss {
        if rs.forwarding.is_none() {
            rs.forwarding =
                Some(default_forwarding(&mut vs.forwarding, &name, diags));
        }
        rs.alpha.get_or_insert(vs.alpha);
        rs.inhibit_on_failure.get_or_insert(vs.inhibit_on_failure);
        rs.retry = rs.retry.or(vs.retry);
        rs.connect_timeout.get_or_insert(vs.connect_timeout);
        rs.delay_loop.get_or_insert(vs.delay_loop);
        rs.warmup = rs.warmup.or(vs.warmup);
        rs.delay_before_retry = rs.delay_before_retry.or(vs.delay_before_retry);
        let w = *rs.weight.get_or_insert(vs.weight);
        weight_sum += u64::from(w);
        if let Some(ss) = &mut vs.sorry_server {
            let inhibit = rs.inhibit_on_failure == Some(true);
            if ss.addr == rs.addr && ss.inhibit != inhibit {
                let verb = if inhibit { "setting" } else { "clearing" };
                diags.error(None, format!("virtual server {name}: real server {} matches sorry server, but inhibit setting differs, {verb} on sorry server", rs.addr));
                ss.inhibit = inhibit;
            }
        }
    }
    vs.real_servers = rss;
    if vs
        .sorry_server
        .as_ref()
        .is_some_and(|ss| ss.forwarding.is_none())
    {
        let f = default_forwarding(&mut vs.forwarding, &name, diags);
        if let Some(ss) = &mut vs.sorry_server {
            ss.forwarding = Some(f);
        }
    }
    weight_sum
}

fn quorum_rules(
    vs: &mut VirtualServer,
    weight_sum: u64,
    diags: &mut Diagnostics,
) {
    if u64::from(vs.quorum) > weight_sum {
        let sum = weight_sum as u32;
        diags.error(None, format!("Warning - quorum {} for {} exceeds total weight of real servers {sum}, reducing quorum to {sum}", vs.quorum, fmt_vs(vs)));
        vs.quorum = sum;
    }
    if vs.hysteresis >= vs.quorum {
        // keepalived compat: with a quorum of 0 (all weights 0) the
        // unsigned `quorum - 1` wraps to UINT_MAX.
        let h = vs.quorum.wrapping_sub(1);
        diags.error(None, format!("virtual server {}: hysteresis {} >= quorum {}; setting hysteresis to {h}", fmt_vs(vs), vs.hysteresis, vs.quorum));
        vs.hysteresis = h;
    }
}

/// Port rules for a virtual server without a group: NAT servers without
/// a port take the VS port; other methods must use the VS port (or none
/// with fwmark), and are corrected with an error.
fn port_rules(vs: &mut VirtualServer, diags: &mut Diagnostics) {
    let name = fmt_vs(vs);
    let (fwmark, vport) = match vs.key {
        VsKey::Addr(sa) => (false, sa.port()),
        _ => (true, 0),
    };
    for rs in &mut vs.real_servers {
        let nat = rs.forwarding == Some(Forwarding::Nat);
        let what = format!("real server {}", rs.addr);
        fix_port(&mut rs.addr, nat, fwmark, vport, &what, &name, diags);
    }
    if let Some(ss) = &mut vs.sorry_server {
        let nat = ss.forwarding == Some(Forwarding::Nat);
        if !nat {
            fix_port(
                &mut ss.addr,
                false,
                fwmark,
                vport,
                "sorry server",
                &name,
                diags,
            );
        }
    }
}

fn fix_port(
    addr: &mut SocketAddr,
    nat: bool,
    fwmark: bool,
    vport: u16,
    what: &str,
    vs: &str,
    diags: &mut Diagnostics,
) {
    let port = addr.port();
    if nat {
        if !fwmark && port == 0 {
            addr.set_port(vport);
        }
    } else if fwmark {
        if port != 0 {
            diags.error(None, format!("WARNING - fwmark virtual server {vs}, {what} has port specified - clearing"));
            addr.set_port(0);
        }
    } else if port == 0 {
        addr.set_port(vport);
    } else if port != vport {
        diags.error(None, format!("WARNING - virtual server {vs} and {what} ports don't match - resetting"));
        addr.set_port(vport);
    }
}

/// Port rules for a group: reported only, nothing is changed.
fn group_port_rules(
    vs: &VirtualServer,
    g: &VirtualServerGroup,
    diags: &mut Diagnostics,
) {
    let name = fmt_vs(vs);
    let non_nat = |f: &Option<Forwarding>| *f != Some(Forwarding::Nat);
    let mut servers: Vec<(SocketAddr, String)> = vs
        .real_servers
        .iter()
        .filter(|rs| non_nat(&rs.forwarding))
        .map(|rs| (rs.addr, format!("real server {}", rs.addr)))
        .collect();
    if let Some(ss) = vs
        .sorry_server
        .as_ref()
        .filter(|ss| non_nat(&ss.forwarding))
    {
        servers.push((ss.addr, "sorry server".into()));
    }
    let has_fwmark = g
        .entries
        .iter()
        .any(|e| matches!(e, VsgEntry::Fwmark { .. }));
    for (addr, what) in &servers {
        if has_fwmark && addr.port() != 0 {
            diags.error(None, format!("WARNING - fwmark virtual server {name}, {what} has port specified - port will be ignored"));
        }
    }
    for e in &g.entries {
        let VsgEntry::Range { port, .. } = e else {
            continue;
        };
        for (addr, what) in &servers {
            if addr.port() != 0 && addr.port() != *port {
                diags.error(None, format!("virtual server {name}: {what} port {} doesn't match group port {port}", addr.port()));
            }
        }
    }
}

/// What a checker inherits from its real server (after the real server
/// inherited from its virtual server).
#[derive(Clone, Copy)]
struct RsDefaults {
    alpha: Option<bool>,
    retry: Option<u32>,
    connect_timeout: Option<std::time::Duration>,
    delay_loop: Option<std::time::Duration>,
    warmup: Option<std::time::Duration>,
    delay_before_retry: Option<std::time::Duration>,
}

fn rs_defaults(rs: &RealServer) -> RsDefaults {
    RsDefaults {
        alpha: rs.alpha,
        retry: rs.retry,
        connect_timeout: rs.connect_timeout,
        delay_loop: rs.delay_loop,
        warmup: rs.warmup,
        delay_before_retry: rs.delay_before_retry,
    }
}

/// The checker part of `validate_check_config`. BFD_CHECK has no launch
/// function there, so it only inherits `alpha`; FILE_CHECK is a tracked
/// file, not a checker, and inherits nothing.
fn inherit_checker(c: &mut Checker, d: RsDefaults) {
    match c.kind {
        CheckerKind::File(_) => return,
        CheckerKind::Bfd(_) => {
            c.common.alpha = c.common.alpha.or(d.alpha);
            return;
        }
        _ => {}
    }
    let default_retry = c.kind.default_retry();
    let default_dbr = c.kind.default_delay_before_retry();
    let cm = &mut c.common;
    cm.alpha = cm.alpha.or(d.alpha);
    cm.retry.get_or_insert(d.retry.unwrap_or(default_retry));
    if let Some(co) = &mut c.conn {
        co.connect_timeout = co.connect_timeout.or(d.connect_timeout);
    }
    if let CheckerKind::Smtp(s) = &mut c.kind {
        for h in &mut s.hosts {
            h.connect_timeout = h.connect_timeout.or(d.connect_timeout);
        }
    }
    cm.delay_loop = cm.delay_loop.or(d.delay_loop);
    cm.warmup = cm.warmup.or(d.warmup).or(cm.delay_loop);
    cm.delay_before_retry = cm
        .delay_before_retry
        .or(d.delay_before_retry)
        .or(default_dbr)
        .or(cm.delay_loop);
}

/// MISC_CHECK `user USER [GROUP]` must resolve (`misc_user_handler`),
/// else keepalived removes the checker.
fn misc_user_ok(c: &Checker, host: &dyn Host, diags: &mut Diagnostics) -> bool {
    let CheckerKind::Misc(m) = &c.kind else {
        return true;
    };
    let Some(user) = &m.user else { return true };
    let ok = host.user(user).is_some()
        && m.group.as_ref().is_none_or(|g| host.group(g).is_some());
    if !ok {
        diags.error(
            None,
            format!(
                "failed to set uid/gid for misc checker script {} - removing",
                m.path
            ),
        );
    }
    ok
}

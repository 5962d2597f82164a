//! One ` VRRP Instance = NAME` block of `keepalived.data`, with the lines
//! keepalived 2.2.7's `dump_vrrp` writes, under the same conditions.

use ka_vrrp::{Auth, State, TrackKind, TrackRef};

use super::route::{route as route_text, rule as rule_text};
use super::view::{
    Inst, View, address_text, cmd_str, script_ids, state_word, want_state,
};

/// Appends instance `i`.
pub(super) fn block(o: &mut String, v: &View<'_>, i: &Inst<'_>) {
    let mut w = |s: String| {
        o.push_str(&s);
        o.push('\n');
    };
    let (s, c) = (i.s, i.c);
    let v3 = c.version.as_u8() == 3;
    w(format!(" VRRP Instance = {}", s.name));
    w(format!("   VRRP Version = {}", c.version.as_u8()));
    if let Some(g) = i.group {
        w(format!("   Sync group = {g}"));
    }
    if c.is_ipv6() {
        w("   Using Native IPv6".into());
    }
    w(format!("   State = {}", state_word(s.state)));
    if s.state == State::Backup {
        let m = s.master_addr.map_or("(none)".into(), |a| a.to_string());
        w(format!("   Master router = {m}"));
        w(format!("   Master priority = {}", s.master_priority));
        if v3 {
            let secs = s.master_adver_int_us as f64 / 1e6;
            w(format!("   Master advert int = {secs:.2} sec"));
        }
    }
    flags(&mut w, i);
    w(format!("   Wantstate = {}", state_word(want_state(s))));
    w(format!(
        "   Number of config faults = {}",
        u8::from(s.fault.config_error)
    ));
    let faults = u8::from(s.fault.interface_down) + u8::from(s.fault.tracker);
    w(format!(
        "   Number of interface and track script faults = {faults}"
    ));
    w(format!(
        "   Number of track scripts init = {}",
        u8::from(s.fault.initialising)
    ));
    w(format!(
        "   Last transition = {}",
        v.stamp(s.last_transition)
    ));
    match s.read_timeout {
        None => w("   Read timeout = DISABLED".into()),
        Some(t) => w(format!("   Read timeout = {}", v.stamp(Some(t)))),
    }
    w(format!(
        "   Master down timer = {} usecs",
        s.ms_down_timer_us
    ));
    interface(&mut w, v, i);
    garp(&mut w, i);
    w(format!("   Virtual Router ID = {}", s.vrid));
    w(format!("   Priority = {}", s.base_priority));
    w(format!("   Effective priority = {}", s.effective_priority));
    let total = i64::from(s.base_priority) + s.track_weight;
    w(format!("   Total priority = {total}"));
    if v3 {
        let ms = c.adver_int.micros() / 1000;
        w(format!("   Advert interval = {ms} milli-sec"));
    } else {
        w(format!(
            "   Advert interval = {} sec",
            c.adver_int.micros() / 1_000_000
        ));
    }
    if s.state == State::Backup && v3 {
        let ms = s.master_adver_int_us / 1000;
        w(format!("   Master advert interval = {ms} milli-sec"));
    }
    let on = |b: bool| if b { "enabled" } else { "disabled" };
    w(format!("   Accept = {}", on(c.accept)));
    w(format!("   Preempt = {}", on(!c.nopreempt)));
    if !c.preempt_delay.is_zero() {
        w(format!(
            "   Preempt delay = {} secs",
            c.preempt_delay.as_secs_f64()
        ));
    }
    let promote = i.m.is_some_and(|m| m.promote_secondaries);
    w(format!("   Promote_secondaries = {}", on(promote)));
    match &c.auth {
        Auth::Ah(_) => w("   Authentication type = IPSEC_AH".into()),
        Auth::Pass(p) => {
            w("   Authentication type = SIMPLE_PASSWORD".into());
            let end = p.iter().position(|&b| b == 0).unwrap_or(p.len());
            w(format!(
                "   Password = {}",
                String::from_utf8_lossy(&p[..end])
            ));
        }
        Auth::None if !v3 => w("   Authentication type = none".into()),
        Auth::None => {}
    }
    if let Some(n) = i.m.and_then(|m| m.kernel_rx_buf_size) {
        w(format!("   Kernel rx buffer size = {n}"));
    }
    if let Some(d) = i.m.and_then(|m| m.debug).filter(|d| *d != 0) {
        w(format!("   Debug level = {d}"));
    }
    addresses_and_peers(&mut w, v, i);
    tracking(&mut w, i);
    notify(&mut w, v, i);
}

fn flags(w: &mut impl FnMut(String), i: &Inst<'_>) {
    let c = i.c;
    let configured = i.m.is_some_and(|m| m.unicast_configured);
    let mut lines = Vec::new();
    if c.is_unicast() {
        lines.push("     Using unicast".to_string());
    } else if configured {
        lines.push(
            "     Unicast config option specified but using multicast".into(),
        );
    }
    if c.unicast_fault_no_peer {
        lines.push("     If unicast go to fault state if no peers".into());
    }
    // keepalived compat: "Flags: none" only when no flag bit at all is
    // set; the bits it keeps for the other flags (dont_track_primary,
    // skip_check_adv_addr, nopreempt, vmac, ...) print just "Flags:".
    let other = c.dont_track_primary || c.skip_check_adv_addr || c.nopreempt;
    if lines.is_empty() && !other && !configured {
        w("   Flags: none".into());
    } else {
        w("   Flags:".into());
        lines.into_iter().for_each(w);
    }
}

fn interface(w: &mut impl FnMut(String), v: &View<'_>, i: &Inst<'_>) {
    let c = i.c;
    let own = v.plan.vmacs.iter().find(|p| p.instance == i.s.name);
    if let Some(p) = own
        && let crate::vrrp::plan::VifKind::IpVlan { flags, addr } = &p.kind
    {
        // keepalived compat (`dump_vrrp`): the IPVLAN line.
        let addr = addr.map_or(String::new(), |(a, len)| {
            let host = if a.is_ipv6() { 128 } else { 32 };
            if len == host {
                format!(", i/f address = {a}")
            } else {
                format!(", i/f address = {a}/{len}")
            }
        });
        let kind = match flags {
            0 => "bridge",
            1 => "private",
            2 => "vepa",
            _ => "unknown",
        };
        w(format!(
            "   Use IPVLAN, i/f {}, is_up = true{addr}, type {kind}",
            p.name
        ));
    } else if let Some(p) = own {
        w(format!(
            "   Use VMAC, i/f name {}, is_up = true, xmit_base = {}",
            p.name, p.xmit_base
        ));
    }
    w(format!(
        "   Interface = {}",
        c.interface.as_deref().unwrap_or("not configured")
    ));
    if c.dont_track_primary {
        w("   VRRP interface tracking disabled".into());
    }
    if c.skip_check_adv_addr {
        w("   Skip checking advert IP addresses".into());
    }
    let strict = i.m.and_then(|m| m.strict_mode);
    if strict.unwrap_or(v.plan.config.global.vrrp_strict) {
        w("   Enforcing strict VRRP compliance".into());
    }
    let src = i.s.src_addr.map_or("(none)".into(), |a| a.to_string());
    let from_cfg = if c.src_addr.is_some() {
        " (from configuration)"
    } else {
        ""
    };
    w(format!("   Using src_ip = {src}{from_cfg}"));
    if !c.is_unicast() {
        let group = c.multicast_group();
        if c.is_ipv6() {
            let dev = c.interface.as_deref().unwrap_or("");
            w(format!(
                "   Multicast address {group}, ifindex {}",
                ifindex(dev)
            ));
        } else {
            w(format!("   Multicast address {group}"));
        }
    }
}

/// The interface's index, read from sysfs (0 when unknown).
fn ifindex(dev: &str) -> u32 {
    std::fs::read_to_string(format!("/sys/class/net/{dev}/ifindex"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

fn garp(w: &mut impl FnMut(String), i: &Inst<'_>) {
    let (c, g) = (i.c, &i.c.garp);
    w(format!(
        "   Gratuitous ARP delay = {}",
        g.master_delay.as_secs()
    ));
    w(format!("   Gratuitous ARP repeat = {}", g.master_repeat));
    w(format!(
        "   Gratuitous ARP refresh = {}",
        g.master_refresh.as_secs()
    ));
    w(format!(
        "   Gratuitous ARP refresh repeat = {}",
        g.refresh_repeat
    ));
    w(format!(
        "   Gratuitous ARP lower priority delay = {}",
        g.lower_prio_delay.as_secs()
    ));
    w(format!(
        "   Gratuitous ARP lower priority repeat = {}",
        g.lower_prio_repeat
    ));
    w(format!("   Down timer adverts = {}", c.down_timer_adverts));
    w(format!(
        "   Send advert after receive lower priority advert = {}",
        !c.lower_prio_no_advert
    ));
    w(format!(
        "   Send advert after receive higher priority advert = {}",
        c.higher_prio_send_advert
    ));
}

fn addresses_and_peers(w: &mut impl FnMut(String), v: &View<'_>, i: &Inst<'_>) {
    let (s, c) = (i.s, i.c);
    let addr = |a: &ka_vrrp::Vip| {
        format!(
            "     {}",
            address_text(a.addr, v.address(&s.name, a.addr), s.vips_set)
        )
    };
    if !c.vips.is_empty() {
        w(format!("   Virtual IP ({}):", c.vips.len()));
        c.vips.iter().map(addr).for_each(&mut *w);
    }
    if !c.evips.is_empty() {
        w("   Virtual IP Excluded :".into());
        c.evips.iter().map(addr).for_each(&mut *w);
    }
    if c.is_unicast() {
        if let Some(t) = c.unicast_ttl {
            w(format!("   Unicast TTL = {t}"));
        }
        let yn = if c.check_unicast_src { "yes" } else { "no" };
        w(format!("   Check unicast src : {yn}"));
        w("   Unicast Peer :".into());
        for p in &c.unicast_peers {
            w(format!(
                "     {} min_ttl {} max_ttl {}",
                p.addr, p.min_ttl, p.max_ttl
            ));
        }
        let compat = match i.m.and_then(|m| m.old_unicast_checksum) {
            None => "no",
            Some(true) => "config",
            Some(false) => "never",
        };
        w(format!("   Unicast checksum compatibility = {compat}"));
    }
    // keepalived compat: the socket descriptors; keepalived-rs shares
    // one socket per family and shows -1 (docs/compat.md).
    w("   fd_in -1, fd_out -1".into());
    if let Some(m) = i.m {
        if !m.routes.is_empty() {
            w("   Virtual Routes :".into());
            m.routes
                .iter()
                .for_each(|r| w(format!("     {}", route_text(r))));
        }
        if !m.rules.is_empty() {
            w("   Virtual Rules :".into());
            m.rules
                .iter()
                .for_each(|r| w(format!("     {}", rule_text(r))));
        }
    }
}

/// keepalived's tracker lines of one kind: `NAME weight W` for
/// interfaces and scripts, `NAME, weight W` for files and processes.
pub(super) fn tracker_lines(refs: &[TrackRef], kind: u8) -> Vec<String> {
    refs.iter()
        .filter_map(|t| {
            let (k, name) = match &t.kind {
                TrackKind::Interface(n) => (0, n),
                TrackKind::Script(n) => (1, n),
                TrackKind::File(n) => (2, n),
                TrackKind::Process(n) => (3, n),
                TrackKind::Bfd(n) => (4, n),
            };
            let rev = if t.reverse { " reverse" } else { "" };
            let sep = if matches!(k, 2 | 3) { "," } else { "" };
            let sep = if k == 4 { ":" } else { sep };
            (k == kind)
                .then(|| format!("     {name}{sep} weight {}{rev}", t.weight))
        })
        .collect()
}

/// The `Tracked …` blocks of an instance or sync group.
pub(super) fn tracked_blocks(
    w: &mut impl FnMut(String),
    refs: &[TrackRef],
    process_heading: &str,
) {
    let headings = [
        "   Tracked interfaces :",
        "   Tracked scripts :",
        "   Tracked files :",
        process_heading,
        "   Tracked BFDs :",
    ];
    for (kind, heading) in (0u8..).zip(headings) {
        let lines = tracker_lines(refs, kind);
        if !lines.is_empty() {
            w(heading.into());
            lines.into_iter().for_each(&mut *w);
        }
    }
}

fn tracking(w: &mut impl FnMut(String), i: &Inst<'_>) {
    tracked_blocks(w, &i.c.track, "   Tracked processes :");
}

fn notify(w: &mut impl FnMut(String), v: &View<'_>, i: &Inst<'_>) {
    let g = &v.plan.config.global;
    let smtp =
        i.m.and_then(|m| m.smtp_alert)
            .or(g.smtp_alert_vrrp)
            .or(g.smtp_alert)
            .unwrap_or(false);
    w(format!(
        "   Using smtp notification = {}",
        if smtp { "yes" } else { "no" }
    ));
    let deleted = if i.c.notify_deleted {
        "Deleted"
    } else {
        "Fault"
    };
    w(format!("   Notify deleted = {deleted}"));
    if let Some(h) = i.hooks {
        for (what, spec) in [
            ("Backup", &h.backup),
            ("Master", &h.master),
            ("Fault", &h.fault),
            ("Stop", &h.stop),
            ("Deleted", &h.deleted),
            ("Generic", &h.generic),
            ("Master rx lower pri", &h.master_rx_lower_pri),
        ] {
            if let Some(spec) = spec {
                let (u, g) = script_ids(spec);
                w(format!(
                    "   {what} state transition script = {}, uid:gid {u}:{g}",
                    cmd_str(&spec.argv)
                ));
            }
        }
    }
    w(format!(
        "   Notify priority changes = {}",
        i.c.notify_priority_changes
    ));
}

//! LVS globals, firewall tables, SNMP/DBus and netlink buffer keywords.

use crate::ast::Item;
use crate::build::Cx;
use crate::model::global::{
    GlobalDefs, LvsFlushOnStop, LvsSyncDaemon, LvsTimeouts, RcvBufs,
};

/// keepalived's `LVS_MAX_TIMEOUT` (31 days).
const LVS_MAX_TIMEOUT: u32 = 86_400 * 31;

/// keepalived's `NFT_TABLE_MAXNAMELEN`.
const NFT_TABLE_MAXNAMELEN: usize = 32;

/// The kernel's `IP_VS_IFNAME_MAXLEN`.
const IP_VS_IFNAME_MAXLEN: usize = 16;

/// Handles an LVS global keyword; false if `c` is not one.
pub(super) fn lvs(c: &Item, cx: &mut Cx, g: &mut GlobalDefs) -> bool {
    match c.name() {
        "lvs_timeouts" => lvs_timeouts(c, cx, g),
        "lvs_flush" => g.lvs_flush = true,
        // keepalived compat: `lvs_flush_onstop` is a deprecated alias.
        "lvs_flush_on_stop" | "lvs_flush_onstop" => match c.arg(0) {
            None => g.lvs_flush_on_stop = Some(LvsFlushOnStop::Full),
            Some(w) if w.text == "VS" => {
                g.lvs_flush_on_stop = Some(LvsFlushOnStop::Vs)
            }
            Some(w) => cx.error(
                w.span,
                format!("Unknown lvs_flush_on_stop type {}", w.text),
            ),
        },
        "lvs_sync_daemon" => lvs_sync_daemon(c, cx, g),
        _ => return false,
    }
    true
}

/// keepalived compat: each option is checked on its own; a bad value is
/// reported and that option ignored.
fn lvs_timeouts(c: &Item, cx: &mut Cx, g: &mut GlobalDefs) {
    if c.args.len() < 2 {
        cx.error(c.span(), "lvs_timeouts requires at least one option");
        return;
    }
    let mut t = g.lvs_timeouts.unwrap_or_default();
    let mut i = 0;
    while i < c.args.len() {
        let w = &c.args[i];
        let slot = match w.text.as_str() {
            "tcp" => &mut t.tcp,
            "tcpfin" => &mut t.tcpfin,
            "udp" => &mut t.udp,
            o => {
                cx.error(
                    w.span,
                    format!("Unknown option {o} specified for lvs_timeouts"),
                );
                i += 1;
                continue;
            }
        };
        match c.args.get(i + 1) {
            None => cx.error(
                w.span,
                format!(
                    "No value specified for lvs_timeout {} - ignoring",
                    w.text
                ),
            ),
            Some(v) => {
                let what = format!("lvs_timeout {}", w.text);
                if let Some(n) = cx.u32_word(&what, v, 0..=LVS_MAX_TIMEOUT) {
                    *slot = Some(n);
                }
            }
        }
        i += 2;
    }
    g.lvs_timeouts = Some(LvsTimeouts { ..t });
}

fn lvs_sync_daemon(c: &Item, cx: &mut Cx, g: &mut GlobalDefs) {
    if let Some(s) = &g.lvs_sync_daemon {
        let msg = format!(
            "lvs_sync_daemon has already been specified as {} {} - ignoring",
            s.interface,
            s.instance.as_deref().unwrap_or("")
        );
        cx.error(c.span(), msg);
        return;
    }
    let Some(ifname) = cx.string_arg(c, 0) else {
        return;
    };
    if ifname.len() >= IP_VS_IFNAME_MAXLEN {
        cx.error(
            c.span(),
            format!(
                "lvs_sync_daemon interface name '{ifname}' too long - ignoring"
            ),
        );
        return;
    }
    let mut s = LvsSyncDaemon {
        interface: ifname,
        ..LvsSyncDaemon::default()
    };
    let mut i = 1;
    while i < c.args.len() {
        i += sync_option(c, i, cx, &mut s);
    }
    g.lvs_sync_daemon = Some(s);
}

/// Reads the option at `i`; returns how many words it used.
fn sync_option(
    c: &Item,
    i: usize,
    cx: &mut Cx,
    s: &mut LvsSyncDaemon,
) -> usize {
    let w = &c.args[i];
    let value = c.args.get(i + 1);
    let key = w.text.as_str();
    if !matches!(key, "inst" | "id" | "maxlen" | "port" | "ttl" | "group") {
        // keepalived compat: the old `IF VI [SYNC_ID]` form.
        match i {
            1 => s.instance = Some(w.text.clone()),
            2 => {
                if let Some(v) = cx.u32_word("syncid", w, 0..=255) {
                    cx.error(w.span, "Please use keyword \"id\" before lvs_sync_daemon SYNCID");
                    s.id = Some(v as u8);
                }
            }
            _ => cx.error(
                w.span,
                format!("Unknown option {key} specified for lvs_sync_daemon"),
            ),
        }
        return 1;
    }
    let Some(v) = value else {
        cx.error(
            w.span,
            format!("No value specified for lvs_sync_daemon {key} - ignoring"),
        );
        return 1;
    };
    let what = format!("lvs_sync_daemon {key}");
    match key {
        "inst" => {
            s.instance.get_or_insert_with(|| v.text.clone());
        }
        "id" => s.id = cx.u32_word(&what, v, 0..=255).map(|n| n as u8),
        "maxlen" => {
            s.maxlen = cx.u32_word(&what, v, 1..=65535 - 20 - 8).map(|n| n as u16)
        }
        "port" => s.port = cx.u32_word(&what, v, 1..=65535).map(|n| n as u16),
        "ttl" => s.ttl = cx.u32_word(&what, v, 1..=255).map(|n| n as u8),
        _ => match cx.ip_word(&what, v) {
            Some(ip) if ip.is_multicast() => s.group = Some(ip),
            Some(_) => cx.error(
                v.span,
                format!("lvs_sync_daemon group address {} is not multicast - ignoring", v.text),
            ),
            None => {}
        },
    }
    2
}

/// Handles a firewall keyword; false if `c` is not one.
pub(super) fn firewall(c: &Item, cx: &mut Cx, g: &mut GlobalDefs) -> bool {
    let f = &mut g.firewall;
    match c.name() {
        "vrrp_iptables" => {
            let arg = |i: usize| c.arg(i).map(|w| w.text.clone());
            f.vrrp_iptables = Some((arg(0), arg(1)));
            // keepalived compat: the reference build (Debian 2.2.7) has
            // nftables but no iptables support; it reports the keyword and
            // uses nftables table `keepalived` at priority -1 instead, even
            // over an earlier `nftables NAME`.
            cx.error(c.span(), "iptables not supported, using nftables instead. Please replace 'vrrp_iptables and 'vrrp_ipsets' with 'nftables' config option");
            f.nftables = Some("keepalived".into());
            f.nftables_priority = None;
        }
        "nftables" | "nftables_ipvs" => nft_table(c, cx, g),
        "nftables_priority" => {
            f.nftables_priority = nft_priority(c, cx).or(f.nftables_priority)
        }
        "nftables_ipvs_priority" => {
            f.nftables_ipvs_priority =
                nft_priority(c, cx).or(f.nftables_ipvs_priority)
        }
        "nftables_ipvs_start_fwmark" => {
            f.nftables_ipvs_start_fwmark = cx
                .u32_arg(c, 0, 1..=u32::MAX)
                .or(f.nftables_ipvs_start_fwmark)
        }
        "nftables_ifindex" => f.nftables_ifindex = true,
        "nftables_counters" => f.nftables_counters = true,
        _ => return false,
    }
    true
}

fn nft_table(c: &Item, cx: &mut Cx, g: &mut GlobalDefs) {
    let (slot, default, what) = if c.name() == "nftables" {
        (&mut g.firewall.nftables, "keepalived", "nftables")
    } else {
        (
            &mut g.firewall.nftables_ipvs,
            "keepalived_ipvs",
            "ipvs nftables",
        )
    };
    if slot.is_some() {
        cx.error(c.span(), format!("{what} already specified - ignoring"));
        return;
    }
    let name = c.arg(0).map_or(default, |w| w.as_str());
    if name.len() >= NFT_TABLE_MAXNAMELEN {
        cx.error(c.span(), format!("{what} table name too long - ignoring"));
        return;
    }
    *slot = Some(name.to_string());
    // keepalived compat: naming the table resets its chain priority to -1
    // (an earlier `nftables_priority` is lost).
    if c.name() == "nftables" {
        g.firewall.nftables_priority = None;
    } else {
        g.firewall.nftables_ipvs_priority = None;
    }
}

fn nft_priority(c: &Item, cx: &mut Cx) -> Option<i32> {
    let range = i64::from(i32::MIN)..=i64::from(i32::MAX);
    cx.i64_arg(c, 0, range).map(|v| v as i32)
}

/// Handles an SNMP or DBus keyword; false if `c` is not one.
pub(super) fn snmp_dbus(c: &Item, cx: &mut Cx, g: &mut GlobalDefs) -> bool {
    let s = &mut g.snmp;
    match c.name() {
        "snmp_socket" => {
            if c.args.len() > 1 {
                cx.error(
                    c.span(),
                    "Too many parameters specified for snmp_socket - ignoring",
                );
            } else if let Some(old) = &s.socket {
                cx.error(
                    c.span(),
                    format!("SNMP socket already set to {old} - ignoring"),
                );
            } else if let Some(w) = cx.string_arg(c, 0) {
                s.socket = Some(w);
            }
            true
        }
        // The SNMP subagent (daemon core/snmp) serves these.
        "enable_traps" => set(&mut s.enable_traps),
        // keepalived compat: `enable_snmp_keepalived` is deprecated.
        "enable_snmp_vrrp" | "enable_snmp_keepalived" => set(&mut s.vrrp),
        "enable_snmp_rfc" => set(&mut s.rfc),
        "enable_snmp_rfcv2" => set(&mut s.rfcv2),
        "enable_snmp_rfcv3" => set(&mut s.rfcv3),
        // The checker MIB tables are not served yet.
        "enable_snmp_checker" => {
            s.checker = true;
            cx.unsupported(c);
            true
        }
        // The DBus interface (daemon core/dbus) runs with these.
        "enable_dbus" => set(&mut g.dbus.enable),
        "dbus_service_name" => {
            g.dbus.service_name =
                cx.string_arg(c, 0).or(g.dbus.service_name.take());
            true
        }
        _ => false,
    }
}

/// Turns a flag keyword on; true (the keyword is handled).
fn set(flag: &mut bool) -> bool {
    *flag = true;
    true
}

/// Handles a netlink buffer keyword; false if `c` is not one.
pub(super) fn netlink(c: &Item, cx: &mut Cx, g: &mut GlobalDefs) -> bool {
    let name = c.name();
    let (base, force) = match name.strip_suffix("_force") {
        Some(b) => (b, true),
        None => (name, false),
    };
    let n = &mut g.netlink_bufs;
    let bufs: &mut RcvBufs = match base {
        "vrrp_netlink_cmd_rcv_bufs" => &mut n.vrrp_cmd,
        "vrrp_netlink_monitor_rcv_bufs" => &mut n.vrrp_monitor,
        "process_monitor_rcv_bufs" => &mut n.process_monitor,
        "lvs_netlink_cmd_rcv_bufs" => &mut n.lvs_cmd,
        "lvs_netlink_monitor_rcv_bufs" => &mut n.lvs_monitor,
        _ => return false,
    };
    if force {
        bufs.force = cx.bool_arg(c, 0).or(bufs.force);
    } else if let Some(v) = cx.u32_arg(c, 0, 0..=u32::MAX) {
        // keepalived compat: a size of 0 leaves the previous value.
        if v != 0 {
            bufs.size = Some(v);
        }
    }
    true
}

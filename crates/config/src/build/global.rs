//! Builders for `global_defs` and the root process keywords (keepalived
//! `global_parser.c`).

use std::time::Duration;

use crate::ast::Item;
use crate::build::Cx;
use crate::model::global::{Fifo, GlobalDefs};

mod keywords;
mod misc;
mod process;
mod system;

pub use keywords::GLOBAL_KEYWORDS;

/// Handles a root process keyword; false if `item` is not one.
pub fn build_root(item: &Item, cx: &mut Cx, g: &mut GlobalDefs) -> bool {
    match item.name() {
        // keepalived compat: a second `net_namespace`, `instance` or
        // `net_namespace_ipvs` is reported and ignored.
        "net_namespace" => {
            once(item, cx, &mut g.net_namespace, "net_namespace")
        }
        "net_namespace_ipvs" => {
            cx.unsupported(item);
            if g.net_namespace_ipvs.is_some() {
                cx.error(
                    item.span(),
                    "Duplicate net_namespace_ipvs definition - ignoring",
                );
            } else {
                g.net_namespace_ipvs = Some(item.arg(0).map(|w| w.text.clone()))
            }
        }
        // keepalived compat: it only changes how ipsets are used in a
        // namespace; the reference build (Debian 2.2.7) has no ipset
        // support, so it is accepted and has no effect there either.
        "namespace_with_ipsets" => g.namespace_with_ipsets = true,
        "instance" => once(item, cx, &mut g.instance, "instance"),
        "use_pid_dir" => g.use_pid_dir = true,
        // keepalived compat: child_wait_time default 5 s (main.c).
        "child_wait_time" => {
            g.child_wait_time =
                cx.u32_arg(item, 0, 0..=u32::MAX).or(g.child_wait_time)
        }
        "linkbeat_use_polling" => g.linkbeat_use_polling = true,
        _ => return false,
    }
    true
}

fn once(item: &Item, cx: &mut Cx, slot: &mut Option<String>, what: &str) {
    let Some(v) = cx.string_arg(item, 0) else {
        return;
    };
    if slot.is_some() {
        cx.error(
            item.span(),
            format!("Duplicate {what} definition {v} - ignoring"),
        );
    } else {
        *slot = Some(v);
    }
}

/// `global_defs` keywords that are read into the model but that nothing
/// acts on yet: `-t` and the daemon's start report each (issue 13: none
/// is accepted and silently ignored). Remove a name once it is applied.
const NOT_ACTED_ON: &[&str] = &[
    // Checker and IPVS options.
    "nftables_ipvs",
    "nftables_ipvs_priority",
    "nftables_ipvs_start_fwmark",
];

/// Keywords for keepalived's several processes that have nothing to act
/// on in one process, each with why; said once per keyword.
const NO_EFFECT: &[(&str, &str)] = &[
    (
        "tmp_config_directory",
        "keepalived-rs reads the configuration in one process and keeps no copy of it for children",
    ),
    ("process_names", CHILD_NAMES),
    ("vrrp_process_name", CHILD_NAMES),
    ("checker_process_name", CHILD_NAMES),
    ("lvs_process_name", CHILD_NAMES),
    ("bfd_process_name", CHILD_NAMES),
];

const CHILD_NAMES: &str = "keepalived-rs runs VRRP, the checkers and BFD in one process (`process_name` names it)";

/// Builds `global_defs { … }` into `g` (several blocks accumulate).
pub fn build_global_defs(item: &Item, cx: &mut Cx, g: &mut GlobalDefs) {
    for c in cx.block(item).unwrap_or(&[]) {
        let known = email(c, cx, g)
            || scripts(c, cx, g)
            || vrrp(c, cx, g)
            || fifos(c, cx, g)
            || process::build(c, cx, g)
            || system::lvs(c, cx, g)
            || system::firewall(c, cx, g)
            || system::snmp_dbus(c, cx, g)
            || system::netlink(c, cx, g)
            || misc::build(c, cx, g);
        if !known {
            // keepalived compat: root keywords such as
            // `linkbeat_use_polling` are unknown inside `global_defs`.
            cx.unknown_keyword(c, GLOBAL_KEYWORDS);
        } else if NOT_ACTED_ON.contains(&c.name()) {
            cx.unsupported(c);
        } else if let Some((kw, why)) =
            NO_EFFECT.iter().find(|(kw, _)| *kw == c.name())
        {
            cx.diags
                .warning(c.span(), format!("`{kw}` has no effect: {why}"));
        }
    }
}

fn email(c: &Item, cx: &mut Cx, g: &mut GlobalDefs) -> bool {
    match c.name() {
        "router_id" => g.router_id = cx.string_arg(c, 0),
        "notification_email_from" => {
            g.notification_email_from = cx.string_arg(c, 0)
        }
        "smtp_server" => {
            let Some(host) = cx.string_arg(c, 0) else {
                return true;
            };
            let port = c
                .arg(1)
                .and_then(|w| cx.u32_word("smtp_server port", w, 1..=65535))
                .map(|p| p as u16);
            g.smtp_server = Some((host, port));
        }
        "smtp_helo_name" => g.smtp_helo_name = cx.string_arg(c, 0),
        "smtp_connect_timeout" => {
            g.smtp_connect_timeout =
                at_least_one_of(c, cx, u32::MAX / 1_000_000)
                    .map(|s| Duration::from_secs(s.into()))
                    .or(g.smtp_connect_timeout);
        }
        "notification_email" => {
            let list = super::vrrp_list(cx.block(c).unwrap_or(&[]));
            g.notification_email.extend(list);
        }
        "smtp_alert" => g.smtp_alert = cx.bool_arg(c, 0).or(g.smtp_alert),
        "smtp_alert_vrrp" => {
            g.smtp_alert_vrrp = cx.bool_arg(c, 0).or(g.smtp_alert_vrrp)
        }
        "smtp_alert_checker" => {
            g.smtp_alert_checker = cx.bool_arg(c, 0).or(g.smtp_alert_checker)
        }
        "no_email_faults" => g.no_email_faults = true,
        "checker_log_all_failures" => {
            g.checker_log_all_failures =
                cx.bool_arg(c, 0).unwrap_or(g.checker_log_all_failures)
        }
        "rs_init_notifies" => {
            g.rs_init_notifies = cx.bool_arg(c, 0).unwrap_or(g.rs_init_notifies)
        }
        "no_checker_emails" => {
            g.no_checker_emails =
                cx.bool_arg(c, 0).unwrap_or(g.no_checker_emails)
        }
        _ => return false,
    }
    true
}

fn scripts(c: &Item, cx: &mut Cx, g: &mut GlobalDefs) -> bool {
    match c.name() {
        "startup_script" => g.startup_script = cx.script_cmd(c),
        "shutdown_script" => g.shutdown_script = cx.script_cmd(c),
        "startup_script_timeout" => {
            g.startup_script_timeout =
                cx.u32_arg(c, 0, 1..=1000).or(g.startup_script_timeout)
        }
        "shutdown_script_timeout" => {
            g.shutdown_script_timeout =
                cx.u32_arg(c, 0, 1..=1000).or(g.shutdown_script_timeout)
        }
        "script_user" => {
            if let Some(u) = cx.string_arg(c, 0) {
                g.script_user = Some((u, c.arg(1).map(|w| w.text.clone())));
            }
        }
        "enable_script_security" => g.enable_script_security = true,
        "dynamic_interfaces" => match c.arg(0).map(|w| w.as_str()) {
            None => g.dynamic_interfaces = Some(false),
            Some("allow_if_changes") => g.dynamic_interfaces = Some(true),
            Some(o) => cx.error(
                c.span(),
                format!("Unknown dynamic_interfaces option '{o}'"),
            ),
        },
        "default_interface" => {
            g.default_interface =
                cx.string_arg(c, 0).or(g.default_interface.take())
        }
        "disable_local_igmp" => g.disable_local_igmp = true,
        _ => return false,
    }
    true
}

fn vrrp(c: &Item, cx: &mut Cx, g: &mut GlobalDefs) -> bool {
    let secs = |cx: &mut Cx| {
        cx.u32_arg(c, 0, 0..=u32::MAX / 1_000_000)
            .map(|s| Duration::from_secs(s.into()))
    };
    let timer = |cx: &mut Cx, min| {
        cx.timer_arg(
            c,
            0,
            min,
            Duration::from_secs(u64::from(u32::MAX / 1_000_000)),
        )
    };
    match c.name() {
        "vrrp_mcast_group4" => match cx.ip_arg(c, 0) {
            Some(ip @ std::net::IpAddr::V4(a)) if a.is_multicast() => g.vrrp_mcast_group4 = Some(ip),
            Some(ip) => cx.error(c.span(), format!("vrrp_mcast_group4 {ip} is not an IPv4 multicast address - ignoring")),
            None => {}
        },
        "vrrp_mcast_group6" => match cx.ip_arg(c, 0) {
            Some(ip @ std::net::IpAddr::V6(a)) if a.is_multicast() => g.vrrp_mcast_group6 = Some(ip),
            Some(ip) => cx.error(c.span(), format!("vrrp_mcast_group6 {ip} is not an IPv6 multicast address - ignoring")),
            None => {}
        },
        "vrrp_version" => g.vrrp_version = cx.u32_arg(c, 0, 2..=3).map(|v| v as u8).or(g.vrrp_version),
        "vrrp_garp_master_delay" => g.vrrp_garp_master_delay = secs(cx).or(g.vrrp_garp_master_delay),
        "vrrp_garp_master_repeat" => g.vrrp_garp_master_repeat = at_least_one(c, cx).or(g.vrrp_garp_master_repeat),
        "vrrp_garp_master_refresh" => g.vrrp_garp_master_refresh = secs(cx).or(g.vrrp_garp_master_refresh),
        "vrrp_garp_master_refresh_repeat" => g.vrrp_garp_master_refresh_repeat = at_least_one(c, cx).or(g.vrrp_garp_master_refresh_repeat),
        "vrrp_garp_lower_prio_delay" => g.vrrp_garp_lower_prio_delay = secs(cx).or(g.vrrp_garp_lower_prio_delay),
        "vrrp_garp_lower_prio_repeat" => g.vrrp_garp_lower_prio_repeat = cx.u32_arg(c, 0, 0..=i32::MAX as u32).or(g.vrrp_garp_lower_prio_repeat),
        // keepalived compat: the shipped sample's `vrrp_garp_interval 0` is
        // below the 1 µs minimum and reported (KEEPALIVED.md §1.3).
        "vrrp_garp_interval" => g.vrrp_garp_interval = timer(cx, Duration::from_micros(1)).or(g.vrrp_garp_interval),
        "vrrp_gna_interval" => g.vrrp_gna_interval = timer(cx, Duration::from_micros(1)).or(g.vrrp_gna_interval),
        // keepalived compat: `vrrp_min_garp` (true) resets, at the point it
        // is read, each GARP setting still at keepalived's default to its
        // minimal value; `false` changes nothing (`vrrp_min_garp_handler`).
        "vrrp_min_garp" => {
            if cx.bool_arg(c, 0) == Some(true) {
                min_garp(g);
            }
        }
        "vrrp_garp_extra_if" | "vrrp_vmac_garp_intvl" => g.vrrp_garp_extra_if = super::vrrp::garp_extra_if(c, cx).or(g.vrrp_garp_extra_if),
        "vrrp_down_timer_adverts" => g.vrrp_down_timer_adverts = cx.u32_arg(c, 0, 1..=100).or(g.vrrp_down_timer_adverts),
        "vrrp_lower_prio_no_advert" => g.vrrp_lower_prio_no_advert = cx.bool_arg(c, 0).or(g.vrrp_lower_prio_no_advert),
        "vrrp_higher_prio_send_advert" => g.vrrp_higher_prio_send_advert = cx.bool_arg(c, 0).or(g.vrrp_higher_prio_send_advert),
        "vrrp_check_unicast_src" => g.vrrp_check_unicast_src = true,
        "vrrp_skip_check_adv_addr" => g.vrrp_skip_check_adv_addr = true,
        "vrrp_strict" => g.vrrp_strict = true,
        "vrrp_notify_priority_changes" => g.vrrp_notify_priority_changes = cx.bool_arg(c, 0).unwrap_or(g.vrrp_notify_priority_changes),
        "fifo_write_vrrp_states_on_reload" => g.fifo_write_vrrp_states_on_reload = true,
        "vrrp_startup_delay" => g.vrrp_startup_delay = timer(cx, Duration::ZERO).or(g.vrrp_startup_delay),
        "log_unknown_vrids" => g.log_unknown_vrids = true,
        // keepalived compat: a second prefix is reported and ignored.
        "vmac_prefix" => once(c, cx, &mut g.vmac_prefix, "vmac_prefix"),
        "vmac_addr_prefix" => once(c, cx, &mut g.vmac_addr_prefix, "vmac_addr_prefix"),
        _ => return false,
    }
    true
}

/// keepalived compat: for pre-2.0.7 configurations 0 is accepted with an
/// error ("must be greater than 0, setting to 1") and becomes 1.
/// `vrrp_min_garp`: one GARP/NA, no delayed burst, no refresh, unless set
/// before to something else than the default (keepalived `VRRP_GARP_*`).
fn min_garp(g: &mut GlobalDefs) {
    g.vrrp_min_garp = true;
    if g.vrrp_garp_master_repeat.is_none_or(|n| n == 5) {
        g.vrrp_garp_master_repeat = None;
    }
    if g.vrrp_garp_master_refresh.is_none_or(|d| d.is_zero()) {
        g.vrrp_garp_master_refresh = None;
    }
    if g.vrrp_garp_master_refresh_repeat.is_none_or(|n| n == 1) {
        g.vrrp_garp_master_refresh_repeat = None;
    }
    if g.vrrp_garp_master_delay
        .is_none_or(|d| d == Duration::from_secs(5))
    {
        g.vrrp_garp_master_delay = None;
    }
}

fn at_least_one(c: &Item, cx: &mut Cx) -> Option<u32> {
    at_least_one_of(c, cx, u32::MAX)
}

fn at_least_one_of(c: &Item, cx: &mut Cx, max: u32) -> Option<u32> {
    match cx.u32_arg(c, 0, 0..=max)? {
        0 => {
            cx.error(
                c.span(),
                format!("{} must be greater than 0, setting to 1", c.name()),
            );
            Some(1)
        }
        n => Some(n),
    }
}

fn fifos(c: &Item, cx: &mut Cx, g: &mut GlobalDefs) -> bool {
    let (slot, is_script) = match c.name() {
        "notify_fifo" => (&mut g.notify_fifo, false),
        "notify_fifo_script" => (&mut g.notify_fifo, true),
        "vrrp_notify_fifo" => (&mut g.vrrp_notify_fifo, false),
        "vrrp_notify_fifo_script" => (&mut g.vrrp_notify_fifo, true),
        "lvs_notify_fifo" => (&mut g.lvs_notify_fifo, false),
        "lvs_notify_fifo_script" => (&mut g.lvs_notify_fifo, true),
        _ => return false,
    };
    if is_script {
        let Some(s) = cx.script_cmd(c) else {
            return true;
        };
        match slot {
            Some(f) => f.script = Some(s),
            // keepalived compat: a FIFO script without a FIFO is kept until
            // the end; without the FIFO it is not run (validation reports).
            None => {
                *slot = Some(Fifo {
                    path: String::new(),
                    user: None,
                    group: None,
                    script: Some(s),
                })
            }
        }
        return true;
    }
    let Some(w) = cx.script_cmd(c) else {
        return true;
    };
    let script = slot.take().and_then(|f| f.script);
    *slot = Some(Fifo {
        path: w.argv.join(" "),
        user: w.user,
        group: w.group,
        script,
    });
    true
}

#[cfg(test)]
mod tests;

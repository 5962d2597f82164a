//! `vrrp_instance` keywords for unicast, VMAC/ipvlan, per-instance
//! options, gratuitous ARP and notify scripts (keepalived
//! `vrrp_parser.c`).

use std::time::Duration;

use crate::ast::Item;
use crate::build::Cx;
use crate::model::vrrp::{Instance, UnicastPeer};

use super::addr::words;
use super::instance::set_family;

pub(super) fn unicast(c: &Item, cx: &mut Cx, i: &mut Instance) -> bool {
    match c.name() {
        "unicast_src_ip" | "mcast_src_ip" => {
            if c.name() == "unicast_src_ip" {
                i.unicast_configured = true;
            }
            if let Some(ip) = cx.ip_arg(c, 0)
                && set_family(cx, c, i, ip.is_ipv6())
            {
                i.src_ip = Some(ip);
            }
        }
        "mcast_dst_ip" => {
            if let Some(ip) = cx.ip_arg(c, 0) {
                let mc = match ip {
                    std::net::IpAddr::V4(a) => a.is_multicast(),
                    std::net::IpAddr::V6(a) => {
                        a.segments()[0] & 0xff0f == 0xff02
                    }
                };
                if !mc {
                    cx.error(
                        c.span(),
                        format!(
                            "({}) mcast_dst_ip {ip} not multicast. Skipping...",
                            i.name
                        ),
                    );
                } else if set_family(cx, c, i, ip.is_ipv6()) {
                    i.mcast_dst_ip = Some(ip);
                }
            }
        }
        "unicast_peer" => {
            i.unicast_configured = true;
            for e in cx.block(c).unwrap_or(&[]) {
                peer(e, cx, i);
            }
        }
        "unicast_fault_no_peer" => {
            i.unicast_configured = true;
            i.unicast_fault_no_peer = true;
        }
        "check_unicast_src" => {
            i.unicast_configured = true;
            i.check_unicast_src = true;
        }
        "old_unicast_checksum" => {
            i.unicast_configured = true;
            match c.arg(0).map(|w| w.as_str()) {
                None => i.old_unicast_checksum = Some(true),
                Some("never") => i.old_unicast_checksum = Some(false),
                Some(o) => cx.error(
                    c.span(),
                    format!(
                        "({}) Unknown old_unicast_chksum mode {o} - ignoring",
                        i.name
                    ),
                ),
            }
        }
        "unicast_ttl" => {
            if let Some(t) = cx.u32_arg(c, 0, 0..=255) {
                i.unicast_ttl = Some(t as u8);
            }
        }
        _ => return false,
    }
    true
}

fn peer(e: &Item, cx: &mut Cx, i: &mut Instance) {
    let w = words(e);
    // keepalived compat: `inet_stosockaddr()` drops a prefix length.
    let bare = crate::build::cx::strip_range_or_prefix(w[0]);
    let Ok(addr) = bare.parse::<std::net::IpAddr>() else {
        cx.error(e.span(), format!("Configuration error: VRRP instance[{}] malformed unicast peer address[{}]. Skipping...", i.name, w[0]));
        return;
    };
    if !set_family(cx, e, i, addr.is_ipv6()) {
        return;
    }
    let mut p = UnicastPeer {
        addr,
        min_ttl: 0,
        max_ttl: 255,
    };
    let mut k = 1;
    while k < w.len() {
        let Some(val) = w.get(k + 1) else {
            cx.error(
                e.span(),
                format!("({}) {} is missing a value", i.name, w[k]),
            );
            break;
        };
        let Some(ttl) = crate::build::cx::parse_uint(val).filter(|t| *t <= 255)
        else {
            cx.error(e.span(), format!("({}) invalid ttl {val}", i.name));
            k += 2;
            continue;
        };
        match w[k] {
            "min_ttl" => p.min_ttl = ttl as u8,
            "max_ttl" => p.max_ttl = ttl as u8,
            o => {
                cx.error(
                    e.span(),
                    format!("({}) unknown unicast_peer option {o}", i.name),
                );
                break;
            }
        }
        // keepalived compat: a TTL range implies check_unicast_src.
        i.check_unicast_src = true;
        k += 2;
    }
    if p.min_ttl > p.max_ttl {
        cx.error(
            e.span(),
            format!(
                "({}) min_ttl {} > max_ttl {} - all packets will be discarded",
                i.name, p.min_ttl, p.max_ttl
            ),
        );
    }
    i.unicast_peers.push(p);
}

fn opt_bool(c: &Item, cx: &mut Cx) -> Option<bool> {
    cx.bool_arg(c, 0)
}

pub(super) fn options(c: &Item, cx: &mut Cx, i: &mut Instance) -> bool {
    match c.name() {
        "dont_track_primary" => i.dont_track_primary = true,
        "track_src_ip" => i.track_src_ip = true,
        "nopreempt" => i.nopreempt = true,
        "preempt" => i.nopreempt = false,
        "preempt_delay" => {
            i.preempt_delay = cx
                .timer_arg(c, 0, Duration::ZERO, Duration::from_secs(1000))
                .unwrap_or_default();
        }
        "accept" => i.accept = Some(true),
        "no_accept" => i.accept = Some(false),
        "skip_check_adv_addr" => {
            i.skip_check_adv_addr = opt_bool(c, cx).or(i.skip_check_adv_addr)
        }
        "strict_mode" => i.strict_mode = opt_bool(c, cx).or(i.strict_mode),
        "use_vmac" => vmac(c, cx, i),
        "use_vmac_addr" => i.use_vmac_addr = true,
        "vmac_xmit_base" => i.vmac_xmit_base = true,
        "use_ipvlan" => {
            if i.ipvlan.is_some() {
                cx.error(
                    c.span(),
                    format!("({}) use_ipvlan already specified", i.name),
                );
            } else {
                i.ipvlan =
                    Some(c.args.iter().map(|w| w.text.clone()).collect());
            }
        }
        "promote_secondaries" => i.promote_secondaries = true,
        "kernel_rx_buf_size" => match cx.u32_arg(c, 0, 0..=u32::MAX) {
            Some(v) if c.args.len() == 1 => i.kernel_rx_buf_size = Some(v),
            _ => cx.error(
                c.span(),
                format!("({}) invalid kernel_rx_buf_size specified", i.name),
            ),
        },
        "linkbeat_use_polling" => {
            cx.error(c.span(), format!("({}) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block", i.name));
            i.linkbeat_use_polling = true;
        }
        // keepalived compat: deprecated; it sets the global
        // `lvs_sync_daemon` (see `super::syncd_interface`).
        "lvs_sync_daemon_interface" => super::syncd_interface(c, cx, i),
        "debug" => i.debug = cx.u32_arg(c, 0, 0..=4).map(|d| d as u8),
        _ => return false,
    }
    true
}

fn vmac(c: &Item, cx: &mut Cx, i: &mut Instance) {
    let mut v = i.vmac.clone().unwrap_or_default();
    for w in c.args.iter().take(2) {
        let s = w.as_str();
        if s.contains(':') {
            let octets: Option<Vec<u8>> = s
                .trim_end_matches(':')
                .split(':')
                .map(|o| {
                    u8::from_str_radix(o, 16).ok().filter(|_| o.len() <= 2)
                })
                .collect();
            match octets {
                Some(m) if (m.len() == 5 || m.len() == 6) && m[0] & 1 == 0 => {
                    v.mac = Some(m)
                }
                _ => cx.error(
                    w.span,
                    format!("VMAC invalid MAC address {s} - ignored"),
                ),
            }
        } else if s.is_empty()
            || s.len() >= 16
            || s.contains('/')
            || s == "."
            || s == ".."
        {
            cx.error(w.span, format!("VMAC interface name '{s}' too long or invalid characters - ignoring"));
        } else if v.ifname.is_some() {
            cx.error(w.span, "VMAC interface name already specified");
        } else {
            v.ifname = Some(s.to_string());
        }
    }
    i.vmac = Some(v);
}

pub(super) fn garp(c: &Item, cx: &mut Cx, i: &mut Instance) -> bool {
    let secs = |cx: &mut Cx| {
        cx.u32_arg(c, 0, 0..=u32::MAX / 1_000_000)
            .map(|s| Duration::from_secs(s.into()))
    };
    match c.name() {
        "garp_master_delay" => {
            i.garp_master_delay = secs(cx).or(i.garp_master_delay)
        }
        "garp_lower_prio_delay" => {
            i.garp_lower_prio_delay = secs(cx).or(i.garp_lower_prio_delay)
        }
        "garp_master_refresh" => {
            i.garp_master_refresh = Some(
                cx.u32_arg(c, 0, 0..=u32::MAX)
                    .map_or(Duration::ZERO, |s| Duration::from_secs(s.into())),
            )
        }
        "garp_master_repeat" | "garp_master_refresh_repeat" => {
            let Some(mut n) = cx.u32_arg(c, 0, 0..=u32::MAX) else {
                return true;
            };
            if n == 0 {
                // keepalived compat: 0 is accepted for pre-2.0.7 configs
                // but reported and raised to 1.
                cx.error(
                    c.span(),
                    format!(
                        "({}): {} must be greater than 0, setting to 1",
                        i.name,
                        c.name()
                    ),
                );
                n = 1;
            }
            if c.name() == "garp_master_repeat" {
                i.garp_master_repeat = Some(n);
            } else {
                i.garp_master_refresh_repeat = Some(n);
            }
        }
        "garp_lower_prio_repeat" => {
            i.garp_lower_prio_repeat = cx
                .u32_arg(c, 0, 0..=i32::MAX as u32)
                .or(i.garp_lower_prio_repeat)
        }
        "down_timer_adverts" => {
            i.down_timer_adverts =
                cx.u32_arg(c, 0, 1..=100).or(i.down_timer_adverts)
        }
        "garp_extra_if" | "vmac_garp_intvl" => {
            if c.name() == "vmac_garp_intvl" {
                cx.warn(c.span(), "Keyword \"vmac_garp_intvl\" is deprecated - please use \"garp_extra_if\"");
            }
            i.garp_extra_if = garp_extra_if(c, cx).or(i.garp_extra_if);
        }
        "lower_prio_no_advert" => {
            i.lower_prio_no_advert = opt_bool(c, cx).or(i.lower_prio_no_advert)
        }
        "higher_prio_send_advert" => {
            i.higher_prio_send_advert =
                opt_bool(c, cx).or(i.higher_prio_send_advert)
        }
        _ => return false,
    }
    true
}

/// `[all] SECS` (0..=86400) of `garp_extra_if` and `vrrp_garp_extra_if`.
pub(crate) fn garp_extra_if(c: &Item, cx: &mut Cx) -> Option<(bool, u32)> {
    let mut all = false;
    let mut delay = None;
    for w in &c.args {
        if w.as_str() == "all" {
            all = true;
        } else {
            delay = Some(cx.u32_word(c.name(), w, 0..=86400)?);
        }
    }
    if delay.is_none() {
        cx.error(
            c.span(),
            format!("{} specified without time - ignoring", c.name()),
        );
    }
    delay.map(|d| (all, d))
}

pub(super) fn notify(c: &Item, cx: &mut Cx, i: &mut Instance) -> bool {
    let slot = match c.name() {
        "notify_master" => &mut i.notify_master,
        "notify_backup" => &mut i.notify_backup,
        "notify_fault" => &mut i.notify_fault,
        "notify_stop" => &mut i.notify_stop,
        "notify" => &mut i.notify,
        "notify_master_rx_lower_pri" => &mut i.notify_master_rx_lower_pri,
        "notify_deleted" => {
            if i.notify_deleted.is_some() {
                cx.error(
                    c.span(),
                    format!(
                        "({}) notify_deleted already specified - ignoring",
                        i.name
                    ),
                );
            } else if c.args.is_empty() {
                i.notify_deleted = Some(None);
            } else {
                i.notify_deleted = Some(cx.script_cmd(c));
            }
            return true;
        }
        "smtp_alert" => {
            i.smtp_alert = opt_bool(c, cx).or(i.smtp_alert);
            return true;
        }
        "notify_priority_changes" => {
            i.notify_priority_changes =
                opt_bool(c, cx).or(i.notify_priority_changes);
            return true;
        }
        _ => return false,
    };
    if slot.is_some() {
        cx.error(
            c.span(),
            format!(
                "({}) {} script already specified - ignoring",
                i.name,
                c.name()
            ),
        );
    } else {
        *slot = cx.script_cmd(c);
    }
    true
}

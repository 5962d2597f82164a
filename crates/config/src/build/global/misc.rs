//! `vrrp_rx_bufs_*`, `umask`, `random_seed` and the reload and
//! configuration-file keywords.

use crate::ast::Item;
use crate::build::Cx;
use crate::model::global::{GlobalDefs, RxBufsPolicy};

/// Handles one of these keywords; false if `c` is not one.
pub(super) fn build(c: &Item, cx: &mut Cx, g: &mut GlobalDefs) -> bool {
    let r = &mut g.reload;
    match c.name() {
        "vrrp_rx_bufs_policy" => rx_bufs_policy(c, cx, g),
        "vrrp_rx_bufs_multiplier" => {
            if c.args.len() != 1 {
                cx.error(c.span(), "Invalid vrrp_rx_bufs_multiplier");
            } else if let Some(v) = cx.u32_arg(c, 0, 1..=u32::MAX) {
                g.vrrp_rx_bufs_multiplier = Some(v);
            }
        }
        "umask" => g.umask = umask(c, cx).or(g.umask),
        "random_seed" => {
            g.random_seed = cx.u32_arg(c, 0, 0..=u32::MAX).or(g.random_seed)
        }
        // keepalived compat: without a file the check output goes to
        // /dev/null.
        "reload_check_config" => {
            r.check_config = Some(
                c.arg(0)
                    .map_or_else(|| "/dev/null".into(), |w| w.text.clone()),
            )
        }
        "reload_time_file" => {
            if c.args.len() == 1 {
                r.time_file = Some(c.args[0].text.clone());
            } else {
                cx.error(c.span(), "reload_time_file invalid");
            }
        }
        "reload_repeat" => r.repeat = true,
        "reload_file" => r.file = Some(c.arg(0).map(|w| w.text.clone())),
        "include_check" => include_check(c, g),
        // keepalived compat: the directory is created (mode 0700) by
        // keepalived at load time when missing; a trailing `/` is removed.
        "config_save_dir" => {
            if let Some(d) = cx.string_arg(c, 0) {
                let d = match d.strip_suffix('/') {
                    Some(s) if !s.is_empty() => s.to_string(),
                    _ => d,
                };
                r.config_save_dir = Some(d);
            }
        }
        "tmp_config_directory" => {
            if r.tmp_config_directory.is_some() {
                cx.error(
                    c.span(),
                    "tmp_config_directory already specified - ignoring",
                );
            } else if c.args.is_empty() {
                cx.error(
                    c.span(),
                    "tmp_config_directory missing directory name",
                );
            } else {
                r.tmp_config_directory = Some(c.args[0].text.clone());
            }
        }
        "data_use_instance" => {
            r.data_use_instance = cx.bool_arg(c, 0).or(r.data_use_instance)
        }
        _ => return false,
    }
    true
}

/// keepalived compat: `MTU` and `ADVERT` compare case-insensitively; any
/// other word is a size, but keepalived always reads the size from the
/// first argument, so `MTU 4096` reports `MTU` as an invalid size. A size
/// together with a policy drops the policy; MTU wins over ADVERT.
fn rx_bufs_policy(c: &Item, cx: &mut Cx, g: &mut GlobalDefs) {
    if c.args.is_empty() {
        cx.error(c.span(), "vrrp_rx_bufs_policy missing");
        return;
    }
    let (mut mtu, mut advert, mut size) = match g.vrrp_rx_bufs_policy {
        Some(RxBufsPolicy::Mtu) => (true, false, None),
        Some(RxBufsPolicy::Advert) => (false, true, None),
        Some(RxBufsPolicy::Size(n)) => (false, false, Some(n)),
        None => (false, false, None),
    };
    for w in &c.args {
        if w.text.eq_ignore_ascii_case("MTU") {
            mtu = true;
        } else if w.text.eq_ignore_ascii_case("ADVERT") {
            advert = true;
        } else {
            let first = &c.args[0];
            match crate::build::cx::parse_uint(&first.text) {
                Some(n) if n <= u64::from(u32::MAX) => size = Some(n as u32),
                _ => cx.error(
                    w.span,
                    format!("Invalid vrrp_rx_bufs_policy {}", w.text),
                ),
            }
        }
    }
    g.vrrp_rx_bufs_policy = if let Some(n) = size {
        if mtu || advert {
            cx.error(c.span(), "Cannot set vrrp_rx_bufs_policy size and policy, ignoring policy");
        }
        Some(RxBufsPolicy::Size(n))
    } else if mtu {
        if advert {
            cx.error(c.span(), "Cannot set both vrrp_rx_bufs_policy MTU and ADVERT, ignoring ADVERT");
        }
        Some(RxBufsPolicy::Mtu)
    } else if advert {
        Some(RxBufsPolicy::Advert)
    } else {
        g.vrrp_rx_bufs_policy
    };
}

/// `umask NUMBER` (C `strtol` base 0: `0177`, `0x7f` or decimal) or
/// `umask IRUSR|IWGRP|…` (the `|` may be surrounded by spaces).
fn umask(c: &Item, cx: &mut Cx) -> Option<u32> {
    let first = cx.arg(c, 0)?;
    if first.text.starts_with(|ch: char| ch.is_ascii_digit()) {
        if c.args.len() != 1 {
            cx.error(c.span(), "Extra parameter(s) to umask option");
            return None;
        }
        let t = first.text.as_str();
        let v = if let Some(h) =
            t.strip_prefix("0x").or_else(|| t.strip_prefix("0X"))
        {
            u32::from_str_radix(h, 16).ok()
        } else if t.len() > 1 && t.starts_with('0') {
            u32::from_str_radix(&t[1..], 8).ok()
        } else {
            t.parse().ok()
        };
        return match v {
            Some(v) if v & !0o777 == 0 => Some(v),
            _ => {
                cx.error(first.span, format!("invalid umask value {t}"));
                None
            }
        };
    }
    umask_bits(c, cx)
}

fn umask_bits(c: &Item, cx: &mut Cx) -> Option<u32> {
    const BITS: [(&str, u32); 9] = [
        ("IRUSR", 0o400),
        ("IWUSR", 0o200),
        ("IXUSR", 0o100),
        ("IRGRP", 0o040),
        ("IWGRP", 0o020),
        ("IXGRP", 0o010),
        ("IROTH", 0o004),
        ("IWOTH", 0o002),
        ("IXOTH", 0o001),
    ];
    let mut bits = 0;
    let mut need_or = false;
    for w in &c.args {
        let mut rest = w.text.as_str();
        while !rest.is_empty() {
            if need_or {
                let Some(r) = rest.strip_prefix('|') else {
                    cx.error(
                        w.span,
                        format!("Invalid umask syntax {}", w.text),
                    );
                    return None;
                };
                rest = r;
                need_or = false;
                continue;
            }
            let Some((name, b)) =
                BITS.iter().find(|(n, _)| rest.starts_with(n))
            else {
                cx.error(w.span, format!("Unknown umask bit {rest}"));
                return None;
            };
            bits |= b;
            rest = &rest[name.len()..];
            need_or = true;
        }
    }
    if !need_or {
        cx.error(c.span(), "umask missing bit value");
        return None;
    }
    Some(bits)
}

/// keepalived compat: `include_check` words are `[+|-]TYPE` with TYPE
/// `read`, `match`, `wildcard_match` or `brace_match`; a word without a
/// sign is only allowed first. The preprocessor applies the keyword and
/// reports bad words; the model keeps the valid ones.
fn include_check(c: &Item, g: &mut GlobalDefs) {
    let kept = c
        .args
        .iter()
        .enumerate()
        .filter(|(i, w)| {
            let t = w.text.as_str();
            let bare = t.strip_prefix(['+', '-']).unwrap_or(t);
            (*i == 0 || bare.len() != t.len())
                && matches!(
                    bare,
                    "read" | "match" | "wildcard_match" | "brace_match"
                )
        })
        .map(|(_, w)| w.text.clone())
        .collect();
    g.reload.include_check = Some(kept);
}

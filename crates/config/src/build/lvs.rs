//! Builders for the load-balancing blocks: `virtual_server_group`,
//! `virtual_server`, `real_server`, the checkers and `SSL`.
//!
//! Each builder follows keepalived 2.2.7's `check_parser.c` handlers:
//! a bad value is reported and the keyword ignored (the default stays),
//! a bad server address skips its whole block, and the block-end checks
//! (address families, missing `url`/`path`/`misc_path`, …) drop what
//! keepalived drops. Cross-object rules live in [`crate::validate::lvs`].

mod args;
mod checkers;
mod vs;

#[cfg(test)]
mod tests;

use std::net::IpAddr;

use crate::ast::Item;
use crate::build::Cx;
use crate::build::cx::parse_uint;
use crate::model::lvs::{
    Family, LvsSection, SslConfig, VirtualServerGroup, VsgEntry,
};

/// Root keywords this module builds.
pub const ROOT_KEYWORDS: &[&str] =
    &["virtual_server", "virtual_server_group", "SSL"];

const SSL_KEYWORDS: &[&str] = &["password", "ca", "certificate", "key"];

/// The load-balancing blocks' keyword tables (block name, keywords), for
/// the generated configuration manual page.
pub const KEYWORD_TABLES: &[(&str, &[&str])] = &[
    ("SSL", SSL_KEYWORDS),
    ("virtual_server", vs::VS_KEYWORDS),
    ("real_server", vs::RS_KEYWORDS),
    ("checkers", checkers::CHECKER_KEYWORDS),
    ("checker connection", checkers::CONN_KEYWORDS),
    ("checker common", checkers::COMMON_KEYWORDS),
    ("HTTP_GET", checkers::HTTP_TABLES[0]),
    ("url", checkers::HTTP_TABLES[1]),
];

/// Builds one root-level load-balancing item into `lvs`.
pub fn build_root(item: &Item, cx: &mut Cx, lvs: &mut LvsSection) {
    match item.name() {
        "SSL" => build_ssl(item, cx, lvs),
        "virtual_server_group" => {
            if let Some(g) = build_group(item, cx) {
                lvs.groups.push(g);
            }
        }
        "virtual_server" => {
            if let Some(v) = vs::build_vs(item, cx) {
                lvs.virtual_servers.push(v);
            }
        }
        _ => cx.unknown_keyword(item, ROOT_KEYWORDS),
    }
}

/// The items of a block; a missing `{` is only logged by keepalived, so
/// it is a warning here and the block is taken as empty.
pub(crate) fn children<'a>(cx: &mut Cx, item: &'a Item) -> &'a [Item] {
    if item.block.is_none() {
        cx.warn(
            item.span(),
            format!("`{}` needs a `{{ … }}` block", item.name()),
        );
    }
    item.children()
}

fn build_ssl(item: &Item, cx: &mut Cx, lvs: &mut LvsSection) {
    if lvs.ssl.is_some() {
        cx.error(item.span(), "SSL context already specified - replacing");
    }
    let mut ssl = SslConfig::default();
    for it in children(cx, item) {
        let slot = match it.name() {
            "password" => &mut ssl.password,
            "ca" => &mut ssl.ca,
            "certificate" => &mut ssl.certificate,
            "key" => &mut ssl.key,
            _ => {
                cx.unknown_keyword(it, SSL_KEYWORDS);
                continue;
            }
        };
        let Some(w) = it.arg(0) else {
            cx.error(it.span(), format!("SSL {} missing", it.name()));
            continue;
        };
        if slot.is_some() {
            cx.error(
                it.span(),
                format!("SSL {} already specified - replacing", it.name()),
            );
        }
        *slot = Some(w.text.clone());
    }
    lvs.ssl = Some(ssl);
}

/// `virtual_server_group NAME { … }` (`vsg_handler`, `alloc_vsg_entry`).
fn build_group(item: &Item, cx: &mut Cx) -> Option<VirtualServerGroup> {
    let name = cx.string_arg(item, 0)?;
    let mut g = VirtualServerGroup {
        name,
        entries: Vec::new(),
    };
    for it in children(cx, item) {
        if let Some(e) = vsg_entry(cx, &g.name, it) {
            g.entries.push(e);
        }
    }
    let end = item.span();
    if g.entries.is_empty() {
        cx.error(
            end,
            format!(
                "virtual server group {} has no entries - removing",
                g.name
            ),
        );
        return None;
    }
    let has = |f: Family| {
        g.entries.iter().any(|e| match e {
            VsgEntry::Range { start, .. } => Family::of(*start) == f,
            VsgEntry::Fwmark { family, .. } => *family == Some(f),
        })
    };
    let fwmark_no_family = g
        .entries
        .iter()
        .any(|e| matches!(e, VsgEntry::Fwmark { family: None, .. }));
    if has(Family::Inet) && has(Family::Inet6) && fwmark_no_family {
        cx.error(
            end,
            format!(
                "virtual server group {} cannot have IPv4, IPv6 and fwmark \
                 without family - removing",
                g.name
            ),
        );
        return None;
    }
    Some(g)
}

fn vsg_entry(cx: &mut Cx, gname: &str, it: &Item) -> Option<VsgEntry> {
    if it.name() == "fwmark" {
        let mark = cx.u32_arg(it, 0, 0..=u32::MAX)?;
        let family = match it.arg(1).map(|w| w.text.as_str()) {
            None => None,
            Some("inet") => Some(Family::Inet),
            Some("inet6") => Some(Family::Inet6),
            Some(f) => {
                cx.error(it.span(), format!("({gname}): fwmark '{mark}' family {f} unknown - ignoring"));
                return None;
            }
        };
        return Some(VsgEntry::Fwmark { mark, family });
    }
    let text = it.name();
    let port = match it.arg(0) {
        None => Some(0),
        Some(p) => args::parse_port(&p.text),
    };
    let (Some(start), Some(port)) = (args::parse_ip_lenient(text), port) else {
        cx.error(
            it.span(),
            format!(
                "invalid virtual server group IP address `{text}` - skipping"
            ),
        );
        return None;
    };
    let end = match vsg_range_end(text, start) {
        Ok(end) => end,
        Err(msg) => {
            cx.error(it.span(), format!("{msg} - {text} - skipping"));
            return None;
        }
    };
    Some(VsgEntry::Range { start, end, port })
}

/// The last address of a range entry: `/LEN`, `-A.B.C.D` / `-IPV6`, or
/// the short `-N` form replacing the last octet (IPv4, decimal) or the
/// last 16-bit group (IPv6, hex).
fn vsg_range_end(text: &str, start: IpAddr) -> Result<IpAddr, String> {
    let bits: u32 = if start.is_ipv4() { 32 } else { 128 };
    let to_u128 = |ip: IpAddr| match ip {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    };
    let from_u128 = |v: u128| match start {
        IpAddr::V4(_) => IpAddr::V4((v as u32).into()),
        IpAddr::V6(_) => IpAddr::V6(v.into()),
    };
    let s = to_u128(start);
    if let Some((_, len)) = text.split_once('/') {
        let len = parse_uint(len)
            .filter(|l| *l >= 1 && *l <= u64::from(bits))
            .ok_or("invalid netmask")? as u32;
        let host = if len == 128 {
            0
        } else {
            (1u128 << (bits - len)) - 1
        };
        if s & host != 0 {
            return Err("address mask bits not empty".into());
        }
        return Ok(from_u128(s | host));
    }
    let Some((_, tail)) = text.split_once('-') else {
        return Ok(start);
    };
    let full = if start.is_ipv4() {
        tail.contains('.')
    } else {
        tail.contains(':')
    };
    if full {
        let end: IpAddr = tail.parse().map_err(|_| "invalid range end")?;
        if end.is_ipv4() != start.is_ipv4() {
            return Err("range address families do not match".into());
        }
        if to_u128(end) < s {
            return Err(
                "address range end is less than address range start".into()
            );
        }
        return Ok(end);
    }
    let (radix, limit, low_bits) = if start.is_ipv4() {
        (10, 255, 8)
    } else {
        (16, 0xffff, 16)
    };
    let r = u128::from_str_radix(tail, radix)
        .ok()
        .filter(|r| *r <= limit)
        .ok_or("virtual server group range end invalid or too large")?;
    let mask = (1u128 << low_bits) - 1;
    if s & mask >= r {
        return Err(
            "address range end is not greater than address range start".into(),
        );
    }
    Ok(from_u128((s & !mask) | r))
}

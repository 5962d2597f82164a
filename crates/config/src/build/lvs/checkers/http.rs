//! `HTTP_GET` / `SSL_GET` keywords and their `url { … }` blocks
//! (check_http.c `install_http_ssl_check_keyword`).

use super::super::args::{self, flag_bool};
use super::super::children;
use super::{CheckerKind, unknown};
use crate::ast::Item;
use crate::build::Cx;
use crate::build::cx::parse_uint;
use crate::model::lvs::{HttpCheck, HttpProtocol, Url};

pub(super) const HTTP_KEYWORDS: &[&str] = &[
    "nb_get_retry",
    "virtualhost",
    "http_protocol",
    "enable_sni",
    "fast_recovery",
    "url",
];
pub(super) const URL_KEYWORDS: &[&str] = &[
    "path",
    "digest",
    "status_code",
    "virtualhost",
    "regex",
    "regex_no_match",
    "regex_options",
    "regex_min_offset",
    "regex_max_offset",
    "regex_stack",
];
/// PCRE2 option names keepalived knows (`regex_options[]`), in order.
pub(crate) const REGEX_OPTIONS: &[&str] = &[
    "allow_empty_class",
    "alt_bsux",
    "auto_callout",
    "caseless",
    "dollar_endonly",
    "dotall",
    "dupnames",
    "extended",
    "firstline",
    "match_unset_backref",
    "multiline",
    "never_ucp",
    "never_utf",
    "no_auto_capture",
    "no_auto_possess",
    "no_dotstar_anchor",
    "no_start_optimize",
    "ucp",
    "ungreedy",
    "utf",
    "never_backslash_c",
    "alt_circumflex",
    "alt_verbnames",
    "use_offset_limit",
];
/// `HTTP_STATUS_CODE_MIN/MAX` (check_http.h).
const STATUS_MIN: u16 = 100;
const STATUS_MAX: u16 = 599;
/// `HTTP_DEFAULT_STATUS_CODE_MIN/MAX`.
const DEFAULT_STATUS: (u16, u16) = (200, 299);

/// One HTTP_GET/SSL_GET keyword (the common ones are handled by the
/// caller).
pub(super) fn keyword(cx: &mut Cx, h: &mut HttpCheck, it: &Item) {
    match it.name() {
        "virtualhost" => {
            if let Some(v) = cx.string_arg(it, 0) {
                h.virtualhost = Some(v);
            }
        }
        "http_protocol" => {
            let Some(w) = cx.arg(it, 0) else { return };
            h.protocol = match w.text.as_str() {
                "1.0" => HttpProtocol::Http10,
                "1.1" => HttpProtocol::Http11,
                "1.0C" | "1.0c" => HttpProtocol::Http10Close,
                o => {
                    cx.error(
                        w.span,
                        format!("invalid http_protocol version {o}"),
                    );
                    return;
                }
            };
        }
        "enable_sni" => {
            if let Some(b) = flag_bool(cx, it) {
                h.enable_sni = b;
            }
        }
        "fast_recovery" => {
            if let Some(b) = flag_bool(cx, it) {
                h.fast_recovery = b;
            }
        }
        "url" => {
            if let Some(u) = build_url(cx, it) {
                h.urls.push(u);
            }
        }
        _ => unknown(cx, it, &CheckerKind::Tcp, HTTP_KEYWORDS),
    }
}

/// A `url { … }` block; `None` without `path` (`url_check`).
fn build_url(cx: &mut Cx, item: &Item) -> Option<Url> {
    let mut u = Url::default();
    let mut have_path = false;
    for it in children(cx, item) {
        match it.name() {
            "path" => {
                if let Some(p) = cx.string_arg(it, 0) {
                    u.path = p;
                    have_path = true;
                }
            }
            "digest" => digest(cx, &mut u, it),
            "status_code" => status_codes(cx, &mut u, it),
            "virtualhost" => {
                if let Some(v) = cx.string_arg(it, 0) {
                    u.virtualhost = Some(v);
                }
            }
            "regex" => match args::quoted_words(cx, it) {
                Some(w) if w.len() == 1 => u.regex = w.into_iter().next(),
                // keepalived compat: only logged.
                _ => cx.warn(it.span(), "regex missing or too many fields"),
            },
            "regex_no_match" => u.regex_no_match = true,
            "regex_options" => regex_options(&mut u, it),
            "regex_min_offset" => u.regex_min_offset = Some(offset(cx, it)),
            "regex_max_offset" => u.regex_max_offset = Some(offset(cx, it)),
            "regex_stack" => regex_stack(cx, &mut u, it),
            _ => cx.unknown_keyword(it, URL_KEYWORDS),
        }
    }
    if !have_path {
        cx.error(
            item.span(),
            "HTTP/SSL_GET checker url has no path - ignoring",
        );
        return None;
    }
    url_end(cx, item, &mut u);
    Some(u)
}

/// `url_check`: default status codes, regex parameter consistency.
fn url_end(cx: &mut Cx, item: &Item, u: &mut Url) {
    if u.status_codes.is_empty() {
        u.status_codes.push(DEFAULT_STATUS);
    }
    let has_params = !u.regex_options.is_empty()
        || u.regex_no_match
        || u.regex_min_offset.is_some_and(|v| v != 0)
        || u.regex_max_offset.is_some()
        || u.regex_stack.is_some();
    if u.regex.is_none() && has_params {
        cx.warn(item.span(), "regex parameters specified without regex");
        u.regex_options.clear();
        u.regex_no_match = false;
        u.regex_min_offset = None;
        u.regex_max_offset = None;
        u.regex_stack = None;
    }
    // keepalived stores max + 1 and requires min < max + 1.
    if let Some(max) = u.regex_max_offset
        && u.regex_min_offset.unwrap_or(0) > max
    {
        cx.warn(
            item.span(),
            "regex min offset > regex_max_offset - ignoring",
        );
        u.regex_min_offset = None;
        u.regex_max_offset = None;
    }
    if u.regex_min_offset == Some(0) {
        u.regex_min_offset = None;
    }
}

fn digest(cx: &mut Cx, u: &mut Url, it: &Item) {
    let Some(w) = cx.arg(it, 0) else { return };
    let d = w.text.as_str();
    if u.digest.is_some() {
        cx.error(w.span, format!("digest '{d}' is a duplicate"));
        return;
    }
    if d.len() != 32 {
        cx.error(
            w.span,
            format!(
                "digest '{d}' character length should be 32 rather than {}",
                d.len()
            ),
        );
        return;
    }
    let mut out = [0u8; 16];
    for (i, b) in out.iter_mut().enumerate() {
        match d
            .get(2 * i..2 * i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            Some(v) => *b = v,
            None => {
                cx.error(w.span, format!("unable to interpret hex digit in '{d}' at offset {}/{}", 2 * i, 2 * i + 1));
                return;
            }
        }
    }
    u.digest = Some(out);
}

/// `status_code N|A-B …`: invalid entries are reported and skipped; the
/// set is kept as sorted, merged ranges.
fn status_codes(cx: &mut Cx, u: &mut Url, it: &Item) {
    for w in &it.args {
        let (a, b) = w.text.split_once('-').unwrap_or((&w.text, &w.text));
        let ok = |s: &str| {
            parse_uint(s)
                .filter(|v| {
                    (u64::from(STATUS_MIN)..=u64::from(STATUS_MAX)).contains(v)
                })
                .map(|v| v as u16)
        };
        match (ok(a), ok(b)) {
            (Some(lo), Some(hi)) if lo <= hi => u.status_codes.push((lo, hi)),
            _ => cx.error(
                w.span,
                format!("invalid HTTP_GET status code '{}'", w.text),
            ),
        }
    }
    u.status_codes = merge_ranges(std::mem::take(&mut u.status_codes));
}

/// Sorts and merges overlapping or adjacent inclusive ranges.
pub(crate) fn merge_ranges(mut v: Vec<(u16, u16)>) -> Vec<(u16, u16)> {
    v.sort_unstable();
    let mut out: Vec<(u16, u16)> = Vec::with_capacity(v.len());
    for (lo, hi) in v {
        match out.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => {
                last.1 = last.1.max(hi)
            }
            _ => out.push((lo, hi)),
        }
    }
    out
}

/// keepalived compat: unknown option names are silently ignored.
fn regex_options(u: &mut Url, it: &Item) {
    for w in &it.args {
        if REGEX_OPTIONS.contains(&w.text.as_str())
            && !u.regex_options.contains(&w.text)
        {
            u.regex_options.push(w.text.clone());
        }
    }
    u.regex_options
        .sort_by_key(|o| REGEX_OPTIONS.iter().position(|k| k == o));
}

/// keepalived compat: a bad offset is only logged and reads as 0.
fn offset(cx: &mut Cx, it: &Item) -> u64 {
    match (it.args.len(), it.arg(0).and_then(|w| parse_uint(&w.text))) {
        (1, Some(v)) => v,
        _ => {
            cx.warn(it.span(), format!("invalid or missing `{}`", it.name()));
            0
        }
    }
}

fn regex_stack(cx: &mut Cx, u: &mut Url, it: &Item) {
    let nums: Vec<Option<u64>> =
        it.args.iter().map(|w| parse_uint(&w.text)).collect();
    match nums.as_slice() {
        [Some(a), Some(b)] if a <= b => u.regex_stack = Some((*a, *b)),
        // keepalived compat: only logged.
        _ => cx.warn(
            it.span(),
            "regex_stack requires start and max values, start <= max",
        ),
    }
}

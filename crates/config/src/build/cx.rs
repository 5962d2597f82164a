//! The build context: diagnostics plus the argument readers every block
//! builder shares, so that a number, a timer or a boolean is read, checked
//! and reported the same way everywhere.
//!
//! keepalived compat: keepalived reports a bad value, applies the keyword's
//! default (or ignores the line) and carries on; readers here return `None`
//! after reporting, and the caller keeps its default.

use std::net::IpAddr;
use std::ops::RangeInclusive;
use std::time::Duration;

use crate::ast::{Item, Word};
use crate::diag::{Diagnostic, Diagnostics, did_you_mean};
use crate::lexer::split_quoted_escaped;
use crate::source::Span;

/// Shared state while turning the syntax tree into the typed model.
#[derive(Debug, Default)]
pub struct Cx {
    /// Findings so far.
    pub diags: Diagnostics,
    /// Named blocks built so far.
    pub(crate) names: super::names::Names,
    /// Rules given a preference so far, IPv4 and IPv6.
    rules_numbered: [u32; 2],
    /// `lvs_sync_daemon_interface` of the instance just built (span,
    /// instance, interface), for the global `lvs_sync_daemon`.
    pub(crate) syncd_interfaces: Vec<(Span, String, String)>,
}

impl Cx {
    /// A context with no findings.
    pub fn new() -> Self {
        Self::default()
    }

    /// keepalived compat (`RULE_START_PRIORITY`): the preference for the
    /// next rule written without one, counting down from 16384 per
    /// family over every static and virtual rule of the configuration.
    pub(crate) fn next_rule_preference(&mut self, ipv6: bool) -> u32 {
        let n = &mut self.rules_numbered[usize::from(ipv6)];
        *n += 1;
        16385u32.saturating_sub(*n)
    }

    /// Reports a configuration error.
    pub fn error(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.error(span, msg);
    }

    /// Reports a warning.
    pub fn warn(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.warning(span, msg);
    }

    /// Reports that a keyword is valid keepalived but not acted on yet.
    pub fn unsupported(&mut self, item: &Item) {
        self.diags
            .unsupported(item.span(), format!("`{}`", item.name()));
    }

    /// Reports an unknown keyword, suggesting the closest of `known`.
    ///
    /// keepalived compat: "Unknown keyword 'x'" is a configuration error;
    /// the line (and the block it opens) is skipped.
    pub fn unknown_keyword(&mut self, item: &Item, known: &[&str]) {
        let mut d = Diagnostic::error(
            item.span(),
            format!("unknown keyword `{}`", item.name()),
        );
        if let Some(s) = did_you_mean(item.name(), known) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        self.diags.push(d);
    }

    /// The `i`-th argument, reporting its absence.
    pub fn arg<'a>(&mut self, item: &'a Item, i: usize) -> Option<&'a Word> {
        let w = item.arg(i);
        if w.is_none() {
            let what = if i == 0 {
                "an argument"
            } else {
                "more arguments"
            };
            self.error(item.span(), format!("`{}` needs {what}", item.name()));
        }
        w
    }

    /// Reports arguments beyond the first `n` as ignored.
    pub fn extra_args(&mut self, item: &Item, n: usize) {
        if let Some(w) = item.args.get(n) {
            self.error(
                w.span,
                format!("`{}`: unexpected argument `{}`", item.name(), w.text),
            );
        }
    }

    /// Reports a block where none belongs. keepalived compat: the block's
    /// contents are then parsed as if they were at the outer level, which
    /// keepalived reports as unknown keywords; we report the block instead.
    pub fn no_block(&mut self, item: &Item) {
        if item.block.is_some() {
            self.error(
                item.span(),
                format!("`{}` does not take a block", item.name()),
            );
        }
    }

    /// The block's items, reporting a missing block.
    pub fn block<'a>(&mut self, item: &'a Item) -> Option<&'a [Item]> {
        if item.block.is_none() {
            self.error(
                item.span(),
                format!("`{}` needs a `{{ … }}` block", item.name()),
            );
        }
        item.block.as_deref()
    }

    /// An unsigned integer argument in `range`.
    pub fn u32_arg(
        &mut self,
        item: &Item,
        i: usize,
        range: RangeInclusive<u32>,
    ) -> Option<u32> {
        let w = self.arg(item, i)?;
        self.u32_word(item.name(), w, range)
    }

    /// An unsigned integer word in `range`.
    pub fn u32_word(
        &mut self,
        what: &str,
        w: &Word,
        range: RangeInclusive<u32>,
    ) -> Option<u32> {
        let wide = i128::from(*range.start())..=i128::from(*range.end());
        let v =
            self.int_word(what, w, parse_uint(&w.text).map(i128::from), wide)?;
        u32::try_from(v).ok()
    }

    /// A signed integer argument in `range`.
    pub fn i64_arg(
        &mut self,
        item: &Item,
        i: usize,
        range: RangeInclusive<i64>,
    ) -> Option<i64> {
        let w = self.arg(item, i)?;
        self.i64_word(item.name(), w, range)
    }

    /// A signed integer word in `range`.
    pub fn i64_word(
        &mut self,
        what: &str,
        w: &Word,
        range: RangeInclusive<i64>,
    ) -> Option<i64> {
        let wide = i128::from(*range.start())..=i128::from(*range.end());
        let v =
            self.int_word(what, w, parse_int(&w.text).map(i128::from), wide)?;
        i64::try_from(v).ok()
    }

    /// Checks a parsed integer against `range`, reporting an invalid
    /// number or a value out of range.
    fn int_word(
        &mut self,
        what: &str,
        w: &Word,
        parsed: Option<i128>,
        range: RangeInclusive<i128>,
    ) -> Option<i128> {
        match parsed {
            Some(v) if range.contains(&v) => Some(v),
            Some(v) => {
                self.out_of_range(what, w, v, *range.start(), *range.end());
                None
            }
            None => {
                self.error(
                    w.span,
                    format!("`{what}`: invalid number `{}`", w.text),
                );
                None
            }
        }
    }

    /// A time in seconds with up to six decimals (keepalived's `TIMER`,
    /// microsecond resolution), within `min..=max`.
    pub fn timer_arg(
        &mut self,
        item: &Item,
        i: usize,
        min: Duration,
        max: Duration,
    ) -> Option<Duration> {
        let w = self.arg(item, i)?;
        match parse_seconds(&w.text) {
            Some(d) if d >= min && d <= max => Some(d),
            Some(_) => {
                self.error(
                    w.span,
                    format!(
                        "`{}` {} out of range {}..={} seconds",
                        item.name(),
                        w.text,
                        fmt_secs(min),
                        fmt_secs(max)
                    ),
                );
                None
            }
            None => {
                self.error(
                    w.span,
                    format!("`{}`: invalid time `{}`", item.name(), w.text),
                );
                None
            }
        }
    }

    /// An optional boolean argument (`on|off|true|false|yes|no`); absent
    /// means true (keepalived's `check_true_false` convention).
    pub fn bool_arg(&mut self, item: &Item, i: usize) -> Option<bool> {
        let Some(w) = item.arg(i) else {
            return Some(true);
        };
        match parse_bool(&w.text) {
            Some(b) => Some(b),
            None => {
                self.error(
                    w.span,
                    format!("`{}`: invalid boolean `{}` (use on/off, true/false, yes/no)", item.name(), w.text),
                );
                None
            }
        }
    }

    /// A string argument.
    pub fn string_arg(&mut self, item: &Item, i: usize) -> Option<String> {
        self.arg(item, i).map(|w| w.text.clone())
    }

    /// An IP address argument.
    ///
    /// keepalived compat: the keywords read this way go through
    /// `inet_stosockaddr()`, which drops everything from the first `-` or
    /// `/` (a range or a prefix length, whatever its value) before parsing.
    pub fn ip_arg(&mut self, item: &Item, i: usize) -> Option<IpAddr> {
        let w = self.arg(item, i)?;
        let bare = strip_range_or_prefix(&w.text);
        match bare.parse::<IpAddr>() {
            Ok(ip) => Some(ip),
            Err(_) => self.ip_word(item.name(), w),
        }
    }

    /// An IP address word.
    pub fn ip_word(&mut self, what: &str, w: &Word) -> Option<IpAddr> {
        match w.text.parse::<IpAddr>() {
            Ok(ip) => Some(ip),
            Err(_) => {
                self.error(
                    w.span,
                    format!("`{what}`: invalid IP address `{}`", w.text),
                );
                None
            }
        }
    }

    /// One of `choices`, compared as keepalived does (case-insensitively
    /// where `ignore_case`).
    pub fn choice_arg<'c>(
        &mut self,
        item: &Item,
        i: usize,
        choices: &[&'c str],
        ignore_case: bool,
    ) -> Option<&'c str> {
        let w = self.arg(item, i)?;
        let found = choices.iter().find(|c| {
            if ignore_case {
                c.eq_ignore_ascii_case(&w.text)
            } else {
                **c == w.text
            }
        });
        if found.is_none() {
            self.error(
                w.span,
                format!(
                    "`{}`: invalid value `{}` (expected one of {})",
                    item.name(),
                    w.text,
                    choices.join(", ")
                ),
            );
        }
        found.copied()
    }

    /// A command for a keyword keepalived re-tokenises with quotes and
    /// escapes (`script`, `notify*`, FIFO scripts): the first word of the
    /// raw line is split again into argv; the next two are user and group.
    pub fn script_cmd(
        &mut self,
        item: &Item,
    ) -> Option<crate::model::vrrp::ScriptCmd> {
        let words = match split_quoted_escaped(&item.raw_args) {
            Ok(w) => w,
            Err(e) => {
                self.error(item.raw_span, format!("`{}`: {e}", item.name()));
                return None;
            }
        };
        let Some(cmd) = words.first() else {
            self.error(
                item.span(),
                format!("`{}` needs a command", item.name()),
            );
            return None;
        };
        let argv = match split_quoted_escaped(cmd) {
            Ok(a) if !a.is_empty() => a,
            _ => {
                self.error(
                    item.raw_span,
                    format!("Unable to parse script '{cmd}' - ignoring"),
                );
                return None;
            }
        };
        Some(crate::model::vrrp::ScriptCmd {
            argv,
            user: words.get(1).cloned(),
            group: words.get(2).cloned(),
        })
    }

    fn out_of_range(
        &mut self,
        what: &str,
        w: &Word,
        v: i128,
        min: i128,
        max: i128,
    ) {
        self.error(w.span, format!("{what} {v} out of range {min}..={max}"));
    }
}

/// Parses a decimal unsigned integer as keepalived's `read_unsigned` does:
/// optional leading `+`, digits only.
pub fn parse_uint(s: &str) -> Option<u64> {
    let digits = s.strip_prefix('+').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Parses a decimal signed integer.
pub fn parse_int(s: &str) -> Option<i64> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: i64 = digits.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// Parses seconds with up to six decimal places into a duration.
pub fn parse_seconds(s: &str) -> Option<Duration> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    let int = if int.is_empty() && !frac.is_empty() {
        "0"
    } else {
        int
    };
    let secs = parse_uint(int)?;
    if frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let micros: u64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<6}").parse().ok()?
    };
    Some(Duration::from_secs(secs) + Duration::from_micros(micros))
}

/// Parses keepalived's booleans.
///
/// keepalived compat: `check_true_false()` compares case-sensitively, so
/// `Yes` is an error.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "on" | "true" | "yes" => Some(true),
        "off" | "false" | "no" => Some(false),
        _ => None,
    }
}

/// Formats a duration as seconds with as few decimals as needed, the way
/// keepalived.conf writes timers.
pub fn fmt_secs(d: Duration) -> String {
    let micros = d.as_micros();
    let (s, us) = (micros / 1_000_000, micros % 1_000_000);
    if us == 0 {
        s.to_string()
    } else {
        let frac = format!("{us:06}");
        format!("{s}.{}", frac.trim_end_matches('0'))
    }
}

/// keepalived's `inet_stosockaddr()`: the address before the first `-`
/// (a range) or `/` (a prefix length).
pub(crate) fn strip_range_or_prefix(text: &str) -> &str {
    let end = text.find('-').or_else(|| text.find('/'));
    end.map_or(text, |e| &text[..e])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_timers() {
        assert_eq!(parse_uint("+42"), Some(42));
        assert_eq!(parse_uint("4x"), None);
        assert_eq!(parse_int("-253"), Some(-253));
        assert_eq!(parse_seconds("0.01"), Some(Duration::from_millis(10)));
        assert_eq!(parse_seconds("1.5"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_seconds(".5"), Some(Duration::from_millis(500)));
        assert_eq!(parse_seconds("1.0000001"), None);
        assert_eq!(fmt_secs(Duration::from_millis(1500)), "1.5");
        assert_eq!(fmt_secs(Duration::from_secs(3)), "3");
        assert_eq!(parse_bool("yes"), Some(true));
        assert_eq!(parse_bool("Yes"), None);
    }
}

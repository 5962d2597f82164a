//! Expansion of `$NAME` / `${NAME}` in a line (keepalived's
//! `replace_param`): recursive, at use time, limited to the 1023-byte line
//! buffer, with multi-line definitions handing their further lines to the
//! reader through a [`Cursor`].

use std::rc::Rc;

use super::{Ctx, Cursor, Defs, MAX_MULTILINE_DEPTH, MAX_SUBSTITUTIONS};
use crate::preprocess::text::{Text, ceil_boundary};

impl Defs {
    /// Expands every definition used in `t`. `ml` is the multi-line
    /// expansion in progress; it is replaced when `t` ends with a use of a
    /// multi-line definition. Returns whether anything was expanded;
    /// `false` also when expansion stopped because the line would exceed
    /// `max_len` (keepalived then keeps the partly expanded line).
    pub(crate) fn replace(
        &mut self,
        t: &mut Text,
        max_len: usize,
        ml: &mut Option<Cursor>,
        cx: &mut Ctx<'_>,
    ) -> bool {
        let mut cur = 0;
        let mut len_used = t.len();
        let mut found = false;
        let mut next_ptr: Option<Cursor> = None;
        let mut multiline_ptr = ml.clone();
        let mut count = 0;
        while let Some(pos) = t.find_any(cur, b"$") {
            if pos + 1 >= t.len() {
                break;
            }
            let Some(u) = self.find_use(&t.bytes()[pos + 1..]) else {
                cur = pos + 1;
                continue;
            };
            count += 1;
            if count > MAX_SUBSTITUTIONS {
                cx.diags.error(
                    cx.span,
                    "definition expansion does not terminate (a definition \
                     refers to itself?); line left partly expanded",
                );
                return false;
            }
            found = true;
            let col = t.col(pos);
            let after = t.s[pos + 1..].to_string();
            let value = self.value_of(&u, &after, cx);
            next_ptr = multiline_ptr.clone();
            let replacing = if self.defs[u.idx].multiline {
                let outer = multiline_ptr.take();
                let Some((first, cursor)) =
                    self.start_multiline(&value, outer, col, cx)
                else {
                    return false;
                };
                next_ptr = Some(cursor.clone());
                multiline_ptr = Some(cursor);
                first
            } else {
                value.clone()
            };
            let replaced_len = match u.params {
                Some((_, end)) if !self.defs[u.idx].multiline => end,
                _ => u.name_len,
            };
            let total = replaced_len + 1 + if u.braces { 2 } else { 0 };
            if (len_used + replacing.len()).saturating_sub(total) >= max_len {
                cx.diags.warning(cx.span, "parameter substitution would exceed the maximum line length of 1023 bytes; line left partly expanded");
                return false;
            }
            splice(t, pos, total, &replacing, col, u.params.is_some());
            len_used = (len_used + replacing.len()).saturating_sub(total);
            if value.trim_start_matches([' ', '\t']).starts_with('~') {
                break;
            }
        }
        if found {
            *ml = next_ptr;
        }
        found
    }

    /// Starts expanding a multi-line definition whose value is `value`:
    /// suspends the expansion in progress (`outer`) and returns the first
    /// line with a cursor on the rest. `None` when nesting is too deep.
    fn start_multiline(
        &mut self,
        value: &str,
        outer: Option<Cursor>,
        col: u32,
        cx: &mut Ctx<'_>,
    ) -> Option<(String, Cursor)> {
        if let Some(outer) = outer {
            if self.stack.len() >= MAX_MULTILINE_DEPTH {
                cx.diags.error(
                    cx.span,
                    "multi-line definitions nested too deeply; expansion stopped",
                );
                return None;
            }
            self.stack.push((outer, self.ml_seq_depth));
        }
        self.ml_seq_depth = cx.seq_count;
        let first = value.split('\n').next().unwrap_or("").to_string();
        let cursor = Cursor {
            pos: (first.len() + 1).min(value.len()),
            value: Rc::from(value),
            file: cx.span.file,
            line: cx.span.line,
            col,
        };
        Some((first, cursor))
    }
}

/// Replaces the `total` bytes of the use at `pos` by `value`.
fn splice(
    t: &mut Text,
    pos: usize,
    total: usize,
    value: &str,
    col: u32,
    params: bool,
) {
    let end = (pos + total).min(t.len());
    let rl = value.len();
    if params && rl < total && end < t.len() {
        // keepalived compat: when a `${_RANDOM MIN MAX}` in the middle of a
        // line is replaced by a shorter number, keepalived 2.2.7 moves only
        // the end of the reference, so the line reads: the number, the
        // character after the `}`, then the line from `pos + rl + 1` on
        // (e.g. `${_RANDOM 5 5}xyz` becomes `5x_RANDOM 5 5}xyz`).
        let next = ceil_boundary(&t.s, end + 1);
        let mut new = Text::at(value, col);
        new.push_text(&t.slice(end, next));
        new.push_text(&t.slice(pos + rl + 1, t.len()));
        t.replace(pos, t.len(), &new);
    } else {
        t.replace(pos, end, &Text::at(value, col));
    }
}

//! Sequence and list blocks: `~SEQ(var, [start,] [step,] end) rest`,
//! `~SEQx(…)` (hexadecimal) and `~LST(var, v1, v2, …)` /
//! `~LST({a, b}, {1, 2}, {3, 4}) rest` repeat the rest of the line with
//! `$var` set to each value (keepalived.conf(5) "Sequence blocks", "List
//! blocks"; `lib/parser.c` `add_seq`, `add_lst`, `read_line` in 2.2.7).
//!
//! Nesting falls out of the representation: the repeated text may itself
//! start with `~SEQ`/`~LST`, which pushes an inner block that runs to its
//! end before the outer one moves on.

use crate::source::FileId;

use super::defs::{Ctx, Defs};
use super::text::{BLANK, Text};

/// keepalived's `seq_buf`: three numbers with separators must fit 64 bytes.
const SEQ_BUF: usize = 64;

/// What a block iterates over.
#[derive(Clone, Debug)]
enum Kind {
    /// `~SEQ`: numbers from `next` towards `last` by `step`.
    Seq {
        var: String,
        next: i64,
        step: i64,
        last: i64,
        hex: bool,
    },
    /// `~LST`: value sets for the parameters.
    Lst {
        params: Vec<String>,
        sets: Vec<Vec<String>>,
        next: usize,
    },
}

/// One active `~SEQ` or `~LST` block.
#[derive(Clone, Debug)]
pub(crate) struct Seq {
    kind: Kind,
    /// The text repeated for each value.
    text: Text,
    /// The line the block came from.
    pub(crate) file: FileId,
    pub(crate) line: u32,
}

impl Seq {
    /// Sets the block's variables for the next round and returns the text
    /// to process, plus whether this was the last round.
    pub(crate) fn next_round(&mut self, defs: &mut Defs) -> (Text, bool) {
        let done = match &mut self.kind {
            Kind::Seq {
                var,
                next,
                step,
                last,
                hex,
            } => {
                let val = if *hex {
                    format!("{:x}", *next as u64)
                } else {
                    next.to_string()
                };
                defs.set(var, &val);
                match next.checked_add(*step) {
                    Some(n) => {
                        *next = n;
                        (*step > 0 && n > *last) || (*step < 0 && n < *last)
                    }
                    None => true,
                }
            }
            Kind::Lst { params, sets, next } => {
                if let Some(set) = sets.get(*next) {
                    for (p, v) in params.iter().zip(set) {
                        defs.set(p, v);
                    }
                }
                *next += 1;
                *next >= sets.len()
            }
        };
        (self.text.clone(), done)
    }
}

/// Parses a line starting `~SEQ`. `Err(Some(msg))` carries keepalived's
/// specific complaint; the caller adds "Invalid ~SEQ specification".
pub(crate) fn add_seq(
    t: &Text,
    defs: &mut Defs,
    cx: &mut Ctx<'_>,
) -> Result<Seq, Option<String>> {
    let b = t.bytes();
    let invalid = || Some(format!("Invalid ~SEQ definition '{}'", t.s));
    let (hex, var, p) = seq_header(t)?;
    let Some(end_seq) = t.find_any(p, b")") else {
        return Err(invalid());
    };
    if end_seq + 2 - p > SEQ_BUF {
        return Err(Some(format!("~SEQ parameter strings too long '{}'", t.s)));
    }
    let mut params = t.slice(p, end_seq + 1);
    let mut ml = None;
    defs.replace(&mut params, SEQ_BUF, &mut ml, cx);
    if ml.is_some() {
        return Err(Some(format!(
            "~SEQ parameter is multiline definition '{}'",
            t.s
        )));
    }
    let (start, step, last) =
        seq_numbers(params.s.as_bytes()).ok_or_else(invalid)?;
    if step == 0 || (start < last && step < 0) || (start > last && step > 0) {
        return Err(Some(format!("Invalid ~SEQ values '{}'", t.s)));
    }
    if hex && (start < 0 || last < 0) {
        return Err(Some(format!(
            "~SEQx is only valid for positive numbers '{}'",
            t.s
        )));
    }
    let rest = end_seq + 1 + blanks(b, end_seq + 1);
    let kind = Kind::Seq {
        var,
        next: start,
        step,
        last,
        hex,
    };
    Ok(Seq {
        kind,
        text: t.slice(rest, t.len()),
        file: cx.span.file,
        line: cx.span.line,
    })
}

/// `~SEQ(var,` or `~SEQx(var,`: whether hexadecimal, the variable, and
/// where the numbers start.
fn seq_header(t: &Text) -> Result<(bool, String, usize), Option<String>> {
    let b = t.bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut p = 4;
    let hex = at(p) == b'x';
    if hex {
        p += 1;
    }
    p += blanks(b, p);
    if at(p) != b'(' {
        return Err(None);
    }
    p += 1;
    p += blanks(b, p);
    let var_start = p;
    while !matches!(at(p), b' ' | b'\t' | b',' | b')' | 0) {
        p += 1;
    }
    let var = t.s[var_start..p].to_string();
    p += blanks(b, p);
    if at(p) == 0 || at(p) == b')' || p == var_start {
        return Err(Some(format!("Invalid ~SEQ definition '{}'", t.s)));
    }
    // keepalived compat: the separator after the variable is skipped
    // without checking that it is a comma.
    p += 1;
    Ok((hex, var, p + blanks(b, p)))
}

/// `end`, `start, end` or `start, step, end` followed by `)`; returns
/// (start, step, end) with keepalived's defaults.
fn seq_numbers(s: &[u8]) -> Option<(i64, i64, i64)> {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let (one, mut p) = strtol(s, 0);
    p += blanks(s, p);
    if at(p) == b')' {
        // keepalived compat: `~SEQ(v, 0)` runs 1, 0.
        let end = one;
        return Some((
            if end < 0 { -1 } else { 1 },
            if end < 1 { -1 } else { 1 },
            end,
        ));
    }
    if at(p) != b',' {
        return None;
    }
    let (two, q) = strtol(s, p + 1);
    p = q + blanks(s, q);
    if at(p) == b')' {
        return Some((one, if one <= two { 1 } else { -1 }, two));
    }
    if at(p) != b',' {
        return None;
    }
    let (three, q) = strtol(s, p + 1);
    p = q + blanks(s, q);
    (at(p) == b')').then_some((one, two, three))
}

/// C `strtol(s + from, &end, 0)`: returns the value and the end offset
/// (`from` itself when there is no number), saturating on overflow.
pub(crate) fn strtol(s: &[u8], from: usize) -> (i64, usize) {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut p = from;
    while matches!(at(p), b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        p += 1;
    }
    let neg = at(p) == b'-';
    if matches!(at(p), b'+' | b'-') {
        p += 1;
    }
    let (radix, mut q) = if at(p) == b'0'
        && matches!(at(p + 1), b'x' | b'X')
        && at(p + 2).is_ascii_hexdigit()
    {
        (16, p + 2)
    } else if at(p) == b'0' {
        (8, p)
    } else {
        (10, p)
    };
    let digits_start = q;
    let mut val: i128 = 0;
    while let Some(d) = (at(q) as char).to_digit(radix) {
        val = (val * i128::from(radix) + i128::from(d))
            .min(i128::from(u64::MAX) + 1);
        q += 1;
    }
    if q == digits_start {
        return (0, from);
    }
    let val = if neg { -val } else { val };
    (
        val.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
        q,
    )
}

fn blanks(b: &[u8], from: usize) -> usize {
    b.get(from..)
        .map_or(0, |r| r.iter().take_while(|c| BLANK.contains(c)).count())
}

/// Parses a line starting `~LST`.
pub(crate) fn add_lst(t: &Text, cx: &Ctx<'_>) -> Result<Seq, Option<String>> {
    let b = t.bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut p = 4 + blanks(b, 4);
    if at(p) != b'(' {
        return Err(None);
    }
    p += 1;
    p += blanks(b, p);
    let (params, q) = lst_params(t, p).ok_or(None)?;
    p = q;
    let mut sets = Vec::new();
    loop {
        let (set, q) = lst_values(t, p, params.len())?;
        sets.push(set);
        p = q;
        if at(p) == b')' {
            break;
        }
        if at(p) != b',' {
            return Err(None);
        }
        p += 1 + blanks(b, p + 1);
    }
    p += 1 + blanks(b, p + 1);
    let kind = Kind::Lst {
        params,
        sets,
        next: 0,
    };
    Ok(Seq {
        kind,
        text: t.slice(p, t.len()),
        file: cx.span.file,
        line: cx.span.line,
    })
}

/// The parameter names of a `~LST` starting at `p` (`v` or `{v1, v2}`),
/// and where the first value set starts.
fn lst_params(t: &Text, mut p: usize) -> Option<(Vec<String>, usize)> {
    let b = t.bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let (mut end_char, mut params) = (b',', Vec::new());
    if at(p) == b'{' {
        end_char = b'}';
        p += 1 + blanks(b, p + 1);
    }
    loop {
        let mut e = p;
        while at(e) != 0 && !b" \t,}".contains(&at(e)) {
            e += 1;
        }
        params.push(t.s[p..e].to_string());
        p = e + blanks(b, e);
        if at(p) == end_char {
            break;
        }
        if at(p) != b',' {
            return None;
        }
        p += 1 + blanks(b, p + 1);
    }
    if at(p) == b'}' {
        p += 1 + blanks(b, p + 1);
    }
    if at(p) != b',' {
        return None;
    }
    Some((params, p + 1 + blanks(b, p + 1)))
}

/// One value set of a `~LST` starting at `p`: `v` or `{v1, v2}`, padded
/// with empty values to `nparams`. Returns the set and where parsing
/// stopped.
fn lst_values(
    t: &Text,
    mut p: usize,
    nparams: usize,
) -> Result<(Vec<String>, usize), Option<String>> {
    let b = t.bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut end_char = b',';
    if at(p) == b'{' {
        end_char = b'}';
        p += 1 + blanks(b, p + 1);
    }
    let mut values = Vec::new();
    loop {
        let mut e = p;
        while at(e) != 0 && !b" \t,})".contains(&at(e)) {
            e += 1;
        }
        values.push(t.s[p..e].to_string());
        p = e + blanks(b, e);
        if at(p) == end_char || (at(p) == b')' && end_char == b',') {
            break;
        }
        if at(p) != b',' {
            return Err(None);
        }
        p += 1 + blanks(b, p + 1);
        if values.len() >= nparams {
            return Err(Some(format!(
                "~LST specification has too many values '{}'",
                t.s
            )));
        }
    }
    // keepalived compat: missing values are empty.
    values.resize(nparams, String::new());
    if at(p) == b'}' && end_char == b'}' {
        p += 1 + blanks(b, p + 1);
    }
    Ok((values, p))
}

#[cfg(test)]
mod tests;

//! Parameter definitions: `$NAME=VALUE` (single and multi-line), their use
//! as `$NAME` / `${NAME}`, and the built-ins `${_PWD}`, `${_INSTANCE}`,
//! `${_RANDOM [MIN [MAX]]}`, `${_HASH}` and `${_BANG}`
//! (keepalived.conf(5) "Parameter substitution"; `lib/parser.c`
//! `check_definition`, `find_definition`, `replace_param` in 2.2.7).
//!
//! `${_ENV NAME}` does not exist in 2.2.7 (it came in 2.4.0): like any
//! unknown name it is left verbatim.

use std::rc::Rc;

use crate::diag::Diagnostics;
use crate::source::{FileId, Span};

use super::text::{BLANK, Text};

/// Substitutions allowed while expanding one line; keepalived loops for
/// ever on `$A=${A}`, we stop with an error.
const MAX_SUBSTITUTIONS: usize = 10_000;
/// Nested multi-line expansions allowed at once.
const MAX_MULTILINE_DEPTH: usize = 256;

/// A definition whose value keepalived computes at each use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Builtin {
    Pwd,
    Instance,
    Random,
}

/// One `$NAME=VALUE` definition.
#[derive(Clone, Debug)]
pub(crate) struct Def {
    name: String,
    /// The value; lines of a multi-line value are separated by `\n`.
    pub(crate) value: String,
    /// Defined with a trailing `\`.
    pub(crate) multiline: bool,
    builtin: Option<Builtin>,
    max_params: u8,
}

/// Where the next line of a multi-line definition comes from.
#[derive(Clone, Debug)]
pub(crate) struct Cursor {
    value: Rc<str>,
    pos: usize,
    /// The use site: every line of the expansion points there.
    pub(crate) file: FileId,
    pub(crate) line: u32,
    col: u32,
}

impl Cursor {
    /// The next line of the value, and whether it was the last one.
    pub(crate) fn next_line(&mut self) -> (Text, bool) {
        let rest = self.value.get(self.pos..).unwrap_or("");
        match rest.find('\n') {
            Some(i) => {
                let t = Text::at(&rest[..i], self.col);
                self.pos += i + 1;
                (t, false)
            }
            None => (Text::at(rest, self.col), true),
        }
    }
}

/// What a line-expansion needs to know about its surroundings.
pub(crate) struct Ctx<'a> {
    /// Directory of the file being read (`${_PWD}`).
    pub(crate) pwd: &'a str,
    /// The config id (`${_INSTANCE}`).
    pub(crate) instance: &'a str,
    /// Number of active `~SEQ`/`~LST` blocks.
    pub(crate) seq_count: usize,
    /// Where the line stands, for diagnostics.
    pub(crate) span: Span,
    /// Where findings go.
    pub(crate) diags: &'a mut Diagnostics,
}

/// A use of a definition found after a `$`.
struct Use {
    idx: usize,
    braces: bool,
    name_len: usize,
    /// Offsets (from the byte after `$`) of the first and last digit of
    /// the `${_RANDOM 1 9}` parameters.
    params: Option<(usize, usize)>,
}

/// The definitions in force, plus the state of multi-line expansion.
#[derive(Debug)]
pub(crate) struct Defs {
    defs: Vec<Def>,
    rng: Rng,
    /// Outer multi-line expansions suspended by an inner one, with the
    /// sequence depth to restore.
    pub(crate) stack: Vec<(Cursor, usize)>,
    /// Sequences at or below this depth wait until the multi-line
    /// expansion that started above them is finished.
    pub(crate) ml_seq_depth: usize,
}

// ===== impl Defs =====

impl Defs {
    /// The built-in definitions, with `${_RANDOM}` seeded by `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        let std = |name: &str, value: &str, builtin, max_params| Def {
            name: name.into(),
            value: value.into(),
            multiline: false,
            builtin,
            max_params,
        };
        let defs = vec![
            std("_PWD", "", Some(Builtin::Pwd), 0),
            std("_INSTANCE", "", Some(Builtin::Instance), 0),
            std("_RANDOM", "", Some(Builtin::Random), 2),
            std("_HASH", "#", None, 0),
            std("_BANG", "!", None, 0),
        ];
        Self {
            defs,
            rng: Rng::new(seed),
            stack: Vec::new(),
            ml_seq_depth: 0,
        }
    }

    /// The definition at `idx`.
    pub(crate) fn get_mut(&mut self, idx: usize) -> Option<&mut Def> {
        self.defs.get_mut(idx)
    }

    fn find_name(&self, name: &str) -> Option<usize> {
        self.defs.iter().position(|d| d.name == name)
    }

    /// Sets `name` to `value` (the variable of a `~SEQ`/`~LST`).
    pub(crate) fn set(&mut self, name: &str, value: &str) {
        if let Some(i) = self.find_name(name) {
            let d = &mut self.defs[i];
            d.value = value.into();
            d.builtin = None;
        } else if is_name_start(name.as_bytes().first().copied().unwrap_or(0)) {
            self.defs.push(Def {
                name: name.into(),
                value: value.into(),
                multiline: false,
                builtin: None,
                max_params: 0,
            });
        }
        // keepalived compat: a variable name that cannot be used (say
        // `~SEQ(1x, 3)`) is stored but never found; we do not store it.
    }

    /// Records `$NAME=VALUE` when `t` is one; returns the definition's
    /// index.
    pub(crate) fn check_definition(&mut self, t: &Text) -> Option<usize> {
        let b = t.bytes();
        if b.first() != Some(&b'$') || !is_name_start(t.byte(1)) {
            return None;
        }
        // keepalived compat: no blank is allowed before the `=`.
        let eq = 2 + b[2..].iter().position(|&c| !is_name_char(c))?;
        if b[eq] != b'=' {
            return None;
        }
        let name = &t.s[1..eq];
        let start = eq
            + 1
            + b[eq + 1..].iter().take_while(|c| BLANK.contains(c)).count();
        let raw = &t.s[start..];
        let (value, multiline) = match raw.strip_suffix('\\') {
            Some(base) => {
                let base = base.trim_end_matches([' ', '\t']);
                if base.is_empty() {
                    (String::new(), true)
                } else {
                    (format!("{base}\n"), true)
                }
            }
            None => (raw.to_string(), false),
        };
        let idx = match self.find_name(name) {
            Some(i) => i,
            None => {
                self.defs.push(Def {
                    name: name.into(),
                    value: String::new(),
                    multiline: false,
                    builtin: None,
                    max_params: 0,
                });
                self.defs.len() - 1
            }
        };
        let d = &mut self.defs[idx];
        // keepalived compat: a user definition overrides a built-in one.
        d.builtin = None;
        d.value = value;
        d.multiline = multiline;
        Some(idx)
    }

    /// Finds the definition used right after a `$` (`after` starts just
    /// past the `$`), with keepalived's rules on what may follow the name.
    fn find_use(&self, after: &[u8]) -> Option<Use> {
        let braces = after.first() == Some(&b'{');
        let name = if braces { &after[1..] } else { after };
        if !is_name_start(name.first().copied().unwrap_or(0)) {
            return None;
        }
        let len =
            1 + name[1..].iter().take_while(|c| is_name_char(**c)).count();
        let at = |i: usize| name.get(i).copied().unwrap_or(0);
        let mut params: Option<(usize, usize)> = None;
        let mut p = len;
        if braces {
            while at(p) == b' ' || at(p).is_ascii_digit() {
                if at(p) != b' ' {
                    let start = params.map_or(p, |(s, _)| s);
                    params = Some((start, p));
                }
                p += 1;
            }
            if matches!(params, Some((_, end)) if end + 1 != p) || at(p) != b'}'
            {
                return None;
            }
        } else if !matches!(at(p), b' ' | b'\t' | b',' | b')' | 0) {
            return None;
        }
        // keepalived compat: a multi-line definition is only expanded when
        // its use ends the line.
        let allow_multiline = if braces {
            len + 1 == name.len()
        } else {
            len == name.len()
        };
        let word = std::str::from_utf8(&name[..len]).ok()?;
        let idx = self.defs.iter().position(|d| {
            d.name == word && (allow_multiline || !d.multiline)
        })?;
        if params.is_some() && self.defs[idx].max_params == 0 {
            return None;
        }
        // Offsets relative to `after` (which includes the `{`).
        let params = params.map(|(s, e)| (s + 1, e + 1));
        Some(Use {
            idx,
            braces,
            name_len: len,
            params,
        })
    }

    /// The value of a definition at this use.
    fn value_of(&mut self, u: &Use, after: &str, cx: &mut Ctx<'_>) -> String {
        let d = &self.defs[u.idx];
        match d.builtin {
            Some(Builtin::Pwd) => cx.pwd.to_string(),
            Some(Builtin::Instance) => cx.instance.to_string(),
            Some(Builtin::Random) => {
                let params = u.params.and_then(|(s, e)| after.get(s..=e));
                random_value(&mut self.rng, params, cx)
            }
            None => d.value.clone(),
        }
    }
}

/// keepalived's `isalpha(c) || c == '_'`.
pub(crate) fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

/// keepalived's `isalnum(c) || c == '_'`.
pub(crate) fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// `${_RANDOM [MIN [MAX]]}`: an integer in MIN..=MAX, printed with at most
/// as many digits as MAX has (keepalived sizes its buffer that way).
fn random_value(
    rng: &mut Rng,
    params: Option<&str>,
    cx: &mut Ctx<'_>,
) -> String {
    let (mut min, mut max) = (0u64, 32_767u64);
    if let Some(p) = params {
        let mut nums = p.split(' ').filter(|s| !s.is_empty());
        min = nums.next().map_or(0, parse_ulong);
        if let Some(m) = nums.next() {
            max = parse_ulong(m);
        }
        if nums.next().is_some() {
            cx.diags.warning(
                cx.span,
                format!(
                    "too many parameters or extra text for ${{_RANDOM {p}}}"
                ),
            );
        }
    }
    let width = max.to_string().len();
    // keepalived compat: `random() % (max - min + 1) + min` in unsigned
    // long arithmetic, wrapping when MIN > MAX.
    let modulus = max.wrapping_sub(min).wrapping_add(1);
    let r = rng.next31();
    let val =
        if modulus == 0 { r } else { r % modulus }.wrapping_add(min) as i64;
    let mut s = val.to_string();
    s.truncate(width);
    s
}

/// `strtoul` on a string of digits: saturates at `u64::MAX`.
fn parse_ulong(s: &str) -> u64 {
    s.parse().unwrap_or(u64::MAX)
}

/// The generator behind `${_RANDOM}`: SplitMix64, written here so the
/// crate needs no `rand` dependency and a seed (from `Host::random_seed`)
/// gives the same configuration every time. keepalived uses libc
/// `random()`, so the numbers differ from keepalived's, as they differ
/// between keepalived runs.
#[derive(Clone, Debug)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A value in 0..2^31, like libc `random()`.
    fn next31(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) >> 33
    }
}

mod replace;

#[cfg(test)]
mod tests;

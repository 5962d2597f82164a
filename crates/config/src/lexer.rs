//! keepalived's two tokenizers.
//!
//! * [`tokenize`], the generic one (`alloc_strvec_r` in `lib/parser.c`):
//!   words are separated by blanks (`" \t\f\n\r\v"`), a word starting with
//!   `"` runs to the next `"` and loses its quotes, and a `"` also ends an
//!   unquoted word (`a"b c"` is `a`, `b c`). Every keyword and argument of
//!   the syntax tree comes from it.
//! * [`split_quoted_escaped`], the one keepalived applies again to the raw
//!   text of script-like keywords (`alloc_strvec_quoted_escaped`): `"` and
//!   `'` may open a quoted part anywhere in a word, blanks inside quotes
//!   are kept, and backslash escapes are decoded, inside quotes too.

use crate::ast::Word;
use crate::diag::Diagnostics;
use crate::line::Line;

/// keepalived's `WHITE_SPACE_STR`.
pub const WHITE_SPACE: &[u8] = b" \t\x0c\n\r\x0b";

fn is_white(c: u8) -> bool {
    WHITE_SPACE.contains(&c)
}

/// Splits a preprocessed line into words with their positions. An
/// unmatched `"` is a configuration error; the words before it are kept
/// and the rest of the line is dropped, as keepalived does.
pub fn tokenize(line: &Line, diags: &mut Diagnostics) -> Vec<Word> {
    let mut words = Vec::new();
    for tok in raw_tokens(&line.text) {
        match tok {
            Ok((start, text)) => words.push(Word {
                text: text.to_string(),
                span: line.span_at(start),
            }),
            Err(()) => {
                diags.error(
                    line.span,
                    format!("Unmatched quote: '{}'", line.text),
                );
                break;
            }
        }
    }
    words
}

/// The generic tokens of `s`: (byte offset of the token, its text). An
/// `Err` marks an unmatched quote and is the last item.
pub(crate) fn raw_tokens(s: &str) -> Vec<Result<(usize, &str), ()>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && is_white(b[i]) {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let start = i;
        if b[i] == b'"' {
            match b[i + 1..].iter().position(|&c| c == b'"') {
                Some(n) => {
                    out.push(Ok((start, &s[i + 1..i + 1 + n])));
                    i += n + 2;
                }
                None => {
                    out.push(Err(()));
                    break;
                }
            }
        } else {
            while i < b.len() && !is_white(b[i]) && b[i] != b'"' {
                i += 1;
            }
            out.push(Ok((start, &s[start..i])));
        }
    }
    out
}

/// The byte offset just past the first generic token of `s` (0 when `s`
/// has none).
pub(crate) fn first_token_end(s: &str) -> usize {
    match raw_tokens(s).first() {
        Some(Ok((start, text))) => {
            let quoted = s.as_bytes().get(*start) == Some(&b'"');
            start + text.len() + if quoted { 2 } else { 0 }
        }
        _ => s.len(),
    }
}

/// Why [`split_quoted_escaped`] gave up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuoteError {
    /// A quote was not closed. keepalived reports this as a configuration
    /// error (`CONFIG_UNMATCHED_QUOTE`).
    Unterminated(char),
    /// The text ends with a lone `\`. keepalived only logs this (and drops
    /// the whole script).
    TrailingBackslash,
}

impl std::fmt::Display for QuoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unterminated(q) => write!(f, "missing terminating {q}"),
            Self::TrailingBackslash => write!(f, "missing escape char at end"),
        }
    }
}

/// Splits `raw` the way keepalived re-reads `script`, `notify*`,
/// `misc_path` and similar keywords: words separated by blanks; `"…"` and
/// `'…'` quoted parts anywhere in a word, blanks inside kept; escapes
/// `\a \b \E \f \n \r \t \v`, `\nnn` (octal, up to three digits),
/// `\xXX…` (hex), `\cC` (control character), and `\C` for any other `C`.
/// Escapes are decoded inside quotes too. Bytes that are not UTF-8 after
/// decoding are replaced (see [`split_quoted_escaped_bytes`]).
///
/// Pass [`Item::raw_args`](crate::ast::Item::raw_args): the result then
/// starts with the keyword's first argument.
pub fn split_quoted_escaped(raw: &str) -> Result<Vec<String>, String> {
    split_quoted_escaped_bytes(raw)
        .map(|v| {
            v.iter()
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect()
        })
        .map_err(|e| format!("String '{raw}': {e}"))
}

/// [`split_quoted_escaped`] with the words as raw bytes and a typed error.
pub fn split_quoted_escaped_bytes(
    raw: &str,
) -> Result<Vec<Vec<u8>>, QuoteError> {
    let b = raw.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && is_white(b[i]) {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let mut word = Vec::new();
        let mut quote: Option<u8> = None;
        while i < b.len() {
            let c = b[i];
            match (quote, c) {
                (_, b'\\') => {
                    i += 1;
                    if i >= b.len() {
                        return Err(QuoteError::TrailingBackslash);
                    }
                    let (byte, used) = escape(&b[i..]);
                    word.push(byte);
                    i += used;
                }
                (Some(q), c) if c == q => {
                    quote = None;
                    i += 1;
                }
                (None, b'"' | b'\'') => {
                    quote = Some(c);
                    i += 1;
                }
                (None, c) if is_white(c) => break,
                _ => {
                    word.push(c);
                    i += 1;
                }
            }
        }
        if let Some(q) = quote {
            return Err(QuoteError::Unterminated(char::from(q)));
        }
        // keepalived compat: words are C strings, so a decoded NUL
        // (`\0`, `\x00`, `\c@`) ends the word.
        if let Some(nul) = word.iter().position(|&c| c == 0) {
            word.truncate(nul);
        }
        words.push(word);
    }
    Ok(words)
}

/// Decodes the escape whose character starts `s`; returns the byte and how
/// many bytes of `s` it used.
fn escape(s: &[u8]) -> (u8, usize) {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    match at(0) {
        b'x' if at(1).is_ascii_hexdigit() => {
            // keepalived compat: every hex digit is taken, the value kept
            // in one byte (`\x414` is 0x14).
            let mut v: u8 = 0;
            let mut n = 1;
            while let Some(d) = char::from(at(n)).to_digit(16) {
                v = (v << 4) | d as u8;
                n += 1;
            }
            (v, n)
        }
        b'c' if at(1) != 0 => (at(1) & 0x1f, 2),
        c @ b'0'..=b'7' => {
            let mut v = c - b'0';
            let mut n = 1;
            while n < 3 && (b'0'..=b'7').contains(&at(n)) {
                v = (v << 3).wrapping_add(at(n) - b'0');
                n += 1;
            }
            (v, n)
        }
        b'a' => (0x07, 1),
        b'b' => (0x08, 1),
        b'E' => (0x1b, 1),
        b'f' => (0x0c, 1),
        b'n' => (b'\n', 1),
        b'r' => (b'\r', 1),
        b't' => (b'\t', 1),
        b'v' => (0x0b, 1),
        c => (c, 1),
    }
}

#[cfg(test)]
mod tests;

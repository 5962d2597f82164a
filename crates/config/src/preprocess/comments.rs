//! Comment removal, as keepalived's `decomment()` does it: `#` and `!`
//! start a comment anywhere outside `"…"`, `\#` and `\!` stand for the
//! characters themselves, leading and trailing blanks go, and a trailing
//! `\` (continuation of a multi-line definition) is kept right after the
//! last word.

use super::text::{BLANK, Text};

/// Removes comments and surrounding blanks from `t` in place. Returns the
/// text as it stood (after removing leading blanks) when a `"` was left
/// open, for the "unterminated quote" error.
pub(crate) fn decomment(t: &mut Text) -> Option<String> {
    t.trim_start(BLANK);
    let mut quote = false;
    let mut cont: Option<u32> = None;
    let mut skip: Option<usize> = None;
    let mut i = 0;
    while let Some(p) = t.find_any(i, b"!#\"\\") {
        match t.byte(p) {
            b'"' => {
                // keepalived compat: a quote inside a comment does not count.
                if skip.is_none() {
                    quote = !quote;
                }
                i = p + 1;
            }
            b'\\' => {
                if p + 1 < t.len() {
                    let next = t.byte(p + 1);
                    if !quote && (next == b'#' || next == b'!') {
                        // `\#` and `\!` are the literal characters.
                        t.remove(p, p + 1);
                        i = p + 1;
                    } else {
                        i = p + 2;
                    }
                    continue;
                }
                // keepalived compat: a final `\` marks a continuation even
                // when it stands inside a comment.
                cont = Some(t.col(p));
                t.truncate(p);
                break;
            }
            _ => {
                if !quote && skip.is_none() {
                    skip = Some(p);
                }
                i = p + 1;
            }
        }
    }
    let unterminated = quote.then(|| t.s.clone());
    if let Some(p) = skip {
        t.truncate(p);
    }
    t.trim_end(BLANK);
    if let Some(col) = cont {
        t.push_str("\\", col);
    }
    unterminated
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dc(s: &str) -> (String, Option<String>) {
        let mut t = Text::new(s, 1);
        let e = decomment(&mut t);
        (t.s, e)
    }

    #[test]
    fn strips_comments_and_blanks() {
        assert_eq!(dc("  router_id x # c").0, "router_id x");
        assert_eq!(dc("a ! b").0, "a");
        assert_eq!(dc("# only").0, "");
        assert_eq!(dc("a \"# not\" b # yes").0, "a \"# not\" b");
        assert_eq!(dc("a \\# b").0, "a # b");
        assert_eq!(dc("a \"\\# b\"").0, "a \"\\# b\"");
    }

    #[test]
    fn keeps_continuation() {
        assert_eq!(dc("abc   \\").0, "abc\\");
        assert_eq!(dc("abc # comment \\").0, "abc\\");
        assert_eq!(dc("\\").0, "\\");
    }

    #[test]
    fn reports_unterminated_quote() {
        let (s, e) = dc("x \"abc");
        assert_eq!(s, "x \"abc");
        assert_eq!(e.as_deref(), Some("x \"abc"));
        assert_eq!(dc("x \\\"abc").1, None);
    }

    #[test]
    fn columns_survive() {
        let mut t = Text::new("   a \\# b", 1);
        decomment(&mut t);
        assert_eq!(t.s, "a # b");
        assert_eq!(t.col(0), 4);
        assert_eq!(t.col(2), 7);
        assert_eq!(t.col(4), 9);
    }
}

//! Tests of both tokenizers.

use super::*;
use crate::source::{FileId, Span};

fn words(s: &str) -> (Vec<String>, usize) {
    let mut d = Diagnostics::new();
    let line = Line::plain(s, Span::new(FileId(0), 1, 1));
    let w = tokenize(&line, &mut d);
    (w.into_iter().map(|w| w.text).collect(), d.len())
}

#[test]
fn generic_tokenizer() {
    assert_eq!(words("a  b\tc").0, ["a", "b", "c"]);
    assert_eq!(words("\"quoted kw\" z").0, ["quoted kw", "z"]);
    assert_eq!(words("a\"b c\"d").0, ["a", "b c", "d"]);
    assert_eq!(words("x \"\"").0, ["x", ""]);
    assert_eq!(
        words("'single quotes' stay").0,
        ["'single", "quotes'", "stay"]
    );
    assert_eq!(words("x \"open"), (vec!["x".to_string()], 1));
}

#[test]
fn word_positions() {
    let mut d = Diagnostics::new();
    let line = Line::plain("ab  \"c d\" e", Span::new(FileId(3), 7, 5));
    let w = tokenize(&line, &mut d);
    let cols: Vec<u32> = w.iter().map(|w| w.span.col).collect();
    assert_eq!(cols, [5, 9, 15]);
    assert!(
        w.iter()
            .all(|w| w.span.line == 7 && w.span.file == FileId(3))
    );
}

#[test]
fn first_token_end_handles_quotes() {
    assert_eq!(first_token_end("notify \"/bin/x y\""), 6);
    assert_eq!(first_token_end("\"a b\" c"), 5);
    assert_eq!(first_token_end("solo"), 4);
}

fn qe(s: &str) -> Vec<String> {
    split_quoted_escaped(s).unwrap()
}

#[test]
fn quoted_escaped_words() {
    assert_eq!(qe("/bin/x arg"), ["/bin/x", "arg"]);
    assert_eq!(qe("\"/bin/x arg\" root"), ["/bin/x arg", "root"]);
    assert_eq!(qe("a'b c'd \"e'f\""), ["ab cd", "e'f"]);
    assert_eq!(qe("  "), Vec::<String>::new());
    assert_eq!(qe("\"\""), [""]);
}

#[test]
fn escapes() {
    assert_eq!(qe(r"\a\b\E\f\n\r\t\v"), ["\x07\x08\x1b\x0c\n\r\t\x0b"]);
    assert_eq!(
        qe(r"\101\1012 \x41\x414 \cA\ch"),
        ["AA2", "A\x14", "\x01\x08"]
    );
    assert_eq!(qe(r"a\ b \q\\ \c"), ["a b", "q\\", "c"]);
    assert_eq!(qe(r#""in \"quotes\" \t""#), ["in \"quotes\" \t"]);
    assert_eq!(qe(r"'\x41'"), ["A"]);
    // A decoded NUL ends the word (C strings).
    assert_eq!(qe(r"ab\0cd x"), ["ab", "x"]);
}

#[test]
fn quoted_escaped_errors() {
    assert_eq!(
        split_quoted_escaped_bytes("a \"b"),
        Err(QuoteError::Unterminated('"'))
    );
    assert_eq!(
        split_quoted_escaped_bytes("a 'b"),
        Err(QuoteError::Unterminated('\''))
    );
    assert_eq!(
        split_quoted_escaped_bytes("a\\"),
        Err(QuoteError::TrailingBackslash)
    );
    assert!(
        split_quoted_escaped("x \"y")
            .unwrap_err()
            .contains("missing terminating \"")
    );
    assert_eq!(split_quoted_escaped_bytes(r"\xff").unwrap(), [vec![0xff]]);
}

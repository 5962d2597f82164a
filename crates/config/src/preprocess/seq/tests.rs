//! Unit tests of `~SEQ` / `~LST` parsing.

use super::*;
use crate::diag::Diagnostics;
use crate::source::Span;

fn rounds(line: &str) -> Result<Vec<String>, Option<String>> {
    let mut defs = Defs::new(0);
    let mut diags = Diagnostics::new();
    let mut cx = Ctx {
        pwd: "",
        instance: "",
        seq_count: 0,
        span: Span::default(),
        diags: &mut diags,
    };
    let t = Text::new(line, 1);
    let mut seq = if line.starts_with("~SEQ") {
        add_seq(&t, &mut defs, &mut cx)?
    } else {
        add_lst(&t, &cx)?
    };
    let mut out = Vec::new();
    for _ in 0..100 {
        let (text, done) = seq.next_round(&mut defs);
        let mut t = text;
        let mut ml = None;
        defs.replace(&mut t, 1024, &mut ml, &mut cx);
        out.push(t.s);
        if done {
            break;
        }
    }
    Ok(out)
}

#[test]
fn seq_forms() {
    assert_eq!(rounds("~SEQ(A, 3) $A").unwrap(), ["1", "2", "3"]);
    assert_eq!(rounds("~SEQ(A, -2) $A").unwrap(), ["-1", "-2"]);
    assert_eq!(rounds("~SEQ(A, 0) $A").unwrap(), ["1", "0"]);
    assert_eq!(rounds("~SEQ(A, 5, 3) $A").unwrap(), ["5", "4", "3"]);
    assert_eq!(rounds("~SEQ(A, 0, 5, 12) $A").unwrap(), ["0", "5", "10"]);
    assert_eq!(
        rounds("~SEQx( A , 0x9 , 0x10 ) ${A}").unwrap(),
        ["9", "a", "b", "c", "d", "e", "f", "10"]
    );
    assert_eq!(rounds("~SEQ(A, 010, 011) $A").unwrap(), ["8", "9"]);
}

#[test]
fn seq_errors() {
    assert_eq!(rounds("~SEQ A").unwrap_err(), None);
    assert!(rounds("~SEQ(A)").unwrap_err().is_some());
    assert!(rounds("~SEQ(A, x) y").unwrap_err().is_some());
    assert!(
        rounds("~SEQ(A, 1, 0, 3) y")
            .unwrap_err()
            .unwrap()
            .starts_with("Invalid ~SEQ values")
    );
    assert!(
        rounds(&format!("~SEQ(A, {}) y", "1".repeat(70)))
            .unwrap_err()
            .unwrap()
            .contains("too long")
    );
}

#[test]
fn lst_forms() {
    assert_eq!(
        rounds("~LST(V, a, b ,c) <${V}>").unwrap(),
        ["<a>", "<b>", "<c>"]
    );
    assert_eq!(
        rounds("~LST({V,W}, {1,2}, {3}, 4) ${V}-${W}").unwrap(),
        ["1-2", "3-", "4-"]
    );
    // `$V` followed by `>` is not a use.
    assert_eq!(rounds("~LST(V, a) <$V>").unwrap(), ["<$V>"]);
    assert_eq!(rounds("~LST(V,x").unwrap_err(), None);
    assert_eq!(rounds("~LST(").unwrap_err(), None);
}

#[test]
fn strtol_like_c() {
    assert_eq!(strtol(b" 42)", 0), (42, 3));
    assert_eq!(strtol(b"-0x1f,", 0), (-31, 5));
    assert_eq!(strtol(b"0x", 0), (0, 1));
    assert_eq!(strtol(b"abc", 0), (0, 0));
    assert_eq!(strtol(b"99999999999999999999", 0).0, i64::MAX);
}

//! Unit tests of definition parsing and lookup.

use super::*;
use crate::source::FileId;

fn text(s: &str) -> Text {
    Text::new(s, 1)
}

fn expand(defs: &mut Defs, s: &str) -> (String, bool, Option<Cursor>) {
    let mut diags = Diagnostics::new();
    let mut cx = Ctx {
        pwd: "/d",
        instance: "lb1",
        seq_count: 0,
        span: Span::new(FileId(0), 1, 1),
        diags: &mut diags,
    };
    let mut t = text(s);
    let mut ml = None;
    let changed = defs.replace(&mut t, 1024, &mut ml, &mut cx);
    (t.s, changed, ml)
}

#[test]
fn definition_syntax() {
    let mut d = Defs::new(0);
    assert!(d.check_definition(&text("$A=1")).is_some());
    assert!(d.check_definition(&text("$_b9=x")).is_some());
    assert!(d.check_definition(&text("$9=x")).is_none());
    assert!(d.check_definition(&text("$A =x")).is_none());
    assert!(d.check_definition(&text("$A-B=x")).is_none());
    assert!(d.check_definition(&text("$A")).is_none());
    let i = d.check_definition(&text("$M=first \\")).unwrap();
    let m = d.get_mut(i).unwrap();
    assert!(m.multiline);
    assert_eq!(m.value, "first\n");
    let i = d.check_definition(&text("$E=\\")).unwrap();
    assert_eq!(d.get_mut(i).unwrap().value, "");
}

#[test]
fn use_rules() {
    let mut d = Defs::new(0);
    d.check_definition(&text("$A=1"));
    assert_eq!(
        expand(&mut d, "x $A y ${A}z $A, ($A) $Ab $A").0,
        "x 1 y 1z 1, (1) $Ab 1"
    );
    assert!(!expand(&mut d, "nothing here").1);
    assert_eq!(expand(&mut d, "${_INSTANCE}:${_PWD}").0, "lb1:/d");
    // Parameters only for definitions that take them.
    assert_eq!(expand(&mut d, "${A 1}").0, "${A 1}");
    assert_eq!(expand(&mut d, "${_RANDOM 1 }").0, "${_RANDOM 1 }");
}

#[test]
fn multiline_use_hands_over_a_cursor() {
    let mut d = Defs::new(0);
    let i = d.check_definition(&text("$M=l1 \\")).unwrap();
    d.get_mut(i).unwrap().value.push_str("l2\nl3");
    let (s, changed, ml) = expand(&mut d, "pre $M");
    assert_eq!((s.as_str(), changed), ("pre l1", true));
    let mut c = ml.unwrap();
    assert_eq!(c.next_line().0.s, "l2");
    let (t, last) = c.next_line();
    assert_eq!((t.s.as_str(), last), ("l3", true));
    // Not at the end of the line: left alone.
    assert_eq!(expand(&mut d, "$M x").0, "$M x");
}

#[test]
fn value_starting_with_tilde_stops_expansion() {
    let mut d = Defs::new(0);
    d.check_definition(&text("$S=~SEQ(I,1,2)"));
    d.check_definition(&text("$B=b"));
    assert_eq!(expand(&mut d, "$S $B").0, "~SEQ(I,1,2) $B");
}

#[test]
fn rng_is_deterministic() {
    let mut a = Rng::new(5);
    let mut b = Rng::new(5);
    let va: Vec<u64> = (0..8).map(|_| a.next31()).collect();
    let vb: Vec<u64> = (0..8).map(|_| b.next31()).collect();
    assert_eq!(va, vb);
    assert!(va.iter().all(|v| *v < 1 << 31));
    assert!(va.windows(2).any(|w| w[0] != w[1]));
}

//! Tests of the preprocessor against behaviour observed with keepalived
//! 2.2.7 (`keepalived -t -l -f …`, reading its "Unknown keyword" reports).

use std::path::Path;

use super::*;
use crate::diag::Severity;
use crate::host::FakeHost;
use crate::source::{FileId, Span};

fn host() -> FakeHost {
    FakeHost::new()
}

fn run_with(
    h: &FakeHost,
    text: &str,
    id: Option<&str>,
) -> (Vec<String>, Diagnostics, SourceMap) {
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let opts = Options {
        config_id: id.map(str::to_string),
        ..Options::default()
    };
    let lines = read_str(
        Path::new("/etc/keepalived/keepalived.conf"),
        text,
        h,
        &opts,
        &mut sources,
        &mut diags,
    );
    (lines.into_iter().map(|l| l.text).collect(), diags, sources)
}

fn pp(text: &str) -> Vec<String> {
    let (lines, diags, _) = run_with(&host(), text, None);
    assert!(!diags.has_errors(), "unexpected errors: {diags:?}");
    lines
}

fn pp_diags(text: &str) -> (Vec<String>, Diagnostics) {
    let (lines, diags, _) = run_with(&host(), text, None);
    (lines, diags)
}

fn errors(d: &Diagnostics) -> Vec<String> {
    d.iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.message.clone())
        .collect()
}

#[test]
fn comments_and_blank_lines_vanish() {
    assert_eq!(
        pp("# c\n\n  router_id a  ! c\n\t\nx \"# in\" # out\n"),
        ["router_id a", "x \"# in\""]
    );
}

#[test]
fn braces_get_lines_of_their_own() {
    assert_eq!(
        pp("virtual_ipaddress { 192.0.2.1 }"),
        ["virtual_ipaddress", "{", "192.0.2.1", "}"]
    );
    assert_eq!(pp("group {VI_1 VI_2}"), ["group", "{", "VI_1 VI_2", "}"]);
    assert_eq!(
        pp("vrrp_instance VI_1\n{\n}"),
        ["vrrp_instance VI_1", "{", "}"]
    );
    // Observed: `foo{` is keyword `foo` then an unexpected `{`.
    assert_eq!(pp("foo{\n}"), ["foo", "{", "}"]);
}

#[test]
fn quoted_braces_stay() {
    // Observed: `"a{b" c{d` is keyword `a{b`, a `{`, keyword `d`.
    let (lines, d) = pp_diags("\"a{b\" c{d\n}");
    assert_eq!(lines, ["\"a{b\" c", "{", "d", "}"]);
    assert!(!d.has_errors());
}

#[test]
fn extra_and_missing_braces_are_errors() {
    let (_, d) = pp_diags("bar}");
    assert_eq!(errors(&d), ["Extra '}' found"]);
    let (_, d) = pp_diags("a {\n b {\n");
    assert_eq!(errors(&d), ["There are 2 missing '}'s or extra '{'s"]);
}

#[test]
fn unterminated_quote_is_an_error() {
    let (_, d) = pp_diags("x \"unterminated");
    assert_eq!(errors(&d), ["Unterminated quote 'x \"unterminated'"]);
}

#[test]
fn long_lines_are_split_with_a_warning() {
    let text = format!("{}Z1 q\n", "a".repeat(1023));
    let (lines, d) = pp_diags(&text);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1], "Z1 q");
    assert_eq!(d.len(), 1);
    assert_eq!(d.iter().next().map(|d| d.severity), Some(Severity::Warning));
}

#[test]
fn simple_definitions() {
    assert_eq!(pp("$D=val\nx${D}y\n$D q"), ["xvaly", "val q"]);
    // Observed: no blank allowed before `=`; `$A =x` is left alone.
    assert_eq!(pp("$A =x"), ["$A =x"]);
    // Leading blanks after `=` are dropped; empty values are allowed.
    assert_eq!(pp("$E=  e f\n$N=\na $E b${N}c"), ["a e f bc"]);
    // `$NAME` must be followed by blank, `,`, `)` or the end.
    assert_eq!(pp("$T=tt\n$T\n$T.x\n$T,y"), ["tt", "$T.x", "tt,y"]);
}

#[test]
fn undefined_names_stay_verbatim() {
    // Observed: `${UNDEF} q` stays and then splits at its braces.
    assert_eq!(pp_diags("${UNDEF} q").0, ["$", "{", "UNDEF", "}", "q"]);
    // `${_ENV …}` only exists from keepalived 2.4.0 on.
    assert_eq!(pp_diags("${_ENV HOME}").0, ["$", "{", "_ENV HOME", "}"]);
}

#[test]
fn expansion_is_recursive_and_at_use_time() {
    let text = "$ADDRESS_BASE=10.2.${ADDRESS_BASE_SUB}\n$ADDRESS_BASE_SUB=0\n${ADDRESS_BASE}.100/32\n\
                $ADDRESS_BASE_SUB=10\n${ADDRESS_BASE}.100/32";
    assert_eq!(pp(text), ["10.2.0.100/32", "10.2.10.100/32"]);
}

#[test]
fn blank_before_closing_brace_quirk() {
    // Observed: `r${B }s` becomes `rbb}s`.
    assert_eq!(pp_diags("$B=bb\nr${B }s\n{").0[0], "rbb");
}

#[test]
fn hash_and_bang_start_comments_unless_quoted() {
    // Observed: `a${_HASH}b c` is keyword `a`.
    assert_eq!(pp("a${_HASH}b c\nx \"a${_BANG}b\""), ["a", "x \"a!b\""]);
}

#[test]
fn self_reference_is_cut_with_an_error() {
    // keepalived 2.2.7 loops for ever on this one.
    let (lines, d) = pp_diags("$A=${A}\nq ${A}\nnext");
    assert_eq!(lines.last().map(String::as_str), Some("next"));
    assert_eq!(errors(&d).len(), 1);
}

#[test]
fn growing_expansion_stops_at_the_line_limit() {
    // Observed: `q` with a long argument, then the braces of `${A}`.
    let (lines, d) = pp_diags("$A=x${A}\nq ${A}");
    assert!(lines[0].starts_with("q xxxx") && lines[0].len() < MAXBUF);
    assert_eq!(&lines[1..], ["{", "A", "}"]);
    assert!(!d.has_errors());
}

#[test]
fn multiline_definitions() {
    let text =
        "$M=\\\nmm1 \\\n# comment\n mm2 \\\n\\\n mm3\n$M\n$N=n1 \\\nn2\nzz $N";
    assert_eq!(pp(text), ["mm1", "mm2", "mm3", "zz n1", "n2"]);
    // A blank line ends the definition; a use in the middle of a line
    // does not expand a multi-line definition.
    assert_eq!(pp("$M=a \\\n\nb\nx $M y"), ["b", "x $M y"]);
}

#[test]
fn nested_multiline_definitions() {
    let text = "$RS= \\\nreal_server 192.0.2.${N} 80 { \\\n weight 1 \\\n}\n\
                $VS= \\\nvirtual_server 198.51.100.1 80 { \\\n $N=1 \\\n $RS \\\n $N=2 \\\n $RS \\\n}\n$VS\n";
    assert_eq!(
        pp(text),
        [
            "virtual_server 198.51.100.1 80",
            "{",
            "real_server 192.0.2.1 80",
            "{",
            "weight 1",
            "}",
            "real_server 192.0.2.2 80",
            "{",
            "weight 1",
            "}",
            "}"
        ]
    );
}

#[test]
fn builtins() {
    let mut h = host();
    h.seed = 7;
    let (lines, _, _) = run_with(&h, "a ${_INSTANCE} ${_PWD}\n", None);
    assert_eq!(lines, ["a lb1 /etc/keepalived"]);
    let (lines, _, _) = run_with(&h, "a ${_INSTANCE}\n", Some("main"));
    assert_eq!(lines, ["a main"]);
    // A user definition overrides a built-in one.
    assert_eq!(pp("$_PWD=mine\nv ${_PWD}"), ["v mine"]);
}

#[test]
fn random_is_seeded_and_in_range() {
    let mut h = host();
    h.seed = 42;
    let text =
        "a ${_RANDOM}\nb ${_RANDOM 10 20}\nc ${_RANDOM 5 5}\nd ${_RANDOM 5}";
    let (one, _, _) = run_with(&h, text, None);
    let (two, _, _) = run_with(&h, text, None);
    assert_eq!(one, two);
    let num = |s: &str| s[2..].parse::<u64>().unwrap();
    assert!(num(&one[0]) <= 32767);
    assert!((10..=20).contains(&num(&one[1])));
    assert_eq!(one[2], "c 5");
    assert!(num(&one[3]) >= 5);
}

#[test]
fn random_with_parameters_mid_line_quirk() {
    // Observed: `${_RANDOM 5 5}xyz` reads `5x_RANDOM 5 5}xyz`.
    assert_eq!(
        pp_diags("${_RANDOM 5 5}xyz").0,
        ["5x_RANDOM 5 5", "}", "xyz"]
    );
}

#[test]
fn conditional_lines() {
    let text =
        "@lb1 cond1 a\n@^lb1 cond2 a\n@lb1\n @other cond3\n@^other cond4";
    let (lines, _, _) = run_with(&host(), text, None);
    assert_eq!(lines, ["cond1 a", "cond4"]);
    let (lines, _, _) = run_with(&host(), text, Some("other"));
    assert_eq!(lines, ["cond2 a", "cond3"]);
    // Conditionals combine with definitions.
    assert_eq!(
        pp("@lb1 $P=240\n@lb2 $P=200\npriority $P"),
        ["priority 240"]
    );
    assert_eq!(
        pp("$IF=@lb1\n$IF priority 240\n$NOT=@lb2\n$NOT x"),
        ["priority 240"]
    );
}

#[test]
fn sequences() {
    // Observed with keepalived 2.2.7.
    assert_eq!(pp("~SEQ(A,1,3) k${A}"), ["k1", "k2", "k3"]);
    assert_eq!(pp("~SEQ(B,0) m${B}"), ["m1", "m0"]);
    assert_eq!(pp("~SEQx(C,9,3,15) h${C}"), ["h9", "hc", "hf"]);
    assert_eq!(pp("~SEQx(S, 0x90, 0x10, 0xc0) ip fe80::${S}:1").len(), 4);
    assert_eq!(pp("~SEQ(D, 3, 1) d${D}"), ["d3", "d2", "d1"]);
    assert_eq!(pp("$N=2\n~SEQ(E, 1, $N) e${E}"), ["e1", "e2"]);
    // A line starting `~` that is not a block is an ordinary line.
    assert_eq!(pp("~foo"), ["~foo"]);
}

#[test]
fn lists_and_nesting() {
    assert_eq!(pp("~LST({P,Q},{1,2},{3}) l${P}_${Q}"), ["l1_2", "l3_"]);
    assert_eq!(
        pp("~LST(R,x,y) ~SEQ(S,2) r${R}${S}"),
        ["rx1", "rx2", "ry1", "ry2"]
    );
    assert_eq!(
        pp("~SEQ(I,1,2) ~SEQ(J,1,2) ~SEQ(K,1,2) ${I}${J}${K}"),
        ["111", "112", "121", "122", "211", "212", "221", "222"]
    );
    assert_eq!(
        pp("~LST(IP, 1, 2) ~LST(IP1, 5,6) 192.0.${IP}.${IP1}"),
        ["192.0.1.5", "192.0.1.6", "192.0.2.5", "192.0.2.6"]
    );
}

#[test]
fn sequence_over_multiline_definition() {
    let text = "$VI= \\\nvi ${IF} { \\\n}\n~SEQ(IF,0,1) $VI";
    assert_eq!(pp(text), ["vi 0", "{", "}", "vi 1", "{", "}"]);
}

#[test]
fn invalid_sequences_are_errors() {
    let (lines, d) = pp_diags(
        "~SEQ(bad\n~SEQUENCE\n~LST(x)\n~SEQ(A,1,-1,3) x\n~SEQx(A,-1) x\n~LST({A},{1,2}) x\nok",
    );
    assert_eq!(lines, ["ok"]);
    let e = errors(&d);
    assert_eq!(e[0], "Invalid ~SEQ definition '~SEQ(bad'");
    assert_eq!(e[1], "Invalid ~SEQ specification '~SEQ(bad'");
    assert_eq!(e[2], "Invalid ~SEQ specification '~SEQUENCE'");
    assert!(e.contains(&"Invalid ~LST specification '~LST(x)'".to_string()));
    assert!(e.iter().any(|m| m.starts_with("Invalid ~SEQ values")));
    assert!(e.iter().any(|m| m.starts_with("~SEQx is only valid")));
    assert!(
        e.iter()
            .any(|m| m.starts_with("~LST specification has too many values"))
    );
}

#[test]
fn runaway_sequences_are_bounded() {
    let (lines, d) = pp_diags("~SEQ(A,1,100000000) ~SEQ(B,1,100000000)");
    assert!(lines.is_empty());
    assert_eq!(errors(&d).len(), 1);
}

#[test]
fn positions_point_at_the_original_text() {
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let text = "$V=192.0.2.1\n  a  ${V} b # c\n~SEQ(I,1,2) x${I}\n";
    let lines = read_str(
        Path::new("k.conf"),
        text,
        &host(),
        &Options::default(),
        &mut sources,
        &mut diags,
    );
    assert_eq!(lines[0].span, Span::new(FileId(0), 2, 3));
    assert_eq!(lines[0].text, "a  192.0.2.1 b");
    assert_eq!(lines[0].span_at(3).col, 6);
    assert_eq!(lines[0].span_at(13).col, 11);
    assert_eq!(lines[2].span, Span::new(FileId(0), 3, 13));
}

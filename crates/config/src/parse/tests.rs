//! Tests of the tree builder, from text through the preprocessor.

use std::path::Path;

use super::*;
use crate::diag::Severity;
use crate::host::FakeHost;
use crate::preprocess::{Options, read_str};
use crate::source::{FileId, SourceMap, Span};

fn parse_text(text: &str) -> (Vec<Item>, Diagnostics) {
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let lines = read_str(
        Path::new("k.conf"),
        text,
        &FakeHost::new(),
        &Options::default(),
        &mut sources,
        &mut diags,
    );
    let items = parse(&lines, &mut diags);
    (items, diags)
}

/// A compact rendering: `kw(args)[children]`.
fn show(items: &[Item]) -> String {
    items
        .iter()
        .map(|i| {
            let args: Vec<&str> = i.args.iter().map(|w| w.as_str()).collect();
            let mut s = format!("{}({})", i.name(), args.join(","));
            if let Some(b) = &i.block {
                s.push_str(&format!("[{}]", show(b)));
            }
            s
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn blocks_in_every_brace_style() {
    let text = "global_defs {\n  router_id a\n}\nvrrp_instance VI_1\n{\n state MASTER\n virtual_ipaddress {\n  192.0.2.1/24\n  192.0.2.2 dev eth0 }\n}\n";
    let (items, d) = parse_text(text);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(
        show(&items),
        "global_defs()[router_id(a)] vrrp_instance(VI_1)[state(MASTER) virtual_ipaddress()[192.0.2.1/24() 192.0.2.2(dev,eth0)]]"
    );
}

#[test]
fn one_line_blocks() {
    let (items, d) = parse_text(
        "virtual_ipaddress { 192.0.2.1 }\ngroup { VI_1 VI_2 }\nx {}\n",
    );
    assert!(d.is_empty());
    assert_eq!(
        show(&items),
        "virtual_ipaddress()[192.0.2.1()] group()[VI_1(VI_2)] x()[]"
    );
    let (items, _) = parse_text("a { b { c } d }");
    assert_eq!(show(&items), "a()[b()[c()] d()]");
}

#[test]
fn raw_args_keep_quotes_and_escapes() {
    let (items, _) =
        parse_text("notify_master \"/bin/n.sh a\\tb\" root  # c\nx\n");
    let i = &items[0];
    assert_eq!(i.args[0].text, "/bin/n.sh a\\tb");
    assert_eq!(i.raw_args, "\"/bin/n.sh a\\tb\" root");
    assert_eq!(i.raw_span, Span::new(FileId(0), 1, 15));
    assert_eq!(
        crate::lexer::split_quoted_escaped(&i.raw_args).unwrap(),
        ["/bin/n.sh a\tb", "root"]
    );
    assert_eq!(items[1].raw_args, "");
    let (items, _) = parse_text("script { x }\n");
    assert_eq!(items[0].raw_args, "");
}

#[test]
fn stray_braces() {
    let (items, d) = parse_text("}\n{\na\n}\n");
    let msgs: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "Extra '}' found",
            "Unknown keyword '}'",
            "Unexpected '{' - ignoring",
            "Unknown keyword '}'"
        ]
    );
    assert_eq!(show(&items), "a()");
    // A `{` after a closed block is not the block of anything.
    let (_, d) = parse_text("a {\n}\n{\n}\n");
    assert!(d.iter().any(|d| d.message == "Unexpected '{' - ignoring"));
}

#[test]
fn unclosed_blocks_are_closed_at_the_end() {
    let (items, d) = parse_text("a {\n b {\n  c\n");
    assert_eq!(show(&items), "a()[b()[c()]]");
    assert_eq!(
        d.iter().filter(|d| d.severity == Severity::Error).count(),
        1
    );
}

#[test]
fn word_spans() {
    let (items, _) =
        parse_text("\n  vrrp_instance   VI_1 {\n\tpriority 100\n}\n");
    assert_eq!(items[0].keyword.span, Span::new(FileId(0), 2, 3));
    assert_eq!(items[0].args[0].span, Span::new(FileId(0), 2, 19));
    let p = &items[0].children()[0];
    assert_eq!((p.keyword.span.line, p.keyword.span.col), (3, 2));
    assert_eq!(p.args[0].span.col, 11);
}

#[test]
fn unmatched_quote_keeps_the_words_before() {
    let (items, d) = parse_text("x a \"b c\n");
    assert_eq!(show(&items), "x(a)");
    let msgs: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "Unterminated quote 'x a \"b c'",
            "Unmatched quote: 'x a \"b c'"
        ]
    );
}

#[test]
fn nesting_is_bounded_and_braces_still_match() {
    let depth = 100_000;
    let mut text = String::new();
    for _ in 0..depth {
        text.push_str("a {\n");
    }
    for _ in 0..depth {
        text.push_str("}\n");
    }
    text.push_str("after 1\n");
    let (items, diags) = parse_text(&text);
    assert_eq!(items.len(), 2, "{}", show(&items));
    assert_eq!(items[1].name(), "after");
    let mut level = &items[0];
    let mut seen = 1;
    while let Some(child) = level.children().first() {
        level = child;
        seen += 1;
    }
    assert_eq!(seen, super::MAX_BLOCK_DEPTH + 1);
    assert!(level.block.is_none());
    assert_eq!(diags.len(), 1);
}

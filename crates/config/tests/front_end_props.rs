//! Property tests of the configuration front end: the preprocessor and the
//! parser never panic and always terminate, whatever the text and however
//! files include each other.

use std::path::Path;

use ka_config::diag::Diagnostics;
use ka_config::host::FakeHost;
use ka_config::lexer::split_quoted_escaped;
use ka_config::preprocess::{Options, read_file, read_str};
use ka_config::source::SourceMap;
use proptest::prelude::*;

/// Pieces that exercise every preprocessor feature when strung together.
const PIECES: &[&str] = &[
    " ",
    "\t",
    "\n",
    "{",
    "}",
    "\"",
    "'",
    "\\",
    "#",
    "!",
    "$",
    "${",
    "@",
    "@^",
    "~",
    "~SEQ(",
    "~SEQx(",
    "~LST(",
    "~LST({",
    ",",
    ")",
    "=",
    "A",
    "B",
    "_RANDOM",
    "_PWD",
    "_HASH",
    // Digits only after a separator, so sequences stay short.
    ",1",
    ",2)",
    ",0x1)",
    "-1",
    "$A=",
    "$B=${A}",
    "$A=${B}x",
    "$M=\\\n",
    " \\\n",
    "${A}",
    "$A",
    "${_RANDOM 1 3}",
    "@lb1 ",
    "include ",
    "includea ",
    "includew f*.conf",
    "include f{1,2}.conf",
    "f1.conf",
    "vrrp_instance",
    "virtual_ipaddress",
    "192.0.2.1",
    "global_defs",
    "include_check",
    "\u{e9}",
    "\0",
    "\r",
];

fn text_strategy() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(PIECES);
    let long = (1usize..3).prop_map(|n| "x".repeat(1000 * n));
    prop::collection::vec(
        prop_oneof![9 => piece.prop_map(str::to_string), 1 => long],
        0..80,
    )
    .prop_map(|v| v.concat())
}

fn run_text(text: &str) {
    let host = FakeHost::new();
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let lines = read_str(
        Path::new("/k.conf"),
        text,
        &host,
        &Options::default(),
        &mut sources,
        &mut diags,
    );
    for l in &lines {
        assert_eq!(l.cols.len(), l.text.len());
        assert!(l.text == "{" || l.text == "}" || !l.text.is_empty());
    }
    let _ = ka_config::parse::parse(&lines, &mut diags);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in text_strategy()) {
        run_text(&text);
    }

    #[test]
    fn arbitrary_bytes_never_panic(text in "\\PC{0,300}") {
        run_text(&text);
    }

    #[test]
    fn quoted_escaped_never_panics(text in "[ a-z\"'\\\\0-9xcE{}]{0,64}") {
        let _ = split_quoted_escaped(&text);
    }

    #[test]
    fn arbitrary_include_graphs_terminate(
        graph in prop::collection::vec(prop::collection::vec((0usize..6, 0usize..4), 0..4), 1..6),
        body in text_strategy(),
    ) {
        let mut host = FakeHost::new();
        for (i, includes) in graph.iter().enumerate() {
            let mut text = format!("file{i}\n");
            for (target, kind) in includes {
                let kw = ["include", "includer", "includea", "includeb"][*kind];
                let pat = match kind {
                    0 => format!("f{target}.conf"),
                    1 => "f*.conf".to_string(),
                    2 => format!("/etc/ka/f{{{target},9}}.conf"),
                    _ => format!("../ka/f{target}.conf"),
                };
                text.push_str(&format!("{kw} {pat}\n{body}\n"));
            }
            host.files.insert(format!("/etc/ka/f{i}.conf").into(), text);
        }
        let mut sources = SourceMap::new();
        let mut diags = Diagnostics::new();
        let lines = read_file(Path::new("/etc/ka/f0.conf"), &host, &Options::default(), &mut sources, &mut diags);
        let _ = ka_config::parse::parse(&lines, &mut diags);
        prop_assert!(sources.len() <= 4096);
    }
}

//! Fuzz target: the configuration front end (preprocessor, parser and the
//! quoted/escaped tokenizer) must never panic or hang on any input.
//!
//! The input is split at the first NUL into a main file and an included
//! file, so include handling is fuzzed too.
#![no_main]

use std::path::Path;

use ka_config::diag::Diagnostics;
use ka_config::host::FakeHost;
use ka_config::preprocess::{Options, read_file};
use ka_config::source::SourceMap;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text: &str = &text;
    let (main, inc) = text.split_once('\0').unwrap_or((text, ""));
    let host = FakeHost::new()
        .with_file("/etc/keepalived/keepalived.conf", main)
        .with_file("/etc/keepalived/inc.conf", inc);
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let opts = Options {
        config_id: Some("lb1".into()),
        check_all_includes: false,
    };
    let path = Path::new("/etc/keepalived/keepalived.conf");
    let lines = read_file(path, &host, &opts, &mut sources, &mut diags);
    let items = ka_config::parse::parse(&lines, &mut diags);
    for item in &items {
        let _ = ka_config::lexer::split_quoted_escaped(&item.raw_args);
    }
});

//! Test helper: runs text through the real preprocessor and parser and
//! returns the root items. Front-end findings fail the test, so builder
//! tests only see the builders' own diagnostics.

use std::path::Path;

use crate::ast::Item;
use crate::diag::Diagnostics;
use crate::host::FakeHost;
use crate::source::SourceMap;

/// Where the text is put on the fake host.
const PATH: &str = "/etc/keepalived/keepalived.conf";

/// Parses `text` into root items.
///
/// # Panics
///
/// When the preprocessor or the parser reports anything.
pub(crate) fn items(text: &str) -> Vec<Item> {
    let host = FakeHost::new().with_file(PATH, text);
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let opts = crate::preprocess::Options::default();
    let lines = crate::preprocess::read_file(
        Path::new(PATH),
        &host,
        &opts,
        &mut sources,
        &mut diags,
    );
    let items = crate::parse::parse(&lines, &mut diags);
    assert!(diags.is_empty(), "front end: {diags:?}\n{text}");
    items
}

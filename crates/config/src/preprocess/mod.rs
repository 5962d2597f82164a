//! The preprocessor: files, comments, includes, definitions, conditionals,
//! sequences and lists, producing logical lines with their positions.
//!
//! This follows keepalived 2.2.7's `read_line()` (`lib/parser.c`) step by
//! step, because its order of operations is observable: a line comes from
//! (in this priority) the rest of a line split at a brace, the next round
//! of a `~SEQ`/`~LST`, the next line of a multi-line definition, or the
//! next file line (cut at 1023 bytes, comments removed). It then goes
//! through `@id` conditionals, `$NAME=` definitions, `~SEQ`/`~LST`, and
//! `$NAME` expansion (repeated while the expansion produced `@` or `$`),
//! and is checked for `include`. Finally every `{` or `}` outside quotes
//! is split onto a line of its own, so the parser only ever sees `{`, `}`
//! or a line without block braces.
//!
//! Every loop is bounded: expansion has a step budget, definitions a
//! substitution budget, includes a depth and file budget; running out is
//! an error diagnostic, never a hang or a panic.

mod comments;
mod conditional;
mod defs;
mod files;
mod include;
mod open;
mod reader;
mod seq;
mod text;

use std::path::Path;

use crate::diag::Diagnostics;
use crate::host::Host;
use crate::source::SourceMap;

// `Line` lives below both this module and the lexer, which tokenizes
// the lines the reader makes.
pub use crate::line::{Cols, Line};

/// keepalived's `MAXBUF`: physical lines are read in pieces of at most
/// `MAXBUF - 1` bytes, and expansion may not make a line longer.
pub const MAXBUF: usize = files::MAXBUF;

/// Options that change what the preprocessor keeps.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The config id for `@id` lines and `${_INSTANCE}` (keepalived `-i`);
    /// `None` means the host name up to its first dot.
    pub config_id: Option<String>,
    /// `-e/--all-config`: every include is checked as `includea` would
    /// be (keepalived's `include_check_set(NULL)` before reading).
    pub check_all_includes: bool,
}

/// Reads `path` (which, as for keepalived `-f`, may be a glob) and
/// everything it includes.
pub fn read_file(
    path: &Path,
    host: &dyn Host,
    opts: &Options,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> Vec<Line> {
    let mut r = reader::Reader::new(host, opts, sources, diags);
    r.open_main(path);
    r.run()
}

/// Reads `path` as [`read_file`] does, handing each line to `each` as
/// soon as it is ready instead of collecting them.
pub fn read_file_each(
    path: &Path,
    host: &dyn Host,
    opts: &Options,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
    each: impl FnMut(Line),
) {
    let mut r = reader::Reader::new(host, opts, sources, diags);
    r.open_main(path);
    r.run_each(each);
}

/// Preprocesses `text` as if it were the file `name` (includes are still
/// read through `host`).
pub fn read_str(
    name: &Path,
    text: &str,
    host: &dyn Host,
    opts: &Options,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> Vec<Line> {
    let mut r = reader::Reader::new(host, opts, sources, diags);
    r.open_text(name, text);
    r.run()
}

#[cfg(test)]
mod include_tests;
#[cfg(test)]
mod tests;

//! The preprocessor: files, comments, includes, definitions, conditionals,
//! sequences and lists, producing logical lines with their positions.

use std::path::Path;

use crate::diag::Diagnostics;
use crate::host::Host;
use crate::source::{SourceMap, Span};

/// Options that change what the preprocessor keeps.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The config id for `@id` lines and `${_INSTANCE}` (keepalived `-i`);
    /// `None` means the host name up to its first dot.
    pub config_id: Option<String>,
}

/// One line after preprocessing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The text: comments removed, definitions expanded.
    pub text: String,
    /// Where the line came from.
    pub span: Span,
}

/// Reads `path` and everything it includes.
pub fn read_file(
    path: &Path,
    host: &dyn Host,
    _opts: &Options,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> Vec<Line> {
    let id = sources.add(path, None);
    match host.read_to_string(path) {
        Ok(text) => text
            .lines()
            .enumerate()
            .map(|(i, l)| Line { text: l.to_string(), span: Span::new(id, i as u32 + 1, 1) })
            .collect(),
        Err(e) => {
            diags.error(None, format!("cannot read {}: {e}", path.display()));
            Vec::new()
        }
    }
}

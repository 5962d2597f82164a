//! Source files and positions: every token and diagnostic points back to a
//! file, a line and a column, and every included file remembers where it
//! was included from.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[derive(Serialize, Deserialize)]
pub struct FileId(pub u32);

/// A position in a source file: 1-based line and column (in bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[derive(Serialize, Deserialize)]
pub struct Span {
    /// The file the text came from.
    pub file: FileId,
    /// 1-based line number in that file.
    pub line: u32,
    /// 1-based byte column in that line.
    pub col: u32,
}

impl Span {
    /// A span in `file` at `line`, `col`.
    pub const fn new(file: FileId, line: u32, col: u32) -> Self {
        Self { file, line, col }
    }
}

/// One file read while loading a configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    /// The path as it was opened (after glob expansion).
    pub path: PathBuf,
    /// Where the `include` that pulled this file in stands; `None` for the
    /// main configuration file.
    pub included_from: Option<Span>,
}

/// All files read while loading one configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a file and returns its id.
    pub fn add(&mut self, path: &Path, included_from: Option<Span>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile {
            path: path.to_path_buf(),
            included_from,
        });
        id
    }

    /// The file with this id, if any.
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// The path of a file, or `<unknown>`.
    pub fn path(&self, id: FileId) -> &Path {
        self.get(id)
            .map_or(Path::new("<unknown>"), |f| f.path.as_path())
    }

    /// The spans of the `include` lines that led to `id`, innermost first.
    pub fn include_chain(&self, id: FileId) -> Vec<Span> {
        let mut chain = Vec::new();
        let mut cur = id;
        // Bounded: a file cannot be included from itself more often than
        // there are files (include loops are cut by the preprocessor).
        for _ in 0..=self.files.len() {
            match self.get(cur).and_then(|f| f.included_from) {
                Some(span) => {
                    chain.push(span);
                    cur = span.file;
                }
                None => break,
            }
        }
        chain
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// True when no file has been read.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Formats a span as `path:line:col`.
    pub fn display(&self, span: Span) -> impl fmt::Display + '_ {
        SpanDisplay { map: self, span }
    }
}

struct SpanDisplay<'a> {
    map: &'a SourceMap,
    span: Span,
}

impl fmt::Display for SpanDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.span;
        write!(
            f,
            "{}:{}:{}",
            self.map.path(s.file).display(),
            s.line,
            s.col
        )
    }
}

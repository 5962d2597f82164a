//! The stack of files being read: each `include` pushes the files its
//! pattern matched, read one after another; physical lines are cut into
//! keepalived's 1023-byte pieces.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostics;
use crate::source::{FileId, Span};

/// keepalived's `MAXBUF`: `fgets()` reads at most 1023 bytes at a time.
pub(crate) const MAXBUF: usize = 1024;

/// One piece of a physical line, as one `fgets()` call returns it.
#[derive(Clone, Debug)]
pub(crate) struct Chunk {
    /// The text, without line-end characters.
    pub(crate) text: String,
    /// 1-based line number.
    pub(crate) line: u32,
    /// 1-based column of the first byte.
    pub(crate) col: u32,
}

/// A file being read.
#[derive(Debug)]
pub(crate) struct OpenFile {
    /// Its id in the source map.
    pub(crate) id: FileId,
    /// Its path, as resolved.
    pub(crate) path: PathBuf,
    /// `${_PWD}` while reading it.
    pub(crate) pwd: String,
    chunks: Vec<Chunk>,
    next: usize,
}

impl OpenFile {
    /// Cuts `text` into pieces.
    pub(crate) fn new(
        id: FileId,
        path: PathBuf,
        pwd: String,
        text: &str,
        diags: &mut Diagnostics,
    ) -> Self {
        Self {
            id,
            path,
            pwd,
            chunks: chunk_lines(id, text, diags),
            next: 0,
        }
    }

    /// The next piece, if any.
    pub(crate) fn next_chunk(&mut self) -> Option<Chunk> {
        let c = self.chunks.get(self.next).cloned();
        self.next += 1;
        c
    }
}

/// One `include` (or the main file): the files its pattern matched.
#[derive(Debug)]
pub(crate) struct Entry {
    /// Matched files not opened yet.
    pub(crate) pending: VecDeque<PathBuf>,
    /// The file being read.
    pub(crate) file: Option<OpenFile>,
    /// `include_check` as it was at the include, restored after each file.
    pub(crate) saved_check: u8,
    /// The checks the include variant adds.
    pub(crate) include_type: u8,
    /// The pattern, for messages.
    pub(crate) pattern: String,
    /// Where the include stands.
    pub(crate) span: Option<Span>,
    /// Files opened so far.
    pub(crate) opened: usize,
}

/// Cuts a file into `fgets()` pieces: lines longer than 1022 bytes are
/// read by keepalived as several lines.
pub(crate) fn chunk_lines(
    id: FileId,
    text: &str,
    diags: &mut Diagnostics,
) -> Vec<Chunk> {
    let max = MAXBUF - 1;
    let mut out = Vec::new();
    let mut rest = text;
    let mut line: u32 = 0;
    while !rest.is_empty() {
        line = line.saturating_add(1);
        let (raw, terminated) = match rest.find('\n') {
            Some(i) => (&rest[..i], true),
            None => (rest, false),
        };
        rest = if terminated {
            &rest[raw.len() + 1..]
        } else {
            ""
        };
        if raw.len() >= max {
            // keepalived compat: the rest of a long line is read as the
            // next line(s); keepalived says nothing, we warn.
            diags.warning(
                Span::new(id, line, 1),
                format!("line is {} bytes long; keepalived reads lines in pieces of {max} bytes, so it is split", raw.len()),
            );
        }
        let mut start = 0;
        loop {
            let mut end = (start + max).min(raw.len());
            while !raw.is_char_boundary(end) {
                end -= 1;
            }
            if end == start && end < raw.len() {
                end = super::text::ceil_boundary(raw, start + 1);
            }
            let col = u32::try_from(start + 1).unwrap_or(u32::MAX);
            out.push(Chunk {
                text: clean(&raw[start..end]),
                line,
                col,
            });
            start = end;
            if start >= raw.len() {
                // A line of exactly N * 1023 bytes leaves its newline for
                // one more, empty, read.
                if terminated && !raw.is_empty() && raw.len() % max == 0 {
                    let col = u32::try_from(raw.len() + 1).unwrap_or(u32::MAX);
                    out.push(Chunk {
                        text: String::new(),
                        line,
                        col,
                    });
                }
                break;
            }
        }
    }
    out
}

/// Drops what C string handling would: everything from a NUL byte, and
/// trailing `\r`/`\n`.
fn clean(s: &str) -> String {
    let s = s.split('\0').next().unwrap_or("");
    s.trim_end_matches(['\r', '\n']).to_string()
}

/// The directory of `path` for `${_PWD}` and relative includes.
pub(crate) fn dir_of(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_like_fgets() {
        let mut d = Diagnostics::new();
        let text = format!(
            "{}Z1 q\n{}\nc\n{}\n",
            "a".repeat(1023),
            "b".repeat(1022),
            "d".repeat(2046)
        );
        let c = chunk_lines(FileId(0), &text, &mut d);
        let got: Vec<_> =
            c.iter().map(|c| (c.text.len(), c.line, c.col)).collect();
        assert_eq!(
            got,
            [
                (1023, 1, 1),
                (4, 1, 1024),
                (1022, 2, 1),
                (1, 3, 1),
                (1023, 4, 1),
                (1023, 4, 1024),
                (0, 4, 2047)
            ]
        );
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn crlf_and_nul() {
        let mut d = Diagnostics::new();
        let c = chunk_lines(FileId(0), "a b\r\nx\0y\nlast", &mut d);
        let got: Vec<_> = c.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(got, ["a b", "x", "last"]);
    }
}

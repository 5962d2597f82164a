//! One logical line of configuration text with the position of each of
//! its bytes: what the preprocessor produces and the lexer and parser
//! read. It lives in its own module so that the preprocessor (which calls
//! the lexer) and the lexer (which reads lines) do not import each other.

mod cols;

pub use cols::Cols;

use crate::source::Span;

/// One line after preprocessing: either `{`, `}`, or text without block
/// braces outside quotes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The text: comments removed, definitions expanded.
    pub text: String,
    /// Where the line came from (its first byte).
    pub span: Span,
    /// For each byte of `text`, its 1-based column in the original line
    /// `span.line` of `span.file`. Expanded text points at the `$` that
    /// produced it; lines of a multi-line definition point at its use.
    pub cols: Cols,
}

impl Line {
    /// A line whose text stood as-is at `span` (for tests and tools).
    pub fn plain(text: &str, span: Span) -> Self {
        Self {
            text: text.to_string(),
            span,
            cols: Cols::contiguous(span.col, text.len()),
        }
    }

    /// The position of byte `i` of the text.
    pub fn span_at(&self, i: usize) -> Span {
        let col = match self.cols.get(i) {
            Some(c) => c,
            None => self
                .cols
                .last()
                .map_or(self.span.col, |c| c.saturating_add(1)),
        };
        Span { col, ..self.span }
    }
}

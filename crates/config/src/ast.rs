//! The syntax tree the preprocessor and parser produce: keyword lines and
//! the blocks they open, each with its position.
//!
//! keepalived's grammar is line based. A line holds a keyword and its
//! arguments; a `{` (at the end of the line or alone on the next line) opens
//! a block that runs to the matching `}`. Entries of list blocks such as
//! `virtual_ipaddress { 192.0.2.1 }` are items too: the first word is the
//! "keyword" of the item and the rest are its arguments.

use serde::{Deserialize, Serialize};

use crate::source::Span;

/// One whitespace-separated word of a line, after preprocessing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Word {
    /// The word, with quotes removed by the generic tokenizer (a `"a b"`
    /// token becomes `a b`).
    pub text: String,
    /// Where the word starts.
    pub span: Span,
}

impl Word {
    /// The word's text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// A keyword line, its arguments and the block it opens, if any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// The first word of the line.
    pub keyword: Word,
    /// The remaining words of the line, split by keepalived's generic
    /// tokenizer (whitespace separated, `"…"` kept as one word).
    pub args: Vec<Word>,
    /// The text after the keyword as it stood on the line after
    /// preprocessing (comments removed, definitions expanded, braces that
    /// belong to the block structure removed), for keywords that keepalived
    /// re-tokenises with quote and escape handling (`script`, `notify*`, …).
    pub raw_args: String,
    /// Where `raw_args` starts.
    pub raw_span: Span,
    /// The items inside `{ … }` when the keyword opens a block.
    pub block: Option<Vec<Self>>,
}

impl Item {
    /// The keyword's text.
    pub fn name(&self) -> &str {
        &self.keyword.text
    }

    /// Where the keyword stands.
    pub fn span(&self) -> crate::source::Span {
        self.keyword.span
    }

    /// The `i`-th argument, if present.
    pub fn arg(&self, i: usize) -> Option<&Word> {
        self.args.get(i)
    }

    /// The items of the block, or an empty slice when there is no block.
    pub fn children(&self) -> &[Self] {
        self.block.as_deref().unwrap_or(&[])
    }
}

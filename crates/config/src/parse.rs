//! Turning preprocessed lines into the syntax tree of keywords and blocks.
//!
//! The preprocessor has already put every block brace on a line of its
//! own, so the grammar is: a line of words is an [`Item`]; a `{` line
//! right after it opens that item's block; a `}` line closes the innermost
//! open block. `virtual_ipaddress { 192.0.2.1 192.0.2.2 }` thus becomes an
//! item `virtual_ipaddress` whose block holds one item with keyword
//! `192.0.2.1` and argument `192.0.2.2`: builders of value lists take the
//! keyword and arguments of every child item, as keepalived's
//! `alloc_value_block` takes every word of every line.
//!
//! The tree is generic: it does not know which keywords take blocks. A
//! block after a keyword that takes none, or a missing block, is for the
//! builders to report (keepalived: "Unexpected '{'", "Missing '{'").
//! Brace counting errors ("Extra '}' found", missing `}` at the end) are
//! reported by the preprocessor, where keepalived reports them.

use crate::ast::{Item, Word};
use crate::diag::Diagnostics;
use crate::lexer::{WHITE_SPACE, first_token_end, tokenize};
use crate::line::Line;

/// How deep blocks may nest in the tree. keepalived's deepest grammar is
/// `virtual_server` > `real_server` > checker > `url` (four levels), so
/// anything deeper sits inside a block the builders already reject as
/// unknown. The bound keeps the tree, and every walk and drop of it,
/// shallow whatever the input: without it 100,000 `a {` lines would
/// overflow the stack.
pub const MAX_BLOCK_DEPTH: usize = 32;

/// Parses lines into root items.
pub fn parse(lines: &[Line], diags: &mut Diagnostics) -> Vec<Item> {
    let mut p = Parser::new();
    for line in lines {
        p.push(line, diags);
    }
    p.finish()
}

/// The parser, fed one line at a time, so that a configuration is never
/// held as both lines and tree (see [`crate::load`]).
#[derive(Debug)]
pub struct Parser {
    /// levels[0] is the root; each further level is an open block whose
    /// owner is the last item of the level below.
    levels: Vec<Vec<Item>>,
    /// True when the previous line made an item that has no block yet.
    may_open: bool,
    /// Blocks open beyond MAX_BLOCK_DEPTH, whose lines are counted for
    /// brace matching but not kept.
    skipped: usize,
}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

impl Parser {
    /// Nothing read yet.
    pub fn new() -> Self {
        Self {
            levels: vec![Vec::new()],
            may_open: false,
            skipped: 0,
        }
    }

    /// Takes the next line.
    pub fn push(&mut self, line: &Line, diags: &mut Diagnostics) {
        if self.skipped > 0 {
            self.skip(line);
            return;
        }
        match line.text.as_str() {
            "{" => {
                if self.may_open && self.levels.len() > MAX_BLOCK_DEPTH {
                    diags.warning(
                        line.span,
                        format!("blocks nested more than {MAX_BLOCK_DEPTH} deep; this block's contents are skipped"),
                    );
                    self.skipped = 1;
                } else if self.may_open {
                    self.levels.push(Vec::new());
                } else {
                    // keepalived compat: a `{` that follows no keyword is
                    // ignored (and so its `}` closes the enclosing block).
                    diags.error(line.span, "Unexpected '{' - ignoring");
                }
                self.may_open = false;
            }
            "}" => {
                if self.levels.len() > 1 {
                    self.close();
                } else {
                    // keepalived compat: at the top level a `}` is looked
                    // up as a keyword and reported as unknown.
                    diags.error(line.span, "Unknown keyword '}'");
                }
                self.may_open = false;
            }
            _ => {
                let Some(item) = item(line, diags) else {
                    // keepalived compat: a line without words changes
                    // nothing, not even a pending `{`.
                    return;
                };
                if let Some(level) = self.levels.last_mut() {
                    level.push(item);
                }
                self.may_open = true;
            }
        }
    }

    /// A line inside a block too deep to keep: the same brace rules as
    /// [`Parser::push`], without building items.
    fn skip(&mut self, line: &Line) {
        match line.text.as_str() {
            "{" => self.skipped += usize::from(self.may_open),
            "}" => self.skipped -= 1,
            text if !text.trim_ascii().is_empty() => self.may_open = true,
            _ => return,
        }
        self.may_open &= !matches!(line.text.as_str(), "{" | "}");
    }

    /// The root items, every open block closed.
    pub fn finish(mut self) -> Vec<Item> {
        while self.levels.len() > 1 {
            self.close();
        }
        self.levels.pop().unwrap_or_default()
    }

    /// Closes the innermost open block, attaching it to its owner.
    fn close(&mut self) {
        let Some(block) = self.levels.pop() else {
            return;
        };
        if let Some(owner) = self.levels.last_mut().and_then(|l| l.last_mut()) {
            owner.block = Some(block);
        }
    }
}

/// The item for a line of words.
fn item(line: &Line, diags: &mut Diagnostics) -> Option<Item> {
    let mut words = tokenize(line, diags).into_iter();
    let keyword: Word = words.next()?;
    let args: Vec<Word> = words.collect();
    let s = &line.text;
    let end = first_token_end(s);
    let start = end
        + s.as_bytes()[end.min(s.len())..]
            .iter()
            .take_while(|c| WHITE_SPACE.contains(c))
            .count();
    let start = start.min(s.len());
    Some(Item {
        keyword,
        args,
        raw_args: s.get(start..).unwrap_or("").to_string(),
        raw_span: line.span_at(start),
        block: None,
    })
}

#[cfg(test)]
mod tests;

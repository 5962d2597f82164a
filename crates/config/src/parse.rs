//! Turning preprocessed lines into the syntax tree of keywords and blocks.

use crate::ast::Item;
use crate::diag::Diagnostics;
use crate::preprocess::Line;

/// Parses lines into root items.
pub fn parse(_lines: &[Line], _diags: &mut Diagnostics) -> Vec<Item> {
    Vec::new()
}

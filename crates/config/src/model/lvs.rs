//! Load-balancing configuration: virtual servers, real servers, checkers.

use serde::{Deserialize, Serialize};

/// Every `virtual_server`, `virtual_server_group` and the `SSL` block.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LvsSection {}

impl LvsSection {
    /// Prints every load-balancing block.
    pub fn print(&self, p: &mut crate::print::Printer) {
        let _ = p;
    }
}

//! BFD configuration: `bfd_instance` blocks.

use serde::{Deserialize, Serialize};

/// Every `bfd_instance`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BfdSection {}

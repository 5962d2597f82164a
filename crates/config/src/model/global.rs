//! `global_defs` and root-level process settings.

use serde::{Deserialize, Serialize};

/// `global_defs { … }` plus root keywords such as `net_namespace`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GlobalDefs {}

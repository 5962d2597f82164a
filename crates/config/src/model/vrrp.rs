//! VRRP configuration: instances, sync groups, trackers and static objects.

use serde::{Deserialize, Serialize};

/// Everything VRRP in a configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VrrpSection {}

//! Cross-object validation with keepalived's rules and fallbacks.

pub mod lvs;

use crate::diag::Diagnostics;
use crate::host::Host;
use crate::model::Config;

/// Checks the model as a whole, applying keepalived's fix-ups.
pub fn validate(config: &mut Config, host: &dyn Host, diags: &mut Diagnostics) {
    lvs::validate(config, host, diags);
}

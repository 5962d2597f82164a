//! Validation of virtual servers, real servers and checkers.

use crate::diag::Diagnostics;
use crate::host::Host;
use crate::model::Config;

/// Checks the load-balancing part of `config`.
pub fn validate(config: &mut Config, host: &dyn Host, diags: &mut Diagnostics) {
    let _ = (config, host, diags);
}

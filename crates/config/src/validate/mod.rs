//! Cross-object validation with keepalived's rules and fallbacks.

pub mod iface;
pub mod lvs;
pub mod scripts;
pub mod security;
pub mod vrrp;

use crate::diag::Diagnostics;
use crate::host::Host;
use crate::model::Config;

/// Checks the model as a whole, applying keepalived's fix-ups.
pub fn validate(config: &mut Config, host: &dyn Host, diags: &mut Diagnostics) {
    // keepalived compat: users and interfaces are resolved while the
    // configuration is read, before `vrrp_complete_init()`.
    scripts::validate(config, host, diags);
    iface::validate(config, host, diags);
    vrrp::validate(config, host, diags);
    security::validate(config, host, diags);
    lvs::validate(config, host, diags);
}

#[cfg(test)]
mod tests;

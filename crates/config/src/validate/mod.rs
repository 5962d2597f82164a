//! Cross-object validation with keepalived's rules and fallbacks.

pub mod iface;
pub mod lvs;
pub mod scripts;
pub mod secure;
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
    smtp_server(config, host, diags);
}

/// keepalived compat (`smtpserver_handler()`): an `smtp_server` that is
/// not an IP address is looked up as a host name; one that does not
/// resolve is "Invalid smtp server NAME PORT", a configuration error.
fn smtp_server(config: &Config, host: &dyn Host, diags: &mut Diagnostics) {
    let Some((name, port)) = &config.global.smtp_server else {
        return;
    };
    let is_ip =
        !name.contains(['-', '/']) && name.parse::<std::net::IpAddr>().is_ok();
    if !is_ip && host.resolves(name) == Some(false) {
        let port = port.unwrap_or(25);
        diags.error(None, format!("Invalid smtp server {name} {port}"));
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_resolved;

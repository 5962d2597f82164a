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

/// What validation found that stops keepalived's VRRP process (it
/// exits with `KEEPALIVED_EXIT_CONFIG`, and keepalived terminates).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VrrpStop(pub Option<&'static str>);

/// Checks the model as a whole, applying keepalived's fix-ups.
pub fn validate(
    config: &mut Config,
    host: &dyn Host,
    diags: &mut Diagnostics,
) -> VrrpStop {
    // keepalived compat: users and interfaces are resolved while the
    // configuration is read, before `vrrp_complete_init()`.
    scripts::validate(config, host, diags);
    let bad_if = iface::validate(config, host, diags);
    let bad_if = vrrp::interfaces(config, host, diags) || bad_if;
    let stop = if bad_if {
        // keepalived compat: the VRRP process stops right after reading
        // the configuration: no vrrp_complete_init(), no VRRP script
        // security check.
        diags.fatal(None, NON_EXISTENT);
        VrrpStop(Some(NON_EXISTENT))
    } else if !vrrp::validate(config, diags) {
        VrrpStop(Some("a vrrp_instance cannot run"))
    } else {
        VrrpStop(None)
    };
    security::validate(config, host, diags, !bad_if);
    lvs::validate(config, host, diags);
    smtp_server(config, host, diags);
    stop
}

/// keepalived's words for `non_existent_interface_specified`.
const NON_EXISTENT: &str = "Non-existent interface specified in configuration";

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

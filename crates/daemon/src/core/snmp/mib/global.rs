//! KEEPALIVED-MIB `global` (`.1`): keepalived `snmp_scalar` and
//! `snmp_mail` (`keepalived/core/snmp.c`).

use ka_agentx::{MibView, Value};
use ka_config::model::global::{GlobalDefs, LvsFlushOnStop};

use super::global_oid;

/// keepalived-rs's `version` (keepalived prints its build date in the
/// parentheses; we print ours).
pub(crate) fn version_string() -> String {
    format!(
        "Keepalived v2.2.7 (keepalived-rs {})",
        env!("CARGO_PKG_VERSION")
    )
}

/// keepalived compat: `router_id` defaults to the host name.
pub(crate) fn router_id(g: &GlobalDefs) -> String {
    g.router_id.clone().unwrap_or_else(|| {
        nix::unistd::gethostname()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_default()
    })
}

/// keepalived's tri-state alerts: unset 3, on 1, off 2.
fn tri(b: Option<bool>) -> Value {
    Value::Integer(match b {
        None => 3,
        Some(true) => 1,
        Some(false) => 2,
    })
}

/// `smtp_server` as keepalived stores it: an address and a port (25 by
/// default). A host name is not resolved here: it shows as no server
/// (keepalived resolves it when it reads the configuration).
fn smtp_server(g: &GlobalDefs) -> Option<(std::net::IpAddr, u16)> {
    let (host, port) = g.smtp_server.as_ref()?;
    Some((host.parse().ok()?, port.unwrap_or(25)))
}

/// keepalived compat (`init_global_data`): the connection timeout
/// defaults to 30 s only when an SMTP server is set; else 0.
fn smtp_timeout_secs(g: &GlobalDefs, server: bool) -> u32 {
    match g.smtp_connect_timeout {
        Some(t) => t.as_secs() as u32,
        None if server => 30,
        None => 0,
    }
}

/// keepalived compat (`set_default_email_from`): `keepalived@HOST` when
/// an SMTP server is set and `notification_email_from` is not.
fn email_from(g: &GlobalDefs, server: bool) -> Option<String> {
    g.notification_email_from.clone().or_else(|| {
        let host = nix::unistd::gethostname().ok()?;
        server.then(|| format!("keepalived@{}", host.to_string_lossy()))
    })
}

pub(super) fn fill(v: &mut MibView, g: &GlobalDefs) {
    let base = global_oid();
    let mut no_email_from = false;
    let mut scalar = |sub: &[u32], value: Value| {
        v.set(&base.child(sub), &[0], value);
    };
    scalar(&[1], Value::string(&version_string()));
    scalar(&[2], Value::string(&router_id(g)));
    let smtp = smtp_server(g);
    // keepalived compat: with no smtp_server the address family is 0,
    // which `SNMP_InetAddressType` reports as ipv6(2), and the address
    // as four zero bytes.
    let (ty, addr, port) = match smtp {
        Some((std::net::IpAddr::V4(a), p)) => (1, a.octets().to_vec(), p),
        Some((std::net::IpAddr::V6(a), p)) => (2, a.octets().to_vec(), p),
        None => (2, vec![0; 4], 0),
    };
    scalar(&[3, 1], Value::Integer(ty));
    scalar(&[3, 2], Value::OctetString(addr));
    scalar(
        &[3, 3],
        Value::Gauge32(smtp_timeout_secs(g, smtp.is_some())),
    );
    match email_from(g, smtp.is_some()) {
        Some(from) => scalar(&[3, 4], Value::string(&from)),
        None => no_email_from = true,
    }
    scalar(&[3, 6], Value::Gauge32(u32::from(port)));
    scalar(&[3, 7], Value::truth(!g.no_email_faults));
    scalar(&[3, 8], tri(g.smtp_alert));
    scalar(&[3, 9], tri(g.smtp_alert_vrrp));
    scalar(&[3, 10], tri(g.smtp_alert_checker));
    scalar(&[4], Value::truth(g.snmp.enable_traps));
    scalar(
        &[5],
        Value::Integer(if g.linkbeat_use_polling { 2 } else { 1 }),
    );
    scalar(&[6], Value::truth(g.lvs_flush));
    // keepalived compat: Debian's build has 64-bit IPVS counters.
    scalar(&[7], Value::Integer(1));
    scalar(
        &[8],
        Value::string(g.net_namespace.as_deref().unwrap_or_default()),
    );
    scalar(&[9], Value::truth(g.dbus.enable));
    scalar(&[10], Value::truth(g.dynamic_interfaces.is_some()));
    scalar(
        &[11],
        Value::Integer(match g.lvs_flush_on_stop {
            Some(LvsFlushOnStop::Full) => 1,
            Some(LvsFlushOnStop::Vs) => 3,
            None => 2,
        }),
    );
    if no_email_from {
        v.declare(base.child(&[3, 4]));
    }
    // emailTable (`.3.5.1.2`), indexed from 1 in configuration order.
    let email = base.child(&[3, 5, 1, 2]);
    for (n, addr) in g.notification_email.iter().enumerate() {
        v.set(&email, &[n as u32 + 1], Value::string(addr));
    }
    v.declare(email);
}

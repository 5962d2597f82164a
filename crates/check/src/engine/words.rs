//! keepalived's log lines for checker verdicts, per checker kind (the
//! epilogs of check_tcp.c, check_http.c, check_udp.c, check_ping.c,
//! check_smtp.c, check_misc.c).

/// The line logged when a checker comes up (or first succeeds), if the
/// checker kind logs one.
pub(super) fn success(keyword: &str, rs: &str, vs: &str) -> Option<String> {
    Some(match keyword {
        "TCP_CHECK" => format!("TCP connection to {rs} success."),
        "HTTP_GET" | "SSL_GET" => {
            format!("Remote Web server {rs} succeed on service.")
        }
        "UDP_CHECK" => format!("UDP connection to {rs} success."),
        "PING_CHECK" => format!("ICMP connection to {rs} success."),
        "SMTP_CHECK" => format!("Remote SMTP server {rs} succeed on service."),
        "MISC_CHECK" => format!("Misc check for [{rs} VS {vs}] succeeded."),
        _ => return None,
    })
}

/// The line logged when a checker goes down. `retries` is `Some(retry)`
/// when the failure came after retries (keepalived: `retry && has_run`).
pub(super) fn failure(
    keyword: &str,
    rs: &str,
    vs: &str,
    retries: Option<u32>,
    why: &str,
) -> String {
    let after = retries.map(|n| format!(" after {n} retries"));
    let after = after.as_deref().unwrap_or("");
    match keyword {
        "TCP_CHECK" => format!("TCP_CHECK on service {rs} failed{after}."),
        "HTTP_GET" | "SSL_GET" => {
            format!("HTTP_CHECK on service {rs} failed{after}.")
        }
        "UDP_CHECK" => format!("UDP_CHECK on service {rs} failed{after}."),
        "PING_CHECK" if retries.is_some() => {
            format!("ICMP CHECK on service {rs} of {vs} failed{after}.")
        }
        "PING_CHECK" => format!("ICMP CHECK on service {rs} failed."),
        "MISC_CHECK" => {
            let how = match retries {
                Some(1) => " after 1 retry".to_string(),
                Some(n) => format!(" after {n} retries"),
                None => " with retry disabled".to_string(),
            };
            format!("Misc check for [{rs} VS {vs}] failed{how} ({why}).")
        }
        "DNS_CHECK" => format!("DNS_CHECK ({rs}) {why}{after}"),
        "SMTP_CHECK" => format!("SMTP_CHECK {why}{after}"),
        _ => format!("{keyword} on service {rs} failed{after}."),
    }
}

/// keepalived's perform_svr_state line: `Adding service X to VS Y`,
/// `Removing service X from VS Y`, `Enabling/Disabling service X of VS Y`
/// with `inhibit_on_failure`.
pub(super) fn svr_state(
    alive: bool,
    inhibit: bool,
    rs: &str,
    vs: &str,
) -> String {
    let (verb, prep) = match (alive, inhibit) {
        (true, true) => ("Enabling", "of"),
        (true, false) => ("Adding", "to"),
        (false, true) => ("Disabling", "of"),
        (false, false) => ("Removing", "from"),
    };
    format!("{verb} service {rs} {prep} VS {vs}")
}

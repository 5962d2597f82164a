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

/// The line logged when a checker goes down. `retry` is the checker's
/// `retry`, `has_run` whether it had reached a verdict before; `why` the
/// probe's words (ka-probe's attempt line, or `timeout` for a probe that
/// never answered).
pub(super) fn failure(
    keyword: &str,
    names: (&str, &str),
    retry: u32,
    has_run: bool,
    why: &str,
) -> String {
    let (rs, vs) = names;
    // keepalived says "after N retries" when retry is set and the checker
    // had run before.
    let after = if retry > 0 && has_run {
        format!(" after {retry} retries")
    } else {
        String::new()
    };
    match keyword {
        "TCP_CHECK" => format!("TCP_CHECK on service {rs} failed{after}."),
        "HTTP_GET" | "SSL_GET" => {
            format!("HTTP_CHECK on service {rs} failed{after}.")
        }
        "UDP_CHECK" => format!("UDP_CHECK on service {rs} failed{after}."),
        "PING_CHECK" if !after.is_empty() => {
            format!("ICMP CHECK on service {rs} of {vs} failed{after}.")
        }
        "PING_CHECK" => format!("ICMP CHECK on service {rs} failed."),
        "MISC_CHECK" => misc_failure(rs, vs, retry, why),
        "DNS_CHECK" if why.starts_with("DNS_CHECK (") => {
            format!("{why}{after}")
        }
        "DNS_CHECK" => format!("DNS_CHECK ({rs}) {why}{after}"),
        "SMTP_CHECK" if why.starts_with("SMTP_CHECK ") => why.to_string(),
        "SMTP_CHECK" => format!("SMTP_CHECK {why}"),
        _ => format!("{keyword} on service {rs} failed{after}."),
    }
}

/// check_misc.c's last-failure line: the probe's line with keepalived's
/// retry note put after the verb (`failed after 1 retry (exited with
/// status 1).`).
fn misc_failure(rs: &str, vs: &str, retry: u32, why: &str) -> String {
    let note = match retry {
        0 => " with retry disabled".to_string(),
        1 => " after 1 retry".to_string(),
        n => format!(" after {n} retries"),
    };
    if why.starts_with("Misc check for [") {
        for verb in ["] failed", "] timed out"] {
            if let Some(i) = why.rfind(verb) {
                let at = i + verb.len();
                return format!("{}{note}{}", &why[..at], &why[at..]);
            }
        }
    }
    format!("Misc check for [{rs} VS {vs}] failed{note} ({why}).")
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

#[cfg(test)]
mod tests {
    use super::*;

    const N: (&str, &str) = ("[198.51.100.1]:tcp:80", "[192.0.2.1]:tcp:80");

    #[test]
    fn misc_failures_get_keepalived_retry_note_inside_the_probe_line() {
        let why = "Misc check for [[198.51.100.1]:tcp:80 VS [192.0.2.1]:tcp:80] by [/bin/false] failed (exited with status 1).";
        assert_eq!(
            failure("MISC_CHECK", N, 1, true, why),
            "Misc check for [[198.51.100.1]:tcp:80 VS [192.0.2.1]:tcp:80] by [/bin/false] failed after 1 retry (exited with status 1)."
        );
        let why = "Misc check for [[198.51.100.1]:tcp:80 VS [192.0.2.1]:tcp:80] by [/bin/sleep] timed out.";
        assert_eq!(
            failure("MISC_CHECK", N, 0, false, why),
            "Misc check for [[198.51.100.1]:tcp:80 VS [192.0.2.1]:tcp:80] by [/bin/sleep] timed out with retry disabled."
        );
    }

    #[test]
    fn retries_are_mentioned_only_after_a_verdict() {
        assert_eq!(
            failure("TCP_CHECK", N, 2, true, ""),
            "TCP_CHECK on service [198.51.100.1]:tcp:80 failed after 2 retries."
        );
        assert_eq!(
            failure("PING_CHECK", N, 2, false, ""),
            "ICMP CHECK on service [198.51.100.1]:tcp:80 failed."
        );
        assert_eq!(
            failure(
                "DNS_CHECK",
                N,
                1,
                true,
                "DNS_CHECK ([198.51.100.1]:tcp:80) read timeout from socket"
            ),
            "DNS_CHECK ([198.51.100.1]:tcp:80) read timeout from socket after 1 retries"
        );
        assert_eq!(
            failure(
                "SMTP_CHECK",
                N,
                1,
                true,
                "SMTP_CHECK Could not connect to server [198.51.100.1]:25"
            ),
            "SMTP_CHECK Could not connect to server [198.51.100.1]:25"
        );
    }

    #[test]
    fn server_state_lines() {
        let (rs, vs) = N;
        assert_eq!(
            svr_state(false, true, rs, vs),
            "Disabling service [198.51.100.1]:tcp:80 of VS [192.0.2.1]:tcp:80"
        );
        assert_eq!(
            svr_state(true, false, rs, vs),
            "Adding service [198.51.100.1]:tcp:80 to VS [192.0.2.1]:tcp:80"
        );
    }
}

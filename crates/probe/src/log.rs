//! keepalived's log lines for checker events, so the daemon logs what
//! operators grep for. `chk` is the real server as keepalived prints it
//! ([`fmt_chk`], `[ip]:proto:port`), `vs` the virtual server.

use std::net::SocketAddr;

use crate::outcome::Reason;
use crate::spec::{ProbeKind, ProbeSpec};

/// keepalived's `inet_sockaddrtotrio`: `[ip]:tcp:port`. `proto` is the
/// virtual server's protocol keyword (`TCP`, `UDP`, `SCTP`), `None` for
/// fwmark services ("none").
pub fn fmt_chk(rs: SocketAddr, proto: Option<&str>) -> String {
    let p = proto.map_or_else(|| "none".to_string(), str::to_ascii_lowercase);
    format!("[{}]:{p}:{}", rs.ip(), rs.port())
}

/// keepalived's `inet_sockaddrtopair`: `[ip]:port`.
pub fn fmt_pair(a: SocketAddr) -> String {
    format!("[{}]:{}", a.ip(), a.port())
}

/// The line keepalived logs when a checker comes up (`None`: it logs
/// none, as DNS_CHECK and MISC_CHECK, see [`misc`]).
pub fn up(kind: &ProbeKind, chk: &str) -> Option<String> {
    Some(match kind {
        ProbeKind::Tcp => format!("TCP connection to {chk} success."),
        ProbeKind::Http(_) => {
            format!("Remote Web server {chk} succeed on service.")
        }
        ProbeKind::Smtp(_) => {
            format!("Remote SMTP server {chk} succeed on service.")
        }
        ProbeKind::Udp(_) => format!("UDP connection to {chk} success."),
        ProbeKind::Ping => format!("ICMP connection to {chk} success."),
        ProbeKind::Dns(_) | ProbeKind::Misc(_) => return None,
    })
}

/// HTTP_GET/SSL_GET: url `path` passed while the checker was down;
/// `word` is what [`crate::http::run_url`] returned.
pub fn url_up(word: &str, chk: &str, path: &str) -> String {
    format!("{word} success to {chk} url({path})")
}

/// The line keepalived logs when a checker goes down: `retries` is the
/// checker's `retry` when it had run before and retry is not 0 (keepalived
/// then says "after N retries").
pub fn down(
    spec: &ProbeSpec,
    reason: &Reason,
    chk: &str,
    vs: &str,
    retries: Option<u32>,
) -> String {
    let name = match &spec.kind {
        ProbeKind::Tcp => "TCP_CHECK",
        ProbeKind::Http(_) => "HTTP_CHECK",
        ProbeKind::Udp(_) => "UDP_CHECK",
        ProbeKind::Ping => "ICMP CHECK",
        ProbeKind::Smtp(_) => return smtp(spec, reason),
        ProbeKind::Dns(_) => {
            let tail = retries
                .map(|n| format!(" after {n} retries"))
                .unwrap_or_default();
            return format!("{}{tail}", attempt(spec, reason, chk, vs));
        }
        ProbeKind::Misc(_) => return attempt(spec, reason, chk, vs),
    };
    match (retries, &spec.kind) {
        (Some(n), ProbeKind::Ping) => {
            format!("{name} on service {chk} of {vs} failed after {n} retries.")
        }
        (Some(n), _) => {
            format!("{name} on service {chk} failed after {n} retries.")
        }
        (None, _) => format!("{name} on service {chk} failed."),
    }
}

/// The line for one failed attempt (keepalived logs these with
/// `log_all_failures`, and SMTP/DNS also on the last try).
pub fn attempt(
    spec: &ProbeSpec,
    reason: &Reason,
    chk: &str,
    vs: &str,
) -> String {
    match &spec.kind {
        ProbeKind::Tcp if matches!(reason, Reason::ConnectTimeout) => {
            format!("TCP connection to {chk} timeout.")
        }
        ProbeKind::Tcp => format!("TCP connection to {chk} failed."),
        ProbeKind::Http(_) if matches!(reason, Reason::Socket(_)) => {
            reason.to_string()
        }
        // keepalived compat: check_ssl.c's own word for a read timeout.
        ProbeKind::Http(h)
            if h.tls.is_some() && matches!(reason, Reason::ReadTimeout) =>
        {
            format!("Timeout SSL read server {chk}.")
        }
        ProbeKind::Http(_) => format!("{reason} server {chk}."),
        ProbeKind::Udp(_) if matches!(reason, Reason::UdpReplyMismatch) => {
            format!("UDP check to {chk} reply data mismatch.")
        }
        ProbeKind::Udp(_) => format!("UDP connection to {chk} failed."),
        ProbeKind::Ping if matches!(reason, Reason::ReadTimeout) => {
            format!("ICMP connection to address {chk} timeout.")
        }
        ProbeKind::Ping => format!("ICMP connection to {chk} of {vs} failed."),
        ProbeKind::Smtp(_) => smtp(spec, reason),
        ProbeKind::Dns(_) => format!("DNS_CHECK ({chk}) {}", dns_words(reason)),
        ProbeKind::Misc(m) => misc(
            chk,
            vs,
            m.argv.first().map_or("", String::as_str),
            reason,
            "",
        ),
    }
}

fn dns_words(r: &Reason) -> String {
    match r {
        Reason::DnsRcode(rc) => format!("read error occurred. (rcode = {rc})"),
        Reason::ReadTimeout => "read timeout from socket".into(),
        Reason::ReadFailed(k) | Reason::WriteFailed(k) | Reason::Socket(k) => {
            format!("failed to read socket; {}", std::io::Error::from(*k))
        }
        Reason::ConnectRefused
        | Reason::ConnectFailed(_)
        | Reason::ConnectTimeout => "network unreachable".into(),
        other => other.to_string(),
    }
}

fn smtp(spec: &ProbeSpec, r: &Reason) -> String {
    let host = fmt_pair(spec.target.connect);
    let what = match r {
        Reason::SmtpBanner => "Bad greeting banner from server",
        Reason::SmtpHelo => "Bad HELO response from server",
        Reason::SmtpLineTooLong => "Buffer overflow reading from server",
        Reason::ReadTimeout => "Read timeout from server",
        Reason::ReadFailed(_) => "Read failure from server",
        Reason::WriteTimeout => "Write timeout to server",
        Reason::WriteFailed(_) => "Write failure to server",
        Reason::ConnectTimeout => "Connection timeout to server",
        Reason::ConnectRefused => "Could not connect to server",
        _ => "Error connecting to server",
    };
    format!("SMTP_CHECK {what} {host}")
}

/// MISC_CHECK's line: `note` is keepalived's retry note (", will do 1
/// retry", " on retry 1/2", " after 2 retries", " with retry disabled")
/// or empty on success; `reason` decides "succeeded", "failed" or "timed
/// out".
pub fn misc(
    chk: &str,
    vs: &str,
    prog: &str,
    reason: &Reason,
    note: &str,
) -> String {
    let (ty, code) = match reason {
        Reason::ScriptExit(s) => ("failed", Some(("exited with status", *s))),
        Reason::ScriptSignal(s) => ("failed", Some(("due to signal", *s))),
        Reason::ScriptTimeout => ("timed out", None),
        _ => ("failed", None),
    };
    match code {
        Some((why, c)) => format!(
            "Misc check for [{chk} VS {vs}] by [{prog}] {ty}{note} ({why} {c})."
        ),
        None => {
            format!("Misc check for [{chk} VS {vs}] by [{prog}] {ty}{note}.")
        }
    }
}

/// MISC_CHECK's success line.
pub fn misc_up(chk: &str, vs: &str, prog: &str) -> String {
    format!("Misc check for [{chk} VS {vs}] by [{prog}] succeeded.")
}

#[cfg(test)]
#[path = "log_tests.rs"]
mod tests;

//! What one attempt found: [`Outcome`], [`Verdict`] and the typed
//! [`Reason`] of a failure.

use std::fmt;
use std::io;
use std::time::Duration;

/// The result of one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Up, up with a weight, or down and why.
    pub verdict: Verdict,
    /// From the start of the attempt to the verdict.
    pub latency: Duration,
}

/// Up or down.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The check passed.
    Up,
    /// MISC_CHECK with `misc_dynamic` exited 2..=255: up, and the real
    /// server's weight becomes `status - 2` (check_misc.c). An exit status
    /// of 0 stays [`Verdict::Up`] (keepalived restores the configured
    /// weight then).
    UpWithWeight(u32),
    /// The check failed.
    Down(Reason),
}

impl Verdict {
    /// Whether the check passed.
    pub fn is_up(&self) -> bool {
        !matches!(self, Self::Down(_))
    }
}

/// Why an attempt failed. [`fmt::Display`] gives keepalived's words for
/// the failure as HTTP_GET logs them (`timeout_epilog`'s messages, which
/// it follows with "server [ip]:proto:port."); [`crate::log`] builds the
/// other checkers' lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The socket could not be made or bound (`bindto`, `bind_port`,
    /// `bind_if`, `fwmark`).
    Socket(io::ErrorKind),
    /// No connection within `connect_timeout`.
    ConnectTimeout,
    /// The peer refused the connection (RST).
    ConnectRefused,
    /// The connection failed otherwise (unreachable, …).
    ConnectFailed(io::ErrorKind),
    /// The TLS handshake failed.
    TlsHandshake,
    /// The request could not be sent in time.
    WriteTimeout,
    /// Sending failed.
    WriteFailed(io::ErrorKind),
    /// No (complete) answer within the timeout.
    ReadTimeout,
    /// Reading failed (reset, …).
    ReadFailed(io::ErrorKind),
    /// The connection closed before a whole HTTP header arrived.
    NoData,
    /// The HTTP header is longer than keepalived's 4 KiB buffer.
    HeaderTooLong,
    /// The status code is not accepted (0: no valid status line).
    HttpStatus(u16),
    /// The body's MD5 is not the configured `digest`.
    DigestMismatch {
        /// `digest`.
        expected: [u8; 16],
        /// What the body hashed to.
        got: [u8; 16],
    },
    /// `regex` did not match (or matched, with `regex_no_match`).
    RegexMismatch,
    /// SMTP: the greeting was not 220.
    SmtpBanner,
    /// SMTP: the HELO reply was not 250.
    SmtpHelo,
    /// SMTP: a line longer than keepalived's 512-byte buffer.
    SmtpLineTooLong,
    /// DNS: the reply carried this non-zero RCODE.
    DnsRcode(u8),
    /// UDP: the reply's length or bytes do not match `require_reply`.
    UdpReplyMismatch,
    /// ICMP: an answer that is not our echo reply (its ICMP type).
    IcmpUnexpected(u8),
    /// MISC_CHECK exited with a failing status.
    ScriptExit(i32),
    /// MISC_CHECK was killed by a signal it was not sent by us.
    ScriptSignal(i32),
    /// MISC_CHECK ran past `misc_timeout` and was killed.
    ScriptTimeout,
    /// MISC_CHECK could not be started (or its user not resolved).
    ScriptSpawn(String),
}

impl Reason {
    /// From a connect error.
    pub(crate) fn connect(e: &io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::ConnectionRefused => Self::ConnectRefused,
            io::ErrorKind::TimedOut => Self::ConnectTimeout,
            k => Self::ConnectFailed(k),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // keepalived compat: the messages of check_http.c/check_ssl.c.
        let s = match self {
            Self::Socket(_) => "WEB socket bind failed. Rescheduling",
            Self::ConnectTimeout => "Timeout connecting",
            // A refusal seen at connect() time is keepalived's
            // connect_fail on loopback; the genhash test prints this.
            Self::ConnectRefused => "Connection failed",
            Self::ConnectFailed(_) => "Error connecting",
            Self::TlsHandshake => {
                "SSL handshake/communication error connecting to"
            }
            Self::WriteTimeout => "Timeout WEB write",
            Self::WriteFailed(_) => "Cannot send get request to",
            Self::ReadTimeout => "Timeout HTTP read",
            Self::ReadFailed(_) => "Read error with",
            Self::NoData | Self::HeaderTooLong => {
                "Read, no data received from "
            }
            Self::HttpStatus(_) => "HTTP status code error to",
            Self::DigestMismatch { .. } => "MD5 digest error to",
            Self::RegexMismatch => "Regex match failed",
            Self::SmtpBanner => "Bad greeting banner from",
            Self::SmtpHelo => "Bad HELO response from",
            Self::SmtpLineTooLong => "Buffer overflow reading from",
            Self::DnsRcode(_) => "read error occurred.",
            Self::UdpReplyMismatch => "reply data mismatch",
            Self::IcmpUnexpected(_) => "Got unexpected ICMP packet from",
            Self::ScriptExit(_) => "exited with status",
            Self::ScriptSignal(_) => "due to signal",
            Self::ScriptTimeout => "timed out",
            Self::ScriptSpawn(_) => "could not be started",
        };
        f.write_str(s)
    }
}

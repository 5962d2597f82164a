//! Health checker blocks of a `real_server`: `TCP_CHECK`, `HTTP_GET`,
//! `SSL_GET`, `SMTP_CHECK`, `DNS_CHECK`, `MISC_CHECK`, `UDP_CHECK`,
//! `PING_CHECK`, `FILE_CHECK` and `BFD_CHECK`.

use std::net::IpAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// `queue_checker()` (check_api.c): `default_retry = 1`.
pub const DEFAULT_RETRY: u32 = 1;
/// `queue_checker()`: `default_delay_before_retry = 1 * TIMER_HZ`.
pub const DEFAULT_DELAY_BEFORE_RETRY: Duration = Duration::from_secs(1);
/// `http_get_handler()` (check_http.c): 3 s for HTTP_GET and SSL_GET.
pub const HTTP_DELAY_BEFORE_RETRY: Duration = Duration::from_secs(3);
/// `DNS_DEFAULT_RETRY` (check_dns.h).
pub const DNS_RETRY: u32 = 3;
/// `SMTP_DEFAULT_HELO` (check_smtp.h).
pub const SMTP_DEFAULT_HELO: &str = "smtpchecker.keepalived.org";
/// `udp_check_handler()`: `max_reply_len = UINT8_MAX`.
pub const UDP_MAX_REPLY_LENGTH: u16 = 255;

/// One health checker.
#[derive(Clone, Debug, PartialEq)]
#[derive(Serialize, Deserialize)]
pub struct Checker {
    /// Keywords every checker type shares (retry, timers, alpha, …).
    pub common: CheckerCommon,
    /// Connection options; `None` for MISC_CHECK, FILE_CHECK and
    /// BFD_CHECK, which do not accept them.
    pub conn: Option<ConnOpts>,
    /// The checker type and its own keywords.
    pub kind: CheckerKind,
}

/// `install_checker_common_keywords()` without the connection part.
/// `None` means "inherit": validation fills these from the real server
/// or the checker type's default, as `validate_check_config()` does.
#[derive(Clone, Debug, Default, PartialEq)]
#[derive(Serialize, Deserialize)]
pub struct CheckerCommon {
    /// `retry` (`nb_get_retry` in HTTP_GET/SSL_GET), 0.. allowed here.
    pub retry: Option<u32>,
    /// `delay_before_retry`.
    pub delay_before_retry: Option<Duration>,
    /// `warmup`.
    pub warmup: Option<Duration>,
    /// `delay_loop`.
    pub delay_loop: Option<Duration>,
    /// `alpha`.
    pub alpha: Option<bool>,
    /// `log_all_failures`.
    pub log_all_failures: bool,
}

/// Connection options (`connect_ip`, `bindto`, …). Unset parts default to
/// the real server's address and port when the check runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct ConnOpts {
    /// `connect_ip`.
    pub connect_ip: Option<IpAddr>,
    /// `connect_port` (1..=65535).
    pub connect_port: Option<u16>,
    /// `bindto`.
    pub bindto: Option<IpAddr>,
    /// `bind_port` (1..=65535).
    pub bind_port: Option<u16>,
    /// `bind_if` (required for IPv6 link-local targets).
    pub bind_if: Option<String>,
    /// `connect_timeout`; `None` inherits RS, then VS (5 s).
    pub connect_timeout: Option<Duration>,
    /// `fwmark`: SO_MARK on the checker socket.
    pub fwmark: Option<u32>,
}

/// The checker type with its specific settings.
#[derive(Clone, Debug, PartialEq)]
#[derive(Serialize, Deserialize)]
pub enum CheckerKind {
    /// `TCP_CHECK`: success is a completed connect.
    Tcp,
    /// `HTTP_GET`.
    Http(HttpCheck),
    /// `SSL_GET`.
    Ssl(HttpCheck),
    /// `SMTP_CHECK`.
    Smtp(SmtpCheck),
    /// `DNS_CHECK`.
    Dns(DnsCheck),
    /// `MISC_CHECK`.
    Misc(MiscCheck),
    /// `UDP_CHECK`.
    Udp(UdpCheck),
    /// `PING_CHECK`.
    Ping,
    /// `FILE_CHECK`.
    File(FileCheck),
    /// `BFD_CHECK`.
    Bfd(BfdCheck),
}

impl CheckerKind {
    /// The block keyword.
    pub fn keyword(&self) -> &'static str {
        match self {
            Self::Tcp => "TCP_CHECK",
            Self::Http(_) => "HTTP_GET",
            Self::Ssl(_) => "SSL_GET",
            Self::Smtp(_) => "SMTP_CHECK",
            Self::Dns(_) => "DNS_CHECK",
            Self::Misc(_) => "MISC_CHECK",
            Self::Udp(_) => "UDP_CHECK",
            Self::Ping => "PING_CHECK",
            Self::File(_) => "FILE_CHECK",
            Self::Bfd(_) => "BFD_CHECK",
        }
    }

    /// The checker's own `retry` default (`queue_checker` and the
    /// per-type handlers).
    pub fn default_retry(&self) -> u32 {
        match self {
            Self::Dns(_) => DNS_RETRY,
            Self::Misc(_) => 0,
            _ => DEFAULT_RETRY,
        }
    }

    /// The checker's own `delay_before_retry` default; `None` means
    /// "the checker's delay_loop" (DNS_CHECK).
    pub fn default_delay_before_retry(&self) -> Option<Duration> {
        match self {
            Self::Http(_) | Self::Ssl(_) => Some(HTTP_DELAY_BEFORE_RETRY),
            Self::Dns(_) => None,
            _ => Some(DEFAULT_DELAY_BEFORE_RETRY),
        }
    }
}

/// HTTP version used by HTTP_GET/SSL_GET.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum HttpProtocol {
    /// `1.0` (the default, `alloc_http_get`).
    #[default]
    #[serde(rename = "1.0")]
    Http10,
    /// `1.0C`: HTTP/1.0 with `Connection: close`.
    #[serde(rename = "1.0C")]
    Http10Close,
    /// `1.1`.
    #[serde(rename = "1.1")]
    Http11,
}

impl HttpProtocol {
    /// The keyword spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http10 => "1.0",
            Self::Http10Close => "1.0C",
            Self::Http11 => "1.1",
        }
    }
}

/// `HTTP_GET { … }` / `SSL_GET { … }`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct HttpCheck {
    /// `http_protocol`.
    pub protocol: HttpProtocol,
    /// `virtualhost`: Host header for every URL without its own.
    pub virtualhost: Option<String>,
    /// `enable_sni`.
    pub enable_sni: bool,
    /// `fast_recovery`.
    pub fast_recovery: bool,
    /// `url { … }` blocks (at least one; a checker without is dropped).
    pub urls: Vec<Url>,
}

/// `url { … }` inside HTTP_GET/SSL_GET.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct Url {
    /// `path` (required; a URL without one is dropped).
    pub path: String,
    /// `digest`: MD5 of the body.
    pub digest: Option<[u8; 16]>,
    /// Accepted status codes as sorted, merged inclusive ranges; default
    /// 200-299 (`HTTP_DEFAULT_STATUS_CODE_MIN/MAX`).
    pub status_codes: Vec<(u16, u16)>,
    /// `virtualhost` for this URL.
    pub virtualhost: Option<String>,
    /// `regex` (PCRE2 pattern).
    pub regex: Option<String>,
    /// `regex_no_match`.
    pub regex_no_match: bool,
    /// `regex_options`, known names only, in keepalived's table order.
    pub regex_options: Vec<String>,
    /// `regex_min_offset`.
    pub regex_min_offset: Option<u64>,
    /// `regex_max_offset` (as written; keepalived stores it plus one).
    pub regex_max_offset: Option<u64>,
    /// `regex_stack START MAX`.
    pub regex_stack: Option<(u64, u64)>,
}

/// `SMTP_CHECK { … }`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct SmtpCheck {
    /// `helo_name`; default `smtpchecker.keepalived.org`.
    pub helo_name: String,
    /// Deprecated `host { … }` blocks: each is one more SMTP check
    /// sharing everything but the connection options.
    pub hosts: Vec<ConnOpts>,
}

/// A DNS query type for `DNS_CHECK`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum DnsType {
    A,
    Ns,
    Cname,
    /// The default (`DNS_DEFAULT_TYPE`).
    #[default]
    Soa,
    Mx,
    Txt,
    Aaaa,
    Rrsig,
    Dnskey,
}

impl DnsType {
    /// Every type with its keyword (matched case-insensitively).
    pub const ALL: [(&'static str, Self); 9] = [
        ("A", Self::A),
        ("NS", Self::Ns),
        ("CNAME", Self::Cname),
        ("SOA", Self::Soa),
        ("MX", Self::Mx),
        ("TXT", Self::Txt),
        ("AAAA", Self::Aaaa),
        ("RRSIG", Self::Rrsig),
        ("DNSKEY", Self::Dnskey),
    ];

    /// Looks a type up as keepalived does (`strcasecmp`).
    pub fn from_keyword(s: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(s))
            .map(|(_, v)| *v)
    }

    /// The keyword spelling.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, v)| *v == self)
            .map_or("SOA", |(k, _)| k)
    }
}

/// `DNS_CHECK { … }`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct DnsCheck {
    /// `type`; default SOA.
    pub qtype: DnsType,
    /// `name`; `None` queries the root (`DNS_DEFAULT_NAME` is empty).
    pub name: Option<String>,
}

/// `MISC_CHECK { … }`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct MiscCheck {
    /// `misc_path`: the command line (required).
    pub path: String,
    /// `misc_timeout` (whole seconds); `None` means the delay_loop.
    pub timeout: Option<Duration>,
    /// `misc_dynamic`: exit status 2..255 sets weight status-2.
    pub dynamic: bool,
    /// `user USER [GROUP]`.
    pub user: Option<String>,
    /// The group of `user USER GROUP`.
    pub group: Option<String>,
}

/// A hex byte string with optional `X` wildcard nibbles (`mask` bits set
/// where any value matches).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct HexPattern {
    /// The bytes (wildcard nibbles are 0).
    pub data: Vec<u8>,
    /// Per-byte wildcard mask; empty when there are no wildcards.
    pub mask: Vec<u8>,
}

/// `UDP_CHECK { … }`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct UdpCheck {
    /// `payload HEX`; `None` sends an empty datagram.
    pub payload: Option<Vec<u8>>,
    /// `require_reply`: a reply is needed for success.
    pub require_reply: bool,
    /// The reply pattern given to `require_reply`, if any.
    pub reply: Option<HexPattern>,
    /// `min_reply_length`; default 0.
    pub min_reply_length: u16,
    /// `max_reply_length`; default 255.
    pub max_reply_length: u16,
}

impl Default for UdpCheck {
    fn default() -> Self {
        Self {
            payload: None,
            require_reply: false,
            reply: None,
            min_reply_length: 0,
            max_reply_length: UDP_MAX_REPLY_LENGTH,
        }
    }
}

/// `FILE_CHECK { … }`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct FileCheck {
    /// `track_file NAME` (required; must name a root `track_file`).
    pub track_file: String,
    /// `weight N [reverse|noreverse]`; `None` uses the track_file's own.
    pub weight: Option<i32>,
    /// `reverse`.
    pub reverse: bool,
}

/// `BFD_CHECK { … }`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct BfdCheck {
    /// `name BFD_INSTANCE` (required).
    pub name: String,
}

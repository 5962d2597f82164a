//! What one probe needs, built once per checker from the validated
//! configuration ([`ProbeSpec::from_config`]).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use ka_config::model::lvs::{
    Checker, CheckerKind, ConnOpts, DEFAULT_CONNECT_TIMEOUT, DnsType,
    HexPattern, HttpCheck, HttpProtocol, RealServer, SslConfig, UdpCheck,
    VirtualServer,
};

/// Everything one probe needs.
#[derive(Clone, Debug)]
pub struct ProbeSpec {
    /// Where to connect and how.
    pub target: Target,
    /// The checker type and its settings.
    pub kind: ProbeKind,
}

/// The connection part of a checker (`connect_ip`, `bindto`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// `connect_ip`/`connect_port`, else the real server's address.
    pub connect: SocketAddr,
    /// `bindto`.
    pub bind_addr: Option<IpAddr>,
    /// `bind_port`.
    pub bind_port: Option<u16>,
    /// `bind_if` (SO_BINDTODEVICE; the scope of a link-local target).
    pub bind_if: Option<String>,
    /// `fwmark` (SO_MARK).
    pub fwmark: Option<u32>,
    /// `connect_timeout`: bounds the connect, and every later phase.
    pub timeout: Duration,
}

impl Target {
    /// A target with no bind options.
    pub fn new(connect: SocketAddr, timeout: Duration) -> Self {
        Self {
            connect,
            bind_addr: None,
            bind_port: None,
            bind_if: None,
            fwmark: None,
            timeout,
        }
    }
}

/// The checker type with what its probe needs.
#[derive(Clone, Debug)]
pub enum ProbeKind {
    /// `TCP_CHECK`.
    Tcp,
    /// `HTTP_GET`, or `SSL_GET` when `tls` is set.
    Http(HttpSpec),
    /// `SMTP_CHECK`.
    Smtp(SmtpSpec),
    /// `DNS_CHECK`.
    Dns(DnsSpec),
    /// `UDP_CHECK`.
    Udp(UdpSpec),
    /// `PING_CHECK`.
    Ping,
    /// `MISC_CHECK`.
    Misc(MiscSpec),
}

impl ProbeKind {
    /// keepalived's name of the checker in its log lines.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Tcp => "TCP_CHECK",
            Self::Http(h) if h.tls.is_some() => "SSL_GET",
            Self::Http(_) => "HTTP_GET",
            Self::Smtp(_) => "SMTP_CHECK",
            Self::Dns(_) => "DNS_CHECK",
            Self::Udp(_) => "UDP_CHECK",
            Self::Ping => "PING_CHECK",
            Self::Misc(_) => "MISC_CHECK",
        }
    }
}

/// `HTTP_GET` / `SSL_GET`.
///
/// keepalived checks one `url` per attempt (check_http.c `epilog`): after
/// url N succeeds it checks url N+1 a `delay_loop` later, and the checker
/// is up only when the last url succeeded. A failing url is retried
/// (`retry` times, `delay_before_retry` apart); once it has failed for good
/// it is re-checked every `max(delay_loop, delay_before_retry)`, and when
/// it passes again every url is checked again from the first. With
/// `fast_recovery`, a checker that has not run yet, or is down without a
/// failed url, checks its next url at once instead of a `delay_loop`
/// later. That sequencing is the engine's; [`crate::run_url`] runs one url.
#[derive(Clone, Debug)]
pub struct HttpSpec {
    /// `http_protocol`.
    pub protocol: HttpProtocol,
    /// The `url` blocks, with their Host headers resolved.
    pub urls: Vec<UrlSpec>,
    /// `Some` for `SSL_GET`.
    pub tls: Option<TlsSpec>,
    /// `fast_recovery` (for the engine; see the type's docs).
    pub fast_recovery: bool,
}

/// One `url { … }`.
#[derive(Clone, Debug)]
pub struct UrlSpec {
    /// `path`.
    pub path: String,
    /// `digest`: the MD5 of the body.
    pub digest: Option<[u8; 16]>,
    /// Accepted status codes, inclusive ranges.
    pub status_codes: Vec<(u16, u16)>,
    /// The virtual host (url, checker, real server, virtual server, in
    /// that order); `None` sends the target's `ip:port`.
    pub vhost: Option<String>,
    /// With `enable_sni`: the server name sent in the TLS handshake.
    pub sni: Option<String>,
    /// `regex` with its options.
    pub regex: Option<UrlRegex>,
}

impl UrlSpec {
    /// A url with keepalived's default status codes (200-299) and nothing
    /// else checked.
    pub fn new(path: &str) -> Self {
        Self {
            path: path.to_string(),
            digest: None,
            status_codes: vec![(200, 299)],
            vhost: None,
            sni: None,
            regex: None,
        }
    }

    /// Whether `code` is accepted.
    pub fn accepts(&self, code: u16) -> bool {
        self.status_codes
            .iter()
            .any(|&(lo, hi)| (lo..=hi).contains(&code))
    }
}

/// `regex`, `regex_no_match`, `regex_min_offset`, `regex_max_offset`.
///
/// keepalived uses PCRE2; this is the `regex` crate's syntax (RE2-like:
/// no look-around, no backreferences, no possessive quantifiers or atomic
/// groups). Patterns using those fail to compile and the checker is
/// refused ([`SpecError::Regex`]).
#[derive(Clone, Debug)]
pub struct UrlRegex {
    /// The compiled pattern (matched on bytes).
    pub regex: regex::bytes::Regex,
    /// `regex_no_match`: success when the pattern does not match.
    pub no_match: bool,
    /// `regex_min_offset`: a match must start at or after this offset.
    pub min_offset: usize,
    /// `regex_max_offset`: a match must start at or before this offset.
    pub max_offset: Option<usize>,
}

/// TLS options of an `SSL_GET` (the client context is in
/// [`crate::ProbeCtx`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsSpec {
    /// `enable_sni`; each url carries the name it sends.
    pub enable_sni: bool,
}

/// `SMTP_CHECK`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpSpec {
    /// `helo_name`.
    pub helo_name: String,
}

/// `DNS_CHECK`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsSpec {
    /// `type`.
    pub qtype: DnsType,
    /// `name`; empty is the root.
    pub name: String,
}

/// `UDP_CHECK`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UdpSpec {
    /// `payload`; empty sends an empty datagram.
    pub payload: Vec<u8>,
    /// `require_reply`: no reply within the timeout is a failure.
    pub require_reply: bool,
    /// The reply pattern (`X` nibbles are wildcards).
    pub reply: Option<HexPattern>,
    /// `min_reply_length`.
    pub min_reply_length: u16,
    /// `max_reply_length`.
    pub max_reply_length: u16,
}

/// `MISC_CHECK`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MiscSpec {
    /// The command, split as keepalived splits `misc_path`.
    pub argv: Vec<String>,
    /// `misc_timeout`, else the virtual server's `delay_loop`
    /// (check_misc.c uses `vs->delay_loop` there).
    pub timeout: Duration,
    /// `misc_dynamic`.
    pub dynamic: bool,
    /// `user` (`None`: the default script user of [`crate::ProbeCtx`]).
    pub user: Option<String>,
    /// The group of `user USER GROUP`.
    pub group: Option<String>,
}

/// Why a checker cannot be turned into a probe.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// FILE_CHECK and BFD_CHECK come from trackers and BFD, not probes.
    #[error("{0} is not a probe")]
    NotAProbe(&'static str),
    /// A url's `regex` does not compile with the `regex` crate.
    #[error("Invalid regex: '{pattern}': {source}")]
    Regex {
        /// The pattern.
        pattern: String,
        /// Why.
        #[source]
        source: regex::Error,
    },
    /// `misc_path` cannot be split into words.
    #[error("misc_path: {0}")]
    MiscPath(String),
    /// `misc_path` is empty.
    #[error("misc_path is empty")]
    MiscEmpty,
}

impl ProbeSpec {
    /// From a resolved checker of a real server (validation has filled
    /// the inherited values; see `ka_config::validate::lvs`). `ssl` is
    /// the root `SSL` block; the TLS client itself lives in
    /// [`crate::ProbeCtx`].
    pub fn from_config(
        rs: &RealServer,
        vs: &VirtualServer,
        checker: &Checker,
        ssl: Option<&SslConfig>,
    ) -> Result<Self, SpecError> {
        let _ = ssl; // the TLS context is built once, in ProbeCtx.
        let conn = checker.conn.clone().unwrap_or_default();
        Self::for_conn(rs, vs, checker, &conn)
    }

    /// Like [`Self::from_config`] for one deprecated SMTP `host { … }`
    /// block, which keepalived 2.2.7 turns into one more checker that
    /// shares everything but the connection options.
    pub fn from_config_host(
        rs: &RealServer,
        vs: &VirtualServer,
        checker: &Checker,
        host: &ConnOpts,
    ) -> Result<Self, SpecError> {
        Self::for_conn(rs, vs, checker, host)
    }

    fn for_conn(
        rs: &RealServer,
        vs: &VirtualServer,
        checker: &Checker,
        conn: &ConnOpts,
    ) -> Result<Self, SpecError> {
        let timeout = conn
            .connect_timeout
            .or(rs.connect_timeout)
            .unwrap_or(vs.connect_timeout);
        let target = target(rs.addr, conn, timeout);
        let kind = match &checker.kind {
            CheckerKind::Tcp => ProbeKind::Tcp,
            CheckerKind::Http(h) => ProbeKind::Http(http(h, rs, vs, false)?),
            CheckerKind::Ssl(h) => ProbeKind::Http(http(h, rs, vs, true)?),
            CheckerKind::Smtp(s) => ProbeKind::Smtp(SmtpSpec {
                helo_name: s.helo_name.clone(),
            }),
            CheckerKind::Dns(d) => ProbeKind::Dns(DnsSpec {
                qtype: d.qtype,
                name: d.name.clone().unwrap_or_default(),
            }),
            CheckerKind::Udp(u) => ProbeKind::Udp(udp(u)),
            CheckerKind::Ping => ProbeKind::Ping,
            CheckerKind::Misc(m) => {
                let argv = ka_config::lexer::split_quoted_escaped(&m.path)
                    .map_err(SpecError::MiscPath)?;
                if argv.is_empty() {
                    return Err(SpecError::MiscEmpty);
                }
                ProbeKind::Misc(MiscSpec {
                    argv,
                    timeout: m.timeout.unwrap_or(vs.delay_loop),
                    dynamic: m.dynamic,
                    user: m.user.clone(),
                    group: m.group.clone(),
                })
            }
            CheckerKind::File(_) => {
                return Err(SpecError::NotAProbe("FILE_CHECK"));
            }
            CheckerKind::Bfd(_) => {
                return Err(SpecError::NotAProbe("BFD_CHECK"));
            }
        };
        Ok(Self { target, kind })
    }
}

fn target(rs: SocketAddr, conn: &ConnOpts, timeout: Duration) -> Target {
    let ip = conn.connect_ip.unwrap_or(rs.ip());
    let port = conn.connect_port.unwrap_or(rs.port());
    Target {
        connect: SocketAddr::new(ip, port),
        bind_addr: conn.bindto,
        bind_port: conn.bind_port,
        bind_if: conn.bind_if.clone(),
        fwmark: conn.fwmark,
        timeout: if timeout.is_zero() {
            DEFAULT_CONNECT_TIMEOUT
        } else {
            timeout
        },
    }
}

fn http(
    h: &HttpCheck,
    rs: &RealServer,
    vs: &VirtualServer,
    tls: bool,
) -> Result<HttpSpec, SpecError> {
    let mut urls = Vec::with_capacity(h.urls.len());
    for u in &h.urls {
        // keepalived compat: http_request_thread's order.
        let vhost = u
            .virtualhost
            .clone()
            .or_else(|| h.virtualhost.clone())
            .or_else(|| rs.virtualhost.clone())
            .or_else(|| vs.virtualhost.clone());
        let regex = match &u.regex {
            None => None,
            Some(p) => Some(UrlRegex {
                regex: compile(p, &u.regex_options)?,
                no_match: u.regex_no_match,
                min_offset: offset(u.regex_min_offset),
                max_offset: u.regex_max_offset.map(|m| offset(Some(m))),
            }),
        };
        let status_codes = if u.status_codes.is_empty() {
            vec![(200, 299)]
        } else {
            u.status_codes.clone()
        };
        // keepalived compat: check_ssl.c picks the SNI name from the url,
        // the checker, then the virtual server, never the real server.
        let sni = (tls && h.enable_sni)
            .then(|| {
                u.virtualhost
                    .clone()
                    .or_else(|| h.virtualhost.clone())
                    .or_else(|| vs.virtualhost.clone())
            })
            .flatten();
        urls.push(UrlSpec {
            path: u.path.clone(),
            digest: u.digest,
            status_codes,
            vhost,
            sni,
            regex,
        });
    }
    let tls = tls.then_some(TlsSpec {
        enable_sni: h.enable_sni,
    });
    Ok(HttpSpec {
        protocol: h.protocol,
        urls,
        tls,
        fast_recovery: h.fast_recovery,
    })
}

/// Compiles a url's `regex` with the `regex_options` the `regex` crate
/// has: `caseless`, `dotall`, `extended`, `multiline`, `ungreedy`, and
/// `utf`/`ucp` for Unicode classes (PCRE2 matches bytes without them).
/// The others (PCRE2 tuning and syntax variants) are ignored.
fn compile(
    p: &str,
    options: &[String],
) -> Result<regex::bytes::Regex, SpecError> {
    let has = |o: &str| options.iter().any(|x| x == o);
    regex::bytes::RegexBuilder::new(p)
        .case_insensitive(has("caseless"))
        .dot_matches_new_line(has("dotall"))
        .ignore_whitespace(has("extended"))
        .multi_line(has("multiline"))
        .swap_greed(has("ungreedy"))
        .unicode(has("utf") || has("ucp"))
        .build()
        .map_err(|e| SpecError::Regex {
            pattern: p.to_string(),
            source: e,
        })
}

fn offset(v: Option<u64>) -> usize {
    v.map_or(0, |v| usize::try_from(v).unwrap_or(usize::MAX))
}

fn udp(u: &UdpCheck) -> UdpSpec {
    UdpSpec {
        payload: u.payload.clone().unwrap_or_default(),
        require_reply: u.require_reply,
        reply: u.reply.clone(),
        min_reply_length: u.min_reply_length,
        max_reply_length: u.max_reply_length,
    }
}

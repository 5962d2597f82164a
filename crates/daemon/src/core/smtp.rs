//! SMTP alerts (keepalived's `core/smtp.c`): mail on VRRP and checker
//! transitions, sent by one task per framework so that no probe and no
//! VRRP step ever waits for a mail server.
//!
//! A [`Mailer`] holds a bounded queue (full: the mail is dropped and
//! counted) drained by one task, started on the first mail, that speaks
//! keepalived's plain SMTP dialogue over a `TcpStream`: wait for `220`,
//! `HELO`, `MAIL FROM`, one `RCPT TO` per `notification_email`, `DATA`,
//! the message, `QUIT`. Each step is bounded by `smtp_connect_timeout`.
//!
//! The client is written here rather than taken from `lettre`: keepalived
//! sends `HELO` (not `EHLO`), an exact header set (`Date`, `From`,
//! `Subject`, `X-Mailer: Keepalived`, `To`) and no `Message-ID` or MIME
//! headers, which `lettre`'s transport and message builder do not
//! reproduce; the dialogue is six commands.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ka_config::model::global::GlobalDefs;
use thiserror::Error;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use crate::core::framework::Framework;
use crate::core::log::target;

/// keepalived compat: `smtp_connect_timeout` defaults to 30 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// keepalived compat: `smtp_server HOST` without a port uses 25.
const DEFAULT_PORT: u16 = 25;
/// Mails waiting for the sender task; more are dropped and counted.
pub const QUEUE_LEN: usize = 64;
/// keepalived compat: `MAX_HEADERS_LENGTH` (256) bounds the subject and
/// `MAX_BODY_LENGTH` (512) the body, both with their NUL.
const MAX_SUBJECT: usize = 255;
const MAX_BODY: usize = 511;
/// keepalived compat: `SMTP_BUFFER_MAX`; a longer reply line is an error.
const MAX_REPLY_LINE: usize = 1024;

/// Where and to whom alerts go (from `global_defs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpConfig {
    /// `smtp_server` host (an address or a name) and port.
    pub server: (String, u16),
    /// `smtp_helo_name`, else the host name.
    pub helo: String,
    /// `notification_email_from`, else `keepalived@HOSTNAME`.
    pub from: String,
    /// `notification_email`, in order.
    pub to: Vec<String>,
    /// `router_id`, else the host name: the subject's `[...]` prefix.
    pub router_id: String,
    /// `smtp_connect_timeout`.
    pub timeout: Duration,
}

impl SmtpConfig {
    /// The alert settings, or `None` when keepalived sends no mail
    /// (no `smtp_server` or no `notification_email`).
    pub fn from_globals(g: &GlobalDefs, hostname: &str) -> Option<Self> {
        // keepalived compat (smtp_alert): mail only with both set.
        let (host, port) = g.smtp_server.clone()?;
        if g.notification_email.is_empty() {
            return None;
        }
        Some(Self {
            server: (host, port.unwrap_or(DEFAULT_PORT)),
            helo: g.smtp_helo_name.clone().unwrap_or_else(|| hostname.into()),
            // keepalived compat (set_default_email_from).
            from: g
                .notification_email_from
                .clone()
                .unwrap_or_else(|| format!("keepalived@{hostname}")),
            to: g.notification_email.clone(),
            router_id: g.router_id.clone().unwrap_or_else(|| hostname.into()),
            timeout: g.smtp_connect_timeout.unwrap_or(DEFAULT_TIMEOUT),
        })
    }

    /// [`Self::from_globals`] with this machine's host name.
    pub fn from_host(g: &GlobalDefs) -> Option<Self> {
        let host = nix::unistd::gethostname()
            .ok()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_else(|| "unknown".into());
        Self::from_globals(g, &host)
    }
}

/// One alert: the subject after `[router_id] ` and the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    /// e.g. `VRRP Instance VI_1 - Entering MASTER state`.
    pub subject: String,
    /// e.g. `=> VRRP Instance is now owning VRRP VIPs <=`.
    pub body: String,
}

/// What the sender did, for tests and statistics.
#[derive(Debug, Default)]
pub struct Counters {
    /// Mails the server accepted.
    pub sent: AtomicU64,
    /// Mails that failed (connect, timeout, bad reply).
    pub failed: AtomicU64,
    /// Mails dropped because the queue was full.
    pub dropped: AtomicU64,
}

type Job = (Arc<SmtpConfig>, Mail);

/// A framework's SMTP sender: [`Mailer::send`] never waits.
#[derive(Debug)]
pub struct Mailer {
    framework: Framework,
    tx: Option<mpsc::Sender<Job>>,
    counters: Arc<Counters>,
}

impl Mailer {
    /// A sender whose task starts with the first mail.
    pub fn new(framework: Framework) -> Self {
        Self {
            framework,
            tx: None,
            counters: Arc::default(),
        }
    }

    /// The counters of this sender.
    pub fn counters(&self) -> Arc<Counters> {
        Arc::clone(&self.counters)
    }

    /// Queues `mail` for `cfg`'s server; drops and counts it when the
    /// queue is full. Must be called inside a tokio runtime.
    pub fn send(&mut self, cfg: &Arc<SmtpConfig>, mail: Mail) {
        let (fw, counters) = (self.framework, Arc::clone(&self.counters));
        let tx = self.tx.get_or_insert_with(|| {
            let (tx, rx) = mpsc::channel(QUEUE_LEN);
            tokio::spawn(drain(fw, rx, counters));
            tx
        });
        if tx.try_send((Arc::clone(cfg), mail)).is_err() {
            let n = self.counters.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            log_err(
                self.framework,
                &format!("SMTP alert queue full, alert dropped ({n} so far)"),
            );
        }
    }
}

/// The sender task: one mail at a time until every [`Mailer`] is gone.
async fn drain(
    fw: Framework,
    mut rx: mpsc::Receiver<Job>,
    counters: Arc<Counters>,
) {
    while let Some((cfg, mail)) = rx.recv().await {
        match deliver(&cfg, &mail).await {
            Ok(()) => {
                counters.sent.fetch_add(1, Ordering::Relaxed);
                // keepalived compat: said only with log detail (-D).
                log_debug(fw, "SMTP alert successfully sent.");
            }
            Err(e) => {
                counters.failed.fetch_add(1, Ordering::Relaxed);
                log_err(fw, &e.to_string());
            }
        }
    }
}

/// Why a mail was not sent; the texts are keepalived's log lines.
#[derive(Debug, Error)]
pub enum SmtpError {
    /// The server name did not resolve.
    #[error("Error resolving SMTP server {server}")]
    Resolve {
        /// `host:port`.
        server: String,
        /// The resolver's error, if any.
        #[source]
        source: Option<std::io::Error>,
    },
    /// The TCP connection failed.
    #[error("Error connecting SMTP server {server}")]
    Connect {
        /// `host:port`.
        server: String,
        /// The socket error.
        #[source]
        source: std::io::Error,
    },
    /// A step took longer than `smtp_connect_timeout`.
    #[error("Timeout {stage} on SMTP server {server}.")]
    Timeout {
        /// What was waited for.
        stage: &'static str,
        /// `host:port`.
        server: String,
    },
    /// Reading or writing failed, or the server closed.
    #[error("Error {stage} on SMTP server {server}")]
    Io {
        /// What was done.
        stage: &'static str,
        /// `host:port`.
        server: String,
        /// The socket error.
        #[source]
        source: std::io::Error,
    },
    /// The server answered another code than the step expects.
    #[error(
        "Error processing {stage} cmd on SMTP server {server}. SMTP status code = {code}"
    )]
    Reply {
        /// The command (`HELO`, `MAIL`, ...).
        stage: &'static str,
        /// `host:port`.
        server: String,
        /// The code received (0 if none could be read).
        code: u16,
    },
}

/// One session with the server: the whole keepalived dialogue.
pub async fn deliver(cfg: &SmtpConfig, mail: &Mail) -> Result<(), SmtpError> {
    let server = format!("{}:{}", cfg.server.0, cfg.server.1);
    let t = cfg.timeout;
    let timeout = |stage| SmtpError::Timeout {
        stage,
        server: server.clone(),
    };
    let addr = tokio::time::timeout(t, tokio::net::lookup_host(&server))
        .await
        .map_err(|_| timeout("resolving"))?
        .map_err(|e| SmtpError::Resolve {
            server: server.clone(),
            source: Some(e),
        })?
        .next()
        .ok_or_else(|| SmtpError::Resolve {
            server: server.clone(),
            source: None,
        })?;
    let stream = tokio::time::timeout(t, TcpStream::connect(addr))
        .await
        .map_err(|_| timeout("connecting"))?
        .map_err(|e| SmtpError::Connect {
            server: server.clone(),
            source: e,
        })?;
    let mut s = Session {
        io: BufReader::new(stream),
        server: &server,
        timeout: t,
    };
    s.expect("connect", 220).await?;
    s.command("HELO", &format!("HELO {}\r\n", cfg.helo), 250)
        .await?;
    s.command("MAIL", &format!("MAIL FROM:{}\r\n", angle(&cfg.from)), 250)
        .await?;
    for to in &cfg.to {
        s.command("RCPT", &format!("RCPT TO:{}\r\n", angle(to)), 250)
            .await?;
    }
    s.command("DATA", "DATA\r\n", 354).await?;
    let msg = message(cfg, mail, &rfc822_now());
    s.command("BODY", &msg, 250).await?;
    s.command("QUIT", "QUIT\r\n", 221).await
}

struct Session<'a> {
    io: BufReader<TcpStream>,
    server: &'a str,
    timeout: Duration,
}

impl Session<'_> {
    async fn command(
        &mut self,
        stage: &'static str,
        line: &str,
        want: u16,
    ) -> Result<(), SmtpError> {
        let write = self.io.get_mut().write_all(line.as_bytes());
        match tokio::time::timeout(self.timeout, write).await {
            Err(_) => return Err(self.timeout_err("writing")),
            Ok(Err(e)) => return Err(self.io_err("writing", e)),
            Ok(Ok(())) => {}
        }
        self.expect(stage, want).await
    }

    /// Reads one reply (continuation lines `NNN-` included) and checks
    /// its code.
    async fn expect(
        &mut self,
        stage: &'static str,
        want: u16,
    ) -> Result<(), SmtpError> {
        let reply = tokio::time::timeout(self.timeout, self.reply());
        let code = match reply.await {
            Err(_) => return Err(self.timeout_err("reading")),
            Ok(Err(e)) => return Err(self.io_err("reading", e)),
            Ok(Ok(code)) => code,
        };
        if code == want {
            Ok(())
        } else {
            Err(SmtpError::Reply {
                stage,
                server: self.server.into(),
                code,
            })
        }
    }

    /// The code of the last line of a reply (RFC 5321 §4.2.1: `NNN-`
    /// lines continue, `NNN ` ends); lines are bounded.
    async fn reply(&mut self) -> std::io::Result<u16> {
        // RFC 5321 §4.2.1: a reply is at most a few lines; bound them too.
        for _ in 0..64 {
            let mut line = Vec::new();
            let n = (&mut self.io)
                .take(MAX_REPLY_LINE as u64)
                .read_until(b'\n', &mut line)
                .await?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            if !line.ends_with(b"\n") {
                return Err(std::io::Error::other("SMTP reply line too long"));
            }
            let code = line
                .get(..3)
                .and_then(|c| std::str::from_utf8(c).ok())
                .and_then(|c| c.parse::<u16>().ok())
                .unwrap_or(0);
            if line.get(3) != Some(&b'-') {
                return Ok(code);
            }
        }
        Err(std::io::Error::other("SMTP reply too long"))
    }

    fn timeout_err(&self, stage: &'static str) -> SmtpError {
        SmtpError::Timeout {
            stage,
            server: self.server.into(),
        }
    }

    fn io_err(&self, stage: &'static str, source: std::io::Error) -> SmtpError {
        SmtpError::Io {
            stage,
            server: self.server.into(),
            source,
        }
    }
}

/// keepalived compat (mail_cmd / rcpt_cmd): an address already ending in
/// `Name <addr>` is sent from its last `<`, else it is put in `<...>`.
fn angle(addr: &str) -> String {
    match addr.rfind('<') {
        Some(i) if addr.ends_with('>') => addr[i..].to_string(),
        _ => format!("<{addr}>"),
    }
}

/// The DATA part as keepalived writes it (body_cmd): its headers, `To:`
/// with the recipients joined by `, ` on one line
/// (build_to_header_rcpt_addrs), the body and the end mark.
pub fn message(cfg: &SmtpConfig, mail: &Mail, date: &str) -> String {
    let subject = format!("[{}] {}", cfg.router_id, mail.subject);
    let subject = truncate(&subject, MAX_SUBJECT);
    let mut m = format!(
        "Date: {date}\r\nFrom: {}\r\nSubject: {subject}\r\nX-Mailer: Keepalived\r\nTo:",
        cfg.from
    );
    for (i, to) in cfg.to.iter().enumerate() {
        m.push_str(if i == 0 { " " } else { ", " });
        m.push_str(to);
    }
    // keepalived compat: no dot-stuffing (the bodies are fixed texts).
    m.push_str(&format!(
        "\r\n\r\n{}\r\n\r\n.\r\n",
        truncate(&mail.body, MAX_BODY)
    ));
    m
}

/// keepalived compat: the local time as `Mon, 01 Mar 2021 09:44:08 +0000`.
fn rfc822_now() -> String {
    chrono::Local::now()
        .format("%a, %d %b %Y %H:%M:%S %z")
        .to_string()
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn log_debug(fw: Framework, msg: &str) {
    match fw {
        Framework::Vrrp => tracing::debug!(target: target::VRRP, "{msg}"),
        Framework::Bfd => tracing::debug!(target: target::BFD, "{msg}"),
        Framework::Check => tracing::debug!(target: target::CHECK, "{msg}"),
    }
}

fn log_err(fw: Framework, msg: &str) {
    match fw {
        Framework::Vrrp => tracing::error!(target: target::VRRP, "{msg}"),
        Framework::Bfd => tracing::error!(target: target::BFD, "{msg}"),
        Framework::Check => tracing::error!(target: target::CHECK, "{msg}"),
    }
}

#[cfg(test)]
#[path = "smtp_tests.rs"]
pub(crate) mod tests;

//! Logging the way keepalived logs, because operators grep for its words.
//!
//! Messages go through `tracing`; this layer writes them as keepalived
//! does: on the console (`-l`) as `Sat Nov 21 14:38:11 2026: message`, and
//! to syslog (`/dev/log`, RFC 3164) with keepalived's program names —
//! `Keepalived` for the core, `Keepalived_vrrp`, `Keepalived_healthcheckers`
//! and `Keepalived_bfd` for the frameworks, chosen by the event's target —
//! and the facility from `-S` (default `daemon`).

use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::sync::Mutex;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;

/// Targets used by the daemon, mapped to keepalived's program names.
pub mod target {
    /// The core (keepalived's parent process).
    pub const CORE: &str = "keepalived";
    /// VRRP (keepalived's VRRP child).
    pub const VRRP: &str = "keepalived::vrrp";
}

/// Where log lines go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogOptions {
    /// `-l`: print to the console (stdout).
    pub console: bool,
    /// Send to syslog (off with `-G/--no-syslog`).
    pub syslog: bool,
    /// `-S`: syslog facility number (0–23; `daemon` = 3).
    pub facility: u8,
    /// `-D`: log detail (debug-level messages too).
    pub detail: bool,
}

impl Default for LogOptions {
    fn default() -> Self {
        Self {
            console: false,
            syslog: true,
            facility: 3,
            detail: false,
        }
    }
}

/// The layer that writes keepalived-style lines.
#[derive(Debug)]
pub struct KeepalivedLog {
    opts: LogOptions,
    syslog: Option<Mutex<UnixDatagram>>,
    pid: u32,
}

impl KeepalivedLog {
    /// Builds the layer; syslog is silently skipped when `/dev/log` is not
    /// there (containers), as keepalived does.
    pub fn new(opts: LogOptions) -> Self {
        let syslog = opts
            .syslog
            .then(|| {
                let s = UnixDatagram::unbound().ok()?;
                s.connect("/dev/log").ok()?;
                Some(Mutex::new(s))
            })
            .flatten();
        Self {
            opts,
            syslog,
            pid: std::process::id(),
        }
    }

    fn ident(target: &str) -> &'static str {
        if target.starts_with(target::VRRP) {
            "Keepalived_vrrp"
        } else {
            "Keepalived"
        }
    }
}

/// Formats one console line.
pub fn console_line(now: chrono::DateTime<chrono::Local>, msg: &str) -> String {
    format!("{}: {msg}", now.format("%a %b %e %H:%M:%S %Y"))
}

/// Formats one RFC 3164 syslog datagram.
pub fn syslog_line(
    facility: u8,
    level: &Level,
    now: chrono::DateTime<chrono::Local>,
    ident: &str,
    pid: u32,
    msg: &str,
) -> String {
    let severity = match *level {
        Level::ERROR => 3,
        Level::WARN => 4,
        Level::INFO => 6,
        Level::DEBUG | Level::TRACE => 7,
    };
    let pri = u32::from(facility) * 8 + severity;
    format!(
        "<{pri}>{} {ident}[{pid}]: {msg}",
        now.format("%b %e %H:%M:%S")
    )
}

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        } else {
            self.0.push_str(&format!(" {}={value:?}", field.name()));
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0 = value.to_owned();
        } else {
            self.0.push_str(&format!(" {}={value}", field.name()));
        }
    }
}

impl<S: Subscriber> Layer<S> for KeepalivedLog {
    fn on_event(&self, event: &Event<'_>, _cx: Context<'_, S>) {
        let level = event.metadata().level();
        if *level > Level::INFO && !self.opts.detail {
            return;
        }
        let mut msg = Message(String::new());
        event.record(&mut msg);
        let now = chrono::Local::now();
        if self.opts.console {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", console_line(now, &msg.0));
        }
        if let Some(s) = &self.syslog {
            let ident = Self::ident(event.metadata().target());
            let line = syslog_line(
                self.opts.facility,
                level,
                now,
                ident,
                self.pid,
                &msg.0,
            );
            if let Ok(s) = s.lock() {
                let _ = s.send(line.as_bytes());
            }
        }
    }
}

/// Installs the logger for the whole process.
pub fn init(opts: LogOptions) {
    use tracing_subscriber::prelude::*;
    let _ = tracing_subscriber::registry()
        .with(KeepalivedLog::new(opts))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at() -> chrono::DateTime<chrono::Local> {
        chrono::Local
            .with_ymd_and_hms(2026, 11, 1, 9, 5, 7)
            .unwrap()
    }

    #[test]
    fn console_format_matches_keepalived() {
        assert_eq!(
            console_line(at(), "(VI_1) Entering MASTER STATE"),
            "Sun Nov  1 09:05:07 2026: (VI_1) Entering MASTER STATE"
        );
    }

    #[test]
    fn syslog_format_and_facility() {
        assert_eq!(
            syslog_line(
                3,
                &Level::INFO,
                at(),
                "Keepalived_vrrp",
                42,
                "(VI_1) Entering BACKUP STATE"
            ),
            "<30>Nov  1 09:05:07 Keepalived_vrrp[42]: (VI_1) Entering BACKUP STATE"
        );
    }
}

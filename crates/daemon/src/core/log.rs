//! Logging the way keepalived logs, because operators grep for its words.
//!
//! Messages go through `tracing`; this layer writes them as keepalived
//! does: on the console (`-l`) as `Sat Nov 21 14:38:11 2026: message`, and
//! to syslog (`/dev/log`, RFC 3164) with keepalived's program names —
//! `Keepalived` for the core, `Keepalived_vrrp`, `Keepalived_healthcheckers`
//! and `Keepalived_bfd` for the frameworks, chosen by the event's target —
//! and the facility from `-S` (default `daemon`).

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Mutex;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;

use self::syslog::Syslog;

#[path = "log_syslog.rs"]
mod syslog;

/// Where syslog listens.
const DEV_LOG: &str = "/dev/log";

/// Targets used by the daemon, mapped to keepalived's program names.
pub mod target {
    /// The core (keepalived's parent process).
    pub const CORE: &str = "keepalived";
    /// VRRP (keepalived's VRRP child).
    pub const VRRP: &str = "keepalived::vrrp";
    /// BFD (keepalived's BFD child).
    pub const BFD: &str = "keepalived::bfd";
    /// The health checkers and IPVS (keepalived's checker child).
    pub const CHECK: &str = "keepalived::check";
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
    /// What follows each syslog ident and log file name: `_NS`, `_INST`
    /// or `_NS_INST` in a namespace or with `instance` (keepalived's
    /// `make_syslog_ident`), else empty.
    pub ident_suffix: String,
    /// `-g[FILE]`: also write each line to FILE (default
    /// `keepalived.log`; a relative name is under `/tmp`), one file per
    /// keepalived process name: see [`log_file_name`].
    pub file: Option<std::path::PathBuf>,
}

impl Default for LogOptions {
    fn default() -> Self {
        Self {
            console: false,
            syslog: true,
            facility: 3,
            detail: false,
            ident_suffix: String::new(),
            file: None,
        }
    }
}

/// The layer that writes keepalived-style lines.
#[derive(Debug)]
pub struct KeepalivedLog {
    opts: LogOptions,
    syslog: Option<Mutex<Syslog>>,
    /// `-g`: the log files, opened at the first line for each.
    files: Mutex<Vec<(&'static str, Option<std::fs::File>)>>,
}

impl KeepalivedLog {
    /// Builds the layer; syslog goes to `/dev/log`, and is silently
    /// skipped while nothing listens there (containers), as keepalived
    /// does.
    pub fn new(opts: LogOptions) -> Self {
        Self::with_syslog_path(opts, Path::new(DEV_LOG))
    }

    /// The same, with syslog sent to the datagram socket at `path`.
    pub fn with_syslog_path(opts: LogOptions, path: &Path) -> Self {
        let syslog = opts.syslog.then(|| Mutex::new(Syslog::new(path)));
        Self {
            opts,
            syslog,
            files: Mutex::new(Vec::new()),
        }
    }

    fn ident(target: &str) -> &'static str {
        if target.starts_with(target::VRRP) {
            "Keepalived_vrrp"
        } else if target.starts_with(target::BFD) {
            "Keepalived_bfd"
        } else if target.starts_with(target::CHECK) {
            "Keepalived_healthcheckers"
        } else {
            "Keepalived"
        }
    }

    /// keepalived's `-g` file program name for a target (its children
    /// open `NAME_vrrp`, `NAME_check` and `NAME_bfd`).
    fn file_prog(target: &str) -> Option<&'static str> {
        if target.starts_with(target::VRRP) {
            Some("vrrp")
        } else if target.starts_with(target::BFD) {
            Some("bfd")
        } else if target.starts_with(target::CHECK) {
            Some("check")
        } else {
            None
        }
    }

    /// Appends `msg` to the `-g` file of `target`'s process name.
    fn to_file(&self, target: &str, msg: &str) {
        let Some(name) = &self.opts.file else {
            return;
        };
        let prog = Self::file_prog(target);
        let key = prog.unwrap_or("");
        let Ok(mut files) = self.files.lock() else {
            return;
        };
        if !files.iter().any(|(k, _)| *k == key) {
            let path = log_file_name(name, prog, &self.opts.ident_suffix);
            // keepalived compat: opened for appending, never through a
            // symlink (fopen_safe); a file that cannot be opened is
            // skipped.
            let f = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_CLOEXEC)
                .open(path)
                .ok();
            files.push((key, f));
        }
        if let Some((_, Some(f))) = files.iter_mut().find(|(k, _)| *k == key) {
            let now = chrono::Local::now();
            let _ = writeln!(f, "{}: {msg}", file_stamp(now));
        }
    }
}

/// keepalived's `make_file_name`: a relative `name` is under `/tmp`; the
/// program name and `suffix` go before the extension
/// (`keepalived.log` -> `/tmp/keepalived_vrrp_NS.log`).
pub fn log_file_name(
    name: &Path,
    prog: Option<&str>,
    suffix: &str,
) -> std::path::PathBuf {
    let full = if name.is_absolute() {
        name.to_owned()
    } else {
        Path::new("/tmp").join(name)
    };
    let file = full
        .file_name()
        .map_or_else(String::new, |f| f.to_string_lossy().into_owned());
    let (stem, ext) = match file.rfind('.') {
        Some(i) => file.split_at(i),
        None => (file.as_str(), ""),
    };
    let prog = prog.map(|p| format!("_{p}")).unwrap_or_default();
    full.with_file_name(format!("{stem}{prog}{suffix}{ext}"))
}

/// The time stamp of a `-g` file line: `Wed Dec 02 21:42:33.123456789
/// 2026`.
pub fn file_stamp(now: chrono::DateTime<chrono::Local>) -> String {
    now.format("%a %b %d %T.%9f %Y").to_string()
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
        // The DBus library traces every message it sends and receives:
        // `-D` is keepalived's detail, not a wire trace.
        if *level > Level::WARN && event.metadata().target().starts_with("zbus")
        {
            return;
        }
        let mut msg = Message(String::new());
        event.record(&mut msg);
        let now = chrono::Local::now();
        if self.opts.console {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", console_line(now, &msg.0));
        }
        self.to_file(event.metadata().target(), &msg.0);
        if let Some(s) = &self.syslog {
            let ident = format!(
                "{}{}",
                Self::ident(event.metadata().target()),
                self.opts.ident_suffix
            );
            // The pid of the process that logs, read for each line: the
            // logger is built before the daemon forks.
            let line = syslog_line(
                self.opts.facility,
                level,
                now,
                &ident,
                std::process::id(),
                &msg.0,
            );
            if let Ok(mut s) = s.lock() {
                s.send(line.as_bytes());
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
    fn log_file_names_are_keepalived_s() {
        let n = |name: &str, prog, suffix| {
            log_file_name(Path::new(name), prog, suffix)
                .display()
                .to_string()
        };
        assert_eq!(n("keepalived.log", None, ""), "/tmp/keepalived.log");
        assert_eq!(
            n("keepalived.log", Some("vrrp"), "_blue_i1"),
            "/tmp/keepalived_vrrp_blue_i1.log"
        );
        assert_eq!(n("/var/log/ka", Some("check"), ""), "/var/log/ka_check");
        assert_eq!(file_stamp(at()), "Sun Nov 01 09:05:07.000000000 2026");
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

    /// A listener at a fresh temporary path, as journald's socket.
    fn listener(path: &std::path::Path) -> std::os::unix::net::UnixDatagram {
        let _ = std::fs::remove_file(path);
        let l = std::os::unix::net::UnixDatagram::bind(path).unwrap();
        l.set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        l
    }

    fn recv(l: &std::os::unix::net::UnixDatagram) -> String {
        let mut buf = [0u8; 512];
        let n = l.recv(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    #[test]
    fn syslog_reconnects_after_the_listener_restarts() {
        use tracing_subscriber::prelude::*;
        let dir =
            std::env::temp_dir().join(format!("ka-log-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("dev-log");
        let first = listener(&path);
        let layer =
            KeepalivedLog::with_syslog_path(LogOptions::default(), &path);
        let sub = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(sub, || {
            tracing::info!(target: target::VRRP, "(VI_1) Entering MASTER STATE");
            let line = recv(&first);
            // The pid of the logging process, taken when the line is made.
            let pid = format!("Keepalived_vrrp[{}]: ", std::process::id());
            assert!(line.contains(&pid), "{line}");
            assert!(line.starts_with("<30>"), "{line}");
            // journald restarts: its socket is a new one at the same path.
            drop(first);
            let second = listener(&path);
            tracing::warn!(target: target::CORE, "after the restart");
            let line = recv(&second);
            assert!(line.starts_with("<28>"), "{line}");
            assert!(line.ends_with(": after the restart"), "{line}");
        });
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn detail_leaves_out_the_dbus_library_traces_but_not_its_warnings() {
        use tracing_subscriber::prelude::*;
        let dir = std::env::temp_dir()
            .join(format!("ka-log-zbus-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("dev-log");
        let l = listener(&path);
        let opts = LogOptions {
            detail: true,
            ..LogOptions::default()
        };
        let layer = KeepalivedLog::with_syslog_path(opts, &path);
        let sub = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(sub, || {
            tracing::debug!(target: "zbus::connection", "Sending message");
            tracing::debug!(target: target::VRRP, "a detail line");
            tracing::warn!(target: "zbus::object_server", "a warning");
        });
        assert!(recv(&l).ends_with(": a detail line"));
        assert!(recv(&l).ends_with(": a warning"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}

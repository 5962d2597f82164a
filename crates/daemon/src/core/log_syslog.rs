//! The syslog socket: a Unix datagram socket connected to `/dev/log`,
//! reconnected when the daemon behind it went away.
//!
//! journald (or rsyslog) recreates its socket when it restarts; a socket
//! connected to the old one then fails every send with ECONNREFUSED. The
//! C library's syslog(3) reconnects on the next call, so does this: a
//! failed send reconnects at once and sends the line again; while nothing
//! listens, connecting is retried at most once per [`RETRY`], and lines
//! logged meanwhile are dropped (logging never blocks or fails the daemon).

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long to wait before trying again to connect after a failure.
const RETRY: Duration = Duration::from_secs(1);

/// The connection to syslog, if any, and when to try again if not.
#[derive(Debug)]
pub(super) struct Syslog {
    path: PathBuf,
    sock: Option<UnixDatagram>,
    /// No connection attempt before this (after a failed one).
    next_try: Option<Instant>,
}

impl Syslog {
    /// Connects to `path` now if it can (later otherwise).
    pub(super) fn new(path: &Path) -> Self {
        let mut s = Self {
            path: path.to_owned(),
            sock: None,
            next_try: None,
        };
        s.connect();
        s
    }

    fn connect(&mut self) -> bool {
        let sock = UnixDatagram::unbound().and_then(|s| {
            s.connect(&self.path)?;
            Ok(s)
        });
        match sock {
            Ok(s) => {
                self.sock = Some(s);
                self.next_try = None;
                true
            }
            Err(_) => {
                self.sock = None;
                self.next_try = Some(Instant::now() + RETRY);
                false
            }
        }
    }

    /// Sends one datagram; reconnects (once) when the send fails.
    pub(super) fn send(&mut self, line: &[u8]) {
        if self.sock.is_none() {
            if self.next_try.is_some_and(|t| Instant::now() < t) {
                return;
            }
            if !self.connect() {
                return;
            }
        }
        let sent = self.sock.as_ref().is_some_and(|s| s.send(line).is_ok());
        if !sent
            && self.connect()
            && let Some(s) = &self.sock
        {
            let _ = s.send(line);
        }
    }
}

//! Malformed or unexpected PDUs from the master: counted, and logged at
//! most once a minute with the count since the last line.

use std::fmt;
use std::time::{Duration, Instant};

/// The shortest time between two log lines.
const EVERY: Duration = Duration::from_secs(60);

/// A counter with a rate-limited log line.
#[derive(Debug, Default)]
pub(crate) struct ErrorLog {
    /// Every error since the process started.
    pub total: u64,
    since_log: u64,
    last: Option<Instant>,
}

impl ErrorLog {
    /// Counts one error; logs it unless a line went out within a minute.
    pub(crate) fn note(&mut self, what: fmt::Arguments<'_>) {
        self.total += 1;
        self.since_log += 1;
        if self.last.is_some_and(|t| t.elapsed() < EVERY) {
            return;
        }
        let n = std::mem::take(&mut self.since_log);
        self.last = Some(Instant::now());
        tracing::warn!(target: super::TARGET, "SNMP: {what} ({n} such error(s) since the last report, {} in all)", self.total);
    }
}

//! Rate-limited logging of dropped packets, per instance and per kind of
//! error.
//!
//! keepalived logs every invalid advert. An attacker (or a misconfigured
//! peer) on the link can send thousands a second, and alternating two
//! kinds, or two source addresses, defeats a "same message as last time"
//! filter. Here each instance logs the first error of each kind in a
//! window of [`WINDOW`], counts the rest, and when the window ends says
//! how many it did not log.

use std::collections::BTreeMap;
use std::time::Duration;

use ka_types::Instant;

/// How long one logged error of a kind stands for the others.
pub(crate) const WINDOW: Duration = Duration::from_secs(60);

/// One instance's windows, by error kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct LogLimiter {
    windows: BTreeMap<&'static str, Window>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Window {
    ends: Instant,
    suppressed: u64,
}

/// Errors of one kind not logged during a window that has ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Suppressed {
    pub(crate) kind: &'static str,
    pub(crate) count: u64,
}

impl LogLimiter {
    /// Whether an error of `kind` may be logged at `now`; if not, it is
    /// counted for the window's summary.
    pub(crate) fn admit(&mut self, now: Instant, kind: &'static str) -> bool {
        match self.windows.get_mut(kind) {
            Some(w) if now < w.ends => {
                w.suppressed += 1;
                false
            }
            // An ended window is summarised by `expire` (the engine's
            // timeout comes first); restart it.
            _ => {
                self.windows.insert(
                    kind,
                    Window {
                        ends: now + WINDOW,
                        suppressed: 0,
                    },
                );
                true
            }
        }
    }

    /// Closes the windows that ended by `now`, returning those that
    /// suppressed something.
    pub(crate) fn expire(&mut self, now: Instant) -> Vec<Suppressed> {
        let mut out = Vec::new();
        self.windows.retain(|kind, w| {
            if now < w.ends {
                return true;
            }
            if w.suppressed > 0 {
                out.push(Suppressed {
                    kind,
                    count: w.suppressed,
                });
            }
            false
        });
        out
    }

    /// When the next window with something to report ends.
    pub(crate) fn poll_at(&self) -> Option<Instant> {
        self.windows
            .values()
            .filter(|w| w.suppressed > 0)
            .map(|w| w.ends)
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_of_each_kind_per_window_then_a_count() {
        let mut l = LogLimiter::default();
        let t0 = Instant::from_secs(10);
        assert!(l.admit(t0, "auth"));
        assert!(l.admit(t0, "ttl"));
        for s in 1..=5 {
            assert!(!l.admit(t0 + Duration::from_secs(s), "auth"));
        }
        assert_eq!(l.poll_at(), Some(t0 + WINDOW));
        assert!(l.expire(t0 + WINDOW - Duration::from_micros(1)).is_empty());
        assert_eq!(
            l.expire(t0 + WINDOW),
            vec![Suppressed {
                kind: "auth",
                count: 5
            }]
        );
        // Both windows are closed; `ttl` suppressed nothing.
        assert_eq!(l, LogLimiter::default());
        assert_eq!(l.poll_at(), None);
        assert!(l.admit(t0 + WINDOW, "auth"));
    }
}

//! The one clock the engines see.
//!
//! Engines take time as an argument (DESIGN §8.8 rule 1); this is where
//! it comes from: microseconds since a framework's loop began, on tokio's
//! clock (so unit tests run on tokio's paused time).

use std::time::Duration;

use ka_types::Instant;

/// The monotonic clock the engines see: microseconds since it started.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    start: tokio::time::Instant,
}

impl Clock {
    /// A clock whose zero is now.
    pub(crate) fn start() -> Self {
        Self {
            start: tokio::time::Instant::now(),
        }
    }

    /// The current time.
    pub(crate) fn now(&self) -> Instant {
        let us = self.start.elapsed().as_micros();
        Instant::from_micros(u64::try_from(us).unwrap_or(u64::MAX))
    }

    /// An engine deadline on tokio's clock.
    pub(crate) fn to_tokio(self, t: Instant) -> tokio::time::Instant {
        self.start + Duration::from_micros(t.micros())
    }
}

//! A timer with the kernel's precision for the event loops.
//!
//! tokio's timer wheel ticks in whole milliseconds and rounds every
//! deadline up to the next tick: a VRRP master at `advert_int 0.01` then
//! sends every 11–12 ms instead of 10, and under load the lateness eats
//! the backups' skew time (the soak benchmark's spurious takeovers).
//! keepalived sleeps in `epoll_wait`/`timerfd` with microsecond deadlines;
//! so does this: a `timerfd` on `CLOCK_MONOTONIC` (the clock of
//! `std::time::Instant`), registered with tokio's reactor, so the loop
//! wakes when the deadline passes and not at the next millisecond.

use std::io;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::time::Instant;

use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{
    ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags,
};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

/// The timerfd, as tokio's reactor wants it.
struct Fd(TimerFd);

impl AsRawFd for Fd {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_fd().as_raw_fd()
    }
}

/// A one-shot timer re-armed for each deadline.
pub struct PreciseTimer {
    fd: AsyncFd<Fd>,
}

impl std::fmt::Debug for PreciseTimer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreciseTimer").finish_non_exhaustive()
    }
}

impl PreciseTimer {
    /// A disarmed timer; needs a tokio runtime with I/O enabled.
    pub fn new() -> io::Result<Self> {
        let tfd = TimerFd::new(
            ClockId::CLOCK_MONOTONIC,
            TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC,
        )?;
        // SAFETY: `Fd` owns the timerfd (nix's `TimerFd` holds an
        // `OwnedFd`), never replaces it, and so returns the same open
        // descriptor from `as_raw_fd` until the `AsyncFd`, which owns the
        // `Fd`, is dropped.
        #[allow(unsafe_code)]
        let fd = unsafe {
            AsyncFd::register_with_interest(Fd(tfd), Interest::READABLE)
        }?;
        Ok(Self { fd })
    }

    /// Returns once `deadline` has passed (at once if it has already).
    pub async fn sleep_until(&mut self, deadline: Instant) -> io::Result<()> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        // Relative arming: `Instant` is CLOCK_MONOTONIC, the error is the
        // few nanoseconds between the two clock reads. (A zero value
        // would disarm the timer; `left` is not zero here.)
        self.fd.get_ref().0.set(
            Expiration::OneShot(TimeSpec::from_duration(left)),
            TimerSetTimeFlags::empty(),
        )?;
        loop {
            let mut guard = self.fd.readable().await?;
            // Reading the expiry count re-arms readiness for next time.
            match guard
                .try_io(|fd| fd.get_ref().0.wait().map_err(io::Error::from))
            {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(e)) => return Err(e),
                Err(_would_block) => continue,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn wakes_after_the_deadline_each_time_it_is_rearmed() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let mut t = PreciseTimer::new().expect("timerfd");
            for _ in 0..20 {
                let deadline = Instant::now() + Duration::from_micros(1_300);
                t.sleep_until(deadline).await.expect("sleep");
                assert!(Instant::now() >= deadline, "woke before the deadline");
            }
        });
    }

    #[test]
    fn a_past_deadline_returns_at_once() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let mut t = PreciseTimer::new().expect("timerfd");
            let past = Instant::now();
            t.sleep_until(past).await.expect("sleep");
        });
    }
}

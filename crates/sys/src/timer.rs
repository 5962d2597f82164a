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
//!
//! The timer is armed with absolute deadlines (`TFD_TIMER_ABSTIME`) and
//! only when the deadline changes: an event loop that turns for every
//! input re-asks for the same deadline each turn, and neither reads the
//! clock nor makes a `timerfd_settime` call for it (at 11,000 checks a
//! second, the checker loop turns thousands of times a second).

use std::io;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::time::{Duration, Instant};

use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{
    ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags,
};
use nix::time::{ClockId as Clock, clock_gettime};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

/// The timerfd, as tokio's reactor wants it.
struct Fd(TimerFd);

impl AsRawFd for Fd {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_fd().as_raw_fd()
    }
}

/// A one-shot timer re-armed for each new deadline.
pub struct PreciseTimer {
    fd: AsyncFd<Fd>,
    /// One instant and its CLOCK_MONOTONIC reading, taken together:
    /// `Instant` is CLOCK_MONOTONIC but does not expose its value.
    base: (Instant, Duration),
    /// The deadline the timerfd is armed for and has not yet reported.
    armed: Option<Instant>,
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
        let at = Instant::now();
        let mono = Duration::from(clock_gettime(Clock::CLOCK_MONOTONIC)?);
        Ok(Self {
            fd,
            base: (at, mono),
            armed: None,
        })
    }

    /// `deadline` on CLOCK_MONOTONIC (exact to the few nanoseconds
    /// between the two reads of [`Self::base`]); never zero, which would
    /// disarm the timer.
    fn monotonic(&self, deadline: Instant) -> TimeSpec {
        let (at, mono) = self.base;
        let t = if deadline >= at {
            mono.saturating_add(deadline - at)
        } else {
            mono.saturating_sub(at - deadline)
        };
        TimeSpec::from_duration(t.max(Duration::from_nanos(1)))
    }

    /// Returns once `deadline` has passed (at once if it has already).
    pub async fn sleep_until(&mut self, deadline: Instant) -> io::Result<()> {
        if self.armed != Some(deadline) {
            // A deadline already past expires at once. Arming again
            // clears an expiry not yet read.
            self.armed = None;
            self.fd.get_ref().0.set(
                Expiration::OneShot(self.monotonic(deadline)),
                TimerSetTimeFlags::TFD_TIMER_ABSTIME,
            )?;
            self.armed = Some(deadline);
        }
        loop {
            let mut guard = self.fd.readable().await?;
            // Reading the expiry count re-arms readiness for next time.
            match guard
                .try_io(|fd| fd.get_ref().0.wait().map_err(io::Error::from))
            {
                Ok(Ok(())) => {
                    self.armed = None;
                    return Ok(());
                }
                Ok(Err(e)) => return Err(e),
                Err(_would_block) => continue,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `f` on a current-thread runtime with I/O, as the loops do.
    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(f)
    }

    #[test]
    fn wakes_after_the_deadline_each_time_it_is_rearmed() {
        block_on(async {
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
        block_on(async {
            let mut t = PreciseTimer::new().expect("timerfd");
            let past = Instant::now();
            t.sleep_until(past).await.expect("sleep");
        });
    }

    /// A sleep dropped before its deadline (the loop took another input)
    /// leaves the timer armed; asked again for the same deadline, it
    /// wakes at that deadline, also when it passed in between.
    #[test]
    fn a_dropped_sleep_keeps_its_deadline() {
        block_on(async {
            let mut t = PreciseTimer::new().expect("timerfd");
            let deadline = Instant::now() + Duration::from_millis(20);
            let early = tokio::time::timeout(
                Duration::from_millis(5),
                t.sleep_until(deadline),
            )
            .await;
            assert!(early.is_err(), "woke 15 ms early");
            t.sleep_until(deadline).await.expect("sleep");
            assert!(Instant::now() >= deadline, "woke before the deadline");
            // Passed while nobody waited: the next ask returns at once.
            let next = Instant::now() + Duration::from_millis(5);
            let _ = tokio::time::timeout(
                Duration::from_millis(1),
                t.sleep_until(next),
            )
            .await;
            std::thread::sleep(Duration::from_millis(10));
            tokio::time::timeout(Duration::from_secs(5), t.sleep_until(next))
                .await
                .expect("an expired deadline did not return")
                .expect("sleep");
            // A new, later deadline replaces the armed one.
            let later = Instant::now() + Duration::from_millis(30);
            t.sleep_until(later).await.expect("sleep");
            assert!(Instant::now() >= later, "woke before the new deadline");
        });
    }
}

//! Whether the machine itself can keep a 30 ms detection time: a
//! thread at the highest real-time priority (`chrt -f 99`) wakes every
//! millisecond through the soak and counts the wake-ups later than the
//! detection time, with the steal time the kernel accounts (a virtual
//! CPU the hypervisor did not run).
//!
//! Nothing in the guest can keep a SCHED_FIFO 99 thread off a CPU for
//! tens of milliseconds except the kernel in a long non-preemptible
//! section or the host not running the virtual CPU; when this thread is
//! late by more than the detection time, a BFD daemon at any priority
//! could have been too, and a session down in that moment says nothing
//! about the daemon.

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// What the probe saw.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Stalls {
    pub(crate) wakeups: u64,
    /// Wake-ups later than the limit.
    pub(crate) over: u64,
    /// The latest wake-up, seconds.
    pub(crate) max: f64,
    /// Steal time over the run, in clock ticks (USER_HZ) of all CPUs.
    pub(crate) steal_ticks: u64,
}

impl Stalls {
    fn line(&self) -> String {
        format!(
            "{} {} {} {}",
            self.wakeups, self.over, self.max, self.steal_ticks
        )
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        let mut f = s.split_whitespace();
        Some(Self {
            wakeups: f.next()?.parse().ok()?,
            over: f.next()?.parse().ok()?,
            max: f.next()?.parse().ok()?,
            steal_ticks: f.next()?.parse().ok()?,
        })
    }
}

/// Steal time of all CPUs (the eighth value of `/proc/stat`'s `cpu` line).
pub(crate) fn steal_ticks(stat: &str) -> Option<u64> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    line.split_whitespace().nth(8)?.parse().ok()
}

fn steal_now() -> u64 {
    std::fs::read_to_string("/proc/stat")
        .ok()
        .as_deref()
        .and_then(steal_ticks)
        .unwrap_or(0)
}

/// The probe itself (`bfd-bench stall-probe SECS LIMIT_MS OUT`, run under
/// `chrt -f 99`): wakes every millisecond for `secs`, writes the counts.
pub(crate) fn probe_main(args: &[String]) -> Result<(), String> {
    let [secs, limit_ms, out] = args else {
        return Err("stall-probe SECS LIMIT_MS OUT".into());
    };
    let secs: u64 = secs.parse().map_err(|e| format!("SECS: {e}"))?;
    let limit_ms: u64 =
        limit_ms.parse().map_err(|e| format!("LIMIT_MS: {e}"))?;
    let s = probe(Duration::from_secs(secs), Duration::from_millis(limit_ms));
    std::fs::write(out, s.line()).map_err(|e| format!("{out}: {e}"))
}

fn probe(secs: Duration, limit: Duration) -> Stalls {
    let period = Duration::from_millis(1);
    let steal0 = steal_now();
    let (start, mut s) = (Instant::now(), Stalls::default());
    let mut next = start + period;
    while start.elapsed() < secs {
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        }
        let late = Instant::now().saturating_duration_since(next);
        s.wakeups += 1;
        s.max = s.max.max(late.as_secs_f64());
        if late > limit {
            s.over += 1;
        }
        // A late wake-up starts a new period (no catching up).
        next = Instant::now().max(next) + period;
    }
    s.steal_ticks = steal_now().saturating_sub(steal0);
    s
}

/// Starts the probe for `secs` at SCHED_FIFO 99, writing to `out`.
pub(crate) fn start(
    secs: u64,
    limit: Duration,
    out: &Path,
) -> Result<Child, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    Command::new("chrt")
        .args(["-f", "99"])
        .arg(exe)
        .arg("stall-probe")
        .arg(secs.to_string())
        .arg(limit.as_millis().to_string())
        .arg(out)
        .spawn()
        .map_err(|e| format!("chrt -f 99 (util-linux): {e}"))
}

/// Waits for the probe (at most `bound`) and reads what it wrote.
pub(crate) fn finish(
    mut child: Child,
    out: &Path,
    bound: Duration,
) -> Option<Stalls> {
    let t0 = Instant::now();
    while t0.elapsed() < bound {
        if let Ok(Some(_)) = child.try_wait() {
            let s = std::fs::read_to_string(out).ok()?;
            return Stalls::parse(&s);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

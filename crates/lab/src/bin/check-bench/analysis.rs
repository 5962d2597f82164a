//! The figures of one measured window, from the check times each real
//! server saw: checks per second and the lateness of every interval
//! between two consecutive checks of one server.

use std::time::Duration;

/// Intervals between consecutive checks of one server, over all servers.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Lateness {
    /// How many intervals were measured.
    pub(crate) intervals: usize,
    /// Of them, longer than 1.1 × delay_loop.
    pub(crate) late: usize,
    /// Median, 99th percentile and longest interval.
    pub(crate) p50: Duration,
    pub(crate) p99: Duration,
    pub(crate) max: Duration,
    /// Servers with no check at all in the window.
    pub(crate) unchecked: usize,
}

impl Lateness {
    /// The share of late intervals, in percent.
    #[cfg_attr(not(test), allow(dead_code))] // the table computes it from serve's JSON
    pub(crate) fn late_pct(&self) -> f64 {
        if self.intervals == 0 {
            return 0.0;
        }
        self.late as f64 * 100.0 / self.intervals as f64
    }
}

/// Lateness over `servers`, each the sorted times (seconds, any origin)
/// of its checks inside the window; `interval` is delay_loop.
pub(crate) fn lateness(servers: &[Vec<f64>], interval: Duration) -> Lateness {
    let limit = interval.as_secs_f64() * 1.1;
    let mut gaps: Vec<f64> = Vec::new();
    let mut unchecked = 0;
    for times in servers {
        if times.is_empty() {
            unchecked += 1;
        }
        gaps.extend(times.windows(2).map(|w| w[1] - w[0]));
    }
    gaps.sort_by(f64::total_cmp);
    let late = gaps.iter().filter(|&&g| g > limit).count();
    let at = |q: f64| {
        if gaps.is_empty() {
            return Duration::ZERO;
        }
        // Nearest rank: the smallest value with at least q of the data at
        // or below it.
        let rank =
            ((q * gaps.len() as f64).ceil() as usize).clamp(1, gaps.len());
        Duration::from_secs_f64(gaps[rank - 1].max(0.0))
    };
    Lateness {
        intervals: gaps.len(),
        late,
        p50: at(0.5),
        p99: at(0.99),
        max: at(1.0),
        unchecked,
    }
}

/// Times inside `[start, end]` of `times`, sorted.
pub(crate) fn in_window(times: &[f64], start: f64, end: f64) -> Vec<f64> {
    let mut v: Vec<f64> = times
        .iter()
        .copied()
        .filter(|&t| t >= start && t <= end)
        .collect();
    v.sort_by(f64::total_cmp);
    v
}

/// One line of nginx's access log in the benchmark's format
/// (`$msec $server_addr:$server_port $status`): the time, the server
/// and whether it answered 200.
pub(crate) fn parse_access(line: &str) -> Option<(f64, &str, bool)> {
    let mut it = line.split_whitespace();
    let t = it.next()?.parse().ok()?;
    let server = it.next()?;
    let ok = it.next()? == "200";
    Some((t, server, ok))
}

/// utime + stime (clock ticks) of `/proc/PID/stat` text.
pub(crate) fn cpu_ticks(stat: &str) -> Option<u64> {
    // The command name (field 2) may hold spaces; fields after it follow ')'.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 of the line are the 12th and 13th after the name.
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// The parent pid in `/proc/PID/stat` text.
pub(crate) fn ppid(stat: &str) -> Option<u32> {
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// `VmHWM` (kB) in `/proc/PID/status` text.
pub(crate) fn vm_hwm_kb(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The median of `v` (the lower middle for an even count); 0 when empty.
pub(crate) fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[(v.len() - 1) / 2]
}

/// The accept queue length of a listening socket's line of
/// `/proc/net/tcp` (`st` 0A; `rx_queue` is the queue of a listener).
pub(crate) fn listen_queue(line: &str) -> Option<u64> {
    let f: Vec<&str> = line.split_whitespace().collect();
    if f.get(3) != Some(&"0A") {
        return None;
    }
    let (_, rx) = f.get(4)?.split_once(':')?;
    u64::from_str_radix(rx, 16).ok()
}

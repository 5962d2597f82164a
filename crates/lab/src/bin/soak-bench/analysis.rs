//! What the taps saw, reduced to the figures of the soak table.
//!
//! A takeover is a burst of adverts the backup (h1) sends: a backup sends
//! none (RFC 5798 §6.4.2), so each burst is h1 acting as master while h0,
//! which never stops during the soak, was alive. Adverts of h1 closer
//! together than Master_Down_Interval belong to one burst (after a burst
//! the backup hears the master again and needs a whole
//! Master_Down_Interval of silence before it takes over again; two
//! takeovers by this test are further apart than that). Each takeover is
//! put down to one of two causes by the last advert from h0 that reached
//! h1 before the burst began:
//!
//! * the master was silent: no advert of h0 reached h1 for at least
//!   Master_Down_Interval, so any backup would take over (the master's
//!   adverts were late: its scheduling, its event loop);
//! * the backup was late: an advert of h0 had reached h1's interface less
//!   than Master_Down_Interval before, but the backup's timer fired before
//!   it read that advert (its scheduling, the order it handles timers and
//!   packets in).

use std::net::Ipv4Addr;
use std::time::Duration;

use crate::tap::Seen;

/// The figures of one daemon pair over one soak.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Report {
    /// Adverts h0 sent (seen leaving h0).
    pub(crate) sent: usize,
    /// Gaps between consecutive adverts h0 sent.
    pub(crate) send_gaps: Gaps,
    /// Gaps between consecutive adverts of h0 that reached h1.
    pub(crate) rx_gaps: Gaps,
    /// Takeovers by the backup (bursts of its adverts).
    pub(crate) takeovers: usize,
    /// Of those, how many came although an advert of h0 had reached h1
    /// less than Master_Down_Interval before (the backup was late).
    pub(crate) backup_late: usize,
}

/// A summary of the gaps between consecutive adverts.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Gaps {
    /// Gaps longer than twice the advert interval.
    pub(crate) over_2x: usize,
    /// Gaps of at least Master_Down_Interval (enough for a takeover).
    pub(crate) over_mdi: usize,
    /// The longest gap.
    pub(crate) max: Duration,
}

/// Gaps between consecutive times (sorted or not).
pub(crate) fn gaps(
    times: &[Duration],
    advert: Duration,
    mdi: Duration,
) -> Gaps {
    let mut sorted = times.to_vec();
    sorted.sort_unstable();
    let mut g = Gaps::default();
    for w in sorted.windows(2) {
        let d = w[1].saturating_sub(w[0]);
        g.over_2x += usize::from(d > 2 * advert);
        g.over_mdi += usize::from(d >= mdi);
        g.max = g.max.max(d);
    }
    g
}

/// The start of each burst: times closer than `quiet` to the previous
/// one belong to its burst.
pub(crate) fn burst_starts(
    times: &[Duration],
    quiet: Duration,
) -> Vec<Duration> {
    let mut sorted = times.to_vec();
    sorted.sort_unstable();
    let mut starts = Vec::new();
    let mut last: Option<Duration> = None;
    for &t in &sorted {
        if last.is_none_or(|l| t.saturating_sub(l) >= quiet) {
            starts.push(t);
        }
        last = Some(t);
    }
    starts
}

/// Reduces what the taps on h0 (`master`) and h1 (`backup`) saw. `h0`
/// and `h1` are the hosts' addresses, `advert` the advert interval and
/// `mdi` the backup's Master_Down_Interval.
pub(crate) fn analyse(
    master: &[Seen],
    backup: &[Seen],
    (h0, h1): (Ipv4Addr, Ipv4Addr),
    (advert, mdi): (Duration, Duration),
) -> Report {
    let sent: Vec<Duration> = master
        .iter()
        .filter(|s| s.outgoing && s.src == h0)
        .map(|s| s.at)
        .collect();
    let mut rx: Vec<Duration> = backup
        .iter()
        .filter(|s| !s.outgoing && s.src == h0)
        .map(|s| s.at)
        .collect();
    rx.sort_unstable();
    let own: Vec<Duration> = backup
        .iter()
        .filter(|s| s.outgoing && s.src == h1)
        .map(|s| s.at)
        .collect();
    let starts = burst_starts(&own, mdi);
    let backup_late = starts
        .iter()
        .filter(|&&t| {
            // The last advert of h0 that reached h1 before the takeover.
            let i = rx.partition_point(|&r| r < t);
            i > 0 && t - rx[i - 1] < mdi
        })
        .count();
    Report {
        sent: sent.len(),
        send_gaps: gaps(&sent, advert, mdi),
        rx_gaps: gaps(&rx, advert, mdi),
        takeovers: starts.len(),
        backup_late,
    }
}

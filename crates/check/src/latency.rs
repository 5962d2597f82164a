//! Probe latencies as a histogram with fixed buckets, for the metrics
//! endpoint (`keepalived_real_server_probe_latency_seconds`). keepalived
//! keeps no such figure; observing never allocates.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Upper bounds of the buckets, in µs (1 ms .. 10 s, then +Inf).
pub const BUCKETS_US: [u64; 11] = [
    1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
    1_000_000, 10_000_000,
];

/// Answered probes by latency: a count per bucket (not cumulative; the
/// last one counts those above every bound), the total count and sum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct LatencyHistogram {
    /// Per bucket of [`BUCKETS_US`], then one for larger latencies.
    pub buckets: [u64; BUCKETS_US.len() + 1],
    /// Probes observed.
    pub count: u64,
    /// Sum of their latencies, µs.
    pub sum_us: u64,
}

impl LatencyHistogram {
    /// Counts one probe's latency.
    pub fn observe(&mut self, latency: Duration) {
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        let i = BUCKETS_US
            .iter()
            .position(|b| us <= *b)
            .unwrap_or(BUCKETS_US.len());
        self.buckets[i] += 1;
        self.count += 1;
        self.sum_us = self.sum_us.saturating_add(us);
    }

    /// Adds another histogram's counts (a real server's checkers).
    pub fn merge(&mut self, other: &Self) {
        for (a, b) in self.buckets.iter_mut().zip(&other.buckets) {
            *a += b;
        }
        self.count += other.count;
        self.sum_us = self.sum_us.saturating_add(other.sum_us);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_land_in_their_bucket() {
        let mut h = LatencyHistogram::default();
        h.observe(Duration::from_micros(1_000)); // on the bound: first
        h.observe(Duration::from_millis(3));
        h.observe(Duration::from_secs(60)); // past every bound
        assert_eq!(h.buckets[0], 1);
        assert_eq!(h.buckets[2], 1);
        assert_eq!(h.buckets[BUCKETS_US.len()], 1);
        assert_eq!(h.count, 3);
        assert_eq!(h.sum_us, 1_000 + 3_000 + 60_000_000);
        let mut m = h;
        m.merge(&h);
        assert_eq!(m.count, 6);
        assert_eq!(m.buckets[2], 2);
    }
}

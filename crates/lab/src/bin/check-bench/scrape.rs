//! The daemon's own view of its lateness: `serve` scrapes keepalived-rs's
//! `/metrics` once the window is measured and reads
//! `keepalived_checker_timer_delay_seconds` (how late the checkers' timers
//! ran since the daemon started). keepalived has no such endpoint.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

const FAMILY: &str = "keepalived_checker_timer_delay_seconds";

/// One reading of the histogram: timers counted, and of those how many
/// ran within `LATE` (the bucket `le="0.1"`: 10 % of `delay_loop 1`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct TimerDelay {
    pub(crate) count: f64,
    pub(crate) on_time: f64,
}

/// The bucket bound that counts as on time, in seconds.
const LATE: f64 = 0.1;

impl TimerDelay {
    /// Reads the family from a Prometheus text exposition, with the
    /// prometheus-parse crate the daemon's own tests use.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let lines = text.lines().map(|l| Ok(l.to_owned()));
        let scrape = prometheus_parse::Scrape::parse(lines).ok()?;
        let sample = scrape.samples.iter().find(|s| s.metric == FAMILY)?;
        let prometheus_parse::Value::Histogram(buckets) = &sample.value else {
            return None;
        };
        let on_time = buckets
            .iter()
            .find(|b| (b.less_than - LATE).abs() < 1e-9)?
            .count;
        let count = buckets.iter().map(|b| b.count).fold(0.0, f64::max);
        Some(Self { count, on_time })
    }

    /// How many of the timers ran more than 100 ms late.
    pub(crate) fn late(self) -> u64 {
        // Whole counts: the histogram's are integers.
        (self.count - self.on_time).max(0.0) as u64
    }
}

/// `GET /metrics` from `addr` (bounded: 10 s, 256 MiB). A plain HTTP/1.0
/// request on tokio's socket is all a local scrape needs; the bench has
/// no HTTP client otherwise.
pub(crate) async fn scrape(addr: SocketAddr) -> Result<String, String> {
    let fetch = async {
        let mut s = tokio::net::TcpStream::connect(addr).await?;
        s.write_all(b"GET /metrics HTTP/1.0\r\nHost: bench\r\n\r\n")
            .await?;
        let mut body = Vec::new();
        s.take(256 << 20).read_to_end(&mut body).await?;
        Ok::<_, std::io::Error>(body)
    };
    let body = tokio::time::timeout(Duration::from_secs(10), fetch)
        .await
        .map_err(|_| format!("{addr}: no answer in 10 s"))?
        .map_err(|e| format!("{addr}: {e}"))?;
    let text = String::from_utf8_lossy(&body);
    let (_, payload) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("{addr}: no HTTP body"))?;
    Ok(payload.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exposition(counts: [u64; 4]) -> String {
        let [a, b, c, total] = counts;
        format!(
            "# TYPE {FAMILY} histogram\n\
             {FAMILY}_bucket{{le=\"0.05\"}} {a}\n\
             {FAMILY}_bucket{{le=\"0.1\"}} {b}\n\
             {FAMILY}_bucket{{le=\"10.0\"}} {c}\n\
             {FAMILY}_bucket{{le=\"+Inf\"}} {total}\n\
             {FAMILY}_sum 1.5\n\
             {FAMILY}_count {total}\n"
        )
    }

    #[test]
    fn the_reading_counts_what_ran_more_than_100_ms_late() {
        let d = TimerDelay::parse(&exposition([100, 105, 110, 111])).unwrap();
        assert_eq!(
            d,
            TimerDelay {
                count: 111.0,
                on_time: 105.0
            }
        );
        assert_eq!(d.late(), 6);
    }

    #[test]
    fn an_exposition_without_the_family_reads_as_none() {
        assert_eq!(TimerDelay::parse("# EOF\nother_metric 1\n"), None);
    }
}

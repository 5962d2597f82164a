//! The metrics endpoint (`--metrics-listen ADDR:PORT`): `GET /metrics`
//! answers every running engine's state in the Prometheus text format
//! (0.0.4), built at scrape time from one [`Operator::status`] answer (a
//! `prometheus-client` collector over that [`Status`], no global
//! registry). docs/metrics.md lists every metric.

mod bfd;
mod check;
mod http;
mod vrrp;

#[cfg(test)]
mod tests;

use std::fmt;
use std::net::SocketAddr;
use std::time::UNIX_EPOCH;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeGaugeValue, EncodeMetric, NoLabelSet,
    prometheus_text,
};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;

use super::operator::{Operator, Status};

pub use http::{MetricsError, serve};

/// The `Content-Type` of what `GET /metrics` answers.
pub const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

/// One series' labels: (name, value) pairs in a fixed order.
type Labels = Vec<(&'static str, String)>;

/// Encodes `status` in the Prometheus text format (0.0.4).
pub fn encode(status: Status) -> Result<String, fmt::Error> {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(StatusCollector(status)));
    let mut out = String::new();
    prometheus_text::encode(&mut out, &registry)?;
    Ok(out)
}

/// The collector a scrape registers: every metric from one [`Status`].
#[derive(Debug)]
struct StatusCollector(Status);

impl Collector for StatusCollector {
    fn encode(&self, enc: DescriptorEncoder<'_>) -> fmt::Result {
        let mut w = Writer { enc };
        let Status {
            snapshot,
            plan,
            started,
        } = &self.0;
        let start = started
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        w.gauge(
            "keepalived_start_time_seconds",
            "When the process started, seconds since the Unix epoch.",
            vec![(Vec::new(), start)],
        )?;
        w.gauge(
            "keepalived_build_info",
            "Always 1; the labels name the build and the keepalived \
             release it reimplements.",
            vec![(
                vec![
                    ("version", env!("CARGO_PKG_VERSION").to_owned()),
                    ("keepalived_version", "2.2.7".to_owned()),
                ],
                1,
            )],
        )?;
        if let Some(s) = &snapshot.vrrp {
            vrrp::write(&mut w, s, plan.vrrp.as_ref())?;
        }
        if let Some(s) = &snapshot.check {
            check::write(&mut w, s)?;
        }
        if let Some(s) = &snapshot.bfd {
            bfd::write(&mut w, s)?;
        }
        Ok(())
    }
}

/// Writes metric families: one descriptor, then its series; a family
/// without series is left out.
struct Writer<'a> {
    enc: DescriptorEncoder<'a>,
}

impl Writer<'_> {
    /// A gauge family.
    fn gauge<V: EncodeGaugeValue>(
        &mut self,
        name: &str,
        help: &str,
        series: Vec<(Labels, V)>,
    ) -> fmt::Result {
        if series.is_empty() {
            return Ok(());
        }
        let mut m =
            self.enc
                .encode_descriptor(name, help, None, MetricType::Gauge)?;
        for (labels, v) in series {
            ConstGauge::new(v).encode(m.encode_family(&labels)?)?;
        }
        Ok(())
    }

    /// A counter family; `name` without `_total`, which the encoder adds.
    fn counter(
        &mut self,
        name: &str,
        help: &str,
        series: Vec<(Labels, u64)>,
    ) -> fmt::Result {
        if series.is_empty() {
            return Ok(());
        }
        let mut m = self.enc.encode_descriptor(
            name,
            help,
            None,
            MetricType::Counter,
        )?;
        for (labels, v) in series {
            ConstCounter::new(v).encode(m.encode_family(&labels)?)?;
        }
        Ok(())
    }

    /// A histogram family: per series the sum, the count and the
    /// per-bucket (not cumulative) counts by upper bound; the encoder
    /// adds `+Inf`.
    fn histogram(
        &mut self,
        name: &str,
        help: &str,
        series: Vec<(Labels, Histogram)>,
    ) -> fmt::Result {
        if series.is_empty() {
            return Ok(());
        }
        let mut m = self.enc.encode_descriptor(
            name,
            help,
            None,
            MetricType::Histogram,
        )?;
        for (labels, h) in series {
            m.encode_family(&labels)?.encode_histogram::<NoLabelSet>(
                h.sum, h.count, &h.buckets, None,
            )?;
        }
        Ok(())
    }
}

/// One histogram series as the encoder takes it.
struct Histogram {
    sum: f64,
    count: u64,
    buckets: Vec<(f64, u64)>,
}

/// A 0/1 gauge value.
fn flag(b: bool) -> i64 {
    i64::from(b)
}

/// Microseconds as seconds.
fn seconds_us(us: u64) -> f64 {
    // Exact for every interval a configuration can give (< 2^53 µs).
    #[allow(clippy::cast_precision_loss)]
    let s = us as f64 / 1e6;
    s
}

/// Starts the metrics endpoint when `listen` is given (on its own task,
/// holding a clone of `op`); a failure to listen is logged.
pub fn start(op: &Operator, listen: Option<SocketAddr>) {
    if let Some(addr) = listen
        && let Err(e) = serve(op.clone(), addr)
    {
        tracing::error!(target: super::log::target::CORE, "{e}");
    }
}

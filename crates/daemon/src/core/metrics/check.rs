//! Checker metrics: per virtual server quorum and live real servers; per
//! real server state, weight and probe latencies; how late the checkers'
//! timers ran.

use std::fmt;

use ka_check::Snapshot;
use ka_check::latency::{BUCKETS_US, LatencyHistogram};

use super::{Histogram, Labels, Writer, flag, seconds_us};

/// The encoder's form of a real server's latency histogram.
fn histogram(h: &LatencyHistogram) -> Histogram {
    Histogram {
        sum: seconds_us(h.sum_us),
        count: h.count,
        // The last bucket (past every bound) is the encoder's +Inf.
        buckets: BUCKETS_US
            .iter()
            .zip(&h.buckets)
            .map(|(b, n)| (seconds_us(*b), *n))
            .collect(),
    }
}

/// Writes the checker families.
pub(super) fn write(w: &mut Writer<'_>, s: &Snapshot) -> fmt::Result {
    let vs = |f: &dyn Fn(&ka_check::event::VsSnapshot) -> i64| {
        s.virtual_servers
            .iter()
            .map(|v| (vec![("virtual_server", v.name.clone())], f(v)))
            .collect::<Vec<_>>()
    };
    w.gauge(
        "keepalived_virtual_server_quorum_up",
        "1 while the virtual server holds its quorum (quorum_up).",
        vs(&|v| flag(v.quorum_up)),
    )?;
    w.gauge(
        "keepalived_virtual_server_real_servers_up",
        "Real servers whose checkers are all up.",
        vs(&|v| {
            let up = v.real_servers.iter().filter(|r| r.alive).count();
            i64::try_from(up).unwrap_or(i64::MAX)
        }),
    )?;
    w.gauge(
        "keepalived_virtual_server_real_servers",
        "Real servers configured.",
        vs(&|v| i64::try_from(v.real_servers.len()).unwrap_or(i64::MAX)),
    )?;
    w.gauge(
        "keepalived_virtual_server_live_weight",
        "Sum of the weights of the live real servers.",
        vs(&|v| i64::try_from(v.live_weight).unwrap_or(i64::MAX)),
    )?;
    w.gauge(
        "keepalived_virtual_server_sorry_server_active",
        "1 while the sorry server is in the table.",
        vs(&|v| flag(v.sorry_active)),
    )?;
    let rs: Vec<(Labels, &ka_check::event::RsSnapshot)> = s
        .virtual_servers
        .iter()
        .flat_map(|v| {
            v.real_servers.iter().map(|r| {
                let l = vec![
                    ("virtual_server", v.name.clone()),
                    ("real_server", r.name.clone()),
                ];
                (l, r)
            })
        })
        .collect();
    let per = |f: &dyn Fn(&ka_check::event::RsSnapshot) -> i64| {
        rs.iter()
            .map(|(l, r)| (l.clone(), f(r)))
            .collect::<Vec<_>>()
    };
    w.gauge(
        "keepalived_real_server_up",
        "1 when every checker of the real server is up (alive).",
        per(&|r| flag(r.alive)),
    )?;
    w.gauge(
        "keepalived_real_server_weight",
        "The real server's weight now (dynamic weights applied).",
        per(&|r| i64::from(r.weight)),
    )?;
    w.gauge(
        "keepalived_real_server_in_table",
        "1 while the real server is in the IPVS/nftables table.",
        per(&|r| flag(r.in_table)),
    )?;
    w.histogram(
        "keepalived_real_server_probe_latency_seconds",
        "Time the real server's probes took to answer (every checker).",
        rs.iter()
            .map(|(l, r)| (l.clone(), histogram(&r.probe_latency)))
            .collect(),
    )?;
    w.histogram(
        "keepalived_checker_timer_delay_seconds",
        "How late checker timers ran after their due time (the checkers' \
         event loop; a late timer starts its check late).",
        vec![(Vec::new(), histogram(&s.timer_delay))],
    )
}

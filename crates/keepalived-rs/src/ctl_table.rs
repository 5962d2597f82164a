//! `ctl`'s human output: the daemon's answers as aligned tables. The
//! JSON (`--json`) carries every field; the tables show what an operator
//! looks at first.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use ka_daemon::core::status_json::{
    BfdSession, Dump, Instance, ProcessStatus, ReloadOutcome, Response,
    VirtualServer,
};

/// The text for an answer; times are shown relative to `now`.
pub(crate) fn render(r: &Response, now: SystemTime) -> String {
    let none = |what: &str| format!("no {what}\n");
    match r {
        Response::Status(s) => status(s, now),
        Response::Instances(l) if l.is_empty() => none("VRRP instances"),
        Response::Instances(list) => instances(list, now),
        Response::VirtualServers(l) if l.is_empty() => none("virtual servers"),
        Response::VirtualServers(list) => virtual_servers(list),
        Response::Bfd(l) if l.is_empty() => none("BFD sessions"),
        Response::Bfd(list) => bfd(list),
        Response::Reload(r) => reload(r),
        Response::Dump(d) => dump(d, now),
        Response::Error(e) => format!("error: {e}\n"),
    }
}

/// Left-aligned columns, two spaces apart, no trailing blanks, under
/// `heading` (none when empty).
pub(crate) fn table(heading: &[&str], rows: &[Vec<String>]) -> String {
    let head: Vec<String> = heading.iter().map(|h| (*h).to_string()).collect();
    let all: Vec<&Vec<String>> = std::iter::once(&head)
        .filter(|h| !h.is_empty())
        .chain(rows)
        .collect();
    let cols = all.iter().map(|r| r.len()).max().unwrap_or(0);
    let width = |c: usize| {
        all.iter()
            .filter_map(|r| r.get(c))
            .map(|cell| cell.chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..cols).map(width).collect();
    let mut out = String::new();
    for row in all {
        let mut line = String::new();
        for (cell, w) in row.iter().zip(&widths) {
            let _ = write!(line, "{cell:<w$}  ");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A duration in seconds as `45s`, `3m07s`, `2h05m`, `4d03h`.
pub(crate) fn age(secs: u64) -> String {
    let (m, h, d) = (secs / 60, secs / 3600, secs / 86_400);
    match secs {
        0..60 => format!("{secs}s"),
        60..3_600 => format!("{m}m{:02}s", secs % 60),
        3_600..86_400 => format!("{h}h{:02}m", m % 60),
        _ => format!("{d}d{:02}h", h % 24),
    }
}

/// Milliseconds, without needless decimals (`1`, `0.25`, `12.5`).
fn ms(v: f64) -> String {
    let t = format!("{v:.2}");
    let t = t.trim_end_matches('0').trim_end_matches('.');
    format!("{t}ms")
}

fn dash(v: Option<String>) -> String {
    v.unwrap_or_else(|| "-".into())
}

fn status(s: &ProcessStatus, now: SystemTime) -> String {
    let c = &s.counts;
    let up = now
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
        .saturating_sub(s.started);
    let frameworks = if s.frameworks.is_empty() {
        "none".to_string()
    } else {
        s.frameworks.join(", ")
    };
    let rows = [
        ["pid".to_string(), s.pid.to_string()],
        [
            "version".into(),
            format!(
                "keepalived-rs {} (keepalived {} compatible)",
                s.version, s.keepalived_version
            ),
        ],
        ["uptime".into(), age(up)],
        ["frameworks".into(), frameworks],
        [
            "vrrp instances".into(),
            format!(
                "{} ({} MASTER, {} BACKUP, {} FAULT), {} sync groups",
                c.vrrp_instances, c.master, c.backup, c.fault, c.sync_groups
            ),
        ],
        [
            "virtual servers".into(),
            format!(
                "{} ({} with quorum), real servers {}/{} up",
                c.virtual_servers,
                c.virtual_servers_quorum_up,
                c.real_servers_up,
                c.real_servers
            ),
        ],
        [
            "bfd sessions".into(),
            format!("{} ({} Up)", c.bfd_sessions, c.bfd_sessions_up),
        ],
    ];
    let rows: Vec<Vec<String>> = rows.iter().map(|r| r.to_vec()).collect();
    table(&[], &rows)
}

fn instances(list: &[Instance], now: SystemTime) -> String {
    let now_s = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|i| {
            let state = if i.fault_reasons.is_empty() {
                i.state.clone()
            } else {
                format!("{}({})", i.state, i.fault_reasons.join(","))
            };
            let since = i.last_transition.map(|t| {
                // Whole seconds; a clock step back shows 0s.
                let ago = (now_s.as_secs_f64() - t).max(0.0);
                age(ago as u64)
            });
            let e = &i.stats.errors;
            let errors = e.packet_length
                + e.advert_interval
                + e.ip_ttl
                + e.invalid_type
                + e.address_list
                + e.invalid_auth_type
                + e.auth_type_mismatch
                + e.auth_failure
                + e.checksum
                + e.version
                + e.unicast_source;
            vec![
                i.name.clone(),
                state,
                dash(i.interface.clone()),
                i.vrid.to_string(),
                i.priority.to_string(),
                i.effective_priority.to_string(),
                dash(i.master_address.map(|a| a.to_string())),
                dash(since),
                i.stats.adverts_sent.to_string(),
                i.stats.adverts_received.to_string(),
                errors.to_string(),
                if i.vips.is_empty() {
                    "-".into()
                } else {
                    i.vips.join(", ")
                },
            ]
        })
        .collect();
    table(
        &[
            "NAME",
            "STATE",
            "IFACE",
            "VRID",
            "PRIO",
            "EFFECTIVE",
            "MASTER",
            "SINCE",
            "SENT",
            "RCVD",
            "ERRORS",
            "VIPS",
        ],
        &rows,
    )
}

fn virtual_servers(list: &[VirtualServer]) -> String {
    let mut rows = Vec::new();
    for vs in list {
        let mut quorum = if vs.quorum_up { "up" } else { "down" }.to_string();
        if vs.sorry_server_active {
            quorum.push_str(", sorry server");
        }
        let head = vec![vs.name.clone(), dash(vs.scheduler.clone()), quorum];
        if vs.real_servers.is_empty() {
            rows.push([head.clone(), vec!["-".into(); 5]].concat());
        }
        for (n, rs) in vs.real_servers.iter().enumerate() {
            let first = if n == 0 {
                head.clone()
            } else {
                vec![String::new(); 3]
            };
            let mut state = if rs.up { "up" } else { "down" }.to_string();
            if !rs.in_table {
                state.push_str(" (not in table)");
            }
            let weight = if rs.weight == rs.configured_weight {
                rs.weight.to_string()
            } else {
                format!("{} of {}", rs.weight, rs.configured_weight)
            };
            let checks: Vec<String> = rs
                .checkers
                .iter()
                .map(|c| {
                    format!("{} {}", c.kind, if c.up { "up" } else { "down" })
                })
                .collect();
            let latency = rs
                .checkers
                .iter()
                .filter_map(|c| c.latency_ms)
                .reduce(f64::max)
                .map(ms);
            let rest = vec![
                rs.name.clone(),
                state,
                weight,
                if checks.is_empty() {
                    "-".into()
                } else {
                    checks.join(", ")
                },
                dash(latency),
            ];
            rows.push([first, rest].concat());
        }
    }
    table(
        &[
            "VIRTUAL SERVER",
            "SCHED",
            "QUORUM",
            "REAL SERVER",
            "STATE",
            "WEIGHT",
            "CHECKS",
            "LATENCY",
        ],
        &rows,
    )
}

fn bfd(list: &[BfdSession]) -> String {
    let us = |v: u64| ms(v as f64 / 1000.0);
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|b| {
            vec![
                b.name.clone(),
                b.neighbor.to_string(),
                b.local_state.clone(),
                b.remote_state.clone(),
                b.local_diag.clone(),
                us(u64::from(b.tx_interval_us)),
                us(u64::from(b.remote_tx_interval_us)),
                b.multiplier.to_string(),
                us(b.detect_time_us),
                dash(b.last_seen_ms.map(ms)),
            ]
        })
        .collect();
    table(
        &[
            "NAME",
            "PEER",
            "STATE",
            "REMOTE",
            "DIAG",
            "TX",
            "RX",
            "MULT",
            "DETECT",
            "LAST SEEN",
        ],
        &rows,
    )
}

fn reload(r: &ReloadOutcome) -> String {
    match (&r.taken, &r.error) {
        (true, _) => "reload: the new configuration was taken\n".into(),
        (false, e) => format!(
            "reload refused, the running configuration is kept: {}\n",
            e.as_deref().unwrap_or("no reason given")
        ),
    }
}

fn dump(d: &Dump, now: SystemTime) -> String {
    let mut out = String::new();
    let mut section = |title: &str, body: String| {
        // A heading line alone: nothing of that kind.
        let body = if body.lines().count() < 2 {
            "(none)\n".to_string()
        } else {
            body
        };
        let _ = write!(
            out,
            "{}{title}\n{body}",
            if out.is_empty() { "" } else { "\n" }
        );
    };
    section("STATUS", status(&d.status, now));
    section("VRRP INSTANCES", instances(&d.instances, now));
    let groups: Vec<Vec<String>> = d
        .sync_groups
        .iter()
        .map(|g| vec![g.name.clone(), g.state.clone(), g.members.join(", ")])
        .collect();
    section("SYNC GROUPS", table(&["NAME", "STATE", "MEMBERS"], &groups));
    let mut trackers: Vec<Vec<String>> = Vec::new();
    for s in &d.vrrp_scripts {
        let detail =
            format!("result {} (rise {}, fall {})", s.result, s.rise, s.fall);
        trackers.push(vec![
            "script".into(),
            s.name.clone(),
            s.state.clone(),
            detail,
        ]);
    }
    for f in &d.track_files {
        trackers.push(vec![
            "file".into(),
            f.name.clone(),
            f.value.to_string(),
            String::new(),
        ]);
    }
    for p in &d.track_processes {
        let state = if p.quorum { "quorum" } else { "no quorum" };
        let detail = format!("{} running", p.count);
        trackers.push(vec![
            "process".into(),
            p.name.clone(),
            state.into(),
            detail,
        ]);
    }
    for i in &d.interfaces_down {
        trackers.push(vec![
            "interface".into(),
            i.clone(),
            "down".into(),
            String::new(),
        ]);
    }
    section(
        "TRACKERS",
        table(&["KIND", "NAME", "STATE", "DETAIL"], &trackers),
    );
    section("VIRTUAL SERVERS", virtual_servers(&d.virtual_servers));
    section("BFD SESSIONS", bfd(&d.bfd));
    let _ = writeln!(out, "\nadverts for an unknown VRID: {}", d.vrid_errors);
    out
}

#[cfg(test)]
#[path = "ctl_table_tests.rs"]
mod tests;

//! From the process's [`Status`] (engine snapshots joined with the plans
//! they run) to the control socket's answers. Names, interfaces and
//! addresses come from the plans, live state from the snapshots; a
//! snapshot entry without its plan entry (a reload in between) is shown
//! with what the snapshot alone knows.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ka_vrrp::{FaultFlags, Stats};

use super::{
    BfdSession, Checker, Counts, Dump, ErrorCounters, Instance, InstanceStats,
    ProcessStatus, RealServer, SyncGroup, TrackFile, TrackProcess,
    VirtualServer, VrrpScript,
};
use crate::core::operator::Status;
use crate::vrrp::dump::View;

/// The keepalived version whose behaviour keepalived-rs reproduces.
const KEEPALIVED_VERSION: &str = "2.2.7";

fn epoch_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// `status`: the process and its totals, at wall-clock time `now`.
pub fn process_status(status: &Status, now: SystemTime) -> ProcessStatus {
    let plan = &status.plan;
    let frameworks = [
        (plan.vrrp.is_some(), "vrrp"),
        (plan.check.is_some(), "check"),
        (plan.bfd.is_some(), "bfd"),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| name.to_string())
    .collect();
    ProcessStatus {
        pid: std::process::id(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        keepalived_version: KEEPALIVED_VERSION.to_string(),
        started: epoch_secs(status.started),
        uptime_secs: now
            .duration_since(status.started)
            .unwrap_or_default()
            .as_secs(),
        frameworks,
        counts: counts(status),
    }
}

fn counts(status: &Status) -> Counts {
    let snap = &status.snapshot;
    let mut c = Counts::default();
    if let Some(v) = &snap.vrrp {
        c.vrrp_instances = v.instances.len();
        let n = |st| v.instances.iter().filter(|i| i.state == st).count();
        c.master = n(ka_vrrp::State::Master);
        c.backup = n(ka_vrrp::State::Backup);
        c.fault = n(ka_vrrp::State::Fault);
        c.sync_groups = v.groups.len();
    }
    if let Some(chk) = &snap.check {
        let vss = &chk.virtual_servers;
        c.virtual_servers = vss.len();
        c.virtual_servers_quorum_up =
            vss.iter().filter(|v| v.quorum_up).count();
        let rss = || vss.iter().flat_map(|v| &v.real_servers);
        c.real_servers = rss().count();
        c.real_servers_up = rss().filter(|r| r.alive).count();
    }
    if let Some(b) = &snap.bfd {
        c.bfd_sessions = b.sessions.len();
        c.bfd_sessions_up = b
            .sessions
            .iter()
            .filter(|s| s.local_state == ka_bfd::State::Up)
            .count();
    }
    c
}

/// `instances`: every VRRP instance, in configuration order.
pub fn instances(status: &Status, now: SystemTime) -> Vec<Instance> {
    let (Some(snap), Some(plan)) = (&status.snapshot.vrrp, &status.plan.vrrp)
    else {
        return Vec::new();
    };
    let view = View::new(snap, plan, now);
    view.instances()
        .into_iter()
        .map(|i| {
            let (s, c) = (i.s, i.c);
            let last_transition = s.last_transition.map(|t| {
                let (secs, us) = view.wall(Some(t));
                secs as f64 + f64::from(us) / 1e6
            });
            Instance {
                name: s.name.clone(),
                state: s.state.as_str().to_string(),
                want_state: s.want_state.as_str().to_string(),
                interface: c.interface.clone(),
                vrid: s.vrid,
                version: c.version.as_u8(),
                priority: s.base_priority,
                effective_priority: s.effective_priority,
                master_address: s.master_addr,
                master_priority: s.master_priority,
                advert_interval_ms: s.master_adver_int_us / 1000,
                last_transition,
                fault_reasons: fault_reasons(s.fault),
                sync_group: i.group.map(str::to_string),
                vips: c
                    .vips
                    .iter()
                    .map(|v| match &v.dev {
                        Some(dev) => {
                            format!("{}/{} dev {dev}", v.addr, v.prefix_len)
                        }
                        None => format!("{}/{}", v.addr, v.prefix_len),
                    })
                    .collect(),
                vips_installed: s.vips_set,
                stats: instance_stats(&s.stats),
            }
        })
        .collect()
}

fn fault_reasons(f: FaultFlags) -> Vec<String> {
    [
        (f.interface_down, "interface_down"),
        (f.tracker, "tracker"),
        (f.initialising, "initialising"),
        (f.no_source_ip, "no_source_ip"),
        (f.config_error, "config_error"),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| name.to_string())
    .collect()
}

fn instance_stats(s: &Stats) -> InstanceStats {
    InstanceStats {
        adverts_sent: s.advert_sent,
        adverts_received: s.advert_rcvd,
        became_master: s.become_master,
        released_master: s.release_master,
        priority_zero_sent: s.pri_zero_sent,
        priority_zero_received: s.pri_zero_rcvd,
        errors: ErrorCounters {
            packet_length: s.packet_len_err,
            advert_interval: s.advert_interval_err,
            ip_ttl: s.ip_ttl_err,
            invalid_type: s.invalid_type_rcvd,
            address_list: s.addr_list_err,
            invalid_auth_type: s.invalid_authtype,
            auth_type_mismatch: s.authtype_mismatch,
            auth_failure: s.auth_failure,
            checksum: s.chk_err,
            version: s.vers_err,
            unicast_source: s.unicast_src_err,
        },
    }
}

/// `virtual-servers`: every virtual server, in configuration order.
pub fn virtual_servers(status: &Status) -> Vec<VirtualServer> {
    let Some(snap) = &status.snapshot.check else {
        return Vec::new();
    };
    let plan = status.plan.check.as_ref();
    snap.virtual_servers
        .iter()
        .map(|vs| {
            let cfg = plan.and_then(|p| {
                p.engine.virtual_servers.iter().find(|c| c.name == vs.name)
            });
            let real_servers = vs
                .real_servers
                .iter()
                .map(|rs| {
                    let rc = cfg.and_then(|c| {
                        c.real_servers.iter().find(|r| r.name == rs.name)
                    });
                    let checkers = rs
                        .checkers
                        .iter()
                        .enumerate()
                        .map(|(n, (up, latency))| Checker {
                            kind: rc
                                .and_then(|r| r.checkers.get(n))
                                .map_or_else(String::new, |c| {
                                    c.keyword.clone()
                                }),
                            up: *up,
                            latency_ms: latency.map(millis),
                        })
                        .collect();
                    RealServer {
                        name: rs.name.clone(),
                        address: rc.map(|r| r.dest.addr),
                        up: rs.alive,
                        weight: rs.weight,
                        configured_weight: rc.map_or(0, |r| r.dest.weight),
                        in_table: rs.in_table,
                        checkers,
                    }
                })
                .collect();
            VirtualServer {
                name: vs.name.clone(),
                scheduler: cfg
                    .and_then(|c| c.services.first())
                    .map(|s| s.scheduler.clone()),
                quorum: cfg.map_or(0, |c| c.quorum),
                quorum_up: vs.quorum_up,
                live_weight: vs.live_weight,
                sorry_server_active: vs.sorry_active,
                real_servers,
            }
        })
        .collect()
}

/// `bfd`: every BFD session, in configuration order.
pub fn bfd_sessions(status: &Status) -> Vec<BfdSession> {
    let Some(snap) = &status.snapshot.bfd else {
        return Vec::new();
    };
    let plan = status.plan.bfd.as_ref();
    snap.sessions
        .iter()
        .map(|s| {
            let cfg = plan.and_then(|p| {
                p.engine.sessions.iter().find(|c| c.name == s.name)
            });
            BfdSession {
                name: s.name.clone(),
                neighbor: s.neighbor,
                source: s.source,
                local_state: s.local_state.as_str().to_string(),
                remote_state: s.remote_state.as_str().to_string(),
                local_diag: s.local_diag.as_str().to_string(),
                remote_diag: s.remote_diag.as_str().to_string(),
                min_rx_us: cfg.map_or(0, |c| c.min_rx),
                min_tx_us: cfg.map_or(0, |c| c.min_tx),
                idle_tx_us: cfg.map_or(0, |c| c.idle_tx),
                multiplier: cfg.map_or(0, |c| c.multiplier),
                tx_interval_us: s.local_tx_intv,
                remote_tx_interval_us: s.remote_tx_intv,
                remote_min_rx_us: s.remote_min_rx,
                remote_multiplier: s.remote_detect_mult,
                detect_time_us: s.local_detect_time,
                remote_detect_time_us: s.remote_detect_time,
                last_seen_ms: s.last_seen.map(millis),
            }
        })
        .collect()
}

/// `dump`: everything, at wall-clock time `now`.
pub fn dump(status: &Status, now: SystemTime) -> Dump {
    let vrrp = status.snapshot.vrrp.as_ref();
    Dump {
        status: process_status(status, now),
        instances: instances(status, now),
        sync_groups: vrrp.map_or_else(Vec::new, |v| {
            v.groups
                .iter()
                .map(|g| SyncGroup {
                    name: g.name.clone(),
                    state: g.state.as_str().to_string(),
                    members: g.members.clone(),
                })
                .collect()
        }),
        vrrp_scripts: vrrp.map_or_else(Vec::new, |v| {
            v.scripts
                .iter()
                .map(|s| VrrpScript {
                    name: s.name.clone(),
                    // keepalived: GOOD once the counter reaches `rise`.
                    state: match (s.init, s.result >= s.rise) {
                        (true, _) => "INIT",
                        (false, true) => "GOOD",
                        (false, false) => "BAD",
                    }
                    .to_string(),
                    result: s.result,
                    rise: s.rise,
                    fall: s.fall,
                })
                .collect()
        }),
        track_files: vrrp.map_or_else(Vec::new, |v| {
            v.files
                .iter()
                .map(|(name, value)| TrackFile {
                    name: name.clone(),
                    value: *value,
                })
                .collect()
        }),
        track_processes: vrrp.map_or_else(Vec::new, |v| {
            v.processes
                .iter()
                .map(|p| TrackProcess {
                    name: p.name.clone(),
                    count: p.count,
                    quorum: p.have_quorum,
                })
                .collect()
        }),
        interfaces_down: vrrp.map_or_else(Vec::new, |v| v.links_down.clone()),
        vrid_errors: vrrp.map_or(0, |v| v.vrid_errors),
        virtual_servers: virtual_servers(status),
        bfd: bfd_sessions(status),
    }
}

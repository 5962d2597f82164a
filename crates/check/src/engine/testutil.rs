//! Test helpers: configurations, and a harness that runs the engine on a
//! virtual clock, answers probes from a table of server states, applies
//! every table operation to its own mirror and checks it against
//! [`Engine::table`] after every step.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use ka_types::Instant;
use ka_types::lvs::{DataPlane, Dest, Forward, Op, Proto, Service, SvcKey};

use super::Engine;
use crate::config::{
    CheckConfig, CheckerConfig, CheckerSource, RsConfig, SorryConfig, VsConfig,
};
use crate::event::{
    Action, CheckerId, Event, Notify, ProbeResult, Reason, RsId,
};

/// The service `[192.0.2.1]:tcp:PORT`.
pub(super) fn svc(port: u16) -> Service {
    Service {
        key: SvcKey::Addr {
            proto: Proto::Tcp,
            addr: SocketAddr::from(([192, 0, 2, 1], port)),
        },
        scheduler: "wlc".into(),
        flags: 0,
        timeout: 0,
        netmask: u32::MAX,
        pe_name: None,
    }
}

/// Destination `198.51.100.LAST:80`.
pub(super) fn dest(last: u8, weight: u32) -> Dest {
    Dest {
        addr: SocketAddr::from(([198, 51, 100, last], 80)),
        forward: Forward::Masq,
        tunnel: None,
        weight,
        u_threshold: 0,
        l_threshold: 0,
    }
}

/// A TCP_CHECK: delay_loop 10 s, connect_timeout 3 s, retry 1,
/// delay_before_retry 2 s, no warmup.
pub(super) fn tcp() -> CheckerConfig {
    CheckerConfig {
        keyword: "TCP_CHECK".into(),
        source: CheckerSource::Probe,
        delay_loop: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(3),
        retry: 1,
        delay_before_retry: Duration::from_secs(2),
        warmup: Duration::ZERO,
        alpha: false,
        log_all_failures: false,
        dynamic: false,
        urls: 0,
        fast_recovery: false,
    }
}

/// An HTTP_GET with `urls` urls, same timers as [`tcp`].
pub(super) fn http(urls: u32) -> CheckerConfig {
    CheckerConfig {
        keyword: "HTTP_GET".into(),
        urls,
        ..tcp()
    }
}

/// A checker of another kind, same timers as [`tcp`].
pub(super) fn kind(keyword: &str) -> CheckerConfig {
    CheckerConfig {
        keyword: keyword.into(),
        ..tcp()
    }
}

/// A FILE_CHECK on `name`.
pub(super) fn file(name: &str, weight: i32, reverse: bool) -> CheckerConfig {
    CheckerConfig {
        keyword: "FILE_CHECK".into(),
        source: CheckerSource::File {
            track_file: name.into(),
            weight,
            reverse,
        },
        ..tcp()
    }
}

/// A BFD_CHECK on `name`.
pub(super) fn bfd(name: &str) -> CheckerConfig {
    CheckerConfig {
        keyword: "BFD_CHECK".into(),
        source: CheckerSource::Bfd { name: name.into() },
        ..tcp()
    }
}

/// Real server `198.51.100.LAST:80` with `checkers`.
pub(super) fn rs(
    last: u8,
    weight: u32,
    checkers: Vec<CheckerConfig>,
) -> RsConfig {
    RsConfig {
        name: format!("[198.51.100.{last}]:tcp:80"),
        dest: dest(last, weight),
        inhibit_on_failure: false,
        smtp_alert: false,
        checkers,
    }
}

/// Virtual server `[192.0.2.1]:tcp:PORT` (quorum 1).
pub(super) fn vs(port: u16, real_servers: Vec<RsConfig>) -> VsConfig {
    VsConfig {
        name: format!("[192.0.2.1]:tcp:{port}"),
        services: vec![svc(port)],
        quorum: 1,
        hysteresis: 0,
        sorry_server: None,
        ha_suspend: false,
        vips: Vec::new(),
        omega: false,
        smtp_alert: false,
        real_servers,
    }
}

/// The sorry server `203.0.113.9:80`.
pub(super) fn sorry(inhibit: bool) -> SorryConfig {
    SorryConfig {
        dest: Dest {
            addr: SocketAddr::from(([203, 0, 113, 9], 80)),
            ..dest(1, 1)
        },
        inhibit,
    }
}

/// A configuration of these virtual servers.
pub(super) fn config(virtual_servers: Vec<VsConfig>) -> CheckConfig {
    CheckConfig {
        virtual_servers,
        ..CheckConfig::default()
    }
}

/// Real server `rs` of virtual server `vs`.
pub(super) fn rsid(vs: u32, rs: u32) -> RsId {
    RsId { vs, rs }
}

/// Checker 0 of real server `rs` of virtual server 0.
pub(super) fn cid(rs: u32) -> CheckerId {
    CheckerId {
        rs: rsid(0, rs),
        checker: 0,
    }
}

/// The engine on a virtual clock.
pub(super) struct Harness {
    pub(super) engine: Engine,
    pub(super) now: Instant,
    /// The table built from the emitted operations only.
    pub(super) mirror: DataPlane,
    /// Every action, in order.
    pub(super) all: Vec<Action>,
    /// Probes started and not answered: token and start time.
    pub(super) pending: BTreeMap<CheckerId, (u64, Instant)>,
    /// Every probe start: checker and time.
    pub(super) starts: Vec<(CheckerId, Instant)>,
    /// Every probe start's url index, parallel to `starts`.
    pub(super) urls: Vec<u32>,
    /// Urls (real server, index) that fail in auto mode.
    pub(super) bad_urls: std::collections::BTreeSet<(RsId, u32)>,
    /// When set, probes are answered at once: up unless the server
    /// (by id) is listed as down.
    pub(super) auto: Option<BTreeMap<RsId, bool>>,
}

impl Harness {
    /// An engine at time 0 with seed 1, not started yet.
    pub(super) fn new(cfg: CheckConfig) -> Self {
        Self {
            engine: Engine::new(cfg, Instant::ZERO, 1),
            now: Instant::ZERO,
            mirror: DataPlane::default(),
            all: Vec::new(),
            pending: BTreeMap::new(),
            starts: Vec::new(),
            urls: Vec::new(),
            bad_urls: std::collections::BTreeSet::new(),
            auto: None,
        }
    }

    /// Started, answering probes at once (every server up).
    pub(super) fn started(cfg: CheckConfig) -> Self {
        let mut h = Self::new(cfg);
        h.auto = Some(BTreeMap::new());
        h.run_until(Instant::ZERO);
        h
    }

    /// Sets whether real server `id` answers probes (auto mode).
    pub(super) fn set_up(&mut self, id: RsId, up: bool) {
        if let Some(a) = &mut self.auto {
            a.insert(id, up);
        }
    }

    /// Runs the timers up to and including `t`.
    pub(super) fn run_until(&mut self, t: Instant) {
        for _ in 0..100_000 {
            match self.engine.poll_timeout() {
                Some(at) if at <= t => {
                    self.now = self.now.max(at);
                    let mut out = Vec::new();
                    self.engine.handle_timeout(self.now, &mut out);
                    self.absorb(out);
                }
                _ => {
                    self.now = self.now.max(t);
                    return;
                }
            }
        }
        panic!("timers did not settle before {t}");
    }

    /// Feeds an event now.
    pub(super) fn event(&mut self, e: Event) {
        if matches!(e, Event::Reloaded(_)) {
            // Answers to probes started before are stale now.
            self.pending.clear();
        }
        let mut out = Vec::new();
        self.engine.handle(self.now, e, &mut out);
        self.absorb(out);
    }

    /// Answers the pending probe of `id`.
    pub(super) fn answer(&mut self, id: CheckerId, result: ProbeResult) {
        let (token, at) = self.pending.remove(&id).expect("no probe pending");
        let latency = self.now - at;
        self.event(Event::ProbeDone {
            id,
            token,
            result,
            latency,
        });
    }

    /// Takes the actions of one call: checks the table, records probes,
    /// answers them in auto mode.
    fn absorb(&mut self, out: Vec<Action>) {
        let mut queue = out;
        while !queue.is_empty() {
            let mut answers = Vec::new();
            for a in &queue {
                match a {
                    Action::DataPlane { op, .. } => self.mirror.apply(op),
                    Action::StartProbe { id, token, url } => {
                        if let Some((_, t0)) = self.pending.get(id) {
                            // Only an overdue probe may be replaced.
                            let ct = self
                                .engine
                                .checker_config(*id)
                                .map(|c| c.connect_timeout)
                                .unwrap_or_default();
                            let margin = ct.max(super::verdict::OVERDUE_MARGIN);
                            assert!(
                                self.now >= *t0 + ct + margin,
                                "probe of {id:?} started twice"
                            );
                        }
                        self.pending.insert(*id, (*token, self.now));
                        self.starts.push((*id, self.now));
                        self.urls.push(*url);
                        if let Some(a) = &self.auto {
                            let up = a.get(&id.rs).copied().unwrap_or(true)
                                && !self.bad_urls.contains(&(id.rs, *url));
                            answers.push((*id, up));
                        }
                    }
                    _ => {}
                }
            }
            assert_eq!(&self.mirror, self.engine.table(), "ops diverge");
            self.all.append(&mut queue);
            for (id, up) in answers {
                let Some((token, _)) = self.pending.remove(&id) else {
                    continue;
                };
                let result = if up {
                    ProbeResult::Up
                } else {
                    ProbeResult::Down("connection refused".into())
                };
                let mut out = Vec::new();
                self.engine.handle(
                    self.now,
                    Event::ProbeDone {
                        id,
                        token,
                        result,
                        latency: Duration::ZERO,
                    },
                    &mut out,
                );
                queue.append(&mut out);
            }
        }
        // (quadratic: small configurations only)
        if self.engine.timers.len() < 500 {
            assert!(self.engine.timers_armed(), "a checker timer is not armed");
        }
        if self.engine.started && !self.engine.stopped {
            assert_eq!(
                self.engine.poll_timeout(),
                self.engine.earliest_timer()
            );
        }
    }

    /// Forgets the actions seen so far.
    pub(super) fn clear(&mut self) {
        self.all.clear();
        self.starts.clear();
        self.urls.clear();
    }

    /// The log lines seen.
    pub(super) fn logs(&self) -> Vec<String> {
        self.all
            .iter()
            .filter_map(|a| match a {
                Action::Log { message, .. } => Some(message.clone()),
                _ => None,
            })
            .collect()
    }

    /// Whether a log line equal to `line` was seen.
    pub(super) fn logged(&self, line: &str) -> bool {
        self.logs().iter().any(|l| l == line)
    }

    /// The table operations seen, with their reasons.
    pub(super) fn ops(&self) -> Vec<(Op, Reason)> {
        self.all
            .iter()
            .filter_map(|a| match a {
                Action::DataPlane { op, reason } => {
                    Some((op.clone(), reason.clone()))
                }
                _ => None,
            })
            .collect()
    }

    /// The notifications seen.
    pub(super) fn notifies(&self) -> Vec<Notify> {
        self.all
            .iter()
            .filter_map(|a| match a {
                Action::Notify(n) => Some(n.clone()),
                _ => None,
            })
            .collect()
    }

    /// The weight of `last` in service `port`, if in the table.
    pub(super) fn weight(&self, port: u16, last: u8) -> Option<u32> {
        let s = self.engine.table().services.get(&svc(port).key)?;
        s.dests.get(&dest(last, 0).addr).map(|d| d.weight)
    }

    /// Start times of probes of `id` seen.
    pub(super) fn starts_of(&self, id: CheckerId) -> Vec<u64> {
        self.starts
            .iter()
            .filter(|(c, _)| *c == id)
            .map(|(_, t)| t.micros() / 1_000_000)
            .collect()
    }
}

impl Harness {
    /// Start times (ms) and url index of the probes of `id` seen.
    pub(super) fn url_starts_of(&self, id: CheckerId) -> Vec<(u64, u32)> {
        self.starts
            .iter()
            .zip(&self.urls)
            .filter(|((c, _), _)| *c == id)
            .map(|((_, t), u)| (t.micros() / 1_000, *u))
            .collect()
    }
}

/// `secs` seconds after the origin.
pub(super) fn at(secs: u64) -> Instant {
    Instant::from_secs(secs)
}

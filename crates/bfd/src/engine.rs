//! The engine: finds the session of each packet, runs the timers,
//! reloads by name (keepalived `bfd_scheduler.c`, `bfd_data.c`).

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use ka_types::Instant;
use ka_wire::bfd::{BfdError, Repr};

use crate::config::EngineConfig;
use crate::event::{Action, Event, LogLevel};
use crate::rng::Rng;
use crate::session::{Ctx, Session};
use crate::snapshot::Snapshot;

#[cfg(test)]
mod tests;

/// The sans-IO BFD engine.
#[derive(Clone, Debug)]
pub struct Engine {
    cfg: EngineConfig,
    sessions: Vec<Session>,
    /// Local discriminator → session index.
    discrs: BTreeMap<u32, usize>,
    rng: Rng,
    started: bool,
    stopped: bool,
}

/// A received datagram and what the socket said of it.
struct Rx<'a> {
    src: SocketAddr,
    dst: Option<IpAddr>,
    multihop: bool,
    ttl: Option<u8>,
    bytes: &'a [u8],
}

/// Why a received datagram was not applied to a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Drop {
    Bogus(BfdError),
    NoSession(u32),
    Ttl { ttl: u8, min: i32 },
    Auth,
    AdminDown,
}

impl Engine {
    /// Builds the sessions, all Down with random discriminators; nothing
    /// is sent before [`Event::Started`].
    pub fn new(config: EngineConfig) -> Self {
        let mut e = Self {
            rng: Rng::new(config.seed),
            cfg: EngineConfig::default(),
            sessions: Vec::new(),
            discrs: BTreeMap::new(),
            started: false,
            stopped: false,
        };
        let mut out = Vec::new();
        e.install(Instant::ZERO, config, &mut out);
        e
    }

    /// The configuration the engine runs.
    pub fn config(&self) -> &EngineConfig {
        &self.cfg
    }

    /// Feeds one event; actions are appended to `out` in order.
    pub fn handle(&mut self, now: Instant, ev: Event, out: &mut Vec<Action>) {
        if self.stopped {
            return;
        }
        match ev {
            Event::Started => self.start(now, out),
            Event::PacketReceived {
                src,
                dst,
                multihop,
                ttl,
                bytes,
            } => {
                let rx = Rx {
                    src,
                    dst,
                    multihop,
                    ttl,
                    bytes: &bytes,
                };
                self.packet(now, &rx, out);
            }
            Event::AdminDown { session, down } => {
                if let Some(i) = self.index(&session) {
                    self.with(i, now, out, |s, cx| {
                        if down {
                            s.state_admindown(cx);
                        } else {
                            s.admin_up(cx);
                        }
                    });
                }
            }
            Event::Reloaded(cfg) => {
                self.install(now, *cfg, out);
                if self.started {
                    self.start_all(now, false, out);
                }
            }
            Event::ClearStats => {}
            Event::Stop => {
                for s in &mut self.sessions {
                    s.stop();
                }
                self.stopped = true;
            }
        }
    }

    /// Runs every deadline at or before `now`.
    pub fn handle_timeout(&mut self, now: Instant, out: &mut Vec<Action>) {
        if self.stopped {
            return;
        }
        for i in 0..self.sessions.len() {
            if self.sessions[i].deadline().is_some_and(|t| t <= now) {
                self.with(i, now, out, Session::timeout);
            }
        }
    }

    /// When [`Self::handle_timeout`] is next due; `None`: never.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.stopped {
            return None;
        }
        self.sessions.iter().filter_map(Session::deadline).min()
    }

    /// Every session's state at `now`.
    pub fn snapshot(&self, now: Instant) -> Snapshot {
        Snapshot::new(now, &self.sessions)
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.sessions.iter().position(|s| s.name() == name)
    }

    /// Runs `f` on session `i` with a context, keeping the discriminator
    /// index current.
    fn with(
        &mut self,
        i: usize,
        now: Instant,
        out: &mut Vec<Action>,
        f: impl FnOnce(&mut Session, &mut Ctx<'_>),
    ) {
        let Some(s) = self.sessions.get_mut(i) else {
            return;
        };
        let before = s.local_discr;
        let mut cx = Ctx {
            now,
            rng: &mut self.rng,
            discrs: &self.discrs,
            out,
        };
        f(s, &mut cx);
        if s.local_discr != before {
            self.discrs.remove(&before);
            self.discrs.insert(s.local_discr, i);
        }
    }

    fn start(&mut self, now: Instant, out: &mut Vec<Action>) {
        if self.started {
            return;
        }
        self.started = true;
        self.start_all(now, true, out);
    }

    /// Publishes every session's state and starts the senders (keepalived
    /// `bfd_register_workers`); `first` also sends a packet at once.
    fn start_all(&mut self, now: Instant, first: bool, out: &mut Vec<Action>) {
        for i in 0..self.sessions.len() {
            self.with(i, now, out, |s, cx| {
                s.publish(cx);
                s.start(first, cx);
            });
        }
    }

    /// Takes a configuration: a session whose name existed keeps its
    /// state and timers, and polls if its rates changed (keepalived
    /// `bfd_complete_init`, `bfd_cmp_timers`); new ones start Down.
    fn install(
        &mut self,
        now: Instant,
        cfg: EngineConfig,
        out: &mut Vec<Action>,
    ) {
        let mut old: BTreeMap<String, Session> =
            std::mem::take(&mut self.sessions)
                .into_iter()
                .map(|s| (s.name().to_string(), s))
                .collect();
        self.discrs.clear();
        for sc in &cfg.sessions {
            let i = self.sessions.len();
            let s = match old.remove(&sc.name) {
                Some(mut s) => {
                    let changed =
                        s.cfg.min_rx != sc.min_rx || s.cfg.min_tx != sc.min_tx;
                    s.cfg = sc.clone();
                    if changed {
                        let mut cx = Ctx {
                            now,
                            rng: &mut self.rng,
                            discrs: &self.discrs,
                            out,
                        };
                        s.set_poll(&mut cx);
                    }
                    s
                }
                None => {
                    let mut cx = Ctx {
                        now,
                        rng: &mut self.rng,
                        discrs: &self.discrs,
                        out,
                    };
                    let d = cx.fresh_discr();
                    Session::new(sc.clone(), d)
                }
            };
            self.discrs.insert(s.local_discr, i);
            self.sessions.push(s);
        }
        self.cfg = cfg;
    }

    /// A datagram from a socket (keepalived `bfd_handle_packet`).
    fn packet(&mut self, now: Instant, rx: &Rx<'_>, out: &mut Vec<Action>) {
        match self.accept(rx) {
            Ok((i, r)) => self.with(i, now, out, |s, cx| s.receive(&r, cx)),
            Err(d) => {
                if let Drop::Bogus(e) = d {
                    out.push(Action::log(LogLevel::Detail, e.to_string()));
                }
                out.push(Action::log(LogLevel::Detail, drop_text(d, rx.src)));
            }
        }
    }

    /// The session and packet, or why it is dropped, in keepalived's
    /// order: sanity checks, lookup, GTSM, A bit, AdminDown.
    fn accept(&self, rx: &Rx<'_>) -> Result<(usize, Repr), Drop> {
        let r = Repr::parse_bytes(rx.bytes).map_err(Drop::Bogus)?;
        // RFC 5880 §6.8.6: by Your Discriminator, or when it is zero by
        // the addresses (and the port: single hop or multihop).
        let i = if r.your_discr == 0 {
            self.by_addr(rx.src.ip(), rx.dst, rx.multihop)
        } else {
            self.discrs.get(&r.your_discr).copied()
        }
        .ok_or(Drop::NoSession(r.your_discr))?;
        let s = &self.sessions[i];
        // RFC 5881 §5 (GTSM), keepalived's max_hops extension: accept when
        // ttl + max_hops >= the TTL the peer is configured to send.
        if let (Some(max_hops), Some(ttl)) = (s.cfg.max_hops, rx.ttl)
            && ttl != 0
            && i32::from(max_hops) + i32::from(ttl) < i32::from(s.cfg.ttl)
        {
            return Err(Drop::Ttl {
                ttl,
                min: i32::from(s.cfg.ttl) - i32::from(max_hops),
            });
        }
        // keepalived compat: no authentication, packets with A are dropped
        // (RFC 5880 §6.8.6: A set and no authentication in use).
        if r.auth.is_some() {
            return Err(Drop::Auth);
        }
        if s.local_state == ka_wire::bfd::State::AdminDown {
            return Err(Drop::AdminDown);
        }
        Ok((i, r))
    }

    /// keepalived `find_bfd_by_addr`: the neighbour, the hop mode, and
    /// the local address when both sides have one.
    fn by_addr(
        &self,
        src: IpAddr,
        dst: Option<IpAddr>,
        multihop: bool,
    ) -> Option<usize> {
        self.sessions.iter().position(|s| {
            s.cfg.neighbor == src
                && s.cfg.multihop == multihop
                && match (s.cfg.source, dst) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                }
        })
    }
}

/// keepalived's `-D` line for a dropped packet.
fn drop_text(d: Drop, src: SocketAddr) -> String {
    let from = format!("[{}]:{}", src.ip(), src.port());
    match d {
        Drop::Bogus(_) => format!("Discarding bogus packet from {from}"),
        Drop::NoSession(discr) => format!(
            "Discarding packet from {from} (session is not found - your discriminator field is 0x{discr:08x})"
        ),
        Drop::Ttl { ttl, min } => {
            let what = if src.is_ipv4() { "ttl" } else { "hop_limit" };
            format!("Packet {what}({ttl}) < {min} - discarding")
        }
        Drop::Auth => format!(
            "Discarding packet from {from} (auth bit is set, but no authentication  is in use)"
        ),
        Drop::AdminDown => {
            format!(
                "Discarding packet from {from} (session is in AdminDown state)"
            )
        }
    }
}

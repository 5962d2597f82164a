//! One BFD session: the RFC 5880 §6.8.1 state variables, the state
//! changes of keepalived's `bfd_scheduler.c` (`bfd_state_down`,
//! `bfd_state_up`, ...) and the three timers (transmit, detection,
//! reset). Packet reception is in [`rx`].

use std::collections::BTreeMap;
use std::time::Duration;

use ka_types::Instant;
use ka_wire::bfd::{Diag, Repr, State};

use crate::config::SessionConfig;
use crate::event::{Action, LogLevel};
use crate::rng::Rng;

mod rx;

/// What a session call needs from the engine.
pub(crate) struct Ctx<'a> {
    pub(crate) now: Instant,
    pub(crate) rng: &'a mut Rng,
    /// Local discriminators in use (a new one must differ from them).
    pub(crate) discrs: &'a BTreeMap<u32, usize>,
    pub(crate) out: &'a mut Vec<Action>,
}

impl Ctx<'_> {
    /// A random local discriminator no session uses (keepalived
    /// `bfd_get_random_discr`; RFC 5880 §6.8.1: unique, non-zero).
    pub(crate) fn fresh_discr(&mut self) -> u32 {
        let mut d = self.rng.nonzero_u32();
        // Bounded: 2^32 - 1 values against a handful of sessions.
        for _ in 0..64 {
            if !self.discrs.contains_key(&d) {
                break;
            }
            d = self.rng.nonzero_u32();
        }
        d
    }

    fn log(&mut self, level: LogLevel, text: String) {
        self.out.push(Action::log(level, text));
    }
}

/// One session's state (keepalived `bfd_t`; intervals in µs).
#[derive(Clone, Debug)]
pub(crate) struct Session {
    pub(crate) cfg: SessionConfig,
    pub(crate) local_state: State,
    pub(crate) remote_state: State,
    pub(crate) local_discr: u32,
    pub(crate) remote_discr: u32,
    pub(crate) local_diag: Diag,
    pub(crate) remote_diag: Diag,
    pub(crate) remote_min_tx: u32,
    pub(crate) remote_min_rx: u32,
    pub(crate) remote_demand: bool,
    pub(crate) remote_detect_mult: u8,
    pub(crate) poll: bool,
    pub(crate) final_: bool,
    /// The interval packets are sent at (before jitter).
    pub(crate) local_tx_intv: u32,
    /// The interval the peer sends at, as far as we know.
    pub(crate) remote_tx_intv: u32,
    /// Detection time of this end, µs.
    pub(crate) local_detect_time: u64,
    /// Detection time of the peer, µs.
    pub(crate) remote_detect_time: u64,
    pub(crate) last_seen: Option<Instant>,
    /// Next periodic transmission.
    pub(crate) tx_at: Option<Instant>,
    /// Detection timer (Init and Up).
    pub(crate) expire_at: Option<Instant>,
    /// Return to the initial state after a fall to Down.
    pub(crate) reset_at: Option<Instant>,
    /// Falls from Up to Down (for the metrics; keepalived counts none).
    pub(crate) down_events: u64,
}

fn us(v: u64) -> Duration {
    Duration::from_micros(v)
}

impl Session {
    /// A new session in Down (keepalived `bfd_init_state`; RFC 5880
    /// §6.8.1 initial values).
    pub(crate) fn new(cfg: SessionConfig, local_discr: u32) -> Self {
        Self {
            local_state: State::Down,
            remote_state: State::Down,
            local_discr,
            remote_discr: 0,
            local_diag: Diag::NoDiagnostic,
            remote_diag: Diag::NoDiagnostic,
            remote_min_tx: 0,
            // RFC 5880 §6.8.1: bfd.RemoteMinRxInterval starts at 1 µs;
            // keepalived compat: keepalived starts it at 0 (same effect).
            remote_min_rx: 0,
            remote_demand: false,
            remote_detect_mult: 0,
            poll: false,
            final_: false,
            local_tx_intv: cfg.idle_tx,
            remote_tx_intv: 0,
            local_detect_time: 0,
            remote_detect_time: 0,
            last_seen: None,
            tx_at: None,
            expire_at: None,
            reset_at: None,
            down_events: 0,
            cfg,
        }
    }

    /// The earliest of the session's deadlines.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        [self.tx_at, self.expire_at, self.reset_at]
            .into_iter()
            .flatten()
            .min()
    }

    pub(crate) fn name(&self) -> &str {
        &self.cfg.name
    }

    /// Starts sending at startup or after a reload (keepalived
    /// `bfd_register_workers`): passive sessions wait to hear the peer,
    /// AdminDown ones stay silent. `first` sends a packet at once.
    pub(crate) fn start(&mut self, first: bool, cx: &mut Ctx<'_>) {
        if self.local_state == State::AdminDown {
            return;
        }
        if !self.cfg.passive || self.local_state == State::Up {
            if first {
                self.send(cx);
            }
            if self.tx_at.is_none() {
                self.schedule_tx(cx);
            }
        }
    }

    /// The state VRRP and the checkers are told of (keepalived
    /// `bfd_event_send`: Up, or Down for every other state).
    pub(crate) fn publish(&self, cx: &mut Ctx<'_>) {
        cx.out.push(Action::SessionState {
            name: self.cfg.name.clone(),
            up: self.local_state == State::Up,
            diag: self.local_diag,
        });
    }

    /// The packet this end sends now (keepalived `bfd_build_packet`).
    pub(crate) fn build(&mut self) -> Repr {
        // keepalived compat: answering a Poll while wanting to poll
        // sends the new parameters with F only (RFC 5880 §6.5 allows
        // them in the Final).
        if self.poll && self.final_ {
            self.poll = false;
        }
        Repr {
            diag: self.local_diag,
            state: self.local_state,
            poll: self.poll,
            final_: self.final_,
            cpi: false,
            demand: false,
            detect_mult: self.cfg.multiplier,
            my_discr: self.local_discr,
            your_discr: self.remote_discr,
            // RFC 5880 §6.8.3: at least one second while not Up.
            desired_min_tx: if self.local_state == State::Up {
                self.cfg.min_tx
            } else {
                self.cfg.idle_tx
            },
            required_min_rx: self.cfg.min_rx,
            // keepalived compat: no echo function.
            required_min_echo_rx: 0,
            auth: None,
        }
    }

    /// Sends one packet now; a Final is sent once (keepalived
    /// `bfd_sender_thread`).
    pub(crate) fn send(&mut self, cx: &mut Ctx<'_>) {
        let packet = self.build();
        cx.out.push(Action::Send {
            session: self.cfg.name.clone(),
            dst: self.cfg.neighbor,
            multihop: self.cfg.multihop,
            packet,
        });
        self.final_ = false;
    }

    /// RFC 5880 §6.8.7: the interval is reduced by a random 0–25%, or
    /// 10–25% when bfd.DetectMult is 1 (so it is at most 90%).
    /// keepalived compat: keepalived's `get_jitter` tests the multiplier
    /// for non-zero rather than for 1, so it always takes 10–25%.
    pub(crate) fn jitter(&self, rng: &mut Rng) -> u64 {
        let tx = u64::from(self.local_tx_intv);
        let min = if self.cfg.multiplier == 1 { tx / 10 } else { 0 };
        rng.range(min, tx / 4)
    }

    pub(crate) fn schedule_tx(&mut self, cx: &mut Ctx<'_>) {
        let j = self.jitter(cx.rng);
        let wait = u64::from(self.local_tx_intv).saturating_sub(j).max(1);
        self.tx_at = Some(cx.now + us(wait));
    }

    /// bfd.DesiredMinTxInterval against the peer's RequiredMinRx while
    /// Up (RFC 5880 §6.8.7; keepalived `bfd_update_local_tx_intv`).
    pub(crate) fn update_local_tx_intv(&mut self) {
        self.local_tx_intv = self.cfg.min_tx.max(self.remote_min_rx);
    }

    /// The same with the idle interval (keepalived
    /// `bfd_idle_local_tx_intv`).
    pub(crate) fn idle_local_tx_intv(&mut self) {
        self.local_tx_intv = self.cfg.idle_tx.max(self.remote_min_rx);
    }

    /// RFC 5880 §6.8.4: the peer's rate is the larger of our
    /// RequiredMinRx and its DesiredMinTx.
    pub(crate) fn update_remote_tx_intv(&mut self) {
        self.remote_tx_intv = self.cfg.min_rx.max(self.remote_min_tx);
    }

    /// Starts a Poll Sequence (RFC 5880 §6.5; keepalived `bfd_set_poll`):
    /// not while a Final is pending, which carries the new values.
    pub(crate) fn set_poll(&mut self, cx: &mut Ctx<'_>) {
        cx.log(
            LogLevel::Detail,
            format!("({}) Starting poll sequence", self.cfg.name),
        );
        if !self.final_ {
            self.poll = true;
        }
    }

    /// Falls to Down (keepalived `bfd_state_down`).
    pub(crate) fn state_down(&mut self, diag: Diag, cx: &mut Ctx<'_>) {
        let was_up = self.local_state == State::Up;
        if was_up {
            self.down_events += 1;
            // keepalived compat: a new discriminator on leaving Up.
            self.local_discr = cx.fresh_discr();
            cx.log(
                LogLevel::Warning,
                format!(
                    "({}) Entering {} state (Local diagnostic - {}, Remote diagnostic - {})",
                    self.cfg.name,
                    State::Down,
                    diag,
                    self.remote_diag
                ),
            );
        }
        self.local_state = State::Down;
        self.local_diag = diag;
        self.reset_at = Some(cx.now + us(self.local_detect_time));
        if self.cfg.passive {
            self.tx_at = None;
        }
        self.fall(was_up, cx);
    }

    /// Goes AdminDown (keepalived `bfd_state_admindown`): silent.
    pub(crate) fn state_admindown(&mut self, cx: &mut Ctx<'_>) {
        self.local_state = State::AdminDown;
        self.local_diag = Diag::AdminDown;
        self.tx_at = None;
        self.reset_at = None;
        cx.log(
            LogLevel::Warning,
            format!("({}) Entering {} state", self.cfg.name, State::AdminDown),
        );
        self.fall(false, cx);
    }

    /// What Down and AdminDown share (keepalived `bfd_state_fall`).
    fn fall(&mut self, publish: bool, cx: &mut Ctx<'_>) {
        // RFC 5880 §6.8.3: not less than one second while not Up.
        self.idle_local_tx_intv();
        self.expire_at = None;
        // RFC 5882 §3.2: a peer that signals AdminDown is not a failed
        // path; keepalived does not tell VRRP or the checkers.
        if publish && self.remote_state != State::AdminDown {
            self.publish(cx);
        }
    }

    /// What Init and Up share (keepalived `bfd_state_rise`).
    fn rise(&mut self, cx: &mut Ctx<'_>) {
        self.local_diag = Diag::NoDiagnostic;
        if self.local_state == State::Up {
            cx.log(
                LogLevel::Info,
                format!("({}) Entering {} state", self.cfg.name, State::Up),
            );
        }
        self.reset_at = None;
        if self.expire_at.is_none() {
            self.expire_at = Some(cx.now + us(self.local_detect_time));
        }
    }

    /// Goes Up (keepalived `bfd_state_up`): polls when the idle and Up
    /// rates differ, so the peer learns the faster rate (RFC 5880 §6.8.3).
    pub(crate) fn state_up(&mut self, cx: &mut Ctx<'_>) {
        self.local_state = State::Up;
        self.rise(cx);
        if self.cfg.idle_tx != self.cfg.min_tx {
            self.set_poll(cx);
        }
        self.publish(cx);
    }

    /// Goes Init (keepalived `bfd_state_init`); a passive session starts
    /// sending now.
    pub(crate) fn state_init(&mut self, cx: &mut Ctx<'_>) {
        self.local_state = State::Init;
        self.rise(cx);
        if self.cfg.passive && self.tx_at.is_none() {
            self.schedule_tx(cx);
        }
    }

    /// The detection time passed without a packet (RFC 5880 §6.8.4;
    /// keepalived `bfd_expire_thread`).
    pub(crate) fn expire(&mut self, cx: &mut Ctx<'_>) {
        self.expire_at = None;
        let dead = self
            .last_seen
            .map_or(Duration::ZERO, |t| cx.now.saturating_since(t));
        let dead_us = u64::try_from(dead.as_micros()).unwrap_or(u64::MAX);
        if self.local_state == State::Up {
            cx.log(
                LogLevel::Warning,
                format!(
                    "({}) Expired after {} ms ({} usec overdue)",
                    self.cfg.name,
                    dead_us / 1000,
                    dead_us.saturating_sub(self.local_detect_time)
                ),
            );
        }
        // RFC 5880 §6.8.1: bfd.RemoteDiscr is zeroed after a Detection
        // Time without a packet.
        self.remote_discr = 0;
        self.state_down(Diag::DetectionTimeExpired, cx);
    }

    /// Back to the initial remote state a detection time after falling
    /// (keepalived `bfd_reset_thread` / `bfd_reset_state`).
    pub(crate) fn reset(&mut self) {
        self.reset_at = None;
        self.local_state = State::Down;
        self.remote_state = State::Down;
        self.remote_discr = 0;
        self.remote_diag = Diag::NoDiagnostic;
        self.remote_demand = false;
        self.poll = false;
        self.final_ = false;
        self.idle_local_tx_intv();
    }

    /// Runs every deadline at or before `now`: detection, reset, then
    /// transmission.
    pub(crate) fn timeout(&mut self, cx: &mut Ctx<'_>) {
        if self.expire_at.is_some_and(|t| t <= cx.now) {
            self.expire(cx);
        }
        if self.reset_at.is_some_and(|t| t <= cx.now) {
            self.reset();
        }
        if self.tx_at.is_some_and(|t| t <= cx.now) {
            self.tx_at = None;
            self.send(cx);
            self.schedule_tx(cx);
        }
    }

    /// Leaves the driver-imposed AdminDown (keepalived
    /// `bfd_open_fd_out_thread`).
    pub(crate) fn admin_up(&mut self, cx: &mut Ctx<'_>) {
        if self.local_state != State::AdminDown {
            return;
        }
        self.local_state = State::Down;
        self.local_diag = Diag::NoDiagnostic;
        if !self.cfg.passive {
            self.schedule_tx(cx);
        }
    }

    /// Stops every timer.
    pub(crate) fn stop(&mut self) {
        self.tx_at = None;
        self.expire_at = None;
        self.reset_at = None;
    }
}

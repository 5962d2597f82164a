//! What a dump shows of the engine (keepalived `dump_bfd`), taken at one
//! instant; times are relative to it.

use std::net::IpAddr;
use std::time::Duration;

use ka_types::Instant;
use ka_wire::bfd::{Diag, State};
use serde::{Deserialize, Serialize};

use crate::session::Session;

/// The engine's state.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct Snapshot {
    /// When it was taken.
    pub at: Instant,
    /// The sessions, in configuration order.
    pub sessions: Vec<SessionSnapshot>,
}

/// One session (keepalived's `dump_bfd` fields; intervals in µs).
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct SessionSnapshot {
    /// Name.
    pub name: String,
    /// Neighbour.
    pub neighbor: IpAddr,
    /// Source address.
    pub source: Option<IpAddr>,
    /// bfd.SessionState.
    pub local_state: State,
    /// bfd.RemoteSessionState.
    pub remote_state: State,
    /// bfd.LocalDiscr.
    pub local_discr: u32,
    /// bfd.RemoteDiscr.
    pub remote_discr: u32,
    /// bfd.LocalDiag.
    pub local_diag: Diag,
    /// The peer's last diagnostic.
    pub remote_diag: Diag,
    /// The peer's Desired Min TX.
    pub remote_min_tx: u32,
    /// bfd.RemoteMinRxInterval.
    pub remote_min_rx: u32,
    /// The peer's Detect Mult.
    pub remote_detect_mult: u8,
    /// The peer in Demand mode.
    pub remote_demand: bool,
    /// A Poll Sequence is running.
    pub poll: bool,
    /// A Final is due.
    pub final_: bool,
    /// Transmit interval before jitter.
    pub local_tx_intv: u32,
    /// The peer's transmit interval as agreed.
    pub remote_tx_intv: u32,
    /// Our detection time, µs.
    pub local_detect_time: u64,
    /// The peer's detection time, µs.
    pub remote_detect_time: u64,
    /// Time since the last valid packet.
    pub last_seen: Option<Duration>,
    /// Time to the next transmission.
    pub next_tx: Option<Duration>,
    /// Time to the detection timer's expiry.
    pub expires_in: Option<Duration>,
    /// Time to the return to the initial state after a fall.
    pub reset_in: Option<Duration>,
    /// Falls from Up to Down since the session was created.
    #[serde(default)]
    pub down_events: u64,
}

impl Snapshot {
    pub(crate) fn new(at: Instant, sessions: &[Session]) -> Self {
        let until = |t: Option<Instant>| t.map(|t| t.saturating_since(at));
        Self {
            at,
            sessions: sessions
                .iter()
                .map(|s| SessionSnapshot {
                    name: s.cfg.name.clone(),
                    neighbor: s.cfg.neighbor,
                    source: s.cfg.source,
                    local_state: s.local_state,
                    remote_state: s.remote_state,
                    local_discr: s.local_discr,
                    remote_discr: s.remote_discr,
                    local_diag: s.local_diag,
                    remote_diag: s.remote_diag,
                    remote_min_tx: s.remote_min_tx,
                    remote_min_rx: s.remote_min_rx,
                    remote_detect_mult: s.remote_detect_mult,
                    remote_demand: s.remote_demand,
                    poll: s.poll,
                    final_: s.final_,
                    local_tx_intv: s.local_tx_intv,
                    remote_tx_intv: s.remote_tx_intv,
                    local_detect_time: s.local_detect_time,
                    remote_detect_time: s.remote_detect_time,
                    last_seen: s.last_seen.map(|t| at.saturating_since(t)),
                    next_tx: until(s.tx_at),
                    expires_in: until(s.expire_at),
                    reset_in: until(s.reset_at),
                    down_events: s.down_events,
                })
                .collect(),
        }
    }

    /// The session called `name`.
    pub fn session(&self, name: &str) -> Option<&SessionSnapshot> {
        self.sessions.iter().find(|s| s.name == name)
    }
}

//! What the engine is built from: one [`SessionConfig`] per
//! `bfd_instance`, with keepalived's defaults already filled in by
//! validation (KEEPALIVED.md §1.8).

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// The whole engine's configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct EngineConfig {
    /// The sessions, in file order.
    pub sessions: Vec<SessionConfig>,
    /// Seed of the engine's random numbers (discriminators, jitter). The
    /// daemon draws it from the OS; a recording holds it, so a replay
    /// draws the same numbers. A reload keeps the running generator.
    pub seed: u64,
}

/// One `bfd_instance`. Intervals are in microseconds, as on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct SessionConfig {
    /// Name (`track_bfd` and `BFD_CHECK` use it).
    pub name: String,
    /// `neighbor_ip`.
    pub neighbor: IpAddr,
    /// `source_ip`.
    pub source: Option<IpAddr>,
    /// `min_rx`: bfd.RequiredMinRxInterval, µs.
    pub min_rx: u32,
    /// `min_tx`: bfd.DesiredMinTxInterval while Up, µs.
    pub min_tx: u32,
    /// `idle_tx`: bfd.DesiredMinTxInterval while not Up, µs (RFC 5880
    /// §6.8.3: at least one second; validation enforces it).
    pub idle_tx: u32,
    /// `multiplier`: bfd.DetectMult.
    pub multiplier: u8,
    /// `passive`: do not send until the peer has been heard
    /// (RFC 5880 §6.1 passive role).
    pub passive: bool,
    /// `ttl` / `hoplimit` sent, and the GTSM reference (RFC 5881 §5).
    pub ttl: u8,
    /// `max_hops`: accept a packet when `ttl_rx + max_hops >= ttl`;
    /// `None` (keepalived `max_hops 255`) disables the check.
    pub max_hops: Option<u8>,
    /// `multihop`: RFC 5883, port 4784.
    pub multihop: bool,
}

impl SessionConfig {
    /// A session to `neighbor` with keepalived's defaults (10 ms, 10 ms,
    /// 1 s idle, × 5, TTL 255 / hop limit 64, max_hops 0).
    pub fn new(name: impl Into<String>, neighbor: IpAddr) -> Self {
        Self {
            name: name.into(),
            neighbor,
            source: None,
            min_rx: 10_000,
            min_tx: 10_000,
            idle_tx: 1_000_000,
            multiplier: 5,
            passive: false,
            ttl: if neighbor.is_ipv4() {
                ka_wire::bfd::TTL_IPV4
            } else {
                ka_wire::bfd::HOP_LIMIT_IPV6
            },
            max_hops: Some(0),
            multihop: false,
        }
    }
}

//! From the validated configuration to what the BFD runtime runs: the
//! engine's sessions and, per session, who is told of its state.
//!
//! [`bfd_plan`] is pure: validation (`ka_config`) has filled keepalived's
//! defaults (TTL 255 / hop limit 64, `max_hops` capped at the TTL); the
//! plan copies them in the engine's units (µs) and draws nothing: the
//! random seed is the caller's.

use std::collections::BTreeMap;
use std::time::Duration;

use ka_bfd::{EngineConfig, SessionConfig};
use ka_config::Config;
use ka_config::model::bfd::BfdInstance;

/// What the BFD runtime runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BfdPlan {
    /// The engine's configuration.
    pub engine: EngineConfig,
    /// Per session: (tell VRRP, tell the checkers).
    pub audience: BTreeMap<String, Audience>,
}

/// Who hears of a session's state (keepalived's `vrrp` / `checker`
/// keywords; neither given: both).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Audience {
    /// VRRP (`track_bfd`).
    pub vrrp: bool,
    /// The checkers (`BFD_CHECK`).
    pub checker: bool,
}

/// The plan for `cfg`'s `bfd_instance`s; `None` when there are none (the
/// framework does not run, as keepalived starts no BFD child).
pub fn bfd_plan(cfg: &Config, seed: u64) -> Option<BfdPlan> {
    if cfg.bfd.instances.is_empty() {
        return None;
    }
    let mut audience = BTreeMap::new();
    let sessions = cfg
        .bfd
        .instances
        .iter()
        .filter_map(|b| {
            let s = session(b)?;
            let both = !b.vrrp && !b.checker;
            audience.insert(
                b.name.clone(),
                Audience {
                    vrrp: both || b.vrrp,
                    checker: both || b.checker,
                },
            );
            Some(s)
        })
        .collect();
    Some(BfdPlan {
        engine: EngineConfig { sessions, seed },
        audience,
    })
}

fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

/// One session; validation refused instances without a neighbour.
fn session(b: &BfdInstance) -> Option<SessionConfig> {
    let mut s = SessionConfig::new(b.name.clone(), b.neighbor?);
    s.source = b.source;
    s.min_rx = micros(b.min_rx);
    s.min_tx = micros(b.min_tx);
    s.idle_tx = micros(b.idle_tx);
    s.multiplier = b.multiplier;
    s.passive = b.passive;
    if let Some(ttl) = b.ttl {
        s.ttl = ttl;
    }
    // keepalived compat: max_hops is a uint8_t, so -1 is 255, which
    // turns the check off.
    s.max_hops = match u8::try_from(b.max_hops) {
        Ok(255) | Err(_) => None,
        Ok(h) => Some(h),
    };
    // keepalived 2.2.7 has no `multihop` keyword (2.2.8 added it).
    s.multihop = false;
    Some(s)
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;

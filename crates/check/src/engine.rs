//! The engine. (Skeleton: the interface the daemon codes against; the
//! checker-engine work fills it in.)

use ka_types::Instant;
use ka_types::lvs::DataPlane;

use crate::config::CheckConfig;
use crate::event::{Action, Event, Snapshot};

/// The checker engine.
#[derive(Debug)]
pub struct Engine {
    config: CheckConfig,
    table: DataPlane,
}

impl Engine {
    /// An engine for `config`, started at `now`: its first actions (the
    /// initial table and the first probes, spread over `warmup`) come
    /// from the first [`Engine::handle_timeout`]. `seed` drives the
    /// warmup spreading (no global random generator).
    pub fn new(config: CheckConfig, now: Instant, seed: u64) -> Self {
        let _ = (now, seed);
        Self {
            config,
            table: DataPlane::default(),
        }
    }

    /// The configuration it runs.
    pub fn config(&self) -> &CheckConfig {
        &self.config
    }

    /// The desired kernel table now.
    pub fn table(&self) -> &DataPlane {
        &self.table
    }

    /// Handles one input.
    pub fn handle(
        &mut self,
        now: Instant,
        event: Event,
        out: &mut Vec<Action>,
    ) {
        let _ = (now, event, out);
        todo!("checker engine")
    }

    /// Handles the timer set by [`Engine::poll_timeout`].
    pub fn handle_timeout(&mut self, now: Instant, out: &mut Vec<Action>) {
        let _ = (now, out);
        todo!("checker engine")
    }

    /// When the engine next needs [`Engine::handle_timeout`].
    pub fn poll_timeout(&self) -> Option<Instant> {
        todo!("checker engine")
    }

    /// The state for dumps and metrics.
    pub fn snapshot(&self, now: Instant) -> Snapshot {
        let _ = now;
        todo!("checker engine")
    }
}

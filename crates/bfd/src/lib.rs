//! The sans-IO BFD engine: RFC 5880 asynchronous-mode sessions, single
//! hop (RFC 5881) and multihop (RFC 5883), as keepalived 2.2.7's
//! `keepalived_bfd` runs them.
//!
//! [`Engine`] is a plain struct fed `(now, Event)` that appends
//! [`Action`]s; it never opens a socket, reads a clock or draws from a
//! global random generator (its seed is in [`EngineConfig`]). Deadlines
//! are state: [`Engine::poll_timeout`] says when to call
//! [`Engine::handle_timeout`]. Every protocol rule cites RFC 5880 or says
//! `keepalived compat:` where keepalived differs.
//!
//! ```
//! use ka_bfd::{Action, Engine, EngineConfig, Event, SessionConfig};
//! use ka_types::Instant;
//!
//! let s = SessionConfig::new("h1", "192.0.2.2".parse().unwrap());
//! let mut engine = Engine::new(EngineConfig { sessions: vec![s], seed: 1 });
//! let mut out = Vec::new();
//! engine.handle(Instant::ZERO, Event::Started, &mut out);
//! // The state is published (Down) and a first packet is sent at once.
//! assert!(matches!(out[0], Action::SessionState { up: false, .. }));
//! assert!(matches!(out[1], Action::Send { .. }));
//! // Then every idle_tx (1 s) less 0–25% jitter.
//! let next = engine.poll_timeout().unwrap();
//! assert!(next >= Instant::from_millis(750) && next <= Instant::from_secs(1));
//! ```
#![warn(missing_docs)]

mod config;
mod engine;
mod event;
mod rng;
mod session;
mod snapshot;

pub use config::{EngineConfig, SessionConfig};
pub use engine::Engine;
pub use event::{Action, Event, LogLevel, LogLine};
pub use ka_wire::bfd::{Diag, Repr, State};
pub use snapshot::{SessionSnapshot, Snapshot};

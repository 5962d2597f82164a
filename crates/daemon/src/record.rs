//! `--record-events=FILE`: every step of an engine written as JSON lines
//! (the format of [`ka_types::record`]), so a field run can be replayed
//! into a fresh engine (`ka_testkit::golden`) and become a test.
//!
//! [`Recorder`] is engine-neutral; [`RecordedEngine`] wraps the VRRP
//! engine so that the runtime's calls (`handle`, `handle_timeout`,
//! `poll_timeout`, `snapshot`) are unchanged and each call is written as
//! one step. A checker or BFD engine gets the same wrapper in the generic
//! loop.
//!
//! The file is created afresh with mode 0600 and never through a symlink
//! (it holds the configuration, authentication passwords included).
//! Each step is flushed at once so a crash loses nothing. A write error
//! is logged once and recording stops; the daemon carries on.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use ka_types::Instant;
use ka_types::record::{EngineKind, Input, header_line, step_line};
use ka_vrrp::{Action, Engine, EngineConfig, Event, Snapshot};
use serde::Serialize;

use crate::log::target;

/// Why recording failed.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The file could not be created.
    #[error("cannot create {path}: {source}")]
    Create {
        /// The file.
        path: PathBuf,
        /// The system's reason.
        #[source]
        source: io::Error,
    },
    /// A line could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The system's reason.
        #[source]
        source: io::Error,
    },
    /// A value could not be encoded as JSON.
    #[error("cannot encode a recorded step: {0}")]
    Encode(#[from] serde_json::Error),
}

/// Writes one engine's recording.
#[derive(Debug)]
pub struct Recorder {
    path: PathBuf,
    out: BufWriter<File>,
}

// ===== impl Recorder =====

impl Recorder {
    /// Creates `path` (replacing any old file) and writes the header for
    /// an `engine` built from `config`.
    pub fn create<C: Serialize>(
        path: &Path,
        engine: EngineKind,
        config: &C,
    ) -> Result<Self, RecordError> {
        let file = ka_sys::files::create_private(path).map_err(|source| {
            RecordError::Create {
                path: path.to_owned(),
                source,
            }
        })?;
        let mut rec = Self {
            path: path.to_owned(),
            out: BufWriter::new(file),
        };
        rec.line(&header_line(engine, config)?)?;
        Ok(rec)
    }

    /// Writes one step: the call's time, its input and the actions it
    /// returned.
    pub fn step<E: Serialize, C: Serialize, A: Serialize>(
        &mut self,
        at: Instant,
        input: Input<&E, &C>,
        actions: &[A],
    ) -> Result<(), RecordError> {
        self.line(&step_line(at, input, actions)?)
    }

    fn line(&mut self, line: &str) -> Result<(), RecordError> {
        let res = writeln!(self.out, "{line}").and_then(|()| self.out.flush());
        res.map_err(|source| RecordError::Write {
            path: self.path.clone(),
            source,
        })
    }
}

/// The VRRP engine, recording every call when a recorder is attached.
#[derive(Debug)]
pub(crate) struct RecordedEngine {
    engine: Engine,
    recorder: Option<Recorder>,
}

// ===== impl RecordedEngine =====

impl RecordedEngine {
    /// Builds the engine from `config`; with `record`, creates that file
    /// and records into it (a failure is logged and the engine runs
    /// unrecorded).
    pub(crate) fn new(config: EngineConfig, record: Option<&Path>) -> Self {
        let recorder = record.and_then(|path| {
            Recorder::create(path, EngineKind::Vrrp, &config)
                .inspect_err(|e| tracing::error!(target: target::VRRP, "--record-events: {e}"))
                .ok()
        });
        Self {
            engine: Engine::new(config),
            recorder,
        }
    }

    /// [`Engine::handle`], recorded.
    pub(crate) fn handle(
        &mut self,
        now: Instant,
        ev: Event,
        out: &mut Vec<Action>,
    ) {
        let Some(rec) = &mut self.recorder else {
            return self.engine.handle(now, ev, out);
        };
        let from = out.len();
        let input = ev.clone();
        self.engine.handle(now, ev, out);
        let input = match &input {
            Event::Reloaded(cfg) => Input::Reload(&**cfg),
            other => Input::Event(other),
        };
        let res = rec.step(now, input, &out[from..]);
        self.check(res);
    }

    /// [`Engine::handle_timeout`], recorded.
    pub(crate) fn handle_timeout(
        &mut self,
        now: Instant,
        out: &mut Vec<Action>,
    ) {
        let from = out.len();
        self.engine.handle_timeout(now, out);
        if let Some(rec) = &mut self.recorder {
            let res = rec.step::<Event, EngineConfig, _>(
                now,
                Input::Timeout,
                &out[from..],
            );
            self.check(res);
        }
    }

    /// [`Engine::poll_timeout`].
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.engine.poll_timeout()
    }

    /// [`Engine::snapshot`].
    pub(crate) fn snapshot(&self) -> Snapshot {
        self.engine.snapshot()
    }

    /// Stops recording after the first failure (logged once).
    fn check(&mut self, res: Result<(), RecordError>) {
        if let Err(e) = res {
            tracing::error!(target: target::VRRP, "--record-events: {e}; recording stopped");
            self.recorder = None;
        }
    }
}

#[cfg(test)]
#[path = "record_tests.rs"]
mod tests;

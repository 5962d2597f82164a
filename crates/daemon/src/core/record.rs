//! `--record-events=FILE`: every step of an engine written as JSON lines
//! (the format of [`ka_types::record`]), so a field run can be replayed
//! into a fresh engine (`ka_testkit::golden`) and become a test.
//!
//! [`Recorder`] is engine-neutral: the generic loop
//! ([`super::driver::Driver::step`], the one place an engine is called)
//! writes each call as one step, so every framework's engine is recorded
//! the same way. The header names the engine kind
//! ([`super::driver::Engine::KIND`]).
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
use serde::Serialize;

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

//! Recorded engine runs: the JSON-lines format every sans-IO engine is
//! recorded in and replayed from (holo's event recorder, STYLE-ANCHORS
//! §1.9).
//!
//! A recording is text, one JSON object per line:
//!
//! ```text
//! {"format":1,"engine":"vrrp","config":{…}}                    header
//! {"at":0,"input":{"Event":"Started"},"actions":[…]}           one step
//! {"at":3609375,"input":"Timeout","actions":[…]}
//! {"at":9000000,"input":{"Reload":{…}},"actions":[…]}
//! ```
//!
//! The header names the engine and holds the configuration it was built
//! with. Each step is one call into the engine: the engine time it was
//! given (`at`, microseconds on the engine's clock), the input (an event,
//! a timeout, or a reload with the new configuration) and the actions the
//! engine returned, in order. Replaying the inputs at their times into a
//! fresh engine built from the header must return the same actions: the
//! engines are deterministic functions of their inputs (DESIGN.md §2).
//!
//! The types are generic over the engine's configuration `C`, event `E`
//! and action `A`, so the format serves VRRP today and the checker and
//! BFD engines later. Writing is split from reading ([`header_line`],
//! [`step_line`]) so a recorder serialises borrowed values without
//! cloning them.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::Instant;

/// The version written in every header; bump it when a line's shape
/// changes incompatibly.
pub const FORMAT_VERSION: u32 = 1;

/// Which engine a recording belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// The VRRP engine (`ka_vrrp::Engine`).
    Vrrp,
    /// The checker engine (`ka_check::Engine`).
    Check,
}

impl EngineKind {
    /// The name written in the header.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Vrrp => "vrrp",
            Self::Check => "check",
        }
    }
}

/// The first line of a recording.
#[derive(Clone, Debug, PartialEq)]
#[derive(Serialize, Deserialize)]
pub struct Header<C> {
    /// [`FORMAT_VERSION`] of the writer.
    pub format: u32,
    /// The engine that was recorded.
    pub engine: EngineKind,
    /// The configuration the engine was built with.
    pub config: C,
}

/// What one engine call was given besides the time.
#[derive(Clone, Debug, PartialEq)]
#[derive(Serialize, Deserialize)]
pub enum Input<E, C> {
    /// `handle(now, event)`.
    Event(E),
    /// `handle_timeout(now)`.
    Timeout,
    /// A reload with the new configuration (for VRRP, the
    /// `Event::Reloaded` event).
    Reload(C),
}

impl<E, C> Input<E, C> {
    /// The same input holding references, for [`step_line`].
    pub const fn as_ref(&self) -> Input<&E, &C> {
        match self {
            Self::Event(e) => Input::Event(e),
            Self::Timeout => Input::Timeout,
            Self::Reload(c) => Input::Reload(c),
        }
    }
}

/// One engine call and what it returned.
#[derive(Clone, Debug, PartialEq)]
#[derive(Serialize, Deserialize)]
pub struct Step<E, C, A> {
    /// The engine time of the call.
    pub at: Instant,
    /// The input.
    pub input: Input<E, C>,
    /// The actions the call appended, in order.
    pub actions: Vec<A>,
}

/// A whole recording: the header and every step.
#[derive(Clone, Debug, PartialEq)]
pub struct Recording<E, C, A> {
    /// The header line.
    pub header: Header<C>,
    /// The steps, in call order.
    pub steps: Vec<Step<E, C, A>>,
}

/// Why a recording cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The text has no header line.
    #[error("recording is empty (no header line)")]
    Empty,
    /// A line is not valid JSON for its place in the file.
    #[error("line {line}: {source}")]
    Json {
        /// 1-based line number.
        line: usize,
        /// The parser's complaint.
        #[source]
        source: serde_json::Error,
    },
    /// The header's format version is not [`FORMAT_VERSION`].
    #[error("recording format {found}, this build reads {FORMAT_VERSION}")]
    Format {
        /// The version in the header.
        found: u32,
    },
    /// The recording is of another engine.
    #[error("recording of the {found} engine, expected {expected}")]
    WrongEngine {
        /// The engine the reader wanted.
        expected: &'static str,
        /// The engine in the header.
        found: &'static str,
    },
}

/// A step borrowed for writing; serialises exactly as [`Step`].
#[derive(Serialize)]
struct StepRef<'a, E, C, A> {
    at: Instant,
    input: Input<&'a E, &'a C>,
    actions: &'a [A],
}

// ===== impl Recording =====

impl<E, C, A> Recording<E, C, A>
where
    E: DeserializeOwned,
    C: DeserializeOwned,
    A: DeserializeOwned,
{
    /// Reads a recording of engine `kind` from JSON-lines text; blank
    /// lines are skipped.
    pub fn parse(text: &str, kind: EngineKind) -> Result<Self, RecordError> {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let (n, first) = lines.next().ok_or(RecordError::Empty)?;
        let header: Header<C> =
            serde_json::from_str(first).map_err(|source| {
                RecordError::Json {
                    line: n + 1,
                    source,
                }
            })?;
        if header.format != FORMAT_VERSION {
            return Err(RecordError::Format {
                found: header.format,
            });
        }
        if header.engine != kind {
            return Err(RecordError::WrongEngine {
                expected: kind.as_str(),
                found: header.engine.as_str(),
            });
        }
        let steps = lines
            .map(|(n, l)| {
                serde_json::from_str(l).map_err(|source| RecordError::Json {
                    line: n + 1,
                    source,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { header, steps })
    }
}

impl<E, C, A> Recording<E, C, A>
where
    E: Serialize,
    C: Serialize,
    A: Serialize,
{
    /// The recording as JSON-lines text, one line per step, each ending
    /// in a newline.
    pub fn to_jsonl(&self) -> Result<String, serde_json::Error> {
        let mut text = header_line(self.header.engine, &self.header.config)?;
        text.push('\n');
        for s in &self.steps {
            text.push_str(&step_line(s.at, s.input.as_ref(), &s.actions)?);
            text.push('\n');
        }
        Ok(text)
    }
}

// ===== global functions =====

/// The header line (without its newline) for an engine built from
/// `config`.
pub fn header_line<C: Serialize>(
    engine: EngineKind,
    config: &C,
) -> Result<String, serde_json::Error> {
    serde_json::to_string(&Header {
        format: FORMAT_VERSION,
        engine,
        config,
    })
}

/// One step's line (without its newline).
pub fn step_line<E: Serialize, C: Serialize, A: Serialize>(
    at: Instant,
    input: Input<&E, &C>,
    actions: &[A],
) -> Result<String, serde_json::Error> {
    serde_json::to_string(&StepRef { at, input, actions })
}

#[cfg(test)]
#[path = "record_tests.rs"]
mod tests;

//! Golden replay (holo's conformance tests, STYLE-ANCHORS §1.9 and
//! §8.7 level 4): a recorded engine run (`--record-events`, the format
//! of [`ka_types::record`]) is fed into a fresh engine built from the
//! recording's configuration, every input at its recorded time, and each
//! call must return exactly the recorded actions.
//!
//! The first divergence is reported with the step, its time and input,
//! and a line diff of the expected and actual actions
//! ([`Divergence`]'s `Display`).
//!
//! `KA_UPDATE_GOLDEN=1` makes [`check_file`] rewrite the recorded
//! actions from the current engine instead of comparing (same inputs,
//! same times): for a deliberate behaviour change, whose diff is then
//! reviewed like code.

use std::fmt;
use std::fmt::Debug;
use std::path::{Path, PathBuf};

use ka_types::Instant;
use ka_vrrp::{Action, Engine, EngineConfig, Event};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use ka_types::record::{EngineKind, Input, RecordError, Recording, Step};

/// The environment variable that turns checking into rewriting.
pub const UPDATE_ENV: &str = "KA_UPDATE_GOLDEN";

/// How long an input or action is shown in a divergence report.
const SHOWN_CHARS: usize = 400;

/// An engine that can be rebuilt from a recording and driven by it.
pub trait Replay {
    /// The engine named in the recording's header.
    const KIND: EngineKind;
    /// Its configuration.
    type Config: Serialize + DeserializeOwned + Clone;
    /// Its events.
    type Event: Serialize + DeserializeOwned + Clone;
    /// Its actions.
    type Action: Serialize + DeserializeOwned + PartialEq + Clone + Debug;

    /// A fresh engine, as the recorded one was built.
    fn build(config: Self::Config) -> Self;

    /// One recorded call: `input` at `at`, actions appended to `out`.
    fn step(
        &mut self,
        at: Instant,
        input: Input<Self::Event, Self::Config>,
        out: &mut Vec<Self::Action>,
    );
}

/// A recording of the VRRP engine.
pub type VrrpRecording = Recording<Event, EngineConfig, Action>;

/// A recording of engine `R`.
pub type RecordingOf<R> = Recording<
    <R as Replay>::Event,
    <R as Replay>::Config,
    <R as Replay>::Action,
>;

/// The first step whose actions differ from the recorded ones.
#[derive(Clone, Debug, PartialEq)]
pub struct Divergence<A> {
    /// Index of the step (0 = the line after the header).
    pub step: usize,
    /// Its engine time.
    pub at: Instant,
    /// Its input, as JSON.
    pub input: String,
    /// The recorded actions.
    pub expected: Vec<A>,
    /// What the fresh engine returned.
    pub actual: Vec<A>,
}

/// Why a golden file does not check.
#[derive(Debug)]
pub enum GoldenError<A> {
    /// The file cannot be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// The system's reason.
        source: std::io::Error,
    },
    /// The file is not a recording of this engine.
    Record(RecordError),
    /// The updated recording cannot be encoded.
    Encode(serde_json::Error),
    /// Replaying it gives other actions.
    Diverged(Box<Divergence<A>>),
}

// ===== impl Replay for the VRRP engine =====

impl Replay for Engine {
    const KIND: EngineKind = EngineKind::Vrrp;
    type Config = EngineConfig;
    type Event = Event;
    type Action = Action;

    fn build(config: EngineConfig) -> Self {
        Self::new(config)
    }

    fn step(
        &mut self,
        at: Instant,
        input: Input<Event, EngineConfig>,
        out: &mut Vec<Action>,
    ) {
        match input {
            Input::Event(ev) => self.handle(at, ev, out),
            Input::Timeout => self.handle_timeout(at, out),
            Input::Reload(cfg) => {
                self.handle(at, Event::Reloaded(Box::new(cfg)), out);
            }
        }
    }
}

// ===== impl Divergence =====

impl<A: Serialize> fmt::Display for Divergence<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "replay diverged at step {} (line {} of the recording), t={}",
            self.step,
            self.step + 2,
            self.at
        )?;
        writeln!(f, "input: {}", shorten(&self.input))?;
        let expected: Vec<String> = self.expected.iter().map(json).collect();
        let actual: Vec<String> = self.actual.iter().map(json).collect();
        let same = expected
            .iter()
            .zip(&actual)
            .take_while(|(e, a)| e == a)
            .count();
        writeln!(
            f,
            "actions: {} recorded, {} now; first difference at action {same}",
            expected.len(),
            actual.len()
        )?;
        for (i, e) in expected.iter().enumerate().take(same) {
            writeln!(f, "  [{i}] {}", shorten(e))?;
        }
        for (i, e) in expected.iter().enumerate().skip(same) {
            writeln!(f, "- [{i}] {}", shorten(e))?;
        }
        for (i, a) in actual.iter().enumerate().skip(same) {
            writeln!(f, "+ [{i}] {}", shorten(a))?;
        }
        Ok(())
    }
}

// ===== impl GoldenError =====

impl<A: Serialize> fmt::Display for GoldenError<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => {
                write!(f, "{}: {source}", path.display())
            }
            Self::Record(e) => write!(f, "not a usable recording: {e}"),
            Self::Encode(e) => write!(f, "cannot encode the recording: {e}"),
            Self::Diverged(d) => write!(f, "{d}"),
        }
    }
}

impl<A: Serialize + Debug> std::error::Error for GoldenError<A> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            Self::Record(e) => Some(e),
            Self::Encode(e) => Some(e),
            Self::Diverged(_) => None,
        }
    }
}

// ===== global functions =====

/// Replays `rec` into a fresh engine; `Err` is the first step whose
/// actions differ from the recorded ones.
pub fn replay<R: Replay>(
    rec: &RecordingOf<R>,
) -> Result<(), Box<Divergence<R::Action>>> {
    let mut engine = R::build(rec.header.config.clone());
    let mut out = Vec::new();
    for (i, s) in rec.steps.iter().enumerate() {
        out.clear();
        engine.step(s.at, s.input.clone(), &mut out);
        if out != s.actions {
            return Err(Box::new(Divergence {
                step: i,
                at: s.at,
                input: json(&s.input),
                expected: s.actions.clone(),
                actual: std::mem::take(&mut out),
            }));
        }
    }
    Ok(())
}

/// The same inputs at the same times, with the actions a fresh engine
/// returns now (how goldens are updated after a deliberate change).
pub fn rerecord<R: Replay>(rec: &RecordingOf<R>) -> RecordingOf<R> {
    let mut engine = R::build(rec.header.config.clone());
    let steps = rec
        .steps
        .iter()
        .map(|s| {
            let mut actions = Vec::new();
            engine.step(s.at, s.input.clone(), &mut actions);
            Step {
                at: s.at,
                input: s.input.clone(),
                actions,
            }
        })
        .collect();
    Recording {
        header: rec.header.clone(),
        steps,
    }
}

/// Reads a golden recording and replays it; with `KA_UPDATE_GOLDEN=1`
/// set, rewrites its actions from the current engine instead
/// ([`update_file`]).
pub fn check_file<R: Replay>(
    path: &Path,
) -> Result<(), GoldenError<R::Action>> {
    if std::env::var_os(UPDATE_ENV).is_some_and(|v| v == "1") {
        return update_file::<R>(path).map(|_| ());
    }
    let rec = read_file::<R>(path)?;
    replay::<R>(&rec).map_err(GoldenError::Diverged)
}

/// Rewrites a golden's actions from the current engine (same inputs,
/// same times); returns whether the file changed. The file is replaced
/// atomically, as other tests may be reading it.
pub fn update_file<R: Replay>(
    path: &Path,
) -> Result<bool, GoldenError<R::Action>> {
    let io = |source| GoldenError::Io {
        path: path.to_owned(),
        source,
    };
    let rec = read_file::<R>(path)?;
    let new = rerecord::<R>(&rec)
        .to_jsonl()
        .map_err(GoldenError::Encode)?;
    if std::fs::read_to_string(path).map_err(io)? == new {
        return Ok(false);
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, new)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(io)?;
    Ok(true)
}

/// Reads a recording of engine `R` from `path`.
pub fn read_file<R: Replay>(
    path: &Path,
) -> Result<RecordingOf<R>, GoldenError<R::Action>> {
    let text =
        std::fs::read_to_string(path).map_err(|source| GoldenError::Io {
            path: path.to_owned(),
            source,
        })?;
    RecordingOf::<R>::parse(&text, R::KIND).map_err(GoldenError::Record)
}

fn json<T: Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|e| format!("<unencodable: {e}>"))
}

fn shorten(s: &str) -> String {
    match s.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => format!("{}… ({} chars)", &s[..cut], s.len()),
        None => s.to_owned(),
    }
}

/// One instance, `VI_1` (VRID 51, IPv4, one VIP 192.0.2.100) at
/// `priority`: the configuration unit tests record and replay.
pub fn sample_config(priority: u8) -> EngineConfig {
    let mut i = ka_vrrp::InstanceConfig::new(
        "VI_1",
        ka_vrrp::Vrid::new(51).expect("VRID 51"),
        ka_vrrp::Priority::new(priority),
    );
    i.vips.push(ka_vrrp::Vip::host(
        std::net::Ipv4Addr::new(192, 0, 2, 100).into(),
    ));
    EngineConfig {
        instances: vec![i],
        ..Default::default()
    }
}

#[cfg(test)]
#[path = "golden_tests.rs"]
mod tests;

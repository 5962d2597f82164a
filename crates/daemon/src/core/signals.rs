//! The signals an operator sends, as keepalived 2.2.7 handles them.
//!
//! keepalived's numbers (`lib/signals.h`, printed by `--signum`): STOP is
//! SIGTERM (and SIGINT), RELOAD SIGHUP, DATA SIGUSR1, STATS SIGUSR2, JSON
//! SIGRTMIN+2 and STATS_CLEAR SIGRTMAX-1. TDUMP (SIGRTMAX) exists only in
//! keepalived's debug builds; like every other signal, it is ignored
//! ([`ka_sys::process::ignore_operator_signals`]), so none can kill the
//! daemon without its shutdown.

use std::io;

use tokio::signal::unix::{Signal, SignalKind, signal};

/// What a received signal asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// SIGTERM, SIGINT: resign, remove addresses, exit.
    Stop,
    /// SIGHUP: reload the configuration.
    Reload,
    /// SIGUSR1: write `keepalived.data`.
    Data,
    /// SIGUSR2: write `keepalived.stats`.
    Stats,
    /// SIGRTMAX-1: write `keepalived.stats`, then zero the counters.
    StatsClear,
    /// SIGRTMIN+2: write `keepalived.json`.
    Json,
}

/// keepalived's `SIGJSON`.
pub fn sigjson() -> i32 {
    nix::libc::SIGRTMIN() + 2
}

/// keepalived's `SIGSTATS_CLEAR`.
pub fn sigstats_clear() -> i32 {
    nix::libc::SIGRTMAX() - 1
}

/// Ignores every signal keepalived ignores except SIGTERM and SIGINT,
/// which keep stopping the process until [`Signals::install`] takes them
/// over (keepalived compat: `signals_ignore()` at start ignores the
/// reload and dump signals, and keepalived ignores everything else).
pub fn ignore_early() -> io::Result<()> {
    ka_sys::process::ignore_operator_signals(&[
        nix::libc::SIGTERM,
        nix::libc::SIGINT,
    ])
}

/// The daemon's signal streams.
#[derive(Debug)]
pub struct Signals {
    term: Signal,
    int: Signal,
    hup: Signal,
    usr1: Signal,
    usr2: Signal,
    json: Signal,
    stats_clear: Signal,
}

impl Signals {
    /// Ignores every signal keepalived ignores, then takes over the ones
    /// it handles. Needs a running tokio runtime.
    pub fn install() -> io::Result<Self> {
        ka_sys::process::ignore_operator_signals(&[])?;
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
            usr1: signal(SignalKind::user_defined1())?,
            usr2: signal(SignalKind::user_defined2())?,
            json: signal(SignalKind::from_raw(sigjson()))?,
            stats_clear: signal(SignalKind::from_raw(sigstats_clear()))?,
        })
    }

    /// The next request.
    pub async fn recv(&mut self) -> Request {
        tokio::select! {
            _ = self.term.recv() => Request::Stop,
            _ = self.int.recv() => Request::Stop,
            _ = self.hup.recv() => Request::Reload,
            _ = self.usr1.recv() => Request::Data,
            _ = self.usr2.recv() => Request::Stats,
            _ = self.json.recv() => Request::Json,
            _ = self.stats_clear.recv() => Request::StatsClear,
        }
    }
}

//! The checker runtime's drivers as traits, one per surface: the kernel
//! table (IPVS or nftables), the probes, the notify scripts and FIFO, and
//! the addresses `ha_suspend` watches. `system.rs` implements them for
//! real, `fake.rs` in memory for the runtime's unit tests.

use std::error::Error as StdError;
use std::io;
use std::net::IpAddr;
use std::time::Duration;

use ka_check::{CheckerId, ProbeResult};
use ka_sys::script::ScriptSpec;
use ka_types::lvs::Op;

use super::plan::{CheckPlan, LvsGlobals};
use crate::vrrp::plan::FifoSpec;

/// A data-plane backend failed.
#[derive(Debug, thiserror::Error)]
#[error("{backend}: {source}")]
pub struct DataPlaneError {
    /// `IPVS` or `nftables`.
    pub backend: &'static str,
    /// What failed.
    #[source]
    pub source: Box<dyn StdError + Send + Sync>,
}

impl DataPlaneError {
    /// An error of `backend`.
    pub fn new(
        backend: &'static str,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> Self {
        Self {
            backend,
            source: source.into(),
        }
    }
}

/// The kernel's load-balancing table.
pub(crate) trait DataPlaneIo {
    /// At start, before the first change: `lvs_flush` and `lvs_timeouts`
    /// (a backend that cannot honour a setting says so in the error).
    fn start(
        &mut self,
        lvs: &LvsGlobals,
    ) -> impl Future<Output = Result<(), DataPlaneError>>;
    /// Applies the changes of one engine step, in order.
    fn apply(
        &mut self,
        ops: &[Op],
    ) -> impl Future<Output = Result<(), DataPlaneError>>;
    /// `lvs_flush_on_stop` (whole table) at shutdown.
    fn flush(&mut self) -> impl Future<Output = Result<(), DataPlaneError>>;
    /// Shutdown with the table left as it is (`-I`), or after the
    /// engine's removals: the backend releases what it holds.
    fn close(
        &mut self,
        release: bool,
    ) -> impl Future<Output = Result<(), DataPlaneError>>;
}

/// A finished probe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ProbeDone {
    /// The checker.
    pub(crate) id: CheckerId,
    /// The token of its start.
    pub(crate) token: u64,
    /// What it found.
    pub(crate) result: ProbeResult,
    /// How long it took.
    pub(crate) latency: Duration,
}

/// The probes: one attempt per start, every attempt concurrent (as
/// keepalived runs them).
pub(crate) trait ProbeIo {
    /// Follows a plan: the probe of every checker is built from it (a
    /// probe that cannot be built is logged; its attempts fail).
    fn configure(&mut self, plan: &CheckPlan);
    /// Starts one attempt of checker `id`'s probe; an HTTP_GET/SSL_GET
    /// fetches only its url `url` (keepalived's `url_it`).
    fn start(&mut self, id: CheckerId, token: u64, url: u32);
    /// Sends the attempts started since the last call on their way (a
    /// driver may queue [`Self::start`]s to hand them over together);
    /// called once the actions of an engine step are taken in.
    fn flush(&mut self) {}
    /// The next finished attempt; pending while none runs. Cancel-safe.
    fn next_done(&mut self) -> impl Future<Output = ProbeDone>;
    /// A finished attempt not yet taken, without waiting; `None` when
    /// none has finished.
    fn try_done(&mut self) -> Option<ProbeDone>;
    /// Stops every running attempt.
    fn stop_all(&mut self);
}

/// Which queue a notification goes to: one per real server and one per
/// virtual server, so each one's scripts run in order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum NotifyKey {
    /// A real server, by its virtual and real server names.
    Rs(String, String),
    /// A virtual server, by name.
    Vs(String),
}

/// Notify scripts and the FIFO.
pub(crate) trait NotifyIo {
    /// Opens the FIFO of a (re)loaded plan, closing the old one first.
    fn configure(&mut self, fifo: Option<&FifoSpec>);
    /// Writes `line` to the FIFO now and queues `scripts` after the
    /// ones queued before for `key`; with `wait`, waits (at most that
    /// long) until they have run.
    fn push(
        &mut self,
        key: NotifyKey,
        line: &str,
        scripts: Vec<ScriptSpec>,
        wait: Option<Duration>,
    ) -> impl Future<Output = ()>;
}

/// The host's addresses (`ha_suspend`).
pub(crate) trait AddrIo {
    /// Every address on the host now.
    fn dump(&mut self) -> impl Future<Output = io::Result<Vec<IpAddr>>>;
    /// The next address added (`true`) or removed; `None` when the
    /// source ended. Cancel-safe.
    fn next_change(&mut self) -> impl Future<Output = Option<(IpAddr, bool)>>;
}

/// The set of drivers a runtime runs on.
pub(crate) trait Io {
    /// The kernel table.
    type DataPlane: DataPlaneIo;
    /// The probes.
    type Probes: ProbeIo;
    /// Notify scripts and FIFO.
    type Notify: NotifyIo;
    /// Addresses, for `ha_suspend`.
    type Addrs: AddrIo;
}

/// One runtime's drivers.
pub(crate) struct Drivers<I: Io> {
    /// The kernel table.
    pub(crate) dataplane: I::DataPlane,
    /// The probes.
    pub(crate) probes: I::Probes,
    /// Notify scripts and FIFO.
    pub(crate) notify: I::Notify,
    /// Addresses; `None` when no virtual server uses `ha_suspend`.
    pub(crate) addrs: Option<I::Addrs>,
}

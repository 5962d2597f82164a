//! In-memory drivers for the checker runtime's unit tests: each records
//! what it was asked to do in state the test shares, and the test plays
//! the outside world (probe results, address changes).

use std::io;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use ka_check::{CheckerId, ProbeResult};
use ka_sys::script::ScriptSpec;
use ka_types::lvs::{DataPlane, Op};
use tokio::sync::mpsc;

use super::io::{
    AddrIo, DataPlaneError, DataPlaneIo, Drivers, Io, NotifyIo, NotifyKey,
    ProbeDone, ProbeIo,
};
use super::plan::{CheckPlan, LvsGlobals};
use crate::vrrp::plan::FifoSpec;

/// What the fakes saw, shared with the test.
#[derive(Debug, Default)]
pub(crate) struct World {
    /// The table the data plane holds.
    pub(crate) table: DataPlane,
    /// Every batch of changes applied, in order.
    pub(crate) batches: Vec<Vec<Op>>,
    /// `flush` calls.
    pub(crate) flushes: u32,
    /// `close(release)` calls.
    pub(crate) closed: Vec<bool>,
    /// The start settings given.
    pub(crate) started: Option<LvsGlobals>,
    /// Probe attempts started and not answered yet.
    pub(crate) running: Vec<(CheckerId, u64)>,
    /// Every probe attempt started.
    pub(crate) starts: Vec<(CheckerId, u64)>,
    /// FIFO lines written.
    pub(crate) lines: Vec<String>,
    /// Scripts queued, with their key.
    pub(crate) scripts: Vec<(NotifyKey, Vec<String>)>,
    /// Notifications pushed with a wait (shutdown).
    pub(crate) waited: u32,
    /// The FIFO paths configured, in order.
    pub(crate) fifos: Vec<Option<String>>,
}

/// A handle on the fakes' shared state and inputs.
#[derive(Clone, Debug)]
pub(crate) struct Handle {
    world: Arc<Mutex<World>>,
    done: mpsc::UnboundedSender<ProbeDone>,
    addrs: mpsc::UnboundedSender<(IpAddr, bool)>,
}

impl Handle {
    /// The shared state.
    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Answers every running probe attempt for which `result` returns a
    /// result; returns how many were answered.
    pub(crate) fn answer(
        &self,
        mut result: impl FnMut(CheckerId) -> Option<ProbeResult>,
    ) -> usize {
        let running = std::mem::take(&mut self.world().running);
        let mut n = 0;
        let mut keep = Vec::new();
        for (id, token) in running {
            match result(id) {
                Some(r) => {
                    n += 1;
                    let _ = self.done.send(ProbeDone {
                        id,
                        token,
                        result: r,
                        latency: Duration::from_millis(1),
                    });
                }
                None => keep.push((id, token)),
            }
        }
        self.world().running.extend(keep);
        n
    }

    /// An address appears on (`true`) or leaves the host.
    pub(crate) fn address(&self, addr: IpAddr, present: bool) {
        let _ = self.addrs.send((addr, present));
    }
}

/// The fake driver set.
#[derive(Debug)]
pub(crate) struct Fake;

impl Io for Fake {
    type DataPlane = FakeDataPlane;
    type Probes = FakeProbes;
    type Notify = FakeNotify;
    type Addrs = FakeAddrs;
}

/// Drivers on one shared world; `here` are the addresses present at start
/// (`ha_suspend`), `None` for no address driver.
pub(crate) fn drivers(here: Option<Vec<IpAddr>>) -> (Drivers<Fake>, Handle) {
    let world = Arc::new(Mutex::new(World::default()));
    let (done, done_rx) = mpsc::unbounded_channel();
    let (addrs, addrs_rx) = mpsc::unbounded_channel();
    let d = Drivers {
        dataplane: FakeDataPlane {
            world: world.clone(),
        },
        probes: FakeProbes {
            world: world.clone(),
            done: done_rx,
        },
        notify: FakeNotify {
            world: world.clone(),
        },
        addrs: here.map(|here| FakeAddrs {
            here,
            changes: addrs_rx,
        }),
    };
    (d, Handle { world, done, addrs })
}

fn lock(w: &Arc<Mutex<World>>) -> MutexGuard<'_, World> {
    w.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The table, in memory.
#[derive(Debug)]
pub(crate) struct FakeDataPlane {
    world: Arc<Mutex<World>>,
}

impl DataPlaneIo for FakeDataPlane {
    async fn start(&mut self, lvs: &LvsGlobals) -> Result<(), DataPlaneError> {
        lock(&self.world).started = Some(*lvs);
        Ok(())
    }

    async fn apply(&mut self, ops: &[Op]) -> Result<(), DataPlaneError> {
        let mut w = lock(&self.world);
        ops.iter().for_each(|op| w.table.apply(op));
        w.batches.push(ops.to_vec());
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), DataPlaneError> {
        let mut w = lock(&self.world);
        w.flushes += 1;
        w.table = DataPlane::default();
        Ok(())
    }

    async fn close(&mut self, release: bool) -> Result<(), DataPlaneError> {
        lock(&self.world).closed.push(release);
        Ok(())
    }
}

/// Probe attempts recorded; results come from [`Handle::answer`].
#[derive(Debug)]
pub(crate) struct FakeProbes {
    world: Arc<Mutex<World>>,
    done: mpsc::UnboundedReceiver<ProbeDone>,
}

impl ProbeIo for FakeProbes {
    fn configure(&mut self, _plan: &CheckPlan) {}

    fn start(&mut self, id: CheckerId, token: u64, _url: u32) {
        let mut w = lock(&self.world);
        w.running.push((id, token));
        w.starts.push((id, token));
    }

    async fn next_done(&mut self) -> ProbeDone {
        match self.done.recv().await {
            Some(d) => d,
            None => std::future::pending().await,
        }
    }

    fn try_done(&mut self) -> Option<ProbeDone> {
        self.done.try_recv().ok()
    }

    fn stop_all(&mut self) {
        lock(&self.world).running.clear();
    }
}

/// Notifications recorded.
#[derive(Debug)]
pub(crate) struct FakeNotify {
    world: Arc<Mutex<World>>,
}

impl NotifyIo for FakeNotify {
    fn configure(&mut self, fifo: Option<&FifoSpec>) {
        lock(&self.world).fifos.push(fifo.map(|f| f.path.clone()));
    }

    async fn push(
        &mut self,
        key: NotifyKey,
        line: &str,
        scripts: Vec<ScriptSpec>,
        wait: Option<Duration>,
    ) {
        let mut w = lock(&self.world);
        w.lines.push(line.to_owned());
        for s in scripts {
            w.scripts.push((key.clone(), s.argv));
        }
        if wait.is_some() {
            w.waited += 1;
        }
    }
}

/// Addresses: a fixed dump, then the changes the test sends.
#[derive(Debug)]
pub(crate) struct FakeAddrs {
    here: Vec<IpAddr>,
    changes: mpsc::UnboundedReceiver<(IpAddr, bool)>,
}

impl AddrIo for FakeAddrs {
    async fn dump(&mut self) -> io::Result<Vec<IpAddr>> {
        Ok(self.here.clone())
    }

    async fn next_change(&mut self) -> Option<(IpAddr, bool)> {
        self.changes.recv().await
    }
}

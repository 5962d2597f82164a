//! The checker runtime: the `ka_check` engine on the generic driver loop
//! ([`crate::core::driver`]), fed by probe results, `track_file` values
//! (through the bus), address changes (`ha_suspend`) and the control
//! channel. Carrying out actions is in `dispatch.rs`.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ka_check::{Action, Event};
use ka_types::lvs::Op;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::Instrument as _;

use super::LvsBackend;
use super::io::{AddrIo, DataPlaneIo, Drivers, Io, NotifyIo, ProbeIo};
use super::plan::CheckPlan;
use super::sync_daemon::SyncDaemons;
use super::system;
use crate::core::bus::{Bus, Signal};
use crate::core::control;
use crate::core::driver::{self, Driver};
use crate::core::framework::Framework;
use crate::core::log::target;
use crate::core::smtp::{Mailer, SmtpConfig};
use crate::core::trackers::spawn_files;

mod dispatch;
mod mail;

/// At most this many finished attempts are taken in one turn of the loop
/// (bounded so that control requests and timers are not held back).
const PROBE_BATCH: usize = 256;

/// What the process asks of the checker runtime.
pub type Control = control::Control<CheckPlan, ka_check::Snapshot>;

/// How the process asked the checker framework to run.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// `--lvs-backend`.
    pub backend: LvsBackend,
    /// `-I/--dont-release-ipvs`: leave the table as it is at shutdown.
    pub dont_release: bool,
    /// `--record-events`: this framework's engine steps go to this file.
    pub record: Option<PathBuf>,
}

/// The checker runtime's state besides the engine.
pub(crate) struct Runtime<I: Io> {
    plan: CheckPlan,
    /// The plan before the last reload: the scripts of servers that
    /// reload removed (`Notify::RemovedRsDown` / `RemovedQuorumDown`).
    previous: Option<CheckPlan>,
    dataplane: I::DataPlane,
    probes: I::Probes,
    notify: I::Notify,
    addrs: Option<I::Addrs>,
    track: mpsc::UnboundedReceiver<Signal>,
    bus: Bus,
    trackers: Vec<JoinHandle<()>>,
    dont_release: bool,
    /// The engine was told to stop: notifications wait for their scripts
    /// (bounded), and the table follows `-I` / `lvs_flush_on_stop`.
    stopping: bool,
    /// Table changes that failed, for the rate-limited log.
    errors: u64,
    /// SMTP alerts (`smtp_server`), sent by their own task.
    mailer: Mailer,
    /// The plan's alert settings (`None`: no mail), with the host name
    /// read once per plan, as the VRRP mailer keeps them.
    smtp: Option<Arc<SmtpConfig>>,
    /// `lvs_sync_daemon`.
    sync: SyncDaemons,
}

/// Runs the checker runtime until `Control::Stop`. `track` was
/// subscribed to `bus` before any framework started, so the first values
/// of shared trackers are queued for this engine too.
pub async fn run(
    plan: CheckPlan,
    control: mpsc::UnboundedReceiver<Control>,
    bus: Bus,
    track: mpsc::UnboundedReceiver<Signal>,
    opts: RunOptions,
) -> io::Result<()> {
    for what in &plan.not_implemented {
        tracing::warn!(target: target::CHECK, "{what}");
    }
    let drivers = system::open(&plan, opts.backend).await?;
    run_with(plan, control, drivers, bus, track, &opts).await
}

/// Runs the checker runtime on `drivers` until `Control::Stop` (or until
/// the control channel closes).
pub(crate) async fn run_with<I: Io>(
    plan: CheckPlan,
    mut control: mpsc::UnboundedReceiver<Control>,
    drivers: Drivers<I>,
    bus: Bus,
    track: mpsc::UnboundedReceiver<Signal>,
    opts: &RunOptions,
) -> io::Result<()> {
    let span = Framework::Check.span();
    let mut rt = Runtime::start(plan, drivers, bus, track, opts.dont_release)
        .instrument(span.clone())
        .await;
    rt.sync = SyncDaemons::spawn(rt.plan.sync_daemon.as_ref(), opts.backend);
    let engine = ka_check::Engine::new(
        rt.plan.engine.clone(),
        ka_types::Instant::ZERO,
        seed(),
    );
    let mut driver = Driver::new(engine);
    if let Some(path) = opts.record.as_deref() {
        record(&mut driver, path, &rt.plan);
    }
    // Initial track_file values and addresses, so checkers start in the
    // state they call for.
    while let Ok(sig) = rt.track.try_recv() {
        rt.sync.signal(&sig);
        driver.step_all(event(sig));
    }
    let present = rt.initial_addresses().instrument(span.clone()).await;
    driver.step_all(present);
    driver
        .run(&mut rt, &mut control)
        .instrument(span)
        .await
        .map_err(io::Error::other)
}

fn record(
    driver: &mut Driver<ka_check::Engine>,
    path: &Path,
    plan: &CheckPlan,
) {
    if let Err(e) = driver.record(path, &plan.engine, Framework::Check) {
        tracing::error!(target: target::CHECK, "--record-events: {e}");
    }
}

/// The seed of the engine's warmup spreading: different per run, as
/// keepalived's `random()` seeded at start.
fn seed() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    t ^ u64::from(std::process::id()).rotate_left(32)
}

/// The engine event of a finished attempt.
fn done_event(done: super::io::ProbeDone) -> Event {
    Event::ProbeDone {
        id: done.id,
        token: done.token,
        result: done.result,
        latency: done.latency,
    }
}

/// The engine event of a bus signal: FILE_CHECK reads `track_file`
/// values, BFD_CHECK the states of sessions whose `bfd_instance` tells
/// the checkers; the other trackers are VRRP's.
fn event(sig: Signal) -> Option<Event> {
    match sig {
        Signal::FileValue { file, value } => {
            Some(Event::TrackFile { name: file, value })
        }
        Signal::BfdState {
            name,
            up,
            checker: true,
            ..
        } => Some(Event::BfdState { name, up }),
        _ => None,
    }
}

driver::engine_impl!(ka_check, Check, CheckConfig, snapshot);

impl<I: Io> driver::Framework for Runtime<I> {
    const KIND: Framework = Framework::Check;
    type Engine = ka_check::Engine;
    type Plan = CheckPlan;

    async fn dispatch(&mut self, out: &mut Vec<Action>) {
        Self::dispatch(self, out).await;
    }

    async fn next_events(&mut self) -> Vec<Event> {
        let addrs = async {
            match &mut self.addrs {
                Some(a) => a.next_change().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            done = self.probes.next_done() => {
                let mut v = vec![done_event(done)];
                self.finished_probes(&mut v);
                v
            }
            Some(sig) = self.track.recv() => {
                self.sync.signal(&sig);
                event(sig).into_iter().collect()
            }
            Some((addr, present)) = addrs => {
                self.address_event(addr, present).into_iter().collect()
            }
            else => std::future::pending().await,
        }
    }

    /// The attempts that finished before the deadline, so that a result
    /// already in counts before a timer due at the same time.
    fn ready_events(&mut self) -> Vec<Event> {
        let mut v = Vec::new();
        self.finished_probes(&mut v);
        v
    }

    async fn reload(&mut self, plan: CheckPlan) -> Event {
        for what in &plan.not_implemented {
            tracing::warn!(target: target::CHECK, "{what}");
        }
        self.probes.configure(&plan);
        self.notify.configure(plan.fifo.as_ref());
        self.trackers.iter().for_each(JoinHandle::abort);
        self.trackers = spawn_files(&plan.files, true, &self.bus)
            .into_iter()
            .collect();
        if self.addrs.is_none()
            && plan.engine.virtual_servers.iter().any(|v| v.ha_suspend)
        {
            tracing::warn!(target: target::CHECK, "ha_suspend added by a reload takes effect after a restart");
        }
        self.sync.reload(plan.sync_daemon.as_ref());
        self.smtp = mail::smtp_config(&plan);
        let cfg = plan.engine.clone();
        self.previous = Some(std::mem::replace(&mut self.plan, plan));
        Event::Reloaded(Box::new(cfg))
    }

    fn stop_event(&self) -> Event {
        Event::Stop
    }

    fn clear_stats_event(&self) -> Event {
        Event::ClearStats
    }

    /// Removal of every service the plan has.
    fn release_all(&self) -> Vec<Action> {
        self.plan
            .engine
            .virtual_servers
            .iter()
            .flat_map(|v| &v.services)
            .map(|s| Action::DataPlane {
                op: Op::DelService(s.key),
                reason: ka_check::Reason::Stop,
            })
            .collect()
    }

    async fn shutdown(&mut self, out: &mut Vec<Action>) {
        self.stopping = true;
        Self::dispatch(self, out).await;
        self.probes.stop_all();
        self.trackers.iter().for_each(JoinHandle::abort);
        self.sync.stop().await;
        let release = !self.dont_release;
        if let Err(e) = self.dataplane.close(release).await {
            tracing::error!(target: target::CHECK, "{e}");
        }
    }
}

impl<I: Io> Runtime<I> {
    /// Brings the drivers up: probes, notify FIFO, FILE_CHECK trackers,
    /// and the table backend's start settings.
    async fn start(
        plan: CheckPlan,
        d: Drivers<I>,
        bus: Bus,
        track: mpsc::UnboundedReceiver<Signal>,
        dont_release: bool,
    ) -> Self {
        let Drivers {
            mut dataplane,
            mut probes,
            mut notify,
            addrs,
        } = d;
        probes.configure(&plan);
        notify.configure(plan.fifo.as_ref());
        if let Err(e) = dataplane.start(&plan.lvs).await {
            tracing::error!(target: target::CHECK, "{e}");
        }
        let trackers =
            spawn_files(&plan.files, false, &bus).into_iter().collect();
        Self {
            smtp: mail::smtp_config(&plan),
            plan,
            previous: None,
            dataplane,
            probes,
            notify,
            addrs,
            track,
            bus,
            trackers,
            dont_release,
            stopping: false,
            errors: 0,
            mailer: Mailer::new(Framework::Check),
            sync: SyncDaemons::default(),
        }
    }

    /// Appends the attempts that already finished, at most
    /// [`PROBE_BATCH`] of them: under load one turn of the loop (one
    /// wake-up, one dispatch, one timer update) serves many results
    /// instead of one each.
    fn finished_probes(&mut self, v: &mut Vec<Event>) {
        for _ in 0..PROBE_BATCH {
            match self.probes.try_done() {
                Some(done) => v.push(done_event(done)),
                None => break,
            }
        }
    }

    /// The addresses `ha_suspend` watches, as present or not now.
    async fn initial_addresses(&mut self) -> Vec<Event> {
        let Some(a) = &mut self.addrs else {
            return Vec::new();
        };
        let here = match a.dump().await {
            Ok(h) => h,
            Err(e) => {
                tracing::error!(target: target::CHECK, "cannot read the host's addresses for ha_suspend: {e}");
                Vec::new()
            }
        };
        self.watched()
            .into_iter()
            .map(|addr| Event::Address {
                addr,
                present: here.contains(&addr),
            })
            .collect()
    }

    /// Every address some `ha_suspend` virtual server watches.
    fn watched(&self) -> Vec<std::net::IpAddr> {
        let mut v: Vec<_> = self
            .plan
            .engine
            .virtual_servers
            .iter()
            .flat_map(|v| v.vips.iter().copied())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    fn address_event(
        &self,
        addr: std::net::IpAddr,
        present: bool,
    ) -> Option<Event> {
        self.watched()
            .contains(&addr)
            .then_some(Event::Address { addr, present })
    }
}

#[cfg(test)]
mod tests;

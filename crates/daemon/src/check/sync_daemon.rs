//! `lvs_sync_daemon`: the kernel's IPVS connection-synchronisation
//! daemons, run as keepalived runs them.
//!
//! keepalived compat (`vrrp.c`, `vrrp_scheduler.c: vrrp_init_state`,
//! `vrrp_daemon.c`, `check_daemon.c`, `ipvswrapper.c`):
//! - bound to a VRRP instance (`lvs_sync_daemon IF VI …`): the backup
//!   daemon runs while the instance is BACKUP or FAULT (it is started when
//!   the instance first enters a state), the master daemon while it is
//!   MASTER (`vrrp_state_become_master` stops the backup daemon and starts
//!   the master one; `vrrp_state_leave_master` the reverse, towards
//!   BACKUP and FAULT alike); the running daemon is stopped at shutdown.
//!   The sync id defaults to the instance's VRID.
//! - unbound (`lvs_sync_daemon IF` alone): the checkers stop any leftover
//!   daemons and start both, master and backup (sync id 0 by default);
//!   both are stopped at shutdown.
//! - a reload that changes the settings restarts the daemon(s) with the
//!   new ones; one that changes nothing touches nothing.
//!
//! The instance's states come over the bus ([`Signal::VrrpState`], its
//! instance notifications). The decisions are in [`Follower`] (no I/O);
//! [`SyncDaemons`] carries them out on its own task with its own IPVS
//! socket, so the checker loop never waits on them except at shutdown.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use ka_config::Config;
use ka_ipvs::{Ipvs, IpvsError, SyncDaemon, SyncState};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::LvsBackend;
use crate::core::bus::{Signal, VrrpState};
use crate::core::log::target;

/// How long a shutdown waits for the daemons to be stopped.
const STOP_WAIT: Duration = Duration::from_secs(5);

/// `lvs_sync_daemon`, resolved: what the daemons are started with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncPlan {
    /// The VRRP instance whose state selects master or backup; `None`:
    /// both run.
    pub instance: Option<String>,
    /// The interface the daemons send and listen on.
    pub ifname: String,
    /// The sync id (`id`, else the instance's VRID, else 0).
    pub sync_id: u32,
    /// `maxlen`.
    pub max_len: Option<u16>,
    /// `port`.
    pub port: Option<u16>,
    /// `ttl`.
    pub ttl: Option<u8>,
    /// `group`.
    pub group: Option<IpAddr>,
}

impl SyncPlan {
    /// The daemon of `state` with these settings.
    pub fn daemon(&self, state: SyncState) -> SyncDaemon {
        SyncDaemon {
            state,
            ifname: self.ifname.clone(),
            sync_id: self.sync_id,
            max_len: self.max_len,
            group: self.group,
            port: self.port,
            ttl: self.ttl,
        }
    }
}

/// The `lvs_sync_daemon` of `cfg`, if one runs. keepalived compat
/// (`vrrp.c: vrrp_complete_init`): a named instance that does not exist
/// clears the setting (reported in `notes`); without `id` the sync id is
/// the instance's VRID (0 when unbound).
pub fn sync_plan(cfg: &Config, notes: &mut Vec<String>) -> Option<SyncPlan> {
    let s = cfg.global.lvs_sync_daemon.as_ref()?;
    let vrid = match &s.instance {
        Some(name) => {
            let found = cfg.vrrp.instances.iter().find(|i| &i.name == name);
            let Some(i) = found else {
                notes.push(format!("Unable to find vrrp instance {name} for lvs_syncd - clearing lvs_syncd config"));
                return None;
            };
            i.vrid.unwrap_or(0)
        }
        None => 0,
    };
    Some(SyncPlan {
        instance: s.instance.clone(),
        ifname: s.interface.clone(),
        sync_id: u32::from(s.id.unwrap_or(vrid)),
        max_len: s.maxlen,
        port: s.port,
        ttl: s.ttl,
        group: s.group,
    })
}

/// One request to the kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Cmd {
    /// `IPVS_CMD_NEW_DAEMON`.
    Start(SyncDaemon),
    /// `IPVS_CMD_DEL_DAEMON`; `quiet`: a failure is not logged (the
    /// daemon may not be running).
    Stop {
        /// Which daemon.
        state: SyncState,
        /// Failure expected and not logged.
        quiet: bool,
    },
}

/// What the daemons should be, decided from the plan and the instances'
/// states; no I/O.
#[derive(Debug, Default)]
pub(crate) struct Follower {
    plan: Option<SyncPlan>,
    /// The last state each instance announced.
    states: BTreeMap<String, VrrpState>,
    /// The daemons started and not stopped since.
    running: Vec<SyncState>,
}

impl Follower {
    /// A follower of `plan`.
    pub(crate) fn new(plan: Option<SyncPlan>) -> Self {
        Self {
            plan,
            ..Self::default()
        }
    }

    /// At start: leftovers of an earlier run are stopped (keepalived's
    /// checker does so for the unbound daemons), then the daemons the
    /// plan wants now are started.
    pub(crate) fn start(&mut self) -> Vec<Cmd> {
        if self.plan.is_none() {
            return Vec::new();
        }
        let mut out = vec![
            Cmd::Stop {
                state: SyncState::Master,
                quiet: true,
            },
            Cmd::Stop {
                state: SyncState::Backup,
                quiet: true,
            },
        ];
        self.converge(&mut out);
        out
    }

    /// An instance announced `state`.
    pub(crate) fn state(
        &mut self,
        instance: &str,
        state: VrrpState,
    ) -> Vec<Cmd> {
        self.states.insert(instance.to_owned(), state);
        let mut out = Vec::new();
        let ours = self.plan.as_ref().and_then(|p| p.instance.as_deref());
        if ours == Some(instance) {
            self.converge(&mut out);
        }
        out
    }

    /// A reload to `plan`: unchanged settings touch nothing; changed ones
    /// stop what runs and start what the new settings want.
    pub(crate) fn reload(&mut self, plan: Option<SyncPlan>) -> Vec<Cmd> {
        if plan == self.plan {
            return Vec::new();
        }
        let mut out = self.stop();
        self.plan = plan;
        self.converge(&mut out);
        out
    }

    /// At shutdown: every daemon started is stopped.
    pub(crate) fn stop(&mut self) -> Vec<Cmd> {
        let unbound = self.plan.as_ref().is_some_and(|p| p.instance.is_none());
        self.running
            .drain(..)
            .map(|state| Cmd::Stop {
                state,
                // keepalived compat: the checker ignores failures.
                quiet: unbound,
            })
            .collect()
    }

    /// The daemons wanted now: both when unbound; when bound, master
    /// while the instance is MASTER, backup once it announced another
    /// state, none before its first announcement.
    fn wanted(&self) -> Vec<SyncState> {
        let Some(plan) = &self.plan else {
            return Vec::new();
        };
        let Some(name) = &plan.instance else {
            return vec![SyncState::Master, SyncState::Backup];
        };
        match self.states.get(name) {
            Some(VrrpState::Master) => vec![SyncState::Master],
            Some(VrrpState::Backup | VrrpState::Fault) => {
                vec![SyncState::Backup]
            }
            None => Vec::new(),
        }
    }

    /// Stops what runs and is not wanted, then starts what is wanted and
    /// does not run (keepalived: `ipvs_syncd_master` / `_backup`).
    fn converge(&mut self, out: &mut Vec<Cmd>) {
        let want = self.wanted();
        let Some(plan) = &self.plan else { return };
        for state in self.running.clone() {
            if !want.contains(&state) {
                out.push(Cmd::Stop {
                    state,
                    quiet: false,
                });
            }
        }
        self.running.retain(|s| want.contains(s));
        for state in want {
            if !self.running.contains(&state) {
                out.push(Cmd::Start(plan.daemon(state)));
                self.running.push(state);
            }
        }
    }
}

/// Where the requests go: IPVS, or a recorder in tests.
pub(crate) trait SyncKernel: Send + 'static {
    /// Carries out one request.
    fn run(
        &mut self,
        cmd: &Cmd,
    ) -> impl Future<Output = Result<(), IpvsError>> + Send;
}

/// The kernel's IPVS, over a socket of its own opened at the first
/// request.
#[derive(Debug, Default)]
pub(crate) struct IpvsKernel {
    ipvs: Option<Ipvs>,
}

impl SyncKernel for IpvsKernel {
    async fn run(&mut self, cmd: &Cmd) -> Result<(), IpvsError> {
        let ipvs = match &mut self.ipvs {
            Some(i) => i,
            None => self.ipvs.insert(Ipvs::open().await?),
        };
        match cmd {
            Cmd::Start(d) => ipvs.start_sync_daemon(d).await,
            Cmd::Stop { state, .. } => ipvs.stop_sync_daemon(*state).await,
        }
    }
}

/// What the checker loop tells the task.
#[derive(Debug)]
enum Input {
    State(String, VrrpState),
    Reload(Option<SyncPlan>),
    Stop(oneshot::Sender<()>),
}

/// The checker loop's handle on the sync daemons' task (none runs while
/// no `lvs_sync_daemon` is configured).
#[derive(Debug, Default)]
pub(crate) struct SyncDaemons {
    tx: Option<mpsc::UnboundedSender<Input>>,
    task: Option<JoinHandle<()>>,
    backend: LvsBackend,
}

impl SyncDaemons {
    /// Starts the daemons `plan` asks for on the kernel's IPVS.
    /// keepalived compat: none run with the nftables data plane (there
    /// is no IPVS connection table to synchronise); said once.
    pub(crate) fn spawn(plan: Option<&SyncPlan>, backend: LvsBackend) -> Self {
        let mut d = Self {
            backend,
            ..Self::default()
        };
        d.reload(plan);
        d
    }

    /// Starts the task on `kernel` (tests: a recorder).
    pub(crate) fn spawn_on<K: SyncKernel>(plan: SyncPlan, kernel: K) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(run(Follower::new(Some(plan)), kernel, rx));
        Self {
            tx: Some(tx),
            task: Some(task),
            backend: LvsBackend::Ipvs,
        }
    }

    /// A bus signal; VRRP instance states are passed on.
    pub(crate) fn signal(&self, sig: &Signal) {
        if let (Signal::VrrpState { instance, state }, Some(tx)) =
            (sig, &self.tx)
        {
            let _ = tx.send(Input::State(instance.clone(), *state));
        }
    }

    /// A reload's settings.
    pub(crate) fn reload(&mut self, plan: Option<&SyncPlan>) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Input::Reload(plan.cloned()));
            return;
        }
        let Some(plan) = plan else { return };
        if self.backend == LvsBackend::Nftables {
            tracing::warn!(target: target::CHECK, "lvs_sync_daemon: the IPVS sync daemon is not started with the nftables data plane");
            return;
        }
        *self = Self {
            backend: self.backend,
            ..Self::spawn_on(plan.clone(), IpvsKernel::default())
        };
    }

    /// Stops the daemons (bounded wait) and the task.
    pub(crate) async fn stop(&mut self) {
        let (Some(tx), Some(task)) = (self.tx.take(), self.task.take()) else {
            return;
        };
        let (done, wait) = oneshot::channel();
        let _ = tx.send(Input::Stop(done));
        if tokio::time::timeout(STOP_WAIT, wait).await.is_err() {
            tracing::error!(target: target::CHECK, "lvs_sync_daemon: the sync daemons were not stopped within {STOP_WAIT:?}");
            task.abort();
        }
    }
}

/// The task: each input's requests, in order.
async fn run<K: SyncKernel>(
    mut follower: Follower,
    mut kernel: K,
    mut rx: mpsc::UnboundedReceiver<Input>,
) {
    let mut absent_said = false;
    execute(&mut kernel, follower.start(), &mut absent_said).await;
    while let Some(input) = rx.recv().await {
        let cmds = match input {
            Input::State(instance, state) => follower.state(&instance, state),
            Input::Reload(plan) => follower.reload(plan),
            Input::Stop(done) => {
                execute(&mut kernel, follower.stop(), &mut absent_said).await;
                let _ = done.send(());
                return;
            }
        };
        execute(&mut kernel, cmds, &mut absent_said).await;
    }
}

async fn execute<K: SyncKernel>(
    kernel: &mut K,
    cmds: Vec<Cmd>,
    absent_said: &mut bool,
) {
    for cmd in cmds {
        match kernel.run(&cmd).await {
            Ok(()) => {
                tracing::debug!(target: target::CHECK, "lvs_sync_daemon: {cmd:?}")
            }
            Err(IpvsError::Absent) if *absent_said => {}
            Err(e @ IpvsError::Absent) => {
                *absent_said = true;
                tracing::error!(target: target::CHECK, "lvs_sync_daemon: {e}");
            }
            Err(_) if matches!(cmd, Cmd::Stop { quiet: true, .. }) => {}
            Err(e) => {
                tracing::error!(target: target::CHECK, "lvs_sync_daemon: {e}")
            }
        }
    }
}

#[cfg(test)]
#[path = "sync_daemon_tests.rs"]
mod tests;

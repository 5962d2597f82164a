//! The checker runtime's real drivers: the kernel table (IPVS or
//! nftables, in `system_table.rs`), `ka_probe` attempts on tokio tasks,
//! notify scripts through the shared ordered queues and FIFO, and the
//! host's addresses from the netlink watcher (`ha_suspend`).

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use ka_check::{CheckerId, ProbeResult};
use ka_probe::{Outcome, ProbeCtx, ProbeKind, ProbeSpec, Verdict};
use ka_sys::netlink::{NetEvent, NetWatcher, Netlink};
use ka_sys::script::ScriptSpec;
use tokio::sync::{mpsc, watch};

use super::LvsBackend;
use super::io::{AddrIo, Drivers, Io, NotifyIo, NotifyKey, ProbeDone, ProbeIo};
use super::plan::CheckPlan;
use super::probe_workers::Workers;
use crate::core::fifo::Fifo;
use crate::core::framework::Framework;
use crate::core::log::target;
use crate::core::netlink_bufs::rcvbuf;
use crate::core::notify::Queues;
use crate::vrrp::plan::FifoSpec;

pub(crate) use super::system_table::Table;

/// The real driver set.
#[derive(Debug)]
pub(crate) struct System;

impl Io for System {
    type DataPlane = Table;
    type Probes = Probes;
    type Notify = Notifier;
    type Addrs = Addrs;
}

/// Opens the drivers `plan` needs: the table backend `choice` selects
/// (refused when it cannot honour the plan), the probes, the notify
/// queues, and the address watcher when a virtual server uses
/// `ha_suspend`.
pub(crate) async fn open(
    plan: &CheckPlan,
    choice: LvsBackend,
) -> io::Result<Drivers<System>> {
    let dataplane = Table::open(plan, choice).await?;
    let suspend = plan.engine.virtual_servers.iter().any(|v| v.ha_suspend);
    let addrs = if suspend {
        // keepalived compat: the checker process's netlink sockets take
        // lvs_netlink_cmd_rcv_bufs / lvs_netlink_monitor_rcv_bufs.
        let bufs = &plan.config.global.netlink_bufs;
        let nl = Netlink::connect_with(rcvbuf(&bufs.lvs_cmd))?;
        Some(Addrs {
            watcher: NetWatcher::open(nl, rcvbuf(&bufs.lvs_monitor))?,
        })
    } else {
        None
    };
    Ok(Drivers {
        dataplane,
        probes: Probes::new(Workers::start()),
        notify: Notifier { queues: None },
        addrs,
    })
}

// ===== Probes =====

/// A checker's probe, with the names its log lines use.
#[derive(Debug)]
struct Probe {
    spec: Result<ProbeSpec, String>,
    /// keepalived's `FMT_RS` of the real server (its checker's target).
    chk: String,
    /// keepalived's `FMT_VS`.
    vs: String,
}

/// `ka_probe` attempts, each on its own task, on the probe threads.
#[derive(Debug)]
pub(crate) struct Probes {
    probes: HashMap<CheckerId, Arc<Probe>>,
    ctx: Arc<ProbeCtx>,
    /// Where attempts send their result (the receiver's own sender keeps
    /// the channel open).
    done_tx: mpsc::UnboundedSender<ProbeDone>,
    done_rx: mpsc::UnboundedReceiver<ProbeDone>,
    /// Replaced (the old sender dropped) to cancel every running attempt.
    cancel: watch::Sender<()>,
    workers: Workers,
}

impl Probes {
    fn new(workers: Workers) -> Self {
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        Self {
            probes: HashMap::new(),
            ctx: Arc::default(),
            done_tx,
            done_rx,
            cancel: watch::channel(()).0,
            workers,
        }
    }
}

impl ProbeIo for Probes {
    fn configure(&mut self, plan: &CheckPlan) {
        let ssl = plan.config.lvs.ssl.as_ref();
        self.ctx = Arc::new(match ProbeCtx::with_ssl(ssl, false, None) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(target: target::CHECK, "SSL: {e}; SSL_GET checks use keepalived's default context");
                ProbeCtx::new()
            }
        });
        self.probes.clear();
        for (id, r) in &plan.probes {
            let Some((vs, rs, c)) = plan.probe_config(*r) else {
                continue;
            };
            let spec = ProbeSpec::from_config(rs, vs, c, ssl).map_err(|e| {
                tracing::error!(target: target::CHECK, "{} on {}: {e}; the checker fails", c.kind.keyword(), rs.addr);
                e.to_string()
            });
            let names = plan
                .engine
                .virtual_servers
                .get(id.rs.vs as usize)
                .map(|v| {
                    let rs = v.real_servers.get(id.rs.rs as usize);
                    (
                        rs.map(|r| r.name.clone()).unwrap_or_default(),
                        v.name.clone(),
                    )
                })
                .unwrap_or_default();
            let probe = Probe {
                spec,
                chk: names.0,
                vs: names.1,
            };
            self.probes.insert(*id, Arc::new(probe));
        }
    }

    fn start(&mut self, id: CheckerId, token: u64, url: u32) {
        let probe = self.probes.get(&id).cloned();
        let ctx = self.ctx.clone();
        let done = self.done_tx.clone();
        let mut cancel = self.cancel.subscribe();
        self.workers.spawn(async move {
            let run = async {
                match probe.as_deref() {
                    Some(p) => attempt(p, url, &ctx).await,
                    None => (
                        ProbeResult::Down("no such checker".into()),
                        Duration::ZERO,
                    ),
                }
            };
            // A probe task that panics (the hook logs it) sends nothing:
            // its checker's attempt becomes overdue for the engine.
            tokio::select! {
                biased;
                (result, latency) = run => {
                    let _ = done.send(ProbeDone {
                        id,
                        token,
                        result,
                        latency,
                    });
                }
                _ = cancel.changed() => {}
            }
        });
    }

    fn flush(&mut self) {
        self.workers.flush();
    }

    async fn next_done(&mut self) -> ProbeDone {
        match self.done_rx.recv().await {
            Some(done) => done,
            // Not reached: `done_tx` keeps the channel open.
            None => std::future::pending().await,
        }
    }

    fn try_done(&mut self) -> Option<ProbeDone> {
        self.done_rx.try_recv().ok()
    }

    fn stop_all(&mut self) {
        // Every running attempt sees its sender gone and ends.
        self.cancel = watch::channel(()).0;
    }
}

/// One attempt (of url `url` for HTTP_GET/SSL_GET), as the engine's
/// result: a failure carries the words keepalived logs for it.
async fn attempt(
    p: &Probe,
    url: u32,
    ctx: &ProbeCtx,
) -> (ProbeResult, Duration) {
    let spec = match &p.spec {
        Ok(s) => s,
        Err(e) => return (ProbeResult::Down(e.clone()), Duration::ZERO),
    };
    let index = usize::try_from(url).unwrap_or(usize::MAX);
    if let ProbeKind::Http(h) = &spec.kind {
        let start = std::time::Instant::now();
        let r = ka_probe::http::run_url(h, index, &spec.target, ctx).await;
        let result = match r {
            Ok(word) => {
                let path = h.urls.get(index).map_or("", |u| u.path.as_str());
                let line = ka_probe::log::url_up(word, &p.chk, path);
                ProbeResult::UpWithLine(line)
            }
            Err(reason) => ProbeResult::Down(ka_probe::log::attempt(
                spec, &reason, &p.chk, &p.vs,
            )),
        };
        return (result, start.elapsed());
    }
    let Outcome { verdict, latency } =
        ka_probe::run_url(spec, index, ctx).await;
    let result = match verdict {
        Verdict::Up => ProbeResult::Up,
        Verdict::UpWithWeight(w) => ProbeResult::UpWithWeight(w),
        Verdict::Down(reason) => ProbeResult::Down(ka_probe::log::attempt(
            spec, &reason, &p.chk, &p.vs,
        )),
    };
    (result, latency)
}

// ===== Notify =====

/// Notify scripts in order per real or virtual server, and the FIFO.
#[derive(Debug)]
pub(crate) struct Notifier {
    queues: Option<Queues<NotifyKey>>,
}

impl NotifyIo for Notifier {
    fn configure(&mut self, fifo: Option<&FifoSpec>) {
        // keepalived compat: the old FIFO is closed (and its reader
        // stopped) before the new one is opened.
        self.queues = None;
        let fifo = fifo.and_then(|f| {
            Fifo::open(
                std::path::Path::new(&f.path),
                f.owner,
                f.script.as_ref(),
            )
        });
        self.queues = Some(Queues::new(Framework::Check, fifo));
    }

    async fn push(
        &mut self,
        key: NotifyKey,
        line: &str,
        scripts: Vec<ScriptSpec>,
        wait: Option<Duration>,
    ) {
        let Some(q) = &mut self.queues else {
            return;
        };
        let label = match &key {
            NotifyKey::Rs(_, rs) => rs.clone(),
            NotifyKey::Vs(vs) => vs.clone(),
        };
        let done = q.push(key, &label, line, scripts);
        if let (Some(done), Some(limit)) = (done, wait) {
            let _ = tokio::time::timeout(limit, done).await;
        }
    }
}

// ===== Addresses =====

/// The host's addresses, from the netlink watcher.
#[derive(Debug)]
pub(crate) struct Addrs {
    watcher: NetWatcher,
}

impl AddrIo for Addrs {
    async fn dump(&mut self) -> io::Result<Vec<IpAddr>> {
        let (_, addrs) = self.watcher.dump().await.map_err(io::Error::other)?;
        Ok(addrs.into_iter().map(|a| a.addr).collect())
    }

    async fn next_change(&mut self) -> Option<(IpAddr, bool)> {
        loop {
            match self.watcher.next().await {
                NetEvent::AddrAdded(a) => return Some((a.addr, true)),
                NetEvent::AddrRemoved(a) => return Some((a.addr, false)),
                _ => {}
            }
        }
    }
}

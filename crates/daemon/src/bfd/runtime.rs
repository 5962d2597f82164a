//! The BFD runtime: the BFD engine on the generic driver loop
//! ([`crate::core::driver`]), fed by its listening sockets and the
//! control channel; session states go out on the bus.

use std::collections::BTreeSet;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use ka_bfd::{Action, Event, LogLevel};
use ka_wire::bfd::{PORT_MULTIHOP, PORT_SINGLE_HOP};
use tokio::sync::mpsc;
use tracing::Instrument as _;

use super::io::{BfdIo, Datagram};
use super::plan::BfdPlan;
use super::system::SystemIo;
use crate::core::bus::{Bus, Signal};
use crate::core::control;
use crate::core::driver::{self, Driver};
use crate::core::framework::Framework;
use crate::core::log::target;

/// What the process asks of the BFD runtime.
pub type Control = control::Control<BfdPlan, ka_bfd::Snapshot>;

/// The BFD runtime's state besides the engine.
struct Runtime<I: BfdIo> {
    io: I,
    plan: BfdPlan,
    bus: Bus,
    /// Sessions whose last send failed (keepalived logs the first
    /// failure only, `send_error`).
    send_errors: BTreeSet<String>,
    /// Events for the engine that no input carries (sockets that could
    /// not be opened on reload).
    pending: Vec<Event>,
}

/// Runs the BFD runtime until `Control::Stop`; session states are
/// published on `bus`. With `record`, every engine step is written to
/// that file (`--record-events`).
pub async fn run(
    plan: BfdPlan,
    control: mpsc::UnboundedReceiver<Control>,
    bus: Bus,
    record: Option<PathBuf>,
) -> io::Result<()> {
    let io = SystemIo::new(plan.engine.seed);
    run_with(plan, control, io, bus, record.as_deref()).await
}

/// Runs the BFD runtime on `io` until `Control::Stop` (or until the
/// control channel closes).
pub(crate) async fn run_with<I: BfdIo>(
    plan: BfdPlan,
    mut control: mpsc::UnboundedReceiver<Control>,
    mut io: I,
    bus: Bus,
    record: Option<&Path>,
) -> io::Result<()> {
    let span = Framework::Bfd.span();
    let failed = io.configure(&plan).map_err(io::Error::other)?;
    let mut driver = Driver::new(ka_bfd::Engine::new(plan.engine.clone()));
    if let Some(path) = record
        && let Err(e) = driver.record(path, &plan.engine, Framework::Bfd)
    {
        tracing::error!(target: target::BFD, "--record-events: {e}");
    }
    let mut rt = Runtime {
        io,
        plan,
        bus,
        send_errors: BTreeSet::new(),
        pending: Vec::new(),
    };
    driver.step_all(admin_down(failed));
    driver.step_all([Event::Started]);
    driver
        .run(&mut rt, &mut control)
        .instrument(span)
        .await
        .map_err(io::Error::other)
}

/// keepalived compat: a session without an output socket is disabled
/// (AdminDown) with keepalived's line.
fn admin_down(failed: Vec<(String, io::Error)>) -> Vec<Event> {
    failed
        .into_iter()
        .map(|(session, e)| {
            tracing::error!(target: target::BFD, "({session}) socket() error ({e})");
            tracing::error!(target: target::BFD, "({session}) Unable to open output socket, disabling instance");
            Event::AdminDown {
                session,
                down: true,
            }
        })
        .collect()
}

/// The engine event of a datagram.
fn packet_event(d: Datagram) -> Event {
    Event::PacketReceived {
        src: d.received.src,
        dst: d.received.dst,
        multihop: d.multihop,
        ttl: d.received.ttl,
        bytes: d.received.bytes,
    }
}

driver::engine_impl!(ka_bfd, Bfd, EngineConfig, snapshot);

impl<I: BfdIo> driver::Framework for Runtime<I> {
    const KIND: Framework = Framework::Bfd;
    type Engine = ka_bfd::Engine;
    type Plan = BfdPlan;

    async fn dispatch(&mut self, out: &mut Vec<Action>) {
        for a in out.drain(..) {
            self.act(a);
        }
    }

    async fn next_events(&mut self) -> Vec<Event> {
        if !self.pending.is_empty() {
            return std::mem::take(&mut self.pending);
        }
        match self.io.recv().await {
            Ok(d) => vec![packet_event(d)],
            Err(e) => {
                tracing::error!(target: target::BFD, "recvmsg() error ({e})");
                Vec::new()
            }
        }
    }

    fn ready_events(&mut self) -> Vec<Event> {
        // A packet that arrived before a detection timeout due at the
        // same time restarts the timer instead of losing to it.
        let mut events = std::mem::take(&mut self.pending);
        while let Some(d) = self.io.try_recv() {
            events.push(packet_event(d));
        }
        events
    }

    async fn reload(&mut self, plan: BfdPlan) -> Event {
        match self.io.configure(&plan) {
            Ok(failed) => self.pending.extend(admin_down(failed)),
            Err(e) => tracing::error!(target: target::BFD, "{e}"),
        }
        let cfg = plan.engine.clone();
        self.plan = plan;
        Event::Reloaded(Box::new(cfg))
    }

    fn stop_event(&self) -> Event {
        Event::Stop
    }

    fn clear_stats_event(&self) -> Event {
        Event::ClearStats
    }

    /// BFD installs nothing that must be undone.
    fn release_all(&self) -> Vec<Action> {
        Vec::new()
    }

    async fn shutdown(&mut self, out: &mut Vec<Action>) {
        self.dispatch(out).await;
        self.io.close();
    }
}

impl<I: BfdIo> Runtime<I> {
    fn act(&mut self, a: Action) {
        match a {
            Action::Send {
                session,
                dst,
                multihop,
                packet,
            } => {
                let port = if multihop {
                    PORT_MULTIHOP
                } else {
                    PORT_SINGLE_HOP
                };
                let sent = self.io.send(
                    &session,
                    SocketAddr::new(dst, port),
                    &packet.to_bytes(),
                );
                match sent {
                    Ok(()) => {
                        self.send_errors.remove(&session);
                    }
                    Err(e) => {
                        if self.send_errors.insert(session.clone()) {
                            tracing::error!(target: target::BFD, "sendto() error ({e})");
                            tracing::error!(target: target::BFD, "({session}) Error sending packet");
                        }
                    }
                }
            }
            Action::SessionState { name, up, .. } => {
                let to = self.plan.audience.get(&name).copied();
                let (vrrp, checker) =
                    to.map_or((true, true), |a| (a.vrrp, a.checker));
                self.bus.publish(&Signal::BfdState {
                    name,
                    up,
                    vrrp,
                    checker,
                });
            }
            Action::Log(line) => match line.level {
                LogLevel::Info => {
                    tracing::info!(target: target::BFD, "{}", line.text)
                }
                LogLevel::Warning => {
                    tracing::warn!(target: target::BFD, "{}", line.text)
                }
                LogLevel::Error => {
                    tracing::error!(target: target::BFD, "{}", line.text)
                }
                LogLevel::Detail => {
                    tracing::debug!(target: target::BFD, "{}", line.text)
                }
            },
        }
    }
}

#[cfg(test)]
mod tests;

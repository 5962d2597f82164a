//! The VRRP runtime: the VRRP engine on the generic driver loop
//! ([`crate::core::driver`]), fed by sockets, netlink, trackers (through
//! the bus) and the control channel.
//!
//! Nothing in the loop blocks: kernel changes go to an ordered worker,
//! scripts to their own tasks. The runtime is generic over its drivers
//! ([`Io`]): [`run`] uses the kernel's, unit tests use in-memory fakes.
//! Its parts: start, reload and shutdown here, received packets in
//! `rx.rs`, carrying out actions in `dispatch.rs`, static addresses and
//! routes in `statics.rs`.

use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ka_sys::netlink::NetEvent;
use ka_vrrp::{Action, AdminCommand, Event};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tracing::Instrument as _;

use super::firewall::Firewall;
use super::ifaces::Ifaces;
use super::io::KernelOp;
use super::io::RxInput;
use super::io::{Drivers, Io, KernelIo, NetIo, NotifyIo, VmacIo};
use super::linkbeat::Linkbeat;
use super::rx_queue::{self, RxSender};
use super::sockets::Sockets;
use super::{signals, system};
use crate::core::bus::{Bus, Signal};
use crate::core::control;
use crate::core::driver::{self, Driver};
use crate::core::framework::Framework;
use crate::core::log::target;
use crate::vrrp::plan::VrrpPlan;

mod dispatch;
mod rx;
mod statics;

/// How long shutdown waits for the kernel worker to apply the address
/// removals before returning.
const BARRIER_WAIT: Duration = Duration::from_secs(5);

/// What the process asks of the VRRP runtime.
pub type Control = control::Control<VrrpPlan, ka_vrrp::Snapshot>;

/// The VRRP runtime's state besides the engine: the interface table, the
/// drivers actions are dispatched to, the inputs and the current plan.
struct Runtime<I: Io> {
    ifaces: Ifaces,
    linkbeat: Linkbeat<ka_sys::linkbeat::LinkbeatSocket>,
    sockets: Sockets<I::Adverts>,
    frames: I::Frames,
    kernel: I::Kernel,
    nft: I::Nft,
    vmacs: I::Vmacs,
    notifier: I::Notify,
    firewall: Firewall,
    setup: VrrpPlan,
    inputs: Inputs<I::Net>,
    rx_tx: RxSender,
    bus: Bus,
    trackers: Vec<JoinHandle<()>>,
    errors: u64,
    /// Kernel changes were queued since the last barrier.
    kernel_pending: bool,
}

/// What the loop waits on besides the control channel and the clock.
struct Inputs<N> {
    net: N,
    rx: mpsc::Receiver<RxInput>,
    track: mpsc::UnboundedReceiver<Signal>,
}

/// Runs the VRRP runtime until `Control::Stop`; its trackers publish on
/// `bus`. With `record`, every engine step is written to that file
/// (`--record-events`).
pub async fn run(
    setup: VrrpPlan,
    control: mpsc::UnboundedReceiver<Control>,
    bus: Bus,
    record: Option<PathBuf>,
) -> io::Result<()> {
    for what in &setup.not_implemented {
        tracing::warn!(target: target::VRRP, "{what}");
    }
    let drivers = system::open(&setup)?;
    run_with(setup, control, drivers, bus, record.as_deref()).await
}

/// Runs the VRRP runtime on `drivers` until `Control::Stop` (or until
/// the control channel closes).
pub(crate) async fn run_with<I: Io>(
    setup: VrrpPlan,
    mut control: mpsc::UnboundedReceiver<Control>,
    drivers: Drivers<I>,
    bus: Bus,
    record: Option<&Path>,
) -> io::Result<()> {
    let span = Framework::Vrrp.span();
    let mut rt = Runtime::start(setup, drivers, bus)
        .instrument(span.clone())
        .await?;
    // keepalived compat: leftovers of an earlier run go first.
    let statics = rt.setup.statics.clone();
    rt.remove_statics(&statics, None);
    rt.add_statics();
    let mut driver = Driver::new(ka_vrrp::Engine::new(rt.setup.engine.clone()));
    if let Some(path) = record {
        let recorded = driver.record(path, &rt.setup.engine, Framework::Vrrp);
        // The daemon runs on unrecorded.
        if let Err(e) = recorded {
            tracing::error!(target: target::VRRP, "--record-events: {e}");
        }
    }
    driver.step_all(rt.ifaces.initial_events());
    // Initial track_file values and process counts, so an instance starts
    // in the state they call for (keepalived reads them before starting).
    while let Ok(sig) = rt.inputs.track.try_recv() {
        driver.step_all(signals::event(sig));
    }
    driver.step_all([Event::Started]);
    driver
        .run(&mut rt, &mut control)
        .instrument(span)
        .await
        .map_err(io::Error::other)
}

driver::engine_impl!(ka_vrrp, Vrrp, EngineConfig, snapshot_at);

/// Sleeps until `due`, forever without one.
async fn sleep_until_due(due: Option<tokio::time::Instant>) {
    match due {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

impl<I: Io> driver::Framework for Runtime<I> {
    const KIND: Framework = Framework::Vrrp;
    type Engine = ka_vrrp::Engine;
    type Plan = VrrpPlan;

    async fn dispatch(&mut self, out: &mut Vec<Action>) {
        Self::dispatch(self, out, false).await;
    }

    async fn next_events(&mut self) -> Vec<Event> {
        tokio::select! {
            Some(input) = self.inputs.rx.recv() => {
                self.packet_event(input).into_iter().collect()
            }
            Some(change) = self.inputs.net.next_change() => self.net_change(&change),
            Some(sig) = self.inputs.track.recv() => signals::event(sig).into_iter().collect(),
            // interface_up_down_delays: a delayed link change is due.
            () = sleep_until_due(self.ifaces.next_due()) => {
                self.ifaces.due(tokio::time::Instant::now())
            }
            // linkbeat_use_polling / linkbeat_interfaces.
            () = self.linkbeat.tick() => self.linkbeat.poll(&mut self.ifaces),
            // Every input ended: only control and the clock are left.
            else => std::future::pending().await,
        }
    }

    fn ready_events(&mut self) -> Vec<Event> {
        // keepalived compat: a received advert is handled before a
        // timeout due at the same time (see `Driver::timeout`). Only
        // packets: netlink and tracker changes wait for the next select,
        // as before.
        let mut events = Vec::new();
        while let Ok(input) = self.inputs.rx.try_recv() {
            events.extend(self.packet_event(input));
        }
        events
    }

    async fn reload(&mut self, plan: VrrpPlan) -> Event {
        let cfg = Self::reload(self, plan).await;
        Event::Reloaded(Box::new(cfg))
    }

    fn reloaded(
        &mut self,
        before: &ka_vrrp::Snapshot,
        after: &ka_vrrp::Snapshot,
    ) {
        // After the removed instances' notifications (dispatched first),
        // so a follower sees them before the new instance list.
        self.bus.publish(&Signal::VrrpReloaded);
        if !self.setup.config.global.fifo_write_vrrp_states_on_reload {
            return;
        }
        for line in super::reload_states::lines(before, after) {
            self.notifier.fifo_line(&line);
        }
    }

    fn stop_event(&self) -> Event {
        Event::ShutdownRequested
    }

    fn clear_stats_event(&self) -> Event {
        Event::Admin(AdminCommand::ResetStats)
    }

    fn admin_event(&self, cmd: control::Admin) -> Option<Event> {
        match cmd {
            control::Admin::SendGarp { instance } => {
                Some(Event::Admin(AdminCommand::SendGarp { instance }))
            }
        }
    }

    /// Removal of every address the plan gives an instance.
    fn release_all(&self) -> Vec<Action> {
        self.setup
            .addresses
            .iter()
            .map(|((instance, addr), d)| Action::DelAddress {
                instance: instance.clone(),
                iface: d.dev.clone(),
                addr: *addr,
                prefix_len: d.prefix_len,
            })
            .collect()
    }

    async fn shutdown(&mut self, out: &mut Vec<Action>) {
        Self::shutdown(self, out).await;
    }
}

impl<I: Io> Runtime<I> {
    /// Brings the drivers up in keepalived's order: VMACs, firewall,
    /// interface dump, notify hooks, trackers, VRRP sockets.
    async fn start(
        mut setup: VrrpPlan,
        d: Drivers<I>,
        bus: Bus,
    ) -> io::Result<Self> {
        let Drivers {
            adverts,
            frames,
            kernel,
            mut nft,
            mut net,
            mut vmacs,
            mut notify,
        } = d;
        // VMACs exist before the interface dump, so the engine sees them.
        vmacs.sync(&mut setup).await;
        let mut firewall = Firewall::new(setup.firewall.clone());
        firewall.set_vmacs(vmacs.firewall_view());
        firewall.start(&setup, &mut nft).await;
        let (links, addrs) = net.dump().await?;
        let (rx_tx, rx) = rx_queue::channel(rx_queue::RX_QUEUE);
        // Subscribed before the trackers start, so their first values
        // are queued for the engine.
        let track = bus.subscribe();
        notify.configure(&setup);
        let trackers = signals::spawn_trackers(&setup, false, &bus);
        let mut ifaces = Ifaces::from_dump(&links, &addrs);
        ifaces.set_delays(setup.if_delays.clone());
        let linkbeat = Linkbeat::start(&setup.linkbeat, &mut ifaces);
        let mut rt = Self {
            ifaces,
            linkbeat,
            sockets: Sockets::new(adverts),
            frames,
            kernel,
            nft,
            vmacs,
            notifier: notify,
            firewall,
            setup,
            inputs: Inputs { net, rx, track },
            rx_tx,
            bus,
            trackers,
            errors: 0,
            kernel_pending: false,
        };
        rt.open_sockets();
        Ok(rt)
    }

    /// Shutdown, after the engine was told: resign and remove addresses,
    /// wait (bounded) until the kernel worker applied that, then remove
    /// the firewall and the VMACs.
    async fn shutdown(&mut self, out: &mut Vec<Action>) {
        if self.setup.dont_release {
            // keepalived compat: with -V, vrrp_terminate_phase2 skips
            // shutdown_vrrp_instances and restore_vrrp_interfaces.
            tracing::info!(target: target::VRRP, "--dont-release-vrrp: leaving the VRRP addresses and routes in place");
            out.clear();
            return;
        }
        self.dispatch(out, true).await;
        let statics = self.setup.statics.clone();
        self.remove_statics(&statics, None);
        // One bound for both waits: a stuck worker delays the exit by
        // BARRIER_WAIT at most.
        let until = tokio::time::Instant::now() + BARRIER_WAIT;
        self.shutdown_barrier(until).await;
        self.firewall.stop(&mut self.nft).await;
        // The firewall's deletion is on the kernel worker too: the VMACs
        // its rules name go after it.
        self.shutdown_barrier(until).await;
        self.vmacs.teardown().await;
    }

    /// At shutdown: waits (until `until` at most) for the kernel worker to
    /// apply every change asked for so far.
    async fn shutdown_barrier(&mut self, until: tokio::time::Instant) {
        let (done, wait) = oneshot::channel();
        self.kernel.submit(KernelOp::Barrier(done));
        let _ = tokio::time::timeout_at(until, wait).await;
    }

    /// SIGHUP: VMACs, firewall, trackers, hooks and sockets follow the
    /// new plan; returns the engine's new configuration (with the advert
    /// sources VMACs imply) for the caller to hand over.
    async fn reload(&mut self, mut new: VrrpPlan) -> ka_vrrp::EngineConfig {
        self.vmacs.sync(&mut new).await;
        self.firewall.set_vmacs(self.vmacs.firewall_view());
        self.firewall.apply(&mut self.nft).await;
        self.trackers.iter().for_each(JoinHandle::abort);
        self.trackers = signals::spawn_trackers(&new, true, &self.bus);
        self.notifier.configure(&new);
        let old = std::mem::take(&mut self.setup.statics);
        self.remove_statics(&old, Some(&new.statics));
        self.ifaces.set_delays(new.if_delays.clone());
        self.linkbeat.reload(&new.linkbeat, &mut self.ifaces);
        self.setup = new;
        self.add_statics();
        self.open_sockets();
        self.setup.engine.clone()
    }

    /// A netlink change: the interface table follows it, sockets of a
    /// removed link close, sockets of a new one open; returns the engine
    /// events it implies.
    fn net_change(&mut self, change: &NetEvent) -> Vec<Event> {
        if self.setup.log_address_changes {
            self.log_address_change(change);
        }
        if let NetEvent::LinkRemoved(l) = change {
            self.sockets.close(&l.name);
        }
        self.reinstate_statics(change);
        let events = self.ifaces.apply(change);
        self.open_sockets();
        events
    }

    /// keepalived compat: `-a` logs each address change netlink reports.
    fn log_address_change(&self, change: &NetEvent) {
        let (a, what) = match change {
            NetEvent::AddrAdded(a) => (a, "added to"),
            NetEvent::AddrRemoved(a) => (a, "removed from"),
            _ => return,
        };
        let name = self.ifaces.name_of(a.ifindex).unwrap_or("?");
        tracing::info!(target: target::VRRP, "Netlink reflector reports IP {} {what} {name}", a.addr);
    }

    /// Opens the socket of every instance interface that exists and is
    /// not open yet (at start, on reload, when a link appears).
    fn open_sockets(&mut self) {
        let wanted: Vec<(String, bool, bool, IpAddr)> = self
            .setup
            .engine
            .instances
            .iter()
            .filter_map(|i| {
                let ah = matches!(i.auth, ka_vrrp::Auth::Ah(_));
                Some((
                    i.interface.clone()?,
                    i.is_ipv6(),
                    ah,
                    i.multicast_group(),
                ))
            })
            .collect();
        for (iface, v6, ah, group) in wanted {
            if self.ifaces.get(&iface).is_none() {
                continue;
            }
            let rcvbuf = self.rx_buf_size(&iface, v6, ah);
            if let Err(e) = self.sockets.ensure(
                &self.ifaces,
                &iface,
                v6,
                ah,
                &[group],
                rcvbuf,
                &self.rx_tx,
            ) {
                tracing::error!(target: target::VRRP, "cannot open VRRP socket on {iface}: {e}");
            }
        }
    }

    /// keepalived compat (`vrrp_scheduler.c`): a socket's receive buffer
    /// is the sum over the instances on it of their `kernel_rx_buf_size`,
    /// else their `vrrp_rx_bufs_policy` share ([`super::rx_bufs`]).
    fn rx_buf_size(&self, iface: &str, v6: bool, ah: bool) -> usize {
        let g = &self.setup.config.global;
        let multiplier = g
            .vrrp_rx_bufs_multiplier
            .unwrap_or(super::rx_bufs::DEFAULT_MULTIPLIER);
        self.setup
            .engine
            .instances
            .iter()
            .filter(|i| i.interface.as_deref() == Some(iface))
            .filter(|i| i.is_ipv6() == v6)
            .filter(|i| matches!(i.auth, ka_vrrp::Auth::Ah(_)) == ah)
            .map(|i| {
                let kernel = self.setup.kernel_rx_bufs.get(&i.name).copied();
                let mtu = || ka_sys::ifmtu::mtu(iface).ok();
                super::rx_bufs::instance_share(
                    i,
                    kernel,
                    g.vrrp_rx_bufs_policy,
                    multiplier,
                    mtu,
                )
            })
            .sum()
    }

    /// Rate-limited error log: the first ten, then one in a thousand.
    fn error(&mut self, msg: &str) {
        self.errors += 1;
        if self.errors <= 10 || self.errors.is_multiple_of(1000) {
            tracing::warn!(target: target::VRRP, "{msg} ({} errors so far)", self.errors);
        }
    }
}

#[cfg(test)]
mod tests;

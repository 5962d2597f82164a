//! The VRRP event loop: the engine, fed by sockets, netlink, trackers and
//! the control channel, with its actions carried out in order.
//!
//! Shape (STYLE-ANCHORS §8.3): wait for the first of an input or the
//! engine's deadline, hand it to the engine with the current time, then
//! dispatch every action it returned. Nothing in the loop blocks: kernel
//! changes go to an ordered worker, scripts to their own tasks.
//!
//! The loop is generic over its drivers ([`Io`]): [`run`] uses the
//! kernel's, unit tests use in-memory fakes.

use std::io;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use ka_sys::netlink::{AddrSpec, NetEvent};
use ka_types::Instant;
use ka_vrrp::{Action, Event, LogLevel, NotifyState};
use ka_wire::arp::garp_frame;
use ka_wire::ethernet::EthernetAddress;
use ka_wire::ndisc::unsolicited_na_frame;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::firewall::Firewall;
use super::ifaces::Ifaces;
use super::io::{Drivers, FrameIo, Io, KernelIo, NetIo, NotifyIo, VmacIo};
use super::kernel::KernelOp;
use super::sockets::{RxInput, Sockets, StripError, strip_ipv4};
use super::{system, trackers};
use crate::log::target;
use crate::map::VrrpPlan;
use crate::record::RecordedEngine;

#[path = "runtime_statics.rs"]
mod statics;

/// How long shutdown waits for `notify_stop` scripts (keepalived: 1 s).
const STOP_SCRIPT_WAIT: Duration = Duration::from_secs(1);

/// How long shutdown waits for the kernel worker to apply the address
/// removals before returning.
const BARRIER_WAIT: Duration = Duration::from_secs(5);

/// How long a gratuitous ARP/NA waits for the addresses queued before it
/// to be in the kernel.
const GARP_BARRIER_WAIT: Duration = Duration::from_secs(1);

/// Requests from the rest of the daemon (signals, control socket).
#[derive(Debug)]
pub enum Control {
    /// SIGTERM: resign, remove addresses, run STOP notifies, return.
    Stop,
    /// SIGHUP with a new, validated setup.
    Reload(Box<VrrpPlan>),
    /// SIGUSR1/SIGUSR2/SIGRTMIN+2: the engine's state, answered on the
    /// channel.
    Snapshot(oneshot::Sender<ka_vrrp::Snapshot>),
}

/// The monotonic clock the engine sees: microseconds since the loop began.
#[derive(Clone, Copy, Debug)]
struct Clock {
    start: tokio::time::Instant,
}

impl Clock {
    fn now(&self) -> Instant {
        let us = self.start.elapsed().as_micros();
        Instant::from_micros(u64::try_from(us).unwrap_or(u64::MAX))
    }

    fn to_tokio(self, t: Instant) -> tokio::time::Instant {
        self.start + Duration::from_micros(t.micros())
    }
}

/// The loop's state besides the engine: the interface table, the
/// drivers actions are dispatched to, and the current plan.
struct Runtime<I: Io> {
    ifaces: Ifaces,
    sockets: Sockets<I::Adverts>,
    frames: I::Frames,
    kernel: I::Kernel,
    nft: I::Nft,
    vmacs: I::Vmacs,
    notifier: I::Notify,
    firewall: Firewall,
    setup: VrrpPlan,
    rx_tx: mpsc::UnboundedSender<RxInput>,
    track_tx: mpsc::UnboundedSender<Event>,
    trackers: Vec<JoinHandle<()>>,
    errors: u64,
    /// Kernel changes were queued since the last barrier.
    kernel_pending: bool,
}

/// What the loop waits on besides the control channel and the clock.
struct Inputs<N> {
    net: N,
    rx: mpsc::UnboundedReceiver<RxInput>,
    track: mpsc::UnboundedReceiver<Event>,
}

/// Runs the VRRP runtime until `Control::Stop`; with `record`, every
/// engine step is written to that file (`--record-events`).
pub async fn run(
    setup: VrrpPlan,
    control: mpsc::UnboundedReceiver<Control>,
    record: Option<PathBuf>,
) -> io::Result<()> {
    for what in &setup.not_implemented {
        tracing::warn!(target: target::VRRP, "{what}");
    }
    let drivers = system::open()?;
    run_with(setup, control, drivers, record).await
}

/// Runs the VRRP runtime on `drivers` until `Control::Stop` (or until
/// the control channel closes).
pub(crate) async fn run_with<I: Io>(
    setup: VrrpPlan,
    mut control: mpsc::UnboundedReceiver<Control>,
    drivers: Drivers<I>,
    record: Option<PathBuf>,
) -> io::Result<()> {
    let (mut rt, mut inputs) = Runtime::start(setup, drivers).await?;
    // keepalived compat: leftovers of an earlier run go first.
    let statics = rt.setup.statics.clone();
    rt.remove_statics(&statics, None);
    rt.add_statics();
    let clock = Clock {
        start: tokio::time::Instant::now(),
    };
    let mut engine =
        RecordedEngine::new(rt.setup.engine.clone(), record.as_deref());
    let mut out = Vec::new();
    for ev in rt.ifaces.initial_events() {
        engine.handle(clock.now(), ev, &mut out);
    }
    // Initial track_file values and process counts, so an instance starts
    // in the state they call for (keepalived reads them before starting).
    while let Ok(ev) = inputs.track.try_recv() {
        engine.handle(clock.now(), ev, &mut out);
    }
    engine.handle(clock.now(), Event::Started, &mut out);
    loop {
        rt.dispatch(&mut out, false).await;
        let deadline = engine.poll_timeout().map(|t| clock.to_tokio(t));
        tokio::select! {
            c = control.recv() => match c {
                None | Some(Control::Stop) => {
                    engine.handle(clock.now(), Event::ShutdownRequested, &mut out);
                    rt.shutdown(&mut out).await;
                    return Ok(());
                }
                Some(Control::Reload(new)) => {
                    let cfg = rt.reload(*new).await;
                    engine.handle(clock.now(), Event::Reloaded(Box::new(cfg)), &mut out);
                }
                Some(Control::Snapshot(reply)) => {
                    let _ = reply.send(engine.snapshot());
                }
            },
            Some(input) = inputs.rx.recv() => {
                if let Some(ev) = rt.packet_event(input) {
                    engine.handle(clock.now(), ev, &mut out);
                }
            }
            Some(change) = inputs.net.next_change() => {
                for ev in rt.net_change(&change) {
                    engine.handle(clock.now(), ev, &mut out);
                }
            }
            Some(ev) = inputs.track.recv() => engine.handle(clock.now(), ev, &mut out),
            () = sleep_until(deadline) => engine.handle_timeout(clock.now(), &mut out),
        }
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

impl<I: Io> Runtime<I> {
    /// Brings the drivers up in keepalived's order: VMACs, firewall,
    /// interface dump, notify hooks, trackers, VRRP sockets.
    async fn start(
        mut setup: VrrpPlan,
        d: Drivers<I>,
    ) -> io::Result<(Self, Inputs<I::Net>)> {
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
        let (rx_tx, rx) = mpsc::unbounded_channel();
        let (track_tx, track) = mpsc::unbounded_channel();
        notify.configure(&setup);
        let trackers = trackers::spawn_all(&setup, false, &track_tx);
        let mut rt = Self {
            ifaces: Ifaces::from_dump(&links, &addrs),
            sockets: Sockets::new(adverts),
            frames,
            kernel,
            nft,
            vmacs,
            notifier: notify,
            firewall,
            setup,
            rx_tx,
            track_tx,
            trackers,
            errors: 0,
            kernel_pending: false,
        };
        rt.open_sockets();
        Ok((rt, Inputs { net, rx, track }))
    }

    /// Shutdown, after the engine was told: resign and remove addresses,
    /// wait (bounded) until the kernel worker applied that, then remove
    /// the firewall and the VMACs.
    async fn shutdown(&mut self, out: &mut Vec<Action>) {
        self.dispatch(out, true).await;
        let statics = self.setup.statics.clone();
        self.remove_statics(&statics, None);
        let (done, wait) = oneshot::channel();
        self.kernel.submit(KernelOp::Barrier(done));
        let _ = tokio::time::timeout(BARRIER_WAIT, wait).await;
        self.firewall.stop(&mut self.nft).await;
        self.vmacs.teardown().await;
    }

    /// SIGHUP: VMACs, firewall, trackers, hooks and sockets follow the
    /// new plan; returns the engine's new configuration (with the advert
    /// sources VMACs imply) for the caller to hand over.
    async fn reload(&mut self, mut new: VrrpPlan) -> ka_vrrp::EngineConfig {
        self.vmacs.sync(&mut new).await;
        self.firewall.set_vmacs(self.vmacs.firewall_view());
        self.firewall.apply(&mut self.nft).await;
        self.trackers.iter().for_each(JoinHandle::abort);
        self.trackers = trackers::spawn_all(&new, true, &self.track_tx);
        self.notifier.configure(&new);
        let old = std::mem::take(&mut self.setup.statics);
        self.remove_statics(&old, Some(&new.statics));
        self.setup = new;
        self.add_statics();
        self.open_sockets();
        self.setup.engine.clone()
    }

    /// A netlink change: the interface table follows it, sockets of a
    /// removed link close, sockets of a new one open; returns the engine
    /// events it implies.
    fn net_change(&mut self, change: &NetEvent) -> Vec<Event> {
        if let NetEvent::LinkRemoved(l) = change {
            self.sockets.close(&l.name);
        }
        let events = self.ifaces.apply(change);
        self.open_sockets();
        events
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
                let ah = self.setup.ah_keys.contains_key(&i.name);
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
            if let Err(e) = self.sockets.ensure(
                &self.ifaces,
                &iface,
                v6,
                ah,
                &[group],
                &self.rx_tx,
            ) {
                tracing::error!(target: target::VRRP, "cannot open VRRP socket on {iface}: {e}");
            }
        }
    }

    /// Turns a received packet into an engine event (IPv4 and AH headers
    /// checked and stripped), or logs why not.
    fn packet_event(&mut self, input: RxInput) -> Option<Event> {
        let r = match input {
            RxInput::Packet(r) => r,
            RxInput::Error(e) => {
                self.error(&e);
                return None;
            }
        };
        let iface = self.ifaces.name_of(r.ifindex)?.to_owned();
        let bytes = if r.src.is_ipv4() {
            match self.strip_v4(&iface, &r) {
                Ok(bytes) => bytes,
                Err(instance) => {
                    return instance
                        .map(|instance| Event::AuthFailed { instance });
                }
            }
        } else {
            r.bytes
        };
        Some(Event::PacketReceived {
            iface,
            src: r.src,
            dst: r.dst,
            ttl: r.ttl,
            bytes,
        })
    }

    /// Checks and strips the IPv4 (and AH) headers of a received packet.
    /// A packet that must be dropped is logged (rate-limited) and comes
    /// back as `Err`, naming the instance whose `auth_failure` counts it
    /// when it was an AH packet for one.
    fn strip_v4(
        &mut self,
        iface: &str,
        r: &ka_sys::vrrp_socket::Received,
    ) -> Result<Vec<u8>, Option<String>> {
        // Only AH packets need their instance: the one on this interface
        // with this VRID and an AH key.
        let setup = &self.setup;
        let ah_owner = |vrid: u8| {
            let i = setup.engine.instances.iter().find(|i| {
                i.vrid == vrid && i.interface.as_deref() == Some(iface)
            })?;
            let key = setup.ah_keys.get(&i.name)?;
            Some((i.name.clone(), *key))
        };
        match strip_ipv4(&r.bytes, ah_owner) {
            Ok((vrrp, None)) => Ok(vrrp.to_vec()),
            Ok((vrrp, Some((name, seq)))) => {
                if self.sockets.ah_accept(&name, seq) {
                    Ok(vrrp.to_vec())
                } else {
                    self.error(&format!(
                        "({name}) IPSEC-AH : sequence number {seq} already processed. Packet dropped."
                    ));
                    Err(Some(name))
                }
            }
            Err(StripError::Auth(name, _)) => {
                // keepalived's words for an ICV or SPI mismatch.
                self.error(&format!(
                    "({name}) IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !"
                ));
                Err(Some(name))
            }
            Err(e) => {
                self.error(&format!(
                    "dropped VRRP packet from {} on {iface}: {e:?}",
                    r.src
                ));
                Err(None)
            }
        }
    }

    /// Rate-limited error log: the first ten, then one in a thousand.
    fn error(&mut self, msg: &str) {
        self.errors += 1;
        if self.errors <= 10 || self.errors.is_multiple_of(1000) {
            tracing::warn!(target: target::VRRP, "{msg} ({} errors so far)", self.errors);
        }
    }

    /// Carries out the engine's actions in order. During shutdown, STOP
    /// notifies are waited for (at most [`STOP_SCRIPT_WAIT`]).
    async fn dispatch(&mut self, out: &mut Vec<Action>, stopping: bool) {
        for action in out.drain(..) {
            match action {
                Action::BlockVips {
                    instance,
                    addrs,
                    block,
                } => {
                    let verb = if block { "setting" } else { "removing" };
                    tracing::info!(target: target::VRRP, "({instance}) {verb} firewall drop rule");
                    self.firewall.block(&self.setup, &instance, &addrs, block);
                    self.firewall.apply(&mut self.nft).await;
                }
                Action::Notify(n) => {
                    if stopping && n.state == NotifyState::Stop {
                        self.notifier
                            .notify_and_wait(&n, STOP_SCRIPT_WAIT)
                            .await;
                    } else {
                        self.notifier.notify(&n);
                    }
                }
                Action::Log(line) => match line.level {
                    LogLevel::Warning => {
                        tracing::warn!(target: target::VRRP, "{}", line.text)
                    }
                    LogLevel::Info => {
                        tracing::info!(target: target::VRRP, "{}", line.text)
                    }
                },
                send @ Action::SendAdvert { .. } => self.send(send),
                send @ (Action::SendGarp { .. }
                | Action::SendUnsolicitedNa { .. }) => {
                    // keepalived compat: the VIP is in the kernel before its
                    // gratuitous ARP/NA goes out (keepalived adds addresses
                    // synchronously), so nobody is pointed at us before we
                    // answer for it.
                    self.kernel_barrier().await;
                    self.send(send);
                }
                kernel @ (Action::AddAddress { .. }
                | Action::DelAddress { .. }
                | Action::AddRoute { .. }
                | Action::DelRoute { .. }
                | Action::AddRule { .. }
                | Action::DelRule { .. }) => self.kernel_action(kernel),
            }
        }
    }

    /// Sends an advert, a gratuitous ARP or an unsolicited NA.
    fn send(&mut self, action: Action) {
        match action {
            Action::SendAdvert {
                instance,
                iface,
                src,
                dst,
                ttl,
                bytes,
                ..
            } => {
                let Some(iface) = iface else { return };
                let key = self.setup.ah_keys.get(&instance).copied();
                if let Err(e) = self.sockets.send(
                    &self.ifaces,
                    &instance,
                    &iface,
                    src,
                    dst,
                    ttl,
                    &bytes,
                    key.as_ref(),
                ) {
                    self.error(&format!(
                        "({instance}) cannot send advert on {iface}: {e}"
                    ));
                }
            }
            Action::SendGarp { iface, addr } => {
                self.send_frame(&iface, |mac| garp_frame(mac, addr).to_vec())
            }
            Action::SendUnsolicitedNa { iface, addr } => {
                // RFC 4861 §7.2.6: the Router flag says whether we
                // forward; keepalived sets it from the forwarding sysctl.
                let router = self.frames.ipv6_forwarding(&iface);
                self.send_frame(&iface, |mac| {
                    unsolicited_na_frame(mac, addr, router).to_vec()
                });
            }
            // Not sends: `dispatch` handles them.
            Action::AddAddress { .. }
            | Action::DelAddress { .. }
            | Action::AddRoute { .. }
            | Action::DelRoute { .. }
            | Action::AddRule { .. }
            | Action::DelRule { .. }
            | Action::BlockVips { .. }
            | Action::Notify(_)
            | Action::Log(_) => {}
        }
    }

    /// Waits (bounded) until every kernel change queued so far is applied.
    async fn kernel_barrier(&mut self) {
        if !std::mem::take(&mut self.kernel_pending) {
            return;
        }
        let (done, wait) = oneshot::channel();
        self.kernel.submit(KernelOp::Barrier(done));
        let _ = tokio::time::timeout(GARP_BARRIER_WAIT, wait).await;
    }

    /// Queues an address, route or rule change on the kernel worker.
    fn kernel_action(&mut self, action: Action) {
        self.kernel_pending = true;
        let op = match action {
            Action::AddAddress {
                instance,
                iface,
                addr,
                prefix_len,
            } => self
                .addr_spec(&instance, &iface, addr, prefix_len)
                .map(KernelOp::AddAddr),
            Action::DelAddress {
                instance,
                iface,
                addr,
                prefix_len,
            } => self
                .addr_spec(&instance, &iface, addr, prefix_len)
                .map(KernelOp::DelAddr),
            Action::AddRoute { route, .. } => Some(KernelOp::Route {
                add: true,
                spec: route.0,
            }),
            Action::DelRoute { route, .. } => Some(KernelOp::Route {
                add: false,
                spec: route.0,
            }),
            Action::AddRule { rule, .. } => Some(KernelOp::Rule {
                add: true,
                spec: rule.0,
            }),
            Action::DelRule { rule, .. } => Some(KernelOp::Rule {
                add: false,
                spec: rule.0,
            }),
            // Not kernel changes: `dispatch` handles them.
            Action::SendAdvert { .. }
            | Action::SendGarp { .. }
            | Action::SendUnsolicitedNa { .. }
            | Action::BlockVips { .. }
            | Action::Notify(_)
            | Action::Log(_) => None,
        };
        if let Some(op) = op {
            self.kernel.submit(op);
        }
    }

    /// The full address (label, broadcast, scope … from the plan) behind
    /// an engine address action; `None` (logged) without the interface.
    fn addr_spec(
        &mut self,
        instance: &str,
        iface: &str,
        addr: IpAddr,
        prefix_len: u8,
    ) -> Option<AddrSpec> {
        let Some(i) = self.ifaces.get(iface) else {
            self.error(&format!(
                "({instance}) cannot change {addr}: no interface {iface}"
            ));
            return None;
        };
        Some(
            match self.setup.addresses.get(&(instance.to_owned(), addr)) {
                Some(d) => d.spec(i.index, addr),
                None => AddrSpec::new(i.index, addr, prefix_len),
            },
        )
    }

    /// Sends a frame built from the MAC of `iface` out of it.
    fn send_frame(
        &mut self,
        iface: &str,
        build: impl FnOnce(EthernetAddress) -> Vec<u8>,
    ) {
        let Some(i) = self.ifaces.get(iface) else {
            return;
        };
        let (index, frame) = (i.index, build(EthernetAddress(i.mac)));
        if let Err(e) = self.frames.send_frame(index, &frame) {
            self.error(&format!(
                "cannot send gratuitous ARP/NA on {iface}: {e}"
            ));
        }
    }
}

#[cfg(test)]
#[path = "runtime_tests.rs"]
mod tests;

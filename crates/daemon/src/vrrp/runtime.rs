//! The VRRP event loop: the engine, fed by sockets, netlink, trackers and
//! the control channel, with its actions carried out in order.
//!
//! Shape (STYLE-ANCHORS §8.3): wait for the first of an input or the
//! engine's deadline, hand it to the engine with the current time, then
//! dispatch every action it returned. Nothing in the loop blocks: kernel
//! changes go to an ordered worker, scripts to their own tasks.

use std::io;
use std::net::IpAddr;
use std::time::Duration;

use ka_sys::netlink::{AddrSpec, Monitor, Netlink};
use ka_sys::packet_socket::PacketSocket;
use ka_types::Instant;
use ka_vrrp::{Action, Engine, Event, LogLevel, NotifyState};
use ka_wire::arp::garp_frame;
use ka_wire::ethernet::EthernetAddress;
use ka_wire::ndisc::unsolicited_na_frame;
use tokio::sync::{mpsc, oneshot};

use super::firewall::Firewall;
use super::ifaces::Ifaces;
use super::kernel::{self, KernelOp};
use super::sockets::{RxInput, Sockets, strip_ipv4};
use super::trackers;
use super::vmac::Vmacs;
use crate::log::target;
use crate::map::{FifoSpec, VrrpPlan};
use crate::notify::Notifier;

/// How long shutdown waits for `notify_stop` scripts (keepalived: 1 s).
const STOP_SCRIPT_WAIT: Duration = Duration::from_secs(1);

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

/// The drivers actions are dispatched to.
struct Drivers {
    ifaces: Ifaces,
    sockets: Sockets,
    frames: PacketSocket,
    kernel: mpsc::UnboundedSender<KernelOp>,
    notifier: Notifier,
    setup: VrrpPlan,
    rx_tx: mpsc::UnboundedSender<RxInput>,
    errors: u64,
    firewall: Firewall,
}

/// Runs the VRRP runtime until `Control::Stop`.
pub async fn run(mut setup: VrrpPlan, mut control: mpsc::UnboundedReceiver<Control>) -> io::Result<()> {
    for what in &setup.not_implemented {
        tracing::warn!(target: target::VRRP, "{what}");
    }
    let nl = Netlink::connect()?;
    let mut monitor = Monitor::open()?;
    // VMACs exist before the interface dump, so the engine sees them.
    let mut vmacs = Vmacs::new(nl.clone());
    vmacs.sync(&mut setup).await;
    let mut firewall = Firewall::new(setup.firewall.clone());
    firewall.set_vmacs(vmacs.firewall_view());
    firewall.start(&setup).await;
    let links = nl.links().await.map_err(io::Error::other)?;
    let addrs = nl.addresses().await.map_err(io::Error::other)?;
    let (rx_tx, mut rx_rx) = mpsc::unbounded_channel();
    let (track_tx, mut track_rx) = mpsc::unbounded_channel();
    let fifo = open_fifo(setup.fifo.as_ref());
    let mut d = Drivers {
        ifaces: Ifaces::from_dump(&links, &addrs),
        sockets: Sockets::default(),
        frames: PacketSocket::open()?,
        kernel: kernel::spawn(nl.clone()),
        notifier: Notifier::new(setup.hooks.clone(), fifo),
        setup,
        rx_tx,
        errors: 0,
        firewall,
    };
    let mut trackers = trackers::spawn_all(&d.setup, false, &track_tx);
    d.open_sockets();
    let clock = Clock { start: tokio::time::Instant::now() };
    let mut engine = Engine::new(d.setup.engine.clone());
    let mut out = Vec::new();
    for ev in d.ifaces.initial_events() {
        engine.handle(clock.now(), ev, &mut out);
    }
    // Initial track_file values and process counts, so an instance starts
    // in the state they call for (keepalived reads them before starting).
    while let Ok(ev) = track_rx.try_recv() {
        engine.handle(clock.now(), ev, &mut out);
    }
    engine.handle(clock.now(), Event::Started, &mut out);
    loop {
        d.dispatch(&mut out, false).await;
        let deadline = engine.poll_timeout().map(|t| clock.to_tokio(t));
        tokio::select! {
            c = control.recv() => match c {
                None | Some(Control::Stop) => {
                    engine.handle(clock.now(), Event::ShutdownRequested, &mut out);
                    d.dispatch(&mut out, true).await;
                    let (done, wait) = oneshot::channel();
                    let _ = d.kernel.send(KernelOp::Barrier(done));
                    let _ = tokio::time::timeout(Duration::from_secs(5), wait).await;
                    d.firewall.stop().await;
                    vmacs.teardown().await;
                    return Ok(());
                }
                Some(Control::Reload(mut new)) => {
                    vmacs.sync(&mut new).await;
                    d.firewall.set_vmacs(vmacs.firewall_view());
                    d.firewall.apply().await;
                    trackers.iter().for_each(tokio::task::JoinHandle::abort);
                    trackers = trackers::spawn_all(&new, true, &track_tx);
                    d.notifier = Notifier::new(new.hooks.clone(), open_fifo(new.fifo.as_ref()));
                    let cfg = new.engine.clone();
                    d.setup = *new;
                    d.open_sockets();
                    engine.handle(clock.now(), Event::Reloaded(Box::new(cfg)), &mut out);
                }
                Some(Control::Snapshot(reply)) => {
                    let _ = reply.send(engine.snapshot());
                }
            },
            Some(input) = rx_rx.recv() => {
                if let Some(ev) = d.packet_event(input) {
                    engine.handle(clock.now(), ev, &mut out);
                }
            }
            Some(change) = monitor.next() => {
                if let ka_sys::netlink::NetEvent::LinkRemoved(l) = &change {
                    d.sockets.close(&l.name);
                }
                for ev in d.ifaces.apply(&change) {
                    engine.handle(clock.now(), ev, &mut out);
                }
                d.open_sockets();
            }
            Some(ev) = track_rx.recv() => engine.handle(clock.now(), ev, &mut out),
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

impl Drivers {
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
                Some((i.interface.clone()?, i.is_ipv6(), ah, i.multicast_group()))
            })
            .collect();
        for (iface, v6, ah, group) in wanted {
            if self.ifaces.get(&iface).is_none() {
                continue;
            }
            if let Err(e) = self.sockets.ensure(&self.ifaces, &iface, v6, ah, &[group], &self.rx_tx) {
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
            self.strip_v4(&iface, &r)?
        } else {
            r.bytes
        };
        Some(Event::PacketReceived { iface, src: r.src, dst: r.dst, ttl: r.ttl, bytes })
    }

    /// Checks and strips the IPv4 (and AH) headers of a received packet;
    /// `None` (logged, rate-limited) when it must be dropped.
    fn strip_v4(&mut self, iface: &str, r: &ka_sys::vrrp_socket::Received) -> Option<Vec<u8>> {
        // The AH instance, found by the VRID behind the AH header.
        let ah_instance = |vrid: u8| {
            self.setup
                .engine
                .instances
                .iter()
                .find(|i| i.vrid == vrid && i.interface.as_deref() == Some(iface))
                .filter(|i| self.setup.ah_keys.contains_key(&i.name))
                .map(|i| i.name.clone())
        };
        let vrid = r.bytes.get(20 + ka_wire::ah::HEADER_LEN + 1).copied();
        let instance = vrid.and_then(ah_instance);
        let key = instance.as_ref().and_then(|n| self.setup.ah_keys.get(n).copied());
        match strip_ipv4(&r.bytes, |_| key) {
            Ok((vrrp, None)) => Some(vrrp.to_vec()),
            Ok((vrrp, Some(seq))) => {
                let name = instance.unwrap_or_default();
                if self.sockets.ah_accept(&name, seq) {
                    Some(vrrp.to_vec())
                } else {
                    self.error(&format!(
                        "({name}) IPSEC-AH : sequence number {seq} already processed. Packet dropped."
                    ));
                    None
                }
            }
            Err(e) => {
                self.error(&format!("dropped VRRP packet from {} on {iface}: {e:?}", r.src));
                None
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
                Action::SendAdvert { instance, iface, src, dst, ttl, bytes, .. } => {
                    let Some(iface) = iface else { continue };
                    let key = self.setup.ah_keys.get(&instance).copied();
                    if let Err(e) =
                        self.sockets.send(&self.ifaces, &instance, &iface, src, dst, ttl, &bytes, key.as_ref())
                    {
                        self.error(&format!("({instance}) cannot send advert on {iface}: {e}"));
                    }
                }
                Action::AddAddress { instance, iface, addr, prefix_len } => {
                    if let Some(spec) = self.addr_spec(&instance, &iface, addr, prefix_len) {
                        let _ = self.kernel.send(KernelOp::AddAddr(spec));
                    }
                }
                Action::DelAddress { instance, iface, addr, prefix_len } => {
                    if let Some(spec) = self.addr_spec(&instance, &iface, addr, prefix_len) {
                        let _ = self.kernel.send(KernelOp::DelAddr(spec));
                    }
                }
                Action::AddRoute { route, .. } => {
                    let _ = self.kernel.send(KernelOp::Route { add: true, spec: route.0 });
                }
                Action::DelRoute { route, .. } => {
                    let _ = self.kernel.send(KernelOp::Route { add: false, spec: route.0 });
                }
                Action::AddRule { rule, .. } => {
                    let _ = self.kernel.send(KernelOp::Rule { add: true, spec: rule.0 });
                }
                Action::DelRule { rule, .. } => {
                    let _ = self.kernel.send(KernelOp::Rule { add: false, spec: rule.0 });
                }
                Action::SendGarp { iface, addr } => self.send_frame(&iface, |mac| garp_frame(mac, addr).to_vec()),
                Action::SendUnsolicitedNa { iface, addr } => {
                    // RFC 4861 §7.2.6: the Router flag says whether we
                    // forward; keepalived sets it from the forwarding sysctl.
                    let router = forwarding_v6(&iface);
                    self.send_frame(&iface, |mac| unsolicited_na_frame(mac, addr, router).to_vec());
                }
                Action::BlockVips { instance, addrs, block } => {
                    let verb = if block { "setting" } else { "removing" };
                    tracing::info!(target: target::VRRP, "({instance}) {verb} firewall drop rule");
                    self.firewall.block(&self.setup, &instance, &addrs, block);
                    self.firewall.apply().await;
                }
                Action::Notify(n) => {
                    if stopping && n.state == NotifyState::Stop {
                        self.notifier.notify_and_wait(&n, STOP_SCRIPT_WAIT).await;
                    } else {
                        self.notifier.notify(&n);
                    }
                }
                Action::Log(line) => match line.level {
                    LogLevel::Warning => tracing::warn!(target: target::VRRP, "{}", line.text),
                    LogLevel::Info => tracing::info!(target: target::VRRP, "{}", line.text),
                },
            }
        }
    }

    fn addr_spec(&mut self, instance: &str, iface: &str, addr: IpAddr, prefix_len: u8) -> Option<AddrSpec> {
        let Some(i) = self.ifaces.get(iface) else {
            self.error(&format!("({instance}) cannot change {addr}: no interface {iface}"));
            return None;
        };
        Some(match self.setup.addresses.get(&(instance.to_owned(), addr)) {
            Some(d) => d.spec(i.index, addr),
            None => AddrSpec::new(i.index, addr, prefix_len),
        })
    }

    fn send_frame(&mut self, iface: &str, build: impl FnOnce(EthernetAddress) -> Vec<u8>) {
        let Some(i) = self.ifaces.get(iface) else { return };
        let (index, frame) = (i.index, build(EthernetAddress(i.mac)));
        if let Err(e) = self.frames.send_frame(index, &frame) {
            self.error(&format!("cannot send gratuitous ARP/NA on {iface}: {e}"));
        }
    }
}

/// Opens the notify FIFO (creating it if needed), chowns it to its
/// configured owner, and starts its reader script; `None` (logged) when it
/// cannot be opened.
fn open_fifo(spec: Option<&FifoSpec>) -> Option<std::fs::File> {
    let spec = spec?;
    let path = std::path::Path::new(&spec.path);
    let f = match ka_sys::files::open_fifo(path) {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(target: target::VRRP, "cannot open notify FIFO {}: {e}", spec.path);
            return None;
        }
    };
    if let Some((uid, gid)) = spec.owner {
        let _ = std::os::unix::fs::chown(path, Some(uid), Some(gid));
    }
    if let Some(script) = spec.script.clone() {
        // keepalived compat: the FIFO reader is started once and left
        // running (its path is already its last argument).
        tokio::spawn(async move {
            let _ = ka_sys::script::run(&script).await;
        });
    }
    Some(f)
}

/// Whether IPv6 forwarding is on for `iface` (this namespace).
fn forwarding_v6(iface: &str) -> bool {
    std::fs::read_to_string(format!("/proc/sys/net/ipv6/conf/{iface}/forwarding"))
        .is_ok_and(|s| s.trim() == "1")
}

//! In-memory drivers for the runtime's unit tests: every call is recorded
//! in one ordered log ([`Call`]), received packets and netlink changes
//! are injected by the test, and nothing touches the kernel.
//!
//! One [`Fake`] (cheap to clone, shared state) plays every driver except
//! the netlink source, which owns the channel the test pushes changes
//! into ([`FakeNet`]).

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use ka_sys::netlink::{AddrInfo, AddrSpec, LinkInfo, NetEvent};
use ka_sys::nft::NftError;
use ka_sys::vrrp_socket::{Received, SocketSpec};
use ka_vrrp::Notification;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::sync::oneshot;

use super::io::FwVmac;
use super::io::KernelOp;
use super::io::RxInput;
use super::io::{
    AdvertIo, Drivers, FirewallIo, FrameIo, Io, KernelIo, NetIo, NotifyIo,
    SocketKind, VmacIo,
};
use super::rx_queue::RxSender;
use crate::vrrp::plan::VrrpPlan;

/// One driver call, as the fake saw it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Call {
    /// A VRRP socket was opened.
    Open {
        /// Interface.
        iface: String,
        /// Which socket.
        kind: SocketKind,
        /// Multicast groups joined.
        groups: Vec<IpAddr>,
        /// `SO_RCVBUF` asked for.
        rcvbuf: Option<usize>,
    },
    /// The sockets of an interface were closed.
    Close(String),
    /// A whole IPv4 packet was sent.
    SendV4 {
        /// Interface.
        iface: String,
        /// The packet, IPv4 header included.
        packet: Vec<u8>,
        /// Destination.
        dst: Ipv4Addr,
    },
    /// A VRRP message was sent over IPv6.
    SendV6 {
        /// Interface.
        iface: String,
        /// The VRRP message.
        vrrp: Vec<u8>,
        /// Source.
        src: Ipv6Addr,
        /// Destination.
        dst: Ipv6Addr,
        /// Hop limit override.
        hops: Option<u8>,
    },
    /// An Ethernet frame was sent.
    Frame {
        /// Out of this interface.
        ifindex: u32,
        /// The frame.
        frame: Vec<u8>,
    },
    /// An address was added.
    AddAddr(AddrSpec),
    /// An address was deleted.
    DelAddr(AddrSpec),
    /// `ip route add|del`.
    Route {
        /// Add or delete.
        add: bool,
        /// Route text.
        spec: String,
    },
    /// `ip rule add|del`.
    Rule {
        /// Add or delete.
        add: bool,
        /// Rule text.
        spec: String,
    },
    /// A kernel barrier was submitted.
    Barrier,
    /// An nftables script was applied.
    Nft(String),
    /// VMACs were synced to a plan.
    VmacSync,
    /// VMACs were torn down.
    VmacTeardown,
    /// Notify hooks were (re)configured.
    NotifyConfigure,
    /// A notification was sent.
    Notify(Notification),
    /// A notification was sent and waited for.
    NotifyWait(Notification),
    /// A line written to the notify FIFOs only.
    FifoLine(String),
}

/// What the fake drivers share.
#[derive(Debug, Default)]
struct State {
    calls: Vec<Call>,
    sockets: HashMap<(String, SocketKind), RxSender>,
    hold_barriers: bool,
    held: Vec<oneshot::Sender<()>>,
    panic_on_frames: bool,
}

/// Every driver but the netlink source; clones share one log.
#[derive(Clone, Debug, Default)]
pub(crate) struct Fake {
    state: Arc<Mutex<State>>,
}

/// The netlink source: a fixed dump, then what the test pushes.
#[derive(Debug)]
pub(crate) struct FakeNet {
    links: Vec<LinkInfo>,
    addrs: Vec<AddrInfo>,
    changes: UnboundedReceiver<NetEvent>,
}

impl Io for Fake {
    type Adverts = Self;
    type Frames = Self;
    type Kernel = Self;
    type Nft = Self;
    type Net = FakeNet;
    type Vmacs = Self;
    type Notify = Self;
}

impl Fake {
    /// Drivers whose interface dump is `links`/`addrs`, and the sender
    /// for later netlink changes.
    pub(crate) fn drivers(
        &self,
        links: Vec<LinkInfo>,
        addrs: Vec<AddrInfo>,
    ) -> (Drivers<Self>, UnboundedSender<NetEvent>) {
        let (tx, changes) = mpsc::unbounded_channel();
        let net = FakeNet {
            links,
            addrs,
            changes,
        };
        let d = Drivers {
            adverts: self.clone(),
            frames: self.clone(),
            kernel: self.clone(),
            nft: self.clone(),
            net,
            vmacs: self.clone(),
            notify: self.clone(),
        };
        (d, tx)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .expect("invariant: no test panics holding it")
    }

    fn record(&self, call: Call) {
        self.lock().calls.push(call);
    }

    /// Every call so far, in order.
    pub(crate) fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    /// The calls so far, forgetting them.
    pub(crate) fn take(&self) -> Vec<Call> {
        std::mem::take(&mut self.lock().calls)
    }

    /// Hands `packet` to the runtime as if the `kind` socket of `iface`
    /// had received it.
    ///
    /// # Panics
    ///
    /// If that socket is not open.
    pub(crate) fn deliver(&self, iface: &str, kind: SocketKind, r: Received) {
        let st = self.lock();
        let tx = st
            .sockets
            .get(&(iface.to_owned(), kind))
            .expect("the socket is open");
        tx.send(RxInput::Packet(r)).expect("the runtime is running");
    }

    /// From now on, sending a frame panics (a bug in the event loop).
    pub(crate) fn panic_on_frames(&self) {
        self.lock().panic_on_frames = true;
    }

    /// From now on, barriers are never answered (a stuck kernel worker).
    pub(crate) fn hold_barriers(&self) {
        self.lock().hold_barriers = true;
    }
}

impl AdvertIo for Fake {
    fn is_open(&self, iface: &str, kind: SocketKind) -> bool {
        self.lock().sockets.contains_key(&(iface.to_owned(), kind))
    }

    fn open(
        &mut self,
        kind: SocketKind,
        spec: SocketSpec,
        rx: &RxSender,
    ) -> io::Result<()> {
        let mut st = self.lock();
        st.sockets.insert((spec.ifname.clone(), kind), rx.clone());
        st.calls.push(Call::Open {
            iface: spec.ifname,
            kind,
            groups: spec.groups,
            rcvbuf: spec.rcvbuf,
        });
        Ok(())
    }

    fn close(&mut self, iface: &str) {
        let mut st = self.lock();
        st.sockets.retain(|(name, _), _| name != iface);
        st.calls.push(Call::Close(iface.to_owned()));
    }

    fn send_v4(
        &mut self,
        iface: &str,
        packet: &[u8],
        dst: Ipv4Addr,
    ) -> io::Result<()> {
        if !self.is_open(iface, SocketKind::V4) {
            return Err(io::ErrorKind::NotConnected.into());
        }
        self.record(Call::SendV4 {
            iface: iface.to_owned(),
            packet: packet.to_vec(),
            dst,
        });
        Ok(())
    }

    fn send_v6(
        &mut self,
        iface: &str,
        vrrp: &[u8],
        src: Ipv6Addr,
        dst: Ipv6Addr,
        hops: Option<u8>,
    ) -> io::Result<()> {
        if !self.is_open(iface, SocketKind::V6) {
            return Err(io::ErrorKind::NotConnected.into());
        }
        self.record(Call::SendV6 {
            iface: iface.to_owned(),
            vrrp: vrrp.to_vec(),
            src,
            dst,
            hops,
        });
        Ok(())
    }
}

impl FrameIo for Fake {
    fn send_frame(&mut self, ifindex: u32, frame: &[u8]) -> io::Result<()> {
        if self.lock().panic_on_frames {
            panic!("injected panic: sending a frame on {ifindex}");
        }
        self.record(Call::Frame {
            ifindex,
            frame: frame.to_vec(),
        });
        Ok(())
    }

    fn ipv6_forwarding(&self, _iface: &str) -> bool {
        false
    }
}

impl KernelIo for Fake {
    fn submit(&mut self, op: KernelOp) {
        let mut st = self.lock();
        let call = match op {
            KernelOp::AddAddr(a) => Call::AddAddr(a),
            KernelOp::DelAddr(a) => Call::DelAddr(a),
            KernelOp::Route { add, spec } => Call::Route { add, spec },
            KernelOp::Rule { add, spec } => Call::Rule { add, spec },
            KernelOp::Nft(script) => Call::Nft(script),
            KernelOp::Barrier(done) => {
                // Everything before it is "applied" already.
                if st.hold_barriers {
                    st.held.push(done);
                } else {
                    let _ = done.send(());
                }
                Call::Barrier
            }
        };
        st.calls.push(call);
    }
}

impl FirewallIo for Fake {
    async fn apply(&mut self, script: &str) -> Result<(), NftError> {
        self.record(Call::Nft(script.to_owned()));
        Ok(())
    }
}

impl VmacIo for Fake {
    async fn sync(&mut self, _plan: &mut VrrpPlan) {
        self.record(Call::VmacSync);
    }

    fn firewall_view(&self) -> Vec<FwVmac> {
        Vec::new()
    }

    async fn teardown(&mut self) {
        self.record(Call::VmacTeardown);
    }
}

impl NotifyIo for Fake {
    fn configure(&mut self, _plan: &VrrpPlan) {
        self.record(Call::NotifyConfigure);
    }

    fn notify(&mut self, n: &Notification) {
        self.record(Call::Notify(n.clone()));
    }

    fn fifo_line(&mut self, line: &str) {
        self.record(Call::FifoLine(line.to_owned()));
    }

    async fn notify_and_wait(&mut self, n: &Notification, _limit: Duration) {
        self.record(Call::NotifyWait(n.clone()));
    }
}

impl NetIo for FakeNet {
    async fn dump(&mut self) -> io::Result<(Vec<LinkInfo>, Vec<AddrInfo>)> {
        Ok((self.links.clone(), self.addrs.clone()))
    }

    async fn next_change(&mut self) -> Option<NetEvent> {
        self.changes.recv().await
    }
}

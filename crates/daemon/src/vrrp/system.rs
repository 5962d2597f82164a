//! The production drivers: raw VRRP sockets with their receive tasks,
//! the `AF_PACKET` socket, the netlink worker and monitor, `nft`, VMACs
//! and the notifier, each behind its [`super::io`] trait.

use std::collections::HashMap;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::Duration;

use ka_sys::netlink::{AddrInfo, LinkInfo, NetEvent, NetWatcher, Netlink};
use ka_sys::nft::NftError;
use ka_sys::packet_socket::PacketSocket;
use ka_sys::vrrp_socket::{SocketSpec, VrrpSocket};
use ka_vrrp::Notification;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::io::FwVmac;
use super::io::RxInput;
use super::io::{
    AdvertIo, Drivers, FirewallIo, FrameIo, Io, KernelIo, NetIo, NotifyIo,
    SocketKind, VmacIo,
};
use super::io::{KernelOp, RxError};
use super::kernel;
use super::rx_queue::RxSender;
use super::vmac::Vmacs;
use crate::core::fifo::Fifo;
use crate::vrrp::notify::Notifier;
use crate::vrrp::plan::{FifoSpec, VrrpPlan};

/// The kernel's drivers.
#[derive(Debug)]
pub(crate) struct System;

impl Io for System {
    type Adverts = RawSockets;
    type Frames = PacketSocket;
    type Kernel = mpsc::UnboundedSender<KernelOp>;
    type Nft = Nft;
    type Net = NetlinkIo;
    type Vmacs = Vmacs;
    type Notify = Notifier;
}

/// Opens the production drivers: netlink (requests, worker and monitor,
/// with the plan's monitor receive buffer) and the `AF_PACKET` socket.
/// VRRP sockets open later, per interface.
pub(crate) fn open(plan: &VrrpPlan) -> io::Result<Drivers<System>> {
    let nl = Netlink::connect_with(plan.netlink_cmd_rcvbuf)?;
    let watcher = NetWatcher::open(nl.clone(), plan.netlink_monitor_rcvbuf)?;
    let kernel = kernel::spawn(nl.clone());
    Ok(Drivers {
        adverts: RawSockets::default(),
        frames: PacketSocket::open()?,
        nft: Nft {
            kernel: kernel.clone(),
        },
        kernel,
        net: NetlinkIo { watcher },
        vmacs: Vmacs::new(nl),
        notify: Notifier::new(HashMap::new(), None),
    })
}

// ===== impl RawSockets =====

/// Open VRRP sockets and their receive tasks, by (interface, kind).
#[derive(Debug, Default)]
pub(crate) struct RawSockets {
    open: HashMap<(String, SocketKind), (Arc<VrrpSocket>, JoinHandle<()>)>,
}

impl Drop for RawSockets {
    fn drop(&mut self) {
        for (_, (_, task)) in self.open.drain() {
            task.abort();
        }
    }
}

impl RawSockets {
    fn socket(&self, iface: &str, kind: SocketKind) -> io::Result<&VrrpSocket> {
        self.open
            .get(&(iface.to_owned(), kind))
            .map(|(s, _)| s.as_ref())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotConnected,
                    format!("no VRRP socket on {iface}"),
                )
            })
    }
}

impl AdvertIo for RawSockets {
    fn is_open(&self, iface: &str, kind: SocketKind) -> bool {
        self.open.contains_key(&(iface.to_owned(), kind))
    }

    fn open(
        &mut self,
        kind: SocketKind,
        spec: SocketSpec,
        rx: &RxSender,
    ) -> io::Result<()> {
        let sock = match kind {
            SocketKind::V6 => VrrpSocket::open_v6(&spec)?,
            SocketKind::V4 | SocketKind::Ah => VrrpSocket::open_v4(&spec)?,
        };
        let sock = Arc::new(sock);
        let task = tokio::spawn(receive(Arc::clone(&sock), rx.clone()));
        self.open.insert((spec.ifname, kind), (sock, task));
        Ok(())
    }

    fn close(&mut self, iface: &str) {
        self.open.retain(|(name, _), (_, task)| {
            let keep = name != iface;
            if !keep {
                task.abort();
            }
            keep
        });
    }

    fn send_v4(
        &mut self,
        iface: &str,
        packet: &[u8],
        dst: Ipv4Addr,
    ) -> io::Result<()> {
        self.socket(iface, SocketKind::V4)?.send_v4(packet, dst)
    }

    fn send_v6(
        &mut self,
        iface: &str,
        vrrp: &[u8],
        src: Ipv6Addr,
        dst: Ipv6Addr,
        hops: Option<u8>,
    ) -> io::Result<()> {
        self.socket(iface, SocketKind::V6)?
            .send_v6(vrrp, src, dst, hops)
    }
}

/// A socket's receive task: every packet or error goes to the loop.
async fn receive(sock: Arc<VrrpSocket>, tx: RxSender) {
    loop {
        let input = match sock.recv().await {
            Ok(r) => RxInput::Packet(r),
            Err(source) => RxInput::Error(RxError {
                ifindex: sock.ifindex(),
                source,
            }),
        };
        let failed = matches!(input, RxInput::Error(_));
        if tx.send(input).is_err() {
            return;
        }
        if failed {
            // Do not spin on a broken socket.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

// ===== impl FrameIo, KernelIo, FirewallIo =====

impl FrameIo for PacketSocket {
    fn send_frame(&mut self, ifindex: u32, frame: &[u8]) -> io::Result<()> {
        Self::send_frame(self, ifindex, frame)
    }

    fn ipv6_forwarding(&self, iface: &str) -> bool {
        std::fs::read_to_string(format!(
            "/proc/sys/net/ipv6/conf/{iface}/forwarding"
        ))
        .is_ok_and(|s| s.trim() == "1")
    }
}

impl KernelIo for mpsc::UnboundedSender<KernelOp> {
    fn submit(&mut self, op: KernelOp) {
        // The worker lives as long as the runtime; a closed channel only
        // happens while the runtime is going away.
        let _ = self.send(op);
    }
}

/// The firewall's scripts go to the kernel worker ([`KernelOp::Nft`]),
/// in order with the address changes: the event loop never waits for
/// `nft` (killed there after [`ka_sys::nft::NFT_TIMEOUT`]), so a hung
/// `nft` delays the firewall, never the adverts. Failures are logged by
/// the worker.
#[derive(Debug)]
pub(crate) struct Nft {
    kernel: mpsc::UnboundedSender<KernelOp>,
}

impl FirewallIo for Nft {
    async fn apply(&mut self, script: &str) -> Result<(), NftError> {
        self.kernel.submit(KernelOp::Nft(script.to_owned()));
        Ok(())
    }
}

// ===== impl NetIo =====

/// The link and address dump and the changes after it; lost
/// notifications and an ended subscription are recovered by the watcher
/// (re-read, differences reported as changes).
#[derive(Debug)]
pub(crate) struct NetlinkIo {
    watcher: NetWatcher,
}

impl NetIo for NetlinkIo {
    async fn dump(&mut self) -> io::Result<(Vec<LinkInfo>, Vec<AddrInfo>)> {
        self.watcher.dump().await.map_err(io::Error::other)
    }

    async fn next_change(&mut self) -> Option<NetEvent> {
        Some(self.watcher.next().await)
    }
}

// ===== impl VmacIo, NotifyIo =====

impl VmacIo for Vmacs {
    async fn sync(&mut self, plan: &mut VrrpPlan) {
        Self::sync(self, plan).await;
    }

    fn firewall_view(&self) -> Vec<FwVmac> {
        Self::firewall_view(self)
    }

    async fn teardown(&mut self) {
        Self::teardown(self).await;
    }
}

impl NotifyIo for Notifier {
    fn configure(&mut self, plan: &VrrpPlan) {
        let fifo = || {
            let global = open_fifo(plan.global_fifo.as_ref());
            Fifo::chain(global, open_fifo(plan.fifo.as_ref()))
        };
        self.reconfigure(plan.hooks.clone(), fifo, &plan.config);
    }

    fn notify(&mut self, n: &Notification) {
        Self::notify(self, n);
    }

    fn fifo_line(&mut self, line: &str) {
        Self::fifo_line(self, line);
    }

    async fn notify_and_wait(&mut self, n: &Notification, limit: Duration) {
        Self::notify_and_wait(self, n, limit).await;
    }
}

/// Opens the notify FIFO (created if needed, refused if foreign) and
/// starts its reader script; `None` (logged) when it cannot be used.
fn open_fifo(spec: Option<&FifoSpec>) -> Option<Fifo> {
    let spec = spec?;
    Fifo::open(
        std::path::Path::new(&spec.path),
        spec.owner,
        spec.script.as_ref(),
    )
}

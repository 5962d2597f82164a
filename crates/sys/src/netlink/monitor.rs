//! Link and address change notifications (`ip monitor link address`).

use std::os::fd::AsFd;

use futures::StreamExt;
use futures::channel::mpsc::UnboundedReceiver;
use netlink_packet_core::{NetlinkMessage, NetlinkPayload};
use netlink_packet_route::RouteNetlinkMessage;
use netlink_sys::{AsyncSocket, SocketAddr};
use nix::sys::socket::{setsockopt, sockopt};
use rtnetlink::MulticastGroup;

use super::{AddrInfo, LinkInfo};

/// A change the kernel reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetEvent {
    /// An interface appeared or changed (flags, name, address).
    LinkChanged(LinkInfo),
    /// An interface was deleted.
    LinkRemoved(LinkInfo),
    /// An address was added.
    AddrAdded(AddrInfo),
    /// An address was removed.
    AddrRemoved(AddrInfo),
}

/// What the subscription delivers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Monitored {
    /// A change.
    Change(NetEvent),
    /// The socket's receive buffer overflowed (`ENOBUFS`): changes were
    /// lost and the caller must re-read the state.
    Overrun,
}

/// The receive buffer of the monitor socket
/// (`vrrp_netlink_monitor_rcv_bufs N`, `..._rcv_bufs_force`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RcvBuf {
    /// Bytes; `None` keeps the kernel default.
    pub size: Option<u32>,
    /// `SO_RCVBUFFORCE` (may exceed `net.core.rmem_max`; needs
    /// CAP_NET_ADMIN) instead of `SO_RCVBUF`.
    pub force: bool,
}

/// A subscription to link and address changes.
#[derive(Debug)]
pub struct Monitor {
    rx: UnboundedReceiver<(NetlinkMessage<RouteNetlinkMessage>, SocketAddr)>,
}

/// Sets `sock`'s receive buffer (`SO_RCVBUF`, or `SO_RCVBUFFORCE` with
/// `force`) when `buf` has a size.
pub(crate) fn set_rcvbuf<S: AsFd>(
    sock: &S,
    buf: RcvBuf,
) -> std::io::Result<()> {
    let Some(size) = buf.size else {
        return Ok(());
    };
    let fd = sock.as_fd();
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    if buf.force {
        setsockopt(&fd, sockopt::RcvBufForce, &size)?;
    } else {
        setsockopt(&fd, sockopt::RcvBuf, &size)?;
    }
    Ok(())
}

impl Monitor {
    /// Subscribes with the kernel's default receive buffer; the
    /// connection task is spawned on the current runtime.
    pub fn open() -> std::io::Result<Self> {
        Self::open_with(RcvBuf::default())
    }

    /// Subscribes with receive buffer `buf`; the connection task is
    /// spawned on the current runtime.
    pub fn open_with(buf: RcvBuf) -> std::io::Result<Self> {
        let groups = [
            MulticastGroup::Link,
            MulticastGroup::Ipv4Ifaddr,
            MulticastGroup::Ipv6Ifaddr,
        ];
        let (mut conn, _handle, rx) =
            rtnetlink::new_multicast_connection(&groups)?;
        set_rcvbuf(conn.socket_mut().socket_mut(), buf)?;
        tokio::spawn(conn);
        Ok(Self { rx })
    }

    /// The next change, or `None` if the subscription ended. Overruns
    /// are skipped: use [`Self::next_raw`] to learn about them.
    pub async fn next(&mut self) -> Option<NetEvent> {
        loop {
            if let Monitored::Change(ev) = self.next_raw().await? {
                return Some(ev);
            }
        }
    }

    /// The next change or overrun, or `None` if the subscription ended.
    /// Cancel-safe.
    pub async fn next_raw(&mut self) -> Option<Monitored> {
        loop {
            let (msg, from) = self.rx.next().await?;
            // Only the kernel (port 0) may tell us about links.
            if from.port_number() != 0 {
                continue;
            }
            if let Some(m) = decode(msg) {
                return Some(m);
            }
        }
    }
}

fn decode(msg: NetlinkMessage<RouteNetlinkMessage>) -> Option<Monitored> {
    let m = match msg.payload {
        NetlinkPayload::InnerMessage(m) => m,
        // netlink-proto turns ENOBUFS into an overrun message.
        NetlinkPayload::Overrun(_) => return Some(Monitored::Overrun),
        _ => return None,
    };
    let ev = match m {
        RouteNetlinkMessage::NewLink(l) => {
            NetEvent::LinkChanged(LinkInfo::from_message(&l))
        }
        RouteNetlinkMessage::DelLink(l) => {
            NetEvent::LinkRemoved(LinkInfo::from_message(&l))
        }
        RouteNetlinkMessage::NewAddress(a) => {
            NetEvent::AddrAdded(AddrInfo::from_message(&a)?)
        }
        RouteNetlinkMessage::DelAddress(a) => {
            NetEvent::AddrRemoved(AddrInfo::from_message(&a)?)
        }
        _ => return None,
    };
    Some(Monitored::Change(ev))
}

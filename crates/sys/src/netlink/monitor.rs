//! Link and address change notifications (`ip monitor link address`).

use futures::StreamExt;
use futures::channel::mpsc::UnboundedReceiver;
use netlink_packet_core::{NetlinkMessage, NetlinkPayload};
use netlink_packet_route::RouteNetlinkMessage;
use netlink_sys::SocketAddr;
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

/// A subscription to link and address changes.
#[derive(Debug)]
pub struct Monitor {
    rx: UnboundedReceiver<(NetlinkMessage<RouteNetlinkMessage>, SocketAddr)>,
}

impl Monitor {
    /// Subscribes; the connection task is spawned on the current runtime.
    pub fn open() -> std::io::Result<Self> {
        let groups = [
            MulticastGroup::Link,
            MulticastGroup::Ipv4Ifaddr,
            MulticastGroup::Ipv6Ifaddr,
        ];
        let (conn, _handle, rx) = rtnetlink::new_multicast_connection(&groups)?;
        tokio::spawn(conn);
        Ok(Self { rx })
    }

    /// The next change, or `None` if the subscription ended.
    pub async fn next(&mut self) -> Option<NetEvent> {
        loop {
            let (msg, from) = self.rx.next().await?;
            // Only the kernel (port 0) may tell us about links.
            if from.port_number() != 0 {
                continue;
            }
            if let Some(ev) = decode(msg) {
                return Some(ev);
            }
        }
    }
}

fn decode(msg: NetlinkMessage<RouteNetlinkMessage>) -> Option<NetEvent> {
    let NetlinkPayload::InnerMessage(m) = msg.payload else {
        return None;
    };
    match m {
        RouteNetlinkMessage::NewLink(l) => {
            Some(NetEvent::LinkChanged(LinkInfo::from_message(&l)))
        }
        RouteNetlinkMessage::DelLink(l) => {
            Some(NetEvent::LinkRemoved(LinkInfo::from_message(&l)))
        }
        RouteNetlinkMessage::NewAddress(a) => {
            AddrInfo::from_message(&a).map(NetEvent::AddrAdded)
        }
        RouteNetlinkMessage::DelAddress(a) => {
            AddrInfo::from_message(&a).map(NetEvent::AddrRemoved)
        }
        _ => None,
    }
}

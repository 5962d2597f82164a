//! Watches a lab host's IPv4 addresses through rtnetlink
//! (`RTMGRP_IPV4_IFADDR`), so the instant a VIP is added or removed is
//! taken when the kernel announces it, on this process's monotonic clock.

use std::fs::File;
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use nix::sched::{CloneFlags, setns};
use nix::sys::socket::{
    AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType,
    bind, recv, setsockopt, socket, sockopt,
};
use nix::sys::time::{TimeVal, TimeValLike};

/// rtnetlink multicast group of IPv4 address changes.
const RTMGRP_IPV4_IFADDR: u32 = 0x10;
const RTM_NEWADDR: u16 = 20;
const RTM_DELADDR: u16 = 21;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
/// Header sizes: `nlmsghdr` and `ifaddrmsg`.
const NLMSG_HDR: usize = 16;
const IFADDRMSG: usize = 8;

/// An address change announced by the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Change {
    /// True for an addition, false for a removal.
    pub(crate) added: bool,
    pub(crate) addr: Ipv4Addr,
}

/// The address changes in one rtnetlink datagram (malformed parts are
/// skipped).
pub(crate) fn parse(buf: &[u8]) -> Vec<Change> {
    let mut out = Vec::new();
    let mut off = 0;
    while off + NLMSG_HDR <= buf.len() {
        let u32_at = |o: usize| {
            buf.get(o..o + 4)
                .and_then(|b| b.try_into().ok())
                .map(u32::from_ne_bytes)
        };
        let Some(len) = u32_at(off).and_then(|l| usize::try_from(l).ok())
        else {
            break;
        };
        if len < NLMSG_HDR || off + len > buf.len() {
            break;
        }
        let kind = u16::from_ne_bytes([buf[off + 4], buf[off + 5]]);
        if kind == RTM_NEWADDR || kind == RTM_DELADDR {
            let msg = &buf[off + NLMSG_HDR..off + len];
            if let Some(addr) = ifa_addr(msg) {
                out.push(Change {
                    added: kind == RTM_NEWADDR,
                    addr,
                });
            }
        }
        off += len.next_multiple_of(4);
    }
    out
}

/// The IPv4 address (IFA_LOCAL, else IFA_ADDRESS) of an `ifaddrmsg` body.
fn ifa_addr(msg: &[u8]) -> Option<Ipv4Addr> {
    const AF_INET: u8 = 2;
    if *msg.first()? != AF_INET {
        return None;
    }
    let (mut off, mut address) = (IFADDRMSG, None);
    while off + 4 <= msg.len() {
        let len = usize::from(u16::from_ne_bytes([msg[off], msg[off + 1]]));
        let kind = u16::from_ne_bytes([msg[off + 2], msg[off + 3]]);
        if len < 4 || off + len > msg.len() {
            break;
        }
        let data: Option<[u8; 4]> = msg[off + 4..off + len].try_into().ok();
        match (kind, data) {
            (IFA_LOCAL, Some(a)) => return Some(Ipv4Addr::from(a)),
            (IFA_ADDRESS, Some(a)) => address = Some(Ipv4Addr::from(a)),
            _ => {}
        }
        off += len.next_multiple_of(4);
    }
    address
}

/// A subscription, in one lab host, to its IPv4 address changes.
pub(crate) struct Watch {
    rx: Receiver<(Instant, Change)>,
}

/// Opens an rtnetlink socket in `netns` (the calling thread joins it).
fn open(netns: &str) -> Result<OwnedFd, String> {
    let ns = File::open(format!("/run/netns/{netns}"))
        .map_err(|e| format!("open netns {netns}: {e}"))?;
    setns(ns, CloneFlags::CLONE_NEWNET)
        .map_err(|e| format!("setns {netns}: {e}"))?;
    let fd = socket(
        AddressFamily::Netlink,
        SockType::Raw,
        SockFlag::SOCK_CLOEXEC,
        SockProtocol::NetlinkRoute,
    )
    .map_err(|e| format!("netlink socket: {e}"))?;
    bind(fd.as_raw_fd(), &NetlinkAddr::new(0, RTMGRP_IPV4_IFADDR))
        .map_err(|e| format!("netlink bind: {e}"))?;
    setsockopt(&fd, sockopt::ReceiveTimeout, &TimeVal::milliseconds(50))
        .map_err(|e| format!("SO_RCVTIMEO: {e}"))?;
    Ok(fd)
}

impl Watch {
    /// Subscribes in `netns`; returns once the subscription is in place.
    /// The watcher thread ends after `lifetime` or when the [`Watch`] is
    /// dropped.
    pub(crate) fn start(
        netns: &str,
        lifetime: Duration,
    ) -> Result<Self, String> {
        let (tx, rx) = channel();
        let (ready_tx, ready_rx) = channel();
        let netns = netns.to_owned();
        std::thread::spawn(move || {
            let fd = match open(&netns) {
                Ok(fd) => {
                    let _ = ready_tx.send(Ok(()));
                    fd
                }
                Err(e) => return drop(ready_tx.send(Err(e))),
            };
            let (start, mut buf) = (Instant::now(), vec![0u8; 16384]);
            while start.elapsed() < lifetime {
                let Ok(n) = recv(fd.as_raw_fd(), &mut buf, MsgFlags::empty())
                else {
                    continue;
                };
                let at = Instant::now();
                for c in parse(&buf[..n]) {
                    if tx.send((at, c)).is_err() {
                        return;
                    }
                }
            }
        });
        ready_rx
            .recv_timeout(Duration::from_secs(5))
            .map_err(|e| format!("address watcher: {e}"))??;
        Ok(Self { rx })
    }

    /// When `addr` was next added (`added`) or removed, within `timeout`.
    pub(crate) fn wait(
        &self,
        addr: Ipv4Addr,
        added: bool,
        timeout: Duration,
    ) -> Option<Instant> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            match self.rx.recv_timeout(left) {
                Ok((at, c)) if c == (Change { added, addr }) => {
                    return Some(at);
                }
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }
}

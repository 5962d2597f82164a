//! A tap on a lab host: every IPv4 VRRP advert the host sends or
//! receives, with the kernel's timestamp.
//!
//! The thread joins the host's network namespace (setns(2)) and reads an
//! `AF_PACKET` socket (`SOCK_DGRAM`, `ETH_P_ALL`; see
//! `common/adverts.rs` for why not a raw IPv4 socket) with
//! `SO_TIMESTAMPNS`: the time of each packet is when the kernel saw it
//! (sent: when it went to the device; received: when the device handed it
//! up), not when this thread got around to reading it. The busy loops the
//! benchmark runs delay the thread, not the timestamps, and the socket's
//! buffer is made large enough for the adverts of several seconds.

use std::net::Ipv4Addr;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use nix::cmsg_space;
use nix::sys::socket::{setsockopt, sockopt};
use nix::sys::time::TimeSpec;

use crate::adverts::{self, parse_vrrp};
use crate::stamped::{self, ETH_P_IP, PACKET_OUTGOING};

/// Receive buffer: at 100 adverts/s each way, minutes of adverts.
const RCVBUF: usize = 8 << 20;

/// One VRRP advert the host sent or received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Seen {
    /// The kernel's timestamp (CLOCK_REALTIME, since the epoch).
    pub(crate) at: Duration,
    /// The advert's IPv4 source.
    pub(crate) src: Ipv4Addr,
    /// Its priority.
    pub(crate) priority: u8,
    /// Whether this host sent it.
    pub(crate) outgoing: bool,
}

/// A timestamping packet socket in namespace `netns`: the adverts
/// module's socket, with `SO_TIMESTAMPNS` and a large receive buffer.
fn open(netns: &str) -> Result<OwnedFd, String> {
    let fd = adverts::open(netns)?;
    setsockopt(&fd, sockopt::ReceiveTimestampns, &true)
        .map_err(|e| format!("SO_TIMESTAMPNS: {e}"))?;
    setsockopt(&fd, sockopt::RcvBufForce, &RCVBUF)
        .map_err(|e| format!("SO_RCVBUFFORCE: {e}"))?;
    Ok(fd)
}

/// Reads one frame; `None` on timeout, on anything but an IPv4 VRRP
/// advert, or when the kernel gave no timestamp.
fn read_one(fd: &OwnedFd, buf: &mut [u8], cmsg: &mut [u8]) -> Option<Seen> {
    let (at, n, from) = stamped::recv(fd, buf, cmsg)?;
    if u16::from_be(from.protocol()) != ETH_P_IP {
        return None;
    }
    let outgoing = from.pkttype() == PACKET_OUTGOING;
    let (src, priority) = parse_vrrp(buf.get(..n)?)?;
    Some(Seen {
        at,
        src,
        priority,
        outgoing,
    })
}

/// Records every VRRP advert host namespace `netns` sends or receives
/// until `stop` is set or `lifetime` has passed; the thread returns them.
pub(crate) fn start(
    netns: String,
    stop: Arc<AtomicBool>,
    lifetime: Duration,
) -> JoinHandle<Result<Vec<Seen>, String>> {
    std::thread::spawn(move || {
        let fd = open(&netns)?;
        let (mut buf, mut cmsg) = ([0u8; 256], cmsg_space!(TimeSpec));
        let (start, mut seen) = (std::time::Instant::now(), Vec::new());
        while !stop.load(Ordering::Relaxed) && start.elapsed() < lifetime {
            seen.extend(read_one(&fd, &mut buf, &mut cmsg));
        }
        Ok(seen)
    })
}

//! Where a soak's silence comes from: every BFD control packet (UDP to
//! port 3784) a lab host sends or receives, with the kernel's timestamp.
//!
//! A false session down means the receiver saw no packet for the
//! detection time. Either the sender did not send (its daemon was not
//! scheduled: a gap in the frames it sent, stamped when they reached its
//! device inside `sendmsg`), or the packets were sent on time and held
//! up in the kernel on the way (a gap only in the frames the receiver's
//! device handed up, which happens in softirq context: `ksoftirqd`
//! starved by the busy loops). The tap tells the two apart; the
//! timestamps are the kernel's, whenever this thread reads them.
//!
//! The socket is a packet socket in the host's namespace with a classic
//! BPF filter (only IPv4 UDP to 3784, so the thread wakes 200 times a second
//! per session), `SO_TIMESTAMPNS`, and a buffer for minutes of packets.

use std::fs::File;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use nix::cmsg_space;
use nix::sched::{CloneFlags, setns};
use nix::sys::socket::SockProtocol;
use nix::sys::time::TimeSpec;
use socket2::SockFilter;

use crate::stamped::{
    self, AD_PROTOCOL, ETH_P_IP, JEQ_K, JSET_K, LD_B_ABS, LD_H_ABS, LD_H_IND,
    LD_W_ABS, LDX_B_MSH, PACKET_OUTGOING, RET_K,
};

/// Receive buffer: minutes of BFD packets if the reader falls behind.
const RCVBUF: usize = 8 << 20;

/// The BFD packets one host sent and received: kernel times in seconds
/// (CLOCK_REALTIME), in the order seen.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    pub(crate) sent: Vec<f64>,
    pub(crate) received: Vec<f64>,
}

/// Records the BFD packets of namespace `netns` until `stop` is set.
pub(crate) fn start(
    netns: String,
    stop: Arc<AtomicBool>,
) -> JoinHandle<Result<Seen, String>> {
    std::thread::spawn(move || {
        let ns = File::open(format!("/run/netns/{netns}"))
            .map_err(|e| format!("open netns {netns}: {e}"))?;
        setns(ns, CloneFlags::CLONE_NEWNET)
            .map_err(|e| format!("setns {netns}: {e}"))?;
        let fd = open()?;
        let (mut buf, mut cmsg) = ([0u8; 64], cmsg_space!(TimeSpec));
        let mut seen = Seen::default();
        while !stop.load(Ordering::Relaxed) {
            match read_one(&fd, &mut buf, &mut cmsg) {
                Some((t, true)) => seen.sent.push(t),
                Some((t, false)) => seen.received.push(t),
                None => {}
            }
        }
        Ok(seen)
    })
}

/// RFC 5881 §4: single-hop control packets go to UDP port 3784.
const BFD_PORT: u32 = 3784;

/// An unfragmented IPv4 UDP datagram to port 3784 (frames start at the
/// network header: `SOCK_DGRAM`; an ARP or IPv6 frame is refused by its
/// ethertype first).
pub(crate) fn bfd_filter() -> Vec<SockFilter> {
    let op = SockFilter::new;
    vec![
        op(LD_W_ABS, 0, 0, AD_PROTOCOL),
        op(JEQ_K, 0, 8, u32::from(ETH_P_IP)),
        op(LD_B_ABS, 0, 0, 9), // protocol
        op(JEQ_K, 0, 6, 17),   // UDP
        op(LD_H_ABS, 0, 0, 6), // flags and fragment offset
        op(JSET_K, 4, 0, 0x1fff),
        op(LDX_B_MSH, 0, 0, 0), // X = IPv4 header length
        op(LD_H_IND, 0, 0, 2),  // UDP destination port
        op(JEQ_K, 0, 1, BFD_PORT),
        op(RET_K, 0, 0, 64),
        op(RET_K, 0, 0, 0),
    ]
}

/// Not EthIp: frames a host sends reach only ETH_P_ALL taps.
fn open() -> Result<OwnedFd, String> {
    stamped::open(SockProtocol::EthAll, &bfd_filter(), RCVBUF)
}

/// One BFD frame: its kernel time and whether this host sent it.
fn read_one(
    fd: &OwnedFd,
    buf: &mut [u8],
    cmsg: &mut [u8],
) -> Option<(f64, bool)> {
    let (at, _, from) = stamped::recv(fd, buf, cmsg)?;
    Some((at.as_secs_f64(), from.pkttype() == PACKET_OUTGOING))
}

/// Gaps between consecutive packets longer than `limit` seconds: how
/// many, and the longest gap of all.
pub(crate) fn gaps(times: &[f64], limit: f64) -> (usize, f64) {
    let mut t: Vec<f64> = times.to_vec();
    t.sort_by(f64::total_cmp);
    let g = t.windows(2).map(|w| w[1] - w[0]);
    g.fold((0, 0.0), |(n, max), d| {
        (n + usize::from(d > limit), f64::max(max, d))
    })
}

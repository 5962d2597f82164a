//! The time each check began, from the kernel: every TCP SYN to a real
//! server, timestamped when the loopback device handed it up.
//!
//! The accept times `serve` records and nginx's log lines are taken in
//! user space, by processes that share the two cores with the daemon: when
//! the machine is saturated, a server that reads one accept 150 ms late
//! makes an on-time check look late. A SYN leaves inside the daemon's
//! `connect(2)` (on loopback the kernel carries it to the listener in the
//! same call), so its kernel timestamp is the moment the check started,
//! whoever reads it later. A classic BPF filter keeps only incoming SYNs
//! (not SYN-ACKs, not the outgoing copy) so the socket costs little at
//! 11,000 checks a second. A retransmitted SYN (same source port and
//! initial sequence number as the server's previous SYN) is the same
//! check and is not counted again; the port alone would not do, as the
//! kernel reuses a port in TIME_WAIT on loopback (`tcp_tw_reuse` 2).

use std::net::Ipv4Addr;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use nix::cmsg_space;
use nix::sys::socket::SockProtocol;
use nix::sys::time::TimeSpec;
use socket2::SockFilter;

use crate::layout;
use crate::stamped::{
    self, AD_PKTTYPE, AND_K, JEQ_K, JSET_K, LD_B_ABS, LD_B_IND, LD_H_ABS,
    LD_W_ABS, LDX_B_MSH, PACKET_HOST, RET_K,
};

/// Receive buffer: several seconds of SYNs if the reader falls behind.
const RCVBUF: usize = 32 << 20;

/// A SYN's destination, and its source port with its initial sequence
/// number (what tells a new connection from a retransmitted SYN).
type Syn = ((Ipv4Addr, u16), (u16, u32));

/// What the capture saw.
#[derive(Debug, Default)]
pub(crate) struct SynTimes {
    /// Per real server (TCP servers first, then HTTP): the kernel's times
    /// of its SYNs (seconds since the epoch), in the order read (`serve`
    /// sorts what falls in its window).
    pub(crate) per: Vec<Vec<f64>>,
    /// Frames the filter let through (SYNs to any port, retransmits).
    pub(crate) frames: u64,
}

/// Captures SYNs to the `tcp` TCP_CHECK and `http` HTTP_GET real servers
/// (this namespace) until `stop` is set; the thread returns them.
pub(crate) fn start(
    tcp: usize,
    http: usize,
    stop: Arc<AtomicBool>,
) -> Result<JoinHandle<SynTimes>, String> {
    let fd = open()?;
    Ok(std::thread::spawn(move || {
        let mut per: Vec<Vec<f64>> = vec![Vec::new(); tcp + http];
        let mut frames = 0;
        let mut last: Vec<Option<(u16, u32)>> = vec![None; tcp + http];
        let (mut buf, mut cmsg) = ([0u8; 96], cmsg_space!(TimeSpec));
        while !stop.load(Ordering::Relaxed) {
            let Some((at, (dst, id))) = read_one(&fd, &mut buf, &mut cmsg)
            else {
                continue;
            };
            frames += 1;
            let Some(i) = server_index(dst, tcp, http) else {
                continue;
            };
            if let (Some(v), Some(last)) = (per.get_mut(i), last.get_mut(i))
                && *last != Some(id)
            {
                v.push(at);
                *last = Some(id);
            }
        }
        SynTimes { per, frames }
    }))
}

/// The real server a SYN to `dst` is for: TCP_CHECK server i, or
/// HTTP_GET server j as `tcp + j`.
pub(crate) fn server_index(
    dst: (Ipv4Addr, u16),
    tcp: usize,
    http: usize,
) -> Option<usize> {
    let (a, p) = dst;
    let o = a.octets();
    let host = usize::from(o[3]).checked_sub(1)?;
    let port = usize::from(p);
    match o[..3] {
        [198, 51, 100] => {
            let i = host * 1000 + port.checked_sub(10_000)?;
            (port < 11_000 && i < tcp && layout::tcp_rs(i) == dst).then_some(i)
        }
        [203, 0, 113] => {
            let j = host * 1000 + port.checked_sub(20_000)?;
            (port < 21_000 && j < http && layout::http_rs(j) == dst)
                .then_some(tcp + j)
        }
        _ => None,
    }
}

/// A packet socket with the SYN filter (received frames only: EthIp).
fn open() -> Result<OwnedFd, String> {
    stamped::open(SockProtocol::EthIp, &syn_filter(), RCVBUF)
}

/// The filter: an incoming, unfragmented TCP segment with SYN set and
/// ACK clear; 96 bytes of it (the IPv4 and TCP headers).
pub(crate) fn syn_filter() -> Vec<SockFilter> {
    let op = SockFilter::new;
    vec![
        op(LD_W_ABS, 0, 0, AD_PKTTYPE),
        op(JEQ_K, 0, 9, u32::from(PACKET_HOST)),
        op(LD_B_ABS, 0, 0, 9), // protocol
        op(JEQ_K, 0, 7, 6),    // TCP
        op(LD_H_ABS, 0, 0, 6), // flags and fragment offset
        op(JSET_K, 5, 0, 0x1fff),
        op(LDX_B_MSH, 0, 0, 0), // X = IPv4 header length
        op(LD_B_IND, 0, 0, 13), // TCP flags
        op(AND_K, 0, 0, 0x12),  // SYN | ACK
        op(JEQ_K, 0, 1, 0x02),  // SYN alone
        op(RET_K, 0, 0, 96),
        op(RET_K, 0, 0, 0),
    ]
}

/// One SYN: its kernel time (seconds since the epoch), destination, and
/// source port with sequence number; `None` on timeout or anything else.
fn read_one(
    fd: &OwnedFd,
    buf: &mut [u8],
    cmsg: &mut [u8],
) -> Option<(f64, Syn)> {
    let (at, n, _) = stamped::recv(fd, buf, cmsg)?;
    Some((at.as_secs_f64(), parse_syn(buf.get(..n)?)?))
}

/// The destination, and the source port with the sequence number, of an
/// IPv4 TCP segment.
pub(crate) fn parse_syn(p: &[u8]) -> Option<Syn> {
    let ihl = usize::from(p.first()? & 0x0f) * 4;
    let dst = Ipv4Addr::new(*p.get(16)?, *p.get(17)?, *p.get(18)?, *p.get(19)?);
    let tcp = p.get(ihl..ihl + 8)?;
    let sport = u16::from_be_bytes([tcp[0], tcp[1]]);
    let dport = u16::from_be_bytes([tcp[2], tcp[3]]);
    let seq = u32::from_be_bytes([tcp[4], tcp[5], tcp[6], tcp[7]]);
    Some(((dst, dport), (sport, seq)))
}

//! The observer's view of VRRP adverts, for benchmarks that time a fault
//! against the master's advert cycle.
//!
//! [`watch`] starts a thread that joins a lab host's network namespace
//! (setns(2), so its timestamps share this process's monotonic clock) and
//! reports every IPv4 VRRP packet (IP protocol 112) the host receives,
//! with its source, its priority and when it was seen. [`Adverts`]
//! collects the reports and answers "when did `src` next advertise" and
//! "when did `src` last advertise before this instant".
//!
//! The socket is an `AF_PACKET` socket (`SOCK_DGRAM`, `ETH_P_ALL`) rather
//! than a raw IPv4 socket for protocol 112: the crate forbids unsafe code
//! and nix's safe `socket()` only takes the protocols it names, which do
//! not include 112. A packet socket sees every frame the host's links
//! deliver, multicast included, without joining 224.0.0.18; frames this
//! host sends are skipped. It also wakes for the benchmark's probes, at
//! about 2 kHz, which costs little next to the probes themselves.

use std::fs::File;
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sched::{CloneFlags, setns};
use nix::sys::socket::{
    AddressFamily, LinkAddr, SockFlag, SockProtocol, SockType, recvfrom,
    setsockopt, socket, sockopt,
};
use nix::sys::time::{TimeVal, TimeValLike};

/// IP protocol number of VRRP.
const IPPROTO_VRRP: u8 = 112;
/// Ethertype of IPv4.
const ETH_P_IP: u16 = 0x0800;
/// `sll_pkttype` of a frame this host sent.
const PACKET_OUTGOING: u8 = 4;
/// How often (ms) the watcher looks at its stop flag.
const POLL_MS: i64 = 50;

/// One VRRP packet seen by the observer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Advert {
    /// When the watcher received it.
    pub(crate) at: Instant,
    /// Its IPv4 source address.
    pub(crate) src: Ipv4Addr,
    /// Its priority (0: the master resigns).
    pub(crate) priority: u8,
}

/// The source and priority of an IPv4 packet carrying VRRP, if `pkt` is
/// one (an IPv4 header, then VRRP: version/type, VRID, priority, ...).
pub(crate) fn parse_vrrp(pkt: &[u8]) -> Option<(Ipv4Addr, u8)> {
    let ihl = usize::from(*pkt.first()? & 0x0f) * 4;
    if pkt[0] >> 4 != 4 || ihl < 20 || *pkt.get(9)? != IPPROTO_VRRP {
        return None;
    }
    let src: [u8; 4] = pkt.get(12..16)?.try_into().ok()?;
    Some((Ipv4Addr::from(src), *pkt.get(ihl + 2)?))
}

/// A packet socket in namespace `netns` (the calling thread joins it),
/// with a receive timeout of `POLL_MS`.
pub(crate) fn open(netns: &str) -> Result<OwnedFd, String> {
    let ns = File::open(format!("/run/netns/{netns}"))
        .map_err(|e| format!("open netns {netns}: {e}"))?;
    setns(ns, CloneFlags::CLONE_NEWNET)
        .map_err(|e| format!("setns {netns}: {e}"))?;
    let fd = socket(
        AddressFamily::Packet,
        SockType::Datagram,
        SockFlag::SOCK_CLOEXEC,
        SockProtocol::EthAll,
    )
    .map_err(|e| format!("packet socket in {netns}: {e}"))?;
    setsockopt(
        &fd,
        sockopt::ReceiveTimeout,
        &TimeVal::milliseconds(POLL_MS),
    )
    .map_err(|e| format!("SO_RCVTIMEO: {e}"))?;
    Ok(fd)
}

/// Reports every VRRP packet host namespace `netns` receives until `stop`
/// is set or `lifetime` has passed.
pub(crate) fn watch(
    netns: String,
    stop: Arc<AtomicBool>,
    lifetime: Duration,
    tx: Sender<Advert>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let fd = match open(&netns) {
            Ok(fd) => fd,
            Err(e) => return eprintln!("advert watcher: {e}"),
        };
        let (start, mut buf) = (Instant::now(), [0u8; 128]);
        while !stop.load(Ordering::Relaxed) && start.elapsed() < lifetime {
            let Ok((n, Some(from))) =
                recvfrom::<LinkAddr>(fd.as_raw_fd(), &mut buf)
            else {
                continue;
            };
            let at = Instant::now();
            if u16::from_be(from.protocol()) != ETH_P_IP
                || from.pkttype() == PACKET_OUTGOING
            {
                continue;
            }
            if let Some((src, priority)) = parse_vrrp(&buf[..n]) {
                let _ = tx.send(Advert { at, src, priority });
            }
        }
    })
}

/// The adverts reported by a [`watch`] thread.
pub(crate) struct Adverts {
    rx: Receiver<Advert>,
    seen: Vec<Advert>,
}

impl Adverts {
    pub(crate) fn new(rx: Receiver<Advert>) -> Self {
        Self {
            rx,
            seen: Vec::new(),
        }
    }

    /// The first advert from `src` seen at or after `after`, waiting up
    /// to `timeout` for it.
    pub(crate) fn next_from(
        &mut self,
        src: Ipv4Addr,
        after: Instant,
        timeout: Duration,
    ) -> Option<Advert> {
        let deadline = Instant::now() + timeout;
        self.drain();
        if let Some(a) =
            self.seen.iter().find(|a| a.src == src && a.at >= after)
        {
            return Some(*a);
        }
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let a = self.rx.recv_timeout(left).ok()?;
            self.seen.push(a);
            if a.src == src && a.at >= after {
                return Some(a);
            }
        }
    }

    /// The last advert from `src` seen at or before `before`.
    pub(crate) fn last_from(
        &mut self,
        src: Ipv4Addr,
        before: Instant,
    ) -> Option<Advert> {
        self.drain();
        self.seen
            .iter()
            .rev()
            .find(|a| a.src == src && a.at <= before)
            .copied()
    }

    fn drain(&mut self) {
        self.seen.extend(self.rx.try_iter());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An IPv4 header (no options) from 192.0.2.10, then `payload`.
    fn ipv4(proto: u8, payload: &[u8]) -> Vec<u8> {
        let mut p = vec![0x45, 0, 0, 0, 0, 0, 0, 0, 255, proto, 0, 0];
        p.extend([192, 0, 2, 10, 224, 0, 0, 18]);
        p.extend_from_slice(payload);
        p
    }

    #[test]
    fn vrrp_packets_give_source_and_priority() {
        let src = Ipv4Addr::new(192, 0, 2, 10);
        let advert = ipv4(112, &[0x31, 1, 150, 1, 0, 1, 0, 0]);
        assert_eq!(parse_vrrp(&advert), Some((src, 150)));
        assert_eq!(parse_vrrp(&ipv4(17, &[0; 8])), None);
        assert_eq!(parse_vrrp(&advert[..21]), None);
        assert_eq!(parse_vrrp(&[0x60; 40]), None);
        assert_eq!(parse_vrrp(&[]), None);
    }

    #[test]
    fn next_and_last_pick_by_source_and_time() {
        let (tx, rx) = std::sync::mpsc::channel();
        let t = Instant::now();
        let (h0, h1) =
            (Ipv4Addr::new(192, 0, 2, 10), Ipv4Addr::new(192, 0, 2, 11));
        let ms = |m| t + Duration::from_millis(m);
        for (at, src) in [(ms(0), h0), (ms(5), h1), (ms(10), h0)] {
            tx.send(Advert {
                at,
                src,
                priority: 1,
            })
            .unwrap();
        }
        let mut a = Adverts::new(rx);
        let wait = Duration::ZERO;
        assert_eq!(a.next_from(h0, ms(1), wait).map(|a| a.at), Some(ms(10)));
        assert_eq!(a.next_from(h0, ms(11), wait), None);
        assert_eq!(a.last_from(h0, ms(9)).map(|a| a.at), Some(ms(0)));
        assert_eq!(a.last_from(h1, ms(20)).map(|a| a.at), Some(ms(5)));
    }
}

//! The observer's probes: a UDP responder on each router answering with
//! its host name, and a prober in the observer sending a numbered probe to
//! the VIP every millisecond, all on one monotonic clock.

use std::fs::File;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ka_lab::Lab;
use nix::sched::{CloneFlags, setns};

use super::VIP;
use super::adverts::{self, Adverts};

/// The responders' UDP port.
const PORT: u16 = 7979;
/// The observer's probe interval.
const PROBE_EVERY: Duration = Duration::from_millis(1);
/// No probe thread lives longer than this, whatever happens.
const PROBE_LIFETIME: Duration = Duration::from_secs(120);

/// One reply seen by the observer: when its probe was sent, and which
/// host answered.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reply {
    pub(crate) sent: Instant,
    pub(crate) host: usize,
}

/// The responders on h0 and h1, and the prober and advert watcher on h2.
pub(crate) struct Probes {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    rx: Receiver<Reply>,
    pub(crate) adverts: Adverts,
}

/// Moves the calling thread into the lab namespace `netns`.
fn enter_netns(netns: &str) -> Result<(), String> {
    let f = File::open(format!("/run/netns/{netns}"))
        .map_err(|e| format!("open netns {netns}: {e}"))?;
    setns(f, CloneFlags::CLONE_NEWNET)
        .map_err(|e| format!("setns {netns}: {e}"))
}

/// Answers every datagram on UDP port 7979 with `h<host> <payload>`.
fn responder(
    netns: String,
    host: usize,
    stop: Arc<AtomicBool>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let sock = enter_netns(&netns).and_then(|()| {
            UdpSocket::bind(("0.0.0.0", PORT))
                .map_err(|e| format!("bind in {netns}: {e}"))
        });
        let sock = match sock {
            Ok(s) => s,
            Err(e) => return eprintln!("responder h{host}: {e}"),
        };
        let _ = sock.set_read_timeout(Some(Duration::from_millis(50)));
        let start = Instant::now();
        let mut buf = [0u8; 64];
        while !stop.load(Ordering::Relaxed) && start.elapsed() < PROBE_LIFETIME
        {
            if let Ok((n, from)) = sock.recv_from(&mut buf) {
                let mut reply = format!("h{host} ").into_bytes();
                reply.extend_from_slice(&buf[..n]);
                let _ = sock.send_to(&reply, from);
            }
        }
    })
}

/// Sends a numbered probe to VIP:7979 every millisecond and reports every
/// reply with the send time of its probe.
fn prober(
    netns: String,
    stop: Arc<AtomicBool>,
    tx: Sender<Reply>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let sock = enter_netns(&netns).and_then(|()| {
            UdpSocket::bind(("0.0.0.0", 0))
                .map_err(|e| format!("bind in {netns}: {e}"))
        });
        let sock = match sock {
            Ok(s) => s,
            Err(e) => return eprintln!("prober: {e}"),
        };
        let to = SocketAddr::new(IpAddr::V4(VIP), PORT);
        let start = Instant::now();
        let (mut sent, mut next, mut buf) =
            (Vec::<Instant>::new(), start, [0u8; 64]);
        while !stop.load(Ordering::Relaxed) && start.elapsed() < PROBE_LIFETIME
        {
            let now = Instant::now();
            if now >= next {
                let _ = sock.send_to(sent.len().to_string().as_bytes(), to);
                sent.push(now);
                next = (next + PROBE_EVERY).max(now);
            }
            let wait = next
                .saturating_duration_since(Instant::now())
                .max(Duration::from_micros(50));
            let _ = sock.set_read_timeout(Some(wait));
            if let Ok((n, _)) = sock.recv_from(&mut buf)
                && let Some(r) = parse_reply(&buf[..n], &sent)
            {
                let _ = tx.send(r);
            }
        }
    })
}

/// `h<host> <seq>` → the reply, with the send time of probe `seq`.
pub(crate) fn parse_reply(b: &[u8], sent: &[Instant]) -> Option<Reply> {
    let s = std::str::from_utf8(b).ok()?;
    let (h, seq) = s.strip_prefix('h')?.split_once(' ')?;
    Some(Reply {
        host: h.parse().ok()?,
        sent: *sent.get(seq.parse::<usize>().ok()?)?,
    })
}

impl Probes {
    pub(crate) fn start(lab: &Lab) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = channel();
        let mut threads: Vec<_> = (0..2)
            .map(|i| responder(lab.host(i).netns.clone(), i, stop.clone()))
            .collect();
        let observer = lab.host(2).netns.clone();
        let (atx, arx) = channel();
        threads.push(adverts::watch(
            observer.clone(),
            stop.clone(),
            PROBE_LIFETIME,
            atx,
        ));
        threads.push(prober(observer, stop.clone(), tx));
        Self {
            stop,
            threads,
            rx,
            adverts: Adverts::new(arx),
        }
    }

    /// The first reply from `host` to a probe sent at or after `after`.
    pub(crate) fn first_from(
        &self,
        host: usize,
        after: Instant,
        timeout: Duration,
    ) -> Option<Reply> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            match self.rx.recv_timeout(left) {
                Ok(r) if r.host == host && r.sent >= after => return Some(r),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }

    pub(crate) fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_carry_host_and_send_time() {
        let t = Instant::now();
        let sent = [t, t + Duration::from_millis(1)];
        let r = parse_reply(b"h1 1", &sent).unwrap();
        assert_eq!((r.host, r.sent), (1, sent[1]));
        assert!(parse_reply(b"h1 2", &sent).is_none());
        assert!(parse_reply(b"garbage", &sent).is_none());
    }
}

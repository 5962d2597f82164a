//! The BFD runtime on in-memory sockets with paused time: packets out,
//! datagrams in, session states on the bus, control requests.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use ka_bfd::{Diag, EngineConfig, Repr, SessionConfig, State};
use ka_sys::bfd_socket::Received;
use tokio::sync::{mpsc, oneshot};

use super::*;
use crate::bfd::io::IoError;
use crate::bfd::plan::Audience;

const PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));
const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));

type Sent = Arc<Mutex<Vec<(String, SocketAddr, Vec<u8>)>>>;

/// Sockets in memory: what is sent is kept, what the test pushes is
/// received.
struct FakeIo {
    sent: Sent,
    rx: mpsc::UnboundedReceiver<Datagram>,
    fail_sender: bool,
}

impl BfdIo for FakeIo {
    fn configure(
        &mut self,
        plan: &BfdPlan,
    ) -> Result<Vec<(String, io::Error)>, IoError> {
        if !self.fail_sender {
            return Ok(Vec::new());
        }
        Ok(plan
            .engine
            .sessions
            .iter()
            .map(|s| (s.name.clone(), io::Error::other("no socket")))
            .collect())
    }

    fn send(
        &mut self,
        session: &str,
        dst: SocketAddr,
        bytes: &[u8],
    ) -> io::Result<()> {
        let mut sent = self.sent.lock().unwrap_or_else(PoisonError::into_inner);
        sent.push((session.to_string(), dst, bytes.to_vec()));
        Ok(())
    }

    async fn recv(&mut self) -> io::Result<Datagram> {
        match self.rx.recv().await {
            Some(d) => Ok(d),
            None => std::future::pending().await,
        }
    }

    fn try_recv(&mut self) -> Option<Datagram> {
        self.rx.try_recv().ok()
    }

    fn close(&mut self) {}
}

struct Harness {
    sent: Sent,
    inject: mpsc::UnboundedSender<Datagram>,
    control: mpsc::UnboundedSender<Control>,
    signals: mpsc::UnboundedReceiver<Signal>,
    task: tokio::task::JoinHandle<io::Result<()>>,
}

fn plan() -> BfdPlan {
    let mut s = SessionConfig::new("A", PEER);
    s.source = Some(LOCAL);
    s.multiplier = 3;
    BfdPlan {
        engine: EngineConfig {
            sessions: vec![s],
            seed: 5,
        },
        audience: [(
            "A".to_string(),
            Audience {
                vrrp: true,
                checker: false,
            },
        )]
        .into(),
    }
}

fn start(fail_sender: bool) -> Harness {
    let sent = Sent::default();
    let (inject, rx) = mpsc::unbounded_channel();
    let (control, crx) = mpsc::unbounded_channel();
    let bus = Bus::default();
    let signals = bus.subscribe();
    let io = FakeIo {
        sent: sent.clone(),
        rx,
        fail_sender,
    };
    let task = tokio::spawn(run_with(plan(), crx, io, bus, None));
    Harness {
        sent,
        inject,
        control,
        signals,
        task,
    }
}

impl Harness {
    fn sent(&self) -> Vec<(String, SocketAddr, Repr)> {
        let sent = self.sent.lock().unwrap_or_else(PoisonError::into_inner);
        sent.iter()
            .map(|(s, d, b)| (s.clone(), *d, Repr::parse_bytes(b).unwrap()))
            .collect()
    }

    fn peer(&self, state: State, your: u32) {
        let r = Repr {
            diag: Diag::NoDiagnostic,
            state,
            poll: false,
            final_: false,
            cpi: false,
            demand: false,
            detect_mult: 3,
            my_discr: 77,
            your_discr: your,
            desired_min_tx: 10_000,
            required_min_rx: 10_000,
            required_min_echo_rx: 0,
            auth: None,
        };
        let d = Datagram {
            received: Received {
                src: SocketAddr::new(PEER, 49152),
                dst: Some(LOCAL),
                ttl: Some(255),
                bytes: r.to_bytes(),
            },
            multihop: false,
        };
        self.inject.send(d).unwrap();
    }

    async fn signal(&mut self) -> Signal {
        tokio::time::timeout(Duration::from_secs(30), self.signals.recv())
            .await
            .expect("a signal within 30 s")
            .expect("bus open")
    }

    async fn snapshot(&self) -> ka_bfd::Snapshot {
        let (tx, rx) = oneshot::channel();
        self.control.send(Control::Snapshot(tx)).unwrap();
        rx.await.unwrap()
    }
}

fn state(name: &str, up: bool) -> Signal {
    Signal::BfdState {
        name: name.into(),
        up,
        vrrp: true,
        checker: false,
    }
}

#[tokio::test(start_paused = true)]
async fn session_comes_up_is_published_and_expires() {
    let mut h = start(false);
    assert_eq!(h.signal().await, state("A", false));
    let first = h.sent();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].0, "A");
    // RFC 5881 §4: to the neighbour's port 3784.
    assert_eq!(first[0].1, SocketAddr::new(PEER, 3784));
    assert_eq!(first[0].2.state, State::Down);
    let me = first[0].2.my_discr;
    h.peer(State::Down, 0);
    h.peer(State::Up, me);
    assert_eq!(h.signal().await, state("A", true));
    let snap = h.snapshot().await;
    assert_eq!(snap.sessions[0].local_state, State::Up);
    // Silence: down after 3 × 10 ms.
    assert_eq!(h.signal().await, state("A", false));
    let snap = h.snapshot().await;
    assert_eq!(snap.sessions[0].local_diag, Diag::DetectionTimeExpired);
    h.control.send(Control::Stop).unwrap();
    h.task.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn periodic_packets_follow_the_idle_rate() {
    let h = start(false);
    tokio::time::sleep(Duration::from_millis(3_100)).await;
    // 1 s less 0–25 % jitter: 4 to 5 packets in 3.1 s with the first.
    let n = h.sent().len();
    assert!((4..=5).contains(&n), "{n} packets");
    h.control.send(Control::Stop).unwrap();
    h.task.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_session_without_a_socket_is_admin_down_and_silent() {
    let h = start(true);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(h.sent().is_empty());
    let snap = h.snapshot().await;
    assert_eq!(snap.sessions[0].local_state, State::AdminDown);
    h.control.send(Control::Stop).unwrap();
    h.task.await.unwrap().unwrap();
}

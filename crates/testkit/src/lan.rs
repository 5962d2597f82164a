//! A virtual LAN and clock running N VRRP engines.
//!
//! Every node is one [`ka_vrrp::Engine`] with one interface (`eth0`) and
//! one address. [`Lan::run_until`] advances the virtual clock from event
//! to event: packet deliveries (in-flight adverts with per-packet delay,
//! jitter and loss) and engine deadlines (`poll_timeout`). Adverts go to
//! every other reachable node (multicast) or to the node owning the
//! destination address (unicast). The LAN tracks which node holds each VIP
//! from `AddAddress` / `DelAddress` actions, and every state change.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::net::IpAddr;
use std::time::Duration;

use ka_types::Instant;
use ka_vrrp::{Action, Engine, EngineConfig, Event, RxPacket, State};
use ka_wire::ipv4;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Link characteristics of the virtual LAN.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkProfile {
    /// Minimum one-way delay.
    pub delay: Duration,
    /// Extra uniformly random delay in `0..=jitter`.
    pub jitter: Duration,
    /// Probability that one copy of a packet is lost.
    pub loss: f64,
}

impl LinkProfile {
    /// A perfect LAN: no delay, no loss.
    pub const IDEAL: Self = Self {
        delay: Duration::ZERO,
        jitter: Duration::ZERO,
        loss: 0.0,
    };

    /// The worst one-way delay.
    pub fn max_delay(&self) -> Duration {
        self.delay + self.jitter
    }
}

/// One simulated host.
#[derive(Debug)]
pub struct Node {
    /// Host name (for messages).
    pub name: String,
    /// The host's address on `eth0`.
    pub addr: IpAddr,
    /// The configuration it (re)starts with.
    pub config: EngineConfig,
    /// The running engine; `None` while dead.
    pub engine: Option<Engine>,
    /// Cut off from the LAN (packets dropped both ways).
    pub isolated: bool,
    /// `eth0` is down (reported to the engine, packets dropped).
    pub link_down: bool,
}

/// A state change seen on the LAN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    /// When.
    pub at: Instant,
    /// Node index.
    pub node: usize,
    /// Instance name.
    pub instance: String,
    /// New state.
    pub state: State,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct InFlight {
    at: Instant,
    seq: u64,
    to: usize,
    src: IpAddr,
    dst: IpAddr,
    ttl: u8,
    bytes: Vec<u8>,
}

/// Linux's default IPv6 hop limit (`net.ipv6.conf.*.hop_limit`), used
/// for adverts whose TTL the engine leaves to the kernel.
const KERNEL_HOP_LIMIT: u8 = 64;

/// The virtual LAN, its clock and its nodes.
#[derive(Debug)]
pub struct Lan {
    now: Instant,
    rng: StdRng,
    link: LinkProfile,
    nodes: Vec<Node>,
    queue: BinaryHeap<Reverse<InFlight>>,
    seq: u64,
    /// VIP → nodes that installed it.
    holders: BTreeMap<IpAddr, Vec<usize>>,
    /// (node, instance) → last advert with priority > 0.
    last_advert: BTreeMap<(usize, String), Instant>,
    transitions: Vec<Transition>,
    /// Last observed state per node and instance index.
    last_states: Vec<Vec<State>>,
    out: Vec<Action>,
    /// Latest scheduled arrival per (from, to): links never reorder.
    fifo: BTreeMap<(usize, usize), Instant>,
    /// Every action (only when recording is on).
    recorded: Option<Vec<(Instant, usize, Action)>>,
}

impl Lan {
    /// An empty LAN at t = 0 with a seeded RNG.
    pub fn new(seed: u64, link: LinkProfile) -> Self {
        Self {
            now: Instant::ZERO,
            rng: StdRng::seed_from_u64(seed),
            link,
            nodes: Vec::new(),
            queue: BinaryHeap::new(),
            seq: 0,
            holders: BTreeMap::new(),
            last_advert: BTreeMap::new(),
            transitions: Vec::new(),
            last_states: Vec::new(),
            fifo: BTreeMap::new(),
            out: Vec::new(),
            recorded: None,
        }
    }

    /// Keep every action for inspection (off by default: speed).
    pub fn record(&mut self) {
        self.recorded = Some(Vec::new());
    }

    /// Recorded `(time, node, action)` triples.
    pub fn recorded(&self) -> &[(Instant, usize, Action)] {
        self.recorded.as_deref().unwrap_or_default()
    }

    /// Add a host (not started); returns its index.
    pub fn add_node(
        &mut self,
        name: &str,
        addr: IpAddr,
        config: EngineConfig,
    ) -> usize {
        self.nodes.push(Node {
            name: name.to_owned(),
            addr,
            config,
            engine: None,
            isolated: false,
            link_down: false,
        });
        self.last_states.push(Vec::new());
        self.nodes.len() - 1
    }

    /// The current virtual time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// The link profile.
    pub fn link(&self) -> LinkProfile {
        self.link
    }

    /// All nodes.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// State changes so far.
    pub fn transitions(&self) -> &[Transition] {
        &self.transitions
    }

    /// Nodes holding `vip`.
    pub fn holders(&self, vip: IpAddr) -> &[usize] {
        self.holders.get(&vip).map_or(&[], Vec::as_slice)
    }

    /// When `node` last sent a non-zero-priority advert for `instance`.
    pub fn last_advert(&self, node: usize, instance: &str) -> Option<Instant> {
        self.last_advert.get(&(node, instance.to_owned())).copied()
    }

    /// Boot `node`: a fresh engine, its address, then `Started`.
    pub fn start(&mut self, node: usize) {
        let n = &mut self.nodes[node];
        n.engine = Some(Engine::new(n.config.clone()));
        n.isolated = false;
        n.link_down = false;
        let addr = n.addr;
        self.feed(
            node,
            Event::AddressAdded {
                iface: "eth0".into(),
                addr,
            },
        );
        self.feed(node, Event::Started);
    }

    /// Crash `node` silently (its addresses vanish with it).
    pub fn kill(&mut self, node: usize) {
        self.nodes[node].engine = None;
        self.forget_node(node);
    }

    /// SIGTERM `node`: it resigns, then dies.
    pub fn stop(&mut self, node: usize) {
        self.feed(node, Event::ShutdownRequested);
        self.kill(node);
    }

    /// Cut `node` off the LAN (or reconnect it).
    pub fn isolate(&mut self, node: usize, isolated: bool) {
        self.nodes[node].isolated = isolated;
    }

    /// Take `node`'s `eth0` down or up (the engine is told).
    pub fn set_link(&mut self, node: usize, up: bool) {
        self.nodes[node].link_down = !up;
        let iface = "eth0".to_owned();
        let ev = if up {
            Event::LinkUp { iface }
        } else {
            Event::LinkDown { iface }
        };
        self.feed(node, ev);
    }

    /// Deliver an arbitrary event to `node` now.
    pub fn feed(&mut self, node: usize, ev: Event) {
        let Some(e) = self.nodes[node].engine.as_mut() else {
            return;
        };
        let mut out = std::mem::take(&mut self.out);
        e.handle(self.now, ev, &mut out);
        self.apply(node, &mut out);
        self.out = out;
    }

    /// The engine of `node`, if alive.
    pub fn engine(&self, node: usize) -> Option<&Engine> {
        self.nodes[node].engine.as_ref()
    }

    /// State of `instance` on `node` (`None` if dead or unknown).
    pub fn state(&self, node: usize, instance: &str) -> Option<State> {
        self.engine(node)?
            .states()
            .find(|(n, _)| *n == instance)
            .map(|(_, s)| s)
    }

    /// Advance the clock to `until`, processing everything due.
    pub fn run_until(&mut self, until: Instant) {
        loop {
            let next_pkt = self.queue.peek().map(|Reverse(p)| p.at);
            let next_timer = self.next_timer();
            let next = match (next_pkt, next_timer) {
                (Some(a), Some((b, _))) => a.min(b),
                (Some(a), None) => a,
                (None, Some((b, _))) => b,
                (None, None) => break,
            };
            if next > until {
                break;
            }
            self.now = self.now.max(next);
            if next_pkt.is_some_and(|p| p <= next) {
                self.deliver_one();
            } else if let Some((_, node)) = next_timer {
                self.fire(node);
            }
        }
        self.now = self.now.max(until);
    }

    /// Advance the clock by `d`.
    pub fn run_for(&mut self, d: Duration) {
        let t = self.now + d;
        self.run_until(t);
    }

    fn next_timer(&self) -> Option<(Instant, usize)> {
        self.nodes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| Some((n.engine.as_ref()?.poll_timeout()?, i)))
            .min()
    }

    fn fire(&mut self, node: usize) {
        let Some(e) = self.nodes[node].engine.as_mut() else {
            return;
        };
        let mut out = std::mem::take(&mut self.out);
        e.handle_timeout(self.now, &mut out);
        self.apply(node, &mut out);
        self.out = out;
    }

    fn deliver_one(&mut self) {
        let Some(Reverse(p)) = self.queue.pop() else {
            return;
        };
        let n = &self.nodes[p.to];
        if n.isolated || n.link_down || n.engine.is_none() {
            return;
        }
        let packet = match (p.src, p.dst) {
            (IpAddr::V6(src), IpAddr::V6(dst)) => RxPacket::V6 {
                src,
                dst,
                hop_limit: p.ttl,
                bytes: p.bytes,
            },
            // IPv4: the datagram as sent (the sender filled its source).
            _ => RxPacket::V4(p.bytes),
        };
        let ev = Event::PacketReceived {
            iface: "eth0".into(),
            packet,
        };
        self.feed(p.to, ev);
    }

    fn apply(&mut self, node: usize, out: &mut Vec<Action>) {
        for a in out.drain(..) {
            match &a {
                Action::SendAdvert {
                    instance,
                    src,
                    dst,
                    ttl,
                    advert,
                    bytes,
                    ..
                } => {
                    if advert.priority > 0 {
                        self.last_advert
                            .insert((node, instance.clone()), self.now);
                    }
                    let src = src.unwrap_or(self.nodes[node].addr);
                    // `None`: the kernel's default hop limit (64 on Linux).
                    let ttl = ttl.unwrap_or(KERNEL_HOP_LIMIT);
                    let bytes = fill_source(bytes, src);
                    self.transmit(node, src, *dst, ttl, &bytes);
                }
                Action::AddAddress { addr, .. } => {
                    let h = self.holders.entry(*addr).or_default();
                    if !h.contains(&node) {
                        h.push(node);
                    }
                }
                Action::DelAddress { addr, .. } => {
                    if let Some(h) = self.holders.get_mut(addr) {
                        h.retain(|&n| n != node);
                    }
                }
                _ => {}
            }
            if let Some(r) = self.recorded.as_mut() {
                r.push((self.now, node, a));
            }
        }
        self.observe(node);
    }

    /// Record state changes of `node` since the last look.
    fn observe(&mut self, node: usize) {
        let Some(e) = self.nodes[node].engine.as_ref() else {
            return;
        };
        let last = &mut self.last_states[node];
        for (k, (name, state)) in e.states().enumerate() {
            if last.get(k) != Some(&state) {
                if k < last.len() {
                    last[k] = state;
                } else {
                    last.push(state);
                }
                self.transitions.push(Transition {
                    at: self.now,
                    node,
                    instance: name.to_owned(),
                    state,
                });
            }
        }
    }

    fn transmit(
        &mut self,
        from: usize,
        src: IpAddr,
        dst: IpAddr,
        ttl: u8,
        bytes: &[u8],
    ) {
        let n = &self.nodes[from];
        if n.isolated || n.link_down {
            return;
        }
        for to in 0..self.nodes.len() {
            if to == from || (!dst.is_multicast() && self.nodes[to].addr != dst)
            {
                continue;
            }
            if self.link.loss > 0.0 && self.rng.gen_bool(self.link.loss) {
                continue;
            }
            let jitter = if self.link.jitter.is_zero() {
                Duration::ZERO
            } else {
                let max =
                    u64::try_from(self.link.jitter.as_micros()).unwrap_or(0);
                Duration::from_micros(self.rng.gen_range(0..=max))
            };
            // An Ethernet segment does not reorder frames between two
            // hosts: a copy never overtakes an earlier one.
            let prev = self.fifo.entry((from, to)).or_default();
            let at = (self.now + self.link.delay + jitter).max(*prev);
            *prev = at;
            self.seq += 1;
            self.queue.push(Reverse(InFlight {
                at,
                seq: self.seq,
                to,
                src,
                dst,
                ttl,
                bytes: bytes.to_vec(),
            }));
        }
    }

    fn forget_node(&mut self, node: usize) {
        for h in self.holders.values_mut() {
            h.retain(|&n| n != node);
        }
        self.observe_dead(node);
    }

    fn observe_dead(&mut self, node: usize) {
        let names: Vec<String> = self.nodes[node]
            .config
            .instances
            .iter()
            .map(|i| i.name.clone())
            .collect();
        self.last_states[node].clear();
        for instance in names {
            self.transitions.push(Transition {
                at: self.now,
                node,
                instance,
                state: State::Stop,
            });
        }
    }
}

/// An IPv4 datagram as the kernel sends it from an `IP_HDRINCL` socket:
/// a zero source address is filled in (raw(7)). IPv6 messages (no IP
/// header) are returned as they are.
fn fill_source(bytes: &[u8], src: IpAddr) -> Vec<u8> {
    let mut b = bytes.to_vec();
    if let IpAddr::V4(src) = src
        && let Ok(mut p) = ipv4::Packet::new_checked(&mut b[..])
        && p.src_addr().is_unspecified()
    {
        p.set_src_addr(src);
        p.fill_checksum();
    }
    b
}

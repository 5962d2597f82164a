//! The VRRP runtime's drivers as traits (DESIGN §2, STYLE-ANCHORS §8.6):
//! one per surface, each with a production implementation that wraps
//! today's kernel code ([`super::system`]) and an in-memory fake that
//! records every call (`fake.rs`, tests only).
//!
//! The event loop is generic over an [`Io`] set, so the production path
//! is monomorphised (no boxing, no dynamic dispatch) while unit tests run
//! the very same loop, unprivileged and on tokio's paused clock. What is
//! policy stays in the loop (address details from the plan, frame
//! building, rate-limited error logging) or in the engine (advert
//! encoding and decoding, IPv4/AH headers, IP IDs, AH sequence numbers).
//! A driver only carries out one call.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use ka_sys::netlink::{AddrInfo, AddrSpec, LinkInfo, NetEvent};
use ka_sys::nft::NftError;
use ka_sys::vrrp_socket::{Received, SocketSpec};
use ka_vrrp::Notification;
use tokio::sync::oneshot;

use super::rx_queue::RxSender;
use crate::vrrp::plan::VrrpPlan;

// ===== Types the drivers and the runtime share =====

/// What the receive tasks report.
#[derive(Debug)]
pub(crate) enum RxInput {
    /// A packet from a VRRP socket.
    Packet(Received),
    /// A socket failed to receive (rate-limited by the loop).
    Error(RxError),
}

/// A VRRP socket failed to receive.
#[derive(Debug, thiserror::Error)]
#[error("VRRP socket on ifindex {ifindex}: {source}")]
pub(crate) struct RxError {
    /// The socket's interface.
    pub(crate) ifindex: u32,
    /// The receive error.
    pub(crate) source: io::Error,
}

/// One change to apply.
#[derive(Debug)]
pub(crate) enum KernelOp {
    /// Add an address.
    AddAddr(AddrSpec),
    /// Delete an address.
    DelAddr(AddrSpec),
    /// `ip route add|del SPEC`.
    Route {
        /// Add (`true`) or delete.
        add: bool,
        /// keepalived.conf route text.
        spec: String,
    },
    /// `ip rule add|del SPEC`.
    Rule {
        /// Add (`true`) or delete.
        add: bool,
        /// keepalived.conf rule text.
        spec: String,
    },
    /// `nft -f -` with this script (the `no_accept`/VMAC firewall), in
    /// order with the address changes, so a hung `nft` (killed after
    /// `ka_sys::nft::NFT_TIMEOUT`) never holds up the event loop.
    Nft(String),
    /// Signals when every earlier change has been applied.
    Barrier(oneshot::Sender<()>),
}

/// A VMAC as the firewall sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FwVmac {
    /// VMAC name.
    pub(crate) name: String,
    /// Parent interface name.
    pub(crate) parent: String,
    /// The instance is IPv6.
    pub(crate) ipv6: bool,
    /// The instance has eVIPs of the other family.
    pub(crate) other_family: bool,
}

// ===== The driver traits =====

/// Which raw VRRP socket of an interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum SocketKind {
    /// IPv4, IP protocol 112 (VRRP).
    V4,
    /// IPv6, next header 112.
    V6,
    /// IPv4, IP protocol 51 (`auth_type AH` adverts).
    Ah,
}

/// Per-interface raw VRRP sockets: opening, closing and sending; what
/// they receive goes to the channel given at opening.
pub(crate) trait AdvertIo {
    /// Whether the `kind` socket of `iface` is open.
    fn is_open(&self, iface: &str, kind: SocketKind) -> bool;
    /// Opens the `kind` socket described by `spec` (on `spec.ifname`);
    /// every packet (or receive error) it gets is sent to `rx`.
    fn open(
        &mut self,
        kind: SocketKind,
        spec: SocketSpec,
        rx: &RxSender,
    ) -> io::Result<()>;
    /// Closes every socket of `iface` (the link went away).
    fn close(&mut self, iface: &str);
    /// Sends a whole IPv4 packet (header built by the engine) to `dst`
    /// on the IPv4 socket of `iface`.
    fn send_v4(
        &mut self,
        iface: &str,
        packet: &[u8],
        dst: Ipv4Addr,
    ) -> io::Result<()>;
    /// Sends a VRRP message from `src` to `dst` on the IPv6 socket of
    /// `iface`; `hops` overrides the hop limit of unicast adverts.
    fn send_v6(
        &mut self,
        iface: &str,
        vrrp: &[u8],
        src: Ipv6Addr,
        dst: Ipv6Addr,
        hops: Option<u8>,
    ) -> io::Result<()>;
}

/// Whole Ethernet frames (gratuitous ARP, unsolicited NA).
pub(crate) trait FrameIo {
    /// Sends `frame` (Ethernet header included) out of `ifindex`.
    fn send_frame(&mut self, ifindex: u32, frame: &[u8]) -> io::Result<()>;
    /// Whether IPv6 forwarding is on for `iface`: the Router flag of the
    /// unsolicited NAs sent there.
    fn ipv6_forwarding(&self, iface: &str) -> bool;
}

/// The ordered worker for addresses, routes and rules.
pub(crate) trait KernelIo {
    /// Queues `op`; ops are applied in submission order, and a
    /// [`KernelOp::Barrier`] is answered once all before it are applied.
    fn submit(&mut self, op: KernelOp);
}

/// nftables rulesets.
pub(crate) trait FirewallIo {
    /// Applies `script` atomically (`nft -f -`).
    async fn apply(&mut self, script: &str) -> Result<(), NftError>;
}

/// Links and addresses: the initial dump and the changes after it.
pub(crate) trait NetIo {
    /// Every link and address as they are now.
    async fn dump(&mut self) -> io::Result<(Vec<LinkInfo>, Vec<AddrInfo>)>;
    /// The next change; `None` when the subscription ended.
    async fn next_change(&mut self) -> Option<NetEvent>;
}

/// VMACs (`use_vmac`) and the sysctls that go with them.
pub(crate) trait VmacIo {
    /// Makes the kernel's VMACs match `plan.vmacs`, and fills in advert
    /// sources that depend on them.
    async fn sync(&mut self, plan: &mut VrrpPlan);
    /// The VMACs that exist, for the firewall.
    fn firewall_view(&self) -> Vec<FwVmac>;
    /// Deletes our VMACs and restores the sysctls (shutdown).
    async fn teardown(&mut self);
}

/// Notify hooks: scripts and the FIFO.
pub(crate) trait NotifyIo {
    /// Takes the hooks and FIFO of `plan` (startup and reload).
    fn configure(&mut self, plan: &VrrpPlan);
    /// Reports a transition; never waits.
    fn notify(&mut self, n: &Notification);
    /// Writes `line` to the notify FIFOs only (no script, no mail).
    fn fifo_line(&mut self, line: &str);
    /// Reports a transition and waits for its scripts, at most `limit`.
    async fn notify_and_wait(&mut self, n: &Notification, limit: Duration);
}

/// One set of drivers: the kernel's, or the fakes.
pub(crate) trait Io {
    /// VRRP raw sockets.
    type Adverts: AdvertIo;
    /// Ethernet frames.
    type Frames: FrameIo;
    /// Addresses, routes and rules.
    type Kernel: KernelIo;
    /// nftables.
    type Nft: FirewallIo;
    /// Link and address dump and changes.
    type Net: NetIo;
    /// VMACs.
    type Vmacs: VmacIo;
    /// Notify hooks.
    type Notify: NotifyIo;
}

/// The drivers a runtime is started with.
pub(crate) struct Drivers<I: Io> {
    /// VRRP raw sockets.
    pub(crate) adverts: I::Adverts,
    /// Ethernet frames.
    pub(crate) frames: I::Frames,
    /// Addresses, routes and rules.
    pub(crate) kernel: I::Kernel,
    /// nftables.
    pub(crate) nft: I::Nft,
    /// Link and address dump and changes.
    pub(crate) net: I::Net,
    /// VMACs.
    pub(crate) vmacs: I::Vmacs,
    /// Notify hooks.
    pub(crate) notify: I::Notify,
}

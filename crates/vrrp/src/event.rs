//! Events: past-tense facts the outside world reports to the engine.

use std::net::{IpAddr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use crate::config::EngineConfig;

/// Everything the daemon can tell the VRRP engine.
#[derive(Clone, Debug, PartialEq)]
#[derive(Serialize, Deserialize)]
pub enum Event {
    /// The daemon finished reporting initial link/tracker state; instances
    /// leave INIT (keepalived `vrrp_init_state`).
    Started,
    /// A VRRP packet arrived, as the socket delivered it; the engine
    /// decodes it with the receiving instance's authentication.
    PacketReceived {
        /// Receiving interface.
        iface: String,
        /// The packet.
        packet: RxPacket,
    },
    /// An interface went operationally up.
    LinkUp {
        /// Interface name.
        iface: String,
    },
    /// An interface went operationally down.
    LinkDown {
        /// Interface name.
        iface: String,
    },
    /// An address appeared on an interface (the first IPv4 / link-local
    /// IPv6 address is the interface's primary source address).
    AddressAdded {
        /// Interface name.
        iface: String,
        /// The address.
        addr: IpAddr,
    },
    /// An address disappeared from an interface.
    AddressRemoved {
        /// Interface name.
        iface: String,
        /// The address.
        addr: IpAddr,
    },
    /// A `vrrp_script` run finished (timeouts and signals are failures).
    ScriptExited {
        /// Script name.
        script: String,
        /// Exit status 0.
        success: bool,
    },
    /// A `track_file` was (re)read.
    FileValueChanged {
        /// Tracker name.
        file: String,
        /// The integer read from the file.
        value: i64,
    },
    /// The number of processes matching a `vrrp_track_process` changed
    /// (after the driver's fork/terminate delays).
    ProcessCountChanged {
        /// Tracker name.
        process: String,
        /// Current matching process count.
        count: u32,
    },
    /// A BFD session tracked by `track_bfd` changed state.
    BfdStateChanged {
        /// BFD instance name.
        bfd: String,
        /// Session is Up.
        up: bool,
    },
    /// SIGTERM: notify STOP, resign mastership with priority 0, remove
    /// addresses (keepalived `shutdown_vrrp_instances`).
    ShutdownRequested,
    /// SIGHUP: a new configuration, already validated.
    Reloaded(Box<EngineConfig>),
    /// An operator command.
    Admin(AdminCommand),
}

/// A received VRRP packet as the raw socket delivers it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum RxPacket {
    /// IPv4: the whole datagram, header included (keepalived reads its
    /// raw sockets so): IPv4 header, the IPsec-AH header when the IP
    /// protocol is 51, then the VRRP message. Addresses and TTL come from
    /// the header.
    V4(Vec<u8>),
    /// IPv6: the VRRP message only (the kernel keeps the header), with
    /// what ancillary data reported (`IPV6_PKTINFO`, `IPV6_HOPLIMIT`).
    V6 {
        /// Source address.
        src: Ipv6Addr,
        /// Destination address (multicast group or our unicast address).
        dst: Ipv6Addr,
        /// Hop limit as received.
        hop_limit: u8,
        /// The VRRP message.
        bytes: Vec<u8>,
    },
}

/// Operator commands (control socket, signals).
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum AdminCommand {
    /// Zero every instance's counters.
    ResetStats,
    /// One round of gratuitous ARP / unsolicited NA for every VIP and
    /// eVIP of the named instance, now, if its VIPs are set (DBus
    /// `SendGarp`; keepalived `vrrp_send_link_update(vrrp, 1)`).
    SendGarp {
        /// The instance's name.
        instance: String,
    },
}

//! Events: past-tense facts the outside world reports to the engine.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::config::EngineConfig;

/// Everything the daemon can tell the VRRP engine.
#[derive(Clone, Debug, PartialEq)]
#[derive(Serialize, Deserialize)]
pub enum Event {
    /// The daemon finished reporting initial link/tracker state; instances
    /// leave INIT (keepalived `vrrp_init_state`).
    Started,
    /// A VRRP packet arrived. `bytes` is the VRRP message (the IPv4 header
    /// and any AH header stripped by the driver); `ttl` is the IPv4 TTL or
    /// IPv6 hop limit.
    PacketReceived {
        /// Receiving interface.
        iface: String,
        /// IP source address.
        src: IpAddr,
        /// IP destination address (multicast group or our unicast address).
        dst: IpAddr,
        /// TTL / hop limit as received.
        ttl: u8,
        /// The VRRP message.
        bytes: Vec<u8>,
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
    /// The driver dropped an IPsec-AH advert addressed to this instance:
    /// its ICV or SPI did not verify, or its sequence number was already
    /// seen. Counted in the instance's `auth_failure` (keepalived
    /// `vrrp_in_chk_ipsecah`, whose failures all count there).
    AuthFailed {
        /// Instance name.
        instance: String,
    },
    /// SIGTERM: notify STOP, resign mastership with priority 0, remove
    /// addresses (keepalived `shutdown_vrrp_instances`).
    ShutdownRequested,
    /// SIGHUP: a new configuration, already validated.
    Reloaded(Box<EngineConfig>),
    /// An operator command.
    Admin(AdminCommand),
}

/// Operator commands (control socket, signals).
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum AdminCommand {
    /// Zero every instance's counters.
    ResetStats,
}

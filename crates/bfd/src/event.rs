//! What the engine is told and what it asks for.

use std::net::{IpAddr, SocketAddr};

use ka_wire::bfd::{Diag, Repr};
use serde::{Deserialize, Serialize};

use crate::config::EngineConfig;

/// An input to [`crate::Engine::handle`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum Event {
    /// The sockets are open: active sessions send their first packet and
    /// every session's (Down) state is published (keepalived
    /// `bfd_register_workers`).
    Started,
    /// A datagram arrived on the single-hop (3784) or multihop (4784)
    /// socket.
    PacketReceived {
        /// Its source address and port (IPv4-mapped addresses already
        /// unmapped).
        src: SocketAddr,
        /// The local address it was sent to (IP_PKTINFO), if known.
        dst: Option<IpAddr>,
        /// Received on the multihop socket.
        multihop: bool,
        /// Its TTL / hop limit (IP_RECVTTL / IPV6_RECVHOPLIMIT); `None`
        /// when the kernel gave none (the GTSM check is skipped, as
        /// keepalived does).
        ttl: Option<u8>,
        /// The UDP payload.
        bytes: Vec<u8>,
    },
    /// A session's output socket could not be opened (`true`: keepalived
    /// puts it in AdminDown, "Unable to open output socket, disabling
    /// instance") or could be again (`false`: back to Down).
    AdminDown {
        /// Session name.
        session: String,
        /// AdminDown or not.
        down: bool,
    },
    /// A reload: sessions keep their state by name (keepalived
    /// `bfd_complete_init`).
    Reloaded(Box<EngineConfig>),
    /// Shut down: every timer stops; nothing more is sent (keepalived
    /// closes its sockets without signalling AdminDown).
    Stop,
    /// STATS_CLEAR: the engine keeps no counters yet, so nothing changes.
    ClearStats,
}

/// An output of the engine.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum Action {
    /// Send a control packet on the session's socket (bound to its
    /// `source_ip`, TTL set) to `dst` port 3784 (4784 when multihop).
    Send {
        /// Session name.
        session: String,
        /// The neighbour.
        dst: IpAddr,
        /// Multihop (port 4784).
        multihop: bool,
        /// The packet ([`Repr::to_bytes`] gives the octets).
        packet: Repr,
    },
    /// The session's state as VRRP's `track_bfd` and the checkers'
    /// `BFD_CHECK` see it (keepalived `bfd_event_send`): sent at start,
    /// on reaching Up, and on falling from Up unless the peer signalled
    /// AdminDown.
    SessionState {
        /// Session name.
        name: String,
        /// Up or not.
        up: bool,
        /// The local diagnostic.
        diag: Diag,
    },
    /// A log line in keepalived's words.
    Log(LogLine),
}

/// Severity of a [`LogLine`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum LogLevel {
    /// `LOG_INFO`.
    Info,
    /// `LOG_WARNING`.
    Warning,
    /// `LOG_ERR`.
    Error,
    /// keepalived logs it only with `-D` (`LOG_DETAIL_BIT`).
    Detail,
}

/// One log line.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct LogLine {
    /// Severity.
    pub level: LogLevel,
    /// The text, e.g. `(h1) Entering Up state`.
    pub text: String,
}

impl Action {
    pub(crate) fn log(level: LogLevel, text: String) -> Self {
        Self::Log(LogLine { level, text })
    }
}

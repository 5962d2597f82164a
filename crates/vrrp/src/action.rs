//! Actions: imperatives the engine asks the daemon to carry out, in order.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use ka_wire::vrrp::Repr;

use crate::config::{RouteSpec, RuleSpec};

/// Everything the engine can ask the outside world to do.
#[derive(Clone, Debug, PartialEq)]
#[derive(Serialize, Deserialize)]
pub enum Action {
    /// Send one advertisement (one per unicast peer).
    SendAdvert {
        /// Sending instance.
        instance: String,
        /// Interface (`None`: interface-less unicast).
        iface: Option<String>,
        /// Source address (`None`: not known yet; the kernel chooses).
        src: Option<IpAddr>,
        /// Multicast group or unicast peer.
        dst: IpAddr,
        /// IPv4 TTL / IPv6 hop limit; `None`: the socket's default hop
        /// limit (IPv6 unicast without `unicast_ttl`, keepalived compat:
        /// no `IPV6_HOPLIMIT` cmsg). Multicast is always `Some(255)`.
        ttl: Option<u8>,
        /// The advert, for logs and tests.
        advert: Repr,
        /// What the socket writes, as `ka-wire` encoded it. IPv4: the
        /// whole datagram for an `IP_HDRINCL` socket (IPv4 header with
        /// `src`, or 0.0.0.0 for the kernel to fill, `dst` and `ttl`; the
        /// IPsec-AH header, signed, for `auth_type AH`; the VRRP message).
        /// IPv6: the VRRP message, whose checksum is the RFC 8200 sum over
        /// `src` (the unspecified address when `src` is `None`), which an
        /// `IPV6_CHECKSUM` socket recomputes.
        bytes: Vec<u8>,
    },
    /// Add a VIP or eVIP.
    AddAddress {
        /// Owning instance.
        instance: String,
        /// Interface.
        iface: String,
        /// Address.
        addr: IpAddr,
        /// Prefix length.
        prefix_len: u8,
    },
    /// Remove a VIP or eVIP.
    DelAddress {
        /// Owning instance.
        instance: String,
        /// Interface.
        iface: String,
        /// Address.
        addr: IpAddr,
        /// Prefix length.
        prefix_len: u8,
    },
    /// Add a virtual route.
    AddRoute {
        /// Owning instance.
        instance: String,
        /// The route.
        route: RouteSpec,
    },
    /// Remove a virtual route.
    DelRoute {
        /// Owning instance.
        instance: String,
        /// The route.
        route: RouteSpec,
    },
    /// Add a virtual rule.
    AddRule {
        /// Owning instance.
        instance: String,
        /// The rule.
        rule: RuleSpec,
    },
    /// Remove a virtual rule.
    DelRule {
        /// Owning instance.
        instance: String,
        /// The rule.
        rule: RuleSpec,
    },
    /// Broadcast one gratuitous ARP for `addr` on `iface`.
    SendGarp {
        /// Interface.
        iface: String,
        /// The VIP.
        addr: Ipv4Addr,
    },
    /// Send one unsolicited neighbour advertisement for `addr`.
    SendUnsolicitedNa {
        /// Interface.
        iface: String,
        /// The VIP.
        addr: Ipv6Addr,
    },
    /// Accept-mode firewall hint (RFC 5798 §6.1 Accept_Mode False): drop
    /// traffic addressed to these VIPs (`true`) or stop dropping it.
    BlockVips {
        /// Owning instance.
        instance: String,
        /// The VIPs.
        addrs: Vec<IpAddr>,
        /// Install (`true`) or remove (`false`) the drop rules.
        block: bool,
    },
    /// Run notify scripts / write the FIFO line, in order.
    Notify(Notification),
    /// A log line with keepalived's wording.
    Log(LogLine),
}

/// Whom a notification is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum NotifyKind {
    /// `INSTANCE`.
    Instance,
    /// `GROUP`.
    Group,
}

/// The state word of a notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum NotifyState {
    /// `MASTER`.
    Master,
    /// `BACKUP`.
    Backup,
    /// `FAULT`.
    Fault,
    /// `STOP`.
    Stop,
    /// `DELETED`.
    Deleted,
    /// `MASTER_RX_LOWER_PRI` (FIFO and `notify_master_rx_lower_pri`).
    MasterRxLowerPri,
    /// `MASTER_PRIORITY` (priority changed while master).
    MasterPriority,
    /// `BACKUP_PRIORITY` (priority changed while backup).
    BackupPriority,
}

impl NotifyState {
    /// keepalived's word for the state.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Master => "MASTER",
            Self::Backup => "BACKUP",
            Self::Fault => "FAULT",
            Self::Stop => "STOP",
            Self::Deleted => "DELETED",
            Self::MasterRxLowerPri => "MASTER_RX_LOWER_PRI",
            Self::MasterPriority => "MASTER_PRIORITY",
            Self::BackupPriority => "BACKUP_PRIORITY",
        }
    }
}

/// A state notification (notify scripts, FIFO, SNMP, DBus, SMTP).
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct Notification {
    /// Instance or group.
    pub kind: NotifyKind,
    /// Its name.
    pub name: String,
    /// The new state or event.
    pub state: NotifyState,
    /// Effective priority (0 for groups).
    pub priority: u8,
}

impl fmt::Display for Notification {
    /// The `notify_fifo` line without its newline:
    /// `INSTANCE "VI_1" MASTER 100` (keepalived `notify_fifo`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            NotifyKind::Instance => "INSTANCE",
            NotifyKind::Group => "GROUP",
        };
        write!(
            f,
            "{kind} \"{}\" {} {}",
            self.name,
            self.state.as_str(),
            self.priority
        )
    }
}

/// Syslog severity of a log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum LogLevel {
    /// `LOG_INFO` (keepalived logs nearly everything at INFO).
    Info,
    /// `LOG_WARNING`.
    Warning,
}

/// One log line.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct LogLine {
    /// Severity.
    pub level: LogLevel,
    /// The text, e.g. `(VI_1) Entering MASTER STATE`.
    pub text: String,
}

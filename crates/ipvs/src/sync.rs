//! Connection timeouts and sync daemons: the global IPVS settings
//! keepalived's `lvs_timeouts` and `lvs_sync_daemon` program.

use std::net::IpAddr;

/// `IPVS_CMD_ATTR_TIMEOUT_*`, in seconds; 0 leaves a value unchanged
/// (the kernel skips zeros).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timeouts {
    /// Established TCP connections.
    pub tcp: u32,
    /// TCP after a FIN.
    pub tcp_fin: u32,
    /// UDP.
    pub udp: u32,
}

/// Which sync daemon (`IP_VS_STATE_MASTER`, `IP_VS_STATE_BACKUP`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SyncState {
    /// Sends connection updates.
    Master,
    /// Receives them.
    Backup,
}

impl SyncState {
    /// The kernel value.
    pub const fn value(self) -> u32 {
        match self {
            Self::Master => 1,
            Self::Backup => 2,
        }
    }

    /// The state with that kernel value.
    pub const fn from_value(v: u32) -> Option<Self> {
        match v {
            1 => Some(Self::Master),
            2 => Some(Self::Backup),
            _ => None,
        }
    }
}

/// A sync daemon to start (`lvs_sync_daemon IF [VI] [id N] [maxlen N]
/// [port N] [ttl N] [group ADDR]`). Unset options keep the kernel's
/// defaults (port 8848, group 224.0.0.81, ttl 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncDaemon {
    /// Master or backup.
    pub state: SyncState,
    /// The interface it sends or listens on.
    pub ifname: String,
    /// The sync id (keepalived's default: the VRRP instance's VRID).
    pub sync_id: u32,
    /// `IPVS_DAEMON_ATTR_SYNC_MAXLEN`.
    pub max_len: Option<u16>,
    /// The multicast group (IPv4 or IPv6).
    pub group: Option<IpAddr>,
    /// The UDP port.
    pub port: Option<u16>,
    /// The multicast TTL.
    pub ttl: Option<u8>,
}

//! What the VRRP runtime needs besides the engine configuration.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use ka_sys::netlink::AddrScope;
use ka_sys::script::ScriptSpec;

use crate::notify::Hooks;

/// Everything the VRRP runtime runs.
#[derive(Clone, Debug, Default)]
pub struct Setup {
    /// The engine's configuration.
    pub engine: ka_vrrp::EngineConfig,
    /// Full details of every VIP/eVIP by (instance, address).
    pub addresses: HashMap<(String, IpAddr), AddressDetail>,
    /// Notify hooks by (is group, name).
    pub hooks: HashMap<(bool, String), Hooks>,
    /// `vrrp_script` runners.
    pub scripts: Vec<ScriptRunner>,
    /// `notify_fifo` / `vrrp_notify_fifo`.
    pub fifo: Option<PathBuf>,
    /// AH keys by instance name.
    pub ah_keys: HashMap<String, [u8; 8]>,
    /// Configured features the runtime does not implement yet, to log.
    pub not_implemented: Vec<String>,
}

/// How to add one VIP: everything keepalived's address syntax can say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AddressDetail {
    /// Interface name.
    pub iface: String,
    /// Scope.
    pub scope: AddrScope,
    /// IPv4 broadcast.
    pub broadcast: Option<std::net::Ipv4Addr>,
    /// Label.
    pub label: Option<String>,
    /// Peer.
    pub peer: Option<IpAddr>,
    /// `-nodad`.
    pub nodad: bool,
    /// `noprefixroute`.
    pub noprefixroute: bool,
    /// `home`.
    pub home: bool,
    /// Preferred lifetime.
    pub preferred_lft: Option<u32>,
}

/// One `vrrp_script` to run periodically.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptRunner {
    /// Script name (as in `track_script`).
    pub name: String,
    /// Command, user and timeout.
    pub spec: ScriptSpec,
    /// `interval`.
    pub interval: Duration,
}

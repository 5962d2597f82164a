//! Load-balancing configuration: virtual server groups, virtual servers,
//! real and sorry servers, their health checkers and the `SSL` block.
//!
//! Fields that keepalived 2.2.7 inherits from an enclosing block (real
//! server from virtual server, checker from real server) are `Option`s:
//! `None` after building means "not written here". Validation
//! ([`crate::validate::lvs`]) fills them in the way keepalived's
//! `validate_check_config()` does, so after a successful load every
//! inheritable value an engine needs is `Some`.

pub mod checkers;
mod print;

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use checkers::{
    BfdCheck, Checker, CheckerCommon, CheckerKind, ConnOpts, DnsCheck, DnsType,
    FileCheck, HexPattern, HttpCheck, HttpProtocol, MiscCheck, SmtpCheck,
    UdpCheck, Url,
};

/// keepalived's `KEEPALIVED_DEFAULT_DELAY` (check_data.h): 60 s.
pub const DEFAULT_DELAY_LOOP: Duration = Duration::from_secs(60);
/// `alloc_vs()` sets `connection_to = 5 * TIMER_HZ`.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// `IPVS_SVC_PERSISTENT_TIMEOUT` (libipvs.h): 6 minutes.
pub const DEFAULT_PERSISTENCE_TIMEOUT: Duration = Duration::from_secs(360);
/// `LVS_MAX_TIMEOUT` (global_data.h): 31 days.
pub const MAX_PERSISTENCE_TIMEOUT: u32 = 86_400 * 31;
/// `IPVS_WEIGHT_LIMIT` (ip_vs.h): `INT32_MAX`.
pub const WEIGHT_LIMIT: u32 = i32::MAX as u32;

/// Every `virtual_server`, `virtual_server_group` and the `SSL` block.
#[derive(Clone, Debug, Default, PartialEq)]
#[derive(Serialize, Deserialize)]
pub struct LvsSection {
    /// The root `SSL { … }` block; `None` means keepalived generates a
    /// context itself when an `SSL_GET` needs one.
    pub ssl: Option<SslConfig>,
    /// `virtual_server_group NAME { … }`, in file order.
    pub groups: Vec<VirtualServerGroup>,
    /// `virtual_server … { … }`, in file order.
    pub virtual_servers: Vec<VirtualServer>,
}

/// The root `SSL { … }` block: client-side TLS for `SSL_GET`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct SslConfig {
    /// `password`: passphrase of the private key.
    pub password: Option<String>,
    /// `ca`: CA certificate file.
    pub ca: Option<String>,
    /// `certificate`: client certificate file.
    pub certificate: Option<String>,
    /// `key`: private key file.
    pub key: Option<String>,
}

/// An address family, for `ip_family` and `fwmark N inet|inet6`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// IPv4 (`inet`).
    Inet,
    /// IPv6 (`inet6`).
    Inet6,
}

impl Family {
    /// The family of an address.
    pub fn of(ip: IpAddr) -> Self {
        if ip.is_ipv4() {
            Self::Inet
        } else {
            Self::Inet6
        }
    }

    /// The keyword spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inet => "inet",
            Self::Inet6 => "inet6",
        }
    }
}

/// `virtual_server_group NAME { … }`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct VirtualServerGroup {
    /// The group's name.
    pub name: String,
    /// Address ranges and firewall marks, in file order.
    pub entries: Vec<VsgEntry>,
}

/// One line of a `virtual_server_group`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum VsgEntry {
    /// `IP [PORT]`, `IP-END [PORT]`, `IP-IP [PORT]` or `IP/LEN [PORT]`,
    /// stored as an inclusive range (`start == end` for one address).
    Range {
        /// First address.
        start: IpAddr,
        /// Last address (same family as `start`).
        end: IpAddr,
        /// The port; 0 means none (only valid for persistent services).
        port: u16,
    },
    /// `fwmark N [inet|inet6]`.
    Fwmark {
        /// The firewall mark.
        mark: u32,
        /// The family, if given.
        family: Option<Family>,
    },
}

/// What a virtual server is keyed on: `IP [PORT]`, `fwmark N` or
/// `group NAME`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum VsKey {
    /// An address and port (port 0: none, persistence forced).
    Addr(SocketAddr),
    /// A firewall mark.
    Fwmark(u32),
    /// A `virtual_server_group` by name.
    Group(String),
}

impl fmt::Display for VsKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Addr(sa) => write!(f, "[{}]:{}", sa.ip(), sa.port()),
            Self::Fwmark(m) => write!(f, "FWM {m}"),
            Self::Group(g) => write!(f, "group {g}"),
        }
    }
}

/// An IPVS scheduler (`lvs_sched` / legacy `lb_algo`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum Scheduler {
    Rr,
    Wrr,
    Lc,
    Wlc,
    Lblc,
    Sh,
    Mh,
    Dh,
    Fo,
    Ovf,
    Lblcr,
    Sed,
    Nq,
    Twos,
}

impl Scheduler {
    /// Every scheduler with its keyword, in keepalived's `lvs_schedulers`
    /// order (check_parser.c).
    pub const ALL: [(&'static str, Self); 14] = [
        ("rr", Self::Rr),
        ("wrr", Self::Wrr),
        ("lc", Self::Lc),
        ("wlc", Self::Wlc),
        ("lblc", Self::Lblc),
        ("sh", Self::Sh),
        ("mh", Self::Mh),
        ("dh", Self::Dh),
        ("fo", Self::Fo),
        ("ovf", Self::Ovf),
        ("lblcr", Self::Lblcr),
        ("sed", Self::Sed),
        ("nq", Self::Nq),
        ("twos", Self::Twos),
    ];

    /// Looks a scheduler up by its (case-sensitive) keyword.
    pub fn from_keyword(s: &str) -> Option<Self> {
        Self::ALL.iter().find(|(k, _)| *k == s).map(|(_, v)| *v)
    }

    /// The keyword, which is also the kernel scheduler name.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, v)| *v == self)
            .map_or("wlc", |(k, _)| k)
    }
}

/// The service protocol (`protocol`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[allow(missing_docs)]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    /// The keyword spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tcp => "TCP",
            Self::Udp => "UDP",
            Self::Sctp => "SCTP",
        }
    }
}

/// IPVS service flags set by single keywords.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct SvcFlags {
    /// `ops`: one-packet scheduling (UDP only).
    pub ops: bool,
    /// `flag-1` (`IP_VS_SVC_F_SCHED1`).
    pub flag_1: bool,
    /// `flag-2` (`IP_VS_SVC_F_SCHED2`).
    pub flag_2: bool,
    /// `flag-3` (`IP_VS_SVC_F_SCHED3`).
    pub flag_3: bool,
    /// `sh-port` (accepted only after `lvs_sched sh`).
    pub sh_port: bool,
    /// `sh-fallback` (accepted only after `lvs_sched sh`).
    pub sh_fallback: bool,
    /// `mh-port` (accepted only after `lvs_sched mh`).
    pub mh_port: bool,
    /// `mh-fallback` (accepted only after `lvs_sched mh`).
    pub mh_fallback: bool,
}

/// IPVS tunnel encapsulation for `TUN` forwarding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TunnelType {
    /// `type ipip` (the default).
    #[default]
    Ipip,
    /// `type gue port N`.
    Gue {
        /// The GUE destination port (1..=65535).
        port: u16,
    },
    /// `type gre`.
    Gre,
}

/// Tunnel checksum option.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TunnelCsum {
    /// `nocsum` (the default).
    #[default]
    NoCsum,
    /// `csum`.
    Csum,
    /// `remcsum`.
    RemCsum,
}

/// Options of `lvs_method TUN`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct TunnelOpts {
    /// Encapsulation.
    pub kind: TunnelType,
    /// Checksum handling.
    pub csum: TunnelCsum,
}

/// A forwarding method (`lvs_method` / legacy `lb_kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum Forwarding {
    /// `NAT` (masquerading).
    Nat,
    /// `DR` (direct routing).
    Dr,
    /// `TUN` with its encapsulation options.
    Tun(TunnelOpts),
}

/// `persistence_granularity`: an IPv4 netmask or an IPv6 prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum Granularity {
    /// An IPv4 netmask (not required to be contiguous, as in ipvsadm).
    V4(Ipv4Addr),
    /// An IPv6 prefix length, 1..=128.
    V6(u8),
}

/// A script with its optional user and group, for `notify_up`,
/// `notify_down`, `quorum_up`, `quorum_down`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct Script {
    /// The command line (first quoted word), split into arguments when
    /// run.
    pub command: String,
    /// The user to run as; `None` means `script_user` / the default.
    pub user: Option<String>,
    /// The group to run as; `None` means the user's primary group.
    pub group: Option<String>,
}

/// `virtual_server IP [PORT] | fwmark N | group NAME { … }`.
#[derive(Clone, Debug, PartialEq)]
#[derive(Serialize, Deserialize)]
pub struct VirtualServer {
    /// What the service is keyed on.
    pub key: VsKey,
    /// `ip_family`; otherwise derived from addresses.
    pub ip_family: Option<Family>,
    /// `lvs_sched` / `lb_algo`; validation sets `wlc` (with an error, as
    /// keepalived reports it) when absent.
    pub scheduler: Option<Scheduler>,
    /// Service flags (`ops`, `flag-N`, `sh-*`, `mh-*`).
    pub flags: SvcFlags,
    /// `lvs_method` / `lb_kind`; validation sets NAT (with an error) when
    /// a real server needs it and none was given.
    pub forwarding: Option<Forwarding>,
    /// `persistence_timeout`; `None` means not persistent.
    pub persistence_timeout: Option<Duration>,
    /// `persistence_granularity`; `None` means /32 or /128.
    pub persistence_granularity: Option<Granularity>,
    /// `persistence_engine` (e.g. `sip`), at most 15 characters.
    pub persistence_engine: Option<String>,
    /// `protocol`; validation defaults address services to UDP.
    pub protocol: Option<Protocol>,
    /// `delay_loop`; default 60 s (`KEEPALIVED_DEFAULT_DELAY`).
    pub delay_loop: Duration,
    /// `connect_timeout`; default 5 s (`alloc_vs`).
    pub connect_timeout: Duration,
    /// `retry` (1..); `None`: each checker's own default.
    pub retry: Option<u32>,
    /// `delay_before_retry`; `None`: each checker's own default.
    pub delay_before_retry: Option<Duration>,
    /// `warmup`; `None`: the checker's `delay_loop`.
    pub warmup: Option<Duration>,
    /// `alpha`: real servers start down until a check succeeds.
    pub alpha: bool,
    /// `omega`: run quorum-down and RS-down notifiers at shutdown.
    pub omega: bool,
    /// `quorum`: minimum live weight; default 1 (`alloc_vs`).
    pub quorum: u32,
    /// `hysteresis`; default 0.
    pub hysteresis: u32,
    /// `quorum_up` script.
    pub quorum_up: Option<Script>,
    /// `quorum_down` script.
    pub quorum_down: Option<Script>,
    /// `inhibit_on_failure`: default for real servers.
    pub inhibit_on_failure: bool,
    /// `ha_suspend`: suspend checks while the VIP is not local.
    pub ha_suspend: bool,
    /// `virtualhost`: default Host header for HTTP checks.
    pub virtualhost: Option<String>,
    /// `smtp_alert`; `None`: the global default (else off).
    pub smtp_alert: Option<bool>,
    /// `snmp_name`.
    pub snmp_name: Option<String>,
    /// `weight`: default real server weight, 1..=INT32_MAX, default 1.
    pub weight: u32,
    /// `sorry_server` with its options.
    pub sorry_server: Option<SorryServer>,
    /// `real_server` blocks, in file order.
    pub real_servers: Vec<RealServer>,
}

impl VirtualServer {
    /// A virtual server with keepalived's `alloc_vs()` defaults.
    pub fn new(key: VsKey) -> Self {
        Self {
            key,
            ip_family: None,
            scheduler: None,
            flags: SvcFlags::default(),
            forwarding: None,
            persistence_timeout: None,
            persistence_granularity: None,
            persistence_engine: None,
            protocol: None,
            delay_loop: DEFAULT_DELAY_LOOP,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry: None,
            delay_before_retry: None,
            warmup: None,
            alpha: false,
            omega: false,
            quorum: 1,
            hysteresis: 0,
            quorum_up: None,
            quorum_down: None,
            inhibit_on_failure: false,
            ha_suspend: false,
            virtualhost: None,
            smtp_alert: None,
            snmp_name: None,
            weight: 1,
            sorry_server: None,
            real_servers: Vec::new(),
        }
    }
}

/// `sorry_server IP [PORT]` with `sorry_server_inhibit` and
/// `sorry_server_lvs_method`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct SorryServer {
    /// Address and port (0: the virtual server's).
    pub addr: SocketAddr,
    /// `sorry_server_inhibit`.
    pub inhibit: bool,
    /// `sorry_server_lvs_method`, else the virtual server's method.
    pub forwarding: Option<Forwarding>,
}

/// `real_server IP [PORT] { … }`.
#[derive(Clone, Debug, PartialEq)]
#[derive(Serialize, Deserialize)]
pub struct RealServer {
    /// Address and port (0: the virtual server's, for NAT/DR/TUN).
    pub addr: SocketAddr,
    /// `weight` 0..=INT32_MAX; `None` inherits the VS `weight`.
    pub weight: Option<u32>,
    /// `lvs_method`; `None` inherits the VS method.
    pub forwarding: Option<Forwarding>,
    /// `uthreshold`; default 0 (none).
    pub uthreshold: u32,
    /// `lthreshold`; default 0 (none).
    pub lthreshold: u32,
    /// `inhibit_on_failure`; `None` inherits the VS setting.
    pub inhibit_on_failure: Option<bool>,
    /// `notify_up` script.
    pub notify_up: Option<Script>,
    /// `notify_down` script.
    pub notify_down: Option<Script>,
    /// `alpha`; `None` inherits the VS setting.
    pub alpha: Option<bool>,
    /// `retry`; `None` inherits.
    pub retry: Option<u32>,
    /// `delay_before_retry`; `None` inherits.
    pub delay_before_retry: Option<Duration>,
    /// `warmup`; `None` inherits.
    pub warmup: Option<Duration>,
    /// `connect_timeout`; `None` inherits.
    pub connect_timeout: Option<Duration>,
    /// `delay_loop`; `None` inherits.
    pub delay_loop: Option<Duration>,
    /// `smtp_alert`; `None`: global default, else **on** (keepalived
    /// keeps this inconsistency for backward compatibility).
    pub smtp_alert: Option<bool>,
    /// `virtualhost` for this server's HTTP checks.
    pub virtualhost: Option<String>,
    /// `snmp_name`.
    pub snmp_name: Option<String>,
    /// Health checkers; none means the server is always up.
    pub checkers: Vec<Checker>,
}

impl RealServer {
    /// A real server with keepalived's `alloc_rs()` defaults (everything
    /// inherited).
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            weight: None,
            forwarding: None,
            uthreshold: 0,
            lthreshold: 0,
            inhibit_on_failure: None,
            notify_up: None,
            notify_down: None,
            alpha: None,
            retry: None,
            delay_before_retry: None,
            warmup: None,
            connect_timeout: None,
            delay_loop: None,
            smtp_alert: None,
            virtualhost: None,
            snmp_name: None,
            checkers: Vec::new(),
        }
    }
}

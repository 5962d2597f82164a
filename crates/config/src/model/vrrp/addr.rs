//! Address, route and rule specifications (`virtual_ipaddress`,
//! `static_routes`, `virtual_rules`, …), parsed like keepalived's
//! `alloc_ipaddress()`, `alloc_route()` and `alloc_rule()`.

use std::net::{IpAddr, Ipv4Addr};

use serde::{Deserialize, Serialize};

/// `brd` of an IPv4 address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum Broadcast {
    /// An explicit broadcast address.
    Addr(Ipv4Addr),
    /// `+`: host bits set.
    Plus,
    /// `-`: host bits clear.
    Minus,
}

/// Address scope (`/etc/iproute2/rt_scopes` names or a number).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum Scope {
    /// `global` (0).
    Global,
    /// `site` (200).
    Site,
    /// `link` (253).
    Link,
    /// `host` (254).
    Host,
    /// `nowhere` (255).
    Nowhere,
    /// Any other numeric scope.
    Other(u8),
}

impl Scope {
    /// Parses a scope name or number as `find_rttables_scope()` does.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "global" | "universe" => Self::Global,
            "site" => Self::Site,
            "link" => Self::Link,
            "host" => Self::Host,
            "nowhere" => Self::Nowhere,
            _ => match s.parse::<u8>().ok()? {
                0 => Self::Global,
                200 => Self::Site,
                253 => Self::Link,
                254 => Self::Host,
                255 => Self::Nowhere,
                n => Self::Other(n),
            },
        })
    }

    /// The canonical spelling.
    pub fn name(self) -> String {
        match self {
            Self::Global => "global".into(),
            Self::Site => "site".into(),
            Self::Link => "link".into(),
            Self::Host => "host".into(),
            Self::Nowhere => "nowhere".into(),
            Self::Other(n) => n.to_string(),
        }
    }
}

/// `preferred_lft` of an address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum PreferredLft {
    /// `forever`.
    Forever,
    /// A number of seconds.
    Secs(u32),
}

/// One address of `virtual_ipaddress`, `virtual_ipaddress_excluded` or
/// `static_ipaddress`:
/// `ADDR[/LEN] [dev IF] [scope S] [brd B|+|-] [label L] [peer P[/LEN]]
/// [home] [-nodad] [mngtmpaddr] [noprefixroute] [autojoin] [no_track]
/// [preferred_lft N|forever] [track_group G] [use_vmac]`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct IpAddress {
    /// The address.
    pub addr: IpAddr,
    /// Prefix length: /32 or /128 unless given (with `peer`, the peer's).
    pub prefix_len: u8,
    /// `dev`: `None` means the instance's interface (or
    /// `default_interface` for static addresses).
    pub dev: Option<String>,
    /// `scope`.
    pub scope: Option<Scope>,
    /// `brd`/`broadcast` (IPv4 only).
    pub broadcast: Option<Broadcast>,
    /// `label` (IPv4 only, < 16 bytes).
    pub label: Option<String>,
    /// `peer` address of a point-to-point address.
    pub peer: Option<IpAddr>,
    /// `home` (IFA_F_HOMEADDRESS).
    pub home: bool,
    /// `-nodad` (IFA_F_NODAD).
    pub nodad: bool,
    /// `mngtmpaddr`.
    pub mngtmpaddr: bool,
    /// `noprefixroute`.
    pub noprefixroute: bool,
    /// `autojoin`.
    pub autojoin: bool,
    /// `no_track`: losing the address does not fault the instance.
    pub no_track: bool,
    /// `preferred_lft`.
    pub preferred_lft: Option<PreferredLft>,
    /// `track_group` (static addresses only).
    pub track_group: Option<String>,
    /// `use_vmac` (VIPs only).
    pub use_vmac: bool,
}

impl IpAddress {
    /// An address with every option at its default.
    pub fn new(addr: IpAddr) -> Self {
        Self {
            addr,
            prefix_len: if addr.is_ipv4() { 32 } else { 128 },
            dev: None,
            scope: None,
            broadcast: None,
            label: None,
            peer: None,
            home: false,
            nodad: false,
            mngtmpaddr: false,
            noprefixroute: false,
            autojoin: false,
            no_track: false,
            preferred_lft: None,
            track_group: None,
            use_vmac: false,
        }
    }
}

/// The address family of a route or rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub enum RouteFamily {
    /// IPv4 (the default when nothing says otherwise).
    Inet,
    /// IPv6.
    Inet6,
}

/// A route metric attribute: `mtu [lock] N` and friends.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct RouteMetric {
    /// The keyword (`mtu`, `advmss`, `rtt`, `rttvar`, `reordering`,
    /// `window`, `cwnd`, `ssthresh`, `realms`, `rto_min`, `initcwnd`,
    /// `initrwnd`, `hoplimit`, `congctl`, `features`, …).
    pub name: String,
    /// `lock` given.
    pub lock: bool,
    /// The value as written (numbers, or names such as `ecn`).
    pub value: String,
}

/// One `nexthop` of a multipath route.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct NextHop {
    /// `via`.
    pub via: Option<IpAddr>,
    /// `dev`.
    pub dev: Option<String>,
    /// `weight` (1..=256).
    pub weight: Option<u16>,
    /// `onlink`.
    pub onlink: bool,
    /// Other words of the hop (`realms`, `encap …`), kept verbatim.
    pub extra: Vec<String>,
}

/// A route of `virtual_routes` or `static_routes`, with the syntax of
/// The route and rule protocol of keepalived's own entries
/// (`RTPROT_KEEPALIVED` in `rtnetlink.h`): what tracked routes and rules
/// must carry, and what keepalived installs when none is configured.
pub const RTPROT_KEEPALIVED: u8 = 18;

/// `ip route`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct Route {
    /// `inet`/`inet6`, or deduced from the addresses.
    pub family: RouteFamily,
    /// Route type keyword (`unicast` by default; `blackhole`,
    /// `unreachable`, `prohibit`, `throw`, `local`, `broadcast`, …).
    pub route_type: Option<String>,
    /// Destination: `None` for `default`/`any`/`all`.
    pub dst: Option<(IpAddr, u8)>,
    /// `from`: source prefix (IPv6).
    pub from: Option<(IpAddr, u8)>,
    /// `src`: preferred source.
    pub src: Option<IpAddr>,
    /// `via`/`gw`.
    pub via: Option<IpAddr>,
    /// `dev`/`oif`.
    pub dev: Option<String>,
    /// `table` (name or number).
    pub table: Option<String>,
    /// `scope`.
    pub scope: Option<Scope>,
    /// `metric`/`priority`/`preference`.
    pub metric: Option<u32>,
    /// `protocol`.
    pub protocol: Option<String>,
    /// `tos`/`dsfield`.
    pub tos: Option<u8>,
    /// `pref low|medium|high` (IPv6).
    pub pref: Option<String>,
    /// `expires` seconds (IPv6).
    pub expires: Option<u32>,
    /// `vrf`.
    pub vrf: Option<String>,
    /// `onlink`.
    pub onlink: bool,
    /// `ttl-propagate enabled|disabled`.
    pub ttl_propagate: Option<bool>,
    /// Metrics (`mtu`, `advmss`, …) in the order written.
    pub metrics: Vec<RouteMetric>,
    /// `encap …` words verbatim.
    pub encap: Vec<String>,
    /// `nexthop` entries.
    pub nexthops: Vec<NextHop>,
    /// `no_track`.
    pub no_track: bool,
    /// `track_group` (static routes only).
    pub track_group: Option<String>,
}

/// A rule of `virtual_rules` or `static_rules`, with the syntax of
/// `ip rule`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct Rule {
    /// `inet`/`inet6`, or deduced from the addresses.
    pub family: RouteFamily,
    /// `from` prefix (`all` is `None`).
    pub from: Option<(IpAddr, u8)>,
    /// `to` prefix.
    pub to: Option<(IpAddr, u8)>,
    /// Action (`table`/`lookup` N, `goto` N, `nop`, `blackhole`,
    /// `unreachable`, `prohibit`), as `(keyword, value)`.
    pub action: Option<(String, Option<String>)>,
    /// `preference`/`priority`/`order`.
    pub preference: Option<u32>,
    /// Other selectors and options (`iif`, `oif`, `tos`, `fwmark`,
    /// `realms`, `uidrange`, `l3mdev`, `protocol`, `ipproto`, `sport`,
    /// `dport`, `suppress_prefixlength`, `suppress_ifgroup`, `tunnel-id`)
    /// as `(keyword, value)` in the order written.
    pub options: Vec<(String, Option<String>)>,
    /// `no_track`.
    pub no_track: bool,
    /// `track_group` (static rules only).
    pub track_group: Option<String>,
}

//! From the validated configuration model to what the VRRP runtime runs.
//!
//! [`vrrp_plan`] is a pure function: it reads a [`ka_config::Config`] that
//! went through `ka_config::validate` (every keepalived default resolved)
//! and produces a [`VrrpPlan`]: the sans-IO engine's [`EngineConfig`], the
//! address details the netlink driver needs, notify hooks, tracker runners
//! and the notify FIFO. Users and groups are resolved through a
//! [`UserResolver`] so that the mapping does no I/O and tests can run
//! anywhere.
//!
//! Everything configured that the runtime cannot honour yet is listed in
//! [`VrrpPlan::not_implemented`] as a sentence, so the daemon can log it
//! loudly at startup instead of ignoring it silently.

mod addr;
mod addr_vmac;
mod gaps;
mod garp;
mod instance;
mod links;
mod route;
mod statics;
pub(crate) mod support;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_addr;
#[cfg(test)]
mod tests_linkbeat;
#[cfg(test)]
mod tests_vmac;
mod vmac;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use ka_config::Config;
use ka_sys::netlink::{AddrScope, AddrSpec};
use ka_sys::script::ScriptSpec;
use ka_vrrp::EngineConfig;

use crate::vrrp::notify::Hooks;

pub use crate::core::trackers::{
    FileTracker, InitFile, ProcessTracker, ScriptRunner,
};
pub use links::{LbType, LinkbeatPlan, UpDownDelay};
pub use route::{route_text, rule_text};
pub use statics::Statics;
pub use vmac::{FirewallConfig, VifKind, VmacPlan, vmac_mac, vmac_name};

/// Everything the VRRP runtime needs, derived from the configuration.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VrrpPlan {
    /// The engine's configuration.
    pub engine: EngineConfig,
    /// Full address details for every VIP and eVIP, keyed by (instance
    /// name, address).
    pub addresses: HashMap<(String, IpAddr), AddressDetail>,
    /// Notify hooks per instance `(false, name)` and sync group
    /// `(true, name)`; every instance and group has an entry.
    pub hooks: HashMap<(bool, String), Hooks>,
    /// `vrrp_script` runners used by at least one instance or group.
    pub scripts: Vec<ScriptRunner>,
    /// `track_file` trackers used by at least one instance or group.
    pub files: Vec<FileTracker>,
    /// `vrrp_track_process` trackers used by at least one instance or
    /// group.
    pub processes: Vec<ProcessTracker>,
    /// The FIFO VRRP events are written to: `vrrp_notify_fifo`, else
    /// `notify_fifo`.
    pub fifo: Option<FifoSpec>,
    /// `notify_fifo` when `vrrp_notify_fifo` is set too, on another path:
    /// VRRP events go to it first, then to [`Self::fifo`].
    pub global_fifo: Option<FifoSpec>,
    /// Configured things the runtime does not implement yet, one sentence
    /// each, e.g. `(VI_1) use_vmac is not implemented yet`.
    pub not_implemented: Vec<String>,
    /// VMACs (`use_vmac`) to create before the engine starts; the
    /// engine's configuration already names them.
    pub vmacs: Vec<VmacPlan>,
    /// The nftables table for `no_accept` and VMACs.
    pub firewall: FirewallConfig,
    /// `static_ipaddress`, `static_routes` and `static_rules`.
    pub statics: Statics,
    /// The whole validated configuration, for the data and JSON dumps,
    /// which echo much of it as keepalived does.
    pub config: Arc<Config>,
    /// Interfaces whose `promote_secondaries` sysctl is turned on while
    /// the daemon runs (`promote_secondaries`).
    pub promote_secondaries: Vec<String>,
    /// `kernel_rx_buf_size` per instance name: the receive buffer of a
    /// VRRP socket is the sum over the instances sharing it.
    pub kernel_rx_bufs: HashMap<String, u32>,
    /// `vrrp_netlink_monitor_rcv_bufs` (and `_force`).
    pub netlink_monitor_rcvbuf: ka_sys::netlink::RcvBuf,
    /// `vrrp_netlink_cmd_rcv_bufs` (and `_force`).
    pub netlink_cmd_rcvbuf: ka_sys::netlink::RcvBuf,
    /// `interface_up_down_delays`, limited as keepalived limits them.
    pub if_delays: HashMap<String, UpDownDelay>,
    /// Interfaces whose link is polled (`linkbeat_use_polling`,
    /// `linkbeat_interfaces`) instead of read from netlink.
    pub linkbeat: LinkbeatPlan,
    /// `-V, --dont-release-vrrp`: at stop, leave the addresses, routes,
    /// firewall and VMACs in place and send no priority-0 advert.
    pub dont_release: bool,
    /// `-a, --address-monitoring`: log every address added or removed.
    pub log_address_changes: bool,
}

/// Everything `ip addr add` needs for one VIP or eVIP except the interface
/// index, which the runtime resolves from [`Self::dev`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressDetail {
    /// Interface name (`dev`, else the instance's interface).
    pub dev: String,
    /// Prefix length.
    pub prefix_len: u8,
    /// Scope (IPv4 only; IPv6 addresses are always global).
    pub scope: AddrScope,
    /// IPv4 broadcast address (`brd`, with `+`/`-` resolved).
    pub broadcast: Option<Ipv4Addr>,
    /// IPv4 label.
    pub label: Option<String>,
    /// Point-to-point peer.
    pub peer: Option<IpAddr>,
    /// Set IFA_F_NODAD: keepalived compat: on for every IPv6 address
    /// unless the configuration says `-nodad`, never for IPv4.
    pub nodad: bool,
    /// `noprefixroute`.
    pub noprefixroute: bool,
    /// `home`.
    pub home: bool,
    /// `mngtmpaddr`.
    pub mngtmpaddr: bool,
    /// `autojoin`.
    pub autojoin: bool,
    /// IPv6 preferred lifetime in seconds; `None` is forever.
    pub preferred_lft: Option<u32>,
    /// An eVIP (`virtual_ipaddress_excluded`): not advertised.
    pub excluded: bool,
    /// `no_track`: losing the address does not fault the instance.
    pub no_track: bool,
}

impl AddressDetail {
    /// The netlink request for `addr` on interface `ifindex`.
    pub fn spec(&self, ifindex: u32, addr: IpAddr) -> AddrSpec {
        AddrSpec {
            ifindex,
            addr,
            prefix_len: self.prefix_len,
            broadcast: self.broadcast,
            scope: self.scope,
            label: self.label.clone(),
            peer: self.peer,
            nodad: self.nodad,
            noprefixroute: self.noprefixroute,
            home: self.home,
            mngtmpaddr: self.mngtmpaddr,
            autojoin: self.autojoin,
            preferred_lft: self.preferred_lft,
        }
    }
}

/// The notify FIFO for VRRP events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FifoSpec {
    /// FIFO path.
    pub path: String,
    /// Owner `(uid, gid)` of the FIFO (`USER [GROUP]`, else the default
    /// script user): a FIFO we create is given to it, an existing one
    /// must belong to it or to us.
    pub owner: Option<(u32, u32)>,
    /// The FIFO script, with the FIFO path appended as last argument.
    pub script: Option<ScriptSpec>,
}

/// Looks up users and groups (the real one reads the password database).
pub trait UserResolver {
    /// `(uid, gid)` of `user`, with `group`'s gid if given, else the
    /// user's primary group; `None` if either does not exist.
    fn uid_gid(&self, user: &str, group: Option<&str>) -> Option<(u32, u32)>;
}

/// Maps a validated configuration to the VRRP runtime's plan.
pub fn vrrp_plan(cfg: &Config, users: &dyn UserResolver) -> VrrpPlan {
    let mut plan = VrrpPlan::default();
    let g = &cfg.global;
    let users = support::Users::new(g, users, &mut plan.not_implemented);
    let known = support::trackers(cfg, &users, &mut plan);
    for i in &cfg.vrrp.instances {
        if let Some(mut c) = instance::map_instance(cfg, i, &known, &mut plan) {
            vmac::apply(cfg, i, &mut c, &mut plan);
            addr_vmac::apply(cfg, i, &mut c, &mut plan);
            vmac::interface_options(i, &mut plan);
            plan.engine.instances.push(c);
        }
        plan.hooks.insert(
            (false, i.name.clone()),
            support::instance_hooks(i, &users, &mut plan.not_implemented),
        );
    }
    for s in &cfg.vrrp.sync_groups {
        let group = instance::map_group(s, &known, &mut plan.not_implemented);
        plan.engine.sync_groups.push(group);
        plan.hooks.insert(
            (true, s.name.clone()),
            support::group_hooks(s, &users, &mut plan.not_implemented),
        );
    }
    plan.firewall = vmac::firewall(cfg);
    plan.statics = statics::statics(cfg);
    statics::track_groups(cfg, &mut plan);
    (plan.global_fifo, plan.fifo) =
        support::fifo(g, &users, &mut plan.not_implemented);
    let rcvbuf = crate::core::netlink_bufs::rcvbuf;
    plan.netlink_monitor_rcvbuf = rcvbuf(&g.netlink_bufs.vrrp_monitor);
    plan.netlink_cmd_rcvbuf = rcvbuf(&g.netlink_bufs.vrrp_cmd);
    plan.engine.garp_interval = g.vrrp_garp_interval.unwrap_or(Duration::ZERO);
    plan.engine.gna_interval = g.vrrp_gna_interval.unwrap_or(Duration::ZERO);
    plan.engine.startup_delay = g.vrrp_startup_delay.unwrap_or(Duration::ZERO);
    garp::apply(cfg, &mut plan);
    plan.engine.log_unknown_vrids = g.log_unknown_vrids;
    plan.if_delays = links::up_down_delays(cfg, &plan);
    plan.linkbeat = links::linkbeat(cfg, &plan);
    gaps::global(cfg, &mut plan.not_implemented);
    plan.config = Arc::new(cfg.clone());
    plan
}

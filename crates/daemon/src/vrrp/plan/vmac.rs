//! `use_vmac` and `vmac_xmit_base` to a VMAC plan, and the firewall
//! settings for `no_accept` (keepalived `vrrp_complete_instance`,
//! `create_vmac_name`, `netlink_link_add_vmac`).
//!
//! The engine is not told about VMACs. Instead its configuration is
//! rewritten so that the VMAC is simply an interface:
//!
//! * without `vmac_xmit_base` the instance's interface *becomes* the VMAC:
//!   VIPs, adverts and GARPs use it and its virtual MAC;
//! * with `vmac_xmit_base` the interface stays the parent (adverts leave
//!   with the parent's MAC) and the VIPs/eVIPs move to the VMAC
//!   (`addr_vmac.rs` places each address).

use std::collections::HashSet;
use std::net::IpAddr;

use ka_config::Config;
use ka_config::model::vrrp::Instance;
use ka_vrrp::InstanceConfig;

use super::VrrpPlan;

/// IFNAMSIZ - 1: the longest interface name.
const MAX_IFNAME: usize = 15;

/// keepalived `ll_addr`: the IANA VRRP MAC prefix 00:00:5e:00:01.
const VRRP_MAC_PREFIX: [u8; 4] = [0x00, 0x00, 0x5e, 0x00];

/// One VMAC the runtime creates before the engine starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VmacPlan {
    /// Owning instance.
    pub instance: String,
    /// The configured `interface` the macvlan sits on.
    pub parent: String,
    /// The macvlan's name.
    pub name: String,
    /// Its hardware address.
    pub mac: [u8; 6],
    /// An IPv6 instance.
    pub ipv6: bool,
    /// `vmac_xmit_base`: adverts use the parent.
    pub xmit_base: bool,
    /// eVIPs of the other family exist (keep IPv6 enabled on an IPv4
    /// VMAC).
    pub other_family: bool,
    /// `unicast_src_ip`/`mcast_src_ip` was configured.
    pub src_configured: bool,
    /// A VMAC for addresses only (`use_vmac_addr`, per-address
    /// `use_vmac`): no adverts, the instance's source is not its.
    pub for_addresses: bool,
    /// A macvlan (`use_vmac`) or an ipvlan (`use_ipvlan`).
    pub kind: VifKind,
}

/// The kind of link a [`VmacPlan`] creates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum VifKind {
    /// A private-mode macvlan with the VRRP MAC (`use_vmac`).
    #[default]
    MacVlan,
    /// An L2 ipvlan (`use_ipvlan`): the parent's MAC, no sysctls but
    /// `disable_ipv6`, no firewall.
    IpVlan {
        /// `IFLA_IPVLAN_FLAGS`: 0 bridge, 1 private, 2 vepa.
        flags: u16,
        /// The address added to it (the advert source).
        addr: Option<(IpAddr, u8)>,
    },
}

/// `IPVLAN_F_PRIVATE` / `IPVLAN_F_VEPA` (linux/if_link.h).
const IPVLAN_F_PRIVATE: u16 = 1;
const IPVLAN_F_VEPA: u16 = 2;

/// Settings of the nftables table used for `no_accept` and VMACs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirewallConfig {
    /// `nftables TABLE` (default `keepalived`).
    pub table: String,
    /// `nftables_priority` (default -1).
    pub priority: i32,
    /// `nftables_counters`.
    pub counters: bool,
    /// Redirect IGMP sent on IPv4 VMACs to the parent (off with
    /// `disable_local_igmp`).
    pub igmp: bool,
    /// `nftables_ifindex`: link-local VIPs always matched with their
    /// interface's index, never its name.
    pub ifindex: bool,
}

impl Default for FirewallConfig {
    fn default() -> Self {
        Self {
            table: "keepalived".into(),
            priority: -1,
            counters: false,
            igmp: true,
            ifindex: false,
        }
    }
}

/// The firewall settings from `global_defs`.
pub(super) fn firewall(cfg: &Config) -> FirewallConfig {
    let g = &cfg.global;
    let f = &g.firewall;
    FirewallConfig {
        table: f.nftables.clone().unwrap_or_else(|| "keepalived".into()),
        priority: f.nftables_priority.unwrap_or(-1),
        counters: f.nftables_counters,
        igmp: !g.disable_local_igmp,
        ifindex: f.nftables_ifindex,
    }
}

/// The default VMAC MAC for `vrid`, or the configured one (5 octets: the
/// VRID is the sixth).
pub fn vmac_mac(configured: Option<&[u8]>, vrid: u8, ipv6: bool) -> [u8; 6] {
    match configured {
        Some(m) if m.len() == 6 => [m[0], m[1], m[2], m[3], m[4], m[5]],
        Some(m) if m.len() == 5 => [m[0], m[1], m[2], m[3], m[4], vrid],
        _ => {
            let [a, b, c, d] = VRRP_MAC_PREFIX;
            // RFC 5798 §7.3: 00-00-5E-00-01-{VRID} (IPv4), …-02-… (IPv6).
            [a, b, c, d, if ipv6 { 0x02 } else { 0x01 }, vrid]
        }
    }
}

/// `PREFIX[NUM].VRID`, shortening the prefix so the name fits IFNAMSIZ.
fn name_with(prefix: &str, num: Option<u16>, vrid: u8) -> String {
    let tail = match num {
        Some(n) => format!("{n}.{vrid}"),
        None => format!(".{vrid}"),
    };
    let keep = MAX_IFNAME.saturating_sub(tail.len()).min(prefix.len());
    let mut cut = keep;
    while !prefix.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{tail}", &prefix[..cut])
}

/// keepalived compat (`create_vmac_name`): `PREFIX.VRID`, else
/// `PREFIX1.VRID`, `PREFIX2.VRID`, …; IPv6 tries `PREFIX6.VRID` first and
/// then skips 6.
pub fn vmac_name(
    prefix: &str,
    vrid: u8,
    ipv6: bool,
    taken: &dyn Fn(&str) -> bool,
) -> String {
    let first = name_with(prefix, None, vrid);
    if !taken(&first) {
        return first;
    }
    let mut num: u16 = 0;
    loop {
        num = match (ipv6, num) {
            (true, 0) => 6,
            (true, 6) => 1,
            (true, 5) => 7,
            (_, n) => n + 1,
        };
        let name = name_with(prefix, Some(num), vrid);
        if !taken(&name) || num == u16::MAX {
            return name;
        }
    }
}

/// Plans the VMAC of instance `i` (if `use_vmac`) and rewrites its engine
/// configuration and address details to use it.
pub(super) fn apply(
    cfg: &Config,
    i: &Instance,
    c: &mut InstanceConfig,
    plan: &mut VrrpPlan,
) {
    if let Some(words) = &i.ipvlan {
        ipvlan(cfg, i, words, c, plan);
        return;
    }
    let Some(v) = &i.vmac else { return };
    let Some(parent) = i.interface.clone() else {
        plan.not_implemented.push(format!(
            "({}) use_vmac without an interface; no VMAC is created",
            i.name
        ));
        return;
    };
    // Only mapped (hence validated) instances get here.
    let strict = i.resolved().is_some_and(|r| r.strict);
    let xmit_base = i.vmac_xmit_base && !strict;
    if i.vmac_xmit_base && strict {
        // keepalived compat: "xmit_base is incompatible with strict mode -
        // resetting".
        plan.not_implemented.push(format!(
            "({}) vmac_xmit_base is ignored in strict mode",
            i.name
        ));
    }
    let name = match &v.ifname {
        Some(n) => n.clone(),
        None => {
            let taken = taken_names(cfg, plan);
            let prefix = cfg.global.vmac_prefix.as_deref().unwrap_or("vrrp");
            vmac_name(prefix, c.vrid.get(), i.is_ipv6(), &|n| taken.contains(n))
        }
    };
    let ipv6 = i.is_ipv6();
    let other_family = i.evips.iter().any(|a| a.addr.is_ipv6() != ipv6);
    if !xmit_base {
        c.interface = Some(name.clone());
    }
    // The addresses follow in `addr_vmac::apply`.
    plan.vmacs.push(VmacPlan {
        instance: i.name.clone(),
        parent,
        mac: vmac_mac(v.mac.as_deref(), c.vrid.get(), ipv6),
        name,
        ipv6,
        xmit_base,
        other_family,
        src_configured: i.src_ip.is_some(),
        for_addresses: false,
        kind: VifKind::MacVlan,
    });
}

/// The words of `use_ipvlan [NAME] [ADDRESS[/PREFIX]] [bridge|private|vepa]`
/// in any order, as keepalived's `vrrp_ipvlan_handler` reads them: the
/// first of each kind counts, later ones are ignored (the config crate
/// reported them).
struct IpVlanWords {
    name: Option<String>,
    addr: Option<(IpAddr, u8)>,
    flags: u16,
}

fn ipvlan_words(words: &[String], ipv6: bool) -> IpVlanWords {
    let mut out = IpVlanWords {
        name: None,
        addr: None,
        flags: 0,
    };
    let mut had_flags = false;
    for w in words {
        let flags = match w.as_str() {
            "bridge" => Some(0),
            "private" => Some(IPVLAN_F_PRIVATE),
            "vepa" => Some(IPVLAN_F_VEPA),
            _ => None,
        };
        if let Some(f) = flags {
            if !had_flags {
                out.flags = f;
                had_flags = true;
            }
            continue;
        }
        if let Some(a) = parse_prefix(w) {
            // keepalived compat: an address of the other family is
            // skipped ("MUST match vrrp instance family").
            if out.addr.is_none() && a.0.is_ipv6() == ipv6 {
                out.addr = Some(a);
            }
            continue;
        }
        if out.name.is_none() && w.len() <= MAX_IFNAME {
            out.name = Some(w.clone());
        }
    }
    out
}

/// `ADDR` or `ADDR/PREFIX` (no prefix: a host address).
fn parse_prefix(w: &str) -> Option<(IpAddr, u8)> {
    let (a, p) = match w.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (w, None),
    };
    let a: IpAddr = a.parse().ok()?;
    let max = if a.is_ipv6() { 128 } else { 32 };
    let p = match p {
        Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max)?,
        None => max,
    };
    Some((a, p))
}

/// keepalived compat (`vrrp_complete_instance`,
/// `netlink_link_add_ipvlan`): `use_ipvlan` puts an L2 ipvlan on the
/// instance's interface, named like a VMAC unless named; it becomes the
/// instance's interface, and its address (if any) the advert source
/// unless one is configured.
fn ipvlan(
    cfg: &Config,
    i: &Instance,
    words: &[String],
    c: &mut InstanceConfig,
    plan: &mut VrrpPlan,
) {
    let Some(parent) = i.interface.clone() else {
        return;
    };
    let ipv6 = i.is_ipv6();
    let w = ipvlan_words(words, ipv6);
    let name = w.name.unwrap_or_else(|| {
        let taken = taken_names(cfg, plan);
        let prefix = cfg.global.vmac_prefix.as_deref().unwrap_or("vrrp");
        vmac_name(prefix, c.vrid.get(), ipv6, &|n| taken.contains(n))
    });
    c.interface = Some(name.clone());
    if i.src_ip.is_none()
        && let Some((a, _)) = w.addr
    {
        c.src_addr = Some(a);
    }
    plan.vmacs.push(VmacPlan {
        instance: i.name.clone(),
        parent,
        name,
        // The kernel gives an ipvlan its parent's MAC.
        mac: [0; 6],
        ipv6,
        xmit_base: false,
        other_family: i.evips.iter().any(|a| a.addr.is_ipv6() != ipv6),
        src_configured: i.src_ip.is_some() || w.addr.is_some(),
        for_addresses: false,
        kind: VifKind::IpVlan {
            flags: w.flags,
            addr: w.addr,
        },
    });
}

/// `promote_secondaries` and `kernel_rx_buf_size` of instance `i`.
pub(super) fn interface_options(i: &Instance, plan: &mut VrrpPlan) {
    if let Some(size) = i.kernel_rx_buf_size {
        plan.kernel_rx_bufs.insert(i.name.clone(), size);
    }
    if !i.promote_secondaries {
        return;
    }
    if i.vmac.is_some() || i.ipvlan.is_some() {
        // keepalived compat: a VMAC gets promote_secondaries anyway.
        plan.not_implemented.push(format!(
            "({}) promote_secondaries is automatically set for vmacs - ignoring",
            i.name
        ));
    } else if let Some(iface) = &i.interface
        && !plan.promote_secondaries.contains(iface)
    {
        plan.promote_secondaries.push(iface.clone());
    }
}

/// Names a generated VMAC name must avoid: VMACs planned so far, VMAC
/// names configured anywhere, and every interface the configuration
/// names.
fn taken_names(cfg: &Config, plan: &VrrpPlan) -> HashSet<String> {
    let mut taken: HashSet<String> =
        plan.vmacs.iter().map(|v| v.name.clone()).collect();
    for i in &cfg.vrrp.instances {
        taken.extend(i.vmac.as_ref().and_then(|v| v.ifname.clone()));
        let v6 = i.is_ipv6();
        taken.extend(i.ipvlan.as_ref().and_then(|w| ipvlan_words(w, v6).name));
        taken.extend(i.interface.clone());
    }
    taken
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_macs_follow_rfc_5798() {
        assert_eq!(vmac_mac(None, 51, false), [0, 0, 0x5e, 0, 1, 0x33]);
        assert_eq!(vmac_mac(None, 51, true), [0, 0, 0x5e, 0, 2, 0x33]);
        assert_eq!(
            vmac_mac(Some(&[2, 1, 2, 3, 4]), 7, false),
            [2, 1, 2, 3, 4, 7]
        );
        assert_eq!(
            vmac_mac(Some(&[2, 1, 2, 3, 4, 5]), 7, true),
            [2, 1, 2, 3, 4, 5]
        );
    }

    #[test]
    fn names_are_prefix_dot_vrid_then_numbered() {
        let none = |_: &str| false;
        assert_eq!(vmac_name("vrrp", 51, false, &none), "vrrp.51");
        assert_eq!(vmac_name("vrrp", 51, true, &none), "vrrp.51");
        let busy = |n: &str| n == "vrrp.51";
        assert_eq!(vmac_name("vrrp", 51, false, &busy), "vrrp1.51");
        assert_eq!(vmac_name("vrrp", 51, true, &busy), "vrrp6.51");
        let busy6 = |n: &str| {
            [
                "vrrp.51", "vrrp6.51", "vrrp1.51", "vrrp2.51", "vrrp3.51",
                "vrrp4.51", "vrrp5.51",
            ]
            .contains(&n)
        };
        assert_eq!(vmac_name("vrrp", 51, true, &busy6), "vrrp7.51");
    }

    #[test]
    fn long_prefixes_are_cut_to_ifnamsiz() {
        let none = |_: &str| false;
        let n = vmac_name("averyveryverylongprefix", 255, false, &none);
        assert_eq!(n, "averyveryve.255");
        assert_eq!(n.len(), MAX_IFNAME);
    }
}

//! The nftables firewall for `no_accept` (RFC 5798 §6.1 Accept_Mode
//! False) and VMACs, laid out as keepalived's `vrrp_nftables.c` builds it.
//!
//! Table `ip keepalived` (and `ip6 keepalived`), filter chains `in` and
//! `out` hooked at priority -1 (`nftables_priority`):
//!
//! * `set vips`: VIPs of instances that are master without accept mode;
//!   `in` drops `ip daddr @vips`, `out` drops `ip saddr @vips`.
//! * IPv6 also lets neighbour discovery through, and matches link-local
//!   VIPs together with their interface (`set vips_link_local`, chains
//!   `in_link_local` and `out_link_local`); keepalived compat
//!   (`nft_update_ipv6_address`): without `nftables_ifindex`, those of a
//!   `dont_track_primary` instance on its own interface (or `no_track`)
//!   are matched by interface name instead (`set vips_link_local_name`),
//!   so that they survive the interface being re-created.
//! * VMACs: `map vmac_map` (VMAC → parent) duplicates IGMP (IPv4) and MLD
//!   reports (IPv6) sent on a VMAC to its parent and drops the original;
//!   IPv6 also drops router solicitations from VMACs (`set vmac_set`).
//!
//! keepalived edits the sets with netlink batches; here the whole table
//! is rendered from [`Firewall`] by a pure function and replaced
//! atomically with `nft -f -` (declare, delete, recreate in one
//! transaction). As in keepalived, a table and its chains appear when
//! first needed and stay until shutdown, when they are deleted.

use std::fmt::Write as _;
use std::net::IpAddr;

use super::io::{FirewallIo, FwVmac};
use crate::core::log::target;
use crate::vrrp::plan::{FirewallConfig, VrrpPlan};

/// One blocked address; link-local IPv6 ones carry their interface.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Blocked {
    addr: IpAddr,
    link_local_iface: Option<String>,
    /// Matched by interface name (`vips_link_local_name`).
    by_name: bool,
}

/// Parts of a family's table that have been needed once (they persist).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Used {
    table: bool,
    vips: bool,
    link_local: bool,
    link_local_name: bool,
}

/// The desired firewall state.
#[derive(Clone, Debug)]
pub(crate) struct Firewall {
    cfg: FirewallConfig,
    vmacs: Vec<FwVmac>,
    blocked: Vec<(String, Vec<Blocked>)>,
    v4: Used,
    v6: Used,
    /// `nft` has been run: delete the tables at shutdown.
    touched: bool,
}

impl Firewall {
    /// An empty firewall with `cfg`'s table, priority and counters.
    pub(crate) fn new(cfg: FirewallConfig) -> Self {
        Self {
            cfg,
            vmacs: Vec::new(),
            blocked: Vec::new(),
            v4: Used::default(),
            v6: Used::default(),
            touched: false,
        }
    }

    /// The VMACs that exist, whose IGMP/MLD is redirected.
    pub(crate) fn set_vmacs(&mut self, vmacs: Vec<FwVmac>) {
        self.vmacs = vmacs;
        let (v4, v6) = (
            self.vmac_entries(false).next().is_some(),
            self.vmac_entries(true).next().is_some(),
        );
        self.v4.table |= v4;
        self.v6.table |= v6;
    }

    /// VMACs with entries in the `ipv6` (or IPv4) table (keepalived
    /// `firewall_add_vmac`: IPv4 ones only without `disable_local_igmp`).
    fn vmac_entries(&self, ipv6: bool) -> impl Iterator<Item = &FwVmac> {
        let igmp = self.cfg.igmp;
        self.vmacs.iter().filter(move |v| {
            (v.ipv6 || igmp) && (v.ipv6 == ipv6 || v.other_family)
        })
    }

    /// Adds or removes the drop rules for `instance`'s `addrs`; the
    /// interface of link-local IPv6 VIPs comes from `plan`.
    pub(crate) fn block(
        &mut self,
        plan: &VrrpPlan,
        instance: &str,
        addrs: &[IpAddr],
        block: bool,
    ) {
        self.blocked.retain(|(i, _)| i != instance);
        if !block {
            return;
        }
        let inst = plan.engine.instances.iter().find(|i| i.name == instance);
        let detail =
            |a: &IpAddr| plan.addresses.get(&(instance.to_owned(), *a));
        let dev = |a: &IpAddr| {
            let d = detail(a).map(|d| d.dev.clone());
            d.or_else(|| inst?.interface.clone())
        };
        let by_name = |a: &IpAddr, dev: &Option<String>| {
            let dtp = inst.is_some_and(|i| i.dont_track_primary);
            let own = dev.is_some()
                && dev.as_deref() == inst.and_then(|i| i.interface.as_deref());
            let no_track = detail(a).is_some_and(|d| d.no_track);
            !self.cfg.ifindex && dtp && (own || no_track)
        };
        let list: Vec<Blocked> = addrs
            .iter()
            .map(|a| {
                let link_local_iface = if ka_types::net::is_link_local(a) {
                    dev(a)
                } else {
                    None
                };
                Blocked {
                    addr: *a,
                    by_name: link_local_iface.is_some()
                        && by_name(a, &link_local_iface),
                    link_local_iface,
                }
            })
            .collect();
        for b in &list {
            let used = if b.addr.is_ipv4() {
                &mut self.v4
            } else {
                &mut self.v6
            };
            used.table = true;
            used.vips = true;
            used.link_local |= b.link_local_iface.is_some() && !b.by_name;
            used.link_local_name |= b.by_name;
        }
        self.blocked.push((instance.to_owned(), list));
    }

    /// The `nft -f` script that makes the kernel match this state.
    pub(crate) fn render(&self) -> String {
        let mut s = String::new();
        if self.v4.table {
            self.render_v4(&mut s);
        }
        if self.v6.table {
            self.render_v6(&mut s);
        }
        s
    }

    /// A script deleting both tables (startup and shutdown).
    pub(crate) fn delete_script(&self) -> String {
        let t = &self.cfg.table;
        ["ip", "ip6"]
            .map(|f| ka_sys::nft::delete_table_script(f, t))
            .concat()
    }

    /// At startup: when a VMAC or a `no_accept` instance needs the
    /// firewall, delete tables left by an earlier run (keepalived
    /// `check_and_delete_tables`) and install the VMAC rules.
    pub(crate) async fn start(
        &mut self,
        plan: &VrrpPlan,
        nft: &mut impl FirewallIo,
    ) {
        let needed = !plan.vmacs.is_empty()
            || plan.engine.instances.iter().any(|i| !i.accept);
        if needed {
            self.clear(nft).await;
            self.apply(nft).await;
        }
    }

    /// Applies [`Self::render`] with `nft`; failures are logged.
    pub(crate) async fn apply(&mut self, nft: &mut impl FirewallIo) {
        let script = self.render();
        if script.is_empty() {
            return;
        }
        self.touched = true;
        if let Err(e) = nft.apply(&script).await {
            tracing::error!(target: target::VRRP, "cannot update the nftables firewall: {e}");
        }
    }

    /// Deletes both tables; failures are logged.
    pub(crate) async fn clear(&mut self, nft: &mut impl FirewallIo) {
        self.touched = true;
        if let Err(e) = nft.apply(&self.delete_script()).await {
            tracing::error!(target: target::VRRP, "cannot delete the nftables firewall: {e}");
        }
    }

    /// At shutdown: deletes the tables if this process ever touched them.
    pub(crate) async fn stop(&mut self, nft: &mut impl FirewallIo) {
        if self.touched {
            self.clear(nft).await;
        }
    }

    fn addrs(&self, v6: bool) -> impl Iterator<Item = &Blocked> {
        self.blocked
            .iter()
            .flat_map(|(_, l)| l)
            .filter(move |b| b.addr.is_ipv6() == v6)
    }

    fn verdict(&self, v: &str) -> String {
        if self.cfg.counters {
            format!("counter {v}")
        } else {
            v.to_owned()
        }
    }

    fn header(&self, s: &mut String, family: &str) {
        let t = &self.cfg.table;
        // Declare, delete and recreate: one atomic replacement.
        let _ = write!(
            s,
            "table {family} {t} {{\n}}\ndelete table {family} {t}\ntable {family} {t} {{\n"
        );
    }

    fn chain(
        &self,
        s: &mut String,
        name: &str,
        hook: Option<&str>,
        rules: &[String],
    ) {
        let _ = writeln!(s, "\tchain {name} {{");
        if let Some(h) = hook {
            let _ = writeln!(
                s,
                "\t\ttype filter hook {h} priority {}; policy accept;",
                self.cfg.priority
            );
        }
        for r in rules {
            let _ = writeln!(s, "\t\t{r}");
        }
        s.push_str("\t}\n");
    }

    fn vmac_map(&self, s: &mut String, ipv6: bool) {
        let pairs: Vec<String> = self
            .vmac_entries(ipv6)
            .map(|v| format!("\"{}\" : \"{}\"", v.name, v.parent))
            .collect();
        set(s, "map vmac_map", "iface_index : iface_index", None, &pairs);
        if ipv6 {
            let names: Vec<String> = self
                .vmac_entries(true)
                .map(|v| format!("\"{}\"", v.name))
                .collect();
            set(s, "set vmac_set", "iface_index", None, &names);
        }
    }

    fn render_v4(&self, s: &mut String) {
        self.header(s, "ip");
        let vmacs = self.vmac_entries(false).next().is_some();
        let mut out = Vec::new();
        if vmacs {
            self.vmac_map(s, false);
            // keepalived compat: IGMP from a VMAC leaves through the parent.
            out.push(format!(
                "ip protocol igmp meta oifkind \"macvlan\" dup to ip daddr device oif map @vmac_map {}",
                self.verdict("drop")
            ));
        }
        if self.v4.vips {
            let addrs: Vec<String> =
                self.addrs(false).map(|b| b.addr.to_string()).collect();
            set(s, "set vips", "ipv4_addr", None, &addrs);
            out.push(format!("ip saddr @vips {}", self.verdict("drop")));
        }
        self.chain(s, "out", Some("output"), &out);
        if self.v4.vips {
            self.chain(
                s,
                "in",
                Some("input"),
                &[format!("ip daddr @vips {}", self.verdict("drop"))],
            );
        }
        s.push_str("}\n");
    }

    fn render_v6(&self, s: &mut String) {
        self.header(s, "ip6");
        let mut out = Vec::new();
        if self.vmac_entries(true).next().is_some() {
            self.vmac_map(s, true);
            out.push(format!(
                "icmpv6 type mld2-listener-report meta oifkind \"macvlan\" dup to ip6 daddr device oif map @vmac_map {}",
                self.verdict("drop")
            ));
            out.push(format!(
                "icmpv6 type nd-router-solicit meta oifkind \"macvlan\" oif @vmac_set {}",
                self.verdict("drop")
            ));
        }
        if self.v6.vips {
            self.render_v6_vips(s, out);
        } else {
            self.chain(s, "out", Some("output"), &out);
        }
        s.push_str("}\n");
    }

    /// The IPv6 VIP sets and chains; `out` holds the VMAC rules so far.
    fn render_v6_vips(&self, s: &mut String, mut out: Vec<String>) {
        let global: Vec<String> = self
            .addrs(true)
            .filter(|b| b.link_local_iface.is_none())
            .map(|b| b.addr.to_string())
            .collect();
        set(s, "set vips", "ipv6_addr", None, &global);
        let nd = [
            "nd-neighbor-solicit".to_owned(),
            "nd-neighbor-advert".to_owned(),
        ];
        set(
            s,
            "set neighbor-discovery",
            "icmpv6_type",
            Some("constant"),
            &nd,
        );
        let ll = |name: bool| -> Vec<String> {
            self.addrs(true)
                .filter(|b| b.by_name == name)
                .filter_map(|b| {
                    Some(format!(
                        "{} . \"{}\"",
                        b.addr,
                        b.link_local_iface.as_ref()?
                    ))
                })
                .collect()
        };
        if self.v6.link_local {
            set(
                s,
                "set vips_link_local",
                "ipv6_addr . iface_index",
                None,
                &ll(false),
            );
        }
        if self.v6.link_local_name {
            set(
                s,
                "set vips_link_local_name",
                "ipv6_addr . ifname",
                None,
                &ll(true),
            );
        }
        let accept = self.verdict("accept");
        out.push(format!("icmpv6 type @neighbor-discovery {accept}"));
        out.push(format!(
            "ip6 saddr fe80::/10 {}",
            self.verdict("goto out_link_local")
        ));
        out.push(format!("ip6 saddr @vips {}", self.verdict("drop")));
        self.chain(s, "out", Some("output"), &out);
        let input = [
            format!("icmpv6 type @neighbor-discovery {accept}"),
            format!(
                "ip6 daddr fe80::/10 {}",
                self.verdict("goto in_link_local")
            ),
            format!("ip6 daddr @vips {}", self.verdict("drop")),
        ];
        self.chain(s, "in", Some("input"), &input);
        let (mut ll_in, mut ll_out) = (Vec::new(), Vec::new());
        let drop = self.verdict("drop");
        if self.v6.link_local {
            ll_in.push(format!("ip6 daddr . iif @vips_link_local {drop}"));
            ll_out.push(format!("ip6 saddr . oif @vips_link_local {drop}"));
        }
        if self.v6.link_local_name {
            ll_in.push(format!(
                "ip6 daddr . iifname @vips_link_local_name {drop}"
            ));
            ll_out.push(format!(
                "ip6 saddr . oifname @vips_link_local_name {drop}"
            ));
        }
        self.chain(s, "in_link_local", None, &ll_in);
        self.chain(s, "out_link_local", None, &ll_out);
    }
}

/// `set NAME { type T; [flags F;] [elements = { … }] }` (or a map).
fn set(
    s: &mut String,
    decl: &str,
    ty: &str,
    flags: Option<&str>,
    elements: &[String],
) {
    let _ = writeln!(s, "\t{decl} {{\n\t\ttype {ty}");
    if let Some(f) = flags {
        let _ = writeln!(s, "\t\tflags {f}");
    }
    if !elements.is_empty() {
        let _ = writeln!(s, "\t\telements = {{ {} }}", elements.join(", "));
    }
    s.push_str("\t}\n");
}

#[cfg(test)]
#[path = "firewall_tests.rs"]
mod tests;

//! VMACs on real interfaces (keepalived `vrrp_vmac.c`,
//! `vrrp_if_config.c`): create the planned private-mode macvlans before
//! the engine starts (and on reload), set the sysctls they need, and at
//! shutdown delete them and put the sysctls back.
//!
//! The engine never hears of VMACs: the map already renamed the
//! instance's interface (or its VIPs' `dev`) to the VMAC, so once the
//! link exists the VMAC is just an interface to it.

use std::net::{IpAddr, Ipv6Addr};

use ka_sys::netlink::{AddrSpec, LinkInfo, LinkKind, Netlink, NlError};
use ka_sys::sysctl::{self, Key, Sysctls};

use super::ifaces::Ifaces;
use super::io::FwVmac;
use crate::core::log::target;
use crate::vrrp::plan::{VifKind, VmacPlan, VrrpPlan};

/// Why a VMAC could not be created.
#[derive(Debug, thiserror::Error)]
pub(crate) enum VmacError {
    /// Its parent interface does not exist.
    #[error("no interface {0}")]
    NoParent(String),
    /// An interface that is not a macvlan has its name.
    #[error("VMAC {0} conflicts with existing interface")]
    Conflict(String),
    /// A netlink request failed.
    #[error(transparent)]
    Netlink(#[from] NlError),
}

/// A VMAC this process owns (created, or adopted from an earlier run).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Owned {
    plan: VmacPlan,
    index: u32,
}

/// The VMACs of this process and the sysctls changed for them.
#[derive(Debug)]
pub(crate) struct Vmacs {
    nl: Netlink,
    sysctls: Sysctls,
    owned: Vec<Owned>,
    /// Interfaces whose `promote_secondaries` we turned on.
    promoted: Vec<String>,
}

/// keepalived `make_link_local_address`: the EUI-64 link-local address
/// of `mac`.
pub(crate) fn eui64_link_local(mac: [u8; 6]) -> Ipv6Addr {
    let seg = |a: u8, b: u8| (u16::from(a) << 8) | u16::from(b);
    Ipv6Addr::new(
        0xfe80,
        0,
        0,
        0,
        seg(mac[0] ^ 0x02, mac[1]),
        seg(mac[2], 0xff),
        seg(0xfe, mac[3]),
        seg(mac[4], mac[5]),
    )
}

impl Vmacs {
    /// No VMACs yet.
    pub(crate) fn new(nl: Netlink) -> Self {
        Self {
            nl,
            sysctls: Sysctls::default(),
            owned: Vec::new(),
            promoted: Vec::new(),
        }
    }

    /// The VMACs for the firewall's IGMP/MLD redirection.
    pub(crate) fn firewall_view(&self) -> Vec<FwVmac> {
        // keepalived compat: ipvlans get no firewall rules.
        self.owned
            .iter()
            .filter(|o| o.plan.kind == VifKind::MacVlan)
            .map(|o| FwVmac {
                name: o.plan.name.clone(),
                parent: o.plan.parent.clone(),
                ipv6: o.plan.ipv6,
                other_family: o.plan.other_family,
            })
            .collect()
    }

    /// Makes the kernel match `plan.vmacs` (create what is missing,
    /// delete ours that are no longer planned), then fills the IPv4
    /// advert source of VMAC instances with the parent's primary address
    /// (keepalived: `saddr` comes from the configured interface).
    pub(crate) async fn sync(&mut self, plan: &mut VrrpPlan) {
        let stale: Vec<Owned> = self
            .owned
            .iter()
            .filter(|o| !plan.vmacs.contains(&o.plan))
            .cloned()
            .collect();
        for o in stale {
            self.delete(&o).await;
        }
        let (links, addrs) = match (
            self.nl.links().await,
            self.nl.addresses().await,
        ) {
            (Ok(l), Ok(a)) => (l, a),
            (Err(e), _) | (_, Err(e)) => {
                tracing::error!(target: target::VRRP, "cannot list interfaces for VMACs: {e}");
                return;
            }
        };
        let ifaces = Ifaces::from_dump(&links, &addrs);
        for v in plan.vmacs.clone() {
            if self.owned.iter().any(|o| o.plan == v) {
                continue;
            }
            if let Err(e) = self.create(&v, &links, &ifaces).await {
                tracing::error!(target: target::VRRP, "({}) cannot create VMAC {} on {}: {e}", v.instance, v.name, v.parent);
            }
        }
        fill_sources(plan, &ifaces);
        self.promote_secondaries(&plan.promote_secondaries);
    }

    /// keepalived compat (`set_promote_secondaries`): turns on
    /// `promote_secondaries` of each instance interface that asks for it,
    /// so that losing its primary address keeps the VIPs; an interface
    /// no longer named gets its old value back (as at shutdown).
    fn promote_secondaries(&mut self, wanted: &[String]) {
        for iface in self.promoted.clone() {
            if !wanted.contains(&iface) {
                let key = Key::ipv4_conf(&iface, "promote_secondaries");
                if let Err(e) = self.sysctls.restore_key(&key) {
                    tracing::info!(target: target::VRRP, "cannot restore {key}: {e}");
                }
                self.promoted.retain(|p| *p != iface);
            }
        }
        for iface in wanted {
            if self.promoted.contains(iface) {
                continue;
            }
            let key = Key::ipv4_conf(iface, "promote_secondaries");
            match self.sysctls.set(&key, 1) {
                Ok(_) => self.promoted.push(iface.clone()),
                Err(e) => {
                    tracing::info!(target: target::VRRP, "cannot set {key} to 1: {e}")
                }
            }
        }
    }

    /// Creates (or adopts, or replaces) one VMAC and configures it.
    async fn create(
        &mut self,
        v: &VmacPlan,
        links: &[LinkInfo],
        ifaces: &Ifaces,
    ) -> Result<(), VmacError> {
        let parent = ifaces
            .get(&v.parent)
            .ok_or_else(|| VmacError::NoParent(v.parent.clone()))?;
        let existing = links.iter().find(|l| l.name == v.name);
        let index = match existing {
            Some(l) => self.reuse_or_replace(v, l, parent.index).await?,
            None => None,
        };
        let index = match index {
            Some(i) => i,
            None => {
                let vrf = self.parent_vrf(v, parent.index).await;
                let (p, name) = (parent.index, &v.name);
                match v.kind {
                    VifKind::IpVlan { flags, .. } => {
                        self.nl.add_ipvlan(p, name, flags, vrf).await?
                    }
                    VifKind::MacVlan => {
                        self.nl.add_macvlan(p, name, v.mac, vrf).await?
                    }
                }
            }
        };
        if let VifKind::IpVlan { addr, .. } = v.kind {
            return self.configure_ipvlan(v, index, addr).await;
        }
        self.owned.push(Owned {
            plan: v.clone(),
            index,
        });
        tracing::info!(target: target::VRRP, "({}): Success creating VMAC interface {}", v.instance, v.name);
        self.set_sysctls(v);
        if let Err(e) = self.nl.set_addr_gen_mode_none(index).await {
            tracing::info!(target: target::VRRP, "({}) Error setting ADDR_GEN_MODE to NONE on {}: {e}", v.instance, v.name);
        }
        self.nl.set_link_up(index).await?;
        if v.ipv6 && !v.xmit_base {
            self.add_link_local(v, index, parent).await;
        }
        Ok(())
    }

    /// keepalived compat (`netlink_link_add_vmac`/`_ipvlan`): a VMAC on an
    /// interface enslaved to a VRF is created in that VRF.
    async fn parent_vrf(&self, v: &VmacPlan, parent: u32) -> Option<u32> {
        self.nl.vrf_master(parent).await.unwrap_or_else(|e| {
            tracing::info!(target: target::VRRP, "({}) cannot read the VRF of {}: {e}", v.instance, v.parent);
            None
        })
    }

    /// keepalived compat (`netlink_link_add_ipvlan`): the ipvlan is up,
    /// IPv6 is off on it unless the instance or an eVIP is IPv6, and the
    /// configured address is added to it. No other sysctl, no
    /// addrgenmode, no link-local address.
    async fn configure_ipvlan(
        &mut self,
        v: &VmacPlan,
        index: u32,
        addr: Option<(IpAddr, u8)>,
    ) -> Result<(), VmacError> {
        self.owned.push(Owned {
            plan: v.clone(),
            index,
        });
        tracing::info!(target: target::VRRP, "({}): Success creating ipvlan interface {}", v.instance, v.name);
        self.nl.set_link_up(index).await?;
        let key = Key::ipv6_conf(&v.name, "disable_ipv6");
        let off = u32::from(!(v.ipv6 || v.other_family));
        if let Err(e) = self.sysctls.set(&key, off) {
            tracing::info!(target: target::VRRP, "cannot set {key} to {off}: {e}");
        }
        if let Some((a, prefix)) = addr {
            let spec = AddrSpec::new(index, a, prefix);
            if let Err(e) = self.nl.add_address(&spec).await {
                tracing::info!(target: target::VRRP, "{}: Failed to add interface address to {}: {e}", v.instance, v.name);
            }
        }
        Ok(())
    }

    /// An interface called like the VMAC exists: adopt it if it is a
    /// matching private macvlan or L2 ipvlan (`Some(index)`), delete it if
    /// it is another macvlan/ipvlan (`None`: create anew), refuse anything
    /// else.
    async fn reuse_or_replace(
        &self,
        v: &VmacPlan,
        l: &LinkInfo,
        parent: u32,
    ) -> Result<Option<u32>, VmacError> {
        let kind = self.nl.link_kind(l.index).await?;
        let on_parent = l.link == Some(parent);
        match (kind, &v.kind) {
            (
                Some(LinkKind::IpVlan { l2, flags }),
                VifKind::IpVlan { flags: f, .. },
            ) if l2 && flags == *f && on_parent => Ok(Some(l.index)),
            (Some(LinkKind::MacVlan { private }), VifKind::MacVlan)
                if private && on_parent && l.mac == v.mac =>
            {
                Ok(Some(l.index))
            }
            (Some(LinkKind::MacVlan { .. } | LinkKind::IpVlan { .. }), _) => {
                tracing::info!(target: target::VRRP, "({}) VMAC {} already exists but is incompatible. It will be deleted/updated", v.instance, v.name);
                self.nl.del_link(l.index).await?;
                Ok(None)
            }
            (None, _) => Ok(None),
            (Some(LinkKind::Other(_)), _) => {
                Err(VmacError::Conflict(v.name.clone()))
            }
        }
    }

    /// The VMAC sysctls (and, once, the `all.rp_filter` dance for IPv4).
    fn set_sysctls(&mut self, v: &VmacPlan) {
        if !v.ipv6 {
            self.clear_rp_filter();
        }
        for (k, val) in
            sysctl::vmac_settings(&v.name, &v.parent, v.ipv6, v.other_family)
        {
            if let Err(e) = self.sysctls.set(&k, val) {
                tracing::info!(target: target::VRRP, "cannot set {k} to {val}: {e}");
            }
        }
    }

    /// keepalived compat (`clear_rp_filter`): lower `all.rp_filter` to 0
    /// without loosening any interface.
    fn clear_rp_filter(&mut self) {
        let all_key = Key::ipv4_conf("all", "rp_filter");
        if self.sysctls.is_saved(&all_key) {
            return;
        }
        let (Ok(all), Ok(default)) = (
            self.sysctls.get(&all_key),
            self.sysctls.get(&Key::ipv4_conf("default", "rp_filter")),
        ) else {
            tracing::info!(target: target::VRRP, "Unable to read sysctl net.ipv4.conf.all.rp_filter");
            return;
        };
        let ifaces: Vec<(String, u32)> = list_ipv4_conf()
            .into_iter()
            .filter_map(|n| {
                Some((
                    n.clone(),
                    self.sysctls.get(&Key::ipv4_conf(&n, "rp_filter")).ok()?,
                ))
            })
            .collect();
        for (k, val) in sysctl::clear_rp_filter_plan(all, default, &ifaces) {
            tracing::info!(target: target::VRRP, "NOTICE: setting sysctl {k} to {val}");
            if let Err(e) = self.sysctls.set(&k, val) {
                tracing::info!(target: target::VRRP, "cannot set {k}: {e}");
            }
        }
    }

    /// keepalived compat (`set_link_local_address`): an IPv6 VMAC that sends
    /// adverts gets the parent's link-local address (or one made from the
    /// parent's MAC) as its source.
    async fn add_link_local(
        &self,
        v: &VmacPlan,
        index: u32,
        parent: &super::ifaces::Iface,
    ) {
        let addr = parent
            .link_local_v6()
            .unwrap_or_else(|| eui64_link_local(parent.mac));
        let mut spec = AddrSpec::new(index, IpAddr::V6(addr), 64);
        spec.nodad = true;
        if let Err(e) = self.nl.add_address(&spec).await {
            tracing::info!(target: target::VRRP, "({}) adding link-local address to {} failed: {e}", v.instance, v.name);
        }
    }

    async fn delete(&mut self, o: &Owned) {
        match self.nl.del_link(o.index).await {
            Ok(()) => {
                tracing::info!(target: target::VRRP, "({}) Success removing VMAC interface {}", o.plan.instance, o.plan.name)
            }
            Err(e) => {
                tracing::info!(target: target::VRRP, "({}) Error removing VMAC interface {}: {e}", o.plan.instance, o.plan.name)
            }
        }
        self.sysctls.forget_iface(&o.plan.name);
        self.owned.retain(|x| x != o);
    }

    /// Deletes every VMAC this process owns and restores the sysctls.
    pub(crate) async fn teardown(&mut self) {
        for o in self.owned.clone().iter().rev() {
            self.delete(o).await;
        }
        for (k, e) in self.sysctls.restore() {
            tracing::info!(target: target::VRRP, "cannot restore {k}: {e}");
        }
    }
}

/// Interface names under `/proc/sys/net/ipv4/conf` (not `all`/`default`).
fn list_ipv4_conf() -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/proc/sys/net/ipv4/conf") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n != "all" && n != "default")
        .collect()
}

/// Sets the advert source of IPv4 VMAC instances that send on the VMAC
/// and have no configured source to the parent's primary address.
pub(crate) fn fill_sources(plan: &mut VrrpPlan, ifaces: &Ifaces) {
    for v in plan.vmacs.iter().filter(|v| {
        !v.ipv6
            && !v.xmit_base
            && !v.src_configured
            && !v.for_addresses
            && v.kind == VifKind::MacVlan
    }) {
        let src = ifaces
            .get(&v.parent)
            .and_then(super::ifaces::Iface::primary_v4);
        if let Some(c) = plan
            .engine
            .instances
            .iter_mut()
            .find(|c| c.name == v.instance)
        {
            c.src_addr = src.map(IpAddr::V4);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_vmac_adverts_take_the_parents_primary_address() {
        use ka_sys::netlink::{AddrInfo, LinkInfo};
        let link = |index, name: &str| LinkInfo {
            index,
            name: name.into(),
            up: true,
            running: true,
            mac: vec![2, 0, 0, 0, 0, index as u8],
            link: None,
        };
        let addr = |ifindex, a: &str| AddrInfo {
            ifindex,
            addr: a.parse().unwrap(),
            prefix_len: 24,
        };
        let ifaces = Ifaces::from_dump(
            &[link(2, "eth0"), link(3, "vrrp.51")],
            &[
                addr(2, "192.0.2.10"),
                addr(2, "192.0.2.99"),
                addr(3, "192.0.2.100"),
            ],
        );
        let mut plan = VrrpPlan::default();
        let mut c = ka_vrrp::InstanceConfig::new(
            "VI_1",
            ka_vrrp::Vrid::new(51).expect("VRID 51"),
            ka_vrrp::Priority::DEFAULT,
        );
        c.interface = Some("vrrp.51".into());
        plan.engine.instances.push(c);
        plan.vmacs.push(VmacPlan {
            instance: "VI_1".into(),
            parent: "eth0".into(),
            name: "vrrp.51".into(),
            mac: [0, 0, 0x5e, 0, 1, 51],
            ipv6: false,
            xmit_base: false,
            other_family: false,
            src_configured: false,
            for_addresses: false,
            kind: VifKind::MacVlan,
        });
        fill_sources(&mut plan, &ifaces);
        assert_eq!(
            plan.engine.instances[0].src_addr,
            Some("192.0.2.10".parse().unwrap())
        );
        plan.vmacs[0].xmit_base = true;
        plan.engine.instances[0].src_addr = None;
        fill_sources(&mut plan, &ifaces);
        assert_eq!(plan.engine.instances[0].src_addr, None);
    }

    #[test]
    fn eui64_matches_keepalived() {
        let a = eui64_link_local([0x2a, 0x3a, 0x0a, 0x0d, 0x33, 0x9a]);
        assert_eq!(a, "fe80::283a:aff:fe0d:339a".parse::<Ipv6Addr>().unwrap());
    }
}

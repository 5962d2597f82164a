//! One row per VRRP instance, joined with what every table reads: its
//! configuration, its interface (index, MAC, primary addresses).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::SystemTime;

use ka_config::model::vrrp::Instance as ModelInstance;
use ka_vrrp::{InstanceConfig, InstanceSnapshot};

use crate::core::operator::Status;
use crate::vrrp::dump::{IfaceInfo, View};
use crate::vrrp::notify::Hooks;

/// An instance as the MIB tables see it.
#[derive(Clone, Debug)]
pub(crate) struct Row<'a> {
    /// keepalived's table index: the position in configuration order,
    /// from 1.
    pub index: u32,
    /// Engine state.
    pub s: &'a InstanceSnapshot,
    /// Engine configuration.
    pub c: &'a InstanceConfig,
    /// The `vrrp_instance` block.
    pub m: Option<&'a ModelInstance>,
    /// Its sync group's name.
    pub group: Option<&'a str>,
    /// Its notify scripts.
    pub hooks: Option<&'a Hooks>,
    /// Its interface (the VMAC's parent for `use_vmac`, keepalived
    /// `IF_BASE_INDEX` and `base_ifp`), when it exists.
    pub base: Option<&'a IfaceInfo>,
    /// The interface it sends on (keepalived `ifp`: the VMAC itself).
    pub ifp: Option<&'a IfaceInfo>,
}

impl Row<'_> {
    /// Whether the instance is IPv6.
    pub(crate) fn ipv6(&self) -> bool {
        self.c.is_ipv6()
    }

    /// keepalived `IF_BASE_INDEX(vrrp->ifp)`, 0 without an interface.
    pub(crate) fn base_index(&self) -> u32 {
        self.base.map_or(0, |i| i.index)
    }

    /// The interface's hardware address (keepalived `ifp->hw_addr`).
    pub(crate) fn mac(&self) -> Option<Vec<u8>> {
        let (mac, _) = self.ifp?.mac.as_ref()?;
        mac.split(':')
            .map(|b| u8::from_str_radix(b, 16).ok())
            .collect()
    }

    /// The base interface's primary address of the instance's family
    /// (keepalived `ifp->sin_addr` / `sin6_addr`, the IPv6 one being
    /// link-local); unspecified when it has none.
    pub(crate) fn primary(&self) -> IpAddr {
        let b = self.base;
        if self.ipv6() {
            IpAddr::V6(
                b.and_then(|i| i.ipv6_ll.first().copied())
                    .unwrap_or(Ipv6Addr::UNSPECIFIED),
            )
        } else {
            IpAddr::V4(
                b.and_then(|i| i.ipv4.first().copied())
                    .unwrap_or(Ipv4Addr::UNSPECIFIED),
            )
        }
    }
}

/// Every instance in configuration order.
pub(crate) fn rows<'a>(
    status: &'a Status,
    ifaces: &'a [IfaceInfo],
    now: SystemTime,
) -> Vec<Row<'a>> {
    let (Some(snap), Some(plan)) = (&status.snapshot.vrrp, &status.plan.vrrp)
    else {
        return Vec::new();
    };
    let find = |name: &str| ifaces.iter().find(|i| i.name == name);
    View::new(snap, plan, now)
        .instances()
        .into_iter()
        .enumerate()
        .map(|(n, i)| {
            let vmac = plan.vmacs.iter().find(|v| v.instance == i.s.name);
            // The engine names the VMAC as the instance's interface.
            let ifname = i.c.interface.as_deref();
            let parent = vmac.map_or(ifname, |v| Some(v.parent.as_str()));
            let (parent, ifp) = (parent.and_then(find), ifname.and_then(find));
            Row {
                index: n as u32 + 1,
                s: i.s,
                c: i.c,
                m: i.m,
                group: i.group,
                hooks: i.hooks,
                base: parent,
                ifp,
            }
        })
        .collect()
}

//! Where each VIP and eVIP goes once VMACs exist: the instance's VMAC,
//! its configured interface, or a VMAC of its own made for `use_vmac_addr`
//! or the per-address `use_vmac` (keepalived `vrrp_complete_instance`,
//! `if_get_by_vmac`, `create_vmac_name`).
//!
//! keepalived compat: an address on the instance's interface (no `dev`, or
//! `dev` naming it) of the instance's family goes on the instance's VMAC
//! when there is one, else on the interface. Any other address stays on
//! its interface unless `use_vmac` is set on it, or `use_vmac_addr` on
//! the instance and it is on another interface or of the other family:
//! then it goes on a private macvlan on that interface, with the VRRP MAC
//! of its family (`00:00:5e:00:01|02:VRID`, or the instance's configured
//! VMAC MAC), shared by every such address of one instance, interface and
//! family and named like a VMAC from `vmac_addr_prefix` (else
//! `vmac_prefix`, else `vrrp`).

use std::collections::HashSet;

use ka_config::Config;
use ka_config::model::vrrp::{Instance, IpAddress};
use ka_vrrp::InstanceConfig;

use super::instance::zero_weight;
use super::{VmacPlan, VrrpPlan, vmac_mac, vmac_name};

/// Places every address of instance `i` (after `vmac::apply`): sets the
/// engine's `dev` and the address details' `dev`, plans the address
/// VMACs and makes the instance track them. keepalived compat
/// (`vrrp_complete_instance`): only a VMAC takes the instance's VIPs; with
/// `use_ipvlan` they stay on the configured interface.
pub(super) fn apply(
    cfg: &Config,
    i: &Instance,
    c: &mut InstanceConfig,
    plan: &mut VrrpPlan,
) {
    let Some(own) = i.interface.clone() else {
        return;
    };
    let instance_vmac = plan
        .vmacs
        .iter()
        .find(|v| {
            v.instance == i.name
                && !v.for_addresses
                && v.kind == super::VifKind::MacVlan
        })
        .map(|v| v.name.clone());
    let v6 = i.is_ipv6();
    let all = i.vips.iter().enumerate().map(|(n, a)| (false, n, a));
    let all = all.chain(i.evips.iter().enumerate().map(|(n, a)| (true, n, a)));
    for (excluded, n, a) in all.collect::<Vec<_>>() {
        let same_if = a.dev.as_deref().is_none_or(|d| d == own);
        let same_family = a.addr.is_ipv6() == v6;
        let dev = match (same_if, &instance_vmac) {
            (true, Some(vmac)) if same_family => vmac.clone(),
            (true, _) if !wants_vmac(i, a, true, same_family) => own.clone(),
            (false, _) if !wants_vmac(i, a, false, same_family) => continue,
            _ => {
                let base = a.dev.clone().unwrap_or_else(|| own.clone());
                let name =
                    address_vmac(cfg, i, c, &base, a.addr.is_ipv6(), plan);
                if !a.no_track {
                    zero_weight(&mut c.track, &name);
                }
                name
            }
        };
        let vips = if excluded { &mut c.evips } else { &mut c.vips };
        if let Some(v) = vips.get_mut(n) {
            // The engine's interface is the VMAC when there is one without
            // `vmac_xmit_base`: naming the device keeps addresses that
            // stay behind on the configured interface.
            let named = a.dev.as_deref() == Some(dev.as_str());
            v.dev = (named || c.interface.as_deref() != Some(&dev))
                .then(|| dev.clone());
        }
        if let Some(d) = plan.addresses.get_mut(&(i.name.clone(), a.addr)) {
            d.dev = dev;
        }
    }
}

/// Whether address `a` gets a VMAC of its own.
fn wants_vmac(
    i: &Instance,
    a: &IpAddress,
    same_if: bool,
    same_family: bool,
) -> bool {
    a.use_vmac || (i.use_vmac_addr && (!same_if || !same_family))
}

/// The name of the address VMAC of instance `i` on `base` for one family:
/// one planned already for the same interface and MAC, else a new one.
fn address_vmac(
    cfg: &Config,
    i: &Instance,
    c: &InstanceConfig,
    base: &str,
    ipv6: bool,
    plan: &mut VrrpPlan,
) -> String {
    let configured = i.vmac.as_ref().and_then(|v| v.mac.as_deref());
    let mac = vmac_mac(configured, c.vrid.get(), ipv6);
    // keepalived compat (`if_get_by_vmac`): any private macvlan on the
    // same interface with the same MAC is reused.
    if let Some(v) =
        plan.vmacs.iter().find(|v| v.parent == base && v.mac == mac)
    {
        return v.name.clone();
    }
    let g = &cfg.global;
    let prefix = g
        .vmac_addr_prefix
        .as_deref()
        .or(g.vmac_prefix.as_deref())
        .unwrap_or("vrrp");
    let taken = taken_names(cfg, plan);
    let name = vmac_name(prefix, c.vrid.get(), ipv6, &|n| taken.contains(n));
    plan.vmacs.push(VmacPlan {
        instance: i.name.clone(),
        parent: base.to_owned(),
        name: name.clone(),
        mac,
        ipv6,
        // No adverts leave from an address VMAC, but an IPv6 one still
        // gets the link-local address keepalived gives it.
        xmit_base: false,
        other_family: false,
        src_configured: true,
        for_addresses: true,
        kind: super::VifKind::MacVlan,
    });
    name
}

/// Names a generated name must avoid: planned VMACs, configured VMAC
/// names and every interface the configuration names.
fn taken_names(cfg: &Config, plan: &VrrpPlan) -> HashSet<String> {
    let mut taken: HashSet<String> =
        plan.vmacs.iter().map(|v| v.name.clone()).collect();
    for i in &cfg.vrrp.instances {
        taken.extend(i.vmac.as_ref().and_then(|v| v.ifname.clone()));
        taken.extend(i.interface.clone());
        let devs = i.vips.iter().chain(&i.evips).filter_map(|a| a.dev.clone());
        taken.extend(devs);
    }
    taken
}

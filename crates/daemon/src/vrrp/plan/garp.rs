//! Per-interface GARP pacing and `garp_extra_if` (keepalived
//! `garp_group`, `set_default_garp_delay`, `vmac_garp_intvl`).
//!
//! Runs after every instance is mapped and its VMAC planned: a VMAC is
//! paced with its parent (keepalived paces on `IF_BASE_IFP`), and
//! `garp_extra_if` needs to know which VIP interfaces are VMACs.

use std::collections::HashSet;
use std::time::Duration;

use ka_config::Config;
use ka_vrrp::{ExtraIfGarp, GarpLane, InstanceConfig};

use super::{VmacPlan, VrrpPlan};

/// Fills the engine's GARP lanes and each instance's `garp_extra_if`.
pub(super) fn apply(cfg: &Config, plan: &mut VrrpPlan) {
    plan.engine.garp_lanes = lanes(cfg, &plan.vmacs);
    let ours: HashSet<&str> =
        plan.vmacs.iter().map(|v| v.name.as_str()).collect();
    for c in &mut plan.engine.instances {
        let Some(i) = cfg.vrrp.instances.iter().find(|i| i.name == c.name)
        else {
            continue;
        };
        let vmac = plan.vmacs.iter().find(|v| v.instance == c.name);
        c.garp_extra_if = match i.garp_extra_if {
            Some((all, secs)) if secs != 0 => {
                extra_if(c, all, secs, vmac, &ours)
            }
            _ => None,
        };
    }
}

/// One lane per `garp_group` with an interval, then each VMAC's parent
/// not in a group with its VMACs and the global intervals.
fn lanes(cfg: &Config, vmacs: &[VmacPlan]) -> Vec<GarpLane> {
    let mut lanes: Vec<GarpLane> = Vec::new();
    let mut claimed: HashSet<&str> = HashSet::new();
    for g in &cfg.vrrp.garp_groups {
        // keepalived compat: a group with neither interval is removed
        // ("garp group N does not have any delay set - removing").
        if g.garp_interval.is_none() && g.gna_interval.is_none() {
            continue;
        }
        // keepalived compat: "garp_group already specified for IF -
        // ignoring": an interface belongs to the first group naming it.
        let interfaces = g
            .interfaces
            .iter()
            .filter(|i| claimed.insert(i.as_str()))
            .cloned()
            .collect();
        lanes.push(GarpLane {
            interfaces,
            garp_interval: g.garp_interval,
            gna_interval: g.gna_interval,
        });
    }
    let global = |d: Option<Duration>| d.filter(|d| !d.is_zero());
    for v in vmacs {
        let at = lanes.iter().position(|l| l.interfaces.contains(&v.parent));
        match at {
            Some(n) => lanes[n].interfaces.push(v.name.clone()),
            None => lanes.push(GarpLane {
                interfaces: vec![v.parent.clone(), v.name.clone()],
                garp_interval: global(cfg.global.vrrp_garp_interval),
                gna_interval: global(cfg.global.vrrp_gna_interval),
            }),
        }
    }
    lanes
}

/// The interfaces `garp_extra_if` sends on (keepalived
/// `vrrp_complete_instance` and `vrrp_send_vmac_update`): VIP/eVIP
/// interfaces other than the instance's own, VMACs only unless `all`;
/// the instance's own (VMAC) interface too with `vmac_xmit_base`. `None`
/// when keepalived turns the interval off: no VIP on another interface,
/// or only non-VMAC ones without `all`.
fn extra_if(
    c: &InstanceConfig,
    all: bool,
    secs: u32,
    vmac: Option<&VmacPlan>,
    ours: &HashSet<&str>,
) -> Option<ExtraIfGarp> {
    let own = vmac.map(|v| v.name.as_str()).or(c.interface.as_deref())?;
    let xmit_base = vmac.is_some_and(|v| v.xmit_base);
    let devs: Vec<&str> = c
        .vips
        .iter()
        .chain(&c.evips)
        .filter_map(|v| v.dev.as_deref().or(c.interface.as_deref()))
        .collect();
    let use_extra_vmac = devs.iter().any(|d| *d != own && ours.contains(d));
    let use_extra_if = devs.iter().any(|d| *d != own && !ours.contains(d));
    let on = use_extra_vmac || (use_extra_if && all);
    if !on {
        return None;
    }
    let mut interfaces: Vec<String> = Vec::new();
    for d in devs {
        let skip = (!ours.contains(d) && !all) || (d == own && !xmit_base);
        if !skip && !interfaces.iter().any(|i| i == d) {
            interfaces.push(d.to_owned());
        }
    }
    Some(ExtraIfGarp {
        interval: Duration::from_secs(u64::from(secs)),
        interfaces,
    })
}

#[cfg(test)]
#[path = "garp_tests.rs"]
mod tests;

//! `interface_up_down_delays`, limited per instance as keepalived does
//! (`vrrp_complete_instance`, `check_debounce_timers`), and which
//! interfaces are polled for their link (`linkbeat_use_polling`,
//! `linkbeat_interfaces`; keepalived `init_interface_linkbeat`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use ka_config::Config;

use super::VrrpPlan;

/// `interface_up_down_delays` of one interface.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UpDownDelay {
    /// Before a link down takes effect.
    pub down: Duration,
    /// Before a link up takes effect.
    pub up: Duration,
}

/// The delays per interface. keepalived compat: on an instance's
/// interface (a VMAC's parent) a delay must stay below
/// `(down_timer_adverts - 1) × advert_int`, else it becomes that minus
/// advert_int/256; with `down_timer_adverts 1` both are 0.
pub(super) fn up_down_delays(
    cfg: &Config,
    plan: &VrrpPlan,
) -> HashMap<String, UpDownDelay> {
    let mut out: HashMap<String, UpDownDelay> = cfg
        .vrrp
        .interface_up_down_delays
        .iter()
        .map(|d| {
            let delay = UpDownDelay {
                down: d.down,
                up: d.up,
            };
            (d.interface.clone(), delay)
        })
        .collect();
    for c in &plan.engine.instances {
        let Some(iface) = c.interface.as_deref() else {
            continue;
        };
        let base = plan
            .vmacs
            .iter()
            .find(|v| v.name == iface)
            .map_or(iface, |v| v.parent.as_str());
        let Some(d) = out.get_mut(base) else {
            continue;
        };
        if c.down_timer_adverts <= 1 {
            *d = UpDownDelay::default();
            continue;
        }
        // keepalived's timers are whole microseconds.
        let adv = c.adver_int.micros();
        let limit =
            Duration::from_micros(adv * u64::from(c.down_timer_adverts - 1));
        for x in [&mut d.down, &mut d.up] {
            if *x >= limit {
                *x = limit.saturating_sub(Duration::from_micros(adv / 256));
            }
        }
    }
    out
}

/// How a polled interface's link is read (`linkbeat_interfaces { IF
/// MII|ETHTOOL|IOCTL }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LbType {
    /// The PHY's Basic Mode Status Register (`SIOCGMIIREG`).
    Mii,
    /// ethtool's `ETHTOOL_GLINK`.
    Ethtool,
    /// The interface flags only (`SIOCGIFFLAGS`).
    Ioctl,
}

impl LbType {
    /// keepalived's name for it (log lines, configuration).
    pub fn name(self) -> &'static str {
        match self {
            Self::Mii => "MII",
            Self::Ethtool => "ETHTOOL",
            Self::Ioctl => "IOCTL",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "MII" => Some(Self::Mii),
            "ETHTOOL" => Some(Self::Ethtool),
            "IOCTL" => Some(Self::Ioctl),
            _ => None,
        }
    }
}

/// Which interfaces get their link state by polling instead of netlink
/// (keepalived `init_interface_linkbeat`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkbeatPlan {
    /// Polled interfaces with their configured type (`None`: probe MII,
    /// then ETHTOOL, then IOCTL).
    pub polled: BTreeMap<String, Option<LbType>>,
    /// Interfaces asked for but not polled, each with keepalived's line
    /// saying why (logged when the plan is applied).
    pub turned_off: Vec<(String, String)>,
}

/// keepalived compat: an interface is polled when `linkbeat_interfaces`
/// lists it, or when it is the interface of an instance with
/// `linkbeat_use_polling` (or the root `linkbeat_use_polling`); then it
/// is dropped again, with a log line, when no instance uses it (its
/// `tracking_vrrp` is empty) or when it is a VMAC or ipvlan (netlink
/// reports their links). A type from `linkbeat_interfaces` stays.
pub(super) fn linkbeat(cfg: &Config, plan: &VrrpPlan) -> LinkbeatPlan {
    let mut wanted: BTreeMap<String, Option<LbType>> = BTreeMap::new();
    for l in &cfg.vrrp.linkbeat_interfaces {
        let t = l.method.as_deref().and_then(LbType::parse);
        wanted.insert(l.interface.clone(), t);
    }
    let mut tracked: BTreeSet<&str> = BTreeSet::new();
    let mut virtual_links: BTreeSet<&str> = BTreeSet::new();
    for i in &cfg.vrrp.instances {
        let configured = i.interface.as_deref();
        // The interface the instance runs on: its VMAC or ipvlan, else
        // the configured one (keepalived's `vrrp->ifp`).
        let vmac = plan.vmacs.iter().find(|v| v.instance == i.name);
        let engine = plan.engine.instances.iter().find(|c| c.name == i.name);
        let ifp = match (vmac, engine.and_then(|c| c.interface.as_deref())) {
            (Some(v), _) => Some(v.name.as_str()),
            (None, Some(e)) => Some(e),
            (None, None) => configured,
        };
        if let Some(ifp) = ifp
            && (vmac.is_some() || i.ipvlan.is_some())
            && Some(ifp) != configured
        {
            virtual_links.insert(ifp);
        }
        tracked.extend(configured);
        tracked.extend(ifp);
        tracked.extend(i.track.interfaces.iter().map(|t| t.name.as_str()));
        if let Some(ifp) = ifp
            && (i.linkbeat_use_polling || cfg.global.linkbeat_use_polling)
        {
            wanted.entry(ifp.to_owned()).or_insert(None);
        }
    }
    for s in &cfg.vrrp.sync_groups {
        tracked.extend(s.track.interfaces.iter().map(|t| t.name.as_str()));
    }
    let mut out = LinkbeatPlan::default();
    for (name, t) in wanted {
        if !tracked.contains(name.as_str()) {
            let line = format!(
                "Turning off linkbeat for {name} since not used for tracking"
            );
            out.turned_off.push((name, line));
        } else if virtual_links.contains(name.as_str()) {
            let line = format!(
                "Turning off linkbeat for {name} since netlink works for vmacs/ipvlans"
            );
            out.turned_off.push((name, line));
        } else {
            out.polled.insert(name, t);
        }
    }
    out
}

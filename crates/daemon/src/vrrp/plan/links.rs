//! `interface_up_down_delays`, limited per instance as keepalived does
//! (`vrrp_complete_instance`, `check_debounce_timers`).

use std::collections::HashMap;
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

//! Gratuitous ARP/NA defaults and checks of an instance (keepalived's
//! `vrrp_complete_instance()`, the GARP part).

use std::time::Duration;

use crate::diag::Diagnostics;
use crate::model::global::GlobalDefs;
use crate::model::vrrp::{DEFAULT_DOWN_TIMER_ADVERTS, Instance};

pub(super) fn garp_defaults(
    i: &mut Instance,
    g: &GlobalDefs,
    strict: bool,
    d: &mut Diagnostics,
) {
    let at = i.loc.0;
    let dta = *i.down_timer_adverts.get_or_insert(
        g.vrrp_down_timer_adverts
            .unwrap_or(DEFAULT_DOWN_TIMER_ADVERTS),
    );
    if dta != DEFAULT_DOWN_TIMER_ADVERTS && strict {
        d.error(at, format!("({}) down_timer_adverts is incompatible with strict mode - resetting", i.name));
        i.down_timer_adverts = Some(DEFAULT_DOWN_TIMER_ADVERTS);
    }
    // keepalived compat: with `vrrp_min_garp` the unset global values are
    // delay 0, repeat 1, refresh off with repeat 0 (`vrrp_min_garp_handler`).
    let min = g.vrrp_min_garp;
    let gdelay = g.vrrp_garp_master_delay.unwrap_or(if min {
        Duration::ZERO
    } else {
        Duration::from_secs(5)
    });
    let grep = g.vrrp_garp_master_repeat.unwrap_or(if min { 1 } else { 5 });
    i.garp_master_delay.get_or_insert(gdelay);
    i.garp_master_repeat.get_or_insert(grep);
    i.garp_master_refresh
        .get_or_insert(g.vrrp_garp_master_refresh.unwrap_or(Duration::ZERO));
    i.garp_master_refresh_repeat.get_or_insert(
        g.vrrp_garp_master_refresh_repeat
            .unwrap_or(if min { 0 } else { 1 }),
    );
    match i.garp_lower_prio_repeat {
        None => {
            i.garp_lower_prio_repeat = Some(if strict {
                0
            } else {
                g.vrrp_garp_lower_prio_repeat.unwrap_or(grep)
            })
        }
        Some(n) if strict && n != 0 => {
            d.error(
                at,
                format!(
                    "({}) Strict mode requires no repeat garps. resetting",
                    i.name
                ),
            );
            i.garp_lower_prio_repeat = Some(0);
        }
        Some(_) => {}
    }
    match i.garp_lower_prio_delay {
        None => {
            i.garp_lower_prio_delay = Some(if strict {
                Duration::ZERO
            } else {
                g.vrrp_garp_lower_prio_delay.unwrap_or(gdelay)
            })
        }
        Some(x) if strict && !x.is_zero() => {
            d.error(
                at,
                format!(
                    "({}) Strict mode requires no repeat garp delay. resetting",
                    i.name
                ),
            );
            i.garp_lower_prio_delay = Some(Duration::ZERO);
        }
        Some(_) => {}
    }
    match i.lower_prio_no_advert {
        None => {
            i.lower_prio_no_advert =
                Some(strict || g.vrrp_lower_prio_no_advert.unwrap_or(false))
        }
        Some(false) if strict => {
            d.error(at, format!("({}) Strict mode requires no lower priority advert. resetting", i.name));
            i.lower_prio_no_advert = Some(true);
        }
        Some(_) => {}
    }
    match i.higher_prio_send_advert {
        None => {
            i.higher_prio_send_advert =
                Some(!strict && g.vrrp_higher_prio_send_advert.unwrap_or(false))
        }
        Some(true) if strict => {
            d.error(at, format!("({}) strict mode requires higher_prio_send_advert to be clear. resetting", i.name));
            i.higher_prio_send_advert = Some(false);
        }
        Some(_) => {}
    }
    if i.garp_extra_if.is_none() {
        i.garp_extra_if = g.vrrp_garp_extra_if;
    }
}

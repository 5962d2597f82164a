//! An instance's settings with every keepalived default applied.
//!
//! Validation (`vrrp_complete_instance()`) is the one place that fills
//! keepalived's defaults into the `Option` fields of [`Instance`];
//! [`Instance::resolved`] reads them back as plain values, so users of a
//! validated configuration (the daemon's mapping) copy them and never
//! default them a second time.

use std::time::Duration;

use super::{Instance, InstanceState, VrrpVersion};

/// keepalived compat: `VRRP_DOWN_TIMER_ADVERTS`, the default
/// `down_timer_adverts` (and the only value strict mode allows).
pub const DEFAULT_DOWN_TIMER_ADVERTS: u32 = 3;

/// The resolved settings of one validated `vrrp_instance`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// `state`, or MASTER for the address owner (priority 255).
    pub state: InstanceState,
    /// `priority`, or 255 for `state MASTER`, else 100.
    pub priority: u8,
    /// `version`, else 3 for IPv6 or `vrrp_version 3`, else 2.
    pub version: VrrpVersion,
    /// The instance is IPv6.
    pub ipv6: bool,
    /// `strict_mode`, else global `vrrp_strict`.
    pub strict: bool,
    /// `accept`/`no_accept`, else on unless strict (then owner only).
    pub accept: bool,
    /// `skip_check_adv_addr`, else the global one.
    pub skip_check_adv_addr: bool,
    /// `lower_prio_no_advert`, else the global one (on if strict).
    pub lower_prio_no_advert: bool,
    /// `higher_prio_send_advert`, else the global one (off if strict).
    pub higher_prio_send_advert: bool,
    /// `notify_priority_changes`, else the sync group's, else global.
    pub notify_priority_changes: bool,
    /// `smtp_alert`, else `smtp_alert_vrrp`, else `smtp_alert`.
    pub smtp_alert: bool,
    /// `down_timer_adverts`, else the global one, else 3.
    pub down_timer_adverts: u32,
    /// The gratuitous ARP / NA schedule.
    pub garp: GarpSchedule,
}

/// The resolved GARP / unsolicited NA schedule of an instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GarpSchedule {
    /// `garp_master_delay`, else global, else 5 s.
    pub master_delay: Duration,
    /// `garp_master_repeat`, else global, else 5.
    pub master_repeat: u32,
    /// `garp_master_refresh`, else global, else off (0).
    pub master_refresh: Duration,
    /// `garp_master_refresh_repeat`, else global, else 1.
    pub master_refresh_repeat: u32,
    /// `garp_lower_prio_delay`, else global, else the master delay
    /// (0 if strict).
    pub lower_prio_delay: Duration,
    /// `garp_lower_prio_repeat`, else global, else the master repeat
    /// (0 if strict).
    pub lower_prio_repeat: u32,
}

impl Instance {
    /// The settings validation resolved; `None` only for an instance that
    /// did not go through validation.
    pub fn resolved(&self) -> Option<Resolved> {
        Some(Resolved {
            state: self.state?,
            priority: self.priority?,
            version: self.version?,
            ipv6: self.ipv6?,
            strict: self.strict_mode?,
            accept: self.accept?,
            skip_check_adv_addr: self.skip_check_adv_addr?,
            lower_prio_no_advert: self.lower_prio_no_advert?,
            higher_prio_send_advert: self.higher_prio_send_advert?,
            notify_priority_changes: self.notify_priority_changes?,
            smtp_alert: self.smtp_alert?,
            down_timer_adverts: self.down_timer_adverts?,
            garp: GarpSchedule {
                master_delay: self.garp_master_delay?,
                master_repeat: self.garp_master_repeat?,
                master_refresh: self.garp_master_refresh?,
                master_refresh_repeat: self.garp_master_refresh_repeat?,
                lower_prio_delay: self.garp_lower_prio_delay?,
                lower_prio_repeat: self.garp_lower_prio_repeat?,
            },
        })
    }
}

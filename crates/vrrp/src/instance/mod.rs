//! One VRRP instance: its data, timers and the effects it can produce.
//!
//! The state machine itself (`match (state, input)` and `enter()`) lives
//! in [`fsm`]; this module holds the data (keepalived `vrrp_t`) and the
//! primitive effects: send an advert, add/remove addresses, GARP bursts.

mod fsm;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_reason;

use std::cmp::Ordering;
use std::net::IpAddr;

use ka_types::Instant;
use serde::{Deserialize, Serialize};

use crate::action::{
    Action, LogLevel, LogLine, Notification, NotifyKind, NotifyState,
};
use crate::config::InstanceConfig;
use crate::garp::{Garp, GarpPacer};
use crate::snapshot::MasterReason;
use crate::stats::Stats;
use crate::timers;
use crate::tx;

pub(crate) use fsm::Input;

/// VRRP instance state (keepalived `VRRP_STATE_*`, RFC 5798 §6.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub enum State {
    /// Not started yet (RFC 5798 §6.4.1 Initialize).
    Init,
    /// RFC 5798 §6.4.2 Backup.
    Backup,
    /// RFC 5798 §6.4.3 Master.
    Master,
    /// keepalived FAULT: a tracked object failed.
    Fault,
    /// Stopped by SIGTERM.
    Stop,
}

impl State {
    /// keepalived's word for the state.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Init => "INIT",
            Self::Backup => "BACKUP",
            Self::Master => "MASTER",
            Self::Fault => "FAULT",
            Self::Stop => "STOP",
        }
    }
}

/// Why an instance is (or would be) in FAULT (keepalived `flags_if_fault`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct FaultFlags {
    /// The instance interface is down (unless `dont_track_primary`).
    pub interface_down: bool,
    /// A weight-0 tracker failed (or a track_file below -253).
    pub tracker: bool,
    /// A weight-0 script has not reported yet (keepalived
    /// `num_script_init`): FAULT without notify.
    pub initialising: bool,
    /// `track_src_ip` and the source address is missing.
    pub no_source_ip: bool,
    /// `unicast_fault_no_peer` with no peers.
    pub config_error: bool,
}

impl FaultFlags {
    /// Any reason at all.
    pub const fn any(self) -> bool {
        self.interface_down
            || self.tracker
            || self.initialising
            || self.no_source_ip
            || self.config_error
    }

    /// A reason other than script initialisation (these notify FAULT).
    pub const fn real(self) -> bool {
        self.interface_down
            || self.tracker
            || self.no_source_ip
            || self.config_error
    }
}

/// What the instance's sync group looks like from this instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SyncView {
    /// Group state.
    pub(crate) state: State,
    /// Every other member wants MASTER.
    pub(crate) others_want_master: bool,
}

/// Effects sink and clock for one engine step.
pub(crate) struct Ctx<'a> {
    pub(crate) now: Instant,
    pub(crate) out: &'a mut Vec<Action>,
    pub(crate) pacer: &'a mut GarpPacer,
    /// `vrrp_startup_delay` end while it has not passed.
    pub(crate) delayed_start: Option<Instant>,
    /// This instance's sync group, if any.
    pub(crate) sync: Option<SyncView>,
}

impl Ctx<'_> {
    /// Push an INFO log line.
    pub(crate) fn log(&mut self, text: String) {
        self.out.push(Action::Log(LogLine {
            level: LogLevel::Info,
            text,
        }));
    }
}

/// One instance (keepalived `vrrp_t`).
#[derive(Clone, Debug)]
pub(crate) struct Instance {
    pub(crate) cfg: InstanceConfig,
    pub(crate) state: State,
    /// keepalived `wantstate`: the state disregarding the sync group.
    pub(crate) want: State,
    pub(crate) base_priority: u8,
    pub(crate) effective_priority: u8,
    /// Σ tracker weights last applied.
    pub(crate) track_weight: i64,
    /// Master_Adver_Interval in µs (v3: learned from the master).
    pub(crate) master_adver_int: u64,
    /// keepalived `ms_down_timer` in µs.
    pub(crate) ms_down_timer: u64,
    /// keepalived `sands`: master-down expiry (BACKUP) or next advert
    /// (MASTER); `None` in INIT/FAULT/STOP.
    pub(crate) sands: Option<Instant>,
    pub(crate) preempt_time: Option<Instant>,
    pub(crate) master_addr: Option<IpAddr>,
    pub(crate) master_priority: u8,
    /// VIPs are installed (keepalived `vipset`).
    pub(crate) vips_set: bool,
    pub(crate) garp_delay_at: Option<Instant>,
    pub(crate) lower_prio_garp_at: Option<Instant>,
    pub(crate) garp_refresh_at: Option<Instant>,
    /// Next `garp_extra_if` round (checked when an advert goes out).
    pub(crate) extra_if_garp_at: Option<Instant>,
    pub(crate) fault: FaultFlags,
    pub(crate) stats: Stats,
    /// Interface primary address (when `src_addr` is not configured).
    pub(crate) iface_addr: Option<IpAddr>,
    pub(crate) group: Option<usize>,
    /// Rate limit of the dropped-packet log, per kind of error.
    pub(crate) rx_log: crate::log_limit::LogLimiter,
    /// Last v3 interval mismatch logged.
    pub(crate) last_int_mismatch: Option<u16>,
    pub(crate) notifies_sent: bool,
    pub(crate) last_transition: Option<Instant>,
    /// Why it last became MASTER, and why it would next (keepalived
    /// `stats->master_reason`, `next_master_reason`; RFC 6527).
    pub(crate) master_reason: MasterReason,
    pub(crate) next_master_reason: MasterReason,
    /// IPv4 ID and AH sequence number.
    pub(crate) tx: tx::TxCounters,
}

impl Instance {
    /// A new instance in INIT (keepalived `alloc_vrrp` + complete).
    pub(crate) fn new(cfg: InstanceConfig) -> Self {
        let want = if cfg.initial_state == crate::config::InitialState::Master {
            State::Master
        } else {
            State::Backup
        };
        let adv = cfg.adver_int.micros();
        let mut i = Self {
            base_priority: cfg.priority.get(),
            effective_priority: cfg.priority.get(),
            cfg,
            state: State::Init,
            want,
            track_weight: 0,
            master_adver_int: adv,
            ms_down_timer: 0,
            sands: None,
            preempt_time: None,
            master_addr: None,
            master_priority: 0,
            vips_set: false,
            garp_delay_at: None,
            lower_prio_garp_at: None,
            garp_refresh_at: None,
            extra_if_garp_at: None,
            fault: FaultFlags::default(),
            stats: Stats::default(),
            iface_addr: None,
            group: None,
            rx_log: Default::default(),
            last_int_mismatch: None,
            notifies_sent: false,
            last_transition: None,
            master_reason: MasterReason::NotMaster,
            next_master_reason: MasterReason::MasterNoResponse,
            tx: tx::TxCounters::default(),
        };
        i.ms_down_timer = i.ms_down();
        i
    }

    /// Instance name.
    pub(crate) fn name(&self) -> &str {
        &self.cfg.name
    }

    /// The configured advert interval in µs (keepalived `adver_int`).
    pub(crate) fn adver_int(&self) -> u64 {
        self.cfg.adver_int.micros()
    }

    /// keepalived `VRRP_TIMER_SKEW(vrrp)`.
    pub(crate) fn skew(&self) -> u64 {
        timers::skew_time(
            self.cfg.version,
            self.effective_priority,
            self.master_adver_int,
        )
    }

    /// keepalived `VRRP_MS_DOWN_TIMER(vrrp)`.
    pub(crate) fn ms_down(&self) -> u64 {
        timers::master_down_interval(
            self.cfg.version,
            self.cfg.down_timer_adverts,
            self.effective_priority,
            self.master_adver_int,
        )
    }

    /// The source address adverts carry.
    pub(crate) fn src(&self) -> Option<IpAddr> {
        self.cfg.src_addr.or(self.iface_addr)
    }

    /// Earliest deadline of this instance.
    pub(crate) fn poll_at(&self) -> Option<Instant> {
        [self.sands, self.garp_delay_at, self.lower_prio_garp_at]
            .into_iter()
            .flatten()
            .min()
    }

    /// keepalived `vrrp_saddr_cmp`: the sender's address against ours
    /// (Equal when we do not know ours).
    pub(crate) fn cmp_src(&self, other: IpAddr) -> Ordering {
        match self.src() {
            Some(ours) if ours.is_ipv6() == other.is_ipv6() => other.cmp(&ours),
            _ => Ordering::Equal,
        }
    }

    /// keepalived `vrrp_init_instance_sands` for BACKUP: `now + ms_down`,
    /// or from the end of `vrrp_startup_delay` while it runs.
    pub(crate) fn backup_sands(&self, cx: &Ctx<'_>) -> Instant {
        let base = cx.delayed_start.filter(|d| cx.now < *d).unwrap_or(cx.now);
        base + std::time::Duration::from_micros(self.ms_down_timer)
    }

    /// Send one advertisement with `priority` to the group or each peer
    /// (keepalived `vrrp_send_adv`), encoded by `ka-wire` (for IPv4 the
    /// whole datagram, one IP ID and AH sequence number per packet).
    pub(crate) fn send_advert(&mut self, priority: u8, cx: &mut Ctx<'_>) {
        let advert = tx::advert_repr(&self.cfg, priority);
        let src = self.src();
        let ttl = tx::ttl(&self.cfg);
        let dsts: Vec<IpAddr> = if self.cfg.is_unicast() {
            self.cfg.unicast_peers.iter().map(|p| p.addr).collect()
        } else {
            vec![self.cfg.multicast_group()]
        };
        for dst in dsts {
            // A peer of the other family cannot be reached (the config
            // front end refuses it): skip it.
            let Some(bytes) =
                tx::packet(&self.cfg, &mut self.tx, &advert, src, dst, ttl)
            else {
                continue;
            };
            cx.out.push(Action::SendAdvert {
                instance: self.cfg.name.clone(),
                iface: self.cfg.interface.clone(),
                src,
                dst,
                ttl,
                advert: advert.clone(),
                bytes,
            });
        }
        self.stats.advert_sent += 1;
    }

    fn vip_iface<'a>(&'a self, dev: &'a Option<String>) -> &'a str {
        dev.as_deref()
            .or(self.cfg.interface.as_deref())
            .unwrap_or_default()
    }

    /// Add or remove VIPs, eVIPs, routes, rules and the accept-mode
    /// firewall hint (keepalived `vrrp_state_become_master` /
    /// `vrrp_restore_interface`).
    pub(crate) fn set_addresses(&mut self, add: bool, cx: &mut Ctx<'_>) {
        let all: Vec<IpAddr> = self.all_vips().collect();
        // keepalived compat: no_accept drop rules only for non-owners
        // (`vrrp_handle_accept_mode`).
        let block = !self.cfg.accept && self.base_priority != 255;
        let block_vips = |block: bool| Action::BlockVips {
            instance: self.cfg.name.clone(),
            addrs: all.clone(),
            block,
        };
        if add {
            if block {
                cx.out.push(block_vips(true));
            }
            self.push_addresses(true, cx);
            self.push_routes_and_rules(true, cx);
        } else {
            self.push_routes_and_rules(false, cx);
            cx.pacer.forget(&all);
            self.push_addresses(false, cx);
            if block {
                cx.out.push(block_vips(false));
            }
        }
        self.vips_set = add;
    }

    /// Add or remove every VIP and eVIP.
    fn push_addresses(&self, add: bool, cx: &mut Ctx<'_>) {
        for v in self.cfg.vips.iter().chain(&self.cfg.evips) {
            let iface = self.vip_iface(&v.dev).to_owned();
            let (instance, addr, prefix_len) =
                (self.cfg.name.clone(), v.addr, v.prefix_len);
            cx.out.push(if add {
                Action::AddAddress {
                    instance,
                    iface,
                    addr,
                    prefix_len,
                }
            } else {
                Action::DelAddress {
                    instance,
                    iface,
                    addr,
                    prefix_len,
                }
            });
        }
    }

    /// Add routes then rules, or remove rules then routes (keepalived
    /// order: a rule may point at a route's table).
    fn push_routes_and_rules(&self, add: bool, cx: &mut Ctx<'_>) {
        let instance = || self.cfg.name.clone();
        let routes = self.cfg.routes.iter().map(|r| {
            let route = r.clone();
            if add {
                Action::AddRoute {
                    instance: instance(),
                    route,
                }
            } else {
                Action::DelRoute {
                    instance: instance(),
                    route,
                }
            }
        });
        let rules = self.cfg.rules.iter().map(|r| {
            let rule = r.clone();
            if add {
                Action::AddRule {
                    instance: instance(),
                    rule,
                }
            } else {
                Action::DelRule {
                    instance: instance(),
                    rule,
                }
            }
        });
        if add {
            cx.out.extend(routes.chain(rules));
        } else {
            cx.out.extend(rules.chain(routes));
        }
    }

    /// Whether the instance has any VIP, eVIP, route or rule to install.
    pub(crate) fn has_virtual_objects(&self) -> bool {
        let c = &self.cfg;
        !(c.vips.is_empty()
            && c.evips.is_empty()
            && c.routes.is_empty()
            && c.rules.is_empty())
    }

    fn all_vips(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.cfg.vips.iter().chain(&self.cfg.evips).map(|v| v.addr)
    }

    /// `rep` rounds of GARP / NA for every VIP and eVIP (keepalived
    /// `vrrp_send_link_update`).
    pub(crate) fn link_update(&self, rep: u32, cx: &mut Ctx<'_>) {
        for _ in 0..rep {
            for (pos, v) in
                self.cfg.vips.iter().chain(&self.cfg.evips).enumerate()
            {
                let g = Garp {
                    instance: &self.cfg.name,
                    pos,
                    iface: self.vip_iface(&v.dev),
                    addr: v.addr,
                };
                cx.pacer.send(cx.now, g, cx.out);
            }
        }
    }

    /// One GARP / NA per `garp_extra_if` interface, for the first VIP or
    /// eVIP on it (keepalived `vrrp_send_vmac_update`).
    pub(crate) fn extra_if_update(&self, cx: &mut Ctx<'_>) {
        let Some(x) = &self.cfg.garp_extra_if else {
            return;
        };
        for iface in &x.interfaces {
            let first = self
                .cfg
                .vips
                .iter()
                .chain(&self.cfg.evips)
                .enumerate()
                .find(|(_, v)| self.vip_iface(&v.dev) == iface.as_str());
            if let Some((pos, v)) = first {
                let g = Garp {
                    instance: &self.cfg.name,
                    pos,
                    iface,
                    addr: v.addr,
                };
                cx.pacer.send(cx.now, g, cx.out);
            }
        }
    }

    /// Instance notify (keepalived `send_instance_notifies`), suppressed
    /// when the sync group already announced this state.
    pub(crate) fn notify(&mut self, cx: &mut Ctx<'_>) {
        if self.notifies_sent && cx.sync.is_some_and(|s| s.state == self.state)
        {
            return;
        }
        let state = match self.state {
            State::Master => NotifyState::Master,
            State::Backup => NotifyState::Backup,
            State::Fault | State::Init => NotifyState::Fault,
            State::Stop => NotifyState::Stop,
        };
        self.notifies_sent = true;
        self.notify_event(state, cx);
    }

    /// A notify of `state` with our effective priority.
    pub(crate) fn notify_event(&self, state: NotifyState, cx: &mut Ctx<'_>) {
        cx.out.push(Action::Notify(Notification {
            kind: NotifyKind::Instance,
            name: self.cfg.name.clone(),
            state,
            priority: self.effective_priority,
        }));
    }

    /// Apply a new tracker weight sum (keepalived
    /// `vrrp_set_effective_priority`): log, recompute Master_Down and
    /// shift a running BACKUP timer by the difference.
    pub(crate) fn set_track_weight(&mut self, weight: i64, cx: &mut Ctx<'_>) {
        self.track_weight = weight;
        let new = crate::track::effective_priority(self.base_priority, weight);
        if new == self.effective_priority {
            return;
        }
        cx.log(format!(
            "({}) Changing effective priority from {} to {}",
            self.cfg.name, self.effective_priority, new
        ));
        self.effective_priority = new;
        let old = self.ms_down_timer;
        self.ms_down_timer = self.ms_down();
        if self.state == State::Backup
            && let Some(s) = self.sands
        {
            let d = |x: u64| std::time::Duration::from_micros(x);
            self.sands = Some(if self.ms_down_timer >= old {
                s + d(self.ms_down_timer - old)
            } else {
                s - d(old - self.ms_down_timer)
            });
        }
        if self.cfg.notify_priority_changes {
            match self.state {
                State::Master => {
                    self.notify_event(NotifyState::MasterPriority, cx)
                }
                State::Backup => {
                    self.notify_event(NotifyState::BackupPriority, cx)
                }
                _ => {}
            }
        }
    }
}

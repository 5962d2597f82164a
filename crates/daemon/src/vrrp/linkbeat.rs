//! Linkbeat: the link state of some interfaces read by polling the NIC
//! driver every second instead of from netlink (`linkbeat_use_polling`,
//! `linkbeat_interfaces`; keepalived `init_interface_linkbeat`,
//! `init_linkbeat_status`, `if_linkbeat_refresh_thread`).
//!
//! Which interfaces is the plan's choice ([`LinkbeatPlan`]); this module
//! probes them (MII registers, then ethtool's GLINK, then the interface
//! flags) and hands each change to the interface table, which turns it
//! into the same engine event a netlink change would give.

use std::collections::BTreeMap;
use std::io;
use std::time::Duration;

use ka_sys::linkbeat::{BMSR_LSTATUS, LinkbeatSocket, MII_BMCR, MII_BMSR};
use ka_vrrp::Event;
use tokio::time::{Instant, Interval, MissedTickBehavior};

use super::ifaces::Ifaces;
use crate::core::log::target;
use crate::vrrp::plan::{LbType, LinkbeatPlan};

/// keepalived's `POLLING_DELAY` (`TIMER_HZ`): one probe a second.
pub(crate) const POLLING_DELAY: Duration = Duration::from_secs(1);

/// The driver calls a probe needs (the kernel's in `ka_sys::linkbeat`,
/// a table in tests).
pub(crate) trait Probe {
    /// `SIOCGMIIPHY`.
    fn mii_phy(&self, ifname: &str) -> io::Result<u16>;
    /// `SIOCGMIIREG`.
    fn mii_read(&self, ifname: &str, phy: u16, reg: u16) -> io::Result<u16>;
    /// `ETHTOOL_GLINK`.
    fn ethtool_link(&self, ifname: &str) -> io::Result<bool>;
    /// `SIOCGIFFLAGS`: `IFF_UP` and `IFF_RUNNING`.
    fn up_and_running(&self, ifname: &str) -> io::Result<bool>;
}

impl Probe for LinkbeatSocket {
    fn mii_phy(&self, ifname: &str) -> io::Result<u16> {
        Self::mii_phy(self, ifname)
    }
    fn mii_read(&self, ifname: &str, phy: u16, reg: u16) -> io::Result<u16> {
        Self::mii_read(self, ifname, phy, reg)
    }
    fn ethtool_link(&self, ifname: &str) -> io::Result<bool> {
        Self::ethtool_link(self, ifname)
    }
    fn up_and_running(&self, ifname: &str) -> io::Result<bool> {
        Self::up_and_running(self, ifname)
    }
}

/// A probe's answer: `None` when the method does not work on the
/// interface (keepalived's -1).
type Reading = Option<bool>;

/// keepalived `if_mii_read`: a failed read is logged and reads 0xffff.
fn mii_reg<P: Probe>(p: &P, ifname: &str, phy: u16, reg: u16) -> u16 {
    p.mii_read(ifname, phy, reg).unwrap_or_else(|e| {
        tracing::error!(target: target::VRRP, "SIOCGMIIREG on {ifname} failed: {e}");
        0xffff
    })
}

/// keepalived `if_mii_probe`: the PHY must answer for its BMSR; the link
/// bit is read twice since it latches a loss (IEEE 802.3 §22.2.4.2.13).
pub(crate) fn mii<P: Probe>(p: &P, ifname: &str) -> Reading {
    let phy = p.mii_phy(ifname).ok()?;
    p.mii_read(ifname, phy, MII_BMSR).ok()?;
    let bmcr = mii_reg(p, ifname, phy, MII_BMCR);
    let bmsr = if bmcr == 0xffff {
        0
    } else {
        mii_reg(p, ifname, phy, MII_BMSR)
    };
    if bmsr == 0 {
        tracing::error!(target: target::VRRP, "No MII transceiver present for {ifname} !!!");
        return None;
    }
    let again = mii_reg(p, ifname, phy, MII_BMSR);
    Some((bmsr | again) & BMSR_LSTATUS != 0)
}

/// keepalived `if_ethtool_probe`.
pub(crate) fn ethtool<P: Probe>(p: &P, ifname: &str) -> Reading {
    p.ethtool_link(ifname).ok()
}

/// keepalived `if_ioctl_flags`: up and running; keepalived compat: a
/// failed ioctl other than "no such device" counts as up.
pub(crate) fn flags<P: Probe>(p: &P, ifname: &str) -> bool {
    match p.up_and_running(ifname) {
        Ok(up) => up,
        Err(e) => e.raw_os_error() != Some(nix::errno::Errno::ENODEV as i32),
    }
}

/// keepalived `init_linkbeat_status`: finds the method that works,
/// starting from the configured one, and the link's state with it.
pub(crate) fn detect<P: Probe>(
    p: &P,
    ifname: &str,
    configured: Option<LbType>,
) -> (LbType, bool) {
    let mut found = configured;
    let mut up = false;
    if matches!(found, None | Some(LbType::Mii)) {
        found = mii(p, ifname).map(|u| {
            up = u;
            LbType::Mii
        });
    }
    if matches!(found, None | Some(LbType::Ethtool)) {
        found = match ethtool(p, ifname) {
            Some(u) => {
                up = u;
                Some(LbType::Ethtool)
            }
            // A configured ETHTOOL that fails falls back to MII.
            None if found.is_some() => mii(p, ifname).map(|u| {
                up = u;
                LbType::Mii
            }),
            None => None,
        };
    }
    let found = match found {
        Some(t) if t != LbType::Ioctl => t,
        _ => {
            up = true;
            LbType::Ioctl
        }
    };
    if up {
        up = flags(p, ifname);
    }
    if let Some(c) = configured
        && c != found
    {
        tracing::info!(target: target::VRRP, "({ifname}): Configured linkbeat type {} not supported, using {}", c.name(), found.name());
    }
    (found, up)
}

/// keepalived `if_linkbeat_refresh_thread` on a known method. keepalived
/// compat: a probe that fails here reads as up, so the flags decide.
pub(crate) fn refresh<P: Probe>(p: &P, ifname: &str, t: LbType) -> bool {
    let up = match t {
        LbType::Mii => mii(p, ifname) != Some(false),
        LbType::Ethtool => ethtool(p, ifname) != Some(false),
        LbType::Ioctl => true,
    };
    up && flags(p, ifname)
}

/// The poller: the polled interfaces, the method found for each, the
/// socket and the one-second tick.
pub(crate) struct Linkbeat<P> {
    probe: Option<P>,
    /// Configured type and the type found (once the interface existed).
    polled: BTreeMap<String, (Option<LbType>, Option<LbType>)>,
    tick: Option<Interval>,
}

impl Linkbeat<LinkbeatSocket> {
    /// Starts polling what `plan` says, opening the kernel socket if
    /// anything is polled.
    pub(crate) fn start(plan: &LinkbeatPlan, ifaces: &mut Ifaces) -> Self {
        let mut lb = Self {
            probe: None,
            polled: BTreeMap::new(),
            tick: None,
        };
        lb.apply(plan, ifaces, LinkbeatSocket::open, true);
        lb
    }

    /// SIGHUP: the new plan's interfaces; a method already found stays
    /// while the configured type is unchanged. The next poll (within a
    /// second) reads them, with the usual log line for a change.
    pub(crate) fn reload(&mut self, plan: &LinkbeatPlan, ifaces: &mut Ifaces) {
        self.apply(plan, ifaces, LinkbeatSocket::open, false);
    }
}

impl<P: Probe> Linkbeat<P> {
    /// keepalived `init_interface_linkbeat`: logs the interfaces turned
    /// off and takes over the others from netlink. With `read` (at
    /// start, before the engine learns the table) each is read once and
    /// the table set silently.
    pub(crate) fn apply(
        &mut self,
        plan: &LinkbeatPlan,
        ifaces: &mut Ifaces,
        open: impl FnOnce() -> io::Result<P>,
        read: bool,
    ) {
        let old = std::mem::take(&mut self.polled);
        for (name, configured) in &plan.polled {
            let found = old
                .get(name)
                .filter(|(c, _)| c == configured)
                .and_then(|(_, f)| *f);
            self.polled.insert(name.clone(), (*configured, found));
        }
        // keepalived compat: one pass over the interfaces in kernel index
        // order, a turned-off line or a first reading for each.
        let key = |n: &str| ifaces.get(n).map_or(u32::MAX, |i| i.index);
        let mut steps: Vec<(u32, String, Option<String>)> = plan
            .polled
            .keys()
            .map(|n| (key(n), n.clone(), None))
            .chain(
                plan.turned_off
                    .iter()
                    .map(|(n, line)| (key(n), n.clone(), Some(line.clone()))),
            )
            .collect();
        steps.sort();
        let mut open = Some(open);
        for (_, name, off) in steps {
            if let Some(line) = off {
                tracing::info!(target: target::VRRP, "{line}");
                continue;
            }
            if self.probe.is_none() {
                let opened = open.take().map(|f| f());
                match opened {
                    Some(Ok(p)) => self.probe = Some(p),
                    Some(Err(e)) => {
                        let errno = e.raw_os_error().unwrap_or(0);
                        tracing::info!(target: target::VRRP, "open linkbeat init socket failed - errno {errno} - {e}");
                        self.polled.clear();
                        break;
                    }
                    None => break,
                }
            }
            if read
                && let (Some(p), Some(entry)) =
                    (&self.probe, self.polled.get_mut(&name))
            {
                read_one(p, &name, entry, ifaces, true);
            }
        }
        ifaces.set_polled(self.polled.keys().cloned());
        if self.polled.is_empty() {
            self.tick = None;
            return;
        }
        if self.tick.is_none() {
            let mut t = tokio::time::interval_at(
                Instant::now() + POLLING_DELAY,
                POLLING_DELAY,
            );
            t.set_missed_tick_behavior(MissedTickBehavior::Delay);
            self.tick = Some(t);
        }
        tracing::info!(target: target::VRRP, "Using MII-BMSR/ETHTOOL NIC polling thread(s)...");
    }

    /// Waits for the next poll; forever when nothing is polled.
    pub(crate) async fn tick(&mut self) {
        match &mut self.tick {
            Some(t) => {
                t.tick().await;
            }
            None => std::future::pending().await,
        }
    }

    /// One poll of every interface: the engine events of the changes,
    /// each logged as keepalived logs it.
    pub(crate) fn poll(&mut self, ifaces: &mut Ifaces) -> Vec<Event> {
        self.read_all(ifaces, false)
    }

    /// Reads every polled interface.
    fn read_all(&mut self, ifaces: &mut Ifaces, init: bool) -> Vec<Event> {
        let Some(p) = &self.probe else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, entry) in &mut self.polled {
            out.extend(read_one(p, name, entry, ifaces, init));
        }
        out
    }
}

/// Reads one polled interface (a first reading finds its method): the
/// engine event if its usability changed. With `init`, the table is set
/// without an event or a log line (keepalived sets the flags silently in
/// `init_interface_linkbeat`).
fn read_one<P: Probe>(
    p: &P,
    name: &str,
    (configured, found): &mut (Option<LbType>, Option<LbType>),
    ifaces: &mut Ifaces,
    init: bool,
) -> Option<Event> {
    // Not there (yet): nothing to read, down in the table.
    let was = ifaces.get(name)?.usable;
    let up = match found {
        Some(t) if !init => refresh(p, name, *t),
        _ => {
            let (t, up) = detect(p, name, *configured);
            *found = Some(t);
            up
        }
    };
    if up == was {
        return None;
    }
    if !init {
        let word = if up { "up" } else { "down" };
        tracing::info!(target: target::VRRP, "Linkbeat reports {name} {word}");
    }
    let event = ifaces.set_polled_usable(name, up);
    if init { None } else { event }
}

#[cfg(test)]
#[path = "linkbeat_tests.rs"]
mod tests;

//! Links and addresses kept in step with the kernel, even when change
//! notifications are lost.
//!
//! A netlink multicast socket drops notifications when its receive
//! buffer fills (`ENOBUFS`), and a subscription can end. Either way a
//! link-down may never be heard of, leaving a master on a dead link.
//! keepalived 2.2.7 (`netlink_parse_info`) only logs the overrun, with the
//! words used here, and carries on with what it lost. Here the watcher
//! logs, reopens an ended subscription, dumps links and addresses again
//! and hands out the differences from what it had reported as ordinary
//! changes, so the caller never needs to know.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::time::Duration;

use super::monitor::{Monitored, RcvBuf};
use super::{AddrInfo, LinkInfo, Monitor, NetEvent, Netlink, NlError};

/// Wait between attempts when reopening or re-reading fails.
const RETRY: Duration = Duration::from_secs(1);

/// The links and addresses reported so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetState {
    links: BTreeMap<u32, LinkInfo>,
    addrs: Vec<AddrInfo>,
}

type AddrKey = (u32, std::net::IpAddr, u8);

fn key(a: &AddrInfo) -> AddrKey {
    (a.ifindex, a.addr, a.prefix_len)
}

impl NetState {
    /// The state a dump describes.
    pub fn new(links: &[LinkInfo], addrs: &[AddrInfo]) -> Self {
        let mut s = Self::default();
        s.replace(links.to_vec(), addrs.to_vec());
        s
    }

    /// Follows one change.
    pub fn apply(&mut self, ev: &NetEvent) {
        match ev {
            NetEvent::LinkChanged(l) => {
                self.links.insert(l.index, l.clone());
            }
            NetEvent::LinkRemoved(l) => {
                self.links.remove(&l.index);
                self.addrs.retain(|a| a.ifindex != l.index);
            }
            NetEvent::AddrAdded(a) => {
                if !self.addrs.iter().any(|b| key(b) == key(a)) {
                    self.addrs.push(a.clone());
                }
            }
            NetEvent::AddrRemoved(a) => self.addrs.retain(|b| key(b) != key(a)),
        }
    }

    /// Replaces the state with a fresh dump and returns the changes that
    /// lead from the old one to it: new or changed links, removed
    /// addresses, added addresses, then removed links.
    pub fn replace(
        &mut self,
        links: Vec<LinkInfo>,
        addrs: Vec<AddrInfo>,
    ) -> Vec<NetEvent> {
        let mut out = Vec::new();
        let new_links: BTreeMap<u32, LinkInfo> =
            links.into_iter().map(|l| (l.index, l)).collect();
        for (idx, l) in &new_links {
            if self.links.get(idx) != Some(l) {
                out.push(NetEvent::LinkChanged(l.clone()));
            }
        }
        let new_keys: HashSet<AddrKey> = addrs.iter().map(key).collect();
        let old_keys: HashSet<AddrKey> = self.addrs.iter().map(key).collect();
        for a in &self.addrs {
            // A removed link's addresses go with its removal.
            if !new_keys.contains(&key(a)) && new_links.contains_key(&a.ifindex)
            {
                out.push(NetEvent::AddrRemoved(a.clone()));
            }
        }
        for a in &addrs {
            if !old_keys.contains(&key(a)) {
                out.push(NetEvent::AddrAdded(a.clone()));
            }
        }
        for (idx, l) in &self.links {
            if !new_links.contains_key(idx) {
                out.push(NetEvent::LinkRemoved(l.clone()));
            }
        }
        self.links = new_links;
        self.addrs = addrs;
        out
    }
}

/// Link and address changes with resynchronisation after lost
/// notifications.
#[derive(Debug)]
pub struct NetWatcher {
    nl: Netlink,
    buf: RcvBuf,
    monitor: Option<Monitor>,
    state: NetState,
    pending: VecDeque<NetEvent>,
    /// Notifications were lost: re-read before reporting more.
    stale: bool,
    /// Resynchronisations so far (overruns and ended subscriptions).
    resyncs: u64,
}

impl NetWatcher {
    /// Subscribes (receive buffer `buf`) before anything is read, so no
    /// change after the first [`Self::dump`] is missed.
    pub fn open(nl: Netlink, buf: RcvBuf) -> std::io::Result<Self> {
        let monitor = Monitor::open_with(buf)?;
        Ok(Self {
            nl,
            buf,
            monitor: Some(monitor),
            state: NetState::default(),
            pending: VecDeque::new(),
            stale: false,
            resyncs: 0,
        })
    }

    /// Every link and address now; later changes are relative to this.
    pub async fn dump(
        &mut self,
    ) -> Result<(Vec<LinkInfo>, Vec<AddrInfo>), NlError> {
        let links = self.nl.links().await?;
        let addrs = self.nl.addresses().await?;
        self.state = NetState::new(&links, &addrs);
        self.pending.clear();
        self.stale = false;
        Ok((links, addrs))
    }

    /// How many times notifications were lost and the state re-read.
    pub fn resyncs(&self) -> u64 {
        self.resyncs
    }

    /// The next change. Never ends: an ended subscription is reopened.
    /// Cancel-safe: dropped at any await, the next call carries on.
    pub async fn next(&mut self) -> NetEvent {
        loop {
            if let Some(ev) = self.pending.pop_front() {
                return ev;
            }
            if self.stale {
                self.resync().await;
                continue;
            }
            let got = match &mut self.monitor {
                Some(m) => m.next_raw().await,
                None => None,
            };
            match got {
                Some(Monitored::Change(ev)) => {
                    self.state.apply(&ev);
                    return ev;
                }
                Some(Monitored::Overrun) => {
                    // keepalived's words, then what we do about it.
                    tracing::warn!(
                        "Netlink: Receive buffer overrun on monitor socket - increase the relevant netlink_rcv_bufs global parameter and/or set force; re-reading links and addresses"
                    );
                    self.resyncs += 1;
                    self.stale = true;
                }
                None => {
                    if self.monitor.take().is_some() {
                        tracing::warn!(
                            "netlink monitor ended; reopening it and re-reading links and addresses"
                        );
                        self.resyncs += 1;
                    }
                    self.reopen().await;
                    self.stale = true;
                }
            }
        }
    }

    /// Reopens the subscription, retrying every [`RETRY`].
    async fn reopen(&mut self) {
        while self.monitor.is_none() {
            match Monitor::open_with(self.buf) {
                Ok(m) => self.monitor = Some(m),
                Err(e) => {
                    tracing::warn!("cannot reopen the netlink monitor: {e}");
                    tokio::time::sleep(RETRY).await;
                }
            }
        }
    }

    /// Re-reads links and addresses (retrying every [`RETRY`]) and queues
    /// the differences.
    async fn resync(&mut self) {
        let dumped = async {
            Ok::<_, NlError>((
                self.nl.links().await?,
                self.nl.addresses().await?,
            ))
        }
        .await;
        match dumped {
            Ok((links, addrs)) => {
                self.pending.extend(self.state.replace(links, addrs));
                self.stale = false;
            }
            Err(e) => {
                tracing::warn!("cannot re-read links and addresses: {e}");
                tokio::time::sleep(RETRY).await;
            }
        }
    }
}

#[cfg(test)]
#[path = "watch_tests.rs"]
mod tests;

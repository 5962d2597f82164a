//! Carrying out the VRRP engine's actions, in order: adverts, gratuitous
//! ARP/NA, kernel changes on the ordered worker, firewall rules, notify
//! hooks and log lines.

use std::net::IpAddr;
use std::time::Duration;

use ka_sys::netlink::AddrSpec;
use ka_vrrp::{Action, LogLevel, Notification, NotifyKind, NotifyState};
use ka_wire::arp::garp_frame;
use ka_wire::ethernet::EthernetAddress;
use ka_wire::ndisc::unsolicited_na_frame;
use tokio::sync::oneshot;
use tracing::Instrument as _;

use super::super::io::KernelOp;
use super::super::io::{FrameIo, Io, KernelIo, NotifyIo};
use super::Runtime;
use crate::core::bus::{NotifyState as BusNotify, Signal, VrrpState};
use crate::core::log::target;

/// How long shutdown waits for `notify_stop` scripts (keepalived: 1 s).
const STOP_SCRIPT_WAIT: Duration = Duration::from_secs(1);

/// How long a gratuitous ARP/NA waits for the addresses queued before it
/// to be in the kernel.
const GARP_BARRIER_WAIT: Duration = Duration::from_secs(1);

impl<I: Io> Runtime<I> {
    /// Carries out the engine's actions in order. During shutdown, STOP
    /// notifies are waited for (at most [`STOP_SCRIPT_WAIT`]).
    pub(super) async fn dispatch(
        &mut self,
        out: &mut Vec<Action>,
        stopping: bool,
    ) {
        for action in out.drain(..) {
            let span = instance_span(&action);
            self.dispatch_one(action, stopping).instrument(span).await;
        }
    }

    /// Carries out one action.
    async fn dispatch_one(&mut self, action: Action, stopping: bool) {
        match action {
            Action::BlockVips {
                instance,
                addrs,
                block,
            } => {
                let verb = if block { "setting" } else { "removing" };
                tracing::info!(target: target::VRRP, "({instance}) {verb} firewall drop rule");
                self.firewall.block(&self.setup, &instance, &addrs, block);
                self.firewall.apply(&mut self.nft).await;
            }
            Action::Notify(n) => {
                self.publish_state(&n);
                if stopping && n.state == NotifyState::Stop {
                    self.notifier.notify_and_wait(&n, STOP_SCRIPT_WAIT).await;
                } else {
                    self.notifier.notify(&n);
                }
            }
            Action::Log(line) => match line.level {
                LogLevel::Warning => {
                    tracing::warn!(target: target::VRRP, "{}", line.text)
                }
                LogLevel::Info => {
                    tracing::info!(target: target::VRRP, "{}", line.text)
                }
            },
            send @ Action::SendAdvert { .. } => self.send_advert(send),
            // keepalived compat: the VIP is in the kernel before its
            // gratuitous ARP/NA goes out (keepalived adds addresses
            // synchronously), so nobody is pointed at us before we answer
            // for it.
            Action::SendGarp { iface, addr } => {
                self.kernel_barrier().await;
                self.send_frame(&iface, |mac| garp_frame(mac, addr).to_vec());
            }
            Action::SendUnsolicitedNa { iface, addr } => {
                self.kernel_barrier().await;
                // RFC 4861 §7.2.6: the Router flag says whether we
                // forward; keepalived sets it from the forwarding sysctl.
                let router = self.frames.ipv6_forwarding(&iface);
                self.send_frame(&iface, |mac| {
                    unsolicited_na_frame(mac, addr, router).to_vec()
                });
            }
            add @ Action::AddAddress { .. } => self.address(add),
            del @ Action::DelAddress { .. } => self.address(del),
            Action::AddRoute { route, .. } => self.route(true, route.0),
            Action::DelRoute { route, .. } => self.route(false, route.0),
            Action::AddRule { rule, .. } => self.rule(true, rule.0),
            Action::DelRule { rule, .. } => self.rule(false, rule.0),
        }
    }

    /// An instance's MASTER, BACKUP or FAULT notification goes on the
    /// bus too: `lvs_sync_daemon` (in the checkers) follows it, as
    /// keepalived's `vrrp_state_become_master` / `leave_master` switch the
    /// IPVS sync daemon.
    fn publish_state(&self, n: &Notification) {
        let notified = match n.state {
            NotifyState::Master => Some(BusNotify::Master),
            NotifyState::Backup => Some(BusNotify::Backup),
            NotifyState::Fault => Some(BusNotify::Fault),
            NotifyState::Stop => Some(BusNotify::Stop),
            NotifyState::Deleted => Some(BusNotify::Deleted),
            _ => None,
        };
        if let Some(state) = notified {
            self.bus.publish(&Signal::VrrpNotify {
                group: n.kind == NotifyKind::Group,
                name: n.name.clone(),
                state,
            });
        }
        let state = match n.state {
            NotifyState::Master => VrrpState::Master,
            NotifyState::Backup => VrrpState::Backup,
            NotifyState::Fault => VrrpState::Fault,
            _ => return,
        };
        if n.kind == NotifyKind::Instance {
            self.bus.publish(&Signal::VrrpState {
                instance: n.name.clone(),
                state,
            });
        }
    }

    /// Sends an advert.
    fn send_advert(&mut self, action: Action) {
        let Action::SendAdvert {
            instance,
            iface,
            src,
            dst,
            ttl,
            bytes,
            ..
        } = action
        else {
            return;
        };
        let Some(iface) = iface else { return };
        if let Err(e) =
            self.sockets
                .send(&self.ifaces, &iface, src, dst, ttl, &bytes)
        {
            self.error(&format!(
                "({instance}) cannot send advert on {iface}: {e}"
            ));
        }
    }

    /// Waits (bounded) until every kernel change queued so far is applied.
    async fn kernel_barrier(&mut self) {
        if !std::mem::take(&mut self.kernel_pending) {
            return;
        }
        let (done, wait) = oneshot::channel();
        self.kernel.submit(KernelOp::Barrier(done));
        let _ = tokio::time::timeout(GARP_BARRIER_WAIT, wait).await;
    }

    /// Queues an address change, with the details the plan has for it.
    fn address(&mut self, action: Action) {
        let (add, instance, iface, addr, prefix_len) = match action {
            Action::AddAddress {
                instance,
                iface,
                addr,
                prefix_len,
            } => (true, instance, iface, addr, prefix_len),
            Action::DelAddress {
                instance,
                iface,
                addr,
                prefix_len,
            } => (false, instance, iface, addr, prefix_len),
            _ => return,
        };
        let spec = self.addr_spec(&instance, &iface, addr, prefix_len);
        let op = if add {
            KernelOp::AddAddr
        } else {
            KernelOp::DelAddr
        };
        self.kernel_change(spec.map(op));
    }

    /// Queues `ip route add|del SPEC`.
    fn route(&mut self, add: bool, spec: String) {
        self.kernel_change(Some(KernelOp::Route { add, spec }));
    }

    /// Queues `ip rule add|del SPEC`.
    fn rule(&mut self, add: bool, spec: String) {
        self.kernel_change(Some(KernelOp::Rule { add, spec }));
    }

    /// Queues an address, route or rule change on the kernel worker
    /// (`None`: the address could not be resolved, already logged).
    fn kernel_change(&mut self, op: Option<KernelOp>) {
        self.kernel_pending = true;
        if let Some(op) = op {
            self.kernel.submit(op);
        }
    }

    /// The full address (label, broadcast, scope … from the plan) behind
    /// an engine address action; `None` (logged) without the interface.
    fn addr_spec(
        &mut self,
        instance: &str,
        iface: &str,
        addr: IpAddr,
        prefix_len: u8,
    ) -> Option<AddrSpec> {
        let Some(i) = self.ifaces.get(iface) else {
            self.error(&format!(
                "({instance}) cannot change {addr}: no interface {iface}"
            ));
            return None;
        };
        Some(
            match self.setup.addresses.get(&(instance.to_owned(), addr)) {
                Some(d) => d.spec(i.index, addr),
                None => AddrSpec::new(i.index, addr, prefix_len),
            },
        )
    }

    /// Sends a frame built from the MAC of `iface` out of it.
    fn send_frame(
        &mut self,
        iface: &str,
        build: impl FnOnce(EthernetAddress) -> Vec<u8>,
    ) {
        let Some(i) = self.ifaces.get(iface) else {
            return;
        };
        let (index, frame) = (i.index, build(EthernetAddress(i.mac)));
        if let Err(e) = self.frames.send_frame(index, &frame) {
            self.error(&format!(
                "cannot send gratuitous ARP/NA on {iface}: {e}"
            ));
        }
    }
}

/// The span of the instance (or sync group) an action belongs to, so a
/// log line says which one; none for actions of no single instance.
fn instance_span(action: &Action) -> tracing::Span {
    let name = match action {
        Action::SendAdvert { instance, .. }
        | Action::AddAddress { instance, .. }
        | Action::DelAddress { instance, .. }
        | Action::AddRoute { instance, .. }
        | Action::DelRoute { instance, .. }
        | Action::AddRule { instance, .. }
        | Action::DelRule { instance, .. }
        | Action::BlockVips { instance, .. } => instance,
        Action::Notify(n) => &n.name,
        Action::SendGarp { .. }
        | Action::SendUnsolicitedNa { .. }
        | Action::Log(_) => return tracing::Span::none(),
    };
    tracing::info_span!("instance", name = %name)
}

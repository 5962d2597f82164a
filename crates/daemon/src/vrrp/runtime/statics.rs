//! The runtime's side of `static_ipaddress`, `static_routes` and
//! `static_rules` (see [`crate::vrrp::plan::Statics`]): installed at start after
//! leftovers of an earlier run are removed, diffed on reload, removed at
//! stop, all through the ordered kernel worker.

use ka_sys::netlink::NetEvent;

use super::{Io, KernelOp, Runtime};
use crate::core::log::target;
use crate::vrrp::io::KernelIo as _;
use crate::vrrp::plan::Statics;

impl<I: Io> Runtime<I> {
    /// Installs the plan's static addresses, routes and rules, in that
    /// order (keepalived's `vrrp_daemon.c`). Adding what is already there
    /// succeeds, so a reload re-adds everything, as keepalived does.
    pub(super) fn add_statics(&mut self) {
        let s = &self.setup.statics;
        let mut ops: Vec<KernelOp> = Vec::new();
        for (addr, d) in &s.addresses {
            match self.ifaces.get(&d.dev) {
                Some(i) => ops.push(KernelOp::AddAddr(d.spec(i.index, *addr))),
                None => tracing::error!(
                    target: target::VRRP,
                    "static address {addr}: no interface {}",
                    d.dev
                ),
            }
        }
        ops.extend(s.routes.iter().map(|r| KernelOp::Route {
            add: true,
            spec: r.clone(),
        }));
        ops.extend(s.rules.iter().map(|r| KernelOp::Rule {
            add: true,
            spec: r.clone(),
        }));
        self.submit_all(ops);
    }

    /// Deletes the static rules, routes and addresses of `s` (in that
    /// order, keepalived's) that `keep` does not also have.
    pub(super) fn remove_statics(
        &mut self,
        s: &Statics,
        keep: Option<&Statics>,
    ) {
        let none = Statics::default();
        let keep = keep.unwrap_or(&none);
        let mut ops: Vec<KernelOp> = Vec::new();
        for r in s.rules.iter().filter(|r| !keep.rules.contains(r)) {
            ops.push(KernelOp::Rule {
                add: false,
                spec: r.clone(),
            });
        }
        for r in s.routes.iter().filter(|r| !keep.routes.contains(r)) {
            ops.push(KernelOp::Route {
                add: false,
                spec: r.clone(),
            });
        }
        for (addr, d) in &s.addresses {
            if keep.addresses.iter().any(|(a, kd)| a == addr && kd == d) {
                continue;
            }
            if let Some(i) = self.ifaces.get(&d.dev) {
                ops.push(KernelOp::DelAddr(d.spec(i.index, *addr)));
            }
        }
        self.submit_all(ops);
    }

    /// keepalived compat (`reinstate_static_address`, `interface_up`): a
    /// static address deleted from under us is added again (unless
    /// `no_track`), and an interface that comes up gets its static
    /// addresses and routes again. Call before the interface table
    /// applies `change`.
    pub(super) fn reinstate_statics(&mut self, change: &NetEvent) {
        let s = &self.setup.statics;
        let mut ops: Vec<KernelOp> = Vec::new();
        match change {
            NetEvent::AddrRemoved(a) => {
                let Some(dev) = self.ifaces.name_of(a.ifindex) else {
                    return;
                };
                let lost = s.addresses.iter().find(|(addr, d)| {
                    *addr == a.addr && d.dev == dev && !d.no_track
                });
                if let Some((addr, d)) = lost {
                    ops.push(KernelOp::AddAddr(d.spec(a.ifindex, *addr)));
                }
            }
            NetEvent::LinkChanged(l) if l.is_usable() => {
                let was = self.ifaces.get(&l.name).is_some_and(|i| i.usable);
                if was {
                    return;
                }
                for (addr, d) in
                    s.addresses.iter().filter(|(_, d)| d.dev == l.name)
                {
                    ops.push(KernelOp::AddAddr(d.spec(l.index, *addr)));
                }
                let dev = format!(" dev {} ", l.name);
                for r in
                    s.routes.iter().filter(|r| format!("{r} ").contains(&dev))
                {
                    ops.push(KernelOp::Route {
                        add: true,
                        spec: r.clone(),
                    });
                }
            }
            _ => {}
        }
        self.submit_all(ops);
    }

    fn submit_all(&mut self, ops: Vec<KernelOp>) {
        if !ops.is_empty() {
            self.kernel_pending = true;
        }
        for op in ops {
            self.kernel.submit(op);
        }
    }
}

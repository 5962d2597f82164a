//! The tables the check programs: every scheduler, flag, persistence
//! option, forwarding method, family and protocol keepalived can ask for,
//! then an edited version of it.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use ka_types::lvs::{
    DataPlane, Dest, Family, Forward, Proto, Service, ServiceState, SvcKey,
    Tunnel, svc_flags,
};

/// Every scheduler keepalived accepts but `twos`, which the UML kernel
/// (6.1) does not have; the check tries it on its own.
pub(crate) const SCHEDULERS: [&str; 13] = [
    "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo",
    "ovf", "mh",
];

fn sa(s: &str) -> SocketAddr {
    s.parse()
        .unwrap_or_else(|e| panic!("scenario address {s}: {e}"))
}

pub(crate) fn tcp(a: &str) -> SvcKey {
    SvcKey::Addr {
        proto: Proto::Tcp,
        addr: sa(a),
    }
}

fn udp(a: &str) -> SvcKey {
    SvcKey::Addr {
        proto: Proto::Udp,
        addr: sa(a),
    }
}

pub(crate) fn service(key: SvcKey, sched: &str) -> Service {
    Service {
        key,
        scheduler: sched.into(),
        flags: 0,
        timeout: 0,
        netmask: if key.family() == Family::Inet {
            u32::MAX
        } else {
            128
        },
        pe_name: None,
    }
}

fn persistent(mut s: Service, timeout: u32, netmask: Option<u32>) -> Service {
    s.flags |= svc_flags::PERSISTENT;
    s.timeout = timeout;
    if let Some(m) = netmask {
        s.netmask = m;
    }
    s
}

pub(crate) fn dest(a: &str, forward: Forward, weight: u32) -> Dest {
    Dest {
        addr: sa(a),
        forward,
        tunnel: (forward == Forward::Tunnel).then(Tunnel::default),
        weight,
        u_threshold: 0,
        l_threshold: 0,
    }
}

fn tunnel(a: &str, kind: u8, port: u16, flags: u16) -> Dest {
    Dest {
        tunnel: Some(Tunnel { kind, port, flags }),
        ..dest(a, Forward::Tunnel, 2)
    }
}

fn thresholds(mut d: Dest, u: u32, l: u32) -> Dest {
    d.u_threshold = u;
    d.l_threshold = l;
    d
}

fn add(p: &mut DataPlane, service: Service, dests: Vec<Dest>) {
    p.services.insert(
        service.key,
        ServiceState {
            service,
            dests: dests
                .into_iter()
                .map(|d| (d.addr, d))
                .collect::<BTreeMap<_, _>>(),
        },
    );
}

/// The first table.
pub(crate) fn initial() -> DataPlane {
    let mut p = DataPlane::default();
    add(
        &mut p,
        service(tcp("198.51.100.10:80"), "wrr"),
        vec![
            thresholds(dest("203.0.113.21:8080", Forward::Masq, 3), 100, 50),
            dest("198.51.100.22:80", Forward::Route, 0),
            tunnel("198.51.100.23:80", 1, 6080, 1),
            tunnel("198.51.100.24:80", 2, 0, 1),
            tunnel("198.51.100.25:80", 0, 0, 0),
            tunnel("198.51.100.26:80", 1, 6081, 2),
            tunnel("198.51.100.27:80", 1, 6082, 0),
            tunnel("198.51.100.28:80", 2, 0, 0),
            tunnel("[2001:db8::25]:80", 0, 0, 0),
        ],
    );
    let mut sh = persistent(
        service(udp("198.51.100.11:5060"), "sh"),
        300,
        Some(0xffff_ff00),
    );
    sh.flags |= svc_flags::SCHED1 | svc_flags::SCHED2 | svc_flags::ONEPACKET;
    sh.pe_name = Some("sip".into());
    add(
        &mut p,
        sh,
        vec![
            dest("203.0.113.31:5060", Forward::Masq, 1),
            thresholds(dest("203.0.113.32:5060", Forward::Masq, 5), 1000, 10),
        ],
    );
    let mut mh = persistent(service(tcp("198.51.100.12:443"), "mh"), 60, None);
    mh.flags |= svc_flags::SCHED1 | svc_flags::SCHED2;
    add(
        &mut p,
        mh,
        vec![dest("198.51.100.33:443", Forward::Route, 7)],
    );
    let sctp = SvcKey::Addr {
        proto: Proto::Sctp,
        addr: sa("198.51.100.13:9"),
    };
    add(
        &mut p,
        service(sctp, "wlc"),
        vec![dest("203.0.113.34:9", Forward::Masq, 1)],
    );
    add(
        &mut p,
        persistent(service(tcp("[2001:db8::10]:443"), "lc"), 20, Some(64)),
        vec![
            dest("[2001:db8::35]:8443", Forward::Masq, 4),
            thresholds(dest("[2001:db8::36]:443", Forward::Route, 4), 7, 3),
        ],
    );
    let fwm6 = SvcKey::Fwmark {
        mark: 5,
        family: Family::Inet6,
    };
    add(
        &mut p,
        service(fwm6, "rr"),
        vec![dest("[2001:db8::5]:0", Forward::Route, 1)],
    );
    let fwm4 = SvcKey::Fwmark {
        mark: 6,
        family: Family::Inet,
    };
    add(
        &mut p,
        persistent(service(fwm4, "rr"), 100, None),
        vec![
            dest("198.51.100.30:0", Forward::Route, 1),
            tunnel("198.51.100.31:0", 0, 0, 0),
        ],
    );
    add(
        &mut p,
        persistent(service(tcp("198.51.100.14:0"), "wlc"), 360, None),
        vec![],
    );
    let mut flags = service(udp("198.51.100.16:53"), "rr");
    flags.flags = svc_flags::SCHED1 | svc_flags::SCHED2 | svc_flags::SCHED3;
    add(
        &mut p,
        flags,
        vec![dest("203.0.113.37:53", Forward::Masq, 2)],
    );
    for (i, sched) in SCHEDULERS.iter().enumerate() {
        let vip = format!("198.51.100.{}:80", 40 + i);
        add(
            &mut p,
            service(tcp(&vip), sched),
            vec![
                dest(&format!("203.0.113.{}:80", 40 + i), Forward::Masq, 1),
                dest(&format!("203.0.113.{}:80", 60 + i), Forward::Masq, 2),
            ],
        );
        let v6 = format!("[2001:db8::{:x}]:53", 0x40 + i);
        add(
            &mut p,
            service(udp(&v6), sched),
            vec![dest(
                &format!("[2001:db8::{:x}]:53", 0x60 + i),
                Forward::Masq,
                1,
            )],
        );
    }
    p
}

/// The first table edited: weights, thresholds, forwarding, schedulers,
/// flags and persistence changed, destinations and services removed and
/// added.
pub(crate) fn edited() -> DataPlane {
    let mut p = initial();
    let wrr = tcp("198.51.100.10:80");
    if let Some(s) = p.services.get_mut(&wrr) {
        s.dests.remove(&sa("198.51.100.27:80"));
        if let Some(d) = s.dests.get_mut(&sa("203.0.113.21:8080")) {
            d.weight = 9;
            d.u_threshold = 200;
            d.l_threshold = 0;
        }
        if let Some(d) = s.dests.get_mut(&sa("198.51.100.22:80")) {
            d.forward = Forward::Tunnel;
            d.tunnel = Some(Tunnel {
                kind: 1,
                port: 7000,
                flags: 1,
            });
        }
        let d = dest("198.51.100.29:80", Forward::Route, 11);
        s.dests.insert(d.addr, d);
    }
    if let Some(s) = p.services.get_mut(&udp("198.51.100.11:5060")) {
        s.service.flags &= !(svc_flags::ONEPACKET | svc_flags::SCHED1);
        s.service.timeout = 600;
        s.service.netmask = 0xffff_0000;
        s.service.pe_name = None;
    }
    if let Some(s) = p.services.get_mut(&tcp("198.51.100.12:443")) {
        s.service.scheduler = "wrr".into();
        s.service.flags = 0;
        s.service.timeout = 0;
    }
    p.services.remove(&tcp("198.51.100.14:0"));
    p.services.remove(&SvcKey::Fwmark {
        mark: 5,
        family: Family::Inet6,
    });
    add(
        &mut p,
        service(tcp("198.51.100.15:25"), "lc"),
        vec![dest("203.0.113.38:25", Forward::Masq, 1)],
    );
    p
}

//! The golden cases: tables built as the checker would hand them over.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use ka_types::lvs::{
    DataPlane, Dest, Family, Forward, Proto, ServiceState, SvcKey, svc_flags,
};

/// A NAT real server.
pub(crate) fn dest(addr: &str, weight: u32) -> Dest {
    let addr: SocketAddr = addr.parse().unwrap();
    Dest {
        addr,
        forward: Forward::Masq,
        tunnel: None,
        weight,
        u_threshold: 0,
        l_threshold: 0,
    }
}

/// A service on `proto` `addr` with scheduler `sched`.
pub(crate) fn service(
    key: SvcKey,
    sched: &str,
    flags: u32,
    dests: Vec<Dest>,
) -> ServiceState {
    let netmask = if key.family() == Family::Inet {
        u32::MAX
    } else {
        128
    };
    ServiceState {
        service: ka_types::lvs::Service {
            key,
            scheduler: sched.into(),
            flags,
            timeout: if flags & svc_flags::PERSISTENT != 0 {
                300
            } else {
                0
            },
            netmask,
            pe_name: None,
        },
        dests: dests
            .into_iter()
            .map(|d| (d.addr, d))
            .collect::<BTreeMap<_, _>>(),
    }
}

pub(crate) fn addr(proto: Proto, a: &str) -> SvcKey {
    SvcKey::Addr {
        proto,
        addr: a.parse().unwrap(),
    }
}

pub(crate) fn table(states: Vec<ServiceState>) -> DataPlane {
    DataPlane {
        services: states.into_iter().map(|s| (s.service.key, s)).collect(),
    }
}

/// Every case, by name.
pub(crate) fn all() -> Vec<(&'static str, DataPlane)> {
    vec![
        ("empty", DataPlane::default()),
        ("wrr_tcp4", wrr_tcp4()),
        ("schedulers", schedulers()),
        ("ipv6_udp_sctp", ipv6_udp_sctp()),
        ("fwmark_persistence", fwmark_persistence()),
        ("no_destination", no_destination()),
        ("refused", refused()),
    ]
}

fn wrr_tcp4() -> DataPlane {
    table(vec![service(
        addr(Proto::Tcp, "203.0.113.10:80"),
        "wrr",
        0,
        vec![
            dest("192.0.2.12:8080", 3),
            dest("192.0.2.13:8080", 2),
            dest("192.0.2.14:8080", 1),
        ],
    )])
}

fn schedulers() -> DataPlane {
    let three = || {
        vec![
            dest("192.0.2.12:80", 100),
            dest("192.0.2.13:80", 100),
            dest("192.0.2.14:80", 50),
        ]
    };
    table(vec![
        service(addr(Proto::Tcp, "203.0.113.1:80"), "rr", 0, three()),
        service(addr(Proto::Tcp, "203.0.113.2:80"), "sh", 0, three()),
        service(
            addr(Proto::Tcp, "203.0.113.3:80"),
            "sh",
            svc_flags::SCHED1 | svc_flags::SCHED2,
            three(),
        ),
        service(addr(Proto::Tcp, "203.0.113.4:80"), "dh", 0, three()),
        service(addr(Proto::Tcp, "203.0.113.5:80"), "fo", 0, three()),
        service(
            addr(Proto::Tcp, "203.0.113.7:80"),
            "mh",
            svc_flags::SCHED2,
            three(),
        ),
        service(
            addr(Proto::Tcp, "203.0.113.6:443"),
            "wrr",
            0,
            vec![dest("192.0.2.12:8443", 0), dest("192.0.2.13:0", 7)],
        ),
    ])
}

fn ipv6_udp_sctp() -> DataPlane {
    table(vec![
        service(
            addr(Proto::Udp, "[2001:db8:2::10]:53"),
            "wrr",
            0,
            vec![dest("[2001:db8::12]:53", 2), dest("[2001:db8::13]:5353", 1)],
        ),
        service(
            addr(Proto::Sctp, "[2001:db8:2::10]:3868"),
            "rr",
            0,
            vec![
                dest("[2001:db8::12]:3868", 1),
                dest("[2001:db8::13]:3868", 1),
            ],
        ),
        service(
            addr(Proto::Tcp, "[2001:db8:2::10]:80"),
            "wrr",
            svc_flags::PERSISTENT,
            vec![dest("[2001:db8::12]:80", 1), dest("[2001:db8::13]:80", 3)],
        ),
        service(
            addr(Proto::Udp, "203.0.113.10:53"),
            "rr",
            0,
            vec![dest("192.0.2.12:53", 1)],
        ),
    ])
}

fn fwmark_persistence() -> DataPlane {
    let mut gran = service(
        addr(Proto::Tcp, "203.0.113.20:0"),
        "wrr",
        svc_flags::PERSISTENT,
        vec![dest("192.0.2.12:0", 1), dest("192.0.2.13:0", 1)],
    );
    gran.service.netmask = 0xffff_ff00;
    let mut gran6 = service(
        SvcKey::Fwmark {
            mark: 7,
            family: Family::Inet6,
        },
        "rr",
        svc_flags::PERSISTENT,
        vec![dest("[2001:db8::12]:0", 1), dest("[2001:db8::13]:0", 1)],
    );
    gran6.service.netmask = 64;
    table(vec![
        service(
            SvcKey::Fwmark {
                mark: 5,
                family: Family::Inet,
            },
            "wrr",
            0,
            vec![dest("192.0.2.12:0", 2), dest("192.0.2.13:0", 1)],
        ),
        service(
            SvcKey::Fwmark {
                mark: 6,
                family: Family::Inet,
            },
            "rr",
            0,
            vec![dest("192.0.2.12:8080", 1), dest("192.0.2.13:8080", 1)],
        ),
        gran,
        gran6,
    ])
}

fn no_destination() -> DataPlane {
    table(vec![
        service(addr(Proto::Tcp, "203.0.113.30:80"), "wrr", 0, vec![]),
        service(
            addr(Proto::Udp, "[2001:db8:2::30]:53"),
            "rr",
            0,
            vec![dest("[2001:db8::12]:53", 0)],
        ),
        service(
            SvcKey::Fwmark {
                mark: 9,
                family: Family::Inet,
            },
            "rr",
            0,
            vec![],
        ),
        service(
            addr(Proto::Tcp, "203.0.113.31:0"),
            "rr",
            svc_flags::PERSISTENT,
            vec![],
        ),
        service(
            addr(Proto::Tcp, "203.0.113.32:80"),
            "rr",
            0,
            vec![dest("192.0.2.12:80", 1)],
        ),
    ])
}

fn refused() -> DataPlane {
    let mut dr = service(
        addr(Proto::Tcp, "203.0.113.41:80"),
        "rr",
        0,
        vec![dest("192.0.2.12:80", 1)],
    );
    dr.dests
        .values_mut()
        .for_each(|d| d.forward = Forward::Route);
    let mut tun = service(
        addr(Proto::Tcp, "203.0.113.42:80"),
        "rr",
        0,
        vec![dest("192.0.2.12:80", 1)],
    );
    tun.dests
        .values_mut()
        .for_each(|d| d.forward = Forward::Tunnel);
    table(vec![
        service(
            addr(Proto::Tcp, "203.0.113.40:80"),
            "wlc",
            0,
            vec![dest("192.0.2.12:80", 1)],
        ),
        dr,
        tun,
        service(
            addr(Proto::Tcp, "203.0.113.43:80"),
            "wrr",
            0,
            vec![dest("192.0.2.12:80", 1), dest("192.0.2.13:80", 1)],
        ),
    ])
}

use super::*;

fn svc(port: u16, sched: &str) -> Service {
    Service {
        key: SvcKey::Addr {
            proto: Proto::Tcp,
            addr: SocketAddr::from(([192, 0, 2, 1], port)),
        },
        scheduler: sched.into(),
        flags: 0,
        timeout: 0,
        netmask: u32::MAX,
        pe_name: None,
    }
}

fn dest(last: u8, weight: u32) -> Dest {
    Dest {
        addr: SocketAddr::from(([198, 51, 100, last], 80)),
        forward: Forward::Masq,
        tunnel: None,
        weight,
        u_threshold: 0,
        l_threshold: 0,
    }
}

fn table(entries: &[(Service, Vec<Dest>)]) -> DataPlane {
    let mut dp = DataPlane::default();
    for (s, ds) in entries {
        dp.apply(&Op::AddService(s.clone()));
        for d in ds {
            dp.apply(&Op::AddDest(s.key, *d));
        }
    }
    dp
}

#[test]
fn diff_of_equal_tables_is_empty() {
    let a = table(&[(svc(80, "wlc"), vec![dest(1, 1), dest(2, 3)])]);
    assert!(a.diff(&a.clone()).is_empty());
}

#[test]
fn diff_touches_only_what_differs_and_applies_to_target() {
    let a = table(&[
        (svc(80, "wlc"), vec![dest(1, 1), dest(2, 3)]),
        (svc(443, "rr"), vec![dest(1, 1)]),
    ]);
    let b = table(&[
        (svc(80, "wlc"), vec![dest(1, 5), dest(3, 1)]),
        (svc(8080, "sh"), vec![dest(4, 1)]),
    ]);
    let ops = a.diff(&b);
    let k80 = svc(80, "wlc").key;
    assert_eq!(
        ops,
        vec![
            Op::DelDest(k80, dest(2, 3).addr),
            Op::DelService(svc(443, "rr").key),
            Op::AddService(svc(8080, "sh")),
            Op::EditDest(k80, dest(1, 5)),
            Op::AddDest(k80, dest(3, 1)),
            Op::AddDest(svc(8080, "sh").key, dest(4, 1)),
        ]
    );
    let mut c = a.clone();
    for op in &ops {
        c.apply(op);
    }
    assert_eq!(c, b);
}

#[test]
fn scheduler_change_is_one_service_edit() {
    let a = table(&[(svc(80, "wlc"), vec![dest(1, 1)])]);
    let b = table(&[(svc(80, "rr"), vec![dest(1, 1)])]);
    assert_eq!(a.diff(&b), vec![Op::EditService(svc(80, "rr"))]);
}

#[test]
fn display_is_keepalived_fmt_vs() {
    assert_eq!(svc(80, "wlc").key.to_string(), "[192.0.2.1]:tcp:80");
    let fwm = SvcKey::Fwmark {
        mark: 7,
        family: Family::Inet6,
    };
    assert_eq!(fwm.to_string(), "FWM 7");
    assert_eq!(fwm.family(), Family::Inet6);
}

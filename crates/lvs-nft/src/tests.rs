use std::collections::BTreeMap;
use std::net::SocketAddr;

use ka_types::lvs::{
    DataPlane, Dest, Family, Forward, Proto, Service, ServiceState, SvcKey,
    svc_flags,
};

use super::*;
use crate::plan::{Pick, Slot, Spread, Target, plan};

fn key(addr: &str) -> SvcKey {
    SvcKey::Addr {
        proto: Proto::Tcp,
        addr: addr.parse().unwrap(),
    }
}

fn state(key: SvcKey, sched: &str, dests: &[(&str, u32)]) -> ServiceState {
    ServiceState {
        service: Service {
            key,
            scheduler: sched.into(),
            flags: 0,
            timeout: 0,
            netmask: u32::MAX,
            pe_name: None,
        },
        dests: dests
            .iter()
            .map(|(a, w)| {
                let addr: SocketAddr = a.parse().unwrap();
                (
                    addr,
                    Dest {
                        addr,
                        forward: Forward::Masq,
                        tunnel: None,
                        weight: *w,
                        u_threshold: 0,
                        l_threshold: 0,
                    },
                )
            })
            .collect::<BTreeMap<_, _>>(),
    }
}

fn target(a: &str) -> Target {
    let s: SocketAddr = a.parse().unwrap();
    Target {
        ip: s.ip(),
        port: Some(s.port()),
    }
}

fn table(states: Vec<ServiceState>) -> DataPlane {
    DataPlane {
        services: states.into_iter().map(|s| (s.service.key, s)).collect(),
    }
}

#[test]
fn wrr_weights_become_slot_ranges_reduced_by_their_gcd() {
    let s = state(
        key("192.0.2.1:80"),
        "wrr",
        &[
            ("192.0.2.12:80", 300),
            ("192.0.2.13:80", 200),
            ("192.0.2.14:80", 100),
        ],
    );
    let p = plan(&s).unwrap();
    let slot = |lo, hi, a| Slot {
        lo,
        hi,
        to: target(a),
    };
    assert_eq!(
        p.pick,
        Pick::Spread {
            by: Spread::Turn,
            modulus: 6,
            slots: vec![
                slot(0, 2, "192.0.2.12:80"),
                slot(3, 4, "192.0.2.13:80"),
                slot(5, 5, "192.0.2.14:80"),
            ],
        }
    );
}

#[test]
fn weight_zero_takes_no_slot_and_rr_ignores_weights() {
    let s = state(
        key("192.0.2.1:80"),
        "rr",
        &[
            ("192.0.2.12:80", 5),
            ("192.0.2.13:80", 0),
            ("192.0.2.14:80", 1),
        ],
    );
    let Pick::Spread { modulus, slots, .. } = plan(&s).unwrap().pick else {
        panic!("not a spread");
    };
    assert_eq!(modulus, 2);
    assert_eq!(slots[1].to, target("192.0.2.14:80"));
}

#[test]
fn a_service_with_no_live_destination_refuses_and_one_goes_direct() {
    let none = state(key("192.0.2.1:80"), "wrr", &[("192.0.2.12:80", 0)]);
    assert_eq!(plan(&none).unwrap().pick, Pick::Nobody);
    let one = state(key("192.0.2.1:80"), "sh", &[("192.0.2.12:8080", 3)]);
    assert_eq!(
        plan(&one).unwrap().pick,
        Pick::One(target("192.0.2.12:8080"))
    );
}

#[test]
fn fo_takes_the_highest_weight_and_notes_ties() {
    let s = state(
        key("192.0.2.1:80"),
        "fo",
        &[
            ("192.0.2.12:80", 5),
            ("192.0.2.13:80", 9),
            ("192.0.2.14:80", 9),
        ],
    );
    let p = plan(&s).unwrap();
    assert_eq!(p.pick, Pick::One(target("192.0.2.13:80")));
    assert!(p.fo_tie);
    assert_eq!(notes(&table(vec![s])).len(), 1);
}

#[test]
fn persistence_hashes_the_masked_source() {
    let mut s = state(
        key("192.0.2.1:0"),
        "wrr",
        &[("192.0.2.12:0", 1), ("192.0.2.13:0", 1)],
    );
    s.service.flags = svc_flags::PERSISTENT;
    s.service.netmask = 0xffff_ff00;
    let Pick::Spread { by, slots, .. } = plan(&s).unwrap().pick else {
        panic!("not a spread");
    };
    assert_eq!(
        by,
        Spread::Source {
            mask: Some("255.255.255.0".parse().unwrap()),
            port: false
        }
    );
    assert_eq!(slots[0].to.port, None, "port-0 service keeps the port");
    let n = notes(&table(vec![s]));
    assert!(n[0].contains("persistence is approximated"), "{n:?}");
}

#[test]
fn what_cannot_be_honoured_is_refused_per_service_with_a_reason() {
    let wlc = state(key("192.0.2.1:80"), "wlc", &[("192.0.2.12:80", 1)]);
    let mut dr = state(key("192.0.2.2:80"), "rr", &[("192.0.2.12:80", 1)]);
    dr.dests
        .values_mut()
        .for_each(|d| d.forward = Forward::Route);
    let mut th = state(key("192.0.2.3:80"), "rr", &[("192.0.2.12:80", 1)]);
    th.dests.values_mut().for_each(|d| d.u_threshold = 10);
    let mut ops = state(key("192.0.2.4:80"), "rr", &[]);
    ops.service.flags = svc_flags::ONEPACKET;
    let ok = state(key("192.0.2.5:80"), "rr", &[("192.0.2.12:80", 1)]);
    let t = table(vec![wlc, dr, th, ops, ok]);
    let err = check(&t).unwrap_err();
    let reasons: Vec<&Reason> =
        err.problems.iter().map(|p| &p.reason).collect();
    assert_eq!(err.problems.len(), 4, "{err}");
    assert_eq!(reasons[0], &Reason::Scheduler("wlc".into()));
    assert!(matches!(
        reasons[1],
        Reason::Forward {
            method: Forward::Route,
            ..
        }
    ));
    assert!(matches!(reasons[2], Reason::Thresholds { .. }));
    assert_eq!(reasons[3], &Reason::OnePacket);
    let text = err.to_string();
    assert!(
        text.contains("virtual server [192.0.2.1]:tcp:80: scheduler wlc"),
        "{text}"
    );
    assert!(text.contains("lb_kind DR"), "{text}");
    // The refused services are left out of the rendering, with a comment.
    let r = render(&t);
    assert!(
        r.contains("# [192.0.2.1]:tcp:80: refused: scheduler wlc"),
        "{r}"
    );
    assert!(!r.contains("192.0.2.1 . tcp . 80"), "{r}");
    assert!(r.contains("192.0.2.5 . tcp . 80 : jump svc4"), "{r}");
}

#[test]
fn every_scheduler_keepalived_accepts_is_either_planned_or_refused() {
    let honoured = ["rr", "wrr", "sh", "dh", "fo", "mh"];
    for sched in [
        "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq",
        "fo", "ovf", "mh", "twos",
    ] {
        let s = state(key("192.0.2.1:80"), sched, &[("192.0.2.12:80", 1)]);
        assert_eq!(plan(&s).is_ok(), honoured.contains(&sched), "{sched}");
    }
    let s = state(key("192.0.2.1:80"), "nope", &[]);
    assert_eq!(
        plan(&s).unwrap_err(),
        Reason::UnknownScheduler("nope".into())
    );
}

#[test]
fn mixed_ports_and_families_are_refused() {
    let fw = SvcKey::Fwmark {
        mark: 1,
        family: Family::Inet,
    };
    let s = state(fw, "rr", &[("192.0.2.12:0", 1), ("192.0.2.13:80", 1)]);
    assert_eq!(plan(&s).unwrap_err(), Reason::MixedPorts);
    // Refused at start even while the odd one out has weight 0.
    let s = state(fw, "rr", &[("192.0.2.12:0", 1), ("192.0.2.13:80", 0)]);
    assert_eq!(plan(&s).unwrap_err(), Reason::MixedPorts);
    let s = state(fw, "rr", &[("[2001:db8::12]:0", 1)]);
    assert_eq!(plan(&s).unwrap_err(), Reason::MixedFamily);
}

#[test]
fn sh_port_and_ipv6_granularity_shape_the_hash() {
    let mut s = state(
        key("[2001:db8::1]:80"),
        "sh",
        &[("[2001:db8::12]:80", 1), ("[2001:db8::13]:80", 1)],
    );
    s.service.flags = svc_flags::SCHED2;
    let Pick::Spread { by, .. } = plan(&s).unwrap().pick else {
        panic!("not a spread");
    };
    assert_eq!(
        by,
        Spread::Source {
            mask: None,
            port: true
        }
    );
    s.service.flags = svc_flags::PERSISTENT;
    s.service.netmask = 64;
    let Pick::Spread { by, .. } = plan(&s).unwrap().pick else {
        panic!("not a spread");
    };
    assert_eq!(
        by,
        Spread::Source {
            mask: Some("ffff:ffff:ffff:ffff::".parse().unwrap()),
            port: false
        }
    );
}

#[test]
fn the_time_limit_grows_with_the_table() {
    let small = table(vec![state(key("192.0.2.1:80"), "rr", &[])]);
    assert_eq!(
        time_limit(&small),
        ka_sys::nft::NFT_TIMEOUT + Duration::from_millis(1)
    );
}

#[test]
fn errors_keep_their_source() {
    let e = NftLbError::from(NftError::Rejected {
        stderr: "Error: x".into(),
    });
    assert_eq!(e.to_string(), "nft: Error: x");
}

#[test]
fn synced_runs_nft_only_when_the_table_changes() {
    let dir = ka_lab::TmpDir::new("ka-lvs-nft", "synced");
    let (fake, runs) = (dir.path().join("nft"), dir.path().join("runs"));
    // Counts its runs; fails while a file named `fail` exists.
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\ncat > /dev/null\necho run >> {runs}\n\
             [ ! -e {fail} ]\n",
            runs = runs.display(),
            fail = dir.path().join("fail").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &fake,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let count = || {
        std::fs::read_to_string(&runs)
            .map(|s| s.lines().count())
            .unwrap_or(0)
    };
    let rt = ka_lab::current_thread_runtime();
    let mut synced = Synced::with_program(fake.clone());
    let a = table(vec![state(
        key("192.0.2.1:80"),
        "rr",
        &[("192.0.2.12:80", 1)],
    )]);
    let mut b = a.clone();
    b.services.values_mut().for_each(|s| {
        s.dests.values_mut().for_each(|d| d.weight = 2);
    });
    assert!(rt.block_on(synced.sync(&a)).unwrap());
    assert!(!rt.block_on(synced.sync(&a)).unwrap(), "unchanged: no nft");
    assert_eq!(count(), 1);
    assert!(rt.block_on(synced.sync(&b)).unwrap());
    assert_eq!(count(), 2);
    // A failed apply is retried by the next sync of the same table.
    std::fs::write(dir.path().join("fail"), "").unwrap();
    assert!(rt.block_on(synced.sync(&a)).is_err());
    std::fs::remove_file(dir.path().join("fail")).unwrap();
    assert!(rt.block_on(synced.sync(&a)).unwrap());
    assert_eq!(count(), 4);
    // A refused table runs nothing.
    let wlc = table(vec![state(key("192.0.2.1:80"), "wlc", &[])]);
    let err = rt.block_on(synced.sync(&wlc)).unwrap_err();
    assert!(matches!(err, NftLbError::Unsupported(_)), "{err}");
    assert_eq!(count(), 4);
}

//! Reload: state carried by virtual server and real server name.

use ka_types::lvs::Op;

use super::testutil::*;
use crate::config::CheckConfig;
use crate::event::{Event, Notify, ProbeResult, Reason};

fn base() -> CheckConfig {
    config(vec![
        vs(80, vec![rs(1, 1, vec![tcp()]), rs(2, 2, vec![tcp()])]),
        vs(443, vec![rs(3, 1, vec![tcp()])]),
    ])
}

fn reload(h: &mut Harness, cfg: CheckConfig) {
    h.clear();
    h.event(Event::Reloaded(Box::new(cfg)));
}

#[test]
fn a_reload_that_changes_nothing_changes_nothing() {
    let mut h = Harness::started(base());
    h.set_up(rsid(0, 1), false);
    h.run_until(at(15));
    assert_eq!(h.weight(80, 2), None);
    let before = h.engine.snapshot(h.now);
    reload(&mut h, base());
    assert!(h.ops().is_empty(), "{:?}", h.ops());
    assert!(h.notifies().is_empty());
    // States, weights and latencies carried.
    assert_eq!(before, h.engine.snapshot(h.now));
    // The failed server stays failed until a check says otherwise.
    h.run_until(at(40));
    assert_eq!(h.weight(80, 2), None);
    h.set_up(rsid(0, 1), true);
    h.run_until(at(60));
    assert_eq!(h.weight(80, 2), Some(2));
}

#[test]
fn weight_changes_become_edits() {
    let mut h = Harness::started(base());
    let mut cfg = base();
    cfg.virtual_servers[0].real_servers[0].dest.weight = 9;
    reload(&mut h, cfg);
    assert_eq!(
        h.ops(),
        vec![(Op::EditDest(svc(80).key, dest(1, 9)), Reason::Reload)]
    );
    assert!(h.logged(
        "Changing weight from 1 to 9 for active service [198.51.100.1]:tcp:80 of VS [192.0.2.1]:tcp:80"
    ));
}

#[test]
fn removed_and_added_servers_and_services() {
    let mut h = Harness::started(base());
    let mut cfg = base();
    // VS 443 gone, RS 2 gone, RS 5 new, VS 8080 new.
    cfg.virtual_servers.remove(1);
    cfg.virtual_servers[0].real_servers.remove(1);
    cfg.virtual_servers[0]
        .real_servers
        .push(rs(5, 1, vec![tcp()]));
    cfg.virtual_servers
        .push(vs(8080, vec![rs(6, 1, Vec::new())]));
    reload(&mut h, cfg);
    let ops: Vec<Op> = h.ops().into_iter().map(|(o, _)| o).collect();
    assert_eq!(
        ops,
        vec![
            Op::DelDest(svc(443).key, dest(3, 1).addr),
            Op::DelService(svc(443).key),
            Op::DelDest(svc(80).key, dest(2, 2).addr),
            Op::AddService(svc(8080)),
            Op::AddDest(svc(80).key, dest(5, 1)),
            Op::AddDest(svc(8080).key, dest(6, 1)),
        ]
    );
    assert!(h.logged("Removing Virtual Server [192.0.2.1]:tcp:443"));
    assert!(h.logged("service [198.51.100.2]:tcp:80 no longer exist"));
    assert!(h.logged(
        "Removing service [198.51.100.2]:tcp:80 from VS [192.0.2.1]:tcp:80"
    ));
    // Every checker is scheduled again (warmup 0: now).
    h.run_until(h.now);
    assert!(h.starts.iter().any(|(id, _)| id.rs == rsid(0, 1)));
}

#[test]
fn changed_service_parameters_become_an_edit() {
    let mut h = Harness::started(base());
    let mut cfg = base();
    cfg.virtual_servers[0].services[0].scheduler = "rr".into();
    reload(&mut h, cfg.clone());
    assert_eq!(
        h.ops(),
        vec![(
            Op::EditService(cfg.virtual_servers[0].services[0].clone()),
            Reason::Reload
        )]
    );
}

#[test]
fn probes_in_flight_at_a_reload_are_stale() {
    let mut h = Harness::new(base());
    h.run_until(at(0));
    let (token, _) = h.pending[&cid(0)];
    reload(&mut h, base());
    h.event(Event::ProbeDone {
        id: cid(0),
        token,
        result: ProbeResult::Down("late".into()),
        latency: std::time::Duration::ZERO,
    });
    assert!(h.ops().is_empty());
    assert_eq!(h.weight(80, 1), Some(1));
}

#[test]
fn a_new_alpha_server_starts_down_and_a_quorum_change_is_applied() {
    let mut h = Harness::started(base());
    let mut cfg = base();
    let mut alpha = tcp();
    alpha.alpha = true;
    cfg.virtual_servers[0]
        .real_servers
        .push(rs(7, 1, vec![alpha]));
    cfg.virtual_servers[1].quorum = 5;
    cfg.virtual_servers[1].sorry_server = Some(sorry(false));
    h.auto = None;
    reload(&mut h, cfg);
    assert_eq!(h.weight(80, 7), None);
    assert!(h.logged(
        "Starting with quorum down 5-0=5 > 1 for VS [192.0.2.1]:tcp:443"
    ));
    assert!(h.notifies().contains(&Notify::QuorumDown(1)));
    let t = &h.engine.table().services[&svc(443).key];
    assert!(t.dests.contains_key(&sorry(false).dest.addr));
    assert!(!t.dests.contains_key(&dest(3, 1).addr));
}

#[test]
fn a_group_gaining_a_member_adds_one_service_with_the_live_servers() {
    let group = |ports: &[u16]| {
        let mut v = vs(80, vec![rs(1, 1, vec![tcp()]), rs(2, 1, vec![tcp()])]);
        v.name = "group web".into();
        v.services = ports.iter().map(|p| svc(*p)).collect();
        config(vec![v])
    };
    let mut h = Harness::started(group(&[80, 81]));
    h.set_up(rsid(0, 1), false);
    h.run_until(at(12));
    assert_eq!(h.weight(81, 2), None);
    assert_eq!(h.weight(81, 1), Some(1));
    reload(&mut h, group(&[80, 82]));
    let ops: Vec<Op> = h.ops().into_iter().map(|(o, _)| o).collect();
    assert_eq!(
        ops,
        vec![
            Op::DelDest(svc(81).key, dest(1, 1).addr),
            Op::DelService(svc(81).key),
            Op::AddService(svc(82)),
            Op::AddDest(svc(82).key, dest(1, 1)),
        ]
    );
}

#[test]
fn a_reload_before_the_start_only_replaces_the_configuration() {
    let mut h = Harness::new(base());
    let mut cfg = base();
    cfg.virtual_servers.remove(0);
    reload(&mut h, cfg);
    assert!(h.all.is_empty());
    h.run_until(at(0));
    assert_eq!(h.engine.table().services.len(), 1);
    assert_eq!(h.weight(443, 3), Some(1));
}

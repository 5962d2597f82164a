//! The checkers' mail alerts (`Action::CheckerAlert`) and
//! `rs_init_notifies`.

use super::testutil::*;
use crate::event::{Action, CheckerAlert, CheckerId, Event, Notify};

fn alerts(h: &Harness) -> Vec<CheckerAlert> {
    h.all
        .iter()
        .filter_map(|a| match a {
            Action::CheckerAlert(x) => Some(*x),
            _ => None,
        })
        .collect()
}

fn second(rs: u32) -> CheckerId {
    CheckerId {
        checker: 1,
        ..cid(rs)
    }
}

/// Two checkers on one server: the first failure moves the server, the
/// second does not, and both are alerts (keepalived mails both unless
/// `no_checker_emails`); the first recovery moves nothing either.
#[test]
fn every_checker_flip_is_an_alert_with_whether_the_server_moved() {
    let mut h = Harness::started(config(vec![vs(
        80,
        vec![rs(1, 1, vec![tcp(), kind("PING_CHECK")])],
    )]));
    h.run_until(at(5));
    assert!(alerts(&h).is_empty(), "first successes change nothing");
    h.clear();
    let down = |checker: CheckerId, rs_changed: bool| CheckerAlert {
        id: checker,
        up: false,
        rs_alive: false,
        rs_changed,
    };
    // Both checkers' probes fail from now on.
    h.set_up(rsid(0, 0), false);
    h.run_until(at(60));
    let got = alerts(&h);
    assert_eq!(got.first(), Some(&down(cid(0), true)), "{got:?}");
    assert_eq!(got.get(1), Some(&down(second(0), false)), "{got:?}");
    h.clear();
    h.set_up(rsid(0, 0), true);
    h.run_until(at(120));
    let got = alerts(&h);
    // The first recovery leaves the server down (the other checker
    // still fails); the second brings it back.
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.iter().all(|a| a.up), "{got:?}");
    assert_eq!((got[0].rs_changed, got[0].rs_alive), (false, false));
    assert_eq!((got[1].rs_changed, got[1].rs_alive), (true, true));
}

/// `rs_init_notifies`: the live servers' `notify_up` at start, and for a
/// server a reload adds; without it, none.
#[test]
fn rs_init_notifies_runs_up_notifiers_for_installed_live_servers() {
    let mut alpha = tcp();
    alpha.alpha = true;
    let servers = vec![rs(1, 1, vec![tcp()]), rs(2, 1, vec![alpha])];
    let mut cfg = config(vec![vs(80, servers)]);
    let mut quiet = Harness::new(cfg.clone());
    quiet.run_until(at(0));
    let ups = |h: &Harness| {
        h.notifies()
            .into_iter()
            .filter(|n| matches!(n, Notify::RsUp(_)))
            .count()
    };
    assert_eq!(ups(&quiet), 0);
    cfg.rs_init_notifies = true;
    let mut h = Harness::new(cfg.clone());
    h.run_until(at(0));
    // The alpha server starts failed: no notifier for it. keepalived
    // runs the servers' notifiers before the quorum's.
    assert_eq!(
        h.notifies(),
        vec![Notify::RsUp(rsid(0, 0)), Notify::QuorumUp(0)]
    );
    h.clear();
    cfg.virtual_servers[0]
        .real_servers
        .push(rs(3, 1, vec![tcp()]));
    h.event(Event::Reloaded(Box::new(cfg)));
    assert!(
        h.notifies().contains(&Notify::RsUp(rsid(0, 2))),
        "{:?}",
        h.notifies()
    );
    assert!(!h.notifies().contains(&Notify::RsUp(rsid(0, 0))));
}

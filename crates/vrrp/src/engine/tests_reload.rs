//! SIGHUP reload (keepalived `clear_diff_vrrp`, `restore_vrrp_state`,
//! `reload_master`): deleted instances, kept masters and backups, and the
//! diff of VIPs, routes and rules.

use crate::action::{NotifyKind as K, NotifyState as N};
use crate::config::*;
use crate::event::Event;
use crate::instance::State;
use crate::testutil::*;
use crate::{Action, Engine, EngineConfig};

const MS_DOWN_100: u64 = 3_609_375;

fn reload(
    e: &mut Engine,
    t: u64,
    instances: Vec<InstanceConfig>,
) -> Vec<Action> {
    let cfg = EngineConfig {
        instances,
        ..Default::default()
    };
    feed(e, at(t), Event::Reloaded(Box::new(cfg)))
}

/// Notifies about instance `name`.
fn notifies_of(out: &[Action], name: &str) -> Vec<(N, u8)> {
    out.iter()
        .filter_map(|a| match a {
            Action::Notify(n) if n.kind == K::Instance && n.name == name => {
                Some((n.state, n.priority))
            }
            _ => None,
        })
        .collect()
}

fn other(name: &str) -> InstanceConfig {
    let mut c = icfg(100);
    c.name = name.into();
    c.vrid = vrid(52);
    c
}

#[test]
fn deleted_master_resigns_and_notifies_fault_by_default() {
    let (mut e, _) = started(icfg(100));
    tick(&mut e, at(MS_DOWN_100));
    let out = reload(&mut e, 4_000_000, vec![other("VI_2")]);
    assert_eq!(adverts(&out), [0], "priority 0 for the deleted master");
    assert_eq!(addr_changes(&out), (0, 1));
    assert_eq!(notifies_of(&out, "VI_1"), [(N::Fault, 100)]);
    assert_eq!(notifies_of(&out, "VI_2"), [(N::Backup, 100)]);
}

#[test]
fn notify_deleted_sends_deleted() {
    let mut c = icfg(100);
    c.notify_deleted = true;
    let (mut e, _) = started(c);
    let out = reload(&mut e, 1_000_000, vec![other("VI_2")]);
    assert!(adverts(&out).is_empty(), "a backup sends nothing");
    assert_eq!(notifies_of(&out, "VI_1"), [(N::Deleted, 100)]);
}

#[test]
fn deleted_instance_in_fault_is_not_notified_again() {
    let (mut e, _) = started(icfg(100));
    feed(
        &mut e,
        at(1),
        Event::LinkDown {
            iface: "eth0".into(),
        },
    );
    assert_eq!(state(&e), State::Fault);
    let mut c2 = other("VI_2");
    c2.interface = Some("eth1".into());
    let out = reload(&mut e, 2, vec![c2]);
    assert!(notifies_of(&out, "VI_1").is_empty());
}

#[test]
fn kept_master_reannounces_only_a_changed_priority() {
    let c = icfg(100);
    let (mut e, _) = started(c.clone());
    tick(&mut e, at(MS_DOWN_100));
    let mut c2 = c.clone();
    c2.priority = Priority::new(150);
    let out = reload(&mut e, 4_000_000, vec![c2]);
    // The pre-reload advert (old priority), then the new priority.
    assert_eq!(adverts(&out), [100, 150]);
    assert_eq!(garps(&out), 0, "keepalived GARPs only for new addresses");
    assert!(notifies(&out).is_empty());
    assert_eq!(e.poll_timeout(), Some(at(5_000_000)));
    assert_eq!(e.snapshot().instances[0].effective_priority, 150);
}

#[test]
fn kept_master_diffs_routes_rules_and_evips_and_garps_new_addresses() {
    let mut c = icfg(100);
    c.routes = vec![RouteSpec("10.0.0.0/8 via 192.168.200.1".into())];
    c.rules = vec![RuleSpec("from 10.0.0.1 table 10".into())];
    let (mut e, _) = started(c.clone());
    tick(&mut e, at(MS_DOWN_100));
    let mut c2 = c.clone();
    c2.routes = vec![RouteSpec("10.1.0.0/16 via 192.168.200.1".into())];
    c2.evips = vec![Vip::host(LOW)];
    let out = reload(&mut e, 4_000_000, vec![c2]);
    let kinds: Vec<&str> = out
        .iter()
        .filter_map(|a| match a {
            Action::AddRoute { .. } => Some("+route"),
            Action::DelRoute { .. } => Some("-route"),
            Action::AddRule { .. } => Some("+rule"),
            Action::DelRule { .. } => Some("-rule"),
            Action::AddAddress { .. } => Some("+addr"),
            Action::DelAddress { .. } => Some("-addr"),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, ["-route", "+addr", "+route"]);
    // An address was added: GARP every address, master_repeat times.
    assert_eq!(garps(&out), 2 * 5);
}

#[test]
fn kept_backup_restarts_master_down_from_now() {
    let (mut e, _) = started(icfg(100));
    reload(&mut e, 1_000_000, vec![icfg(100)]);
    assert_eq!(state(&e), State::Backup);
    assert_eq!(e.poll_timeout(), Some(at(1_000_000 + MS_DOWN_100)));
}

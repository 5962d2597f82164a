//! `garp_extra_if`: GARP rounds on extra interfaces while master.

use std::time::Duration;

use crate::Action;
use crate::config::*;
use crate::testutil::*;

const MS_DOWN_100: u64 = 3_609_375;

fn extra_garps(out: &[Action]) -> Vec<String> {
    out.iter()
        .filter_map(|a| match a {
            Action::SendGarp { iface, .. } if iface != "eth0" => {
                Some(iface.clone())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn extra_if_rounds_follow_adverts_after_the_interval() {
    let mut c = icfg(100);
    c.garp.master_delay = Duration::ZERO;
    c.vips.push(Vip {
        dev: Some("vrrp.1".into()),
        ..Vip::host(LOW)
    });
    c.vips.push(Vip {
        dev: Some("vrrp.1".into()),
        ..Vip::host(HIGH)
    });
    c.garp_extra_if = Some(ExtraIfGarp {
        interval: Duration::from_secs(2),
        interfaces: vec!["vrrp.1".into()],
    });
    let (mut e, _) = started(c);
    let out = tick(&mut e, at(MS_DOWN_100));
    assert_eq!(state(&e), crate::instance::State::Master);
    // The master burst: 5 rounds on the extra interface's two VIPs.
    assert_eq!(extra_garps(&out).len(), 10);
    // Adverts each second; a round (one GARP, the first VIP on the
    // interface) on the first advert after 2 s, then every 2 s or so.
    let mut rounds = Vec::new();
    for s in 1..=8u64 {
        let t = at(MS_DOWN_100 + s * 1_000_000);
        let out = run_until(&mut e, t);
        rounds.push(extra_garps(&out).len());
    }
    assert_eq!(rounds, [0, 0, 1, 0, 0, 1, 0, 0], "per second: {rounds:?}");
}

#[test]
fn no_extra_if_rounds_when_not_master() {
    let mut c = icfg(100);
    c.vips.push(Vip {
        dev: Some("vrrp.1".into()),
        ..Vip::host(LOW)
    });
    c.garp_extra_if = Some(ExtraIfGarp {
        interval: Duration::from_secs(1),
        interfaces: vec!["vrrp.1".into()],
    });
    let (mut e, _) = started(c.clone());
    let adv = advert(&c, 200);
    let mut seen = 0;
    for s in 0..5u64 {
        let t = at(s * 1_000_000 + 1);
        seen += extra_garps(&feed(&mut e, t, packet(&adv, HIGH, 255))).len();
        seen += extra_garps(&run_until(&mut e, at((s + 1) * 1_000_000))).len();
    }
    assert_eq!(seen, 0);
}

#[test]
fn send_garp_command_sends_one_round_only_while_master() {
    use crate::event::{AdminCommand, Event};
    let mut c = icfg(100);
    c.garp.master_delay = Duration::ZERO;
    c.vips.push(Vip::host(LOW));
    c.vips.push(Vip::host(HIGH));
    let name = c.name.clone();
    let vips = c.vips.len();
    let cmd = || {
        Event::Admin(AdminCommand::SendGarp {
            instance: name.clone(),
        })
    };
    let (mut e, _) = started(c);
    // BACKUP: the VIPs are not set, nothing goes out.
    assert_eq!(garps(&feed(&mut e, at(1), cmd())), 0);
    let _ = tick(&mut e, at(MS_DOWN_100));
    assert_eq!(state(&e), crate::instance::State::Master);
    // MASTER: one round, one GARP per VIP.
    assert_eq!(garps(&feed(&mut e, at(MS_DOWN_100 + 1), cmd())), vips);
    // An unknown instance: nothing.
    let other = Event::Admin(AdminCommand::SendGarp {
        instance: "nope".into(),
    });
    assert_eq!(garps(&feed(&mut e, at(MS_DOWN_100 + 2), other)), 0);
}

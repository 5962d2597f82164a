//! RFC 6527 vrrpv3StatisticsNewMasterReason as keepalived records it
//! (`next_master_reason` set by the advert that arms the takeover,
//! `master_reason` taken when MASTER is entered).

use crate::MasterReason;
use crate::config::InitialState;
use crate::instance::State;
use crate::testutil::*;

const MS_DOWN_100: u64 = 3_609_375;

fn reason(e: &crate::Engine) -> MasterReason {
    e.snapshot().instances[0].master_reason
}

#[test]
fn silence_is_master_no_response() {
    let (mut e, _) = started(icfg(100));
    assert_eq!(reason(&e), MasterReason::NotMaster);
    tick(&mut e, at(MS_DOWN_100));
    assert_eq!(state(&e), State::Master);
    assert_eq!(reason(&e), MasterReason::MasterNoResponse);
}

#[test]
fn a_priority_zero_advert_is_priority() {
    let c = icfg(100);
    let (mut e, _) = started(c.clone());
    feed(&mut e, at(1_000_000), packet(&advert(&c, 0), HIGH, 255));
    tick(&mut e, at(1_609_375));
    assert_eq!(state(&e), State::Master);
    assert_eq!(reason(&e), MasterReason::Priority);
}

#[test]
fn taking_over_from_a_lower_priority_is_preempted() {
    let c = icfg(100);
    let (mut e, _) = started(c.clone());
    feed(&mut e, at(1_000_000), packet(&advert(&c, 50), LOW, 255));
    tick(&mut e, at(MS_DOWN_100));
    assert_eq!(state(&e), State::Master);
    assert_eq!(reason(&e), MasterReason::Preempted);
}

#[test]
fn an_address_owner_is_preempted_and_a_heard_master_resets_it() {
    let mut c = icfg(255);
    c.initial_state = InitialState::Master;
    let (mut e, _) = started(c);
    tick(&mut e, at(1));
    assert_eq!(reason(&e), MasterReason::Preempted);
    // A backup that heard a master then lost it: no response.
    let c = icfg(100);
    let (mut e, _) = started(c.clone());
    feed(&mut e, at(1_000_000), packet(&advert(&c, 50), LOW, 255));
    feed(&mut e, at(1_500_000), packet(&advert(&c, 200), HIGH, 255));
    tick(&mut e, at(1_500_000 + MS_DOWN_100));
    assert_eq!(state(&e), State::Master);
    assert_eq!(reason(&e), MasterReason::MasterNoResponse);
}

//! `--record-events` on the generic loop: the VRRP engine driven through
//! [`Driver::step`] with a recorder attached, and the file replayed into
//! a fresh engine.

use std::net::{IpAddr, Ipv4Addr};
use std::os::unix::fs::PermissionsExt;

use ka_lab::TmpDir;
use ka_testkit::golden::{self, VrrpRecording};
use ka_types::record::Input as Recorded;
use ka_vrrp::{Action, Engine as Vrrp, Event};

use super::*;
use crate::core::framework::Framework as Kind;

/// Moves tokio's paused clock to the engine's deadline.
async fn advance_to_deadline(d: &Driver<Vrrp>) {
    let at = d.engine.poll_timeout().expect("a deadline");
    let when = d.clock.to_tokio(at);
    tokio::time::advance(when - tokio::time::Instant::now()).await;
}

/// Drives the engine the way the runtime does: address, start, timers
/// until master, a reload with a new priority, shutdown. Returns every
/// action the engine asked for.
async fn drive(d: &mut Driver<Vrrp>) -> Vec<Action> {
    let addr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10));
    let iface = "eth0".to_owned();
    d.step_all([Event::AddressAdded { iface, addr }, Event::Started]);
    for _ in 0..3 {
        advance_to_deadline(d).await;
        d.step(Input::Timeout);
    }
    advance_to_deadline(d).await;
    d.step_all([
        Event::Reloaded(Box::new(golden::sample_config(120))),
        Event::ShutdownRequested,
    ]);
    std::mem::take(&mut d.out)
}

#[tokio::test(start_paused = true)]
async fn every_call_is_one_step_and_the_file_replays() {
    let dir = TmpDir::new("ka-record", "replay");
    let path = dir.path().join("vrrp.jsonl");
    let mut d = Driver::new(Vrrp::new(golden::sample_config(100)));
    d.record(&path, &golden::sample_config(100), Kind::Vrrp)
        .unwrap();
    let all = drive(&mut d).await;

    let text = std::fs::read_to_string(&path).unwrap();
    let rec = VrrpRecording::parse(&text, EngineKind::Vrrp).unwrap();
    assert_eq!(rec.header.config, golden::sample_config(100));
    assert_eq!(rec.steps.len(), 7);
    assert!(matches!(
        rec.steps[1].input,
        Recorded::Event(Event::Started)
    ));
    assert!(matches!(rec.steps[2].input, Recorded::Timeout));
    assert_eq!(
        rec.steps[5].input,
        Recorded::Reload(golden::sample_config(120))
    );
    // The steps' actions, in order, are everything the loop got.
    let recorded: Vec<Action> =
        rec.steps.iter().flat_map(|s| s.actions.clone()).collect();
    assert_eq!(recorded, all);
    assert!(!all.is_empty());
    assert_eq!(golden::replay::<Vrrp>(&rec), Ok(()));

    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[tokio::test(start_paused = true)]
async fn without_a_file_the_engine_runs_unrecorded_and_the_same() {
    let dir = TmpDir::new("ka-record", "same");
    let path = dir.path().join("vrrp.jsonl");
    let mut recorded = Driver::new(Vrrp::new(golden::sample_config(100)));
    recorded
        .record(&path, &golden::sample_config(100), Kind::Vrrp)
        .unwrap();
    let with = drive(&mut recorded).await;
    // Its own clock: it starts where the first one started.
    let mut plain = Driver::new(Vrrp::new(golden::sample_config(100)));
    assert_eq!(with, drive(&mut plain).await);
}

#[tokio::test(start_paused = true)]
async fn an_uncreatable_file_leaves_the_engine_running() {
    let path = Path::new("/nonexistent-dir/vrrp.jsonl");
    let mut d = Driver::new(Vrrp::new(golden::sample_config(100)));
    assert!(matches!(
        d.record(path, &golden::sample_config(100), Kind::Vrrp),
        Err(RecordError::Create { .. })
    ));
    assert!(d.recorder.is_none());
    assert!(!drive(&mut d).await.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_symlink_is_replaced_not_followed() {
    let dir = TmpDir::new("ka-record", "symlink");
    let target = dir.path().join("target");
    std::fs::write(&target, "keep").unwrap();
    let link = dir.path().join("vrrp.jsonl");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let mut d = Driver::new(Vrrp::new(golden::sample_config(100)));
    d.record(&link, &golden::sample_config(100), Kind::Vrrp)
        .unwrap();
    drive(&mut d).await;
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    assert!(!std::fs::symlink_metadata(&link).unwrap().is_symlink());
}

use std::net::{IpAddr, Ipv4Addr};
use std::os::unix::fs::PermissionsExt;

use ka_testkit::golden::{self, VrrpRecording};
use ka_types::record::Input;
use ka_vrrp::{InstanceConfig, Vip};

use super::*;

fn config(priority: u8) -> EngineConfig {
    let mut i = InstanceConfig::new("VI_1", 51, priority);
    i.vips.push(Vip::host(Ipv4Addr::new(192, 0, 2, 100).into()));
    EngineConfig {
        instances: vec![i],
        ..Default::default()
    }
}

/// A private directory for one test, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir()
            .join(format!("ka-record-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Drives a recorded engine the way the runtime does: address, start,
/// timers until master, a reload with a new priority, shutdown.
fn drive(engine: &mut RecordedEngine) -> Vec<Action> {
    let mut out = Vec::new();
    let addr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10));
    let iface = "eth0".to_owned();
    engine.handle(Instant::ZERO, Event::AddressAdded { iface, addr }, &mut out);
    engine.handle(Instant::ZERO, Event::Started, &mut out);
    for _ in 0..3 {
        let at = engine.poll_timeout().unwrap();
        engine.handle_timeout(at, &mut out);
    }
    let at = engine.poll_timeout().unwrap();
    engine.handle(at, Event::Reloaded(Box::new(config(120))), &mut out);
    engine.handle(at, Event::ShutdownRequested, &mut out);
    out
}

#[test]
fn every_call_is_one_step_and_the_file_replays() {
    let dir = TempDir::new("replay");
    let path = dir.0.join("vrrp.jsonl");
    let mut engine = RecordedEngine::new(config(100), Some(&path));
    let all = drive(&mut engine);

    let text = std::fs::read_to_string(&path).unwrap();
    let rec = VrrpRecording::parse(&text, EngineKind::Vrrp).unwrap();
    assert_eq!(rec.header.config, config(100));
    assert_eq!(rec.steps.len(), 7);
    assert!(matches!(rec.steps[1].input, Input::Event(Event::Started)));
    assert!(matches!(rec.steps[2].input, Input::Timeout));
    assert_eq!(rec.steps[5].input, Input::Reload(config(120)));
    // The steps' actions, in order, are everything the runtime got.
    let recorded: Vec<Action> =
        rec.steps.iter().flat_map(|s| s.actions.clone()).collect();
    assert_eq!(recorded, all);
    assert!(!all.is_empty());
    assert_eq!(golden::replay::<Engine>(&rec), Ok(()));

    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn without_a_file_the_engine_runs_unrecorded_and_the_same() {
    let dir = TempDir::new("same");
    let path = dir.0.join("vrrp.jsonl");
    let mut recorded = RecordedEngine::new(config(100), Some(&path));
    let mut plain = RecordedEngine::new(config(100), None);
    assert_eq!(drive(&mut recorded), drive(&mut plain));
}

#[test]
fn an_uncreatable_file_leaves_the_engine_running() {
    let path = Path::new("/nonexistent-dir/vrrp.jsonl");
    assert!(matches!(
        Recorder::create(path, EngineKind::Vrrp, &config(100)),
        Err(RecordError::Create { .. })
    ));
    let mut engine = RecordedEngine::new(config(100), Some(path));
    assert!(engine.recorder.is_none());
    assert!(!drive(&mut engine).is_empty());
}

#[test]
fn a_symlink_is_replaced_not_followed() {
    let dir = TempDir::new("symlink");
    let target = dir.0.join("target");
    std::fs::write(&target, "keep").unwrap();
    let link = dir.0.join("vrrp.jsonl");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let mut engine = RecordedEngine::new(config(100), Some(&link));
    drive(&mut engine);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    assert!(!std::fs::symlink_metadata(&link).unwrap().is_symlink());
}

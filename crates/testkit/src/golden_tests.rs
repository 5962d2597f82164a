use std::net::{IpAddr, Ipv4Addr};

use ka_types::record::{FORMAT_VERSION, Header};
use ka_vrrp::NotifyState;

use super::*;

const OURS: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10));

/// A lone backup that becomes master after Master_Down_Interval, then
/// sends two adverts: recorded from the engine itself.
fn recorded(priority: u8) -> VrrpRecording {
    let cfg = sample_config(priority);
    let mut engine = Engine::new(cfg.clone());
    let mut steps = Vec::new();
    let mut call = |at, input: Input<Event, EngineConfig>, e: &mut Engine| {
        let mut actions = Vec::new();
        e.step(at, input.clone(), &mut actions);
        steps.push(Step { at, input, actions });
    };
    let addr = Event::AddressAdded {
        iface: "eth0".into(),
        addr: OURS,
    };
    call(Instant::ZERO, Input::Event(addr), &mut engine);
    call(Instant::ZERO, Input::Event(Event::Started), &mut engine);
    for _ in 0..3 {
        let at = engine.poll_timeout().expect("a deadline");
        call(at, Input::Timeout, &mut engine);
    }
    Recording {
        header: Header {
            format: FORMAT_VERSION,
            engine: EngineKind::Vrrp,
            config: cfg,
        },
        steps,
    }
}

fn becomes_master(rec: &VrrpRecording) -> usize {
    rec.steps
        .iter()
        .position(|s| {
            s.actions.iter().any(|a| {
                matches!(a, Action::Notify(n) if n.state == NotifyState::Master)
            })
        })
        .expect("the recording has a MASTER notify")
}

#[test]
fn a_recording_replays_and_survives_its_text_form() {
    let rec = recorded(100);
    assert!(rec.steps.len() >= 4, "{rec:#?}");
    assert_eq!(replay::<Engine>(&rec), Ok(()));
    let text = rec.to_jsonl().unwrap();
    let back = VrrpRecording::parse(&text, EngineKind::Vrrp).unwrap();
    assert_eq!(back, rec);
    assert_eq!(replay::<Engine>(&back), Ok(()));
}

#[test]
fn a_mutated_action_is_the_reported_divergence() {
    let mut rec = recorded(100);
    let step = becomes_master(&rec);
    let notify = rec.steps[step]
        .actions
        .iter_mut()
        .find_map(|a| match a {
            Action::Notify(n) => Some(n),
            _ => None,
        })
        .unwrap();
    notify.state = NotifyState::Backup;
    let d = replay::<Engine>(&rec).unwrap_err();
    assert_eq!(d.step, step);
    assert_eq!(d.at, rec.steps[step].at);
    assert_eq!(d.expected, rec.steps[step].actions);
    assert_ne!(d.actual, d.expected);
    let text = d.to_string();
    assert!(text.contains(&format!("at step {step} ")), "{text}");
    assert!(text.contains("- ["), "{text}");
    assert!(text.contains("+ ["), "{text}");
    assert!(text.contains(r#""state":"Backup""#), "{text}");
    assert!(text.contains(r#""state":"Master""#), "{text}");
}

#[test]
fn another_priority_in_the_config_diverges_at_started() {
    let mut rec = recorded(100);
    rec.header.config.instances[0].priority = ka_vrrp::Priority::new(50);
    let d = replay::<Engine>(&rec).unwrap_err();
    // Step 0 is the address, step 1 `Started`: its BACKUP notify carries
    // the priority.
    assert_eq!(d.step, 1, "{d}");
    let text = d.to_string();
    assert!(text.contains(r#""priority":100"#), "{text}");
    assert!(text.contains(r#""priority":50"#), "{text}");
}

#[test]
fn a_dropped_action_shows_as_a_plus_line() {
    let mut rec = recorded(100);
    let step = becomes_master(&rec);
    let dropped = rec.steps[step].actions.pop().unwrap();
    let d = replay::<Engine>(&rec).unwrap_err();
    assert_eq!(d.actual.last(), Some(&dropped));
    let n = d.expected.len();
    assert!(d.to_string().contains(&format!("+ [{n}] ")), "{d}");
}

#[test]
fn rerecord_restores_what_the_engine_does() {
    let good = recorded(100);
    let mut bad = good.clone();
    let step = becomes_master(&bad);
    bad.steps[step].actions.clear();
    assert!(replay::<Engine>(&bad).is_err());
    assert_eq!(rerecord::<Engine>(&bad), good);
}

#[test]
fn check_file_reports_missing_and_foreign_files() {
    let missing = Path::new("/nonexistent/ka-golden.jsonl");
    assert!(matches!(
        check_file::<Engine>(missing),
        Err(GoldenError::Io { .. })
    ));
    let dir = std::env::temp_dir()
        .join(format!("ka-golden-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.jsonl");
    std::fs::write(&path, "{\"format\":1,\"engine\":\"vrrp\"}\n").unwrap();
    let res = check_file::<Engine>(&path);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(matches!(res, Err(GoldenError::Record(_))), "{res:?}");
}

#[test]
fn update_file_rewrites_only_a_stale_golden() {
    let dir = std::env::temp_dir()
        .join(format!("ka-golden-update-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("recording.jsonl");
    let good = recorded(100);
    let mut stale = good.clone();
    let step = becomes_master(&stale);
    stale.steps[step].actions.clear();
    std::fs::write(&path, stale.to_jsonl().unwrap()).unwrap();
    let first = update_file::<Engine>(&path);
    let second = update_file::<Engine>(&path);
    let text = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(matches!(first, Ok(true)), "{first:?}");
    assert!(matches!(second, Ok(false)), "{second:?}");
    assert_eq!(text, good.to_jsonl().unwrap());
}

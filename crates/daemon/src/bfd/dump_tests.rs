//! The dump's layout.

use ka_bfd::{Engine, EngineConfig, Event, SessionConfig};
use ka_types::Instant;

use super::*;
use crate::bfd::plan::Audience;

#[test]
fn a_fresh_session_in_keepalived_layout() {
    let mut c = SessionConfig::new("B", "192.0.2.11".parse().unwrap());
    c.source = Some("192.0.2.10".parse().unwrap());
    let plan = BfdPlan {
        engine: EngineConfig {
            sessions: vec![c],
            seed: 3,
        },
        audience: [(
            "B".to_string(),
            Audience {
                vrrp: true,
                checker: false,
            },
        )]
        .into(),
    };
    let mut e = Engine::new(plan.engine.clone());
    e.handle(Instant::ZERO, Event::Started, &mut Vec::new());
    let snap = e.snapshot(Instant::ZERO);
    let t = text(
        &snap,
        &plan,
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000),
    );
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(lines[0], "------< BFD Topology >------");
    assert_eq!(lines[1], " BFD Instance = B");
    assert_eq!(lines[2], "   Neighbor IP = 192.0.2.11");
    assert_eq!(lines[3], "   Source IP = 192.0.2.10");
    assert_eq!(lines[4], "   Required min RX interval = 10000 us");
    assert!(t.contains("   TTL = 255\n   max_hops = 0\n   passive = false\n"));
    assert!(t.contains("   send event to VRRP process = Yes\n   send event to checker process = No\n"));
    assert!(t.contains("   sands_exp = [disabled]\n"));
    assert!(t.contains("   local state = Down\n   remote state = Down\n"));
    assert!(t.contains("   !poll, !final\n"));
    assert!(t.contains("   local tx intv = 1000000 us\n"));
    assert!(t.ends_with("   last_seen = [never]\n"));
}

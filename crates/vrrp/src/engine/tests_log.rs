//! Rate limiting of the dropped-packet log (issue 8, item 11).

use crate::log_limit::WINDOW;
use crate::testutil::*;
use crate::{Engine, Version};

fn dropped_lines(out: &[crate::Action]) -> Vec<String> {
    logs(out)
        .into_iter()
        .filter(|l| !l.contains("STATE") && !l.contains("Entering"))
        .collect()
}

/// Alternating bad adverts (two kinds, changing values and senders) used
/// to log every one, because each differed from the line before.
#[test]
fn alternating_bad_adverts_log_once_per_kind_per_window_then_a_count() {
    let c = icfg(100);
    let (mut e, _): (Engine, _) = started(c.clone());
    let good = advert(&c, 200);
    let mut v3 = good.clone();
    v3.version = Version::V3;
    let mut out = Vec::new();
    let (mut versions, mut ttls) = (0, 0);
    for i in 0..99u64 {
        let ev = if i % 3 == 0 {
            versions += 1;
            packet(&v3, HIGH, 255)
        } else {
            ttls += 1;
            // Changing TTLs and senders: every line text differs.
            let src = if i % 2 == 0 { HIGH } else { LOW };
            packet(&good, src, 250 - (i % 2) as u8)
        };
        out.extend(feed(&mut e, at(1_000 + i), ev));
    }
    let lines = dropped_lines(&out);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.contains("wrong version")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("invalid TTL")),
        "{lines:#?}"
    );
    // The engine wakes itself when the window ends and says what it
    // left out.
    let end = at(1_000) + WINDOW;
    assert!(e.poll_timeout().is_some_and(|t| t <= at(1_001) + WINDOW));
    let later = dropped_lines(&run_until(&mut e, at(2_000) + WINDOW));
    let mut want = vec![
        format!(
            "(VI_1) {} more received packets with the same TTL error not logged in the last 60s",
            ttls - 1
        ),
        format!(
            "(VI_1) {} more received packets with the same version error not logged in the last 60s",
            versions - 1
        ),
    ];
    want.sort();
    let mut got = later.clone();
    got.sort();
    assert_eq!(got, want, "at {end}");
    // A new window logs again.
    let next = feed(&mut e, at(3_000) + WINDOW, packet(&v3, HIGH, 255));
    assert_eq!(dropped_lines(&next).len(), 1);
}

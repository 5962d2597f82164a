use std::time::Duration;

use super::{Guest, UmlError, skip_reason};

#[test]
fn a_guest_runs_its_script_with_env_words_and_reports_its_status() {
    if crate::skip_if(skip_reason()) {
        return;
    }
    let g = Guest::new("status").env("KA_WORD", "hello-uml");
    let run = g
        .run("echo \"word=$KA_WORD\"; echo out > \"$KA_UML_WORK/file\"; exit 3")
        .expect("guest runs");
    assert!(run.console.contains("word=hello-uml"), "{}", run.console);
    assert_eq!(run.status, Some(3), "{}", run.console);
    // The work folder is the host's, read-write.
    let written = std::fs::read_to_string(g.work().join("file"))
        .expect("file written in guest");
    assert_eq!(written.trim(), "out");
}

#[test]
fn a_guest_past_its_timeout_is_killed_and_reported() {
    if crate::skip_if(skip_reason()) {
        return;
    }
    let g = Guest::new("timeout").timeout(Duration::from_secs(3));
    let start = std::time::Instant::now();
    match g.run("echo before-sleep; sleep 60") {
        Err(UmlError::Timeout(console)) => {
            assert!(console.contains("before-sleep"), "{console}");
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(start.elapsed() < Duration::from_secs(20));
}

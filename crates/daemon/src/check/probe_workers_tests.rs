use std::time::Duration;

use tokio::sync::mpsc;

use super::{Workers, threads_for};

/// Tasks queued for the probe threads run only once flushed, and every
/// one of them runs, whichever thread it went to.
#[tokio::test]
async fn queued_probes_run_after_flush_and_all_of_them() {
    let mut w = Workers::with_threads(2);
    assert_eq!(w.workers.len(), 2, "the probe threads could not be started");
    let (tx, mut rx) = mpsc::unbounded_channel();
    for i in 0..50u32 {
        let tx = tx.clone();
        w.spawn(async move {
            let _ = tx.send(i);
        });
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(rx.try_recv().is_err(), "a task ran before the flush");
    w.flush();
    let mut got = Vec::new();
    for _ in 0..50 {
        let v = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("a queued task did not run within 10 s");
        got.extend(v);
    }
    got.sort_unstable();
    assert_eq!(got, (0..50).collect::<Vec<_>>());
    // Nothing is left queued: a second flush sends nothing again.
    w.flush();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(rx.try_recv().is_err(), "a task ran twice");
}

/// The tasks of a flush are spread over the probe threads.
#[tokio::test]
async fn a_flush_spreads_tasks_over_the_threads() {
    let mut w = Workers::with_threads(3);
    let n = w.workers.len();
    let (tx, mut rx) = mpsc::unbounded_channel();
    for _ in 0..(4 * n) {
        let tx = tx.clone();
        w.spawn(async move {
            let name = std::thread::current().name().map(str::to_owned);
            let _ = tx.send(name);
        });
    }
    w.flush();
    let mut names = Vec::new();
    for _ in 0..(4 * n) {
        let v = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("a queued task did not run within 10 s");
        names.extend(v.flatten());
    }
    names.sort();
    names.dedup();
    assert_eq!(names.len(), n, "threads used: {names:?}");
    assert!(names.iter().all(|t| t.starts_with("ka-probe-")));
}

#[test]
fn one_thread_per_core_none_on_one_core() {
    assert_eq!([0, 1, 2, 3, 4, 16].map(threads_for), [0, 0, 2, 3, 4, 4]);
}

/// With no probe thread a probe runs on the caller's runtime at once,
/// flush or not.
#[tokio::test]
async fn without_threads_probes_run_on_the_callers_runtime() {
    let mut w = Workers::with_threads(0);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let caller = std::thread::current().id();
    w.spawn(async move {
        let _ = tx.send(std::thread::current().id());
    });
    let ran_on = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("the probe did not run within 10 s");
    assert_eq!(ran_on, Some(caller));
}

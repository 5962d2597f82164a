//! The panic hook, in a process of its own (the hook is process-wide).

use std::time::Duration;

#[tokio::test]
async fn a_panic_in_a_spawned_task_reaches_the_supervisor_with_its_place() {
    let mut fatal = ka_daemon::core::fatal::install_panic_hook(false);
    let task = tokio::spawn(async { panic!("injected failure") });
    assert!(task.await.unwrap_err().is_panic());
    let what = tokio::time::timeout(Duration::from_secs(5), fatal.recv())
        .await
        .expect("reported at once")
        .expect("the hook holds the sender");
    assert!(what.contains("injected failure"), "{what}");
    assert!(what.contains("tests/fatal.rs:"), "{what}");
    // A panic on another thread is reported too.
    let t = std::thread::Builder::new()
        .name("worker".into())
        .spawn(|| panic!("on a thread"))
        .unwrap();
    assert!(t.join().is_err());
    let what = fatal.recv().await.unwrap();
    assert!(what.contains("thread 'worker' panicked"), "{what}");
}

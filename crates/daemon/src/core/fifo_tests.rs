use nix::sys::signal::kill;
use nix::unistd::Pid;

use ka_lab::{TmpDir, current_thread_runtime};

use super::*;

/// A reader that records its pid in `pid_file`, ignores SIGTERM when
/// `stubborn`, and reads the FIFO (its last argument) forever.
fn reader(pid_file: &Path, stubborn: bool, fifo: &Path) -> ScriptSpec {
    let trap = if stubborn { "trap '' TERM; " } else { "" };
    let body = format!(
        "echo $$ > {}; {trap}while :; do cat \"$0\" > /dev/null; sleep 0.05; done",
        pid_file.display()
    );
    ScriptSpec {
        argv: vec!["sh".into(), "-c".into(), body, fifo.display().to_string()],
        uid: None,
        gid: None,
        timeout: None,
    }
}

/// The pid the reader wrote, waiting (bounded) for it.
async fn pid_in(file: &Path) -> Pid {
    for _ in 0..100 {
        if let Some(p) = std::fs::read_to_string(file)
            .ok()
            .and_then(|s| s.trim().parse().ok())
        {
            return Pid::from_raw(p);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the reader never wrote {}", file.display());
}

/// Whether `pid` is gone (reaped), waiting at most `limit`.
async fn gone_within(pid: Pid, limit: Duration) -> bool {
    let end = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < end {
        if kill(pid, None).is_err() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[test]
fn reopening_stops_the_old_reader_and_starts_one_new_one() {
    let d = TmpDir::new("ka-dfifo", "reload");
    let path = d.path().join("notify.fifo");
    let (pid1, pid2) = (d.path().join("pid1"), d.path().join("pid2"));
    current_thread_runtime().block_on(async {
        let first = Fifo::open(&path, None, Some(&reader(&pid1, false, &path)))
            .expect("first open");
        let old = pid_in(&pid1).await;
        // A reload: the old FIFO goes first, then the new one opens.
        drop(first);
        let second =
            Fifo::open(&path, None, Some(&reader(&pid2, false, &path)))
                .expect("second open");
        let new = pid_in(&pid2).await;
        assert!(
            gone_within(old, Duration::from_secs(3)).await,
            "the old reader {old} still runs after the reload"
        );
        assert!(kill(new, None).is_ok(), "the new reader is not running");
        assert!(path.exists());
        drop(second);
        assert!(gone_within(new, Duration::from_secs(3)).await);
    });
    assert!(!path.exists(), "the FIFO we created outlived us");
}

#[test]
fn a_reader_ignoring_sigterm_is_killed_after_the_grace() {
    let d = TmpDir::new("ka-dfifo", "stubborn");
    let path = d.path().join("notify.fifo");
    let pid_file = d.path().join("pid");
    current_thread_runtime().block_on(async {
        let fifo =
            Fifo::open(&path, None, Some(&reader(&pid_file, true, &path)))
                .expect("open");
        let pid = pid_in(&pid_file).await;
        drop(fifo);
        assert!(
            !gone_within(pid, READER_STOP_GRACE / 2).await,
            "a SIGTERM-ignoring reader died before the grace"
        );
        assert!(
            gone_within(pid, Duration::from_secs(5)).await,
            "the reader survived SIGKILL"
        );
    });
}

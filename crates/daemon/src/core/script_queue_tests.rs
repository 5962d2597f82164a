use std::path::Path;

use nix::sys::signal::kill;
use nix::unistd::Pid;

use ka_lab::{TmpDir, current_thread_runtime};

use super::*;

fn sh(body: String) -> ScriptSpec {
    ScriptSpec {
        argv: vec!["sh".into(), "-c".into(), body],
        uid: None,
        gid: None,
        timeout: None,
    }
}

fn batch(body: String) -> (Batch, oneshot::Receiver<()>) {
    let (done, wait) = oneshot::channel();
    (
        Batch {
            scripts: vec![sh(body)],
            done,
        },
        wait,
    )
}

/// Waits (bounded) until `file` exists.
async fn appears(file: &Path) {
    for _ in 0..200 {
        if file.exists() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{} never appeared", file.display());
}

#[test]
fn a_full_queue_drops_the_oldest_waiting_and_keeps_the_latest() {
    let d = TmpDir::new("ka-squeue", "full");
    let (out, started, go) = (
        d.path().join("out"),
        d.path().join("started"),
        d.path().join("go"),
    );
    let lines = current_thread_runtime().block_on(async {
        let q = ScriptQueue::spawn(
            Framework::Vrrp,
            "VI_1".into(),
            Duration::from_secs(30),
        );
        // The first script holds the queue until `go` exists.
        let (b, _) = batch(format!(
            "touch {s}; while [ ! -e {g} ]; do sleep 0.02; done; echo 0 >> {o}",
            s = started.display(),
            g = go.display(),
            o = out.display()
        ));
        q.push(b);
        appears(&started).await;
        let extra = 3;
        let mut last = None;
        for i in 1..=MAX_PENDING + extra {
            let (b, wait) = batch(format!("echo {i} >> {}", out.display()));
            q.push(b);
            last = Some(wait);
        }
        assert_eq!(q.dropped(), extra as u64);
        std::fs::write(&go, "").unwrap();
        let done = tokio::time::timeout(Duration::from_secs(20), last.unwrap());
        assert!(matches!(done.await, Ok(Ok(()))), "the latest never ran");
        std::fs::read_to_string(&out).unwrap()
    });
    let got: Vec<usize> = lines.lines().map(|l| l.parse().unwrap()).collect();
    let mut want = vec![0];
    want.extend(4..=MAX_PENDING + 3);
    assert_eq!(got, want);
}

#[test]
fn a_script_past_the_limit_is_killed_and_the_next_runs() {
    let d = TmpDir::new("ka-squeue", "limit");
    let (pid_file, next) = (d.path().join("pid"), d.path().join("next"));
    current_thread_runtime().block_on(async {
        let q = ScriptQueue::spawn(
            Framework::Vrrp,
            "VI_1".into(),
            Duration::from_millis(300),
        );
        let (b, _) =
            batch(format!("echo $$ > {}; sleep 30", pid_file.display()));
        q.push(b);
        let (b, wait) = batch(format!("touch {}", next.display()));
        q.push(b);
        let done = tokio::time::timeout(Duration::from_secs(10), wait);
        assert!(
            matches!(done.await, Ok(Ok(()))),
            "the next script never ran"
        );
        assert!(next.exists());
        let pid: i32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        // Reaped by the queue before it moved on: no such process.
        assert!(
            kill(Pid::from_raw(pid), None).is_err(),
            "the slow script {pid} was left running"
        );
    });
}

//! Matching, quorum debouncing and the scan loop over a fake `/proc`.

use super::*;

fn tracker(
    process: &str,
    params: &[&str],
    mode: Option<ParamMatch>,
    full: bool,
) -> ProcessTracker {
    ProcessTracker {
        name: "P".into(),
        process: process.into(),
        params: params.iter().map(|s| (*s).to_owned()).collect(),
        param_match: mode,
        full_command: full,
        fork_delay: Duration::ZERO,
        terminate_delay: Duration::ZERO,
    }
}

fn entry(pid: u32, ppid: u32, comm: &str, cmdline: &[&str]) -> ProcEntry {
    let cmd: Vec<u8> =
        cmdline.iter().flat_map(|a| a.bytes().chain([0])).collect();
    ProcEntry {
        pid,
        ppid,
        comm: comm.into(),
        cmdline: Some(cmd),
    }
}

#[test]
fn comm_must_match_exactly() {
    let m = Matcher::new(&tracker("ssh", &[], None, false));
    assert!(m.matches(&entry(1, 0, "ssh", &["/usr/bin/ssh", "host"])));
    assert!(!m.matches(&entry(1, 0, "sshd", &["ssh"])));
    assert!(!m.matches(&entry(1, 0, "ss", &["ssh"])));
    // A path never equals a comm.
    let m = Matcher::new(&tracker("/usr/bin/ssh", &[], None, false));
    assert!(!m.matches(&entry(1, 0, "ssh", &["/usr/bin/ssh"])));
}

#[test]
fn full_command_matches_argv0_only_without_param_match() {
    let m = Matcher::new(&tracker("/usr/sbin/nginx", &[], None, true));
    assert!(m.matches(&entry(
        1,
        0,
        "nginx",
        &["/usr/sbin/nginx", "-g", "daemon off;"]
    )));
    assert!(!m.matches(&entry(1, 0, "nginx", &["nginx"])));
    let no_cmdline = ProcEntry {
        cmdline: None,
        ..entry(1, 0, "nginx", &[])
    };
    assert!(!m.matches(&no_cmdline));
}

#[test]
fn exact_params() {
    let m = Matcher::new(&tracker(
        "sleep",
        &["600"],
        Some(ParamMatch::Exact),
        true,
    ));
    assert!(m.matches(&entry(1, 0, "sleep", &["sleep", "600"])));
    assert!(!m.matches(&entry(1, 0, "sleep", &["sleep", "6000"])));
    assert!(!m.matches(&entry(1, 0, "sleep", &["sleep", "600", "x"])));
    assert!(!m.matches(&entry(1, 0, "sleep", &["sleep"])));
    // param_match with no parameters: the command must have none.
    let m = Matcher::new(&tracker("sleep", &[], Some(ParamMatch::Exact), true));
    assert!(m.matches(&entry(1, 0, "sleep", &["sleep"])));
    assert!(!m.matches(&entry(1, 0, "sleep", &["sleep", "1"])));
}

#[test]
fn partial_and_initial_params() {
    let m = Matcher::new(&tracker(
        "app",
        &["-a", "b"],
        Some(ParamMatch::Partial),
        true,
    ));
    assert!(m.matches(&entry(1, 0, "app", &["app", "-a", "b"])));
    assert!(m.matches(&entry(1, 0, "app", &["app", "-a", "b", "more"])));
    assert!(!m.matches(&entry(1, 0, "app", &["app", "-a", "bc"])));
    assert!(!m.matches(&entry(1, 0, "app", &["app", "-a"])));
    let m = Matcher::new(&tracker(
        "app",
        &["-a", "b"],
        Some(ParamMatch::Initial),
        true,
    ));
    assert!(m.matches(&entry(1, 0, "app", &["app", "-a", "bc"])));
    assert!(m.matches(&entry(1, 0, "app", &["app", "-a", "b", "x"])));
    assert!(!m.matches(&entry(1, 0, "app", &["app", "-ab"])));
    // With no configured parameters, partial and initial accept any.
    let m = Matcher::new(&tracker("app", &[], Some(ParamMatch::Initial), true));
    assert!(m.matches(&entry(1, 0, "app", &["app", "anything"])));
}

fn debounce(
    fork: u64,
    term: u64,
    quorum: u32,
    quorum_max: u32,
    initial: &[ProcEntry],
) -> Debounce {
    let mut p = tracker("d", &[], None, false);
    p.fork_delay = Duration::from_millis(fork);
    p.terminate_delay = Duration::from_millis(term);
    let q = Quorum {
        name: "P".into(),
        quorum,
        quorum_max,
    };
    Debounce::new(&p, Some(&q), initial)
}

fn ms(t0: Instant, n: u64) -> Instant {
    t0 + Duration::from_millis(n)
}

#[test]
fn counts_without_delays_are_reported_at_once() {
    let t0 = Instant::now();
    let mut d = debounce(0, 0, 1, u32::MAX, &[]);
    assert_eq!(d.reported(), 0);
    assert_eq!(d.update(t0, &[entry(5, 1, "d", &[])]), Some(1));
    assert_eq!(
        d.update(t0, &[entry(5, 1, "d", &[]), entry(6, 1, "d", &[])]),
        Some(2)
    );
    assert_eq!(
        d.update(t0, &[entry(5, 1, "d", &[]), entry(6, 1, "d", &[])]),
        None
    );
    assert_eq!(d.update(t0, &[]), Some(0));
}

#[test]
fn terminate_delay_holds_an_exit_and_a_restart_cancels_it() {
    let t0 = Instant::now();
    let mut d = debounce(0, 500, 1, u32::MAX, &[entry(5, 1, "d", &[])]);
    assert_eq!(d.reported(), 1);
    // Exit: quorum lost only after the delay.
    assert_eq!(d.update(t0, &[]), None);
    assert_eq!(d.deadline(), Some(ms(t0, 500)));
    // Restarted (a new pid, not a child) within the delay: no change.
    assert_eq!(d.update(ms(t0, 100), &[entry(9, 1, "d", &[])]), None);
    assert_eq!(d.deadline(), None);
    // Exit again, and this time the delay runs out.
    assert_eq!(d.update(ms(t0, 200), &[]), None);
    assert_eq!(d.fire(ms(t0, 699)), None);
    assert_eq!(d.fire(ms(t0, 700)), Some(0));
}

#[test]
fn a_process_that_stops_matching_counts_at_once() {
    let t0 = Instant::now();
    let mut d = debounce(0, 500, 1, u32::MAX, &[entry(5, 1, "d", &[])]);
    // Same pid, new comm (exec of another program): no terminate delay.
    assert_eq!(d.update(t0, &[entry(5, 1, "other", &[])]), Some(0));
}

#[test]
fn fork_delay_applies_to_children_of_counted_processes_only() {
    let t0 = Instant::now();
    let parent = entry(5, 1, "d", &[]);
    let mut d = debounce(300, 0, 2, u32::MAX, std::slice::from_ref(&parent));
    assert_eq!(d.reported(), 1);
    let child = entry(6, 5, "d", &[]);
    assert_eq!(d.update(t0, &[parent.clone(), child.clone()]), None);
    assert_eq!(d.fire(ms(t0, 300)), Some(2));
    // The child goes before its delay: the fork timer is cancelled.
    let mut d = debounce(300, 0, 2, u32::MAX, std::slice::from_ref(&parent));
    assert_eq!(d.update(t0, &[parent.clone(), child]), None);
    assert_eq!(d.update(ms(t0, 100), std::slice::from_ref(&parent)), None);
    assert_eq!(d.deadline(), None);
    // An unrelated process reaching quorum counts at once.
    let mut d = debounce(300, 0, 2, u32::MAX, std::slice::from_ref(&parent));
    assert_eq!(d.update(t0, &[parent, entry(7, 1, "d", &[])]), Some(2));
}

#[test]
fn counts_inside_the_quorum_are_reported_while_a_delay_holds_the_flip() {
    let t0 = Instant::now();
    let a = entry(5, 1, "d", &[]);
    let b = entry(6, 1, "d", &[]);
    let mut d = debounce(0, 500, 1, 1, std::slice::from_ref(&a));
    // Exceeding quorum_max (exec) fails at once.
    assert_eq!(d.update(t0, &[a.clone(), b.clone()]), Some(2));
    // keepalived compat: terminate_delay delays any exit that crosses a
    // quorum bound, so coming back under quorum_max waits too.
    assert_eq!(d.update(t0, std::slice::from_ref(&a)), None);
    assert_eq!(d.fire(ms(t0, 500)), Some(1));
}

/// A fake `/proc` with one directory per process.
struct FakeProc(PathBuf);

impl FakeProc {
    fn new(tag: &str) -> Self {
        let d = std::env::temp_dir()
            .join(format!("ka-fakeproc-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Self(d)
    }

    fn add(&self, pid: u32, comm: &str) {
        let d = self.0.join(pid.to_string());
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("stat"), format!("{pid} ({comm}) S 1 0 0"))
            .unwrap();
        std::fs::write(d.join("cmdline"), format!("{comm}\0")).unwrap();
    }

    fn remove(&self, pid: u32) {
        std::fs::remove_dir_all(self.0.join(pid.to_string())).unwrap();
    }
}

impl Drop for FakeProc {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn next_count(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Signal>,
) -> u32 {
    match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
        Ok(Some(Signal::ProcessCount { count, .. })) => count,
        other => panic!("no process event: {other:?}"),
    }
}

#[test]
fn the_scan_loop_reports_counts_and_terminate_delay() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let fake = FakeProc::new("loop");
        fake.add(100, "haproxy");
        fake.add(101, "bash");
        let mut p = tracker("haproxy", &[], None, false);
        p.terminate_delay = Duration::from_millis(400);
        let q = Quorum {
            name: "P".into(),
            quorum: 1,
            quorum_max: u32::MAX,
        };
        let bus = Bus::default();
        let mut rx = bus.subscribe();
        let task = spawn_in(fake.0.clone(), &[p], &[q], &bus).expect("task");
        assert_eq!(next_count(&mut rx).await, 1);
        fake.add(102, "haproxy");
        assert_eq!(next_count(&mut rx).await, 2);
        let t = Instant::now();
        fake.remove(100);
        assert_eq!(next_count(&mut rx).await, 1);
        fake.remove(102);
        assert_eq!(next_count(&mut rx).await, 0);
        assert!(
            t.elapsed() >= Duration::from_millis(400),
            "{:?}",
            t.elapsed()
        );
        task.abort();
    });
}

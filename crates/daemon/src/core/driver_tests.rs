//! The generic loop with a toy engine and framework: what any future
//! engine (checkers, BFD) gets from it, without VRRP.

use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::*;
use crate::core::fatal::Panicked;

/// Echoes each event as an action at the time it came, and fires a
/// timeout 100 ms after the last event.
#[derive(Debug, Default)]
struct Echo {
    deadline: Option<Instant>,
    seen: u32,
    /// Event 666 left it broken: every later call panics.
    broken: bool,
}

impl Engine for Echo {
    const KIND: EngineKind = EngineKind::Vrrp;
    type Event = u32;
    type Action = (u64, String);
    type Config = ();
    type Snapshot = u32;

    fn handle(&mut self, now: Instant, ev: u32, out: &mut Vec<(u64, String)>) {
        assert!(!self.broken, "still broken");
        // 665: a bug that leaves the engine usable; 666: one that does not.
        self.broken = ev == 666;
        assert!(ev != 665 && ev != 666, "injected panic on {ev}");
        self.seen += 1;
        out.push((now.micros(), format!("event {ev}")));
        self.deadline = Some(now + Duration::from_millis(100));
    }

    fn handle_timeout(&mut self, now: Instant, out: &mut Vec<(u64, String)>) {
        if self.deadline.is_some_and(|d| d <= now) {
            self.deadline = None;
            out.push((now.micros(), "timeout".into()));
        }
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.deadline
    }

    fn snapshot(&self, _now: Instant) -> u32 {
        self.seen
    }

    /// Event 1000 (the toy framework's reload) hands it a configuration.
    fn reloaded_config(ev: &u32) -> Option<&()> {
        (*ev == 1000).then_some(&())
    }
}

/// Inputs from a channel; dispatched actions recorded.
struct Toy {
    input: mpsc::UnboundedReceiver<u32>,
    done: Vec<(u64, String)>,
    reloads: Vec<String>,
}

impl Toy {
    /// A framework whose inputs come from the returned sender.
    fn new() -> (mpsc::UnboundedSender<u32>, Self) {
        let (tx, input) = mpsc::unbounded_channel();
        let fw = Self {
            input,
            done: Vec::new(),
            reloads: Vec::new(),
        };
        (tx, fw)
    }
}

impl Framework for Toy {
    const KIND: crate::core::framework::Framework =
        crate::core::framework::Framework::Vrrp;
    type Engine = Echo;
    type Plan = String;

    async fn dispatch(&mut self, out: &mut Vec<(u64, String)>) {
        self.done.append(out);
    }

    async fn next_events(&mut self) -> Vec<u32> {
        match self.input.recv().await {
            Some(ev) => vec![ev],
            None => std::future::pending().await,
        }
    }

    fn ready_events(&mut self) -> Vec<u32> {
        std::iter::from_fn(|| self.input.try_recv().ok()).collect()
    }

    async fn reload(&mut self, plan: String) -> u32 {
        self.reloads.push(plan);
        1000
    }

    fn stop_event(&self) -> u32 {
        999
    }

    fn clear_stats_event(&self) -> u32 {
        998
    }

    fn release_all(&self) -> Vec<(u64, String)> {
        vec![(0, "release all".into())]
    }

    async fn shutdown(&mut self, out: &mut Vec<(u64, String)>) {
        self.dispatch(out).await;
        self.done.push((0, "shut down".into()));
    }
}

#[tokio::test(start_paused = true)]
async fn events_timeouts_control_and_stop_go_through_the_engine_in_order() {
    let (input_tx, mut fw) = Toy::new();
    let (ctl_tx, mut ctl) = mpsc::unbounded_channel();
    let mut driver = Driver::new(Echo::default());
    driver.step_all([7]);
    let run = tokio::spawn(async move {
        driver.run(&mut fw, &mut ctl).await.unwrap();
        fw
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    input_tx.send(8).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    ctl_tx
        .send(Control::Reload(Box::new("new".into())))
        .unwrap();
    let (snap_tx, snap_rx) = oneshot::channel();
    ctl_tx.send(Control::Snapshot(snap_tx)).unwrap();
    assert_eq!(snap_rx.await.unwrap(), 3);
    ctl_tx.send(Control::Stop).unwrap();
    let fw = run.await.unwrap();
    assert_eq!(fw.reloads, ["new"]);
    let done: Vec<(u64, &str)> =
        fw.done.iter().map(|(t, s)| (*t, s.as_str())).collect();
    assert_eq!(
        done,
        [
            (0, "event 7"),
            (50_000, "event 8"),
            (150_000, "timeout"),
            (250_000, "event 1000"),
            (250_000, "event 999"),
            (0, "shut down"),
        ]
    );
}

/// Runs a toy loop, feeds it `events`, and returns what `run` returned
/// and what the framework carried out.
async fn run_until_end(
    events: &[u32],
) -> (Result<(), Panicked>, Vec<(u64, String)>) {
    let (input_tx, mut fw) = Toy::new();
    let (_ctl_tx, mut ctl) = mpsc::unbounded_channel();
    for ev in events {
        input_tx.send(*ev).unwrap();
    }
    let driver = Driver::new(Echo::default());
    let ran = tokio::time::timeout(
        Duration::from_secs(5),
        driver.run(&mut fw, &mut ctl),
    )
    .await
    .expect("a panic ends the loop");
    (ran, fw.done)
}

#[tokio::test(start_paused = true)]
async fn a_panic_in_the_loop_still_tells_the_engine_and_shuts_down() {
    let (ran, done) = run_until_end(&[5, 665, 6]).await;
    assert!(ran.is_err());
    let done: Vec<&str> = done.iter().map(|(_, s)| s.as_str()).collect();
    // The engine is told to stop; what it asked before the panic and
    // never got carried out is dropped.
    assert_eq!(done, ["event 5", "event 999", "shut down"]);
}

#[tokio::test(start_paused = true)]
async fn an_engine_that_panics_again_is_replaced_by_release_all() {
    let (ran, done) = run_until_end(&[5, 666]).await;
    assert!(ran.is_err());
    let done: Vec<&str> = done.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(done, ["event 5", "release all", "shut down"]);
}

#[tokio::test(start_paused = true)]
async fn clear_stats_hands_the_engine_its_event() {
    let (input_tx, mut fw) = Toy::new();
    let (ctl_tx, mut ctl) = mpsc::unbounded_channel();
    ctl_tx.send(Control::ClearStats).unwrap();
    ctl_tx.send(Control::Stop).unwrap();
    Driver::new(Echo::default())
        .run(&mut fw, &mut ctl)
        .await
        .unwrap();
    drop(input_tx);
    let done: Vec<&str> = fw.done.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(done, ["event 998", "event 999", "shut down"]);
}

/// An input whose sender's timer fires in the same clock jump as the
/// engine's deadline (10 ms before it, or at the same instant): the loop
/// finds both due at once and hands the engine the input first, so its
/// deadline moves and the timeout finds nothing due. Without the drain
/// before the timeout, `select!` picks one at random (the 90 ms rounds
/// fail); without the yield, the timer's task runs before the sender's
/// (the 100 ms rounds fail every time).
#[tokio::test(start_paused = true)]
async fn an_input_queued_when_the_deadline_passes_is_handled_first() {
    let (input_tx, mut fw) = Toy::new();
    let (ctl_tx, mut ctl) = mpsc::unbounded_channel();
    let mut driver = Driver::new(Echo::default());
    driver.step_all([0]);
    let run = tokio::spawn(async move {
        driver.run(&mut fw, &mut ctl).await.unwrap();
        fw
    });
    for round in 1..=20 {
        let tx = input_tx.clone();
        // The deadline is 100 ms after the last event, which came when
        // the round started; the clock jumps 150 ms.
        let at = if round % 2 == 0 { 100 } else { 90 };
        let sender = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(at)).await;
            tx.send(round).unwrap();
        });
        tokio::task::yield_now().await;
        tokio::time::advance(Duration::from_millis(150)).await;
        sender.await.unwrap();
        // Let the loop run until it waits again.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }
    ctl_tx.send(Control::Stop).unwrap();
    let fw = run.await.unwrap();
    let timeouts: Vec<u64> = fw
        .done
        .iter()
        .filter(|(_, s)| s == "timeout")
        .map(|(t, _)| *t)
        .collect();
    assert!(
        timeouts.is_empty(),
        "timeouts won at {timeouts:?}: {:#?}",
        fw.done
    );
    let events = fw
        .done
        .iter()
        .filter(|(_, s)| s.starts_with("event"))
        .count();
    assert_eq!(events, 22, "{:#?}", fw.done);
}

#[tokio::test(start_paused = true)]
async fn a_recorded_loop_writes_each_call_and_the_reload_as_one_step() {
    let dir = std::env::temp_dir()
        .join(format!("ka-driver-record-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("toy.jsonl");
    let (_input_tx, mut fw) = Toy::new();
    let (ctl_tx, mut ctl) = mpsc::unbounded_channel();
    let mut driver = Driver::new(Echo::default());
    driver.record(&path, &(), Toy::KIND).unwrap();
    driver.step_all([7]);
    ctl_tx
        .send(Control::Reload(Box::new("new".into())))
        .unwrap();
    ctl_tx.send(Control::Stop).unwrap();
    driver.run(&mut fw, &mut ctl).await.unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            r#"{"format":1,"engine":"vrrp","config":null}"#,
            r#"{"at":0,"input":{"Event":7},"actions":[[0,"event 7"]]}"#,
            r#"{"at":0,"input":{"Reload":null},"actions":[[0,"event 1000"]]}"#,
            r#"{"at":0,"input":{"Event":999},"actions":[[0,"event 999"]]}"#,
        ]
    );
}

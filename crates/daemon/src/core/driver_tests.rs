//! The generic loop with a toy engine and framework: what any future
//! engine (checkers, BFD) gets from it, without VRRP.

use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::*;

/// Echoes each event as an action at the time it came, and fires a
/// timeout 100 ms after the last event.
#[derive(Debug, Default)]
struct Echo {
    deadline: Option<Instant>,
    seen: u32,
}

impl Engine for Echo {
    type Event = u32;
    type Action = (u64, String);
    type Snapshot = u32;

    fn handle(&mut self, now: Instant, ev: u32, out: &mut Vec<(u64, String)>) {
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

    fn snapshot(&self) -> u32 {
        self.seen
    }
}

/// Inputs from a channel; dispatched actions recorded.
struct Toy {
    input: mpsc::UnboundedReceiver<u32>,
    done: Vec<(u64, String)>,
    reloads: Vec<String>,
}

impl Framework for Toy {
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

    async fn shutdown(&mut self, out: &mut Vec<(u64, String)>) {
        self.dispatch(out).await;
        self.done.push((0, "shut down".into()));
    }
}

#[tokio::test(start_paused = true)]
async fn events_timeouts_control_and_stop_go_through_the_engine_in_order() {
    let (input_tx, input) = mpsc::unbounded_channel();
    let (ctl_tx, mut ctl) = mpsc::unbounded_channel();
    let mut fw = Toy {
        input,
        done: Vec::new(),
        reloads: Vec::new(),
    };
    let mut driver = Driver::new(Echo::default());
    driver.step_all([7]);
    let run = tokio::spawn(async move {
        driver.run(&mut fw, &mut ctl).await;
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

/// An input whose sender's timer fires in the same clock jump as the
/// engine's deadline (10 ms before it, or at the same instant): the loop
/// finds both due at once and hands the engine the input first, so its
/// deadline moves and the timeout finds nothing due. Without the drain
/// before the timeout, `select!` picks one at random (the 90 ms rounds
/// fail); without the yield, the timer's task runs before the sender's
/// (the 100 ms rounds fail every time).
#[tokio::test(start_paused = true)]
async fn an_input_queued_when_the_deadline_passes_is_handled_first() {
    let (input_tx, input) = mpsc::unbounded_channel();
    let (ctl_tx, mut ctl) = mpsc::unbounded_channel();
    let mut fw = Toy {
        input,
        done: Vec::new(),
        reloads: Vec::new(),
    };
    let mut driver = Driver::new(Echo::default());
    driver.step_all([0]);
    let run = tokio::spawn(async move {
        driver.run(&mut fw, &mut ctl).await;
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

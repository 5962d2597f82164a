//! The generic driver loop: one sans-IO engine against its framework's
//! drivers (STYLE-ANCHORS §8.3).
//!
//! Wait for the first of a control request, a framework input or the
//! engine's deadline; hand it to the engine with the current time; then
//! let the framework carry out every action the engine returned. When
//! the deadline passes, inputs already queued go to the engine first
//! ([`Framework::ready_events`]), as in keepalived's scheduler. The
//! engine is called in one place only ([`Driver::step`]), so anything
//! that must see every event and action hooks in there: the recorder of
//! `--record-events` ([`super::record`]) writes each call as one step,
//! a reload (the event carrying the new configuration) as a `Reload`
//! input, so any framework's engine is recorded and replayed alike.
//!
//! A panic in the loop (the engine's or the framework's) does not skip
//! the framework's shutdown path: [`Driver::run`] catches it and shuts
//! down as far as the state allows (the panic hook, [`super::fatal`],
//! has logged it and stops the process).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::Path;

use futures::FutureExt;
use ka_types::Instant;
use ka_types::record::{self, EngineKind};
use serde::Serialize;
use tokio::sync::mpsc::UnboundedReceiver;

use super::clock::Clock;
use super::control::Control;
use super::fatal::Panicked;
use super::framework;
use super::record::{RecordError, Recorder};

/// Implements [`Engine`] for an engine crate's `Engine`, whose inherent
/// methods already have the trait's shape: `handle`, `handle_timeout`,
/// `poll_timeout`, a snapshot method (`snapshot`, or VRRP's
/// `snapshot_at`), and an `Event::Reloaded` carrying its configuration.
macro_rules! engine_impl {
    ($krate:ident, $kind:ident, $config:ident, $snapshot:ident) => {
        impl $crate::core::driver::Engine for $krate::Engine {
            const KIND: ka_types::record::EngineKind =
                ka_types::record::EngineKind::$kind;
            type Event = $krate::Event;
            type Action = $krate::Action;
            type Config = $krate::$config;
            type Snapshot = $krate::Snapshot;

            fn handle(
                &mut self,
                now: ka_types::Instant,
                ev: $krate::Event,
                out: &mut Vec<$krate::Action>,
            ) {
                Self::handle(self, now, ev, out);
            }

            fn handle_timeout(
                &mut self,
                now: ka_types::Instant,
                out: &mut Vec<$krate::Action>,
            ) {
                Self::handle_timeout(self, now, out);
            }

            fn poll_timeout(&self) -> Option<ka_types::Instant> {
                Self::poll_timeout(self)
            }

            fn snapshot(&self, now: ka_types::Instant) -> $krate::Snapshot {
                Self::$snapshot(self, now)
            }

            fn reloaded_config(ev: &$krate::Event) -> Option<&$krate::$config> {
                match ev {
                    $krate::Event::Reloaded(cfg) => Some(cfg),
                    _ => None,
                }
            }
        }
    };
}
pub(crate) use engine_impl;

/// A sans-IO engine: time and events in, actions out, and when it next
/// wants to be woken. `ka_vrrp::Engine` is one; the checker and BFD
/// engines will be others.
pub(crate) trait Engine {
    /// The engine a recording's header names.
    const KIND: EngineKind;
    /// What the engine is told (recorded, so cloned when recording).
    type Event: Serialize + Clone;
    /// What it asks for.
    type Action: Serialize;
    /// What it is built from (a recording's header holds it).
    type Config: Serialize;
    /// What a dump shows of it.
    type Snapshot;
    /// Handles `event`, appending the actions it implies to `out`.
    fn handle(
        &mut self,
        now: Instant,
        event: Self::Event,
        out: &mut Vec<Self::Action>,
    );
    /// Handles the deadline of [`Self::poll_timeout`] having passed.
    fn handle_timeout(&mut self, now: Instant, out: &mut Vec<Self::Action>);
    /// When the engine next wants [`Self::handle_timeout`]; `None`: never.
    fn poll_timeout(&self) -> Option<Instant>;
    /// The engine's state, taken at `now` (dumps show times relative to
    /// it).
    fn snapshot(&self, now: Instant) -> Self::Snapshot;
    /// The configuration `event` hands the engine when it is a reload
    /// (a recording writes it as a `Reload` input); `None` otherwise.
    fn reloaded_config(event: &Self::Event) -> Option<&Self::Config>;
}

/// One framework's side of the loop: its input streams and the
/// dispatcher of its engine's actions. The futures returned by
/// [`Self::next_events`] must be cancel-safe (channel receives are).
pub(crate) trait Framework {
    /// Which framework it is (log lines name it).
    const KIND: super::framework::Framework;
    /// The engine it runs.
    type Engine: Engine;
    /// Its part of the loaded plan.
    type Plan;
    /// Carries out `out`'s actions in order, draining it.
    fn dispatch(
        &mut self,
        out: &mut Vec<Action<Self>>,
    ) -> impl Future<Output = ()>;
    /// Waits for the next input and returns the engine events it implies
    /// (none, when it only concerned the drivers).
    fn next_events(&mut self) -> impl Future<Output = Vec<Event<Self>>>;
    /// Without waiting, the engine events of every input already queued
    /// that must be handled before a timeout due at the same time (for
    /// VRRP, received packets); empty when none is.
    fn ready_events(&mut self) -> Vec<Event<Self>>;
    /// Follows a new plan; returns the event that hands the engine its
    /// new configuration.
    fn reload(&mut self, plan: Self::Plan)
    -> impl Future<Output = Event<Self>>;
    /// After a reload was handed to the engine and its actions carried
    /// out: the engine's state before and after it (VRRP's
    /// `fifo_write_vrrp_states_on_reload`). Nothing by default.
    fn reloaded(&mut self, _before: &Snapshot<Self>, _after: &Snapshot<Self>) {}
    /// The event that tells the engine to shut down.
    fn stop_event(&self) -> Event<Self>;
    /// The event that zeroes the engine's counters (STATS_CLEAR).
    fn clear_stats_event(&self) -> Event<Self>;
    /// The event an operator's command means for this engine; none (the
    /// default) when it does not concern it.
    fn admin_event(&self, _cmd: super::control::Admin) -> Option<Event<Self>> {
        None
    }
    /// Actions that undo everything the plan may have made the engine
    /// install (addresses, say), for a shutdown after the engine
    /// panicked and cannot tell what it holds.
    fn release_all(&self) -> Vec<Action<Self>>;
    /// Shuts the drivers down after the engine was told (`out` holds
    /// the engine's last actions).
    fn shutdown(
        &mut self,
        out: &mut Vec<Action<Self>>,
    ) -> impl Future<Output = ()>;
}

/// The events of a framework's engine.
pub(crate) type Event<F> = <<F as Framework>::Engine as Engine>::Event;
/// The actions of a framework's engine.
pub(crate) type Action<F> = <<F as Framework>::Engine as Engine>::Action;
/// The state snapshots of a framework's engine.
pub(crate) type Snapshot<F> = <<F as Framework>::Engine as Engine>::Snapshot;
/// The control requests a framework's loop takes.
pub(crate) type FrameworkControl<F> = Control<
    <F as Framework>::Plan,
    <<F as Framework>::Engine as Engine>::Snapshot,
>;

/// What the engine is handed in one step.
#[derive(Debug)]
pub(crate) enum Input<E> {
    /// An event.
    Event(E),
    /// Its deadline passed.
    Timeout,
}

/// An engine, its clock and the actions it returned, not yet carried out.
#[derive(Debug)]
pub(crate) struct Driver<E: Engine> {
    engine: E,
    clock: Clock,
    out: Vec<E::Action>,
    /// `--record-events`: where each step is written, and the framework
    /// whose log reports a write failure.
    recorder: Option<(Recorder, framework::Framework)>,
}

impl<E: Engine> Driver<E> {
    /// Drives `engine`; its clock starts now.
    pub(crate) fn new(engine: E) -> Self {
        Self {
            engine,
            clock: Clock::start(),
            out: Vec::new(),
            recorder: None,
        }
    }

    /// Records every later step to `path` (created afresh, private),
    /// under a header naming [`Engine::KIND`] and `config`, the
    /// configuration the engine was built from. A write failure is
    /// logged under `fw`'s ident and ends the recording.
    pub(crate) fn record(
        &mut self,
        path: &Path,
        config: &E::Config,
        fw: framework::Framework,
    ) -> Result<(), RecordError> {
        self.recorder = Some((Recorder::create(path, E::KIND, config)?, fw));
        Ok(())
    }

    /// Hands the engine one input at the current time. The one place
    /// the engine is called; with a recorder, the call is one step.
    pub(crate) fn step(&mut self, input: Input<E::Event>) {
        let now = self.clock.now();
        self.step_at(now, input);
    }

    /// [`Self::step`] at `now`, read by the caller.
    fn step_at(&mut self, now: Instant, input: Input<E::Event>) {
        let from = self.out.len();
        // The event goes to the engine; the recording needs its own copy.
        let recorded = self.recorder.as_ref().map(|_| match &input {
            Input::Event(ev) => Input::Event(ev.clone()),
            Input::Timeout => Input::Timeout,
        });
        match input {
            Input::Event(ev) => self.engine.handle(now, ev, &mut self.out),
            Input::Timeout => self.engine.handle_timeout(now, &mut self.out),
        }
        if let Some(input) = recorded {
            self.write_step(now, &input, from);
        }
    }

    /// Writes one step: `input` at `now` and the actions from `from` on.
    /// The first failure is logged and ends the recording; the loop
    /// carries on.
    fn write_step(
        &mut self,
        now: Instant,
        input: &Input<E::Event>,
        from: usize,
    ) {
        let Some((rec, fw)) = &mut self.recorder else {
            return;
        };
        let input = match input {
            Input::Event(ev) => match E::reloaded_config(ev) {
                Some(cfg) => record::Input::Reload(cfg),
                None => record::Input::Event(ev),
            },
            Input::Timeout => record::Input::Timeout,
        };
        if let Err(e) = rec.step(now, input, &self.out[from..]) {
            fw.error(format_args!("--record-events: {e}; recording stopped"));
            self.recorder = None;
        }
    }

    /// Hands the engine each of `events`, taken together: at one reading
    /// of the clock (a batch of probe results is hundreds of events).
    pub(crate) fn step_all(
        &mut self,
        events: impl IntoIterator<Item = E::Event>,
    ) {
        let mut events = events.into_iter().peekable();
        if events.peek().is_none() {
            return;
        }
        let now = self.clock.now();
        for ev in events {
            self.step_at(now, Input::Event(ev));
        }
    }

    /// Runs the loop until a `Stop` request (or until `control` closes):
    /// the engine is then told, its last actions carried out, and the
    /// framework shut down. After a panic in the loop, the shutdown runs
    /// as far as it can and [`Panicked`] is returned.
    pub(crate) async fn run<F>(
        mut self,
        fw: &mut F,
        control: &mut UnboundedReceiver<FrameworkControl<F>>,
    ) -> Result<(), Panicked>
    where
        F: Framework<Engine = E>,
    {
        // The loop borrows the state, so it is still here after a panic.
        let looped = AssertUnwindSafe(self.event_loop(fw, control))
            .catch_unwind()
            .await;
        if looped.is_ok() {
            return Ok(());
        }
        self.shutdown_after_panic(fw).await;
        Err(Panicked)
    }

    /// The loop proper, until `Stop` and the shutdown that follows.
    async fn event_loop<F>(
        &mut self,
        fw: &mut F,
        control: &mut UnboundedReceiver<FrameworkControl<F>>,
    ) where
        F: Framework<Engine = E>,
    {
        let mut timer = Timer::new(F::KIND);
        loop {
            fw.dispatch(&mut self.out).await;
            let deadline =
                self.engine.poll_timeout().map(|t| self.clock.to_tokio(t));
            let events = tokio::select! {
                c = control.recv() => match c {
                    None | Some(Control::Stop) => {
                        self.step(Input::Event(fw.stop_event()));
                        fw.shutdown(&mut self.out).await;
                        return;
                    }
                    Some(Control::Reload(plan)) => {
                        self.reload(fw, *plan).await;
                        continue;
                    }
                    Some(Control::Snapshot(reply)) => {
                        let now = self.clock.now();
                        let _ = reply.send(self.engine.snapshot(now));
                        continue;
                    }
                    Some(Control::ClearStats) => vec![fw.clear_stats_event()],
                    Some(Control::Admin(cmd)) => fw.admin_event(cmd).into_iter().collect(),
                },
                events = fw.next_events() => events,
                () = timer.sleep_until(deadline) => {
                    self.timeout(fw).await;
                    continue;
                }
            };
            self.step_all(events);
        }
    }

    /// A reload: the framework follows the new plan, the engine gets its
    /// configuration and the actions are carried out; then the
    /// framework sees the engine's state before and after.
    async fn reload<F>(&mut self, fw: &mut F, plan: F::Plan)
    where
        F: Framework<Engine = E>,
    {
        let before = self.engine.snapshot(self.clock.now());
        let ev = fw.reload(plan).await;
        self.step_all([ev]);
        fw.dispatch(&mut self.out).await;
        let after = self.engine.snapshot(self.clock.now());
        fw.reloaded(&before, &after);
    }

    /// The shutdown path with an engine that may be inconsistent: it is
    /// told to shut down if it still can (keepalived's resign); if it
    /// panics again, the framework's [`Framework::release_all`] stands in
    /// for its last actions.
    async fn shutdown_after_panic<F>(&mut self, fw: &mut F)
    where
        F: Framework<Engine = E>,
    {
        let kind = F::KIND;
        kind.error(format_args!(
            "{} event loop failed: shutting down",
            kind.title()
        ));
        self.out.clear();
        let stop = fw.stop_event();
        let told = std::panic::catch_unwind(AssertUnwindSafe(|| {
            self.step(Input::Event(stop));
        }));
        if told.is_err() {
            self.out = fw.release_all();
        }
        let done = AssertUnwindSafe(fw.shutdown(&mut self.out))
            .catch_unwind()
            .await;
        if done.is_err() {
            kind.error(format_args!("shutdown after a failure failed too: addresses may be left behind"));
        }
    }

    /// The engine's deadline passed. Inputs that arrived before it go
    /// first, as in keepalived's scheduler, which hands a readable socket
    /// to its read thread before it looks at that thread's timeout: an
    /// advert that reached the socket before Master_Down_Interval ran out
    /// restarts the timer instead of losing to it. When the process was
    /// kept off the CPU both are due at once, and `select!` picks at
    /// random. One yield lets the input tasks woken with the timer (the
    /// I/O driver runs on it) queue what they read; the engine then gets
    /// every queued input, and the timeout last, which acts only on
    /// timers still due.
    async fn timeout<F>(&mut self, fw: &mut F)
    where
        F: Framework<Engine = E>,
    {
        tokio::task::yield_now().await;
        let ready = fw.ready_events();
        self.step_all(ready);
        self.step(Input::Timeout);
    }
}

/// The loop's wake-up for the engine's deadline: a timerfd with the
/// kernel's precision (`ka_sys::timer`: tokio's own timer rounds every
/// deadline up to the next millisecond, which a 10 ms advert interval
/// cannot afford), or tokio's timer where a timerfd is not available and
/// in unit tests, which run on tokio's paused clock.
struct Timer {
    precise: Option<ka_sys::timer::PreciseTimer>,
    kind: framework::Framework,
}

impl Timer {
    fn new(kind: framework::Framework) -> Self {
        let precise = if cfg!(test) {
            None
        } else {
            ka_sys::timer::PreciseTimer::new()
                .map_err(|e| {
                    kind.error(format_args!(
                        "no timerfd ({e}): timers are rounded up to the millisecond"
                    ));
                })
                .ok()
        };
        Self { precise, kind }
    }

    async fn sleep_until(&mut self, deadline: Option<tokio::time::Instant>) {
        let Some(t) = deadline else {
            return std::future::pending().await;
        };
        if let Some(p) = &mut self.precise {
            match p.sleep_until(t.into_std()).await {
                Ok(()) => return,
                Err(e) => {
                    self.kind.error(format_args!(
                        "timerfd failed ({e}): timers are rounded up to the millisecond from now"
                    ));
                    self.precise = None;
                }
            }
        }
        tokio::time::sleep_until(t).await;
    }
}

#[cfg(test)]
#[path = "driver_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "driver_record_tests.rs"]
mod record_tests;

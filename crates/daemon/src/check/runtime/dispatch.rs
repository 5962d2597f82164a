//! Carrying out the checker engine's actions: probes started, the table
//! changes of one step applied together, notify scripts and FIFO lines,
//! and log lines in keepalived's words.

use std::time::Duration;

use ka_check::{Action, LogLevel, Notify, RsId};
use ka_config::model::global::LvsFlushOnStop;
use ka_sys::script::ScriptSpec;
use ka_types::lvs::Op;

use super::{Runtime, mail};
use crate::check::io::{DataPlaneIo, Io, NotifyIo, NotifyKey, ProbeIo};
use crate::core::log::target;

/// keepalived compat: at shutdown, `omega` notifiers run through
/// `system_call_script` with a one-second limit (`TIMER_HZ`).
const STOP_SCRIPT_WAIT: Duration = Duration::from_secs(1);

impl<I: Io> Runtime<I> {
    /// Carries out `out` in order, except that the table changes of the
    /// step are applied together, before its notifications (a notify
    /// script sees the table it announces).
    pub(super) async fn dispatch(&mut self, out: &mut Vec<Action>) {
        if out.is_empty() {
            return;
        }
        let mut ops = Vec::new();
        let mut notes = Vec::new();
        let mut alerts = Vec::new();
        for a in out.drain(..) {
            match a {
                Action::StartProbe { id, token, url } => {
                    self.probes.start(id, token, url)
                }
                Action::DataPlane { op, .. } => ops.push(op),
                Action::Notify(n) => notes.push(n),
                Action::CheckerAlert(a) => alerts.push(a),
                Action::Log { level, message } => log(level, &message),
                Action::Stopped => {}
            }
        }
        self.probes.flush();
        self.apply(ops).await;
        for n in notes {
            self.notify_one(&n).await;
        }
        // keepalived compat: a checker's epilog mails after the real
        // server's notifiers ran (update_svr_checker_state, then
        // smtp_alert).
        if let Some(cfg) = &self.smtp {
            for a in alerts {
                if let Some(m) = mail::checker_mail(&self.plan, &a) {
                    self.mailer.send(cfg, m);
                }
            }
        }
    }

    /// Applies one step's table changes. At shutdown, `-I` keeps the
    /// table and `lvs_flush_on_stop` (no argument) flushes all of it
    /// instead of removing what was configured.
    async fn apply(&mut self, ops: Vec<Op>) {
        if ops.is_empty() {
            return;
        }
        if self.stopping {
            if self.dont_release {
                return;
            }
            if self.plan.lvs.flush_on_stop == Some(LvsFlushOnStop::Full) {
                if let Err(e) = self.dataplane.flush().await {
                    tracing::error!(target: target::CHECK, "{e}");
                }
                return;
            }
        }
        if let Err(e) = self.dataplane.apply(&ops).await {
            self.errors += 1;
            if self.errors <= 10 || self.errors.is_multiple_of(1000) {
                tracing::error!(target: target::CHECK, "{e} ({} table errors so far)", self.errors);
            }
        }
    }

    /// One notification: the FIFO line at once, the scripts queued per
    /// real or virtual server (waited for, bounded, at shutdown).
    async fn notify_one(&mut self, n: &Notify) {
        let Some((key, line, scripts)) = self.notification(n) else {
            return;
        };
        let wait = self.stopping.then_some(STOP_SCRIPT_WAIT);
        self.notify.push(key, &line, scripts, wait).await;
        let prev = self.previous.as_ref();
        if let (Some(cfg), Some(m)) = (
            &self.smtp,
            mail::mail_for(&self.plan, prev, n, self.stopping),
        ) {
            self.mailer.send(cfg, m);
        }
    }

    /// The queue, FIFO line and scripts of a notification (keepalived's
    /// `notify_fifo_rs` / `notify_fifo_vs` lines: `RS [rs]:tcp:80
    /// [vs]:tcp:80 UP`, `VS [vs]:tcp:80 DOWN`).
    fn notification(
        &self,
        n: &Notify,
    ) -> Option<(NotifyKey, String, Vec<ScriptSpec>)> {
        let vss = &self.plan.engine.virtual_servers;
        match *n {
            Notify::RsUp(id) | Notify::RsDown(id) => {
                let up = matches!(n, Notify::RsUp(_));
                let (vs, rs) = self.names(id)?;
                let hooks = self.plan.rs_hooks.get(&id);
                let script = hooks.and_then(|h| {
                    if up { h.up.clone() } else { h.down.clone() }
                });
                let line = format!("RS {rs} {vs} {}\n", state(up));
                Some((
                    NotifyKey::Rs(vs, rs),
                    line,
                    script.into_iter().collect(),
                ))
            }
            Notify::QuorumUp(v) | Notify::QuorumDown(v) => {
                let up = matches!(n, Notify::QuorumUp(_));
                let vs = vss.get(v as usize)?.name.clone();
                let hooks = self.plan.vs_hooks.get(v as usize);
                let script = hooks.and_then(|h| {
                    if up { h.up.clone() } else { h.down.clone() }
                });
                let line = format!("VS {vs} {}\n", state(up));
                Some((NotifyKey::Vs(vs), line, script.into_iter().collect()))
            }
            // keepalived compat: servers a reload removed are notified
            // with the scripts of the configuration they came from.
            Notify::RemovedRsDown { ref vs, ref rs } => {
                let prev = self.previous.as_ref()?;
                let v = prev
                    .engine
                    .virtual_servers
                    .iter()
                    .position(|v| &v.name == vs)?;
                let r = prev.engine.virtual_servers[v]
                    .real_servers
                    .iter()
                    .position(|r| &r.name == rs)?;
                let id = RsId {
                    vs: u32::try_from(v).ok()?,
                    rs: u32::try_from(r).ok()?,
                };
                let script =
                    prev.rs_hooks.get(&id).and_then(|h| h.down.clone());
                let line = format!("RS {rs} {vs} {}\n", state(false));
                Some((
                    NotifyKey::Rs(vs.clone(), rs.clone()),
                    line,
                    script.into_iter().collect(),
                ))
            }
            Notify::RemovedQuorumDown { ref vs } => {
                let prev = self.previous.as_ref()?;
                let v = prev
                    .engine
                    .virtual_servers
                    .iter()
                    .position(|v| &v.name == vs)?;
                let script = prev.vs_hooks.get(v).and_then(|h| h.down.clone());
                let line = format!("VS {vs} {}\n", state(false));
                Some((
                    NotifyKey::Vs(vs.clone()),
                    line,
                    script.into_iter().collect(),
                ))
            }
        }
    }

    fn names(&self, id: RsId) -> Option<(String, String)> {
        let vs = self.plan.engine.virtual_servers.get(id.vs as usize)?;
        let rs = vs.real_servers.get(id.rs as usize)?;
        Some((vs.name.clone(), rs.name.clone()))
    }
}

fn state(up: bool) -> &'static str {
    if up { "UP" } else { "DOWN" }
}

/// A log line of the engine, under the checkers' syslog ident.
fn log(level: LogLevel, message: &str) {
    match level {
        LogLevel::Info => tracing::info!(target: target::CHECK, "{message}"),
        LogLevel::Warning => tracing::warn!(target: target::CHECK, "{message}"),
        LogLevel::Error => tracing::error!(target: target::CHECK, "{message}"),
    }
}

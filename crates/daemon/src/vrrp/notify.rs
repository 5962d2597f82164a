//! VRRP's notify hooks: which scripts and FIFO line a transition
//! means, run through the shared ordered queues ([`crate::core::notify`]).
//!
//! For one transition the state script (`notify_master` …) runs first,
//! then the generic `notify` with keepalived's four extra arguments
//! `INSTANCE|GROUP name STATE priority`; each instance and sync group has
//! its own queue.

use std::collections::HashMap;
use std::time::Duration;

use ka_sys::script::ScriptSpec;
use ka_vrrp::{Notification, NotifyKind, NotifyState};

use crate::core::fifo::Fifo;
use crate::core::framework::Framework;
use crate::core::notify::Queues;
use crate::vrrp::mail::Alerts;

/// The hooks configured for one instance or sync group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hooks {
    /// `notify_master`.
    pub master: Option<ScriptSpec>,
    /// `notify_backup`.
    pub backup: Option<ScriptSpec>,
    /// `notify_fault`.
    pub fault: Option<ScriptSpec>,
    /// `notify_stop`.
    pub stop: Option<ScriptSpec>,
    /// `notify_deleted`.
    pub deleted: Option<ScriptSpec>,
    /// `notify_master_rx_lower_pri`.
    pub master_rx_lower_pri: Option<ScriptSpec>,
    /// `notify`: gets `INSTANCE|GROUP name STATE priority` appended.
    pub generic: Option<ScriptSpec>,
}

impl Hooks {
    /// The scripts one notification runs, in order.
    pub fn scripts_for(&self, n: &Notification) -> Vec<ScriptSpec> {
        let specific = match n.state {
            NotifyState::Master => self.master.as_ref(),
            NotifyState::Backup => self.backup.as_ref(),
            NotifyState::Fault => self.fault.as_ref(),
            NotifyState::Stop => self.stop.as_ref(),
            NotifyState::Deleted => self.deleted.as_ref(),
            NotifyState::MasterRxLowerPri => self.master_rx_lower_pri.as_ref(),
            // keepalived compat: priority changes go to the FIFO only.
            NotifyState::MasterPriority | NotifyState::BackupPriority => None,
        };
        let mut out: Vec<ScriptSpec> = specific.cloned().into_iter().collect();
        let generic_fires = !matches!(
            n.state,
            NotifyState::MasterRxLowerPri
                | NotifyState::MasterPriority
                | NotifyState::BackupPriority
        );
        if let (Some(g), true) = (&self.generic, generic_fires) {
            let mut g = g.clone();
            g.argv.extend([
                kind_word(n.kind).to_owned(),
                n.name.clone(),
                n.state.as_str().to_owned(),
                n.priority.to_string(),
            ]);
            out.push(g);
        }
        out
    }
}

/// `INSTANCE` or `GROUP`.
pub fn kind_word(k: NotifyKind) -> &'static str {
    match k {
        NotifyKind::Instance => "INSTANCE",
        NotifyKind::Group => "GROUP",
    }
}

/// The FIFO line keepalived writes: `INSTANCE "VI_1" MASTER 100`.
pub fn fifo_line(n: &Notification) -> String {
    format!(
        "{} \"{}\" {} {}\n",
        kind_word(n.kind),
        n.name,
        n.state.as_str(),
        n.priority
    )
}

/// Runs VRRP's notify hooks; one per runtime.
#[derive(Debug)]
pub struct Notifier {
    hooks: HashMap<(bool, String), Hooks>,
    queues: Queues<(bool, String)>,
    /// SMTP alerts; kept across [`Self::reconfigure`].
    alerts: Alerts,
}

impl Notifier {
    /// A notifier with hooks per instance (`false`) or group (`true`) name,
    /// and the FIFO if one is configured and could be opened.
    pub fn new(
        hooks: HashMap<(bool, String), Hooks>,
        fifo: Option<Fifo>,
    ) -> Self {
        Self {
            hooks,
            queues: Queues::new(Framework::Vrrp, fifo),
            alerts: Alerts::default(),
        }
    }

    /// Replaces the hooks and FIFO with those of `config`'s plan; the
    /// mail sender and its last states are kept.
    pub fn reconfigure(
        &mut self,
        hooks: HashMap<(bool, String), Hooks>,
        fifo: impl FnOnce() -> Option<Fifo>,
        config: &ka_config::Config,
    ) {
        let mut alerts = std::mem::take(&mut self.alerts);
        // keepalived compat: the old FIFO is closed (and its reader
        // stopped) before the new one is opened, so one reader runs.
        *self = Self::new(HashMap::new(), None);
        *self = Self::new(hooks, fifo());
        alerts.configure(config);
        self.alerts = alerts;
    }

    /// Handles one notification: FIFO line now, scripts queued in order.
    /// Must be called inside a tokio runtime.
    pub fn notify(&mut self, n: &Notification) {
        let _ = self.enqueue(n);
    }

    /// Like [`Self::notify`], then waits until this notification's scripts
    /// have finished, at most `limit` (keepalived waits up to 1 s for
    /// `notify_stop` at shutdown).
    pub async fn notify_and_wait(&mut self, n: &Notification, limit: Duration) {
        if let Some(done) = self.enqueue(n) {
            let _ = tokio::time::timeout(limit, done).await;
        }
    }

    /// Writes `line` to the FIFOs only (keepalived `notify_*_fifo`).
    pub fn fifo_line(&mut self, line: &str) {
        self.queues.fifo_line(line);
    }

    fn enqueue(
        &mut self,
        n: &Notification,
    ) -> Option<tokio::sync::oneshot::Receiver<()>> {
        let key = (matches!(n.kind, NotifyKind::Group), n.name.clone());
        let scripts = self
            .hooks
            .get(&key)
            .map(|h| h.scripts_for(n))
            .unwrap_or_default();
        let label = n.name.clone();
        self.alerts.notify(n);
        self.queues.push(key, &label, &fifo_line(n), scripts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(state: NotifyState) -> Notification {
        Notification {
            kind: NotifyKind::Instance,
            name: "VI_1".into(),
            state,
            priority: 100,
        }
    }

    fn spec(argv: &[&str]) -> ScriptSpec {
        ScriptSpec {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            uid: None,
            gid: None,
            timeout: None,
        }
    }

    #[test]
    fn fifo_line_is_keepalived_format() {
        assert_eq!(
            fifo_line(&n(NotifyState::Master)),
            "INSTANCE \"VI_1\" MASTER 100\n"
        );
        let g = Notification {
            kind: NotifyKind::Group,
            name: "G".into(),
            state: NotifyState::Backup,
            priority: 0,
        };
        assert_eq!(fifo_line(&g), "GROUP \"G\" BACKUP 0\n");
    }

    #[test]
    fn state_script_then_generic_with_four_arguments() {
        let hooks = Hooks {
            master: Some(spec(&["/m.sh", "x"])),
            generic: Some(spec(&["/n.sh"])),
            ..Hooks::default()
        };
        let s = hooks.scripts_for(&n(NotifyState::Master));
        assert_eq!(s[0].argv, ["/m.sh", "x"]);
        assert_eq!(s[1].argv, ["/n.sh", "INSTANCE", "VI_1", "MASTER", "100"]);
        assert!(
            hooks
                .scripts_for(&n(NotifyState::MasterPriority))
                .is_empty()
        );
        assert_eq!(hooks.scripts_for(&n(NotifyState::Backup)).len(), 1);
    }

    #[test]
    fn scripts_of_one_instance_run_in_transition_order() {
        let dir = std::env::temp_dir()
            .join(format!("ka-notify-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("order");
        // The MASTER script is slow; BACKUP must still come after it.
        let m = format!("sleep 0.3; echo MASTER >> {}", out.display());
        let b = format!("echo BACKUP >> {}", out.display());
        let hooks = Hooks {
            master: Some(spec(&["sh", "-c", &m])),
            backup: Some(spec(&["sh", "-c", &b])),
            ..Hooks::default()
        };
        let mut map = HashMap::new();
        map.insert((false, "VI_1".to_string()), hooks);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut notifier = Notifier::new(map, None);
            notifier.notify(&n(NotifyState::Master));
            notifier
                .notify_and_wait(
                    &n(NotifyState::Backup),
                    Duration::from_secs(10),
                )
                .await;
        });
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "MASTER\nBACKUP\n");
        std::fs::remove_dir_all(dir).unwrap();
    }
}

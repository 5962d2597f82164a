//! VRRP's SMTP alerts (keepalived's `vrrp_smtp_notifier` and
//! `vrrp_sync_smtp_notifier`): a mail when an instance or sync group
//! with `smtp_alert` enters MASTER, BACKUP or FAULT, stops, or is
//! deleted by a reload.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use ka_config::Config;
use ka_vrrp::{Notification, NotifyKind, NotifyState};

use crate::core::framework::Framework;
use crate::core::smtp::{Mail, Mailer, SmtpConfig};

/// Key of an instance (`false`) or sync group (`true`) by name.
type Key = (bool, String);

/// The VRRP runtime's mail sender and who asked for mail.
#[derive(Debug)]
pub struct Alerts {
    mailer: Mailer,
    cfg: Option<Arc<SmtpConfig>>,
    on: HashSet<Key>,
    /// `no_email_faults`: no mail on entering FAULT.
    no_faults: bool,
    /// keepalived compat (`last_email_state`): one mail per state change.
    last: HashMap<Key, NotifyState>,
}

impl Default for Alerts {
    fn default() -> Self {
        Self {
            mailer: Mailer::new(Framework::Vrrp),
            cfg: None,
            on: HashSet::new(),
            no_faults: false,
            last: HashMap::new(),
        }
    }
}

impl Alerts {
    /// Takes the settings of a (re)loaded configuration. Instances and
    /// groups it no longer has keep their setting for their `Deleted`
    /// mail.
    pub fn configure(&mut self, config: &Config) {
        let g = &config.global;
        self.cfg = SmtpConfig::from_host(g).map(Arc::new);
        self.no_faults = g.no_email_faults;
        let v = &config.vrrp;
        let present: HashSet<Key> = v
            .instances
            .iter()
            .map(|i| (false, i.name.clone()))
            .chain(v.sync_groups.iter().map(|s| (true, s.name.clone())))
            .collect();
        self.on.retain(|k| !present.contains(k));
        // ka-config fills the instance's smtp_alert from the globals.
        let inst = v.instances.iter().filter(|i| i.smtp_alert == Some(true));
        self.on.extend(inst.map(|i| (false, i.name.clone())));
        // keepalived compat: a sync group's smtp_alert defaults like an
        // instance's (smtp_alert_vrrp, else smtp_alert).
        let groups = v.sync_groups.iter().filter(|s| {
            s.smtp_alert.or(g.smtp_alert_vrrp).or(g.smtp_alert) == Some(true)
        });
        self.on.extend(groups.map(|s| (true, s.name.clone())));
    }

    /// Mails `n` if its instance or group asked for mail and its state
    /// changed since the last mail. Never waits.
    pub fn notify(&mut self, n: &Notification) {
        let Some(cfg) = &self.cfg else { return };
        let key = (matches!(n.kind, NotifyKind::Group), n.name.clone());
        if !self.on.contains(&key) || self.last.get(&key) == Some(&n.state) {
            return;
        }
        // keepalived compat: no_email_faults skips the FAULT mail, and the
        // state is not noted as mailed (vrrp_smtp_notifier,
        // vrrp_sync_smtp_notifier).
        if self.no_faults && n.state == NotifyState::Fault {
            return;
        }
        let Some(mail) = mail_for(n) else { return };
        self.last.insert(key, n.state);
        self.mailer.send(cfg, mail);
    }
}

/// keepalived's subject (after `[router_id] `) and body for `n`; `None`
/// for notifications that send no mail (priority changes).
pub fn mail_for(n: &Notification) -> Option<Mail> {
    let group = matches!(n.kind, NotifyKind::Group);
    let (what, body) = match (n.state, group) {
        (NotifyState::Master, false) => (
            "Entering MASTER state",
            "=> VRRP Instance is now owning VRRP VIPs <=",
        ),
        (NotifyState::Backup, false) => (
            "Entering BACKUP state",
            "=> VRRP Instance is no longer owning VRRP VIPs <=",
        ),
        (NotifyState::Fault, false) => (
            "Entering FAULT state",
            "=> VRRP Instance is no longer owning VRRP VIPs <=",
        ),
        (NotifyState::Stop, false) => {
            ("Stopping", "=> VRRP Instance stopping <=")
        }
        (NotifyState::Deleted, false) => {
            ("Deleted", "=> VRRP Deleted at reload <=")
        }
        (NotifyState::Master, true) => (
            "Entering MASTER state",
            "=> All VRRP group instances are now in MASTER state <=",
        ),
        (NotifyState::Backup, true) => (
            "Entering BACKUP state",
            "=> All VRRP group instances are now in BACKUP state <=",
        ),
        (NotifyState::Fault, true) => (
            "Entering FAULT state",
            "=> All VRRP group instances are now in FAULT state <=",
        ),
        (NotifyState::Stop, true) => (
            "Stopping",
            "=> All VRRP group instances are now stopping <=",
        ),
        _ => return None,
    };
    let kind = if group { "VRRP Group" } else { "VRRP Instance" };
    Some(Mail {
        subject: format!("{kind} {} - {what}", n.name),
        body: body.into(),
    })
}

#[cfg(test)]
#[path = "mail_tests.rs"]
mod tests;

//! The bus: how results produced once reach every framework that uses
//! them.
//!
//! Trackers (scripts, files, processes), BFD sessions and VRRP instances
//! (their states, for `lvs_sync_daemon`) publish neutral [`Signal`]s; each framework that asked for them gets its own
//! receiver and maps them into its engine's events (VRRP: `vrrp/bus.rs`).
//! A `track_file` read by VRRP and by a checker's FILE_CHECK is then
//! read once.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

/// One result, named as the configuration names its producer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signal {
    /// A tracking script (`vrrp_script`) finished one run.
    ScriptExited {
        /// The script's name.
        script: String,
        /// Whether it exited 0.
        success: bool,
    },
    /// A tracked file (`track_file`) holds a new value.
    FileValue {
        /// The tracker's name.
        file: String,
        /// The value read (0 when missing or empty).
        value: i64,
    },
    /// A process tracker (`vrrp_track_process`) counts a new number.
    ProcessCount {
        /// The tracker's name.
        process: String,
        /// Matching processes, after the tracker's delays.
        count: u32,
    },
    /// A BFD session (`bfd_instance`) went Up or fell (keepalived
    /// `bfd_event_send`).
    BfdState {
        /// The session's name.
        name: String,
        /// Up or not.
        up: bool,
        /// VRRP is to be told (`vrrp`, or neither `vrrp` nor `checker`).
        vrrp: bool,
        /// The checkers are to be told.
        checker: bool,
    },
    /// A VRRP instance announced a state (its instance notification):
    /// `lvs_sync_daemon` follows it.
    VrrpState {
        /// The instance's name.
        instance: String,
        /// The state it entered.
        state: VrrpState,
    },
    /// The VRRP framework carried out a reload (after the notifications
    /// of the instances it removed): the DBus interface follows the new
    /// instances.
    VrrpReloaded,
    /// A VRRP instance or sync group sent a state notification (keepalived
    /// `send_instance_notifies` / `send_group_notifies`): SNMP traps and
    /// DBus `VrrpStatusChange` follow every one, STOP and DELETED
    /// included.
    VrrpNotify {
        /// A sync group's (`true`) or an instance's.
        group: bool,
        /// Its name.
        name: String,
        /// The state notified.
        state: NotifyState,
    },
}

/// The states a VRRP notification announces (keepalived's
/// `VRRP_STATE_*` words a notify script receives).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotifyState {
    /// BACKUP.
    Backup,
    /// MASTER.
    Master,
    /// FAULT.
    Fault,
    /// STOP (shutdown).
    Stop,
    /// DELETED (removed by a reload, with `notify_deleted`).
    Deleted,
}

/// The states a VRRP instance announces that others follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VrrpState {
    /// MASTER.
    Master,
    /// BACKUP.
    Backup,
    /// FAULT.
    Fault,
}

/// What [`Bus::subscribe`] gives: every signal published from then on.
pub type Subscription = UnboundedReceiver<Signal>;

/// A handle on the bus; clones publish to and subscribe on the same one.
#[derive(Clone, Debug, Default)]
pub struct Bus {
    subscribers: Arc<Mutex<Vec<UnboundedSender<Signal>>>>,
}

impl Bus {
    /// A new receiver of every signal published from now on.
    pub fn subscribe(&self) -> UnboundedReceiver<Signal> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.lock().push(tx);
        rx
    }

    /// Sends `signal` to every subscriber; `false` when none is left (a
    /// producer can then stop).
    pub fn publish(&self, signal: &Signal) -> bool {
        let mut subs = self.lock();
        subs.retain(|s| s.send(signal.clone()).is_ok());
        !subs.is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<UnboundedSender<Signal>>> {
        // A panic while holding the lock leaves the list intact.
        self.subscribers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
#[path = "bus_tests.rs"]
mod tests;

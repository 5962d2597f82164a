//! State changes counted by target state and reason, for the metrics
//! endpoint (`keepalived_vrrp_transitions_total{to, reason}`). keepalived
//! keeps only `become_master` / `release_master`; this table is ours.

use serde::{Deserialize, Serialize};

use crate::instance::State;

/// Why an instance changed state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[derive(Serialize, Deserialize)]
pub enum TransitionReason {
    /// Leaving INIT at startup (or after a reload).
    Init,
    /// The Master_Down_Timer fired (RFC 5798 §6.4.2), or an address owner
    /// took over at once.
    MasterDown,
    /// A MASTER heard a higher priority (or equal priority, higher
    /// address) advert (RFC 5798 §6.4.3).
    HigherPriority,
    /// A tracked object failed (keepalived `down_instance`).
    Fault,
    /// The instance's sync group moved it.
    SyncGroup,
    /// Every tracked object is up again (keepalived
    /// `try_up_instance`).
    FaultCleared,
    /// The process is stopping.
    Shutdown,
}

impl TransitionReason {
    /// Every reason, in a fixed order (the table's columns).
    pub const ALL: [Self; 7] = [
        Self::Init,
        Self::MasterDown,
        Self::HigherPriority,
        Self::Fault,
        Self::SyncGroup,
        Self::FaultCleared,
        Self::Shutdown,
    ];

    /// The metric label value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Init => "init",
            Self::MasterDown => "master_down_timer",
            Self::HigherPriority => "higher_priority",
            Self::Fault => "fault",
            Self::SyncGroup => "sync_group",
            Self::FaultCleared => "fault_cleared",
            Self::Shutdown => "shutdown",
        }
    }
}

/// The states an instance can enter, in a fixed order (the table's rows).
const STATES: [State; 5] = [
    State::Init,
    State::Backup,
    State::Master,
    State::Fault,
    State::Stop,
];

/// Transitions counted per (target state, reason): a fixed table, so
/// counting never allocates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[derive(Serialize, Deserialize)]
pub struct Transitions {
    counts: [[u64; TransitionReason::ALL.len()]; STATES.len()],
}

impl Transitions {
    /// Counts one change into `to` for `why`.
    pub fn count(&mut self, to: State, why: TransitionReason) {
        let row = STATES.iter().position(|s| *s == to);
        let col = TransitionReason::ALL.iter().position(|r| *r == why);
        if let (Some(r), Some(c)) = (row, col) {
            self.counts[r][c] += 1;
        }
    }

    /// How many changes into `to` for `why`.
    pub fn get(&self, to: State, why: TransitionReason) -> u64 {
        self.iter()
            .find(|(s, r, _)| *s == to && *r == why)
            .map_or(0, |(_, _, n)| n)
    }

    /// Every (target state, reason, count) with a non-zero count.
    pub fn iter(
        &self,
    ) -> impl Iterator<Item = (State, TransitionReason, u64)> + '_ {
        STATES.iter().zip(&self.counts).flat_map(|(s, row)| {
            TransitionReason::ALL
                .iter()
                .zip(row)
                .filter(|(_, n)| **n > 0)
                .map(|(r, n)| (*s, *r, *n))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_state_and_reason() {
        let mut t = Transitions::default();
        t.count(State::Master, TransitionReason::MasterDown);
        t.count(State::Master, TransitionReason::MasterDown);
        t.count(State::Backup, TransitionReason::HigherPriority);
        assert_eq!(t.get(State::Master, TransitionReason::MasterDown), 2);
        assert_eq!(t.get(State::Backup, TransitionReason::HigherPriority), 1);
        assert_eq!(t.get(State::Backup, TransitionReason::MasterDown), 0);
        let all: Vec<_> = t.iter().collect();
        assert_eq!(
            all,
            vec![
                (State::Backup, TransitionReason::HigherPriority, 1),
                (State::Master, TransitionReason::MasterDown, 2),
            ]
        );
    }
}

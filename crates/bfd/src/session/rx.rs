//! A valid control packet for this session (RFC 5880 §6.8.6, in the
//! order of keepalived's `bfd_handle_packet`). The checks that need no
//! session are the wire crate's; the lookup, GTSM and A-bit checks are
//! the engine's.

use std::time::Duration;

use ka_wire::bfd::{Diag, Repr, State};

use super::{Ctx, Session};
use crate::event::LogLevel;

/// What the state machine does with a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Transition {
    Stay,
    Down(Diag),
    Init,
    Up,
}

/// RFC 5880 §6.8.6's state table (and keepalived's), as one match:
/// local state × received state.
fn transition(local: State, remote: State) -> Transition {
    match (local, remote) {
        // Packets are discarded while AdminDown (the engine checks).
        (State::AdminDown, _) => Transition::Stay,
        // "If received state is AdminDown: if bfd.SessionState is not
        // Down, set bfd.LocalDiag to 3 and bfd.SessionState to Down."
        (State::Init | State::Up, State::AdminDown) => {
            Transition::Down(Diag::NeighborSignaledDown)
        }
        (State::Down, State::AdminDown) => Transition::Stay,
        // "If bfd.SessionState is Down: if received State is Down, set
        // bfd.SessionState to Init; else if received State is Init, set
        // bfd.SessionState to Up."
        (State::Down, State::Down) => Transition::Init,
        (State::Down, State::Init) => Transition::Up,
        (State::Down, State::Up) => Transition::Stay,
        // "Else if bfd.SessionState is Init: if received State is Init
        // or Up, set bfd.SessionState to Up."
        (State::Init, State::Init | State::Up) => Transition::Up,
        (State::Init, State::Down) => Transition::Stay,
        // "Else (bfd.SessionState is Up): if received State is Down, set
        // bfd.LocalDiag to 3 and bfd.SessionState to Down."
        (State::Up, State::Down) => {
            Transition::Down(Diag::NeighborSignaledDown)
        }
        (State::Up, State::Init | State::Up) => Transition::Stay,
    }
}

impl Session {
    /// Applies a packet that passed every check and names this session.
    pub(crate) fn receive(&mut self, r: &Repr, cx: &mut Ctx<'_>) {
        let old_local_tx = self.local_tx_intv;
        let old_detect = self.local_detect_time;
        // RFC 5880 §6.8.6: copy the peer's fields.
        self.remote_discr = r.my_discr;
        self.remote_state = r.state;
        self.remote_diag = r.diag;
        self.remote_min_rx = r.required_min_rx;
        self.remote_min_tx = r.desired_min_tx;
        self.remote_demand = r.demand;
        self.remote_detect_mult = r.detect_mult;
        // RFC 5880 §6.5: a Final ends our Poll Sequence.
        if r.final_ {
            self.poll = false;
        }
        // RFC 5880 §6.8.3: timers change when Up only at the end of a
        // poll sequence (P or F); otherwise at every packet.
        if self.local_state != State::Up || r.poll || r.final_ {
            if self.remote_state == State::Up
                && matches!(self.local_state, State::Init | State::Up)
            {
                self.update_local_tx_intv();
            } else {
                self.idle_local_tx_intv();
            }
            self.update_remote_tx_intv();
        }
        // RFC 5880 §6.8.4: Detection Time in asynchronous mode is the
        // remote Detect Mult × the agreed remote transmit interval.
        self.local_detect_time =
            u64::from(self.remote_detect_mult) * u64::from(self.remote_tx_intv);
        self.remote_detect_time =
            u64::from(self.cfg.multiplier) * u64::from(self.local_tx_intv);
        // RFC 5880 §6.8.7: a faster rate takes effect at once.
        if self.local_tx_intv < old_local_tx && self.tx_at.is_some() {
            self.schedule_tx(cx);
        }
        if self.local_detect_time != old_detect {
            let pad = self.cfg.name.len() + 2;
            cx.log(
                LogLevel::Info,
                format!(
                    "{:pad$} Detection time is {} us (was {} us)",
                    "", self.local_detect_time, old_detect
                ),
            );
        }
        match transition(self.local_state, self.remote_state) {
            Transition::Stay => {}
            Transition::Down(diag) => self.state_down(diag, cx),
            Transition::Init => self.state_init(cx),
            Transition::Up => self.state_up(cx),
        }
        self.after_transition(r, cx);
    }

    /// Demand, Poll and the detection timer, after the state change.
    fn after_transition(&mut self, r: &Repr, cx: &mut Ctx<'_>) {
        let both_up =
            self.local_state == State::Up && self.remote_state == State::Up;
        // RFC 5880 §6.8.7: the peer in Demand mode with both Up: stop
        // periodic packets (keepalived honours remote demand only so).
        if self.remote_demand && both_up {
            self.tx_at = None;
        } else if self.tx_at.is_none() {
            // keepalived compat: hearing the peer starts a passive
            // session's sender too.
            self.schedule_tx(cx);
        }
        // RFC 5880 §6.5: a Poll is answered at once with F.
        if r.poll {
            self.final_ = true;
            self.send(cx);
        }
        self.last_seen = Some(cx.now);
        // RFC 5880 §6.8.4: the detection timer restarts on each packet.
        // keepalived compat: keepalived restarts it only while Up (in
        // Init it runs from entering Init); we restart it in Init too,
        // as the RFC says.
        if self.expire_at.is_some() {
            self.expire_at =
                Some(cx.now + Duration::from_micros(self.local_detect_time));
        }
    }
}

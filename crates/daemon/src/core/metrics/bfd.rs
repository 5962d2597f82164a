//! BFD metrics: per session state, falls to Down and the negotiated
//! intervals (keepalived's `dump_bfd` fields).

use std::fmt;

use ka_bfd::{SessionSnapshot, Snapshot};
use ka_wire::bfd::State;

use super::{Labels, Writer, flag, seconds_us};

/// Every state a `state` label takes (RFC 5880 §4.1, keepalived's
/// words).
const STATES: [State; 4] =
    [State::AdminDown, State::Down, State::Init, State::Up];

/// Writes the BFD families.
pub(super) fn write(w: &mut Writer<'_>, s: &Snapshot) -> fmt::Result {
    let sessions: Vec<(Labels, &SessionSnapshot)> = s
        .sessions
        .iter()
        .map(|x| {
            let l = vec![
                ("session", x.name.clone()),
                ("neighbor", x.neighbor.to_string()),
            ];
            (l, x)
        })
        .collect();
    let secs = |f: &dyn Fn(&SessionSnapshot) -> u64| {
        sessions
            .iter()
            .map(|(l, x)| (l.clone(), seconds_us(f(x))))
            .collect::<Vec<_>>()
    };
    w.gauge(
        "keepalived_bfd_session_state",
        "1 for the session's local state (bfd.SessionState), 0 for the \
         others.",
        sessions
            .iter()
            .flat_map(|(l, x)| {
                STATES.iter().map(move |st| {
                    let mut l = l.clone();
                    l.push(("state", st.as_str().to_owned()));
                    (l, flag(x.local_state == *st))
                })
            })
            .collect(),
    )?;
    w.counter(
        "keepalived_bfd_session_down_events",
        "Falls from Up to Down (detection time expired, or the peer went \
         Down).",
        sessions
            .iter()
            .map(|(l, x)| (l.clone(), x.down_events))
            .collect(),
    )?;
    w.gauge(
        "keepalived_bfd_session_tx_interval_seconds",
        "Our transmit interval before jitter (local_tx_intv).",
        secs(&|x| u64::from(x.local_tx_intv)),
    )?;
    w.gauge(
        "keepalived_bfd_session_remote_tx_interval_seconds",
        "The peer's transmit interval as agreed (remote_tx_intv).",
        secs(&|x| u64::from(x.remote_tx_intv)),
    )?;
    w.gauge(
        "keepalived_bfd_session_remote_min_rx_interval_seconds",
        "bfd.RemoteMinRxInterval.",
        secs(&|x| u64::from(x.remote_min_rx)),
    )?;
    w.gauge(
        "keepalived_bfd_session_detection_time_seconds",
        "Our detection time (local_detect_time).",
        secs(&|x| x.local_detect_time),
    )?;
    w.gauge(
        "keepalived_bfd_session_remote_detect_multiplier",
        "The peer's Detect Mult.",
        sessions
            .iter()
            .map(|(l, x)| (l.clone(), i64::from(x.remote_detect_mult)))
            .collect(),
    )
}

//! One AgentX session (RFC 2741 §7.1): Open, Register each enabled MIB
//! part, then answer the master's requests and send notifications until
//! the connection ends or the process stops.

use std::time::{Duration, Instant, SystemTime};

use ka_agentx::{CloseReason, MibView, Oid, Pdu, Value, VarBind};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::oneshot;

use super::conn::{ANSWER_WAIT, Conn, ConnError, response_error};
use super::traps::{self, Notification, TrapFacts};
use super::{Settings, errors::ErrorLog, mib};
use crate::core::bus::{NotifyState, Signal};
use crate::core::operator::Operator;
use crate::vrrp::dump::read_interfaces;

/// keepalived compat: net-snmp's subagent identity, which keepalived
/// opens with (`version_sysoid`, Linux: NET-SNMP-TC netSnmpAgentOIDs.10).
const AGENT_ID: [u32; 10] = [1, 3, 6, 1, 4, 1, 8072, 3, 2, 10];

/// keepalived pings the master every 2 minutes ("pinging can block
/// keepalived"); a master that does not answer ends the session.
const PING_EVERY: Duration = Duration::from_secs(120);

/// A view answers the requests of one walk; a state notification or
/// this age makes the next request build a new one.
const VIEW_TTL: Duration = Duration::from_secs(1);

/// How a session ended.
pub(crate) enum End {
    /// The process is stopping (Close sent).
    Stopped,
    /// The master went away or misbehaved.
    Lost(String),
}

/// The state the agent keeps across sessions.
pub(crate) struct Shared {
    pub op: Operator,
    pub settings: Settings,
    pub facts: TrapFacts,
    pub errors: ErrorLog,
    /// When the subagent started (sysUpTime of our notifications,
    /// keepalived `snmp_vrrp_start_time`).
    pub start: SystemTime,
}

/// The MIB parts to register: (subtree, keepalived's module name).
fn regions(s: &Settings) -> Vec<(Oid, &'static str)> {
    let p = s.parts;
    [
        (p.global, mib::global_oid(), "Keepalived"),
        (p.vrrp, mib::vrrp_oid(), "KEEPALIVED-VRRP"),
        (p.rfcv2, mib::rfc2787_oid(), "VRRP"),
        (p.rfcv3, mib::rfc6527_oid(), "VRRPV3"),
    ]
    .into_iter()
    .filter(|(on, _, _)| *on)
    .map(|(_, oid, name)| (oid, name))
    .collect()
}

/// §7.1.1 Open, §7.1.5 Register and §7.1.7 AddAgentCaps (keepalived
/// `snmp_register_mib` adds a sysORTable row per module).
pub(crate) async fn open(
    conn: &mut Conn,
    sh: &Shared,
) -> Result<(), ConnError> {
    let answer = conn
        .request(Pdu::Open {
            timeout: 1,
            id: Oid::new(&AGENT_ID),
            descr: format!(
                "keepalived-rs {} AgentX sub-agent",
                env!("CARGO_PKG_VERSION")
            )
            .into_bytes(),
        })
        .await?;
    if let Some(e) = response_error(&answer) {
        return Err(ConnError::Refused(format!(
            "the master refused Open (error {})",
            e.0
        )));
    }
    conn.session_id = answer.session_id;
    for (oid, name) in regions(&sh.settings) {
        let reg = Pdu::Register {
            timeout: 0,
            priority: 127,
            range_subid: 0,
            subtree: oid.clone(),
            upper_bound: None,
        };
        let a = conn.request(reg).await?;
        if response_error(&a).is_some() {
            tracing::warn!(target: super::TARGET, "Unable to register {name} MIB");
            continue;
        }
        let caps = Pdu::AddAgentCaps {
            id: oid,
            descr: format!("The MIB module for {name}").into_bytes(),
        };
        conn.request(caps).await?;
    }
    Ok(())
}

/// Serves until the connection ends or `stop` fires.
pub(crate) async fn serve(
    conn: &mut Conn,
    sh: &mut Shared,
    signals: &mut UnboundedReceiver<Signal>,
    stop: &mut oneshot::Receiver<()>,
) -> End {
    // Signals queued while connecting (the first states at start) are
    // read below and sent now.
    let mut view: Option<(Instant, MibView)> = None;
    let mut ping = tokio::time::interval_at(
        tokio::time::Instant::now() + PING_EVERY,
        PING_EVERY,
    );
    let mut awaiting_ping: Option<(u32, tokio::time::Instant)> = None;
    loop {
        let ping_deadline = awaiting_ping.map(|(_, d)| d);
        tokio::select! {
            _ = &mut *stop => {
                drain(conn, sh, signals).await;
                let _ = conn.send(Pdu::Close { reason: CloseReason::SHUTDOWN }).await;
                return End::Stopped;
            }
            Some(sig) = signals.recv() => {
                view = None;
                if let Err(e) = on_signal(conn, sh, sig).await {
                    return End::Lost(e.to_string());
                }
            }
            frame = conn.read() => {
                let frame = match frame {
                    Ok(f) => f,
                    Err(e) => return End::Lost(e.to_string()),
                };
                match on_frame(conn, sh, frame, &mut view, &mut awaiting_ping).await {
                    Ok(true) => {}
                    Ok(false) => return End::Lost("the master closed the session".into()),
                    Err(e) => return End::Lost(e.to_string()),
                }
            }
            _ = ping.tick() => {
                match conn.send(Pdu::Ping).await {
                    Ok(id) => awaiting_ping = Some((id, tokio::time::Instant::now() + ANSWER_WAIT)),
                    Err(e) => return End::Lost(e.to_string()),
                }
            }
            () = sleep_until(ping_deadline) => {
                tracing::warn!(target: super::TARGET, "AgentX master agent failed to respond to ping.  Attempting to re-register.");
                return End::Lost("no answer to ping".into());
            }
        }
    }
}

async fn sleep_until(d: Option<tokio::time::Instant>) {
    match d {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// Sends what the signals still queued ask for (the STOP notifications
/// at shutdown).
async fn drain(
    conn: &mut Conn,
    sh: &mut Shared,
    signals: &mut UnboundedReceiver<Signal>,
) {
    while let Ok(sig) = signals.try_recv() {
        if on_signal(conn, sh, sig).await.is_err() {
            return;
        }
    }
}

/// The notifications a bus signal asks for (only VRRP state
/// notifications do, and only with `enable_traps`).
pub(crate) async fn notifications(
    sh: &mut Shared,
    sig: Signal,
) -> Vec<Notification> {
    let Signal::VrrpNotify { group, name, state } = sig else {
        return Vec::new();
    };
    if !sh.settings.traps {
        return Vec::new();
    }
    // A MASTER notification reports counters the facts may not have yet;
    // other states need only what the facts hold (and at shutdown the
    // process answers no status any more).
    if state == NotifyState::Master
        || !sh.facts.knows(if group { "" } else { &name })
    {
        refresh_facts(sh).await;
    }
    let out = traps::build(&sh.facts, sh.settings.parts, group, &name, state);
    if sh.settings.detail {
        for (oid, vbs) in &out {
            let what = trap_name(oid, vbs);
            if group {
                tracing::info!(target: super::TARGET, "VRRP_Group({name}): Sending SNMP notification{what}");
            } else {
                tracing::info!(target: super::TARGET, "({name}) Sending SNMP notification{what}");
            }
        }
    }
    out
}

/// keepalived's log suffix for the RFC notifications.
fn trap_name(oid: &Oid, vbs: &[VarBind]) -> String {
    if oid.starts_with(&mib::rfc2787_oid()) {
        " vrrpTrapNewMaster".into()
    } else if oid.starts_with(&mib::rfc6527_oid()) {
        let reason = match vbs.last().map(|v| &v.value) {
            Some(Value::Integer(r)) => *r,
            _ => 0,
        };
        format!(" vrrpv3NotifyNewMaster, reason {reason}")
    } else {
        String::new()
    }
}

/// Updates the facts from a fresh status; keeps the last ones when the
/// process is stopping (no status any more).
async fn refresh_facts(sh: &mut Shared) {
    let ask = tokio::time::timeout(ANSWER_WAIT, sh.op.status());
    if let Ok(Some(status)) = ask.await {
        sh.facts
            .update(&status, &read_interfaces(), SystemTime::now());
    }
}

async fn on_signal(
    conn: &mut Conn,
    sh: &mut Shared,
    sig: Signal,
) -> std::io::Result<()> {
    for (oid, vbs) in notifications(sh, sig).await {
        notify(conn, sh, oid, vbs).await?;
    }
    Ok(())
}

/// §7.1.10 Notify: sysUpTime.0, snmpTrapOID.0, then the objects.
async fn notify(
    conn: &mut Conn,
    sh: &Shared,
    oid: Oid,
    vbs: Vec<VarBind>,
) -> std::io::Result<()> {
    let uptime = mib::centis(sh.start, SystemTime::now());
    let mut all = vec![
        VarBind::new(
            Oid::new(&[1, 3, 6, 1, 2, 1, 1, 3, 0]),
            Value::TimeTicks(uptime),
        ),
        VarBind::new(traps::snmp_trap_oid(), Value::ObjectIdentifier(oid)),
    ];
    all.extend(vbs);
    conn.send(Pdu::Notify { varbinds: all }).await.map(drop)
}

#[path = "session_requests.rs"]
mod requests;
use requests::on_frame;

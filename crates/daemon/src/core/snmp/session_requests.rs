//! The master's requests (RFC 2741 §7.2) and how each is answered.

use std::time::{Instant, SystemTime};

use ka_agentx::{
    DecodeError, Header, Message, MibView, Pdu, ResponseError, VarBind,
};

use super::super::conn::{Conn, ConnError, Frame};
use super::super::mib::{self, Clock};
use super::{Shared, VIEW_TTL};
use crate::vrrp::dump::read_interfaces;

/// Answers one frame; `Ok(false)` when the master closed the session.
pub(super) async fn on_frame(
    conn: &mut Conn,
    sh: &mut Shared,
    frame: Frame,
    view: &mut Option<(Instant, MibView)>,
    awaiting_ping: &mut Option<(u32, tokio::time::Instant)>,
) -> Result<bool, ConnError> {
    let m = match frame {
        Frame::Pdu(m) => m,
        Frame::Bad(h, e) => {
            parse_error(conn, sh, &h, &e).await?;
            return Ok(true);
        }
    };
    // RFC 2741 §7.2.1: we registered in the default context only (an
    // empty context, as net-snmp sends with NON_DEFAULT_CONTEXT, is it).
    let foreign = m.context.as_ref().is_some_and(|c| !c.is_empty());
    let error = match &m.pdu {
        Pdu::Get { .. }
        | Pdu::GetNext { .. }
        | Pdu::GetBulk { .. }
        | Pdu::TestSet { .. }
            if foreign =>
        {
            (ResponseError::UNSUPPORTED_CONTEXT, 0)
        }
        Pdu::Get { .. } | Pdu::GetNext { .. } | Pdu::GetBulk { .. } => {
            let v = current_view(sh, view).await;
            let varbinds = v.map_or_else(Vec::new, |v| {
                v.answer(&m.pdu).unwrap_or_default()
            });
            // No status (the process is stopping): genErr.
            let err = if v.is_some() {
                ResponseError::NONE
            } else {
                ResponseError::GEN_ERR
            };
            respond(conn, &m, err, 0, varbinds).await?;
            return Ok(true);
        }
        // keepalived lets a manager set vrrpInstanceBasePriority and
        // vrrpInstancePreempt; keepalived-rs has no SNMP SET yet and
        // refuses every set at the test phase (§7.2.4.1).
        Pdu::TestSet { varbinds } => {
            if let Some(vb) = varbinds.first() {
                sh.errors.note(format_args!(
                    "SNMP SET of {} refused: not implemented by keepalived-rs",
                    vb.name
                ));
            }
            (ResponseError::NOT_WRITABLE, 1)
        }
        // After a refused TestSet the master sends CleanupSet, which has
        // no answer (§7.2.4.4); a Commit or Undo cannot follow one.
        Pdu::CommitSet => (ResponseError(14), 0),
        Pdu::UndoSet => (ResponseError(15), 0),
        Pdu::CleanupSet => return Ok(true),
        Pdu::Ping => (ResponseError::NONE, 0),
        Pdu::Close { .. } => return Ok(false),
        Pdu::Response { .. } => {
            if awaiting_ping.is_some_and(|(id, _)| id == m.packet_id) {
                *awaiting_ping = None;
            }
            return Ok(true);
        }
        // A master does not send these to a subagent.
        other => {
            sh.errors.note(format_args!(
                "unexpected AgentX {:?} PDU from the master",
                other.pdu_type()
            ));
            (ResponseError::PROCESSING_ERROR, 0)
        }
    };
    respond(conn, &m, error.0, error.1, Vec::new()).await?;
    Ok(true)
}

/// §7.2.2: a body that does not parse is answered with parseError.
async fn parse_error(
    conn: &mut Conn,
    sh: &mut Shared,
    h: &Header,
    e: &DecodeError,
) -> Result<(), ConnError> {
    sh.errors.note(format_args!(
        "malformed AgentX {:?} PDU from the master: {e}",
        h.pdu_type
    ));
    let m = Message {
        session_id: h.session_id,
        transaction_id: h.transaction_id,
        packet_id: h.packet_id,
        flags: 0,
        context: None,
        pdu: Pdu::Ping,
    };
    respond(conn, &m, ResponseError::PARSE_ERROR, 0, Vec::new()).await
}

/// §6.2.16: the Response echoes the request's identifiers.
async fn respond(
    conn: &mut Conn,
    req: &Message,
    error: ResponseError,
    index: u16,
    varbinds: Vec<VarBind>,
) -> Result<(), ConnError> {
    let m = Message {
        session_id: req.session_id,
        transaction_id: req.transaction_id,
        packet_id: req.packet_id,
        flags: 0,
        context: None,
        pdu: Pdu::Response {
            sys_uptime: 0,
            error,
            index,
            varbinds,
        },
    };
    conn.write(&m).await?;
    Ok(())
}

/// The view to answer from: the cached one while young, else a new one
/// from a fresh status (`None` once the process is stopping).
async fn current_view<'a>(
    sh: &mut Shared,
    view: &'a mut Option<(Instant, MibView)>,
) -> Option<&'a MibView> {
    let fresh = view.as_ref().is_some_and(|(at, _)| at.elapsed() < VIEW_TTL);
    if !fresh {
        let status = sh.op.status().await?;
        let ifaces = read_interfaces();
        let now = SystemTime::now();
        let clock = Clock {
            now,
            snmp_start: sh.start,
            instances_start: status.started,
        };
        sh.facts.update(&status, &ifaces, now);
        *view = Some((
            Instant::now(),
            mib::build(&status, sh.settings.parts, &ifaces, clock),
        ));
    }
    view.as_ref().map(|(_, v)| v)
}

//! Encoding and decoding of each PDU body (§6.2).

use super::{CloseReason, Pdu, PduType, ResponseError, SearchRange};
use crate::codec::{Reader, Writer};
use crate::error::DecodeError;
use crate::value::VarBind;

pub(super) fn encode(pdu: &Pdu, w: &mut Writer) {
    match pdu {
        Pdu::Open { timeout, id, descr } => {
            w.u8(*timeout);
            w.u8(0);
            w.u8(0);
            w.u8(0);
            w.oid(id, false);
            w.octets(descr);
        }
        Pdu::Close { reason } => {
            w.u8(reason.0);
            w.u8(0);
            w.u8(0);
            w.u8(0);
        }
        Pdu::Register {
            timeout,
            priority,
            range_subid,
            subtree,
            upper_bound,
        } => {
            w.u8(*timeout);
            w.u8(*priority);
            w.u8(*range_subid);
            w.u8(0);
            region(w, *range_subid, subtree, *upper_bound);
        }
        Pdu::Unregister {
            priority,
            range_subid,
            subtree,
            upper_bound,
        } => {
            w.u8(0);
            w.u8(*priority);
            w.u8(*range_subid);
            w.u8(0);
            region(w, *range_subid, subtree, *upper_bound);
        }
        Pdu::Get { ranges } | Pdu::GetNext { ranges } => {
            encode_ranges(w, ranges)
        }
        Pdu::GetBulk {
            non_repeaters,
            max_repetitions,
            ranges,
        } => {
            w.u16(*non_repeaters);
            w.u16(*max_repetitions);
            encode_ranges(w, ranges);
        }
        Pdu::TestSet { varbinds }
        | Pdu::Notify { varbinds }
        | Pdu::IndexAllocate { varbinds }
        | Pdu::IndexDeallocate { varbinds } => encode_varbinds(w, varbinds),
        Pdu::CommitSet | Pdu::UndoSet | Pdu::CleanupSet | Pdu::Ping => {}
        Pdu::AddAgentCaps { id, descr } => {
            w.oid(id, false);
            w.octets(descr);
        }
        Pdu::RemoveAgentCaps { id } => w.oid(id, false),
        Pdu::Response {
            sys_uptime,
            error,
            index,
            varbinds,
        } => {
            w.u32(*sys_uptime);
            w.u16(error.0);
            w.u16(*index);
            encode_varbinds(w, varbinds);
        }
    }
}

/// §6.2.3: the subtree, then `r.upper_bound` only when `range_subid`
/// is not 0.
fn region(
    w: &mut Writer,
    range_subid: u8,
    subtree: &crate::Oid,
    ub: Option<u32>,
) {
    w.oid(subtree, false);
    if range_subid != 0 {
        w.u32(ub.unwrap_or(0));
    }
}

fn encode_ranges(w: &mut Writer, ranges: &[SearchRange]) {
    for r in ranges {
        w.oid(&r.start, r.include);
        w.oid(&r.end, false);
    }
}

fn encode_varbinds(w: &mut Writer, vbs: &[VarBind]) {
    for vb in vbs {
        vb.encode(w);
    }
}

pub(super) fn decode(
    ty: PduType,
    r: &mut Reader<'_>,
) -> Result<Pdu, DecodeError> {
    Ok(match ty {
        PduType::Open => {
            let timeout = r.u8("o.timeout")?;
            r.bytes(3, "reserved")?;
            let (id, _) = r.oid()?;
            let descr = r.octets()?;
            Pdu::Open { timeout, id, descr }
        }
        PduType::Close => {
            let reason = CloseReason(r.u8("c.reason")?);
            r.bytes(3, "reserved")?;
            Pdu::Close { reason }
        }
        PduType::Register => {
            let timeout = r.u8("r.timeout")?;
            let priority = r.u8("r.priority")?;
            let range_subid = r.u8("r.range_subid")?;
            r.u8("reserved")?;
            let (subtree, _) = r.oid()?;
            let upper_bound = upper_bound(r, range_subid)?;
            Pdu::Register {
                timeout,
                priority,
                range_subid,
                subtree,
                upper_bound,
            }
        }
        PduType::Unregister => {
            r.u8("reserved")?;
            let priority = r.u8("u.priority")?;
            let range_subid = r.u8("u.range_subid")?;
            r.u8("reserved")?;
            let (subtree, _) = r.oid()?;
            let upper_bound = upper_bound(r, range_subid)?;
            Pdu::Unregister {
                priority,
                range_subid,
                subtree,
                upper_bound,
            }
        }
        PduType::Get => Pdu::Get {
            ranges: decode_ranges(r)?,
        },
        PduType::GetNext => Pdu::GetNext {
            ranges: decode_ranges(r)?,
        },
        PduType::GetBulk => {
            let non_repeaters = r.u16("g.non_repeaters")?;
            let max_repetitions = r.u16("g.max_repetitions")?;
            Pdu::GetBulk {
                non_repeaters,
                max_repetitions,
                ranges: decode_ranges(r)?,
            }
        }
        PduType::TestSet => Pdu::TestSet {
            varbinds: decode_varbinds(r)?,
        },
        PduType::CommitSet => Pdu::CommitSet,
        PduType::UndoSet => Pdu::UndoSet,
        PduType::CleanupSet => Pdu::CleanupSet,
        PduType::Notify => Pdu::Notify {
            varbinds: decode_varbinds(r)?,
        },
        PduType::Ping => Pdu::Ping,
        PduType::IndexAllocate => Pdu::IndexAllocate {
            varbinds: decode_varbinds(r)?,
        },
        PduType::IndexDeallocate => Pdu::IndexDeallocate {
            varbinds: decode_varbinds(r)?,
        },
        PduType::AddAgentCaps => {
            let (id, _) = r.oid()?;
            let descr = r.octets()?;
            Pdu::AddAgentCaps { id, descr }
        }
        PduType::RemoveAgentCaps => Pdu::RemoveAgentCaps { id: r.oid()?.0 },
        PduType::Response => {
            let sys_uptime = r.u32("res.sysUpTime")?;
            let error = ResponseError(r.u16("res.error")?);
            let index = r.u16("res.index")?;
            Pdu::Response {
                sys_uptime,
                error,
                index,
                varbinds: decode_varbinds(r)?,
            }
        }
    })
}

fn upper_bound(
    r: &mut Reader<'_>,
    range_subid: u8,
) -> Result<Option<u32>, DecodeError> {
    Ok(if range_subid != 0 {
        Some(r.u32("upper_bound")?)
    } else {
        None
    })
}

fn decode_ranges(r: &mut Reader<'_>) -> Result<Vec<SearchRange>, DecodeError> {
    let mut v = Vec::new();
    while r.remaining() > 0 {
        let (start, include, end) = r.range()?;
        v.push(SearchRange {
            start,
            include,
            end,
        });
    }
    Ok(v)
}

fn decode_varbinds(r: &mut Reader<'_>) -> Result<Vec<VarBind>, DecodeError> {
    let mut v = Vec::new();
    while r.remaining() > 0 {
        v.push(VarBind::decode(r)?);
    }
    Ok(v)
}

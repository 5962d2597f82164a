//! PDUs (RFC 2741 §6): the header and every body.

use crate::codec::{Reader, Writer};
use crate::error::DecodeError;
use crate::oid::Oid;
use crate::value::VarBind;

/// §6.1: the header is 20 bytes.
pub const HEADER_LEN: usize = 20;

/// The largest payload accepted. §6.1 bounds nothing; net-snmp's master
/// sends PDUs of a few KiB. A bigger announced length is treated as a
/// broken stream, so a bad header cannot make us allocate gigabytes.
pub const MAX_PAYLOAD: u32 = 1 << 20;

/// §6.1 `h.flags` bits.
pub mod flags {
    /// INSTANCE_REGISTRATION.
    pub const INSTANCE_REGISTRATION: u8 = 0x01;
    /// NEW_INDEX.
    pub const NEW_INDEX: u8 = 0x02;
    /// ANY_INDEX.
    pub const ANY_INDEX: u8 = 0x04;
    /// NON_DEFAULT_CONTEXT: a context octet string starts the body.
    pub const NON_DEFAULT_CONTEXT: u8 = 0x08;
    /// NETWORK_BYTE_ORDER: integers are big-endian.
    pub const NETWORK_BYTE_ORDER: u8 = 0x10;
}

/// §6.1 `h.type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum PduType {
    /// agentx-Open-PDU.
    Open = 1,
    /// agentx-Close-PDU.
    Close = 2,
    /// agentx-Register-PDU.
    Register = 3,
    /// agentx-Unregister-PDU.
    Unregister = 4,
    /// agentx-Get-PDU.
    Get = 5,
    /// agentx-GetNext-PDU.
    GetNext = 6,
    /// agentx-GetBulk-PDU.
    GetBulk = 7,
    /// agentx-TestSet-PDU.
    TestSet = 8,
    /// agentx-CommitSet-PDU.
    CommitSet = 9,
    /// agentx-UndoSet-PDU.
    UndoSet = 10,
    /// agentx-CleanupSet-PDU.
    CleanupSet = 11,
    /// agentx-Notify-PDU.
    Notify = 12,
    /// agentx-Ping-PDU.
    Ping = 13,
    /// agentx-IndexAllocate-PDU.
    IndexAllocate = 14,
    /// agentx-IndexDeallocate-PDU.
    IndexDeallocate = 15,
    /// agentx-AddAgentCaps-PDU.
    AddAgentCaps = 16,
    /// agentx-RemoveAgentCaps-PDU.
    RemoveAgentCaps = 17,
    /// agentx-Response-PDU.
    Response = 18,
}

impl PduType {
    fn from_u8(t: u8) -> Result<Self, DecodeError> {
        use PduType::*;
        Ok(match t {
            1 => Open,
            2 => Close,
            3 => Register,
            4 => Unregister,
            5 => Get,
            6 => GetNext,
            7 => GetBulk,
            8 => TestSet,
            9 => CommitSet,
            10 => UndoSet,
            11 => CleanupSet,
            12 => Notify,
            13 => Ping,
            14 => IndexAllocate,
            15 => IndexDeallocate,
            16 => AddAgentCaps,
            17 => RemoveAgentCaps,
            18 => Response,
            t => return Err(DecodeError::UnknownType(t)),
        })
    }

    /// §6.1.1: whether the body may start with a context.
    fn has_context(self) -> bool {
        !matches!(
            self,
            Self::Open
                | Self::Close
                | Self::CommitSet
                | Self::UndoSet
                | Self::CleanupSet
                | Self::Response
        )
    }
}

/// The fixed header (§6.1), as read before the payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// `h.type`.
    pub pdu_type: PduType,
    /// `h.flags`.
    pub flags: u8,
    /// `h.sessionID`.
    pub session_id: u32,
    /// `h.transactionID`.
    pub transaction_id: u32,
    /// `h.packetID`.
    pub packet_id: u32,
    /// `h.payload_length`.
    pub payload_length: u32,
}

impl Header {
    /// Decodes the 20 header bytes. An error here means the stream is
    /// out of step and the session must be dropped.
    pub fn decode(b: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(b, false);
        let version = r.u8("h.version")?;
        let ty = r.u8("h.type")?;
        let flags = r.u8("h.flags")?;
        r.u8("reserved")?;
        if version != 1 {
            return Err(DecodeError::Version(version));
        }
        let pdu_type = PduType::from_u8(ty)?;
        let be = flags & flags::NETWORK_BYTE_ORDER != 0;
        let mut r = Reader::new(b.get(4..).unwrap_or_default(), be);
        let session_id = r.u32("h.sessionID")?;
        let transaction_id = r.u32("h.transactionID")?;
        let packet_id = r.u32("h.packetID")?;
        let payload_length = r.u32("h.payload_length")?;
        // §6.1: the payload length is always a multiple of 4.
        if payload_length % 4 != 0 || payload_length > MAX_PAYLOAD {
            return Err(DecodeError::PayloadLength(payload_length));
        }
        Ok(Self {
            pdu_type,
            flags,
            session_id,
            transaction_id,
            packet_id,
            payload_length,
        })
    }
}

/// A search range (§5.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchRange {
    /// The starting OID.
    pub start: Oid,
    /// Whether `start` itself is a candidate.
    pub include: bool,
    /// The end (exclusive); null for no bound.
    pub end: Oid,
}

/// §6.2.2 `reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CloseReason(pub u8);

impl CloseReason {
    /// reasonOther.
    pub const OTHER: Self = Self(1);
    /// reasonParseError.
    pub const PARSE_ERROR: Self = Self(2);
    /// reasonProtocolError.
    pub const PROTOCOL_ERROR: Self = Self(3);
    /// reasonTimeouts.
    pub const TIMEOUTS: Self = Self(4);
    /// reasonShutdown.
    pub const SHUTDOWN: Self = Self(5);
    /// reasonByManager.
    pub const BY_MANAGER: Self = Self(6);
}

/// §6.2.16 `res.error`: AgentX errors and the SNMP errors a subagent
/// returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseError(pub u16);

impl ResponseError {
    /// noAgentXError / noError.
    pub const NONE: Self = Self(0);
    /// genErr (RFC 3416).
    pub const GEN_ERR: Self = Self(5);
    /// notWritable (RFC 3416).
    pub const NOT_WRITABLE: Self = Self(17);
    /// openFailed.
    pub const OPEN_FAILED: Self = Self(256);
    /// notOpen.
    pub const NOT_OPEN: Self = Self(257);
    /// unsupportedContext.
    pub const UNSUPPORTED_CONTEXT: Self = Self(262);
    /// duplicateRegistration.
    pub const DUPLICATE_REGISTRATION: Self = Self(263);
    /// parseError.
    pub const PARSE_ERROR: Self = Self(266);
    /// requestDenied.
    pub const REQUEST_DENIED: Self = Self(267);
    /// processingError.
    pub const PROCESSING_ERROR: Self = Self(268);
}

/// A PDU body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pdu {
    /// §6.2.1.
    Open {
        /// Seconds the master waits for our answers (0: its default).
        timeout: u8,
        /// The subagent's identity.
        id: Oid,
        /// Its description.
        descr: Vec<u8>,
    },
    /// §6.2.2.
    Close {
        /// Why.
        reason: CloseReason,
    },
    /// §6.2.3.
    Register {
        /// Seconds the master waits for answers in this region.
        timeout: u8,
        /// Lower is preferred; 127 is the default.
        priority: u8,
        /// Which sub-identifier ranges (0: none).
        range_subid: u8,
        /// The region.
        subtree: Oid,
        /// The range's upper bound when `range_subid` is not 0.
        upper_bound: Option<u32>,
    },
    /// §6.2.4.
    Unregister {
        /// The priority it was registered with.
        priority: u8,
        /// As registered.
        range_subid: u8,
        /// The region.
        subtree: Oid,
        /// As registered.
        upper_bound: Option<u32>,
    },
    /// §6.2.5.
    Get {
        /// One range per variable.
        ranges: Vec<SearchRange>,
    },
    /// §6.2.6.
    GetNext {
        /// One range per variable.
        ranges: Vec<SearchRange>,
    },
    /// §6.2.7.
    GetBulk {
        /// Ranges answered once.
        non_repeaters: u16,
        /// Repetitions for the others.
        max_repetitions: u16,
        /// All ranges.
        ranges: Vec<SearchRange>,
    },
    /// §6.2.8.
    TestSet {
        /// The values to set.
        varbinds: Vec<VarBind>,
    },
    /// §6.2.9.
    CommitSet,
    /// §6.2.9.
    UndoSet,
    /// §6.2.9.
    CleanupSet,
    /// §6.2.10.
    Notify {
        /// sysUpTime.0 (optional), snmpTrapOID.0, then the objects.
        varbinds: Vec<VarBind>,
    },
    /// §6.2.11.
    Ping,
    /// §6.2.12.
    IndexAllocate {
        /// The indexes.
        varbinds: Vec<VarBind>,
    },
    /// §6.2.13.
    IndexDeallocate {
        /// The indexes.
        varbinds: Vec<VarBind>,
    },
    /// §6.2.14: a sysORTable row.
    AddAgentCaps {
        /// sysORID.
        id: Oid,
        /// sysORDescr.
        descr: Vec<u8>,
    },
    /// §6.2.15.
    RemoveAgentCaps {
        /// sysORID.
        id: Oid,
    },
    /// §6.2.16.
    Response {
        /// res.sysUpTime.
        sys_uptime: u32,
        /// res.error.
        error: ResponseError,
        /// res.index (1-based; 0 with no error).
        index: u16,
        /// The answers.
        varbinds: Vec<VarBind>,
    },
}

impl Pdu {
    /// The type this body is sent as.
    pub fn pdu_type(&self) -> PduType {
        match self {
            Self::Open { .. } => PduType::Open,
            Self::Close { .. } => PduType::Close,
            Self::Register { .. } => PduType::Register,
            Self::Unregister { .. } => PduType::Unregister,
            Self::Get { .. } => PduType::Get,
            Self::GetNext { .. } => PduType::GetNext,
            Self::GetBulk { .. } => PduType::GetBulk,
            Self::TestSet { .. } => PduType::TestSet,
            Self::CommitSet => PduType::CommitSet,
            Self::UndoSet => PduType::UndoSet,
            Self::CleanupSet => PduType::CleanupSet,
            Self::Notify { .. } => PduType::Notify,
            Self::Ping => PduType::Ping,
            Self::IndexAllocate { .. } => PduType::IndexAllocate,
            Self::IndexDeallocate { .. } => PduType::IndexDeallocate,
            Self::AddAgentCaps { .. } => PduType::AddAgentCaps,
            Self::RemoveAgentCaps { .. } => PduType::RemoveAgentCaps,
            Self::Response { .. } => PduType::Response,
        }
    }
}

/// A whole PDU: the header's identifiers and flags, the context, the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// `h.sessionID` (0 in Open).
    pub session_id: u32,
    /// `h.transactionID`.
    pub transaction_id: u32,
    /// `h.packetID`.
    pub packet_id: u32,
    /// INSTANCE_REGISTRATION, NEW_INDEX, ANY_INDEX; the byte-order and
    /// context flags follow from encoding and `context`.
    pub flags: u8,
    /// A non-default context (§6.1.1), for the PDUs that carry one.
    pub context: Option<Vec<u8>>,
    /// The body.
    pub pdu: Pdu,
}

#[path = "pdu_body.rs"]
mod body;

impl Message {
    /// Encodes in network byte order.
    pub fn encode(&self) -> Vec<u8> {
        let ty = self.pdu.pdu_type();
        let mut body = Writer::default();
        let context = self.context.as_ref().filter(|_| ty.has_context());
        if let Some(c) = context {
            body.octets(c);
        }
        body::encode(&self.pdu, &mut body);
        let mut flags = (self.flags & 0x07) | flags::NETWORK_BYTE_ORDER;
        if context.is_some() {
            flags |= flags::NON_DEFAULT_CONTEXT;
        }
        let mut w = Writer::default();
        w.u8(1);
        w.u8(ty as u8);
        w.u8(flags);
        w.u8(0);
        w.u32(self.session_id);
        w.u32(self.transaction_id);
        w.u32(self.packet_id);
        w.u32(u32::try_from(body.buf.len()).unwrap_or(u32::MAX));
        w.buf.extend_from_slice(&body.buf);
        w.buf
    }

    /// Decodes a whole PDU (header and exactly its payload).
    pub fn decode(b: &[u8]) -> Result<Self, DecodeError> {
        let head = b
            .get(..HEADER_LEN)
            .ok_or(DecodeError::Truncated("header"))?;
        let h = Header::decode(head)?;
        let payload = &b[HEADER_LEN..];
        if payload.len() != h.payload_length as usize {
            return Err(DecodeError::PayloadLength(h.payload_length));
        }
        Self::decode_payload(&h, payload)
    }

    /// Decodes the payload that follows header `h`.
    pub fn decode_payload(
        h: &Header,
        payload: &[u8],
    ) -> Result<Self, DecodeError> {
        let be = h.flags & flags::NETWORK_BYTE_ORDER != 0;
        let mut r = Reader::new(payload, be);
        // net-snmp compat: net-snmp writes a context into any PDU whose
        // header has NON_DEFAULT_CONTEXT, a Response included (§6.1.1
        // lists the PDUs that may carry one); the flag decides here.
        let context = if h.flags & flags::NON_DEFAULT_CONTEXT != 0 {
            Some(r.octets()?)
        } else {
            None
        };
        let pdu = body::decode(h.pdu_type, &mut r)?;
        if r.remaining() != 0 {
            return Err(DecodeError::Trailing(r.remaining()));
        }
        Ok(Self {
            session_id: h.session_id,
            transaction_id: h.transaction_id,
            packet_id: h.packet_id,
            flags: h.flags & 0x07,
            context,
            pdu,
        })
    }
}

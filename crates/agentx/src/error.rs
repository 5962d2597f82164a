//! Why a byte string is not an AgentX PDU.

/// A decoding failure (RFC 2741 §7.1.1: the receiver answers a PDU it
/// cannot parse with `parseError`, or drops the session when even the
/// header is bad).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Fewer bytes than a field needs.
    #[error("truncated PDU: {0}")]
    Truncated(&'static str),
    /// `h.version` is not 1 (§6.1).
    #[error("AgentX version {0} (only 1 is defined)")]
    Version(u8),
    /// A PDU type §6.1 does not define.
    #[error("unknown PDU type {0}")]
    UnknownType(u8),
    /// `payload_length` is not a multiple of 4 or exceeds the limit.
    #[error("bad payload length {0}")]
    PayloadLength(u32),
    /// An OID with more than 128 sub-identifiers (RFC 2578 §3.5).
    #[error("OID with {0} sub-identifiers (at most 128)")]
    OidTooLong(u8),
    /// A varbind type §5.4 does not define.
    #[error("unknown varbind type {0}")]
    UnknownValueType(u16),
    /// An octet string longer than what is left of the PDU.
    #[error("octet string of {0} bytes overruns the PDU")]
    OctetString(u32),
    /// Bytes left over after the last field.
    #[error("{0} bytes after the last field")]
    Trailing(usize),
}

//! AgentX (RFC 2741), the subagent side, without I/O.
//!
//! keepalived registers with the SNMP master agent (net-snmp's snmpd,
//! `master agentx`) as an AgentX subagent; keepalived-rs does the same.
//! This crate holds what does not touch a socket:
//!
//! * [`Message`] / [`Pdu`]: every PDU of RFC 2741 §6 (header, Open, Close,
//!   Register, Unregister, Get, GetNext, GetBulk, TestSet, CommitSet,
//!   UndoSet, CleanupSet, Notify, Ping, IndexAllocate, IndexDeallocate,
//!   AddAgentCaps, RemoveAgentCaps, Response), encoded in network byte
//!   order and decoded in either order (the header's
//!   `NETWORK_BYTE_ORDER` flag, §6.1). Decoding is total: any byte string
//!   gives a PDU or a [`DecodeError`], never a panic (a property test and
//!   the `agentx_decode` fuzz target check it).
//! * [`MibView`]: a sorted OID → [`Value`] table answering Get, GetNext
//!   and GetBulk exactly as §7.2.3 says (`noSuchObject`,
//!   `noSuchInstance`, `endOfMibView`).
//!
//! Why not a crate from crates.io: the one AgentX crate there, `agentx`
//! (0.1.1, LINBIT, two releases in September 2023 and none since), is a
//! PDU library of about 2,000 lines with no fuzz target or property test
//! and no view/lookup logic; a subagent needs only part of it plus the
//! §7.2.3 lookup rules, which are written here (small, total, tested
//! against hand-checked bytes and against net-snmp's snmpd in
//! `crates/keepalived-rs/tests/snmp.rs`).

mod codec;
mod error;
mod oid;
mod pdu;
mod value;
mod view;

pub use error::DecodeError;
pub use oid::Oid;
pub use pdu::{
    CloseReason, HEADER_LEN, Header, MAX_PAYLOAD, Message, Pdu, PduType,
    ResponseError, SearchRange, flags,
};
pub use value::{Value, VarBind};
pub use view::{MAX_BULK_VARBINDS, MibView};

#[cfg(test)]
mod tests;

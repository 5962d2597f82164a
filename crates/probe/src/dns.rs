//! DNS_CHECK: one query over UDP (check_dns.c).
//!
//! keepalived compat: the query has a random id, RD set, one question of
//! `type`/`name` in class IN. A reply counts when it is at least a header
//! long, has our id and QR set; others are ignored until the timeout.
//! It succeeds iff its RCODE is 0: the answer count is not looked at.

use hickory_proto::op::{Message, MessageType, OpCode, Query};
use hickory_proto::rr::{DNSClass, Name, RecordType};
use ka_config::model::lvs::DnsType;
use tokio::time::timeout_at;

use crate::outcome::{Reason, Verdict};
use crate::spec::{DnsSpec, Target};

/// keepalived's `DNS_BUFFER_SIZE`.
const REPLY_MAX: usize = 768;
/// A DNS header (RFC 1035 §4.1.1).
const HEADER_LEN: usize = 12;

/// The record type of a `type` keyword.
pub(crate) fn record_type(t: DnsType) -> RecordType {
    match t {
        DnsType::A => RecordType::A,
        DnsType::Ns => RecordType::NS,
        DnsType::Cname => RecordType::CNAME,
        DnsType::Soa => RecordType::SOA,
        DnsType::Mx => RecordType::MX,
        DnsType::Txt => RecordType::TXT,
        DnsType::Aaaa => RecordType::AAAA,
        DnsType::Rrsig => RecordType::RRSIG,
        DnsType::Dnskey => RecordType::DNSKEY,
    }
}

/// The query bytes with id `id`, or `None` if `name` is not a DNS name.
pub fn query(spec: &DnsSpec, id: u16) -> Option<Vec<u8>> {
    let name = if spec.name.is_empty() {
        Name::root()
    } else {
        Name::from_ascii(&spec.name).ok()?
    };
    let mut q = Query::query(name, record_type(spec.qtype));
    q.set_query_class(DNSClass::IN);
    let mut m = Message::new();
    m.set_id(id)
        .set_message_type(MessageType::Query)
        .set_op_code(OpCode::Query)
        .set_recursion_desired(true)
        .add_query(q);
    m.to_vec().ok()
}

/// Sends the query to `t` and waits for its reply.
pub(crate) async fn run(spec: &DnsSpec, t: &Target) -> Verdict {
    let id: u16 = rand::random();
    let Some(q) = query(spec, id) else {
        return Verdict::Down(Reason::DnsRcode(1));
    };
    let sock = match crate::connect::udp(t) {
        Ok(s) => s,
        Err(r) => return Verdict::Down(r),
    };
    let deadline = tokio::time::Instant::now() + t.timeout;
    if let Err(e) = sock.send(&q).await {
        return Verdict::Down(Reason::WriteFailed(e.kind()));
    }
    let mut buf = vec![0u8; REPLY_MAX];
    loop {
        // A flood of foreign replies must not outlast the timeout.
        if tokio::time::Instant::now() >= deadline {
            return Verdict::Down(Reason::ReadTimeout);
        }
        let n = match timeout_at(deadline, sock.recv(&mut buf)).await {
            Err(_) => return Verdict::Down(Reason::ReadTimeout),
            Ok(Err(e)) => return Verdict::Down(Reason::ReadFailed(e.kind())),
            Ok(Ok(n)) => n,
        };
        if let Some(v) = judge(&buf[..n], id) {
            return v;
        }
    }
}

/// The verdict on one reply, or `None` to keep waiting.
pub(crate) fn judge(reply: &[u8], id: u16) -> Option<Verdict> {
    if reply.len() < HEADER_LEN
        || u16::from_be_bytes([reply[0], reply[1]]) != id
    {
        return None;
    }
    let flags = u16::from_be_bytes([reply[2], reply[3]]);
    if flags & 0x8000 == 0 {
        return None;
    }
    // RFC 1035 §4.1.1: RCODE is the low 4 bits of the flags.
    match (flags & 0x000f) as u8 {
        0 => Some(Verdict::Up),
        rc => Some(Verdict::Down(Reason::DnsRcode(rc))),
    }
}

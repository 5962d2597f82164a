//! Fuzz the AgentX PDU decoder: decoding must never panic, and anything
//! that decodes must re-encode (in network byte order) and decode again
//! to the same message.
#![no_main]

use ka_agentx::{HEADER_LEN, Header, Message};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(head) = data.get(..HEADER_LEN) {
        if let Ok(h) = Header::decode(head) {
            let _ = Message::decode_payload(&h, &data[HEADER_LEN..]);
        }
    }
    let Ok(m) = Message::decode(data) else {
        return;
    };
    let again = Message::decode(&m.encode()).expect("re-encoded PDU decodes");
    // The context of PDUs that cannot carry one is dropped on encode.
    assert_eq!(again.pdu, m.pdu);
});

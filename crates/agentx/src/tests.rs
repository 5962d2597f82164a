//! Unit tests: every PDU against hand-checked bytes (some captured from
//! net-snmp 5.9.3 talking to keepalived 2.2.7, in host byte order), the
//! MIB view's lookup rules, and property tests (no panic on any input;
//! encode/decode round trip).

mod bytes;
mod props;
mod view;

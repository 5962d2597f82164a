//! Received VRRP packets: from the socket driver's report to an engine
//! event, as the socket delivered them (the engine decodes them).

use std::net::IpAddr;

use ka_vrrp::{Event, RxPacket};

use super::super::io::RxInput;
use super::{Io, Runtime};

impl<I: Io> Runtime<I> {
    /// Turns a received packet into an engine event, as the socket
    /// delivered it (the engine decodes it), or logs a receive error.
    pub(super) fn packet_event(&mut self, input: RxInput) -> Option<Event> {
        let r = match input {
            RxInput::Packet(r) => r,
            RxInput::Error(e) => {
                self.error(&e.to_string());
                return None;
            }
        };
        let iface = self.ifaces.name_of(r.ifindex)?.to_owned();
        let packet = match (r.src, r.dst) {
            (IpAddr::V6(src), IpAddr::V6(dst)) => RxPacket::V6 {
                src,
                dst,
                hop_limit: r.ttl,
                bytes: r.bytes,
            },
            // IPv4 sockets deliver the whole datagram, header included.
            _ => RxPacket::V4(r.bytes),
        };
        Some(Event::PacketReceived { iface, packet })
    }
}

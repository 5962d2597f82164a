//! Received VRRP packets: from the socket driver's report to an engine
//! event (IPv4 and AH headers checked and stripped).

use ka_vrrp::Event;

use super::super::io::RxInput;
use super::super::sockets::{StripError, strip_ipv4};
use super::{Io, Runtime};

impl<I: Io> Runtime<I> {
    /// Turns a received packet into an engine event (IPv4 and AH headers
    /// checked and stripped), or logs why not.
    pub(super) fn packet_event(&mut self, input: RxInput) -> Option<Event> {
        let r = match input {
            RxInput::Packet(r) => r,
            RxInput::Error(e) => {
                self.error(&e.to_string());
                return None;
            }
        };
        let iface = self.ifaces.name_of(r.ifindex)?.to_owned();
        let bytes = if r.src.is_ipv4() {
            match self.strip_v4(&iface, &r) {
                Ok(bytes) => bytes,
                Err(instance) => {
                    return instance
                        .map(|instance| Event::AuthFailed { instance });
                }
            }
        } else {
            r.bytes
        };
        Some(Event::PacketReceived {
            iface,
            src: r.src,
            dst: r.dst,
            ttl: r.ttl,
            bytes,
        })
    }

    /// Checks and strips the IPv4 (and AH) headers of a received packet.
    /// A packet that must be dropped is logged (rate-limited) and comes
    /// back as `Err`, naming the instance whose `auth_failure` counts it
    /// when it was an AH packet for one.
    fn strip_v4(
        &mut self,
        iface: &str,
        r: &ka_sys::vrrp_socket::Received,
    ) -> Result<Vec<u8>, Option<String>> {
        // Only AH packets need their instance: the one on this interface
        // with this VRID and an AH key.
        let setup = &self.setup;
        let ah_owner = |vrid: u8| {
            let i = setup.engine.instances.iter().find(|i| {
                i.vrid == vrid && i.interface.as_deref() == Some(iface)
            })?;
            let key = setup.ah_keys.get(&i.name)?;
            Some((i.name.clone(), *key))
        };
        match strip_ipv4(&r.bytes, ah_owner) {
            Ok((vrrp, None)) => Ok(vrrp.to_vec()),
            Ok((vrrp, Some((name, seq)))) => {
                if self.sockets.ah_accept(&name, seq) {
                    Ok(vrrp.to_vec())
                } else {
                    self.error(&format!(
                        "({name}) IPSEC-AH : sequence number {seq} already processed. Packet dropped."
                    ));
                    Err(Some(name))
                }
            }
            Err(StripError::Auth(name, _)) => {
                // keepalived's words for an ICV or SPI mismatch.
                self.error(&format!(
                    "({name}) IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !"
                ));
                Err(Some(name))
            }
            Err(e) => {
                self.error(&format!(
                    "dropped VRRP packet from {} on {iface}: {e:?}",
                    r.src
                ));
                Err(None)
            }
        }
    }
}

//! VRRP sockets per (interface, family), opened through an [`AdvertIo`]
//! driver, and the send path that wraps the engine's VRRP messages.
//!
//! The engine hands out VRRP messages; for IPv4 the runtime builds the IP
//! header as keepalived does (TOS 0xc0, TTL 255 or `unicast_ttl`, an IP ID
//! incremented per advert and never 0, no DF) and, for `auth_type AH`, the
//! IPsec-AH header signed with HMAC-MD5-96. On receive it checks and strips
//! those headers before the engine sees the message.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr};

use ka_sys::vrrp_socket::SocketSpec;
use ka_wire::{IPPROTO_AH, IPPROTO_VRRP, ah, ipv4};

use super::ifaces::Ifaces;
use super::io::{AdvertIo, SocketKind};
use super::rx_queue::RxSender;

/// keepalived compat: TOS "internetwork control" on every advert.
const TOS: u8 = 0xc0;

/// The VRRP sockets (through an [`AdvertIo`] driver) and the per-instance
/// counters of what is sent on them.
#[derive(Debug)]
pub(crate) struct Sockets<A> {
    io: A,
    ip_ids: HashMap<String, u16>,
    ah_seq: HashMap<String, u32>,
}

impl<A> Sockets<A> {
    /// No sockets open yet on `io`.
    pub(crate) fn new(io: A) -> Self {
        Self {
            io,
            ip_ids: HashMap::new(),
            ah_seq: HashMap::new(),
        }
    }

    /// keepalived compat (`vrrp_in_chk_ipsecah`): one AH sequence counter
    /// per instance serves both sending and replay protection. A received
    /// sequence number above it becomes the counter (so our next advert
    /// continues from there); anything else is a replay and is dropped.
    pub(crate) fn ah_accept(&mut self, instance: &str, seq: u32) -> bool {
        let counter = self.ah_seq.entry(instance.to_owned()).or_insert(0);
        if seq > *counter {
            *counter = seq;
            true
        } else {
            false
        }
    }

    fn next_ip_id(&mut self, instance: &str) -> u16 {
        let id = self.ip_ids.entry(instance.to_owned()).or_insert(0);
        *id = ipv4::next_ident(*id);
        *id
    }

    fn next_ah_seq(&mut self, instance: &str) -> u32 {
        let seq = self.ah_seq.entry(instance.to_owned()).or_insert(0);
        // keepalived compat: the sequence restarts when it cycles.
        *seq = ah::next_seq(*seq).unwrap_or(1);
        *seq
    }
}

impl<A: AdvertIo> Sockets<A> {
    /// Opens (once) the socket for `iface`/family, joined to `groups`, and
    /// starts its receive task. Errors (interface missing, no permission)
    /// are returned for the caller to log; it retries when the link
    /// appears.
    /// `ah` also opens an IPv4 socket for IP protocol 51, which carries
    /// `auth_type AH` adverts.
    pub(crate) fn ensure(
        &mut self,
        ifaces: &Ifaces,
        iface: &str,
        v6: bool,
        ah: bool,
        groups: &[IpAddr],
        tx: &RxSender,
    ) -> io::Result<()> {
        let Some(i) = ifaces.get(iface) else {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("no interface {iface}"),
            ));
        };
        let mut spec = SocketSpec {
            ifindex: i.index,
            ifname: iface.to_owned(),
            groups: groups.to_vec(),
            unicast_hops: None,
            ah: false,
        };
        let kind = if v6 { SocketKind::V6 } else { SocketKind::V4 };
        if !self.io.is_open(iface, kind) {
            self.io.open(kind, spec.clone(), tx)?;
        }
        if ah && !v6 && !self.io.is_open(iface, SocketKind::Ah) {
            spec.ah = true;
            self.io.open(SocketKind::Ah, spec, tx)?;
        }
        Ok(())
    }

    /// Closes the sockets of an interface that went away.
    pub(crate) fn close(&mut self, iface: &str) {
        self.io.close(iface);
    }

    /// Sends one advert for `instance`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn send(
        &mut self,
        ifaces: &Ifaces,
        instance: &str,
        iface: &str,
        src: Option<IpAddr>,
        dst: IpAddr,
        ttl: Option<u8>,
        vrrp: &[u8],
        ah_key: Option<&[u8; 8]>,
    ) -> io::Result<()> {
        let i = ifaces.get(iface).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("no interface {iface}"),
            )
        })?;
        match dst {
            IpAddr::V4(dst4) => {
                let src4 = match src {
                    Some(IpAddr::V4(s)) => s,
                    _ => i.primary_v4().ok_or_else(|| no_source(iface))?,
                };
                let id = self.next_ip_id(instance);
                let seq = ah_key.map(|_| self.next_ah_seq(instance));
                // RFC 5798 §5.1.1.3: TTL 255 unless unicast_ttl says
                // otherwise.
                let ttl = ttl.unwrap_or(255);
                let pkt =
                    build_ipv4(src4, dst4, ttl, id, vrrp, ah_key.zip(seq));
                self.io.send_v4(iface, &pkt, dst4)
            }
            IpAddr::V6(dst6) => {
                let src6 = match src {
                    Some(IpAddr::V6(s)) => s,
                    _ => i.link_local_v6().ok_or_else(|| no_source(iface))?,
                };
                self.io.send_v6(iface, vrrp, src6, dst6, ttl)
            }
        }
    }
}

fn no_source(iface: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::AddrNotAvailable,
        format!("no source address on {iface}"),
    )
}

/// The IPv4 packet keepalived sends: header, optional AH, VRRP message.
pub(crate) fn build_ipv4(
    src: Ipv4Addr,
    dst: Ipv4Addr,
    ttl: u8,
    ident: u16,
    vrrp: &[u8],
    ah: Option<(&[u8; 8], u32)>,
) -> Vec<u8> {
    let ah_len = if ah.is_some() { ah::HEADER_LEN } else { 0 };
    let ip = ipv4::Repr {
        src,
        dst,
        protocol: if ah.is_some() {
            IPPROTO_AH
        } else {
            IPPROTO_VRRP
        },
        tos: TOS,
        ident,
        dont_frag: false,
        ttl,
        payload_len: ah_len + vrrp.len(),
    };
    let mut pkt = vec![0u8; ip.buffer_len() + ah_len + vrrp.len()];
    ip.emit(&mut ipv4::Packet::new_unchecked(&mut pkt[..]));
    let hl = ip.buffer_len();
    pkt[hl + ah_len..].copy_from_slice(vrrp);
    if let Some((key, seq)) = ah {
        let hdr = ah::Repr {
            spi: src,
            seq,
            icv: [0; ah::ICV_LEN],
        };
        hdr.emit(&mut pkt[hl..hl + ah::HEADER_LEN]);
        ah::sign(&mut pkt, key, !dst.is_multicast());
    }
    pkt
}

/// Why a received IPv4 packet was not handed to the engine; `K` names
/// the instance an AH packet was for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum StripError<K> {
    /// The IPv4 header is malformed.
    Header(ka_wire::DecodeError),
    /// AH present but no instance here has an AH key for this VRID.
    NoAhInstance,
    /// The ICV or SPI of an AH packet for instance `K` did not verify.
    Auth(K, ka_wire::DecodeError),
    /// Neither VRRP nor AH.
    Protocol(u8),
}

/// A received packet's VRRP message and, for AH, the owning instance with
/// the AH sequence number.
pub(crate) type Stripped<'a, K> = (&'a [u8], Option<(K, u32)>);

/// Strips the IPv4 (and AH) headers from a received packet. For AH,
/// `ah_key` is asked (only then) for the instance and key owning the VRID
/// right behind the AH header; the ICV is verified with that key, and the
/// instance comes back with the AH sequence number for the caller's
/// replay check.
pub(crate) fn strip_ipv4<K>(
    pkt: &[u8],
    ah_key: impl FnOnce(u8) -> Option<(K, [u8; 8])>,
) -> Result<Stripped<'_, K>, StripError<K>> {
    let ip = ipv4::Packet::new_checked(pkt).map_err(StripError::Header)?;
    let hl = ip.header_len();
    let total = usize::from(ip.total_len()).min(pkt.len());
    match ip.protocol() {
        IPPROTO_VRRP => Ok((&pkt[hl..total], None)),
        IPPROTO_AH => {
            let vrrp_at = hl + ah::HEADER_LEN;
            let vrid = *pkt.get(vrrp_at + 1).ok_or(StripError::NoAhInstance)?;
            let (owner, key) = ah_key(vrid).ok_or(StripError::NoAhInstance)?;
            let unicast = !ip.dst_addr().is_multicast();
            match ah::verify(&pkt[..total], &key, unicast) {
                Ok(hdr) => Ok((&pkt[vrrp_at..total], Some((owner, hdr.seq)))),
                Err(e) => Err(StripError::Auth(owner, e)),
            }
        }
        other => Err(StripError::Protocol(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VRRP: [u8; 20] = [
        0x21, 0x33, 0x64, 0x01, 0x02, 0x01, 0x00, 0x00, 192, 0, 2, 100, 0, 0,
        0, 0, 0, 0, 0, 0,
    ];

    #[test]
    fn ipv4_packet_as_keepalived_builds_it() {
        let src = Ipv4Addr::new(192, 0, 2, 11);
        let dst = Ipv4Addr::new(224, 0, 0, 18);
        let p = build_ipv4(src, dst, 255, 2, &VRRP, None);
        assert_eq!(&p[..2], &[0x45, 0xc0]);
        assert_eq!(u16::from_be_bytes([p[2], p[3]]), 40);
        assert_eq!(&p[4..10], &[0, 2, 0, 0, 255, 112]);
        assert_eq!(strip_ipv4(&p, |_| None::<((), _)>), Ok((&VRRP[..], None)));
    }

    #[test]
    fn ah_round_trip_and_tamper_detection() {
        let key = *b"secret\0\0";
        let src = Ipv4Addr::new(192, 0, 2, 11);
        let dst = Ipv4Addr::new(224, 0, 0, 18);
        let p = build_ipv4(src, dst, 255, 7, &VRRP, Some((&key, 1)));
        assert_eq!(p[9], 51);
        assert_eq!(
            strip_ipv4(&p, |vrid| (vrid == 0x33).then_some(("VI_1", key))),
            Ok((&VRRP[..], Some(("VI_1", 1))))
        );
        let mut bad = p.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(matches!(
            strip_ipv4(&bad, |_| Some(("VI_1", key))),
            Err(StripError::Auth("VI_1", _))
        ));
        assert!(matches!(
            strip_ipv4(&p, |_| None::<((), _)>),
            Err(StripError::NoAhInstance)
        ));
    }

    #[test]
    fn ah_sequence_counter_is_shared_by_sending_and_replay_checks() {
        let mut s = Sockets::new(());
        assert!(s.ah_accept("VI_1", 5));
        assert!(!s.ah_accept("VI_1", 5), "replay");
        assert!(!s.ah_accept("VI_1", 3), "older");
        // Our next advert continues after what we heard.
        assert_eq!(s.next_ah_seq("VI_1"), 6);
        assert!(!s.ah_accept("VI_1", 6));
        assert!(s.ah_accept("VI_2", 1), "per instance");
    }
}

//! VRRP sockets per (interface, family), opened through an [`AdvertIo`]
//! driver, and the send path for the engine's adverts.
//!
//! The engine encodes every advert (for IPv4 the whole datagram with its
//! IP header and, for `auth_type AH`, the signed IPsec-AH header) and
//! decodes every received packet with the instance's authentication;
//! this module only opens sockets and writes the bytes it is given.

use std::io;
use std::net::IpAddr;

use ka_sys::vrrp_socket::SocketSpec;

use super::ifaces::Ifaces;
use super::io::{AdvertIo, SocketKind};
use super::rx_queue::RxSender;

/// The VRRP sockets, through an [`AdvertIo`] driver.
#[derive(Debug)]
pub(crate) struct Sockets<A> {
    io: A,
}

impl<A> Sockets<A> {
    /// No sockets open yet on `io`.
    pub(crate) fn new(io: A) -> Self {
        Self { io }
    }
}

impl<A: AdvertIo> Sockets<A> {
    /// Opens (once) the socket for `iface`/family, joined to `groups`, and
    /// starts its receive task. Errors (interface missing, no permission)
    /// are returned for the caller to log; it retries when the link
    /// appears.
    /// `ah` also opens an IPv4 socket for IP protocol 51, which carries
    /// `auth_type AH` adverts.
    /// `rcvbuf` is the receive buffer size asked for (0: the kernel's).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn ensure(
        &mut self,
        ifaces: &Ifaces,
        iface: &str,
        v6: bool,
        ah: bool,
        groups: &[IpAddr],
        rcvbuf: usize,
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
            rcvbuf: (rcvbuf > 0).then_some(rcvbuf),
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

    /// Writes one advert the engine encoded: for IPv4 the whole datagram
    /// (`dst` is where it goes), for IPv6 the VRRP message, sent from
    /// `src` or the interface's link-local address, with `ttl` as the
    /// unicast hop limit.
    pub(crate) fn send(
        &mut self,
        ifaces: &Ifaces,
        iface: &str,
        src: Option<IpAddr>,
        dst: IpAddr,
        ttl: Option<u8>,
        bytes: &[u8],
    ) -> io::Result<()> {
        let i = ifaces.get(iface).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("no interface {iface}"),
            )
        })?;
        match dst {
            IpAddr::V4(dst4) => self.io.send_v4(iface, bytes, dst4),
            IpAddr::V6(dst6) => {
                let src6 = match src {
                    Some(IpAddr::V6(s)) => s,
                    _ => i.link_local_v6().ok_or_else(|| no_source(iface))?,
                };
                self.io.send_v6(iface, bytes, src6, dst6, ttl)
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

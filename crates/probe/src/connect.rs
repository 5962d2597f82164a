//! Sockets with the checker's bind options (keepalived's
//! `socket_bind_connect`, layer4.c): `bind_if` (SO_BINDTODEVICE),
//! `fwmark` (SO_MARK), `bindto`/`bind_port`, then connect.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use tokio::net::{TcpSocket, TcpStream, UdpSocket};

use crate::outcome::Reason;
use crate::spec::Target;

/// The address to connect to: a link-local IPv6 target takes its scope
/// from `bind_if` (keepalived requires `bind_if` for those).
pub(crate) fn dest(t: &Target) -> SocketAddr {
    let mut d = t.connect;
    if let (SocketAddr::V6(v6), Some(ifname)) = (&mut d, &t.bind_if)
        && v6.scope_id() == 0
        && is_link_local(*v6.ip())
        && let Ok(idx) = nix::net::if_::if_nametoindex(ifname.as_str())
    {
        v6.set_scope_id(idx);
    }
    d
}

fn is_link_local(ip: Ipv6Addr) -> bool {
    ip.segments()[0] & 0xffc0 == 0xfe80
}

/// A socket of `ty`/`proto` for `t`, bound as configured.
pub(crate) fn socket(
    t: &Target,
    ty: Type,
    proto: Protocol,
) -> io::Result<Socket> {
    let dst = dest(t);
    // Non-blocking and close-on-exec from socket(2) itself
    // (SOCK_NONBLOCK | SOCK_CLOEXEC): no fcntl calls per attempt.
    let s =
        Socket::new(Domain::for_address(dst), ty.nonblocking(), Some(proto))?;
    if let Some(ifname) = &t.bind_if {
        s.bind_device(Some(ifname.as_bytes()))?;
    }
    if let Some(mark) = t.fwmark {
        s.set_mark(mark)?;
    }
    if t.bind_addr.is_some() || t.bind_port.is_some() {
        let ip = t.bind_addr.unwrap_or(match dst {
            SocketAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            SocketAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        });
        let mut local = SocketAddr::new(ip, t.bind_port.unwrap_or(0));
        if let (SocketAddr::V6(l), SocketAddr::V6(d)) = (&mut local, dst)
            && is_link_local(*l.ip())
        {
            l.set_scope_id(d.scope_id());
        }
        if t.bind_port.is_some() {
            s.set_reuse_address(true)?;
        }
        s.bind(&SockAddr::from(local))?;
    }
    Ok(s)
}

/// A TCP connection to `t` within its timeout.
pub(crate) async fn tcp(t: &Target) -> Result<TcpStream, Reason> {
    tcp_from(t, tokio::time::Instant::now()).await
}

/// A TCP connection to `t` within its timeout from `start` (the caller's
/// reading of the clock, which it also uses for the latency: one clock
/// read fewer per check).
pub(crate) async fn tcp_from(
    t: &Target,
    start: tokio::time::Instant,
) -> Result<TcpStream, Reason> {
    let s = socket(t, Type::STREAM, Protocol::TCP)
        .map_err(|e| Reason::Socket(e.kind()))?;
    let sock = TcpSocket::from_std_stream(std::net::TcpStream::from(s));
    let deadline = start + t.timeout;
    match tokio::time::timeout_at(deadline, sock.connect(dest(t))).await {
        Err(_) => Err(Reason::ConnectTimeout),
        Ok(Err(e)) => Err(Reason::connect(&e)),
        Ok(Ok(stream)) => Ok(stream),
    }
}

/// A connected UDP socket to `t`: a later ICMP unreachable comes back as
/// an error on it.
pub(crate) fn udp(t: &Target) -> Result<UdpSocket, Reason> {
    let s = socket(t, Type::DGRAM, Protocol::UDP)
        .map_err(|e| Reason::Socket(e.kind()))?;
    s.connect(&SockAddr::from(dest(t)))
        .map_err(|e| Reason::connect(&e))?;
    UdpSocket::from_std(std::net::UdpSocket::from(s))
        .map_err(|e| Reason::Socket(e.kind()))
}

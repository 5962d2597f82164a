//! UDP sockets for BFD (RFC 5881 single hop, RFC 5883 multihop), as
//! keepalived opens them (`bfd_scheduler.c: bfd_open_fd_in`,
//! `bfd_open_fd_out`).
//!
//! * One listening socket per port (3784 single hop, 4784 multihop):
//!   IPv6 dual-stack on `[::]` (IPv4 peers arrive v4-mapped and are
//!   unmapped here), or IPv4 `0.0.0.0` where IPv6 is disabled. Every
//!   datagram comes with its TTL / hop limit (`IP_RECVTTL`,
//!   `IPV6_RECVHOPLIMIT`) for the GTSM check and its destination address
//!   (`IPV6_RECVPKTINFO` / `IP_PKTINFO`) for the session lookup.
//! * One sending socket per session, bound to its `source_ip` and a
//!   source port in 49152–65535 (RFC 5881 §4), with the session's TTL /
//!   hop limit (255 / 64 by default).

use std::io::{self, IoSliceMut};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsRawFd, RawFd};

use nix::sys::socket::{
    ControlMessageOwned, MsgFlags, SockaddrStorage, recvmsg, setsockopt,
    sockopt,
};
use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::unix::AsyncFd;

use crate::vrrp_socket::register;

/// Largest datagram read: a control packet with the longest
/// authentication section is 52 octets; more is refused by the codec.
const MAX_DATAGRAM: usize = 512;

/// keepalived compat: the source port range is clamped to the kernel's
/// `ip_local_port_range` when that still leaves 1024 ports
/// (`read_local_port_range`).
const MIN_PORTS: u16 = 1024;

/// A datagram received on a listening socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// Source address and port (IPv4-mapped IPv6 unmapped).
    pub src: SocketAddr,
    /// Local address it was sent to, from the packet info.
    pub dst: Option<IpAddr>,
    /// TTL / hop limit, when the kernel reported it.
    pub ttl: Option<u8>,
    /// The UDP payload.
    pub bytes: Vec<u8>,
}

/// A listening socket on 3784 or 4784.
#[derive(Debug)]
pub struct BfdListener {
    fd: AsyncFd<Socket>,
}

impl BfdListener {
    /// Opens `[::]:port` dual-stack, or `0.0.0.0:port` when the kernel
    /// has no IPv6 (keepalived falls back the same way).
    pub fn open(port: u16) -> io::Result<Self> {
        let s =
            match Socket::new(Domain::IPV6, Type::DGRAM, Some(Protocol::UDP)) {
                Ok(s) => {
                    s.set_only_v6(false)?;
                    setsockopt(&s, sockopt::Ipv4RecvTtl, &true)?;
                    setsockopt(&s, sockopt::Ipv6RecvHopLimit, &true)?;
                    setsockopt(&s, sockopt::Ipv6RecvPacketInfo, &true)?;
                    let any = SocketAddr::new(
                        IpAddr::V6(Ipv6Addr::UNSPECIFIED),
                        port,
                    );
                    prepare(&s)?;
                    s.bind(&any.into())?;
                    s
                }
                Err(e) if e.raw_os_error() == Some(libc::EAFNOSUPPORT) => {
                    let s = Socket::new(
                        Domain::IPV4,
                        Type::DGRAM,
                        Some(Protocol::UDP),
                    )?;
                    setsockopt(&s, sockopt::Ipv4RecvTtl, &true)?;
                    setsockopt(&s, sockopt::Ipv4PacketInfo, &true)?;
                    let any = SocketAddr::new(
                        IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                        port,
                    );
                    prepare(&s)?;
                    s.bind(&any.into())?;
                    s
                }
                Err(e) => return Err(e),
            };
        Ok(Self { fd: register(s)? })
    }

    /// The bound address (port 0 in tests resolves here).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.fd
            .get_ref()
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::other("not an IP socket"))
    }

    /// Waits for the next datagram.
    pub async fn recv(&self) -> io::Result<Received> {
        loop {
            let mut guard = self.fd.readable().await?;
            match guard.try_io(|fd| recv_now(fd.get_ref().as_raw_fd())) {
                Ok(result) => return result,
                Err(_would_block) => continue,
            }
        }
    }

    /// The next datagram if one is queued, without waiting.
    pub fn try_recv(&self) -> io::Result<Option<Received>> {
        match recv_now(self.fd.get_ref().as_raw_fd()) {
            Ok(r) => Ok(Some(r)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }
}

fn prepare(s: &Socket) -> io::Result<()> {
    s.set_nonblocking(true)?;
    s.set_cloexec(true)?;
    s.set_reuse_address(true)
}

fn recv_now(fd: RawFd) -> io::Result<Received> {
    let mut buf = [0u8; MAX_DATAGRAM];
    let mut cbuf = nix::cmsg_space!(
        libc::in6_pktinfo,
        libc::in_pktinfo,
        libc::c_int,
        libc::c_int
    );
    let mut iov = [IoSliceMut::new(&mut buf)];
    let msg = recvmsg::<SockaddrStorage>(
        fd,
        &mut iov,
        Some(&mut cbuf),
        MsgFlags::MSG_DONTWAIT,
    )?;
    if msg.flags.contains(MsgFlags::MSG_TRUNC) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "recvmsg() message truncated",
        ));
    }
    let mut dst = None;
    let mut ttl = None;
    for c in msg.cmsgs()? {
        match c {
            ControlMessageOwned::Ipv4Ttl(t)
            | ControlMessageOwned::Ipv6HopLimit(t) => {
                ttl = u8::try_from(t).ok();
            }
            ControlMessageOwned::Ipv6PacketInfo(pi) => {
                dst = Some(unmap(IpAddr::V6(Ipv6Addr::from(
                    pi.ipi6_addr.s6_addr,
                ))));
            }
            ControlMessageOwned::Ipv4PacketInfo(pi) => {
                dst = Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                    pi.ipi_addr.s_addr,
                ))));
            }
            _ => {}
        }
    }
    let src = msg
        .address
        .and_then(|a| {
            a.as_sockaddr_in6()
                .map(|s| SocketAddr::new(IpAddr::V6(s.ip()), s.port()))
                .or_else(|| {
                    a.as_sockaddr_in()
                        .map(|s| SocketAddr::new(IpAddr::V4(s.ip()), s.port()))
                })
        })
        .ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidData, "no source address")
        })?;
    let len = msg.bytes;
    Ok(Received {
        src: SocketAddr::new(unmap(src.ip()), src.port()),
        dst,
        ttl,
        bytes: buf.get(..len).unwrap_or_default().to_vec(),
    })
}

/// An IPv4-mapped IPv6 address as IPv4.
fn unmap(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(a, IpAddr::V4),
        v4 => v4,
    }
}

/// A session's sending socket.
#[derive(Debug)]
pub struct BfdSender {
    socket: Socket,
}

impl BfdSender {
    /// Opens a UDP socket towards `neighbor`'s family with TTL / hop
    /// limit `ttl`. With a `source`, it is bound there on a free port in
    /// `ports` (tried upwards from `first`, wrapping); without one the
    /// kernel picks the port, as keepalived leaves it.
    pub fn open(
        neighbor: IpAddr,
        source: Option<IpAddr>,
        ttl: u8,
        first: u16,
    ) -> io::Result<Self> {
        let domain = if neighbor.is_ipv4() {
            Domain::IPV4
        } else {
            Domain::IPV6
        };
        let s = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP))?;
        s.set_nonblocking(true)?;
        s.set_cloexec(true)?;
        if neighbor.is_ipv4() {
            s.set_ttl_v4(u32::from(ttl))?;
        } else {
            s.set_unicast_hops_v6(u32::from(ttl))?;
        }
        if let Some(src) = source {
            bind_in_range(&s, src, first)?;
        }
        Ok(Self { socket: s })
    }

    /// The bound address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::other("not an IP socket"))
    }

    /// Sends `bytes` to `dst`.
    pub fn send(&self, bytes: &[u8], dst: SocketAddr) -> io::Result<()> {
        let n = self.socket.send_to(bytes, &dst.into())?;
        if n == bytes.len() {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::WriteZero,
                format!("sent {n} of {} bytes", bytes.len()),
            ))
        }
    }
}

impl AsRawFd for BfdSender {
    fn as_raw_fd(&self) -> RawFd {
        self.socket.as_raw_fd()
    }
}

/// The source port range: RFC 5881 §4's 49152–65535, narrowed to the
/// kernel's `ip_local_port_range` when that leaves at least 1024 ports.
pub fn source_port_range() -> (u16, u16) {
    let (lo, hi) = (49152u16, 65535u16);
    let Ok(text) =
        std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
    else {
        return (lo, hi);
    };
    let mut it = text
        .split_whitespace()
        .filter_map(|v| v.parse::<u16>().ok());
    let (Some(a), Some(b)) = (it.next(), it.next()) else {
        return (lo, hi);
    };
    let (a, b) = (a.max(lo), b.min(hi));
    if a.saturating_add(MIN_PORTS - 1) > b {
        (lo, hi)
    } else {
        (a, b)
    }
}

/// Binds `s` to `src` on the first free port from `first` upwards in the
/// source port range, wrapping once (keepalived `bfd_open_fd_out`).
fn bind_in_range(s: &Socket, src: IpAddr, first: u16) -> io::Result<()> {
    let (lo, hi) = source_port_range();
    let span = u32::from(hi - lo) + 1;
    let start = u32::from(first.clamp(lo, hi) - lo);
    let mut last = io::Error::from(io::ErrorKind::AddrInUse);
    for k in 0..span {
        let port = lo + u16::try_from((start + k) % span).unwrap_or(0);
        match s.bind(&SocketAddr::new(src, port).into()) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

#[cfg(test)]
#[path = "bfd_socket_tests.rs"]
mod tests;

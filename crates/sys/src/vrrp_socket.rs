//! Raw IP sockets for VRRP (IP protocol 112), one per interface and
//! address family, used for both sending and receiving.
//!
//! IPv4: the socket has `IP_HDRINCL`, so what we send is a whole IPv4
//! packet built by `ka-wire` (keepalived builds its own header too: TOS
//! 0xc0, TTL 255, its own IP ID) and what we receive starts with the IPv4
//! header, from which the engine reads the source, destination and TTL.
//!
//! IPv6: no header is built; the kernel computes the VRRP checksum over the
//! RFC 8200 pseudo-header (`IPV6_CHECKSUM` at offset 6, as keepalived sets
//! it) and verifies it on receive. The hop limit and destination of
//! received packets come from `IPV6_HOPLIMIT` and `IPV6_PKTINFO` ancillary
//! data; the source we send from is set per packet with `IPV6_PKTINFO`.

use std::io::{self, IoSlice, IoSliceMut};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsRawFd, RawFd};

use nix::sys::socket::{
    ControlMessage, ControlMessageOwned, MsgFlags, SockaddrIn6, recvmsg,
    sendmsg,
};
use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::unix::AsyncFd;

/// IANA protocol number of VRRP (RFC 5798 §5.1.1.4).
pub const IPPROTO_VRRP: i32 = 112;
/// IANA protocol number of the IPsec Authentication Header (RFC 4302),
/// which keepalived's `auth_type AH` adverts are carried in.
pub const IPPROTO_AH: i32 = 51;

/// keepalived compat: adverts leave with DSCP/precedence "internetwork
/// control" (TOS 0xc0), IPv4 and IPv6 alike.
const TOS_INTERNETWORK_CONTROL: u32 = 0xc0;

/// Largest advert we accept: a VRRP header, 255 IPv6 addresses and the
/// IPv4/AH headers, rounded up.
const MAX_PACKET: usize = 8 + 255 * 16 + 20 + 24 + 64;

/// A packet received on a VRRP socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// Interface the packet arrived on.
    pub ifindex: u32,
    /// Source address.
    pub src: IpAddr,
    /// Destination address (the multicast group or our unicast address).
    pub dst: IpAddr,
    /// IPv4 TTL or IPv6 hop limit as received.
    pub ttl: u8,
    /// IPv4: the whole IP packet, header included. IPv6: the VRRP message.
    pub bytes: Vec<u8>,
}

/// Where a VRRP socket listens and how it sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SocketSpec {
    /// Interface index.
    pub ifindex: u32,
    /// Interface name, for `SO_BINDTODEVICE`.
    pub ifname: String,
    /// Multicast groups to join on the interface (224.0.0.18 / ff02::12
    /// unless `vrrp_mcast_group4/6` or `mcast_dst_ip` say otherwise).
    pub groups: Vec<IpAddr>,
    /// IPv6 hop limit for unicast adverts (`unicast_ttl`); IPv4 puts the TTL
    /// in the header it builds.
    pub unicast_hops: Option<u8>,
    /// IPv4 only: receive IPsec-AH (IP protocol 51) instead of VRRP (112),
    /// for `auth_type AH` instances. Sending either works on any IPv4 VRRP
    /// socket, since the header (and its protocol field) is ours.
    pub ah: bool,
    /// `SO_RCVBUF` in bytes (keepalived's `kernel_rx_buf_size`, summed
    /// over the instances on the socket); `None` keeps the kernel's.
    pub rcvbuf: Option<usize>,
}

/// A raw VRRP socket bound to one interface and family.
#[derive(Debug)]
pub struct VrrpSocket {
    fd: AsyncFd<Socket>,
    v6: bool,
    ifindex: u32,
}

impl VrrpSocket {
    /// Opens an IPv4 socket: `IP_HDRINCL`, bound to the interface, joined to
    /// `spec.groups`, multicast loop off, `IP_MULTICAST_ALL` off so that
    /// only the groups joined here are delivered.
    pub fn open_v4(spec: &SocketSpec) -> io::Result<Self> {
        let proto = if spec.ah { IPPROTO_AH } else { IPPROTO_VRRP };
        let s = raw_socket(Domain::IPV4, proto)?;
        s.set_header_included_v4(true)?;
        set_rcvbuf(&s, spec)?;
        s.bind_device(Some(spec.ifname.as_bytes()))?;
        s.set_multicast_loop_v4(false)?;
        s.set_multicast_all_v4(false)?;
        s.set_tos_v4(TOS_INTERNETWORK_CONTROL)?;
        for g in &spec.groups {
            if let IpAddr::V4(g) = g {
                s.join_multicast_v4_n(
                    g,
                    &socket2::InterfaceIndexOrAddress::Index(spec.ifindex),
                )?;
            }
        }
        Ok(Self {
            fd: register(s)?,
            v6: false,
            ifindex: spec.ifindex,
        })
    }

    /// Opens an IPv6 socket: kernel checksum at offset 6, hop limit 255 for
    /// multicast (RFC 5798 §5.1.2.2 / §7.1), traffic class 0xc0, hop limit
    /// and packet info delivered with every packet.
    pub fn open_v6(spec: &SocketSpec) -> io::Result<Self> {
        let s = raw_socket(Domain::IPV6, IPPROTO_VRRP)?;
        set_ipv6_checksum(s.as_raw_fd(), 6)?;
        set_rcvbuf(&s, spec)?;
        s.bind_device(Some(spec.ifname.as_bytes()))?;
        s.set_multicast_if_v6(spec.ifindex)?;
        s.set_multicast_loop_v6(false)?;
        s.set_multicast_all_v6(false)?;
        s.set_multicast_hops_v6(255)?;
        // keepalived compat: IPv6 unicast adverts use the kernel's default
        // hop limit unless `unicast_ttl` is set.
        if let Some(h) = spec.unicast_hops {
            s.set_unicast_hops_v6(u32::from(h))?;
        }
        s.set_tclass_v6(TOS_INTERNETWORK_CONTROL)?;
        let fd = s.as_raw_fd();
        nix::sys::socket::setsockopt(
            &s,
            nix::sys::socket::sockopt::Ipv6RecvHopLimit,
            &true,
        )
        .map_err(io::Error::from)?;
        nix::sys::socket::setsockopt(
            &s,
            nix::sys::socket::sockopt::Ipv6RecvPacketInfo,
            &true,
        )
        .map_err(io::Error::from)?;
        let _ = fd;
        for g in &spec.groups {
            if let IpAddr::V6(g) = g {
                s.join_multicast_v6(g, spec.ifindex)?;
            }
        }
        Ok(Self {
            fd: register(s)?,
            v6: true,
            ifindex: spec.ifindex,
        })
    }

    /// The interface this socket is bound to.
    pub fn ifindex(&self) -> u32 {
        self.ifindex
    }

    /// The socket's `SO_RCVBUF` as the kernel reports it (twice what was
    /// asked for, capped by `net.core.rmem_max`).
    pub fn recv_buffer_size(&self) -> io::Result<usize> {
        self.fd.get_ref().recv_buffer_size()
    }

    /// Waits for the next packet.
    pub async fn recv(&self) -> io::Result<Received> {
        loop {
            let mut guard = self.fd.readable().await?;
            match guard.try_io(|fd| self.recv_now(fd.get_ref().as_raw_fd())) {
                Ok(result) => return result,
                Err(_would_block) => continue,
            }
        }
    }

    /// Sends a whole IPv4 packet (header included) to `dst`.
    pub fn send_v4(&self, packet: &[u8], dst: Ipv4Addr) -> io::Result<()> {
        let addr = SocketAddrV4::new(dst, 0);
        // keepalived compat: multicast adverts go out with MSG_DONTROUTE.
        let n = if dst.is_multicast() {
            self.fd.get_ref().send_to_with_flags(
                packet,
                &addr.into(),
                libc::MSG_DONTROUTE,
            )?
        } else {
            self.fd.get_ref().send_to(packet, &addr.into())?
        };
        short_write(n, packet.len())
    }

    /// Sends a VRRP message over IPv6 from `src` to `dst`; the kernel adds
    /// the IPv6 header and the checksum. `hop_limit` overrides the socket's
    /// for this packet (multicast adverts always leave with 255).
    pub fn send_v6(
        &self,
        vrrp: &[u8],
        src: Ipv6Addr,
        dst: Ipv6Addr,
        hop_limit: Option<u8>,
    ) -> io::Result<()> {
        let scope = if is_link_local(dst) { self.ifindex } else { 0 };
        let to = SockaddrIn6::from(SocketAddrV6::new(dst, 0, 0, scope));
        let info = libc::in6_pktinfo {
            ipi6_addr: libc::in6_addr {
                s6_addr: src.octets(),
            },
            ipi6_ifindex: self.ifindex,
        };
        let hops = hop_limit.map(libc::c_int::from);
        let mut cmsg = vec![ControlMessage::Ipv6PacketInfo(&info)];
        if let (Some(h), false) = (hops.as_ref(), dst.is_multicast()) {
            cmsg.push(ControlMessage::Ipv6HopLimit(h));
        }
        let iov = [IoSlice::new(vrrp)];
        let fd = self.fd.get_ref().as_raw_fd();
        let n = sendmsg(fd, &iov, &cmsg, MsgFlags::empty(), Some(&to))
            .map_err(io::Error::from)?;
        short_write(n, vrrp.len())
    }

    fn recv_now(&self, fd: RawFd) -> io::Result<Received> {
        // A reused stack buffer: what is queued holds only the bytes
        // received, not a full-size allocation each.
        let mut buf = [0u8; MAX_PACKET];
        let mut cbuf = nix::cmsg_space!(libc::in6_pktinfo, libc::c_int);
        let (len, src, dst, ttl, ifindex) = {
            let mut iov = [IoSliceMut::new(&mut buf)];
            let msg = recvmsg::<nix::sys::socket::SockaddrStorage>(
                fd,
                &mut iov,
                Some(&mut cbuf),
                MsgFlags::MSG_DONTWAIT,
            )
            .map_err(io::Error::from)?;
            let mut dst = None;
            let mut ttl = None;
            let mut ifindex = self.ifindex;
            for c in msg.cmsgs().map_err(io::Error::from)? {
                match c {
                    ControlMessageOwned::Ipv6HopLimit(h) => {
                        ttl = u8::try_from(h).ok();
                    }
                    ControlMessageOwned::Ipv6PacketInfo(pi) => {
                        dst = Some(Ipv6Addr::from(pi.ipi6_addr.s6_addr));
                        ifindex = pi.ipi6_ifindex;
                    }
                    _ => {}
                }
            }
            let src = msg.address.and_then(|a| {
                a.as_sockaddr_in6()
                    .map(|s| IpAddr::V6(s.ip()))
                    .or_else(|| a.as_sockaddr_in().map(|s| IpAddr::V4(s.ip())))
            });
            (msg.bytes, src, dst, ttl, ifindex)
        };
        let buf = buf.get(..len).unwrap_or_default().to_vec();
        if self.v6 {
            let (Some(src), Some(dst), Some(ttl)) = (src, dst, ttl) else {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "IPv6 packet without source, pktinfo or hop limit",
                ));
            };
            return Ok(Received {
                ifindex,
                src,
                dst: IpAddr::V6(dst),
                ttl,
                bytes: buf,
            });
        }
        // IPv4 raw sockets deliver the IP header: read what the engine needs
        // from it; `ka-wire` parses it again, with all its checks.
        if buf.len() < 20 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "short IPv4 packet",
            ));
        }
        let ttl = buf[8];
        let src = IpAddr::V4(Ipv4Addr::new(buf[12], buf[13], buf[14], buf[15]));
        let dst = IpAddr::V4(Ipv4Addr::new(buf[16], buf[17], buf[18], buf[19]));
        Ok(Received {
            ifindex,
            src,
            dst,
            ttl,
            bytes: buf,
        })
    }
}

/// keepalived compat: `SO_RCVBUF` (not `SO_RCVBUFFORCE`), so the kernel
/// doubles it and caps it at `net.core.rmem_max`.
fn set_rcvbuf(s: &Socket, spec: &SocketSpec) -> io::Result<()> {
    match spec.rcvbuf {
        Some(n) if n > 0 => s.set_recv_buffer_size(n),
        _ => Ok(()),
    }
}

fn raw_socket(domain: Domain, proto: i32) -> io::Result<Socket> {
    let s = Socket::new(domain, Type::RAW, Some(Protocol::from(proto)))?;
    s.set_nonblocking(true)?;
    s.set_cloexec(true)?;
    Ok(s)
}

/// Registers a socket with the tokio reactor.
pub(crate) fn register(s: Socket) -> io::Result<AsyncFd<Socket>> {
    // SAFETY: `Socket` owns its descriptor: it stays open and refers to the
    // same socket until the `AsyncFd` (which takes ownership) is dropped, and
    // `as_raw_fd` always returns that descriptor.
    #[allow(unsafe_code)]
    let fd = unsafe { AsyncFd::register(s) };
    fd.map_err(io::Error::from)
}

fn short_write(n: usize, want: usize) -> io::Result<()> {
    if n == want {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::WriteZero,
            format!("sent {n} of {want} bytes"),
        ))
    }
}

/// Destinations that need the interface as scope id: link-local unicast
/// and multicast (ff02::12 is link-scoped).
fn is_link_local(a: Ipv6Addr) -> bool {
    ka_types::net::is_link_local_v6(&a) || a.is_multicast()
}

/// `setsockopt(IPPROTO_IPV6, IPV6_CHECKSUM, offset)`: neither socket2 nor
/// nix wraps this option.
fn set_ipv6_checksum(fd: RawFd, offset: libc::c_int) -> io::Result<()> {
    // SAFETY: `fd` is an open socket owned by the caller for the duration of
    // the call; the option value is a live c_int whose size we pass.
    #[allow(unsafe_code)]
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::IPPROTO_IPV6,
            libc::IPV6_CHECKSUM,
            (&raw const offset).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

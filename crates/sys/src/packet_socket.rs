//! `AF_PACKET` sockets for whole Ethernet frames: gratuitous ARP and
//! unsolicited neighbour advertisements, built by `ka-wire`.
//!
//! keepalived compat: keepalived sends both as link-layer frames it builds
//! itself (`vrrp_arp.c`, `vrrp_ndisc.c`), so the frames carry the VMAC as
//! source when the instance uses one, whatever the kernel would choose.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

use nix::sys::socket::{AddressFamily, SockFlag, SockType, socket};

/// A socket that sends complete Ethernet frames on any interface.
#[derive(Debug)]
pub struct PacketSocket {
    fd: OwnedFd,
}

impl PacketSocket {
    /// Opens the socket. It is created with protocol 0, so the kernel
    /// delivers it nothing: it only sends.
    pub fn open() -> io::Result<Self> {
        let fd = socket(
            AddressFamily::Packet,
            SockType::Raw,
            SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK,
            None,
        )
        .map_err(io::Error::from)?;
        Ok(Self { fd })
    }

    /// Sends `frame` (Ethernet header included) out of `ifindex`.
    pub fn send_frame(&self, ifindex: u32, frame: &[u8]) -> io::Result<()> {
        if frame.len() < 14 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "frame shorter than an Ethernet header",
            ));
        }
        let ifindex = libc::c_int::try_from(ifindex).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidInput, "ifindex out of range")
        })?;
        // SAFETY: sockaddr_ll is plain old data; all-zero is a valid value.
        #[allow(unsafe_code)]
        let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = u16::from_be_bytes([frame[12], frame[13]]).to_be();
        sll.sll_ifindex = ifindex;
        sll.sll_halen = 6;
        sll.sll_addr[..6].copy_from_slice(&frame[..6]);
        // SAFETY: the descriptor is open for the life of `self`; `frame` and
        // `sll` are live for the call and their sizes are passed with them.
        #[allow(unsafe_code)]
        let n = unsafe {
            libc::sendto(
                self.fd.as_raw_fd(),
                frame.as_ptr().cast(),
                frame.len(),
                0,
                (&raw const sll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        if n as usize != frame.len() {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                "short frame write",
            ));
        }
        Ok(())
    }
}

//! Link state read by polling the NIC driver (`linkbeat_use_polling`,
//! `linkbeat_interfaces`): the MII PHY registers (`SIOCGMIIPHY`,
//! `SIOCGMIIREG`), ethtool's `ETHTOOL_GLINK` (`SIOCETHTOOL`) and the
//! interface flags (`SIOCGIFFLAGS`), each one ioctl on a datagram socket.
//!
//! Only the calls: which to try, in what order, and what a failure means
//! is the VRRP driver's policy (`daemon::vrrp::linkbeat`).

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

/// `ETHTOOL_GLINK` (linux/ethtool.h): get the link status.
const ETHTOOL_GLINK: u32 = 0x0000_000a;

/// MII register: Basic Mode Control Register (linux/mii.h `MII_BMCR`).
pub const MII_BMCR: u16 = 0x00;
/// MII register: Basic Mode Status Register (linux/mii.h `MII_BMSR`).
pub const MII_BMSR: u16 = 0x01;
/// `BMSR_LSTATUS`: the link-status bit of the BMSR.
pub const BMSR_LSTATUS: u16 = 0x0004;

/// `struct ethtool_value` (linux/ethtool.h).
#[repr(C)]
struct EthtoolValue {
    cmd: u32,
    data: u32,
}

/// Size of the union of `struct ifreq` (24 bytes on 64-bit, less on
/// 32-bit: a larger buffer is harmless).
const IFRU_LEN: usize = 24;

/// `struct ifreq` (linux/if.h). The union is kept as bytes, read and
/// written in native byte order, so only the ioctl itself is unsafe:
/// `struct mii_ioctl_data` is four u16 (phy_id, reg_num, val_in,
/// val_out), `ifr_flags` a short, `ifr_data` a pointer.
#[repr(C, align(8))]
struct IfReq {
    name: [libc::c_char; libc::IFNAMSIZ],
    ifru: [u8; IFRU_LEN],
}

impl IfReq {
    /// A zeroed request naming `ifname` (at most IFNAMSIZ - 1 bytes).
    fn new(ifname: &str) -> io::Result<Self> {
        let bytes = ifname.as_bytes();
        if bytes.is_empty()
            || bytes.len() >= libc::IFNAMSIZ
            || bytes.contains(&0)
        {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        let mut name = [0 as libc::c_char; libc::IFNAMSIZ];
        for (d, s) in name.iter_mut().zip(bytes) {
            *d = *s as libc::c_char;
        }
        Ok(Self {
            name,
            ifru: [0; IFRU_LEN],
        })
    }

    /// The `n`th u16 of the union (a `mii_ioctl_data` field).
    fn u16_at(&self, n: usize) -> u16 {
        u16::from_ne_bytes([self.ifru[2 * n], self.ifru[2 * n + 1]])
    }

    fn set_u16_at(&mut self, n: usize, v: u16) {
        self.ifru[2 * n..2 * n + 2].copy_from_slice(&v.to_ne_bytes());
    }
}

/// `mii_ioctl_data` field indexes.
const MII_PHY_ID: usize = 0;
const MII_REG_NUM: usize = 1;
const MII_VAL_OUT: usize = 3;

/// The socket the probes go through (keepalived's `linkbeat_fd`).
#[derive(Debug)]
pub struct LinkbeatSocket {
    fd: OwnedFd,
}

impl LinkbeatSocket {
    /// Opens an `AF_INET` datagram socket (close-on-exec).
    pub fn open() -> io::Result<Self> {
        let s = socket2::Socket::new(
            socket2::Domain::IPV4,
            socket2::Type::DGRAM,
            None,
        )?;
        Ok(Self { fd: s.into() })
    }

    /// One ioctl with `req`.
    fn ioctl(&self, request: libc::c_ulong, req: &mut IfReq) -> io::Result<()> {
        // SAFETY: `self.fd` is an open socket for the life of `self`; `req`
        // is a valid, writable `struct ifreq` (name NUL-terminated, union
        // at least as large as the kernel's) living for the call, and each
        // request used here reads and writes only that struct (and, for
        // SIOCETHTOOL, the `ethtool_value` its pointer names, which the
        // caller keeps alive for the call).
        #[allow(unsafe_code)]
        let rc = unsafe {
            libc::ioctl(self.fd.as_raw_fd(), request as _, req as *mut IfReq)
        };
        if rc < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    /// `SIOCGMIIPHY`: the address of the interface's PHY.
    pub fn mii_phy(&self, ifname: &str) -> io::Result<u16> {
        let mut req = IfReq::new(ifname)?;
        self.ioctl(libc::SIOCGMIIPHY, &mut req)?;
        Ok(req.u16_at(MII_PHY_ID))
    }

    /// `SIOCGMIIREG`: register `reg` of PHY `phy`.
    pub fn mii_read(
        &self,
        ifname: &str,
        phy: u16,
        reg: u16,
    ) -> io::Result<u16> {
        let mut req = IfReq::new(ifname)?;
        req.set_u16_at(MII_PHY_ID, phy);
        req.set_u16_at(MII_REG_NUM, reg);
        self.ioctl(libc::SIOCGMIIREG, &mut req)?;
        Ok(req.u16_at(MII_VAL_OUT))
    }

    /// `SIOCETHTOOL` `ETHTOOL_GLINK`: whether the driver reports a link.
    pub fn ethtool_link(&self, ifname: &str) -> io::Result<bool> {
        let mut value = EthtoolValue {
            cmd: ETHTOOL_GLINK,
            data: 0,
        };
        let mut req = IfReq::new(ifname)?;
        let ptr = (&raw mut value) as usize;
        let n = std::mem::size_of::<usize>();
        req.ifru[..n].copy_from_slice(&ptr.to_ne_bytes());
        self.ioctl(libc::SIOCETHTOOL, &mut req)?;
        Ok(value.data != 0)
    }

    /// `SIOCGIFFLAGS`: whether the interface is `IFF_UP` and
    /// `IFF_RUNNING`.
    pub fn up_and_running(&self, ifname: &str) -> io::Result<bool> {
        let mut req = IfReq::new(ifname)?;
        self.ioctl(libc::SIOCGIFFLAGS, &mut req)?;
        let flags = libc::c_short::from_ne_bytes([req.ifru[0], req.ifru[1]]);
        let flags = libc::c_int::from(flags);
        let want = libc::IFF_UP | libc::IFF_RUNNING;
        Ok(flags & want == want)
    }
}

#[cfg(test)]
#[path = "linkbeat_tests.rs"]
mod tests;

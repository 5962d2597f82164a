//! An interface's MTU (`SIOCGIFMTU`), in the caller's network namespace
//! (for `vrrp_rx_bufs_policy MTU`).

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// The MTU of interface `name`.
pub fn mtu(name: &str) -> io::Result<u32> {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() >= libc::IFNAMSIZ || bytes.contains(&0) {
        return Err(io::Error::from(io::ErrorKind::InvalidInput));
    }
    #[allow(unsafe_code)]
    // SAFETY: plain socket(2) call; the result is checked.
    let fd = unsafe {
        libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0)
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    #[allow(unsafe_code)]
    // SAFETY: `fd` is a fresh descriptor owned by nothing else.
    let sock = unsafe { OwnedFd::from_raw_fd(fd) };
    #[allow(unsafe_code)]
    // SAFETY: `ifreq` is plain old data; all zeroes is a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, &src) in req.ifr_name.iter_mut().zip(bytes) {
        *dst = src as libc::c_char;
    }
    #[allow(unsafe_code)]
    // SAFETY: SIOCGIFMTU reads the NUL-terminated name and writes the
    // MTU into `req`, which outlives the call.
    let rc =
        unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFMTU, &mut req) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    #[allow(unsafe_code)]
    // SAFETY: after SIOCGIFMTU the union holds the MTU.
    let mtu = unsafe { req.ifr_ifru.ifru_mtu };
    u32::try_from(mtu).map_err(|_| io::Error::from(io::ErrorKind::InvalidData))
}

#[cfg(test)]
mod tests {
    #[test]
    fn loopback_has_an_mtu_and_bad_names_are_refused() {
        assert!(super::mtu("lo").is_ok_and(|m| m > 0));
        assert!(super::mtu("").is_err());
        assert!(super::mtu("a-name-far-too-long").is_err());
    }
}

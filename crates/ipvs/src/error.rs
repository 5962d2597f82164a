//! What can go wrong talking to IPVS.

use std::io;
use std::time::Duration;

/// `ENOENT`: no such destination (or, to the controller, no such family).
pub(crate) const ENOENT: i32 = 2;
/// `ESRCH`: no such service.
pub(crate) const ESRCH: i32 = 3;
/// `EEXIST`: the service or destination is already there.
pub(crate) const EEXIST: i32 = 17;

/// A failed IPVS operation.
#[derive(Debug, thiserror::Error)]
pub enum IpvsError {
    /// The kernel has no IPVS (the generic netlink family `IPVS` is
    /// missing even after `modprobe ip_vs`).
    #[error(
        "IPVS is not available: no generic netlink family IPVS (is the ip_vs module loaded?)"
    )]
    Absent,
    /// The netlink socket failed (open, bind, send or receive).
    #[error("IPVS netlink socket: {0}")]
    Socket(#[source] io::Error),
    /// The kernel refused a request.
    #[error("IPVS {what}: {source}")]
    Kernel {
        /// The request, e.g. `add service [192.0.2.1]:tcp:80`.
        what: String,
        /// The kernel's errno.
        #[source]
        source: io::Error,
    },
    /// An answer could not be decoded.
    #[error("IPVS: malformed netlink answer")]
    Decode(#[from] netlink_packet_core::DecodeError),
    /// The controller's answer about the IPVS family had no family id.
    #[error("IPVS: the generic netlink controller named no family id")]
    NoFamilyId,
    /// The kernel did not answer in time.
    #[error("IPVS: no answer from the kernel within {0:?}")]
    Timeout(Duration),
}

impl IpvsError {
    /// The kernel's errno, when the kernel refused the request.
    pub fn errno(&self) -> Option<i32> {
        match self {
            Self::Kernel { source, .. } => source.raw_os_error(),
            _ => None,
        }
    }
}

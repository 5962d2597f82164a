//! rtnetlink: interfaces, addresses and change notifications.
//!
//! Requests are idempotent the way the daemon needs them: adding an address
//! that is already there, or deleting one that is gone, is success (logged
//! at debug level by the caller), because after a crash or a reload the
//! kernel may already be in the wanted state.

mod addr;
mod link;
mod link_ops;
mod monitor;
mod watch;

pub use addr::{AddrInfo, AddrScope, AddrSpec};
pub use link::LinkInfo;
pub use link_ops::LinkKind;
pub use monitor::{Monitor, Monitored, NetEvent, RcvBuf};
pub use watch::{NetState, NetWatcher};

use std::io;

use rtnetlink::Handle;

/// A failed netlink request, with what was being done.
#[derive(Debug, thiserror::Error)]
#[error("netlink: {context}: {source}")]
pub struct NlError {
    /// What the request was, e.g. `add 192.0.2.100/24 on ifindex 2`.
    pub context: String,
    /// The kernel's errno, when it answered with one.
    pub errno: Option<i32>,
    /// Why it failed.
    pub source: NlCause,
}

/// Why a netlink request failed.
#[derive(Debug, thiserror::Error)]
pub enum NlCause {
    /// The request failed (the kernel's answer or the socket's error).
    #[error(transparent)]
    Request(#[from] rtnetlink::Error),
    /// A link was created but a lookup right after did not find it.
    #[error("created, but not found afterwards")]
    NotFoundAfterCreate,
}

impl NlError {
    fn new(context: impl Into<String>, e: rtnetlink::Error) -> Self {
        let errno = match &e {
            rtnetlink::Error::NetlinkError(m) => m.raw_code().checked_abs(),
            _ => None,
        };
        Self {
            context: context.into(),
            errno,
            source: NlCause::Request(e),
        }
    }
}

/// A request connection to the kernel's routing netlink.
#[derive(Clone, Debug)]
pub struct Netlink {
    handle: Handle,
}

impl Netlink {
    /// Opens a connection; its I/O task is spawned on the current tokio
    /// runtime.
    pub fn connect() -> io::Result<Self> {
        Self::connect_with(RcvBuf::default())
    }

    /// [`Self::connect`] with receive buffer `buf` on the request socket
    /// (keepalived's `vrrp_netlink_cmd_rcv_bufs`).
    pub fn connect_with(buf: RcvBuf) -> io::Result<Self> {
        let (mut conn, handle, _) = rtnetlink::new_connection()?;
        monitor::set_rcvbuf(
            netlink_sys::AsyncSocket::socket_mut(conn.socket_mut()),
            buf,
        )?;
        tokio::spawn(conn);
        Ok(Self { handle })
    }

    pub(crate) fn handle(&self) -> &Handle {
        &self.handle
    }
}

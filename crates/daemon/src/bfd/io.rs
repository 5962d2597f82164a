//! The BFD runtime's drivers, as a trait: the kernel's sockets
//! (`system.rs`) or, in tests, memory.

use std::future::Future;
use std::io;
use std::net::SocketAddr;

use ka_sys::bfd_socket::Received;

use super::plan::BfdPlan;

/// A datagram and the listener it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Datagram {
    /// What the socket read.
    pub(crate) received: Received,
    /// From the multihop listener (4784).
    pub(crate) multihop: bool,
}

/// Why the drivers cannot run a plan.
#[derive(Debug, thiserror::Error)]
pub(crate) enum IoError {
    /// No listening socket could be opened (keepalived exits then).
    #[error("Unable to open listening socket: {0}")]
    Listen(#[source] io::Error),
}

/// Sockets of the BFD runtime.
pub(crate) trait BfdIo {
    /// Opens the listeners `plan` needs and one sender per session
    /// (closing those of removed sessions; a session whose sender is
    /// open keeps it). Returns the sessions whose sender could not be
    /// opened, with why.
    fn configure(
        &mut self,
        plan: &BfdPlan,
    ) -> Result<Vec<(String, io::Error)>, IoError>;
    /// Sends `bytes` on `session`'s socket to `dst`.
    fn send(
        &mut self,
        session: &str,
        dst: SocketAddr,
        bytes: &[u8],
    ) -> io::Result<()>;
    /// Waits for the next datagram (for ever without a listener).
    fn recv(&mut self) -> impl Future<Output = io::Result<Datagram>>;
    /// A datagram already queued, without waiting.
    fn try_recv(&mut self) -> Option<Datagram>;
    /// Closes every socket.
    fn close(&mut self);
}

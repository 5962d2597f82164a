//! The netlink sockets' receive buffers that keepalived's
//! `*_netlink_cmd_rcv_bufs` / `*_netlink_monitor_rcv_bufs` keywords (and
//! their `_force` forms) set, per framework: `vrrp_*` on the VRRP
//! framework's sockets, `lvs_*` on the checkers' (keepalived's checker
//! process's) sockets.

use ka_config::model::global::RcvBufs;
use ka_sys::netlink::RcvBuf;

/// The socket setting of a configured buffer.
pub fn rcvbuf(b: &RcvBufs) -> RcvBuf {
    RcvBuf {
        size: b.size,
        force: b.force.unwrap_or(false),
    }
}

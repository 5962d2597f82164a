//! UDP_CHECK: send `payload` on a connected socket (check_udp.c).
//!
//! keepalived compat (layer4.c `udp_socket_state`): no answer within the
//! timeout is success unless `require_reply` is set; an ICMP unreachable
//! comes back as an error on the connected socket and is failure. With a
//! `require_reply` pattern, the reply's length must lie within
//! `min_reply_length..=max_reply_length` and its first bytes (as many as
//! both have) must match the pattern outside the `X` nibbles; without a
//! pattern any reply passes.

use std::io::ErrorKind;

use tokio::time::timeout;

use crate::outcome::{Reason, Verdict};
use crate::spec::{Target, UdpSpec};

/// Sends the payload and waits as keepalived does.
pub(crate) async fn run(spec: &UdpSpec, t: &Target) -> Verdict {
    let sock = match crate::connect::udp(t) {
        Ok(s) => s,
        Err(r) => return Verdict::Down(r),
    };
    if let Err(e) = sock.send(&spec.payload).await {
        return Verdict::Down(unreachable_or(e.kind(), Reason::WriteFailed));
    }
    let mut buf = vec![0u8; usize::from(spec.max_reply_length) + 1];
    match timeout(t.timeout, sock.recv(&mut buf)).await {
        Err(_) if spec.require_reply => Verdict::Down(Reason::ReadTimeout),
        Err(_) => Verdict::Up,
        Ok(Err(e)) => {
            Verdict::Down(unreachable_or(e.kind(), Reason::ReadFailed))
        }
        Ok(Ok(n)) if spec.require_reply && !reply_ok(spec, &buf[..n]) => {
            Verdict::Down(Reason::UdpReplyMismatch)
        }
        Ok(Ok(_)) => Verdict::Up,
    }
}

fn unreachable_or(k: ErrorKind, f: fn(ErrorKind) -> Reason) -> Reason {
    if k == ErrorKind::ConnectionRefused {
        Reason::ConnectRefused
    } else {
        f(k)
    }
}

/// keepalived compat: `check_udp_reply`.
pub(crate) fn reply_ok(spec: &UdpSpec, got: &[u8]) -> bool {
    let Some(p) = &spec.reply else { return true };
    let len = got.len();
    if len < usize::from(spec.min_reply_length)
        || len > usize::from(spec.max_reply_length)
    {
        return false;
    }
    got.iter().zip(&p.data).enumerate().all(|(i, (g, want))| {
        let wild = p.mask.get(i).copied().unwrap_or(0);
        (g ^ want) & !wild == 0
    })
}

//! PING_CHECK: one ICMP or ICMPv6 echo (check_ping.c).
//!
//! keepalived uses an unprivileged datagram ICMP socket (and widens
//! `net.ipv4.ping_group_range` so that it may). This probe tries that
//! socket first and, when the group range forbids it (EACCES), falls back
//! to a raw socket (root or CAP_NET_RAW); it does not change the sysctl.
//! On the raw socket only an echo reply with our identifier and sequence
//! counts; other ICMP traffic is ignored until the timeout.

use std::io::ErrorKind;
use std::net::SocketAddr;

use socket2::{Protocol, SockAddr, Socket, Type};
use tokio::net::UdpSocket;
use tokio::time::{Instant, timeout_at};

use crate::outcome::{Reason, Verdict};
use crate::spec::Target;

/// Echo data after the 8-byte header.
const PAYLOAD: &[u8] = b"keepalived-rs ping";

/// Sends one echo request to `t` and waits for its reply.
pub(crate) async fn run(t: &Target) -> Verdict {
    match echo(t).await {
        Ok(()) => Verdict::Up,
        Err(r) => Verdict::Down(r),
    }
}

fn open(t: &Target) -> Result<(Socket, bool), Reason> {
    let proto = match t.connect {
        SocketAddr::V4(_) => Protocol::ICMPV4,
        SocketAddr::V6(_) => Protocol::ICMPV6,
    };
    let (s, raw) = match crate::connect::socket(t, Type::DGRAM, proto) {
        Ok(s) => (s, false),
        Err(e) if matches!(e.kind(), ErrorKind::PermissionDenied) => {
            let s = crate::connect::socket(t, Type::RAW, proto)
                .map_err(|e| Reason::Socket(e.kind()))?;
            (s, true)
        }
        Err(e) => return Err(Reason::Socket(e.kind())),
    };
    s.connect(&SockAddr::from(crate::connect::dest(t)))
        .map_err(|e| Reason::connect(&e))?;
    Ok((s, raw))
}

/// RFC 792 / RFC 4443 §4.1: an echo request.
fn request(v6: bool, id: u16, seq: u16) -> Vec<u8> {
    let mut p = vec![if v6 { 128 } else { 8 }, 0, 0, 0];
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(PAYLOAD);
    if !v6 {
        // RFC 792: the ICMP checksum (the kernel fills ICMPv6's).
        let c = checksum(&p);
        p[2..4].copy_from_slice(&c.to_be_bytes());
    }
    p
}

/// RFC 1071 Internet checksum.
fn checksum(b: &[u8]) -> u16 {
    let mut sum: u32 = b
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

async fn echo(t: &Target) -> Result<(), Reason> {
    let (sock, raw) = open(t)?;
    let v6 = t.connect.is_ipv6();
    let id: u16 = rand::random();
    let seq: u16 = rand::random();
    let deadline = Instant::now() + t.timeout;
    // tokio's UdpSocket only reads and writes datagrams on the descriptor,
    // which is what an ICMP socket (datagram or raw) needs.
    let fd = UdpSocket::from_std(std::net::UdpSocket::from(sock))
        .map_err(|e| Reason::Socket(e.kind()))?;
    fd.send(&request(v6, id, seq))
        .await
        .map_err(|e| Reason::WriteFailed(e.kind()))?;
    let mut buf = [0u8; 1500];
    loop {
        // Other ICMP traffic seen by a raw socket must not outlast the
        // timeout.
        if Instant::now() >= deadline {
            return Err(Reason::ReadTimeout);
        }
        let n = match timeout_at(deadline, fd.recv(&mut buf)).await {
            Err(_) => return Err(Reason::ReadTimeout),
            Ok(Err(e)) => return Err(Reason::ReadFailed(e.kind())),
            Ok(Ok(n)) => n,
        };
        let mut icmp = &buf[..n];
        if raw && !v6 {
            // A raw IPv4 socket hands over the IP header too.
            let ihl = usize::from(icmp.first().map_or(0, |b| b & 0x0f)) * 4;
            icmp = icmp.get(ihl..).unwrap_or(&[]);
        }
        if icmp.len() < 8 {
            if raw {
                continue;
            }
            return Err(Reason::IcmpUnexpected(0));
        }
        let reply = if v6 { 129 } else { 0 };
        let got_seq = u16::from_be_bytes([icmp[6], icmp[7]]);
        let got_id = u16::from_be_bytes([icmp[4], icmp[5]]);
        if raw && (icmp[0] != reply || got_id != id || got_seq != seq) {
            continue;
        }
        if icmp[0] != reply {
            return Err(Reason::IcmpUnexpected(icmp[0]));
        }
        if got_seq == seq {
            return Ok(());
        }
    }
}

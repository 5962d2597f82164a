//! UDP_CHECK against small UDP servers written here.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::rt;
use ka_config::model::lvs::HexPattern;
use ka_probe::{
    ProbeCtx, ProbeKind, ProbeSpec, Reason, Target, UdpSpec, Verdict,
};
use tokio::net::UdpSocket;

/// Answers every datagram with `reply` (none when empty) and forwards
/// what it got.
async fn server(
    reply: &'static [u8],
) -> (SocketAddr, tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>) {
    let s = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let addr = s.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut buf = [0u8; 1500];
        while let Ok((n, peer)) = s.recv_from(&mut buf).await {
            let _ = tx.send(buf[..n].to_vec());
            if !reply.is_empty() {
                let _ = s.send_to(reply, peer).await;
            }
        }
    });
    (addr, rx)
}

fn udp(addr: SocketAddr, spec: UdpSpec) -> ProbeSpec {
    ProbeSpec {
        target: Target::new(addr, Duration::from_millis(300)),
        kind: ProbeKind::Udp(spec),
    }
}

fn base(payload: &[u8]) -> UdpSpec {
    UdpSpec {
        payload: payload.to_vec(),
        require_reply: false,
        reply: None,
        min_reply_length: 0,
        max_reply_length: 255,
    }
}

#[test]
fn silence_is_success_unless_a_reply_is_required() {
    rt().block_on(async {
        let ctx = ProbeCtx::new();
        let (addr, mut rx) = server(b"").await;
        let o = ka_probe::run(&udp(addr, base(b"\x01\x02ping")), &ctx).await;
        assert_eq!(o.verdict, Verdict::Up);
        assert_eq!(rx.recv().await.expect("payload"), b"\x01\x02ping");
        let mut req = base(b"x");
        req.require_reply = true;
        let o = ka_probe::run(&udp(addr, req), &ctx).await;
        assert_eq!(o.verdict, Verdict::Down(Reason::ReadTimeout));
    });
}

#[test]
fn require_reply_pattern_with_wildcards_and_lengths() {
    rt().block_on(async {
        let ctx = ProbeCtx::new();
        let (addr, _rx) = server(b"\xab\xcd\x01\x02tail").await;
        let pat = |data: &[u8], mask: &[u8]| HexPattern {
            data: data.to_vec(),
            mask: mask.to_vec(),
        };
        let mut s = base(b"q");
        s.require_reply = true;
        // ABXD01: the X nibble is a wildcard.
        s.reply = Some(pat(&[0xab, 0x0d, 0x01], &[0x00, 0xf0, 0x00]));
        assert_eq!(
            ka_probe::run(&udp(addr, s.clone()), &ctx).await.verdict,
            Verdict::Up
        );
        s.reply = Some(pat(&[0xab, 0x0e, 0x01], &[0x00, 0xf0, 0x00]));
        assert_eq!(
            ka_probe::run(&udp(addr, s.clone()), &ctx).await.verdict,
            Verdict::Down(Reason::UdpReplyMismatch)
        );
        s.reply = Some(pat(&[0xab], &[]));
        s.max_reply_length = 4;
        assert_eq!(
            ka_probe::run(&udp(addr, s.clone()), &ctx).await.verdict,
            Verdict::Down(Reason::UdpReplyMismatch)
        );
        s.max_reply_length = 255;
        s.min_reply_length = 9;
        assert_eq!(
            ka_probe::run(&udp(addr, s.clone()), &ctx).await.verdict,
            Verdict::Down(Reason::UdpReplyMismatch)
        );
        // keepalived compat: without a pattern the lengths are not checked.
        s.reply = None;
        assert_eq!(
            ka_probe::run(&udp(addr, s), &ctx).await.verdict,
            Verdict::Up
        );
    });
}

#[test]
fn icmp_port_unreachable_is_failure() {
    rt().block_on(async {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        let addr = s.local_addr().expect("addr");
        drop(s);
        let spec = udp(addr, base(b"x"));
        let o = ka_probe::run(&spec, &ProbeCtx::new()).await;
        assert_eq!(o.verdict, Verdict::Down(Reason::ConnectRefused));
        assert_eq!(
            ka_probe::log::attempt(
                &spec,
                &Reason::ConnectRefused,
                "[127.0.0.1]:udp:9",
                "v"
            ),
            "UDP connection to [127.0.0.1]:udp:9 failed."
        );
    });
}

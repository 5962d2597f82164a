//! DNS_CHECK against a small DNS server written here.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::rt;
use hickory_proto::op::{Message, ResponseCode};
use ka_config::model::lvs::DnsType;
use ka_probe::{
    DnsSpec, ProbeCtx, ProbeKind, ProbeSpec, Reason, Target, Verdict,
};
use tokio::net::UdpSocket;

/// How the server answers a query.
#[derive(Clone, Copy)]
enum Mode {
    /// The answer with this RCODE and no records.
    Rcode(ResponseCode),
    /// First a reply with the wrong id, then a good one.
    WrongIdFirst,
    /// Never.
    Silent,
    /// Replies with a wrong id, as fast as it can, for 20 s.
    Flood,
}

async fn server(
    mode: Mode,
) -> (SocketAddr, tokio::sync::mpsc::UnboundedReceiver<Message>) {
    let s = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let addr = s.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut buf = [0u8; 1500];
        while let Ok((n, peer)) = s.recv_from(&mut buf).await {
            let Ok(q) = Message::from_vec(&buf[..n]) else {
                continue;
            };
            let _ = tx.send(q.clone());
            let mut r = q.clone();
            r.set_message_type(hickory_proto::op::MessageType::Response);
            match mode {
                Mode::Silent => continue,
                Mode::Flood => {
                    r.set_id(q.id().wrapping_add(1));
                    let b = r.to_vec().expect("encode");
                    let end =
                        tokio::time::Instant::now() + Duration::from_secs(20);
                    while tokio::time::Instant::now() < end {
                        let _ = s.send_to(&b, peer).await;
                    }
                    continue;
                }
                Mode::Rcode(rc) => {
                    r.set_response_code(rc);
                }
                Mode::WrongIdFirst => {
                    let mut bad = r.clone();
                    bad.set_id(q.id().wrapping_add(1));
                    bad.set_response_code(ResponseCode::ServFail);
                    let _ =
                        s.send_to(&bad.to_vec().expect("encode"), peer).await;
                    // A too-short datagram is ignored too.
                    let _ = s.send_to(&[1, 2, 3], peer).await;
                }
            }
            let _ = s.send_to(&r.to_vec().expect("encode"), peer).await;
        }
    });
    (addr, rx)
}

fn dns(addr: SocketAddr, qtype: DnsType, name: &str) -> ProbeSpec {
    ProbeSpec {
        target: Target::new(addr, Duration::from_millis(500)),
        kind: ProbeKind::Dns(DnsSpec {
            qtype,
            name: name.into(),
        }),
    }
}

#[test]
fn query_has_type_name_and_rd_and_rcode_decides() {
    rt().block_on(async {
        let ctx = ProbeCtx::new();
        let (addr, mut rx) = server(Mode::Rcode(ResponseCode::NoError)).await;
        let o = ka_probe::run(&dns(addr, DnsType::A, "www.example.org"), &ctx)
            .await;
        assert_eq!(o.verdict, Verdict::Up);
        let q = rx.recv().await.expect("query");
        assert!(q.recursion_desired());
        assert_eq!(q.queries()[0].name().to_ascii(), "www.example.org.");
        assert_eq!(
            q.queries()[0].query_type(),
            hickory_proto::rr::RecordType::A
        );
        // The default: SOA of the root.
        assert_eq!(
            ka_probe::run(&dns(addr, DnsType::Soa, ""), &ctx)
                .await
                .verdict,
            Verdict::Up
        );
        let q = rx.recv().await.expect("query");
        assert!(q.queries()[0].name().is_root());
        let (addr, _rx) = server(Mode::Rcode(ResponseCode::NXDomain)).await;
        let spec = dns(addr, DnsType::A, "nx.example.org");
        let o = ka_probe::run(&spec, &ctx).await;
        assert_eq!(o.verdict, Verdict::Down(Reason::DnsRcode(3)));
        assert_eq!(
            ka_probe::log::attempt(
                &spec,
                &Reason::DnsRcode(3),
                "[127.0.0.1]:udp:53",
                "v"
            ),
            "DNS_CHECK ([127.0.0.1]:udp:53) read error occurred. (rcode = 3)"
        );
    });
}

#[test]
fn foreign_replies_are_ignored_and_silence_times_out() {
    rt().block_on(async {
        let ctx = ProbeCtx::new();
        let (addr, _rx) = server(Mode::WrongIdFirst).await;
        assert_eq!(
            ka_probe::run(&dns(addr, DnsType::Mx, "example.org"), &ctx)
                .await
                .verdict,
            Verdict::Up
        );
        let (addr, _rx) = server(Mode::Silent).await;
        let o =
            ka_probe::run(&dns(addr, DnsType::Mx, "example.org"), &ctx).await;
        assert_eq!(o.verdict, Verdict::Down(Reason::ReadTimeout));
        // A flood of foreign replies ends at the timeout too.
        let (addr, _rx) = server(Mode::Flood).await;
        let o =
            ka_probe::run(&dns(addr, DnsType::Mx, "example.org"), &ctx).await;
        assert_eq!(o.verdict, Verdict::Down(Reason::ReadTimeout));
        assert!(o.latency < Duration::from_secs(3), "{:?}", o.latency);
    });
}

#[test]
fn a_closed_port_fails_by_icmp() {
    rt().block_on(async {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        let addr = s.local_addr().expect("addr");
        drop(s);
        let o = ka_probe::run(
            &dns(addr, DnsType::A, "example.org"),
            &ProbeCtx::new(),
        )
        .await;
        assert!(
            matches!(o.verdict, Verdict::Down(Reason::ReadFailed(_))),
            "{:?}",
            o.verdict
        );
        assert!(o.latency < Duration::from_millis(400), "{:?}", o.latency);
    });
}

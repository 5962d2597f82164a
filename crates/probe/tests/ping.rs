//! PING_CHECK in a namespace: the datagram ICMP socket when
//! `ping_group_range` allows it, the raw fallback when it does not.

mod common;

use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use common::{in_netns, rt, skip_unprivileged};
use ka_probe::{ProbeCtx, ProbeKind, ProbeSpec, Reason, Target, Verdict};

/// How long a probe expected to succeed may take: generous, for a loaded
/// CI machine (a probe expected to fail waits [`DOWN_WAIT`]).
const UP_WAIT: Duration = Duration::from_secs(3);
const DOWN_WAIT: Duration = Duration::from_millis(400);

fn ping(ip: [u8; 4]) -> ProbeSpec {
    ping_within(ip, DOWN_WAIT)
}

fn ping_within(ip: [u8; 4], wait: Duration) -> ProbeSpec {
    ProbeSpec {
        target: Target::new(SocketAddr::from((ip, 0)), wait),
        kind: ProbeKind::Ping,
    }
}

fn ping6() -> ProbeSpec {
    ping6_within(DOWN_WAIT)
}

fn ping6_within(wait: Duration) -> ProbeSpec {
    let ip: std::net::Ipv6Addr = "2001:db8::1".parse().expect("v6");
    ProbeSpec {
        target: Target::new(SocketAddr::from((ip, 0)), wait),
        kind: ProbeKind::Ping,
    }
}

fn drop_echo() {
    let rules = "table inet probe {\n chain in {\n type filter hook input priority 0;\n icmp type echo-request drop\n icmpv6 type echo-request drop\n }\n}\n";
    let mut c = Command::new("nft")
        .args(["-f", "-"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("run nft");
    {
        use std::io::Write;
        c.stdin
            .take()
            .expect("stdin")
            .write_all(rules.as_bytes())
            .expect("write rules");
    }
    assert!(c.wait().expect("nft").success());
}

/// Whether this namespace lets us open a datagram ICMP socket.
fn dgram_icmp_allowed() -> bool {
    use socket2::{Domain, Protocol, Socket, Type};
    Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::ICMPV4)).is_ok()
}

/// The verdict of `spec`, tried up to three times until it is Up: one
/// echo is one datagram, and the full suite once lost one on a loaded
/// machine (a checker retries too; a broken probe still fails each try).
async fn up_in_three(spec: &ProbeSpec, ctx: &ProbeCtx) -> Verdict {
    let mut v = ka_probe::run(spec, ctx).await.verdict;
    for _ in 0..2 {
        if v.is_up() {
            break;
        }
        v = ka_probe::run(spec, ctx).await.verdict;
    }
    v
}

fn check_both_families() {
    rt().block_on(async {
        let ctx = ProbeCtx::new();
        let v4 = ping_within([192, 0, 2, 1], UP_WAIT);
        assert_eq!(up_in_three(&v4, &ctx).await, Verdict::Up);
        assert_eq!(
            up_in_three(&ping6_within(UP_WAIT), &ctx).await,
            Verdict::Up
        );
        // No route to 203.0.113.1.
        let o = ka_probe::run(&ping([203, 0, 113, 1]), &ctx).await;
        assert!(!o.verdict.is_up(), "{:?}", o.verdict);
    });
    drop_echo();
    rt().block_on(async {
        let ctx = ProbeCtx::new();
        assert_eq!(
            ka_probe::run(&ping([192, 0, 2, 1]), &ctx).await.verdict,
            Verdict::Down(Reason::ReadTimeout)
        );
        assert_eq!(
            ka_probe::run(&ping6(), &ctx).await.verdict,
            Verdict::Down(Reason::ReadTimeout)
        );
    });
}

#[test]
fn echo_over_the_datagram_icmp_socket() {
    if skip_unprivileged() {
        return;
    }
    in_netns(|| {
        ka_sys::testns::sysctl("net/ipv4/ping_group_range", "0 2147483647");
        assert!(dgram_icmp_allowed());
        check_both_families();
    });
}

#[test]
fn echo_over_the_raw_fallback() {
    if skip_unprivileged() {
        return;
    }
    in_netns(|| {
        // The kernel default: nobody may open a datagram ICMP socket.
        ka_sys::testns::sysctl("net/ipv4/ping_group_range", "1 0");
        assert!(
            !dgram_icmp_allowed(),
            "the probe must take the raw path here"
        );
        check_both_families();
    });
}

//! SMTP_CHECK against small SMTP servers written here.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::rt;
use ka_probe::{
    ProbeCtx, ProbeKind, ProbeSpec, Reason, SmtpSpec, Target, Verdict,
};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A server answering `banner`, then `helo_reply` to the first line,
/// then 221 to the next; records the lines it got.
async fn server(
    banner: &'static str,
    helo_reply: &'static str,
) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = l.local_addr().expect("addr");
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            let g = g.clone();
            tokio::spawn(async move {
                let (r, mut w) = s.into_split();
                let mut r = BufReader::new(r);
                let _ = w.write_all(banner.as_bytes()).await;
                for reply in [helo_reply, "221 bye\r\n"] {
                    let mut line = String::new();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    g.lock().expect("lock").push(line);
                    let _ = w.write_all(reply.as_bytes()).await;
                }
            });
        }
    });
    (addr, got)
}

fn smtp(addr: SocketAddr) -> ProbeSpec {
    ProbeSpec {
        target: Target::new(addr, Duration::from_millis(500)),
        kind: ProbeKind::Smtp(SmtpSpec {
            helo_name: "checker.example.org".into(),
        }),
    }
}

#[test]
fn banner_helo_quit() {
    rt().block_on(async {
        let (addr, got) =
            server("220 mx.example.org ESMTP\r\n", "250 hello\r\n").await;
        let o = ka_probe::run(&smtp(addr), &ProbeCtx::new()).await;
        assert_eq!(o.verdict, Verdict::Up);
        assert_eq!(
            *got.lock().expect("lock"),
            ["HELO checker.example.org\r\n", "QUIT\r\n"]
        );
    });
}

#[test]
fn bad_banner_bad_helo_and_silence_fail() {
    rt().block_on(async {
        let ctx = ProbeCtx::new();
        let (addr, _) = server("554 go away\r\n", "250 hello\r\n").await;
        let spec = smtp(addr);
        let o = ka_probe::run(&spec, &ctx).await;
        assert_eq!(o.verdict, Verdict::Down(Reason::SmtpBanner));
        assert_eq!(
            ka_probe::log::attempt(&spec, &Reason::SmtpBanner, "x", "y"),
            format!(
                "SMTP_CHECK Bad greeting banner from server [127.0.0.1]:{}",
                addr.port()
            )
        );
        // keepalived compat: a continuation line is not a 220 banner.
        let (addr, _) =
            server("220-first\r\n220 second\r\n", "250 hello\r\n").await;
        assert_eq!(
            ka_probe::run(&smtp(addr), &ctx).await.verdict,
            Verdict::Down(Reason::SmtpBanner)
        );
        let (addr, _) = server("220 ok\r\n", "501 bad helo\r\n").await;
        assert_eq!(
            ka_probe::run(&smtp(addr), &ctx).await.verdict,
            Verdict::Down(Reason::SmtpHelo)
        );
        // Accepts and never greets.
        let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let o = ka_probe::run(&smtp(l.local_addr().expect("addr")), &ctx).await;
        assert_eq!(o.verdict, Verdict::Down(Reason::ReadTimeout));
    });
}

#[test]
fn an_endless_line_is_refused_at_512_bytes() {
    rt().block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = l.local_addr().expect("addr");
        tokio::spawn(async move {
            if let Ok((mut s, _)) = l.accept().await {
                let junk = vec![b'2'; 4096];
                for _ in 0..256 {
                    if s.write_all(&junk).await.is_err() {
                        break;
                    }
                }
            }
        });
        let o = ka_probe::run(&smtp(addr), &ProbeCtx::new()).await;
        assert_eq!(o.verdict, Verdict::Down(Reason::SmtpLineTooLong));
    });
}

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use ka_config::model::global::GlobalDefs;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use super::*;

/// What a test server received in one session: the command lines and
/// the DATA part.
#[derive(Debug, Default, Clone)]
pub(crate) struct Received {
    pub commands: Vec<String>,
    pub data: String,
}

/// A tiny SMTP server on 127.0.0.1 speaking 220/250/354/221; each
/// finished session is sent on the returned channel. `rcpt_code` is the
/// reply to `RCPT` (250 normally).
pub(crate) async fn server(
    rcpt_code: u16,
) -> (SocketAddr, mpsc::UnboundedReceiver<Received>) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                if let Some(r) = session(s, rcpt_code).await {
                    let _ = tx.send(r);
                }
            });
        }
    });
    (addr, rx)
}

async fn session(s: tokio::net::TcpStream, rcpt_code: u16) -> Option<Received> {
    let mut s = BufReader::new(s);
    let mut r = Received::default();
    s.get_mut().write_all(b"220 test ESMTP\r\n").await.ok()?;
    let mut in_data = false;
    for _ in 0..1000 {
        let mut line = String::new();
        if s.read_line(&mut line).await.ok()? == 0 {
            return Some(r);
        }
        if in_data {
            if line == ".\r\n" {
                in_data = false;
                s.get_mut().write_all(b"250 queued\r\n").await.ok()?;
            } else {
                r.data.push_str(&line);
            }
            continue;
        }
        let cmd = line.trim_end().to_string();
        r.commands.push(cmd.clone());
        let reply: &[u8] = match cmd.get(..4) {
            Some("HELO") => b"250-test\r\n250 hello\r\n",
            Some("RCPT") if rcpt_code != 250 => b"550 no such user\r\n",
            Some("DATA") => {
                in_data = true;
                b"354 go\r\n"
            }
            Some("QUIT") => {
                s.get_mut().write_all(b"221 bye\r\n").await.ok()?;
                return Some(r);
            }
            _ => b"250 ok\r\n",
        };
        s.get_mut().write_all(reply).await.ok()?;
    }
    Some(r)
}

pub(crate) fn config(addr: SocketAddr) -> SmtpConfig {
    SmtpConfig {
        server: (addr.ip().to_string(), addr.port()),
        helo: "lb1.example.org".into(),
        from: "Keepalived <ka@example.org>".into(),
        to: vec!["ops@example.org".into(), "noc@example.org".into()],
        router_id: "LB1".into(),
        timeout: Duration::from_secs(5),
    }
}

/// Waits (bounded) for one session of the test server.
pub(crate) async fn one(
    rx: &mut mpsc::UnboundedReceiver<Received>,
) -> Received {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("no mail within 10 s")
        .expect("server gone")
}

#[tokio::test]
async fn smtp_dialogue_is_keepalived_s() {
    let (addr, mut rx) = server(250).await;
    let cfg = config(addr);
    let mail = Mail {
        subject: "VRRP Instance VI_1 - Entering MASTER state".into(),
        body: "=> VRRP Instance is now owning VRRP VIPs <=".into(),
    };
    deliver(&cfg, &mail).await.unwrap();
    let r = one(&mut rx).await;
    assert_eq!(
        r.commands,
        [
            "HELO lb1.example.org",
            "MAIL FROM:<ka@example.org>",
            "RCPT TO:<ops@example.org>",
            "RCPT TO:<noc@example.org>",
            "DATA",
            "QUIT",
        ]
    );
    assert!(r.data.starts_with("Date: "), "{}", r.data);
    let rest = r.data.split_once("\r\n").unwrap().1;
    assert_eq!(
        rest,
        "From: Keepalived <ka@example.org>\r\n\
         Subject: [LB1] VRRP Instance VI_1 - Entering MASTER state\r\n\
         X-Mailer: Keepalived\r\n\
         To: ops@example.org, noc@example.org\r\n\
         \r\n\
         => VRRP Instance is now owning VRRP VIPs <=\r\n\
         \r\n"
    );
}

#[tokio::test]
async fn smtp_refused_recipient_is_an_error_with_its_code() {
    let (addr, _rx) = server(550).await;
    let e = deliver(
        &config(addr),
        &Mail {
            subject: "s".into(),
            body: "b".into(),
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            e,
            SmtpError::Reply {
                stage: "RCPT",
                code: 550,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("Error processing RCPT cmd on SMTP server 127.0.0.1:")
    );
}

#[test]
fn smtp_config_defaults_are_keepalived_s() {
    let mut g = GlobalDefs::default();
    assert_eq!(SmtpConfig::from_globals(&g, "h1.example.org"), None);
    g.smtp_server = Some(("192.0.2.25".into(), None));
    assert_eq!(
        SmtpConfig::from_globals(&g, "h1.example.org"),
        None,
        "no recipients, no mail"
    );
    g.notification_email = vec!["ops@example.org".into()];
    let c = SmtpConfig::from_globals(&g, "h1.example.org").unwrap();
    assert_eq!(c.server, ("192.0.2.25".into(), 25));
    assert_eq!(c.helo, "h1.example.org");
    assert_eq!(c.from, "keepalived@h1.example.org");
    assert_eq!(c.router_id, "h1.example.org");
    assert_eq!(c.timeout, Duration::from_secs(30));
}

#[test]
fn smtp_addresses_are_bracketed_as_keepalived_does() {
    assert_eq!(angle("a@example.org"), "<a@example.org>");
    assert_eq!(angle("A <a@example.org>"), "<a@example.org>");
    let cfg = config("127.0.0.1:25".parse().unwrap());
    let long = Mail {
        subject: "x".repeat(400),
        body: "y".repeat(600),
    };
    let m = message(&cfg, &long, "D");
    let subject = m.lines().find(|l| l.starts_with("Subject: ")).unwrap();
    assert_eq!(subject.len(), "Subject: ".len() + MAX_SUBJECT);
    assert!(
        m.contains(&format!("\r\n\r\n{}\r\n\r\n.\r\n", "y".repeat(MAX_BODY)))
    );
}

/// A server that accepts and never answers, and a port nobody listens
/// on: `send` returns at once, both mails fail (counted) within the
/// timeout, and a later mail to a live server still goes out.
#[tokio::test]
async fn smtp_dead_server_never_blocks_the_sender() {
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap();
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed_addr = closed.local_addr().unwrap();
    drop(closed);
    let (live, mut rx) = server(250).await;
    let mut mailer = Mailer::new(Framework::Vrrp);
    let counters = mailer.counters();
    let mail = Mail {
        subject: "s".into(),
        body: "b".into(),
    };
    let t0 = std::time::Instant::now();
    for a in [silent_addr, closed_addr] {
        let mut c = config(a);
        c.timeout = Duration::from_millis(300);
        mailer.send(&Arc::new(c), mail.clone());
    }
    mailer.send(&Arc::new(config(live)), mail.clone());
    assert!(t0.elapsed() < Duration::from_millis(100), "send waited");
    one(&mut rx).await;
    // The server has the mail; the sender counts it on the 221.
    for _ in 0..100 {
        if counters.sent.load(Ordering::Relaxed) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(counters.failed.load(Ordering::Relaxed), 2);
    assert_eq!(counters.sent.load(Ordering::Relaxed), 1);
    drop(silent);
}

/// More mails than the queue holds while the server is silent: the rest
/// are dropped and counted, `send` never waits.
#[tokio::test]
async fn smtp_full_queue_drops_and_counts() {
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut c = config(silent.local_addr().unwrap());
    c.timeout = Duration::from_secs(30);
    let c = Arc::new(c);
    let mut mailer = Mailer::new(Framework::Check);
    let counters = mailer.counters();
    let mail = Mail {
        subject: "s".into(),
        body: "b".into(),
    };
    let t0 = std::time::Instant::now();
    for _ in 0..QUEUE_LEN + 10 {
        mailer.send(&c, mail.clone());
    }
    assert!(t0.elapsed() < Duration::from_millis(500), "send waited");
    // The task holds at most one mail besides the queue.
    let dropped = counters.dropped.load(Ordering::Relaxed);
    assert!((9..=10).contains(&dropped), "dropped {dropped}");
}

//! The request parser, the socket file's life, and the protocol over a
//! real socket in a scratch directory, answered by a stand-in for the
//! supervising loop.

use std::os::unix::fs::PermissionsExt;
use std::time::SystemTime;

use ka_lab::{TmpDir, current_thread_runtime};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

use super::*;
use crate::core::control::{Plan, Snapshot};
use crate::core::operator::{Query, ReloadError, Status};

#[test]
fn every_command_parses_from_the_line_a_client_sends() {
    for (name, req) in COMMANDS {
        assert_eq!(req.name(), name);
        let line = req.line();
        assert!(line.ends_with('\n'));
        assert_eq!(parse_request(line.trim_end().as_bytes()).unwrap(), req);
    }
    let alias = parse_request(br#"{"cmd":"virtual_servers"}"#).unwrap();
    assert_eq!(alias, Request::VirtualServers);
    // Other keys are ignored.
    let extra = parse_request(br#"{"cmd":"bfd","verbose":true}"#).unwrap();
    assert_eq!(extra, Request::Bfd);
}

#[test]
fn bad_requests_say_what_is_wrong() {
    let err = |line: &[u8]| parse_request(line).unwrap_err().to_string();
    assert!(err(b"status").starts_with("request is not JSON"));
    assert!(err(b"{\"cmd\":").starts_with("request is not JSON"));
    assert!(err(b"[1,2]").contains("\"cmd\""));
    assert!(err(br#"{"cmd":7}"#).contains("string \"cmd\""));
    assert!(err(br#"{"command":"status"}"#).contains("\"cmd\""));
    let unknown = err(br#"{"cmd":"shutdown"}"#);
    assert!(unknown.contains("\"shutdown\""), "{unknown}");
    assert!(unknown.contains("virtual-servers"), "{unknown}");
    let big = vec![b' '; MAX_REQUEST + 1];
    assert!(matches!(parse_request(&big), Err(RequestError::TooLarge)));
}

#[test]
fn only_root_and_our_own_user_are_allowed() {
    assert!(allowed(0, 0));
    assert!(allowed(0, 1000));
    assert!(allowed(1000, 1000));
    assert!(!allowed(65534, 0));
    assert!(!allowed(1001, 1000));
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

#[test]
fn bind_makes_a_private_socket_and_removes_it_on_drop() {
    let dir = TmpDir::new("ka-ctl", "bind");
    let path = dir.path().join("sub/control.sock");
    let rt = current_thread_runtime();
    rt.block_on(async {
        let (_listener, file) = bind(&path).expect("bind");
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(mode(&path), 0o600);
        // A second daemon does not take a socket that answers.
        match bind(&path) {
            Err(SocketError::InUse(p)) => assert_eq!(p, path),
            other => panic!("expected InUse, got {other:?}"),
        }
        drop(file);
        assert!(!path.exists(), "socket left behind");
    });
}

#[test]
fn bind_replaces_a_stale_socket_but_not_a_file() {
    let dir = TmpDir::new("ka-ctl", "stale");
    let path = dir.path().join("control.sock");
    // A socket nobody listens on: what a killed daemon leaves.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists());
    let rt = current_thread_runtime();
    rt.block_on(async {
        let (_l, _file) = bind(&path).expect("stale socket replaced");
    });
    let file = dir.path().join("plain");
    std::fs::write(&file, "keep me").unwrap();
    rt.block_on(async {
        assert!(matches!(bind(&file), Err(SocketError::NotSocket(_))));
    });
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
}

#[test]
fn a_socket_replaced_by_another_daemon_is_not_removed() {
    let dir = TmpDir::new("ka-ctl", "replaced");
    let path = dir.path().join("control.sock");
    let rt = current_thread_runtime();
    rt.block_on(async {
        let (l, file) = bind(&path).unwrap();
        drop(l);
        std::fs::remove_file(&path).unwrap();
        let _other = std::os::unix::net::UnixListener::bind(&path).unwrap();
        drop(file);
        assert!(path.exists(), "removed another daemon's socket");
    });
}

/// A stand-in for the supervising loop: an empty status; reloads taken
/// or refused as `reload_ok` says.
fn fake_loop(reload_ok: bool) -> Operator {
    let (op, mut rx) = Operator::channel();
    tokio::spawn(async move {
        while let Some(q) = rx.recv().await {
            match q {
                Query::Status(tx) => {
                    let _ = tx.send(Status {
                        snapshot: Snapshot::default(),
                        plan: Plan::default(),
                        started: SystemTime::now(),
                    });
                }
                Query::Reload(tx) => {
                    let done = if reload_ok {
                        Ok(())
                    } else {
                        Err(ReloadError("bad configuration".into()))
                    };
                    let _ = tx.send(done);
                }
                Query::Print(_, tx) | Query::SendGarp(_, tx) => {
                    let _ = tx.send(());
                }
            }
        }
    });
    op
}

/// Serves `op` on a socket in `dir`; returns its path.
fn listen(dir: &TmpDir, op: Operator) -> PathBuf {
    let path = dir.path().join("control.sock");
    let (listener, file) = bind(&path).unwrap();
    tokio::spawn(serve(listener, file, op));
    path
}

struct Client {
    rd: BufReader<tokio::net::unix::OwnedReadHalf>,
    wr: tokio::net::unix::OwnedWriteHalf,
}

impl Client {
    async fn connect(path: &Path) -> Self {
        let (rd, wr) = UnixStream::connect(path).await.unwrap().into_split();
        Self {
            rd: BufReader::new(rd),
            wr,
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.wr.write_all(bytes).await.unwrap();
    }

    /// The next answer; `None` once the daemon closed the connection.
    async fn answer(&mut self) -> Option<Response> {
        let mut line = String::new();
        let read = self.rd.read_line(&mut line);
        let n = tokio::time::timeout(Duration::from_secs(5), read)
            .await
            .expect("an answer within 5 s")
            .ok()?;
        (n > 0).then(|| serde_json::from_str(&line).expect("JSON answer"))
    }
}

#[test]
fn one_connection_carries_several_requests_and_survives_bad_ones() {
    let dir = TmpDir::new("ka-ctl", "requests");
    current_thread_runtime().block_on(async {
        let path = listen(&dir, fake_loop(true));
        let mut c = Client::connect(&path).await;
        c.send(b"{\"cmd\":\"status\"}\n").await;
        match c.answer().await {
            Some(Response::Status(s)) => {
                assert_eq!(s.pid, std::process::id());
                assert!(s.frameworks.is_empty());
            }
            other => panic!("expected status, got {other:?}"),
        }
        c.send(b"not json\n{\"cmd\":\"nope\"}\r\n\n").await;
        for _ in 0..2 {
            assert!(matches!(c.answer().await, Some(Response::Error(_))));
        }
        c.send(b"{\"cmd\":\"instances\"}\n").await;
        assert_eq!(c.answer().await, Some(Response::Instances(Vec::new())));
        c.send(b"{\"cmd\":\"reload\"}\n").await;
        let taken = ReloadOutcome {
            taken: true,
            error: None,
        };
        assert_eq!(c.answer().await, Some(Response::Reload(taken)));
        // A last request without its newline is answered at EOF.
        c.send(b"{\"cmd\":\"dump\"}").await;
        c.wr.shutdown().await.unwrap();
        assert!(matches!(c.answer().await, Some(Response::Dump(_))));
        assert_eq!(c.answer().await, None);
    });
}

#[test]
fn a_refused_reload_says_why() {
    let dir = TmpDir::new("ka-ctl", "reload");
    current_thread_runtime().block_on(async {
        let path = listen(&dir, fake_loop(false));
        let mut c = Client::connect(&path).await;
        c.send(Request::Reload.line().as_bytes()).await;
        let refused = ReloadOutcome {
            taken: false,
            error: Some("bad configuration".into()),
        };
        assert_eq!(c.answer().await, Some(Response::Reload(refused)));
    });
}

#[test]
fn an_oversized_request_is_refused_and_the_socket_keeps_serving() {
    let dir = TmpDir::new("ka-ctl", "oversized");
    current_thread_runtime().block_on(async {
        let path = listen(&dir, fake_loop(true));
        let mut c = Client::connect(&path).await;
        // No newline at all: the daemon stops reading at the bound.
        let big = vec![b'x'; MAX_REQUEST * 4];
        let (_, answer) = tokio::join!(
            async {
                // The daemon may close before it has read everything.
                let _ = c.wr.write_all(&big).await;
            },
            async {
                let mut line = String::new();
                let _ = c.rd.read_line(&mut line).await;
                line
            }
        );
        let r: Response = serde_json::from_str(&answer).unwrap();
        match r {
            Response::Error(e) => assert!(e.contains("longer than"), "{e}"),
            other => panic!("expected an error, got {other:?}"),
        }
        let mut again = Client::connect(&path).await;
        again.send(Request::Bfd.line().as_bytes()).await;
        assert_eq!(again.answer().await, Some(Response::Bfd(Vec::new())));
    });
}

#[test]
fn clients_beyond_the_limit_are_told_and_closed() {
    let dir = TmpDir::new("ka-ctl", "busy");
    current_thread_runtime().block_on(async {
        let path = listen(&dir, fake_loop(true));
        let mut held = Vec::new();
        for _ in 0..MAX_CLIENTS {
            let mut c = Client::connect(&path).await;
            // Served: each one answers, so its slot is taken.
            c.send(Request::Status.line().as_bytes()).await;
            assert!(matches!(c.answer().await, Some(Response::Status(_))));
            held.push(c);
        }
        let mut extra = Client::connect(&path).await;
        match extra.answer().await {
            Some(Response::Error(e)) => assert!(e.contains("too many"), "{e}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(extra.answer().await, None);
        // A slot frees when a client leaves.
        drop(held.pop());
        let ok = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                let mut c = Client::connect(&path).await;
                c.send(Request::Status.line().as_bytes()).await;
                if let Some(Response::Status(_)) = c.answer().await {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        });
        ok.await.expect("a slot freed");
    });
}

//! Servers and specs shared by the probe tests.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ka_config::model::lvs::HttpProtocol;
use ka_probe::{HttpSpec, ProbeKind, ProbeSpec, Target, UrlSpec};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A current-thread runtime with time and I/O.
pub fn rt() -> tokio::runtime::Runtime {
    ka_lab::current_thread_runtime()
}

/// How a test server answers each connection.
#[derive(Clone)]
pub enum Answer {
    /// Read the request (to `\r\n\r\n`), write these bytes, close.
    Reply(Vec<u8>),
    /// Accept, read, never answer, never close (until the test ends).
    Silent,
    /// Write this header, then body bytes forever.
    Endless(Vec<u8>),
    /// Write these bytes forever, never a `\r\n\r\n`.
    EndlessHeader,
    /// Write these bytes, then reset the connection.
    Reset(Vec<u8>),
}

/// A TCP server on `bind` (port 0) that records each request.
pub struct Server {
    pub addr: SocketAddr,
    pub requests: Arc<Mutex<Vec<Vec<u8>>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    /// Starts the server (call inside the runtime).
    pub async fn start(bind: &str, answer: Answer) -> Self {
        let l = TcpListener::bind(bind).await.expect("bind test server");
        let addr = l.local_addr().expect("local addr");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let reqs = requests.clone();
        let task = tokio::spawn(async move {
            while let Ok((s, _)) = l.accept().await {
                let reqs = reqs.clone();
                let answer = answer.clone();
                tokio::spawn(async move { serve_one(s, answer, reqs).await });
            }
        });
        Self {
            addr,
            requests,
            task,
        }
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<Vec<u8>> {
        self.requests.lock().expect("lock").clone()
    }
}

async fn read_request(s: &mut TcpStream) -> Vec<u8> {
    let mut req = Vec::new();
    let mut buf = [0u8; 1024];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") && req.len() < 65536 {
        match tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
            .await
        {
            Ok(Ok(n)) if n > 0 => req.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    req
}

async fn serve_one(
    mut s: TcpStream,
    answer: Answer,
    reqs: Arc<Mutex<Vec<Vec<u8>>>>,
) {
    let req = read_request(&mut s).await;
    reqs.lock().expect("lock").push(req);
    match answer {
        Answer::Reply(b) => {
            let _ = s.write_all(&b).await;
            let _ = s.shutdown().await;
        }
        Answer::Silent => {
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        Answer::Endless(head) => {
            let _ = s.write_all(&head).await;
            let chunk = vec![b'x'; 16384];
            // Bounded: at most 60 s of writing.
            let end = tokio::time::Instant::now() + Duration::from_secs(60);
            while tokio::time::Instant::now() < end {
                if s.write_all(&chunk).await.is_err() {
                    break;
                }
            }
        }
        Answer::EndlessHeader => {
            let _ = s.write_all(b"HTTP/1.0 200 OK\r\n").await;
            let chunk = vec![b'A'; 16384];
            let end = tokio::time::Instant::now() + Duration::from_secs(60);
            while tokio::time::Instant::now() < end {
                if s.write_all(&chunk).await.is_err() {
                    break;
                }
            }
        }
        Answer::Reset(b) => {
            let _ = s.write_all(&b).await;
            let _ = socket2::SockRef::from(&s).set_linger(Some(Duration::ZERO));
            drop(s);
        }
    }
}

/// An HTTP/1.0 answer with `status` and `body` (with Content-Length).
pub fn http_reply(status: &str, body: &[u8]) -> Vec<u8> {
    let mut v = format!(
        "HTTP/1.0 {status}\r\nServer: test\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    v.extend_from_slice(body);
    v
}

/// An HTTP_GET spec for `path` at `addr`.
pub fn http_spec(addr: SocketAddr, url: UrlSpec, timeout_ms: u64) -> ProbeSpec {
    ProbeSpec {
        target: Target::new(addr, Duration::from_millis(timeout_ms)),
        kind: ProbeKind::Http(HttpSpec {
            protocol: HttpProtocol::Http10,
            urls: vec![url],
            tls: None,
            fast_recovery: false,
        }),
    }
}

/// MD5 of `b`.
pub fn md5(b: &[u8]) -> [u8; 16] {
    use md5::Digest;
    md5::Md5::digest(b).into()
}

/// Whether privileged tests must be skipped (prints why).
pub fn skip_unprivileged() -> bool {
    ka_lab::skip_if(ka_sys::testns::skip_reason())
}

/// Runs `f` in a fresh network namespace with `lo` up carrying the test
/// addresses 192.0.2.1/24 and 2001:db8::1/64.
pub fn in_netns<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    ka_sys::testns::in_new_netns(move || {
        ka_sys::testns::ip("link set lo up");
        ka_sys::testns::ip("addr add 192.0.2.1/24 dev lo");
        ka_sys::testns::ip("addr add 2001:db8::1/64 dev lo nodad");
        f()
    })
}

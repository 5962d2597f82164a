//! The HTTP side of the metrics endpoint (hyper, HTTP/1.1): `GET` or
//! `HEAD /metrics`, 404 for any other path, 405 for another method.
//! Requests are bounded (headers within 8 KiB and 5 s, bodies never
//! read), so are connections (16 at once, 2 minutes each); a scrape waits
//! at most 5 s for the supervising loop.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{ALLOW, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::core::log::target;
use crate::core::operator::Operator;

/// The one path served.
const PATH: &str = "/metrics";
/// hyper's smallest read buffer: the bound on a request's headers.
const MAX_REQUEST: usize = 8192;
/// Time to send a request's headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections served at once; more wait in the kernel's backlog.
const MAX_CONNECTIONS: usize = 16;
/// How long one connection (with keep-alive, many scrapes) may last.
const CONNECTION_LIFETIME: Duration = Duration::from_secs(120);
/// How long a scrape waits for the supervising loop's answer.
const STATUS_WAIT: Duration = Duration::from_secs(5);
/// Pause after a failed accept (e.g. out of descriptors).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Why the endpoint did not start.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// The address could not be bound.
    #[error("cannot listen for metrics on {addr}: {source}")]
    Listen {
        /// The `--metrics-listen` address.
        addr: SocketAddr,
        /// The socket error.
        #[source]
        source: std::io::Error,
    },
}

/// Binds `addr` now and serves `/metrics` on a task of the current
/// runtime, asking `op` once per scrape.
pub fn serve(
    op: Operator,
    addr: SocketAddr,
) -> Result<SocketAddr, MetricsError> {
    let listen = |source| MetricsError::Listen { addr, source };
    let std = std::net::TcpListener::bind(addr).map_err(listen)?;
    std.set_nonblocking(true).map_err(listen)?;
    let local = std.local_addr().map_err(listen)?;
    let listener = TcpListener::from_std(std).map_err(listen)?;
    tracing::info!(target: target::CORE, "Serving metrics on http://{local}{PATH}");
    tokio::spawn(accept_loop(listener, op));
    Ok(local)
}

async fn accept_loop(listener: TcpListener, op: Operator) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!(target: target::CORE, "metrics: accept failed: {e}");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let op = op.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| answer(op.clone(), req));
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .max_buf_size(MAX_REQUEST)
                .serve_connection(TokioIo::new(stream), svc);
            // A client's error or a timeout only ends its connection.
            let _ = tokio::time::timeout(CONNECTION_LIFETIME, conn).await;
            drop(permit);
        });
    }
}

/// Answers one request.
async fn answer(
    op: Operator,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if req.uri().path() != PATH {
        return Ok(plain(StatusCode::NOT_FOUND, "not found\n"));
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "GET only\n");
        r.headers_mut().insert(
            ALLOW,
            hyper::header::HeaderValue::from_static("GET, HEAD"),
        );
        return Ok(r);
    }
    // None: stopping; Err: the loop is busy past the bound.
    let Ok(Some(status)) = tokio::time::timeout(STATUS_WAIT, op.status()).await
    else {
        return Ok(plain(StatusCode::SERVICE_UNAVAILABLE, "unavailable\n"));
    };
    let Ok(text) = super::encode(status) else {
        return Ok(plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "encoding failed\n",
        ));
    };
    // hyper sends no body to a HEAD request, with the GET's length.
    let mut r = Response::new(Full::new(Bytes::from(text)));
    r.headers_mut().insert(
        CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(super::CONTENT_TYPE),
    );
    Ok(r)
}

fn plain(code: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *r.status_mut() = code;
    r
}

//! HTTP_GET and SSL_GET: one GET of one url.
//!
//! The request is keepalived's (check_http.c `request_template`), the
//! answer is read until the server closes (keepalived asks for
//! `Connection: close` with 1.0C and 1.1, and reads to EOF always).
//!
//! Bounds: the connect, the TLS handshake, and the whole exchange after
//! the connect are each limited by `connect_timeout` (keepalived limits
//! each read, so a server trickling an endless body kept its checker busy
//! forever; here it fails at the timeout). The header is limited to
//! keepalived's 4 KiB buffer, the body is hashed as it streams and only
//! [`response::REGEX_BODY_MAX`] of it is kept, and only for a `regex`.

pub mod response;

use std::net::SocketAddr;

use ka_config::model::lvs::HttpProtocol;
use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::timeout_at;

use crate::ctx::ProbeCtx;
use crate::outcome::Reason;
use crate::spec::{HttpSpec, Target, UrlSpec};

pub use response::Fetched;
use response::Response;

/// Read size per call; keepalived reads into a 4 KiB buffer too.
const READ_CHUNK: usize = 4096;

/// The exact request keepalived sends for `url` to `dst`.
pub fn request(
    protocol: HttpProtocol,
    url: &UrlSpec,
    dst: SocketAddr,
) -> String {
    let minor = u8::from(protocol == HttpProtocol::Http11);
    let close = match protocol {
        HttpProtocol::Http10 => "",
        HttpProtocol::Http10Close | HttpProtocol::Http11 => {
            "Connection: close\r\n"
        }
    };
    let host = match &url.vhost {
        Some(v) => v.clone(),
        // keepalived compat: a literal IPv6 address in brackets (RFC 2732),
        // with the port, when there is no virtualhost.
        None => match dst {
            SocketAddr::V4(a) => format!("{}:{}", a.ip(), a.port()),
            SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
        },
    };
    format!(
        "GET {} HTTP/1.{minor}\r\nUser-Agent: KeepAliveClient\r\n{close}Host: {host}\r\n\r\n",
        url.path
    )
}

/// Fetches `url` (plain or TLS as `spec` says) and returns what came back,
/// unjudged: genhash prints it, [`run_url`] judges it.
pub async fn fetch(
    spec: &HttpSpec,
    url: &UrlSpec,
    target: &Target,
    ctx: &ProbeCtx,
) -> Result<Fetched, Reason> {
    fetch_with(spec, url, target, ctx, false).await
}

/// [`fetch`], keeping the body's start when `keep_body`.
pub(crate) async fn fetch_with(
    spec: &HttpSpec,
    url: &UrlSpec,
    target: &Target,
    ctx: &ProbeCtx,
    keep_body: bool,
) -> Result<Fetched, Reason> {
    let stream = crate::connect::tcp(target).await?;
    let deadline = tokio::time::Instant::now() + target.timeout;
    let req = request(spec.protocol, url, target.connect);
    match &spec.tls {
        None => {
            exchange(stream, req.as_bytes(), url, deadline, false, keep_body)
                .await
        }
        Some(_) => {
            let name = url
                .sni
                .as_deref()
                .and_then(|n| ServerName::try_from(n.to_string()).ok())
                .unwrap_or_else(|| {
                    ServerName::IpAddress(target.connect.ip().into())
                });
            // Only an `enable_sni` name is sent: without one the name is
            // the address, which rustls never sends (RFC 6066 §3).
            let conn = tokio_rustls::TlsConnector::from(ctx.tls.clone());
            let tls =
                match timeout_at(deadline, conn.connect(name, stream)).await {
                    Err(_) => return Err(Reason::ConnectTimeout),
                    Ok(Err(_)) => return Err(Reason::TlsHandshake),
                    Ok(Ok(s)) => s,
                };
            exchange(tls, req.as_bytes(), url, deadline, true, keep_body).await
        }
    }
}

/// Sends the request and reads the answer to EOF by `deadline`.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    req: &[u8],
    url: &UrlSpec,
    deadline: tokio::time::Instant,
    tls: bool,
    keep_body: bool,
) -> Result<Fetched, Reason> {
    match timeout_at(deadline, async {
        s.write_all(req).await?;
        s.flush().await
    })
    .await
    {
        Err(_) => return Err(Reason::WriteTimeout),
        Ok(Err(e)) => return Err(Reason::WriteFailed(e.kind())),
        Ok(Ok(())) => {}
    }
    let mut resp = Response::new(url, keep_body);
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        // A peer that always has data ready never lets the timeout's own
        // timer be polled: check the deadline on every read.
        if tokio::time::Instant::now() >= deadline {
            return Err(Reason::ReadTimeout);
        }
        match timeout_at(deadline, s.read(&mut buf)).await {
            Err(_) => return Err(Reason::ReadTimeout),
            Ok(Ok(0)) => break,
            Ok(Ok(n)) => resp.feed(&buf[..n])?,
            // keepalived compat: check_ssl.c ends the stream on any SSL
            // error (a missing close_notify included) and judges what
            // came; a plain socket error is "Read error with".
            Ok(Err(_)) if tls => break,
            Ok(Err(e)) => return Err(Reason::ReadFailed(e.kind())),
        }
    }
    resp.finish()
}

/// Runs url `index` of `spec`: the status, then the digest, then the
/// regex, as keepalived checks them. On success, the word keepalived
/// logs for the check that decided ("HTTP status code", "MD5 digest",
/// "Regex match").
pub async fn run_url(
    spec: &HttpSpec,
    index: usize,
    target: &Target,
    ctx: &ProbeCtx,
) -> Result<&'static str, Reason> {
    let Some(url) = spec.urls.get(index) else {
        // A checker without urls is dropped by validation; an index past
        // the end is the caller's bug, reported as no answer.
        return Err(Reason::NoData);
    };
    let f = fetch(spec, url, target, ctx).await?;
    response::judge(url, &f)
}

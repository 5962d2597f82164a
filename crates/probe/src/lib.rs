//! Health-check probes for keepalived-rs's checker framework: one async
//! attempt of each keepalived checker type (TCP_CHECK, HTTP_GET, SSL_GET,
//! SMTP_CHECK, DNS_CHECK, UDP_CHECK, PING_CHECK, MISC_CHECK), each
//! returning a typed verdict with its latency, plus keepalived's
//! `genhash`.
//!
//! A [`ProbeSpec`] is built once per checker from the validated
//! configuration; [`run`] (or [`run_url`] for one url of an HTTP check)
//! makes one attempt. Retries, delays, `alpha`, url sequencing and
//! `fast_recovery` are the checker engine's (see [`spec::HttpSpec`]).
//! FILE_CHECK and BFD_CHECK are not probes: they come from the trackers
//! and BFD.
//!
//! Every attempt is bounded in time (`connect_timeout`, or `misc_timeout`
//! for scripts) and in memory (fixed buffers whatever the peer sends) and
//! never panics on what it receives.

mod connect;
pub mod ctx;
pub mod dns;
pub mod genhash;
pub mod http;
pub mod log;
mod misc;
pub mod outcome;
mod ping;
mod smtp;
pub mod spec;
mod tcp;
mod udp;

pub use ctx::{ProbeCtx, SslError};
pub use outcome::{Outcome, Reason, Verdict};
pub use spec::{
    DnsSpec, HttpSpec, MiscSpec, ProbeKind, ProbeSpec, SmtpSpec, SpecError,
    Target, TlsSpec, UdpSpec, UrlRegex, UrlSpec,
};

/// Runs one attempt. An HTTP check runs every url in turn and stops at
/// the first failure (keepalived checks one url per attempt: the engine
/// uses [`run_url`] to follow it exactly). Never panics; memory bounded
/// whatever the peer sends.
pub async fn run(spec: &ProbeSpec, ctx: &ProbeCtx) -> Outcome {
    // tokio's clock: TCP_CHECK's connect timeout counts from this same
    // reading.
    let start = tokio::time::Instant::now();
    let verdict = match &spec.kind {
        ProbeKind::Tcp => tcp::run(&spec.target, start).await,
        ProbeKind::Http(h) => {
            let mut v = Verdict::Up;
            for i in 0..h.urls.len() {
                if let Err(r) = http::run_url(h, i, &spec.target, ctx).await {
                    v = Verdict::Down(r);
                    break;
                }
            }
            v
        }
        ProbeKind::Smtp(s) => smtp::run(s, &spec.target).await,
        ProbeKind::Dns(d) => dns::run(d, &spec.target).await,
        ProbeKind::Udp(u) => udp::run(u, &spec.target).await,
        ProbeKind::Ping => ping::run(&spec.target).await,
        ProbeKind::Misc(m) => misc::run(m, ctx).await,
    };
    Outcome {
        verdict,
        latency: start.elapsed(),
    }
}

/// One attempt of url `index` of an HTTP_GET/SSL_GET (for any other kind,
/// the same as [`run`]). On success of an HTTP url the verdict is
/// [`Verdict::Up`]; [`http::run_url`] also returns the word keepalived
/// logs.
pub async fn run_url(
    spec: &ProbeSpec,
    index: usize,
    ctx: &ProbeCtx,
) -> Outcome {
    let ProbeKind::Http(h) = &spec.kind else {
        return run(spec, ctx).await;
    };
    let start = std::time::Instant::now();
    let verdict = match http::run_url(h, index, &spec.target, ctx).await {
        Ok(_) => Verdict::Up,
        Err(r) => Verdict::Down(r),
    };
    Outcome {
        verdict,
        latency: start.elapsed(),
    }
}

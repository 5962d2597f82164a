//! HTTP_GET against small servers written here: keepalived's request
//! bytes, status ranges, digest, regex, and servers that misbehave.

mod common;

use std::time::{Duration, Instant};

use common::{Answer, Server, http_reply, http_spec, md5, rt};
use ka_config::model::lvs::HttpProtocol;
use ka_probe::{ProbeKind, Reason, UrlRegex, UrlSpec, Verdict};

fn down(v: &Verdict) -> &Reason {
    match v {
        Verdict::Down(r) => r,
        other => panic!("expected down, got {other:?}"),
    }
}

#[test]
fn sends_keepalived_request_bytes_for_each_protocol_and_host() {
    rt().block_on(async {
        let srv = Server::start("127.0.0.1:0", Answer::Reply(http_reply("200 OK", b"hi"))).await;
        let port = srv.addr.port();
        let ctx = ka_probe::ProbeCtx::new();
        let mut spec = http_spec(srv.addr, UrlSpec::new("/health?x=1"), 2000);
        let o = ka_probe::run(&spec, &ctx).await;
        assert_eq!(o.verdict, Verdict::Up);
        if let ProbeKind::Http(h) = &mut spec.kind {
            h.protocol = HttpProtocol::Http10Close;
            h.urls[0].vhost = Some("www.example.org".into());
        }
        assert_eq!(ka_probe::run(&spec, &ctx).await.verdict, Verdict::Up);
        if let ProbeKind::Http(h) = &mut spec.kind {
            h.protocol = HttpProtocol::Http11;
        }
        assert_eq!(ka_probe::run(&spec, &ctx).await.verdict, Verdict::Up);
        let reqs = srv.requests();
        assert_eq!(
            String::from_utf8_lossy(&reqs[0]),
            format!("GET /health?x=1 HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:{port}\r\n\r\n")
        );
        assert_eq!(
            String::from_utf8_lossy(&reqs[1]),
            "GET /health?x=1 HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: www.example.org\r\n\r\n"
        );
        assert_eq!(
            String::from_utf8_lossy(&reqs[2]),
            "GET /health?x=1 HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: www.example.org\r\n\r\n"
        );
    });
}

#[test]
fn ipv6_host_header_is_bracketed() {
    rt().block_on(async {
        let Ok(srv) = tokio::net::TcpListener::bind("[::1]:0").await else {
            eprintln!("skipped: no IPv6 loopback");
            return;
        };
        drop(srv);
        let srv =
            Server::start("[::1]:0", Answer::Reply(http_reply("200 OK", b"")))
                .await;
        let spec = http_spec(srv.addr, UrlSpec::new("/"), 2000);
        let o = ka_probe::run(&spec, &ka_probe::ProbeCtx::new()).await;
        assert_eq!(o.verdict, Verdict::Up);
        let req = String::from_utf8_lossy(&srv.requests()[0]).into_owned();
        assert!(
            req.contains(&format!("Host: [::1]:{}\r\n", srv.addr.port())),
            "{req}"
        );
    });
}

#[test]
fn status_code_ranges_decide() {
    rt().block_on(async {
        let ctx = ka_probe::ProbeCtx::new();
        let srv = Server::start(
            "127.0.0.1:0",
            Answer::Reply(http_reply("404 Not Found", b"no")),
        )
        .await;
        let spec = http_spec(srv.addr, UrlSpec::new("/"), 2000);
        let o = ka_probe::run(&spec, &ctx).await;
        assert_eq!(down(&o.verdict), &Reason::HttpStatus(404));
        assert_eq!(down(&o.verdict).to_string(), "HTTP status code error to");
        let mut url = UrlSpec::new("/");
        url.status_codes = vec![(200, 200), (400, 404)];
        let o = ka_probe::run(&http_spec(srv.addr, url, 2000), &ctx).await;
        assert_eq!(o.verdict, Verdict::Up);
        // A status line without a reason phrase is status 0 in keepalived.
        let bare = Server::start(
            "127.0.0.1:0",
            Answer::Reply(b"HTTP/1.0 200\r\n\r\nx".to_vec()),
        )
        .await;
        let o =
            ka_probe::run(&http_spec(bare.addr, UrlSpec::new("/"), 2000), &ctx)
                .await;
        assert_eq!(down(&o.verdict), &Reason::HttpStatus(0));
    });
}

#[test]
fn digest_is_md5_of_the_body_up_to_content_length() {
    rt().block_on(async {
        let ctx = ka_probe::ProbeCtx::new();
        let mut reply = http_reply("200 OK", b"hello world\n");
        reply.extend_from_slice(b"TRAILING GARBAGE");
        let srv = Server::start("127.0.0.1:0", Answer::Reply(reply)).await;
        let mut url = UrlSpec::new("/");
        url.digest = Some(md5(b"hello world\n"));
        let o = ka_probe::run(&http_spec(srv.addr, url.clone(), 2000), &ctx).await;
        assert_eq!(o.verdict, Verdict::Up);
        url.digest = Some(md5(b"hello world"));
        let o = ka_probe::run(&http_spec(srv.addr, url, 2000), &ctx).await;
        assert!(matches!(down(&o.verdict), Reason::DigestMismatch { got, .. } if *got == md5(b"hello world\n")));
    });
}

#[test]
fn chunked_body_is_hashed_raw_as_keepalived_does() {
    rt().block_on(async {
        let body = b"5\r\nhello\r\n0\r\n\r\n";
        let mut reply =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        reply.extend_from_slice(body);
        let srv = Server::start("127.0.0.1:0", Answer::Reply(reply)).await;
        let mut url = UrlSpec::new("/");
        url.digest = Some(md5(body));
        let mut spec = http_spec(srv.addr, url, 2000);
        if let ProbeKind::Http(h) = &mut spec.kind {
            h.protocol = HttpProtocol::Http11;
        }
        assert_eq!(
            ka_probe::run(&spec, &ka_probe::ProbeCtx::new())
                .await
                .verdict,
            Verdict::Up
        );
    });
}

fn regex(p: &str, no_match: bool, min: usize, max: Option<usize>) -> UrlRegex {
    UrlRegex {
        regex: regex::bytes::Regex::new(p).expect("test regex"),
        no_match,
        min_offset: min,
        max_offset: max,
    }
}

#[test]
fn regex_match_no_match_and_offsets() {
    rt().block_on(async {
        let ctx = ka_probe::ProbeCtx::new();
        let srv = Server::start(
            "127.0.0.1:0",
            Answer::Reply(http_reply("200 OK", b"0123456789 status=OK end")),
        )
        .await;
        let check = |r: UrlRegex| {
            let mut url = UrlSpec::new("/");
            url.regex = Some(r);
            http_spec(srv.addr, url, 2000)
        };
        let cases = [
            (regex(r"status=(OK|GOOD)", false, 0, None), true),
            (regex(r"status=BAD", false, 0, None), false),
            (regex(r"status=BAD", true, 0, None), true),
            (regex(r"status=OK", true, 0, None), false),
            // The match starts at 11.
            (regex(r"status=OK", false, 11, Some(11)), true),
            (regex(r"status=OK", false, 12, None), false),
            (regex(r"status=OK", false, 0, Some(10)), false),
        ];
        for (i, (r, up)) in cases.into_iter().enumerate() {
            let o = ka_probe::run(&check(r), &ctx).await;
            assert_eq!(o.verdict.is_up(), up, "case {i}: {:?}", o.verdict);
            if !up {
                assert_eq!(down(&o.verdict), &Reason::RegexMismatch);
            }
        }
    });
}

#[test]
fn oversized_status_line_fails_without_growing() {
    rt().block_on(async {
        let srv = Server::start("127.0.0.1:0", Answer::EndlessHeader).await;
        let start = Instant::now();
        let o = ka_probe::run(
            &http_spec(srv.addr, UrlSpec::new("/"), 3000),
            &ka_probe::ProbeCtx::new(),
        )
        .await;
        assert_eq!(down(&o.verdict), &Reason::HeaderTooLong);
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
    });
}

#[test]
fn endless_body_ends_at_the_timeout() {
    rt().block_on(async {
        let srv = Server::start(
            "127.0.0.1:0",
            Answer::Endless(b"HTTP/1.0 200 OK\r\n\r\n".to_vec()),
        )
        .await;
        let start = Instant::now();
        let mut url = UrlSpec::new("/");
        url.regex = Some(regex("never-there", false, 0, None));
        let o = ka_probe::run(
            &http_spec(srv.addr, url, 700),
            &ka_probe::ProbeCtx::new(),
        )
        .await;
        let took = start.elapsed();
        assert_eq!(down(&o.verdict), &Reason::ReadTimeout);
        assert!(
            took >= Duration::from_millis(650)
                && took < Duration::from_millis(2500),
            "{took:?}"
        );
    });
}

#[test]
fn accept_and_never_answer_times_out() {
    rt().block_on(async {
        let srv = Server::start("127.0.0.1:0", Answer::Silent).await;
        let start = Instant::now();
        let o = ka_probe::run(
            &http_spec(srv.addr, UrlSpec::new("/"), 500),
            &ka_probe::ProbeCtx::new(),
        )
        .await;
        assert_eq!(down(&o.verdict), &Reason::ReadTimeout);
        assert_eq!(down(&o.verdict).to_string(), "Timeout HTTP read");
        assert!(start.elapsed() < Duration::from_secs(2));
        assert!(o.latency >= Duration::from_millis(450), "{:?}", o.latency);
    });
}

#[test]
fn close_mid_response_fails() {
    rt().block_on(async {
        let ctx = ka_probe::ProbeCtx::new();
        // Closed inside the header: nothing to judge.
        let srv = Server::start("127.0.0.1:0", Answer::Reply(b"HTTP/1.0 200 OK\r\nContent-Le".to_vec())).await;
        let o = ka_probe::run(&http_spec(srv.addr, UrlSpec::new("/"), 2000), &ctx).await;
        assert_eq!(down(&o.verdict), &Reason::NoData);
        // Closed inside the body: the digest of what came is wrong.
        let srv = Server::start("127.0.0.1:0", Answer::Reply(b"HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\nhalf".to_vec())).await;
        let mut url = UrlSpec::new("/");
        url.digest = Some(md5(&[b'x'; 100]));
        let o = ka_probe::run(&http_spec(srv.addr, url, 2000), &ctx).await;
        assert!(matches!(down(&o.verdict), Reason::DigestMismatch { got, .. } if *got == md5(b"half")));
        // Reset inside the body: a read error.
        let srv = Server::start("127.0.0.1:0", Answer::Reset(b"HTTP/1.0 200 OK\r\n\r\npart".to_vec())).await;
        let o = ka_probe::run(&http_spec(srv.addr, UrlSpec::new("/"), 2000), &ctx).await;
        assert!(matches!(down(&o.verdict), Reason::ReadFailed(_)), "{:?}", o.verdict);
    });
}

#[test]
fn refused_and_each_url_in_turn() {
    rt().block_on(async {
        let ctx = ka_probe::ProbeCtx::new();
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let closed = l.local_addr().expect("addr");
        drop(l);
        let o =
            ka_probe::run(&http_spec(closed, UrlSpec::new("/"), 1000), &ctx)
                .await;
        assert_eq!(down(&o.verdict), &Reason::ConnectRefused);
        let srv = Server::start(
            "127.0.0.1:0",
            Answer::Reply(http_reply("200 OK", b"abc")),
        )
        .await;
        let mut spec = http_spec(srv.addr, UrlSpec::new("/a"), 2000);
        let mut bad = UrlSpec::new("/b");
        bad.digest = Some([0; 16]);
        if let ProbeKind::Http(h) = &mut spec.kind {
            h.urls.push(bad);
        }
        assert_eq!(
            ka_probe::run_url(&spec, 0, &ctx).await.verdict,
            Verdict::Up
        );
        assert!(!ka_probe::run_url(&spec, 1, &ctx).await.verdict.is_up());
        // `run` checks every url: the second fails.
        assert!(!ka_probe::run(&spec, &ctx).await.verdict.is_up());
        let reqs = srv.requests();
        assert!(reqs.iter().any(|r| r.starts_with(b"GET /b ")), "{reqs:?}");
    });
}

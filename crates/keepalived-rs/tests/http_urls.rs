//! HTTP_GET with two urls against Debian's nginx, run by the real
//! keepalived-rs binary in a lab namespace (`--lvs-backend nftables`):
//! keepalived fetches one url per attempt (check_http.c `epilog`,
//! `url_it`), so nginx's access log shows the urls one `delay_loop`
//! apart, a failing url re-fetched alone every `max(delay_loop,
//! delay_before_retry)`, and after it recovers every url again from the
//! first before the server is added back. SIGUSR1 while the url fails
//! writes `keepalived_check.data` with the failed url, as keepalived's
//! checker process does. Needs root and nginx; skipped with the reason
//! otherwise.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use ka_lab::Lab;
use nix::sys::signal::Signal;

const DELAY_LOOP: f64 = 1.0;
const DELAY_BEFORE_RETRY: f64 = 2.0;
const RS: &str = "192.0.2.10";
const RS_PORT: u16 = 8080;

fn nginx_conf(d: &Path) -> String {
    format!(
        "daemon off; master_process off; pid {d}/nginx.pid; error_log {d}/nginx-error.log;
events {{}}
http {{
  log_format t '$msec $uri $status';
  access_log {d}/access.log t;
  client_body_temp_path {d}; proxy_temp_path {d}; fastcgi_temp_path {d}; uwsgi_temp_path {d}; scgi_temp_path {d};
  server {{ listen {RS}:{RS_PORT}; root {d}/html; }}
}}
",
        d = d.display()
    )
}

fn keepalived_conf() -> String {
    format!(
        "virtual_server 203.0.113.80 80 {{
    delay_loop {DELAY_LOOP}
    lvs_sched rr
    lvs_method NAT
    protocol TCP
    real_server {RS} {RS_PORT} {{
        HTTP_GET {{
            url {{
                path /ok.html
                status_code 200
            }}
            url {{
                path /second.html
                status_code 200
            }}
            connect_timeout 1
            retry 1
            delay_before_retry {DELAY_BEFORE_RETRY}
        }}
    }}
}}
"
    )
}

/// The access log: (seconds, path, status) per request.
fn requests(log: &Path) -> Vec<(f64, String, u16)> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let t = w.next()?.parse().ok()?;
            let path = w.next()?.to_string();
            let status = w.next()?.parse().ok()?;
            Some((t, path, status))
        })
        .collect()
}

fn skip() -> bool {
    ka_lab::skip()
        || ka_lab::skip_if(
            ka_lab::run("nginx", &["-v"])
                .err()
                .map(|e| format!("nginx is not installed: {e}")),
        )
        || ka_lab::skip_if(
            ka_lab::run("nft", &["--version"])
                .err()
                .map(|e| format!("nft is not installed: {e}")),
        )
}

/// Waits (bounded) until the access log holds a request matching `f`.
fn wait_for(
    log: &Path,
    limit: Duration,
    f: impl Fn(&[(f64, String, u16)]) -> bool,
) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f(&requests(log)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// The gap between consecutive requests is `want` seconds, give or take
/// what a loaded machine adds.
fn assert_gap(reqs: &[(f64, String, u16)], i: usize, want: f64, ctx: &str) {
    let gap = reqs[i].0 - reqs[i - 1].0;
    assert!(
        gap > want - 0.25 && gap < want + 0.75,
        "{ctx}: request {i} came {gap:.3} s after the previous one, expected {want} s: {reqs:?}"
    );
}

/// SIGUSR1: `$TMPDIR/keepalived_check.data` in keepalived's layout.
fn dump_shows_the_failed_url(lab: &mut Lab, ka: u32, dir: &Path) {
    let path = dir.join("keepalived_check.data");
    assert!(lab.signal(ka, Signal::SIGUSR1));
    let start = Instant::now();
    let mut text = String::new();
    while start.elapsed() < Duration::from_secs(5) {
        text = std::fs::read_to_string(&path).unwrap_or_default();
        if text.contains("------< Health checkers >------") {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let block: Vec<&str> = text
        .lines()
        .skip_while(|l| *l != " [203.0.113.80]:tcp:80 -> [192.0.2.10]:tcp:8080")
        .collect();
    for want in [
        "   Up = no",
        "   Has run = yes",
        "   Keepalive method = HTTP_GET, http protocol 1.0",
        "   Checked url = /ok.html",
        "   Checked url = /second.html",
        "   Failed URL = /second.html",
    ] {
        assert!(block.contains(&want), "{want:?} missing:\n{text}");
    }
    assert!(
        text.starts_with("------< Global definitions >------\n"),
        "{text}"
    );
    assert!(text.contains("\n   num failed checkers = 1\n"), "{text}");
}

#[test]
fn http_get_fetches_one_url_per_attempt_as_keepalived_does() {
    if skip() {
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    let d = lab.dir().to_path_buf();
    std::fs::create_dir_all(d.join("html")).unwrap();
    std::fs::write(d.join("html/ok.html"), "ok\n").unwrap();
    std::fs::write(d.join("nginx.conf"), nginx_conf(&d)).unwrap();
    let conf = d.join("nginx.conf").display().to_string();
    lab.spawn(0, "nginx", "nginx", &["-c", &conf])
        .expect("nginx");
    let access = d.join("access.log");
    let pid = d.join("checkers.pid").display().to_string();
    let tmpdir = format!("TMPDIR={}", d.display());
    let ka = common::start_keepalived_rs_with(
        &mut lab,
        0,
        "ka",
        &keepalived_conf(),
        &[&tmpdir],
        &["-C", "-c", &pid, "--lvs-backend", "nftables"],
    );
    // /second.html is missing: ok, second (404: down at once, before its
    // walk completed once), then second alone every 2 s.
    let failing = |r: &[(f64, String, u16)]| r.len() >= 4;
    assert!(
        wait_for(&access, Duration::from_secs(20), failing),
        "no checks: {:?}\n{}",
        requests(&access),
        lab.log_of(ka)
    );
    let reqs = requests(&access);
    let shape: Vec<(&str, u16)> =
        reqs[..4].iter().map(|(_, p, s)| (p.as_str(), *s)).collect();
    assert_eq!(
        shape,
        vec![
            ("/ok.html", 200),
            ("/second.html", 404),
            ("/second.html", 404),
            ("/second.html", 404)
        ],
        "{}",
        lab.log_of(ka)
    );
    assert_gap(&reqs, 1, DELAY_LOOP, "the next url a delay_loop later");
    assert_gap(&reqs, 2, DELAY_BEFORE_RETRY, "the failed url alone");
    assert_gap(&reqs, 3, DELAY_BEFORE_RETRY, "the failed url alone");
    let log = lab.log_of(ka);
    assert!(
        log.contains("HTTP_CHECK on service [192.0.2.10]:tcp:8080 failed after 1 retries."),
        "{log}"
    );
    assert!(
        log.contains("Removing service [192.0.2.10]:tcp:8080"),
        "{log}"
    );
    dump_shows_the_failed_url(&mut lab, ka, &d);
    // The url recovers: it passes (which only clears it), then ok and
    // second a delay_loop apart, and the server is added back.
    std::fs::write(d.join("html/second.html"), "second\n").unwrap();
    let n = requests(&access).len();
    let back = |r: &[(f64, String, u16)]| r.len() >= n + 3;
    assert!(wait_for(&access, Duration::from_secs(10), back));
    let reqs = requests(&access);
    let tail: Vec<(&str, u16)> = reqs[n..n + 3]
        .iter()
        .map(|(_, p, s)| (p.as_str(), *s))
        .collect();
    // The request in flight at the write may still have failed.
    let (first, rest) = if tail[0].1 == 404 { (n + 1, 2) } else { (n, 3) };
    if rest == 2 {
        assert!(
            wait_for(&access, Duration::from_secs(10), |r| r.len() >= n + 4)
        );
    }
    let reqs = requests(&access);
    let shape: Vec<(&str, u16)> = reqs[first..first + 3]
        .iter()
        .map(|(_, p, s)| (p.as_str(), *s))
        .collect();
    assert_eq!(
        shape,
        vec![
            ("/second.html", 200),
            ("/ok.html", 200),
            ("/second.html", 200)
        ]
    );
    assert_gap(&reqs, first + 1, DELAY_LOOP, "the walk restarts");
    assert_gap(&reqs, first + 2, DELAY_LOOP, "the next url");
    let added =
        "Adding service [192.0.2.10]:tcp:8080 to VS [203.0.113.80]:tcp:80";
    let start = Instant::now();
    while !lab.log_of(ka).contains(added)
        && start.elapsed() < Duration::from_secs(3)
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = lab.log_of(ka);
    assert!(log.contains(added), "{log}");
    assert!(
        log.contains(
            "Remote Web server [192.0.2.10]:tcp:8080 succeed on service."
        ),
        "{log}"
    );
    // Logged for each url that passed while the checker was down.
    assert!(
        log.contains(
            "HTTP status code success to [192.0.2.10]:tcp:8080 url(/second.html)"
        ),
        "{log}"
    );
}

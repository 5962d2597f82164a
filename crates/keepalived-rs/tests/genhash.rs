//! `keepalived-rs -T`/`--genhash`/`genhash` against a small web server,
//! compared with Debian's genhash when it is installed.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::time::Duration;

const BODY: &[u8] = b"<p>digest me</p>\n";

/// Serves `n` requests with `BODY`, then stops.
fn server(n: usize) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for _ in 0..n {
            let Ok((mut s, _)) = l.accept() else { return };
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let mut req = Vec::new();
            let mut buf = [0u8; 512];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(k) if k > 0 => req.extend_from_slice(&buf[..k]),
                    _ => break,
                }
            }
            let _ = write!(
                s,
                "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n",
                BODY.len()
            );
            let _ = s.write_all(BODY);
        }
    });
    port
}

fn ours(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_keepalived-rs"))
        .args(args)
        .output()
        .expect("run keepalived-rs")
}

/// `md5sum` of BODY.
const DIGEST: &str = "4c28cc7a15b71ff0a36ee20e2503d1b7";

#[test]
fn genhash_modes_print_the_body_digest() {
    let port = server(4);
    let p = port.to_string();
    for first in [&["-T"][..], &["--genhash"], &["genhash"]] {
        let mut a = first.to_vec();
        a.extend(["-s", "127.0.0.1", "-p", &p, "-u", "/"]);
        let out = ours(&a);
        assert_eq!(out.status.code(), Some(0), "{a:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("{DIGEST}\n"),
            "{a:?}"
        );
    }
    if let Ok(theirs) = Command::new("genhash")
        .args(["-s", "127.0.0.1", "-p", &p, "-u", "/"])
        .output()
    {
        assert_eq!(
            String::from_utf8_lossy(&theirs.stdout),
            format!("{DIGEST}\n")
        );
    }
}

#[test]
fn genhash_usage_and_refused_connection_as_keepalived() {
    let out = ours(&["-T"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(" --genhash COMMAND [OPTIONS]"), "{err}");
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed = l.local_addr().expect("addr").port().to_string();
    drop(l);
    let out =
        ours(&["-T", "-s", "127.0.0.1", "-p", &closed, "-u", "/", "-t", "2"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "Connection failed\n");
}

//! `ctl`'s command line, its JSON output and its connection errors
//! (against sockets in a scratch directory; the daemon end to end is
//! tests/ctl.rs).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixListener;

use ka_daemon::core::status_json::ReloadOutcome;

use super::*;

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| (*s).to_string()).collect()
}

fn ask_of(a: &[&str]) -> (PathBuf, bool, Request) {
    match parse(&args(a)) {
        Ok(Invocation::Ask {
            socket,
            json,
            request,
        }) => (socket, json, request),
        other => panic!("{a:?}: {other:?}"),
    }
}

#[test]
fn every_command_with_the_default_socket() {
    for (name, req) in ka_daemon::core::control_socket::COMMANDS {
        assert_eq!(ask_of(&[name]), (PathBuf::from(DEFAULT_PATH), false, req));
    }
}

#[test]
fn socket_and_json_in_every_spelling_and_place() {
    let want = (PathBuf::from("/tmp/x.sock"), true, Request::Instances);
    for a in [
        &["--socket", "/tmp/x.sock", "--json", "instances"][..],
        &["--socket=/tmp/x.sock", "instances", "--json"],
        &["-s", "/tmp/x.sock", "-j", "instances"],
        &["instances", "-j", "-s/tmp/x.sock"],
    ] {
        assert_eq!(ask_of(a), want, "{a:?}");
    }
}

#[test]
fn bad_command_lines_are_refused() {
    let err = |a: &[&str]| parse(&args(a)).unwrap_err().to_string();
    assert_eq!(err(&[]), "no command given");
    assert_eq!(err(&["--json"]), "no command given");
    assert_eq!(err(&["stauts"]), "unknown command \"stauts\"");
    assert!(err(&["status", "dump"]).contains("dump"));
    assert!(err(&["--frobnicate", "status"]).contains("--frobnicate"));
    assert!(err(&["status", "--socket"]).contains("--socket"));
    assert_eq!(parse(&args(&["status", "-h"])).unwrap(), Invocation::Help);
    assert!(usage("keepalived-rs").contains("virtual-servers"));
}

#[test]
fn json_prints_the_answer_without_its_key() {
    let text = json_text(r#"{"bfd":[]}"#).unwrap();
    assert_eq!(text, "[]\n");
    let text = json_text(r#"{"reload":{"taken":true,"error":null}}"#).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["taken"], true);
    match json_text(r#"{"error":"permission denied"}"#) {
        Err(CtlError::Refused(e)) => assert_eq!(e, "permission denied"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        json_text(r#"{"weather":"sunny"}"#),
        Err(CtlError::Unreadable(_))
    ));
    assert!(matches!(json_text("nope"), Err(CtlError::Unreadable(_))));
}

#[test]
fn a_refused_reload_is_a_failure() {
    let line = |taken, error: Option<&str>| {
        serde_json::to_string(&Response::Reload(ReloadOutcome {
            taken,
            error: error.map(str::to_string),
        }))
        .unwrap()
    };
    assert!(refused_reload(&line(false, Some("bad"))));
    assert!(!refused_reload(&line(true, None)));
    assert!(!refused_reload(r#"{"bfd":[]}"#));
}

#[test]
fn no_daemon_is_a_clear_error() {
    let dir = ka_lab::TmpDir::new("ka-ctl-client", "nodaemon");
    let missing = dir.path().join("none.sock");
    let e = ask(&missing, Request::Status).unwrap_err().to_string();
    assert!(e.contains("cannot connect"), "{e}");
    assert!(e.contains("is keepalived-rs running"), "{e}");
    // What a killed daemon leaves: a socket nobody listens on.
    let stale = dir.path().join("stale.sock");
    drop(UnixListener::bind(&stale).unwrap());
    let e = ask(&stale, Request::Status).unwrap_err().to_string();
    assert!(e.contains("not running"), "{e}");
}

#[test]
fn asks_one_line_and_reads_one_line() {
    let dir = ka_lab::TmpDir::new("ka-ctl-client", "oneline");
    let path = dir.path().join("c.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let server = std::thread::spawn(move || {
        let (s, _) = listener.accept().unwrap();
        let mut rd = BufReader::new(s.try_clone().unwrap());
        let mut req = String::new();
        rd.read_line(&mut req).unwrap();
        let mut w = s;
        w.write_all(b"{\"bfd\":[]}\n").unwrap();
        // A daemon that closes without answering the next one.
        req
    });
    let line = ask(&path, Request::Bfd).unwrap();
    assert_eq!(line, "{\"bfd\":[]}\n");
    assert_eq!(server.join().unwrap(), "{\"cmd\":\"bfd\"}\n");
    let listener = UnixListener::bind(dir.path().join("d.sock")).unwrap();
    let closer = std::thread::spawn(move || drop(listener.accept()));
    let e = ask(&dir.path().join("d.sock"), Request::Bfd).unwrap_err();
    assert!(
        matches!(e, CtlError::Closed(_) | CtlError::Io { .. }),
        "{e}"
    );
    closer.join().unwrap();
}

//! What keepalived-rs refuses to run rather than run wrongly: a network
//! namespace it would not enter (`-s`, `net_namespace`) would put the
//! virtual addresses on the host's own interfaces. Both refusals happen
//! before anything touches the system, so this runs unprivileged too.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_keepalived-rs");

/// Runs the binary with `args`; kills it (by its own pid) after 10 s.
fn run(args: &[&str]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn keepalived-rs");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("keepalived-rs {args:?} did not exit within 10 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

#[test]
fn namespace_option_is_refused_in_daemon_mode() {
    let out = run(&["-n", "-l", "-s", "blue", "-f", "/nonexistent.conf"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--namespace is not implemented yet; run it under `ip netns exec blue`"), "{err}");
}

#[test]
fn net_namespace_keyword_is_refused_in_daemon_mode() {
    let dir = std::env::temp_dir()
        .join(format!("kars-refusal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("k.conf");
    std::fs::write(
        &conf,
        "net_namespace blue\nvrrp_instance V {\n interface eth0\n virtual_router_id 1\n \
         priority 100\n virtual_ipaddress {\n 192.0.2.1/24\n }\n}\n",
    )
    .unwrap();
    let (c, p, r) = (
        conf.display().to_string(),
        dir.join("p.pid").display().to_string(),
        dir.join("r.pid").display().to_string(),
    );
    let out = run(&["-n", "-l", "-f", &c, "-p", &p, "-r", &r]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "net_namespace blue is not implemented by keepalived-rs yet"
        ),
        "{err}"
    );
}

//! What keepalived-rs refuses to run rather than run wrongly: a network
//! namespace (`-s`, `net_namespace`) it cannot join stops it, as it stops
//! keepalived, rather than put the virtual addresses on the host's own
//! interfaces. Both refusals happen before anything touches the
//! interfaces, so this runs unprivileged too.

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

/// stdout and stderr together (`-l` logs on stdout).
fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_namespace_that_does_not_exist_stops_the_daemon() {
    let ns = format!("kars-absent-{}", std::process::id());
    let out = run(&["-n", "-l", "-G", "-s", &ns, "-f", "/nonexistent.conf"]);
    assert_eq!(out.status.code(), Some(1));
    let all = text(&out);
    assert!(
        all.contains(&format!("Failed to open /var/run/netns/{ns}")),
        "{all}"
    );
    assert!(
        all.contains(&format!(
            "Unable to set network namespace {ns} - exiting"
        )),
        "{all}"
    );
}

#[test]
fn a_net_namespace_keyword_naming_no_namespace_stops_the_daemon() {
    let dir = std::env::temp_dir()
        .join(format!("kars-refusal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("k.conf");
    let ns = format!("kars-absent-conf-{}", std::process::id());
    std::fs::write(
        &conf,
        format!(
            "net_namespace {ns}\nvrrp_instance V {{\n interface eth0\n virtual_router_id 1\n \
             priority 100\n virtual_ipaddress {{\n 192.0.2.1/24\n }}\n}}\n"
        ),
    )
    .unwrap();
    let (c, p, r) = (
        conf.display().to_string(),
        dir.join("p.pid").display().to_string(),
        dir.join("r.pid").display().to_string(),
    );
    let out = run(&["-n", "-l", "-G", "-f", &c, "-p", &p, "-r", &r]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1));
    let all = text(&out);
    assert!(
        all.contains(&format!(
            "Unable to set network namespace {ns} - exiting"
        )),
        "{all}"
    );
}

/// A VRRP configuration naming an interface that does not exist (without
/// `dynamic_interfaces`), or an instance with no interface at all, stops
/// the daemon before it touches anything, with keepalived's words and its
/// exit status 2 (its VRRP process exits `KEEPALIVED_EXIT_CONFIG` and the
/// parent terminates). Runs unprivileged: nothing is opened first.
#[test]
fn a_vrrp_configuration_keepalived_cannot_run_stops_the_daemon() {
    let dir =
        std::env::temp_dir().join(format!("kars-badif-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let cases = [
        (
            "vrrp_instance VI_1 {\n interface kars-nosuch0\n virtual_router_id 51\n \
             priority 100\n virtual_ipaddress {\n  192.0.2.1/24\n }\n}\n",
            "Non-existent interface specified in configuration",
        ),
        (
            "vrrp_instance VI_1 {\n virtual_router_id 51\n priority 100\n \
             virtual_ipaddress {\n  192.0.2.1/24\n }\n}\n",
            "(VI_1) Unknown interface!",
        ),
    ];
    for (i, (conf, words)) in cases.iter().enumerate() {
        let path = dir.join(format!("{i}.conf"));
        std::fs::write(&path, conf).expect("write");
        let pid =
            |s: &str| dir.join(format!("{i}-{s}.pid")).display().to_string();
        let conf_s = path.display().to_string();
        let (p, r, c, b) = (pid("p"), pid("r"), pid("c"), pid("b"));
        let out = run(&[
            "-n", "-l", "-f", &conf_s, "-p", &p, "-r", &r, "-c", &c, "-b", &b,
        ]);
        let all = text(&out);
        assert_eq!(out.status.code(), Some(2), "{all}");
        assert!(all.contains(words), "{all}");
        assert!(
            all.contains("exited with permanent error CONFIG. Terminating"),
            "{all}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

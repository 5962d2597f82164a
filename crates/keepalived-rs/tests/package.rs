//! The Debian package, installed on this machine (privileged): built with
//! `cargo deb` from the release binary this test run built, installed
//! with dpkg, then the installed pieces are used as an operator would:
//! `man`, `systemd-analyze verify` on the unit, `-t` on the example
//! configuration, and the unit's own ExecStart command line, limited to
//! the unit's capability bounding set, run in a lab namespace until it
//! holds the example's virtual address. (No systemd runs as PID 1 here,
//! so the unit's other sandboxing is checked by reading it, in
//! man_pages.rs.) The package is
//! purged at the end, also when the test fails.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use ka_lab::{Lab, TmpDir};
use nix::sys::signal::Signal;

const PKG: &str = "keepalived-rs";
const UNIT: &str = "/lib/systemd/system/keepalived-rs.service";
const CONF: &str = "/etc/keepalived-rs/keepalived.conf";
/// The example configuration's virtual address.
const EXAMPLE_VIP: &str = "192.0.2.100";

fn run(prog: &str, args: &[&str]) -> Output {
    Command::new(prog)
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output()
        .unwrap_or_else(|e| panic!("run {prog}: {e}"))
}

fn ok(prog: &str, args: &[&str]) -> String {
    let out = run(prog, args);
    assert!(
        out.status.success(),
        "{prog} {args:?}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Why the package test cannot run here.
fn skip_reason(bin: &Path) -> Option<String> {
    if let Some(r) = ka_lab::skip_reason() {
        return Some(r);
    }
    if Command::new("dpkg").arg("--version").output().is_err() {
        return Some("dpkg is not installed (not a Debian machine)".into());
    }
    let deb = Command::new(cargo()).args(["deb", "--version"]).output();
    if !deb.is_ok_and(|o| o.status.success()) {
        return Some(
            "cargo-deb is not installed (cargo install cargo-deb --version 3.8.0 --locked)"
                .into(),
        );
    }
    if bin.parent().and_then(Path::file_name) != Some("release".as_ref()) {
        return Some(format!(
            "the package is built from target/release: run the tests with --release ({})",
            bin.display()
        ));
    }
    if run("dpkg-query", &["-W", "-f=${Status}", PKG])
        .stdout
        .starts_with(b"install")
    {
        return Some(format!(
            "{PKG} is already installed here; this test would replace and purge it"
        ));
    }
    None
}

/// Purges the package on drop, so a failing test leaves nothing installed.
struct Installed;

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = run("dpkg", &["--purge", PKG]);
    }
}

/// Builds the .deb into `dir`; returns its path.
fn build_deb(dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(cargo())
        .current_dir(&root)
        .args(["deb", "-p", PKG, "--no-build", "--strip", "--output"])
        .arg(dir)
        .output()
        .expect("run cargo deb");
    assert!(
        out.status.success(),
        "cargo deb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let debs: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read output dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "deb"))
        .collect();
    assert_eq!(debs.len(), 1, "{debs:?}");
    debs[0].clone()
}

/// The package's files, as dpkg lists them.
fn check_contents(deb: &Path) {
    let list = ok("dpkg", &["-c", deb.to_str().expect("utf-8 path")]);
    for path in [
        "./usr/sbin/keepalived-rs",
        "./lib/systemd/system/keepalived-rs.service",
        "./etc/keepalived-rs/keepalived.conf",
        "./etc/default/keepalived-rs",
        "./usr/share/man/man8/keepalived-rs.8.gz",
        "./usr/share/man/man5/keepalived-rs.conf.5.gz",
        "./usr/share/dbus-1/system.d/keepalived-rs.conf",
    ] {
        assert!(
            list.lines().any(|l| l.ends_with(path)),
            "{path} not in\n{list}"
        );
    }
    assert!(!list.contains("keepalived-rs-man"), "generator packaged");
    // Operators' edits survive upgrades: both /etc files are conffiles.
    let conffiles = ok(
        "dpkg-deb",
        &["-I", deb.to_str().expect("utf-8"), "conffiles"],
    );
    let mut conffiles: Vec<&str> = conffiles.lines().collect();
    conffiles.sort_unstable();
    assert_eq!(conffiles, ["/etc/default/keepalived-rs", CONF]);
}

/// `man` finds and renders both pages.
fn check_man() {
    let where8 = ok("man", &["-w", "keepalived-rs"]);
    assert_eq!(where8.trim(), "/usr/share/man/man8/keepalived-rs.8.gz");
    let where5 = ok("man", &["-w", "5", "keepalived-rs.conf"]);
    assert_eq!(where5.trim(), "/usr/share/man/man5/keepalived-rs.conf.5.gz");
    let out = Command::new("man")
        .arg("keepalived-rs")
        .env("LANG", "C")
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .output()
        .expect("run man");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "man: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let head: Vec<&str> = text.lines().take(8).collect();
    assert!(
        head.iter().any(|l| l.starts_with("KEEPALIVED-RS(8)")),
        "{head:?}"
    );
    assert!(text.contains("--dont-fork"), "options missing:\n{text}");
}

/// `systemd-analyze verify` accepts the installed unit: its binary, its
/// man pages (Documentation=) and every directive.
fn check_unit() -> bool {
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!(
            "systemd-analyze is not installed: unit checked by tests/man_pages.rs only"
        );
        return false;
    }
    let out = run("systemd-analyze", &["verify", UNIT]);
    let err = String::from_utf8_lossy(&out.stderr);
    let ours: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("keepalived-rs"))
        .collect();
    assert!(out.status.success() && ours.is_empty(), "verify: {err}");
    true
}

/// The installed unit's value for `key`.
fn unit_value(key: &str) -> String {
    let unit = std::fs::read_to_string(UNIT).expect("read installed unit");
    unit.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("{key} not in the unit"))
        .to_string()
}

/// The unit's ExecStart words, `$DAEMON_ARGS` replaced by `extra`, run
/// through `setpriv` with the unit's capability bounding set (root gets
/// no capability outside it at exec, as under systemd).
fn exec_start(extra: &[String]) -> Vec<String> {
    let caps: Vec<String> = unit_value("CapabilityBoundingSet")
        .split_whitespace()
        .map(|c| format!("+{}", c.trim_start_matches("CAP_").to_lowercase()))
        .collect();
    let mut words = vec![
        "setpriv".to_string(),
        "--bounding-set".to_string(),
        format!("-all,{}", caps.join(",")),
        "--".to_string(),
    ];
    let line = unit_value("ExecStart");
    for w in line.split_whitespace() {
        if w == "$DAEMON_ARGS" {
            words.extend_from_slice(extra);
        } else {
            words.push(w.to_string());
        }
    }
    words
}

/// The example passes `-t`, then the unit's command line, with only the
/// unit's capabilities, runs it in a lab host (whose interface is eth0,
/// as the example's) until the host holds the virtual address, and
/// releases it on SIGTERM.
fn run_example(tmp: &Path) {
    let mut lab = Lab::new(1).expect("lab");
    let t = lab
        .exec(0, "/usr/sbin/keepalived-rs", &["-t", "-f", CONF])
        .expect("run -t");
    assert!(
        t.status.success() && t.stderr.is_empty(),
        "-t on the example: {}\n{}",
        t.status,
        String::from_utf8_lossy(&t.stderr)
    );
    // DAEMON_ARGS as an operator would set them: they come last, so these
    // pid files replace the unit's (under /run/keepalived-rs, which only
    // systemd creates).
    let extra = vec![
        "--log-console".to_string(),
        format!("--pid={}", tmp.join("ka.pid").display()),
        format!("--vrrp_pid={}", tmp.join("vrrp.pid").display()),
    ];
    let words = exec_start(&extra);
    let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    let pid = lab.spawn(0, "daemon", &words[0], &args).expect("spawn");
    let vip: IpAddr = EXAMPLE_VIP.parse().expect("vip");
    let held =
        lab.wait_until(Duration::from_secs(15), |l| l.holders(vip) == [0]);
    assert!(held.is_some(), "VIP never added:\n{}", lab.log_of(pid));
    assert!(lab.signal(pid, Signal::SIGTERM));
    let st = lab.wait_exit(pid, Duration::from_secs(10));
    assert!(
        st.is_some_and(|s| s.success()),
        "{st:?}:\n{}",
        lab.log_of(pid)
    );
    assert!(lab.holders(vip).is_empty(), "VIP left after stop");
}

#[test]
fn deb_installs_and_runs_the_example() {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_keepalived-rs"));
    if ka_lab::skip_if(skip_reason(&bin)) {
        return;
    }
    let tmp = TmpDir::new("ka-package", "deb");
    let deb = build_deb(tmp.path());
    check_contents(&deb);
    let installed = Installed;
    ok("dpkg", &["-i", deb.to_str().expect("utf-8 path")]);
    let v = run("/usr/sbin/keepalived-rs", &["-v"]);
    assert!(
        String::from_utf8_lossy(&v.stderr).starts_with("Keepalived v2.2.7 "),
        "installed -v: {v:?}"
    );
    check_man();
    let verified = check_unit();
    run_example(tmp.path());
    drop(installed);
    assert!(
        !Path::new("/usr/sbin/keepalived-rs").exists(),
        "binary left"
    );
    assert!(!Path::new(CONF).exists(), "conffile left after purge");
    assert!(!Path::new(UNIT).exists(), "unit left");
    eprintln!("package test done (systemd-analyze verify: {verified})");
}

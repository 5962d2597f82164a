//! Differential test: keepalived 2.2.7 and keepalived-rs must give the
//! same `-t` exit status on every corpus file.
//!
//! Both run inside a network namespace made for this test whose interfaces
//! are `lo`, `eth0` and `eth1` (a veth pair with addresses from
//! 192.0.2.0/24), because `keepalived -t` checks that interfaces exist.
//! Without root, `ip` or `keepalived` the test prints why and passes. The
//! namespace is deleted in `Drop`, every child is killed after 20 s, and
//! pid file paths point into a temporary directory. The script fixtures
//! of `corpus/fixtures.txt` are made in that directory and bind-mounted
//! on `/mnt` for each run, inside the mount namespace of the run only.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_TIMEOUT: Duration = Duration::from_secs(20);
const CONFIG_ID: &str = "lb1";

/// A network namespace that is deleted when dropped.
struct Netns {
    name: String,
}

impl Netns {
    fn create() -> Result<Self, String> {
        let name = format!("kars-diff-{}", std::process::id());
        run_ip(&["netns", "add", &name])?;
        // From here on Drop cleans up, even if a later step fails.
        let ns = Self { name };
        let n = ns.name.as_str();
        run_ip(&[
            "-n", n, "link", "add", "eth0", "type", "veth", "peer", "name",
            "eth1",
        ])?;
        run_ip(&["-n", n, "addr", "add", "192.0.2.1/24", "dev", "eth0"])?;
        run_ip(&["-n", n, "addr", "add", "192.0.2.2/24", "dev", "eth1"])?;
        for dev in ["lo", "eth0", "eth1"] {
            run_ip(&["-n", n, "link", "set", dev, "up"])?;
        }
        Ok(ns)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = run_ip(&["netns", "del", &self.name]);
    }
}

fn run_ip(args: &[&str]) -> Result<(), String> {
    let out = run_bounded(Command::new("ip").args(args))?;
    if out.status == Some(0) {
        Ok(())
    } else {
        Err(format!("ip {} failed: {}", args.join(" "), out.text))
    }
}

/// What a child did: its exit status (`None` if killed by a signal or
/// the timeout) and its stdout and stderr together.
struct Outcome {
    status: Option<i32>,
    text: String,
}

/// Runs a command to completion, killing it after [`CHILD_TIMEOUT`].
fn run_bounded(cmd: &mut Command) -> Result<Outcome, String> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    // Drain both pipes on threads so that a chatty child cannot block.
    let out_t = std::thread::spawn(move || read_all(stdout.as_mut()));
    let err_t = std::thread::spawn(move || read_all(stderr.as_mut()));
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Some(st),
            Ok(None) if start.elapsed() > CHILD_TIMEOUT => {
                let _ = child.kill();
                timed_out = true;
                break child.wait().ok();
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(_) => break None,
        }
    };
    let mut text = out_t.join().unwrap_or_default();
    text.push_str(&err_t.join().unwrap_or_default());
    if timed_out {
        text.push_str("\n[killed after 20 s]\n");
    }
    Ok(Outcome {
        status: status.and_then(|s| s.code()).filter(|_| !timed_out),
        text,
    })
}

fn read_all<R: Read>(r: Option<&mut R>) -> String {
    let mut buf = Vec::new();
    if let Some(r) = r {
        let _ = r.read_to_end(&mut buf);
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// Why the test cannot run here, if it cannot.
fn skip_reason() -> Option<String> {
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        });
    if uid.as_deref() != Some("0") {
        return Some("not running as root (network namespaces need it)".into());
    }
    for tool in ["ip", "keepalived"] {
        let found = Command::new(tool)
            .arg(if tool == "ip" { "-V" } else { "-v" })
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        if !found {
            return Some(format!("`{tool}` is not installed"));
        }
    }
    None
}

/// A temporary directory for pid files, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir()
            .join(format!("kars-diff-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Creates the script fixtures of `corpus/fixtures.txt` under `dir`
/// (which stands for [`common::FIXTURE_ROOT`]): directories and scripts
/// with their modes and owners, and symbolic links.
fn make_fixtures(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let err = |what: &str, p: &Path, e: std::io::Error| {
        format!("cannot {what} fixture {}: {e}", p.display())
    };
    for f in common::fixtures() {
        let rel = f.path.strip_prefix(common::FIXTURE_ROOT).map_err(|_| {
            format!("fixture {} is outside /mnt", f.path.display())
        })?;
        let p = dir.join(rel);
        match (f.kind.as_str(), &f.target) {
            (_, Some(target)) => std::os::unix::fs::symlink(target, &p)
                .map_err(|e| err("link", &p, e))?,
            ("dir", None) => {
                std::fs::create_dir_all(&p).map_err(|e| err("create", &p, e))?
            }
            _ => std::fs::write(&p, "#!/bin/sh\nexit 0\n")
                .map_err(|e| err("write", &p, e))?,
        }
        if f.target.is_none() {
            std::fs::set_permissions(
                &p,
                std::fs::Permissions::from_mode(f.mode),
            )
            .map_err(|e| err("chmod", &p, e))?;
            std::os::unix::fs::chown(&p, Some(f.uid), Some(f.gid))
                .map_err(|e| err("chown", &p, e))?;
        }
    }
    Ok(())
}

/// The command that runs `prog` in the namespace with the fixtures
/// bind-mounted on `/mnt`; the mount lives in the mount namespace `ip
/// netns exec` makes for the command, and goes with it.
fn in_namespace(ns: &Netns, fixtures: &Path, prog: &str) -> Command {
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", &ns.name, "sh", "-c"])
        .arg(format!(
            "mount --bind \"$0\" {} && exec \"$@\"",
            common::FIXTURE_ROOT
        ))
        .arg(fixtures)
        .arg(prog);
    cmd
}

/// What both programs did on one corpus file.
struct Mismatch {
    file: String,
    keepalived: Outcome,
    ours: Outcome,
}

/// Runs both programs on one file.
fn check_file(ns: &Netns, tmp: &Path, file: &Path) -> Result<Mismatch, String> {
    let pid = |n: &str| tmp.join(n).to_string_lossy().into_owned();
    let pids = [
        "-p".to_string(),
        pid("ka.pid"),
        "-r".to_string(),
        pid("ka-vrrp.pid"),
        "-c".to_string(),
        pid("ka-chk.pid"),
        "-b".to_string(),
        pid("ka-bfd.pid"),
    ];
    let f = file.to_string_lossy().into_owned();
    let fixtures = tmp.join("fixtures");
    let keepalived = run_bounded(
        in_namespace(ns, &fixtures, "keepalived")
            .args(["-t", "-l", "-f", &f, "-i", CONFIG_ID])
            .args(&pids),
    )?;
    let ours = run_bounded(
        in_namespace(ns, &fixtures, env!("CARGO_BIN_EXE_keepalived-rs"))
            .args(["-t", "-f", &f, "-i", CONFIG_ID])
            .args(&pids),
    )?;
    Ok(Mismatch {
        file: common::file_name(file),
        keepalived,
        ours,
    })
}

fn report(m: &Mismatch) -> String {
    let indent = |s: &str| {
        s.lines()
            .map(|l| format!("    | {l}\n"))
            .collect::<String>()
    };
    format!(
        "--- {}: keepalived {:?}, keepalived-rs {:?}\n  keepalived:\n{}  keepalived-rs:\n{}",
        m.file,
        m.keepalived.status,
        m.ours.status,
        indent(&m.keepalived.text),
        indent(&m.ours.text)
    )
}

#[test]
fn exit_statuses_agree_with_keepalived() {
    if ka_lab::skip_if(skip_reason()) {
        return;
    }
    let ns = Netns::create()
        .unwrap_or_else(|e| panic!("cannot create the namespace: {e}"));
    let tmp = TempDir::new();
    make_fixtures(&tmp.0.join("fixtures")).unwrap_or_else(|e| panic!("{e}"));
    let recorded = common::recorded_statuses();
    let files = common::corpus_files();
    let mut mismatches = Vec::new();
    let mut drift = Vec::new();
    for file in &files {
        let m = check_file(&ns, &tmp.0, file).unwrap_or_else(|e| panic!("{e}"));
        let want = recorded.get(&m.file).copied();
        if m.keepalived.status != want {
            drift.push(format!(
                "{}: recorded {want:?}, keepalived now {:?}",
                m.file, m.keepalived.status
            ));
        }
        if m.keepalived.status != m.ours.status {
            mismatches.push(m);
        }
    }
    for m in &mismatches {
        eprintln!("{}", report(m));
    }
    let names: Vec<&str> = mismatches.iter().map(|m| m.file.as_str()).collect();
    assert!(
        drift.is_empty(),
        "keepalived no longer gives the recorded status:\n{}",
        drift.join("\n")
    );
    assert!(
        mismatches.is_empty(),
        "{} of {} corpus files: exit status differs from keepalived 2.2.7: {}",
        mismatches.len(),
        files.len(),
        names.join(" ")
    );
}

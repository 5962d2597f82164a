//! `keepalived-rs ctl` against running daemons in network-namespace hosts
//! (ka-lab): a failover seen through `status` and `instances`, a reload
//! changing a priority, and the socket refusing non-root users, garbage
//! and oversized requests while the daemon keeps running. JSON answers
//! are parsed into the daemon's own answer types. Needs root; skipped
//! with the reason otherwise.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ka_daemon::core::status_json::{Instance, ProcessStatus, ReloadOutcome};
use ka_lab::Lab;
use nix::sys::signal::Signal;
use serde::de::DeserializeOwned;

/// Election after startup, or failover: Master_Down (3.6 s at priority
/// 100) plus a wide margin for a loaded 2-core machine.
const ELECTION: Duration = Duration::from_secs(15);

const BIN: &str = env!("CARGO_BIN_EXE_keepalived-rs");

fn vip() -> std::net::IpAddr {
    "192.0.2.100".parse().unwrap()
}

/// `VI_1` on eth0 at priority `prio`.
fn conf(prio: u8) -> String {
    format!(
        "vrrp_instance VI_1 {{\n    state BACKUP\n    interface eth0\n    virtual_router_id 63\n    \
         priority {prio}\n    advert_int 1\n    virtual_ipaddress {{\n        192.0.2.100/24\n    }}\n}}\n"
    )
}

/// Starts keepalived-rs in host `host` with its control socket in the
/// lab directory; returns its pid and the socket.
fn start(lab: &mut Lab, host: usize, name: &str, prio: u8) -> (u32, PathBuf) {
    let sock = lab.dir().join(format!("{name}.sock"));
    let s = sock.display().to_string();
    let extra = ["--control-socket", s.as_str()];
    let pid = common::start_keepalived_rs_with(
        lab,
        host,
        name,
        &conf(prio),
        &[],
        &extra,
    );
    (pid, sock)
}

/// Runs `keepalived-rs ctl --socket SOCK ARGS` (from the root namespace:
/// the socket is a file).
fn ctl(sock: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("ctl")
        .arg("--socket")
        .arg(sock)
        .args(args)
        .output()
        .expect("run keepalived-rs ctl")
}

/// `ctl --json CMD`, parsed; panics with stderr when it fails.
fn json<T: DeserializeOwned>(sock: &Path, cmd: &str) -> T {
    let out = ctl(sock, &["--json", cmd]);
    assert!(
        out.status.success(),
        "ctl {cmd} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("ctl {cmd}: {e}: {}", String::from_utf8_lossy(&out.stdout))
    })
}

/// The one instance `sock`'s daemon runs.
fn vi_1(sock: &Path) -> Instance {
    let list: Vec<Instance> = json(sock, "instances");
    assert_eq!(list.len(), 1, "{list:?}");
    list.into_iter().next().unwrap()
}

/// VI_1, or `None` while the daemon does not answer yet.
fn try_vi_1(sock: &Path) -> Option<Instance> {
    let out = ctl(sock, &["--json", "instances"]);
    if !out.status.success() {
        return None;
    }
    let list: Vec<Instance> = serde_json::from_slice(&out.stdout).ok()?;
    list.into_iter().next()
}

/// Polls `sock` until `cond` holds on VI_1 (bounded by `ELECTION`); the
/// daemon may still be starting.
fn wait_for(
    lab: &Lab,
    sock: &Path,
    pids: &[u32],
    what: &str,
    cond: impl Fn(&Instance) -> bool,
) -> Instance {
    let mut last = None;
    let held = lab.wait_until(ELECTION, |_| {
        let Some(i) = try_vi_1(sock) else {
            return false;
        };
        let ok = cond(&i);
        last = Some(i);
        ok
    });
    if held.is_none() {
        let logs: String = pids
            .iter()
            .map(|p| format!("--- pid {p}:\n{}\n", lab.log_of(*p)))
            .collect();
        panic!("{what}: last seen {last:?}\n{logs}");
    }
    last.unwrap()
}

fn epoch_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

#[test]
fn ctl_sees_the_backup_take_over_when_the_master_stops() {
    if ka_lab::skip() {
        return;
    }
    let mut lab = Lab::new(2).expect("lab");
    let (hi, hi_sock) = start(&mut lab, 0, "hi", 150);
    let (lo, lo_sock) = start(&mut lab, 1, "lo", 100);
    let pids = [hi, lo];
    wait_for(&lab, &hi_sock, &pids, "hi MASTER", |i| i.state == "MASTER");
    let st: ProcessStatus = json(&hi_sock, "status");
    assert_eq!(st.pid, hi);
    assert_eq!(st.frameworks, ["vrrp"]);
    assert_eq!((st.counts.vrrp_instances, st.counts.master), (1, 1));
    let m = vi_1(&hi_sock);
    assert_eq!((m.vrid, m.priority, m.effective_priority), (63, 150, 150));
    assert_eq!(m.interface.as_deref(), Some("eth0"));
    assert_eq!(m.vips, ["192.0.2.100/24"]);
    assert!(m.vips_installed);
    assert_eq!(lab.holders(vip()), [0]);
    let hi_addr = std::net::IpAddr::from(lab.host(0).ipv4);
    let b = wait_for(&lab, &lo_sock, &pids, "lo hears hi", |i| {
        i.state == "BACKUP" && i.stats.adverts_received > 0
    });
    assert_eq!(b.master_address, Some(hi_addr));
    assert_eq!(b.master_priority, 150);
    assert_eq!(b.stats.became_master, 0);

    let stopped_at = epoch_now();
    assert!(lab.signal(hi, Signal::SIGTERM));
    assert!(
        lab.wait_exit(hi, ELECTION).is_some(),
        "hi did not stop:\n{}",
        lab.log_of(hi)
    );
    assert!(!hi_sock.exists(), "the stopped daemon left its socket");
    let gone = ctl(&hi_sock, &["status"]);
    assert_eq!(gone.status.code(), Some(1));
    let err = String::from_utf8_lossy(&gone.stderr);
    assert!(err.contains("cannot connect"), "{err}");

    let m =
        wait_for(&lab, &lo_sock, &pids, "lo MASTER", |i| i.state == "MASTER");
    assert_eq!(m.stats.became_master, 1);
    let t = m.last_transition.expect("a transition time");
    // The clocks are the same machine's; 1 s of slack for rounding.
    assert!(
        t + 1.0 >= stopped_at,
        "transition {t} before stop {stopped_at}"
    );
    let st: ProcessStatus = json(&lo_sock, "status");
    assert_eq!((st.counts.master, st.counts.backup), (1, 0));
    assert_eq!(lab.holders(vip()), [1]);
}

#[test]
fn ctl_reload_changes_the_priority_instances_shows() {
    if ka_lab::skip() {
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    let (ka, sock) = start(&mut lab, 0, "ka", 100);
    wait_for(&lab, &sock, &[ka], "MASTER", |i| i.state == "MASTER");
    let file = lab.dir().join("ka.conf");
    std::fs::write(&file, conf(120)).unwrap();
    let r: ReloadOutcome = json(&sock, "reload");
    assert_eq!(
        r,
        ReloadOutcome {
            taken: true,
            error: None
        }
    );
    let i = wait_for(&lab, &sock, &[ka], "priority 120", |i| i.priority == 120);
    assert_eq!(i.effective_priority, 120);
    assert_eq!(i.state, "MASTER");
    // A configuration that cannot load is refused; the running one stays.
    std::fs::rename(&file, lab.dir().join("moved.conf")).unwrap();
    let out = ctl(&sock, &["reload"]);
    assert_eq!(out.status.code(), Some(1), "a refused reload fails");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("refused") && text.contains("not found"),
        "{text}"
    );
    assert_eq!(vi_1(&sock).priority, 120);
}

/// Sends raw bytes on the socket; returns the answer line.
fn raw(sock: &Path, bytes: &[u8]) -> String {
    let mut s = UnixStream::connect(sock).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    // The daemon may close before reading everything of a huge request.
    let _ = s.write_all(bytes);
    let mut line = String::new();
    let _ = BufReader::new(s).read_line(&mut line);
    line
}

/// The `error` of an answer line.
fn error_of(line: &str) -> String {
    let v: serde_json::Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    v["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{line}"))
        .to_string()
}

#[test]
fn the_socket_refuses_other_users_and_bad_requests_and_keeps_serving() {
    if ka_lab::skip() {
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    let (ka, sock) = start(&mut lab, 0, "ka", 100);
    wait_for(&lab, &sock, &[ka], "MASTER", |i| i.state == "MASTER");
    let mode = std::fs::metadata(&sock).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "socket mode {mode:o}");

    let e = error_of(&raw(&sock, b"this is not json\n"));
    assert!(e.contains("not JSON"), "{e}");
    let e = error_of(&raw(&sock, b"{\"cmd\":\"format-disk\"}\n"));
    assert!(e.contains("unknown command"), "{e}");
    let big = vec![b'{'; 200 * 1024];
    let e = error_of(&raw(&sock, &big));
    assert!(e.contains("longer than"), "{e}");

    if Command::new("setpriv").arg("--version").output().is_err() {
        println!("skipped the non-root client: setpriv is not installed");
    } else {
        let as_nobody = |sock: &Path| {
            Command::new("setpriv")
                .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(BIN)
                .args(["ctl", "--socket"])
                .arg(sock)
                .arg("status")
                .output()
                .expect("run setpriv")
        };
        // Mode 0600: the kernel refuses the connection.
        let out = as_nobody(&sock);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("root only"), "{err}");
        // Opened up by mistake: the daemon still refuses (SO_PEERCRED).
        let open = std::fs::Permissions::from_mode(0o666);
        std::fs::set_permissions(&sock, open).unwrap();
        let out = as_nobody(&sock);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("permission denied: uid 65534"), "{err}");
        let logged = lab.wait_until(Duration::from_secs(5), |l| {
            l.log_of(ka).contains("refused a client with uid 65534")
        });
        assert!(logged.is_some(), "not logged:\n{}", lab.log_of(ka));
    }

    // Still running and answering.
    let st: ProcessStatus = json(&sock, "status");
    assert_eq!(st.pid, ka);
    assert!(lab.wait_exit(ka, Duration::from_millis(10)).is_none());
    assert_eq!(vi_1(&sock).state, "MASTER");
}

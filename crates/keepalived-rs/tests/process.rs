//! The daemon as a process: pid files, signals and the umask, in a
//! network-namespace lab, with keepalived 2.2.7 as the reference where it
//! is installed. Needs root; skipped with the reason otherwise.

// The interop suite's node helpers; most of that module is unused here.
#[allow(dead_code, unreachable_pub)]
#[path = "interop/support.rs"]
mod support;

use std::net::IpAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::Duration;

use ka_lab::{DaemonFiles, Lab};
use support::{Impl, KARS};

/// Election (Master_Down 3.6 s) with a wide margin for a loaded machine.
const ELECTION: Duration = Duration::from_secs(15);

/// Start, refusal, dump or stop on a loaded machine.
const STEP: Duration = Duration::from_secs(10);

fn vip() -> IpAddr {
    "192.0.2.100".parse().unwrap()
}

/// One instance that becomes master alone; `extra` goes first in the file.
fn conf(extra: &str) -> String {
    format!(
        "{extra}vrrp_instance VI_1 {{\n state BACKUP\n interface eth0\n virtual_router_id 52\n \
         priority 100\n advert_int 1\n virtual_ipaddress {{\n 192.0.2.100/24\n }}\n}}\n"
    )
}

/// Starts `imp` in the foreground in host 0 with `conf` and the pid files
/// of `pids`; `label` names its configuration and log; `env` goes in its
/// environment.
fn start(
    lab: &mut Lab,
    imp: Impl,
    label: &str,
    conf: &str,
    pids: &DaemonFiles,
    env: &[String],
) -> u32 {
    let files = DaemonFiles {
        conf: lab.dir().join(format!("{label}.conf")),
        ..pids.clone()
    };
    std::fs::write(&files.conf, conf).unwrap();
    let env: Vec<&str> = env.iter().map(String::as_str).collect();
    let (prog, extra) = imp.command();
    lab.start_daemon(0, label, prog, &files, &env, extra)
        .expect("start the daemon")
}

fn wait_exit(lab: &mut Lab, pid: u32, what: &str) -> ExitStatus {
    lab.wait_exit(pid, STEP)
        .unwrap_or_else(|| panic!("{what} did not exit:\n{}", lab.log_of(pid)))
}

fn expect_vip(lab: &Lab, pid: u32, what: &str) {
    if lab
        .wait_until(ELECTION, |l| l.holders(vip()) == [0])
        .is_none()
    {
        panic!("{what}: no VIP on host 0\n{}", lab.log_of(pid));
    }
}

/// Starts `first`, then `second` with the same pid files: the second
/// must say keepalived's words and exit 0, the first keep its VIP and
/// its pid files.
fn second_daemon_is_refused(first: Impl, second: Impl) {
    let mut lab = Lab::new(1).expect("lab");
    let pids = DaemonFiles::new(lab.dir(), "shared");
    let a = start(&mut lab, first, "first", &conf(""), &pids, &[]);
    expect_vip(&lab, a, "first daemon");
    let holder = DaemonFiles::read_pid;
    if lab
        .wait_until(STEP, |_| holder(&pids.main).is_some())
        .is_none()
    {
        panic!("no main pid file\n{}", lab.log_of(a));
    }
    let before = (holder(&pids.main), holder(&pids.vrrp));
    let b = start(&mut lab, second, "second", &conf(""), &pids, &[]);
    let status = wait_exit(&mut lab, b, "the second daemon");
    let log = lab.log_of(b);
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(log.contains("daemon is already running"), "{log}");
    assert!(lab.wait_exit(a, Duration::from_millis(100)).is_none());
    assert_eq!((holder(&pids.main), holder(&pids.vrrp)), before);
    // Still the one master: no priority 0, no removal.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(lab.holders(vip()), [0], "{}", lab.log_of(a));
    lab.signal(a, nix::sys::signal::Signal::SIGTERM);
    assert_eq!(wait_exit(&mut lab, a, "the first daemon").code(), Some(0));
    assert!(!pids.main.exists() && !pids.vrrp.exists());
}

#[test]
fn a_second_keepalived_rs_is_refused_and_the_first_keeps_running() {
    if ka_lab::skip() {
        return;
    }
    second_daemon_is_refused(Impl::Rust, Impl::Rust);
}

#[test]
fn keepalived_and_keepalived_rs_refuse_to_run_beside_each_other() {
    if let Some(why) = support::skip_reason() {
        eprintln!("skipped: {why}");
        return;
    }
    // The reference behaviour, then each against the other.
    second_daemon_is_refused(Impl::Keepalived, Impl::Keepalived);
    second_daemon_is_refused(Impl::Keepalived, Impl::Rust);
    second_daemon_is_refused(Impl::Rust, Impl::Keepalived);
}

#[test]
fn a_stale_pid_file_is_removed_and_the_daemon_starts() {
    if ka_lab::skip() {
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    let pids = DaemonFiles::new(lab.dir(), "stale");
    // Beyond pid_max: no such process.
    std::fs::write(&pids.main, "2147483646\n").unwrap();
    let a = start(&mut lab, Impl::Rust, "stale", &conf(""), &pids, &[]);
    expect_vip(&lab, a, "daemon over a stale pid file");
    assert!(lab.log_of(a).contains("Remove a zombie pid file"));
    assert_eq!(DaemonFiles::read_pid(&pids.main), Some(a));
}

/// `keepalived-rs --signum=NAME`.
fn signum(name: &str) -> i32 {
    let out = ka_lab::run(KARS, &[&format!("--signum={name}")]).unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("--signum={name} printed {text:?}"))
}

/// Sends signal number `sig` to `pid` (which this test started).
fn send(pid: u32, sig: i32) {
    ka_lab::run_ok("kill", &[&format!("-{sig}"), &pid.to_string()])
        .unwrap_or_else(|e| panic!("kill -{sig} {pid}: {e}"));
}

/// Removes `file`, sends `sig`, and returns the file once it holds
/// `done` twice (the `.stats` dump has two `Sent:` lines per instance).
fn dump_on(pid: u32, sig: i32, file: &Path, done: &str) -> String {
    let _ = std::fs::remove_file(file);
    send(pid, sig);
    let start = std::time::Instant::now();
    while start.elapsed() < STEP {
        if let Ok(text) = std::fs::read_to_string(file)
            && text.matches(done).count() >= 2
        {
            return text;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("signal {sig}: no complete {}", file.display());
}

/// The number after `label` in the `.stats` dump's first instance.
fn stat(text: &str, label: &str) -> u64 {
    text.lines()
        .find_map(|l| l.trim().strip_prefix(label))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {label} in\n{text}"))
}

#[test]
fn every_signal_an_operator_sends_leaves_the_master_running() {
    if ka_lab::skip() {
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    let pids = DaemonFiles::new(lab.dir(), "sig");
    let tmp = lab.dir().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let env = [format!("TMPDIR={}", tmp.display())];
    let a = start(&mut lab, Impl::Rust, "sig", &conf(""), &pids, &env);
    expect_vip(&lab, a, "master");
    let stats = tmp.join("keepalived.stats");
    let text = dump_on(a, signum("STATS"), &stats, "Sent:");
    assert_eq!(stat(&text, "Became master:"), 1, "{text}");
    // STATS_CLEAR writes the counters as they were, then zeroes them.
    let text = dump_on(a, signum("STATS_CLEAR"), &stats, "Sent:");
    assert_eq!(stat(&text, "Became master:"), 1, "{text}");
    let text = dump_on(a, signum("STATS"), &stats, "Sent:");
    assert_eq!(stat(&text, "Became master:"), 0, "{text}");
    let log = lab.log_of(a);
    assert!(log.contains("Printing and clearing VRRP stats for process("));
    // Every other --signum name, then signals no one handles: SIGQUIT,
    // SIGALRM, SIGPIPE, SIGTSTP, SIGRTMIN+5 and keepalived's TDUMP.
    let others = [libc_rtmin() + 5, libc_rtmax()];
    let plain = [3, 14, 13, 20, 21, 22, 26, 27, 29];
    for sig in ["RELOAD", "DATA", "JSON"]
        .map(signum)
        .into_iter()
        .chain(plain)
        .chain(others)
    {
        send(a, sig);
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            lab.wait_exit(a, Duration::from_millis(10)).is_none(),
            "signal {sig} killed the daemon:\n{}",
            lab.log_of(a)
        );
    }
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(lab.holders(vip()), [0], "{}", lab.log_of(a));
    send(a, signum("STOP"));
    assert_eq!(wait_exit(&mut lab, a, "stopped daemon").code(), Some(0));
    assert!(lab.holders(vip()).is_empty(), "the VIP is removed on STOP");
}

/// glibc's SIGRTMIN and SIGRTMAX on Linux.
fn libc_rtmin() -> i32 {
    34
}

fn libc_rtmax() -> i32 {
    64
}

/// A notify script that records its umask in `out`.
fn umask_script(dir: &Path, out: &Path) -> PathBuf {
    let script = dir.join("umask.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\numask > {}.tmp\nmv {0}.tmp {0}\n", out.display()),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
        .unwrap();
    script
}

fn notify_umask(cli: Option<&str>, keyword: Option<&str>) -> String {
    let mut lab = Lab::new(1).expect("lab");
    let out = lab.dir().join("umask.out");
    let script = umask_script(lab.dir(), &out);
    let global = keyword
        .map(|k| format!("global_defs {{\n umask {k}\n}}\n"))
        .unwrap_or_default();
    let text = conf(&global).replace(
        " advert_int 1\n",
        &format!(" advert_int 1\n notify_master {}\n", script.display()),
    );
    let files = DaemonFiles::write(lab.dir(), "umask", &text)
        .unwrap_or_else(|e| panic!("{e}"));
    let extra: Vec<&str> = cli.map(|u| vec!["-u", u]).unwrap_or_default();
    let a = lab
        .start_daemon(0, "umask", KARS, &files, &[], &extra)
        .expect("start");
    if lab.wait_until(ELECTION, |_| out.exists()).is_none() {
        panic!("notify_master did not run\n{}", lab.log_of(a));
    }
    std::fs::read_to_string(&out).unwrap().trim().to_owned()
}

#[test]
fn scripts_inherit_keepalived_s_umask() {
    if ka_lab::skip() {
        return;
    }
    assert_eq!(notify_umask(None, None), "0177", "keepalived's default");
    assert_eq!(notify_umask(None, Some("0027")), "0027", "the keyword");
    assert_eq!(
        notify_umask(Some("0022"), Some("0027")),
        "0022",
        "-u overrides the keyword"
    );
}

/// Stops a daemonized keepalived-rs (not a lab process: it forked) by the
/// pid its pid file names, when the test ends however it ends.
struct Daemonized(PathBuf);

impl Drop for Daemonized {
    fn drop(&mut self) {
        let Some(pid) = DaemonFiles::read_pid(&self.0) else {
            return;
        };
        let _ = ka_lab::run("kill", &["-TERM", &pid.to_string()]);
        for _ in 0..200 {
            if !self.0.exists() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = ka_lab::run("kill", &["-KILL", &pid.to_string()]);
    }
}

/// A datagram socket standing in for journald's `/dev/log`.
fn journal(path: &Path) -> std::os::unix::net::UnixDatagram {
    let _ = std::fs::remove_file(path);
    let s = std::os::unix::net::UnixDatagram::bind(path).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    s
}

/// Reads datagrams until one contains `want` (at most [`STEP`]).
fn line_with(s: &std::os::unix::net::UnixDatagram, want: &str) -> String {
    let start = std::time::Instant::now();
    let mut buf = [0u8; 2048];
    while start.elapsed() < STEP {
        if let Ok(n) = s.recv(&mut buf) {
            let line = String::from_utf8_lossy(&buf[..n]).into_owned();
            if line.contains(want) {
                return line;
            }
        }
    }
    panic!("no syslog line with {want:?}");
}

#[test]
fn syslog_after_the_fork_has_the_daemon_s_pid_and_survives_a_journald_restart()
{
    if ka_lab::skip() {
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    let dir = lab.dir().to_path_buf();
    let sock = dir.join("journal.sock");
    let mut listener = journal(&sock);
    let pids = DaemonFiles::new(&dir, "fork");
    let _daemon = Daemonized(pids.main.clone());
    let conf_path = dir.join("fork.conf");
    std::fs::write(&conf_path, conf("")).unwrap();
    // In a private mount namespace, /dev is a tmpfs with /dev/null and a
    // /dev/log that points at our socket; nothing of it reaches the host.
    let old = dir.join("olddev");
    std::fs::create_dir_all(&old).unwrap();
    let script = format!(
        "set -e; mount --bind /dev {old}; mount -t tmpfs none /dev; \
         touch /dev/null; mount --bind {old}/null /dev/null; \
         ln -s {sock} /dev/log; \
         exec env TMPDIR={dir} {KARS} -f {conf} -p {main} -r {vrrp}",
        old = old.display(),
        sock = sock.display(),
        dir = dir.display(),
        conf = conf_path.display(),
        main = pids.main.display(),
        vrrp = pids.vrrp.display(),
    );
    let args = ["-m", "--propagation", "private", "sh", "-c", &script];
    let parent = lab.spawn(0, "fork", "unshare", &args).expect("start");
    let status = wait_exit(&mut lab, parent, "the parent after forking");
    assert_eq!(status.code(), Some(0), "{}", lab.log_of(parent));
    if lab.wait_until(STEP, |_| pids.main.exists()).is_none() {
        panic!("no pid file\n{}", lab.log_of(parent));
    }
    let daemon = DaemonFiles::read_pid(&pids.main).expect("a pid");
    assert_ne!(daemon, parent, "the daemon is the forked child");
    let line = line_with(&listener, "Entering MASTER STATE");
    assert!(
        line.contains(&format!("Keepalived_vrrp[{daemon}]: ")),
        "{line}"
    );
    // journald restarts: a new socket at the same path.
    drop(listener);
    listener = journal(&sock);
    send(daemon, signum("STATS"));
    let line = line_with(&listener, "Printing VRRP stats");
    assert!(line.contains(&format!("[{daemon}]: ")), "{line}");
}

/// A script that appends `word` and how many VIPs the host has to `log`.
fn vip_count_script(dir: &Path, name: &str, word: &str, log: &Path) -> PathBuf {
    let script = dir.join(name);
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"{word} $(ip -o addr show | grep -c 192.0.2.100)\" >> {}\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
        .unwrap();
    script
}

#[test]
fn startup_script_runs_before_the_frameworks_and_shutdown_script_after_them() {
    if ka_lab::skip() {
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    let log = lab.dir().join("hook-scripts.out");
    let up = vip_count_script(lab.dir(), "up.sh", "startup", &log);
    let down = vip_count_script(lab.dir(), "down.sh", "shutdown", &log);
    let global = format!(
        "global_defs {{\n startup_script {}\n shutdown_script {}\n}}\n",
        up.display(),
        down.display()
    );
    let pids = DaemonFiles::new(lab.dir(), "hooks");
    let a = start(&mut lab, Impl::Rust, "hooks", &conf(&global), &pids, &[]);
    expect_vip(&lab, a, "keepalived-rs with startup_script");
    let text = || std::fs::read_to_string(&log).unwrap_or_default();
    // keepalived: the startup script is waited for before VRRP starts.
    assert_eq!(text(), "startup 0\n", "{}", lab.log_of(a));
    lab.signal(a, nix::sys::signal::Signal::SIGTERM);
    assert!(wait_exit(&mut lab, a, "keepalived-rs").success());
    // ... and the shutdown script runs once the VIP has gone.
    assert_eq!(text(), "startup 0\nshutdown 0\n", "{}", lab.log_of(a));
}

//! `-s NAME` and `net_namespace NAME`: two keepalived-rs daemons started
//! from the root namespace, each joining a namespace of a lab (made with
//! `ip netns add`, on a bridge with no address), one VRRP pair between
//! them. The VIP lives in the master's namespace and never in the root
//! one; pid files are where keepalived 2.2.7 puts them
//! (`/run/keepalived/NAME/keepalived.pid`, `vrrp.pid`, with `instance`
//! `..._INST.pid`); a second daemon in the same namespace says it is
//! already running; SIGTERM releases the VIP and removes the pid
//! directory. Needs root; skipped with the reason otherwise.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use ka_lab::{DaemonFiles, Lab};

const BIN: &str = env!("CARGO_BIN_EXE_keepalived-rs");

/// Election (Master_Down 3.6 s) with a wide margin for a loaded machine.
const ELECTION: Duration = Duration::from_secs(20);

/// Start, refusal or stop on a loaded machine.
const STEP: Duration = Duration::from_secs(10);

fn vip() -> IpAddr {
    "192.0.2.200".parse().unwrap()
}

/// One instance; `head` goes first in the file.
fn conf(head: &str, prio: u8, vrid: u8) -> String {
    format!(
        "{head}vrrp_instance VI_1 {{\n state BACKUP\n interface eth0\n virtual_router_id {vrid}\n \
         priority {prio}\n advert_int 1\n virtual_ipaddress {{\n 192.0.2.200/24\n }}\n}}\n"
    )
}

/// A VRID unlikely to meet another test's on a shared machine (each lab
/// has its own bridge anyway).
fn vrid() -> u8 {
    u8::try_from(std::process::id() % 200).unwrap_or(0) + 20
}

/// keepalived-rs started from the root namespace; killed (by its own
/// handle) when dropped if still running.
struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    fn start(dir: &Path, label: &str, conf: &str, args: &[&str]) -> Self {
        let path = dir.join(format!("{label}.conf"));
        std::fs::write(&path, conf).unwrap();
        let log = dir.join(format!("{label}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(BIN)
            .args(["-n", "-l", "-D", "-G", "-f"])
            .arg(&path)
            .args(args)
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("start keepalived-rs");
        Self { child, log }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn term(&self) {
        let pid =
            nix::unistd::Pid::from_raw(i32::try_from(self.pid()).unwrap());
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    }

    fn wait(&mut self, what: &str) -> ExitStatus {
        let start = Instant::now();
        while start.elapsed() < STEP {
            if let Ok(Some(st)) = self.child.try_wait() {
                return st;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("{what} did not exit:\n{}", self.log());
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Whether the root namespace holds `ip` on any interface.
fn in_root(ip: IpAddr) -> bool {
    let out = Command::new("ip")
        .args(["-o", "addr", "show"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).contains(&format!(" {ip}/"))
}

/// Waits until the VIP is held by exactly `want`, checking the root
/// namespace never has it.
fn expect_holders(lab: &Lab, want: &[usize], daemons: &[&Daemon]) {
    let start = Instant::now();
    loop {
        assert!(!in_root(vip()), "the VIP is in the root namespace");
        if lab.holders(vip()) == want {
            return;
        }
        if start.elapsed() > ELECTION {
            let logs: Vec<String> = daemons.iter().map(|d| d.log()).collect();
            panic!(
                "VIP holders {:?}, want {want:?}\n{}",
                lab.holders(vip()),
                logs.join("\n----\n")
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `/run/keepalived/NAME`, as the host sees a namespaced daemon's pid
/// directory.
fn host_pid_dir(ns: &str) -> PathBuf {
    Path::new("/run/keepalived").join(ns)
}

#[test]
fn two_daemons_in_two_namespaces_share_a_vip_that_never_reaches_the_root_namespace()
 {
    if ka_lab::skip() {
        return;
    }
    let lab = Lab::new(2).expect("lab");
    let dir = lab.dir().to_path_buf();
    let (ns0, ns1) = (lab.host(0).netns.clone(), lab.host(1).netns.clone());
    let v = vrid();
    let mut a = Daemon::start(&dir, "a", &conf("", 150, v), &["-s", &ns0]);
    let mut b = Daemon::start(&dir, "b", &conf("", 100, v), &["-s", &ns1]);
    expect_holders(&lab, &[0], &[&a, &b]);
    // keepalived's pid paths: /run/keepalived (private) is
    // /run/keepalived/NAME on the host.
    for (d, ns) in [(&a, &ns0), (&b, &ns1)] {
        for f in ["keepalived.pid", "vrrp.pid"] {
            let p = host_pid_dir(ns).join(f);
            assert_eq!(
                DaemonFiles::read_pid(&p),
                Some(d.pid()),
                "{}\n{}",
                p.display(),
                d.log()
            );
        }
        assert!(!host_pid_dir(ns).join("checkers.pid").exists());
        assert!(
            d.log()
                .contains(&format!("Changing syslog ident to Keepalived_{ns}")),
            "{}",
            d.log()
        );
    }
    // A second daemon in the same namespace: already running, status 0.
    let mut again =
        Daemon::start(&dir, "again", &conf("", 150, v), &["-s", &ns0]);
    let st = again.wait("the second daemon");
    assert_eq!(st.code(), Some(0), "{}", again.log());
    assert!(
        again.log().contains("daemon is already running"),
        "{}",
        again.log()
    );
    assert_eq!(
        DaemonFiles::read_pid(&host_pid_dir(&ns0).join("keepalived.pid")),
        Some(a.pid())
    );
    // SIGTERM: the master releases the VIP, the backup takes it over, and
    // the pid directory is gone.
    a.term();
    assert_eq!(a.wait("the master").code(), Some(0), "{}", a.log());
    assert!(!host_pid_dir(&ns0).exists(), "{}", a.log());
    expect_holders(&lab, &[1], &[&b]);
    b.term();
    assert_eq!(b.wait("the backup").code(), Some(0), "{}", b.log());
    assert!(lab.holders(vip()).is_empty());
    assert!(!host_pid_dir(&ns1).exists());
}

#[test]
fn net_namespace_and_instance_from_the_configuration() {
    if ka_lab::skip() {
        return;
    }
    let lab = Lab::new(1).expect("lab");
    let dir = lab.dir().to_path_buf();
    let ns = lab.host(0).netns.clone();
    let head = format!("net_namespace {ns}\ninstance i1\n");
    let log = dir.join("ka.log");
    let g = format!("-g{}", log.display());
    let mut d = Daemon::start(&dir, "conf", &conf(&head, 150, vrid()), &[&g]);
    expect_holders(&lab, &[0], &[&d]);
    // keepalived: /run/keepalived/keepalived_INST.pid in the namespace's
    // private pid directory.
    let pids = host_pid_dir(&ns);
    for f in ["keepalived_i1.pid", "vrrp_i1.pid"] {
        assert_eq!(
            DaemonFiles::read_pid(&pids.join(f)),
            Some(d.pid()),
            "{f}\n{}",
            d.log()
        );
    }
    assert!(
        d.log()
            .contains(&format!("Changing syslog ident to Keepalived_{ns}_i1")),
        "{}",
        d.log()
    );
    d.term();
    assert_eq!(d.wait("the daemon").code(), Some(0), "{}", d.log());
    assert!(!pids.exists());
    // -g FILE: keepalived's per-process names, with namespace and instance.
    let vrrp_log = dir.join(format!("ka_vrrp_{ns}_i1.log"));
    let text = std::fs::read_to_string(&vrrp_log)
        .unwrap_or_else(|e| panic!("{}: {e}\n{}", vrrp_log.display(), d.log()));
    assert!(text.contains("(VI_1) Entering MASTER STATE"), "{text}");
    let main_log =
        std::fs::read_to_string(dir.join(format!("ka_{ns}_i1.log"))).unwrap();
    assert!(main_log.contains("Stopped keepalived-rs"), "{main_log}");
}

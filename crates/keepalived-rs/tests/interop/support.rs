//! What every interop test needs: why it cannot run here, starting and
//! killing keepalived and keepalived-rs nodes in a lab, and bounded waits
//! that record how long each step took.
//!
//! A node is one daemon in one lab host. keepalived runs as a parent and a
//! VRRP child; keepalived-rs is one process. A *crash* is a SIGKILL of the
//! process that sends adverts (keepalived's VRRP child, named by its `-r`
//! pid file; keepalived's parent is stopped first so that it cannot
//! respawn the child, then killed too). A *stop* is a SIGTERM of the main
//! process, after which the master resigns with priority 0.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use ka_lab::{DaemonFiles, Lab};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// The keepalived-rs binary under test.
pub const KARS: &str = env!("CARGO_BIN_EXE_keepalived-rs");

/// Which implementation a node runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Impl {
    /// Debian's keepalived 2.2.7, the reference peer.
    Keepalived,
    /// keepalived-rs, the implementation under test.
    Rust,
}

impl Impl {
    /// A short label for tables and file names.
    pub fn label(self) -> &'static str {
        match self {
            Self::Keepalived => "ka",
            Self::Rust => "rs",
        }
    }

    /// The program and its options beyond [`ka_lab::DaemonFiles::args`]:
    /// keepalived runs VRRP only (`-P`: the host kernel has no IPVS for its
    /// checker process).
    pub fn command(self) -> (&'static str, &'static [&'static str]) {
        match self {
            Self::Keepalived => ("keepalived", &["-P"]),
            Self::Rust => (KARS, &[]),
        }
    }
}

/// Why the lab tests cannot run here (not root, no `ip`, no keepalived,
/// no nft), or `None`.
pub fn skip_reason() -> Option<String> {
    if let Some(why) = ka_lab::skip_reason() {
        return Some(why);
    }
    match ka_lab::run("keepalived", &["-v"]) {
        Err(e) => {
            return Some(format!(
                "keepalived is not installed ({e}); CI installs the Debian package `keepalived`"
            ));
        }
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stderr);
            if !text.contains("Keepalived v") {
                return Some(format!(
                    "`keepalived -v` does not look like keepalived: {text}"
                ));
            }
        }
    }
    if ka_lab::run("nft", &["--version"]).is_err() {
        return Some(
            "nft (nftables) is not installed: partitions need it".into(),
        );
    }
    None
}

/// `keepalived -v` output (version and build options).
pub fn keepalived_version() -> String {
    ka_lab::run("keepalived", &["-v"])
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .unwrap_or_default()
}

/// Whether tcpdump is installed.
pub fn have_tcpdump() -> bool {
    ka_lab::run("tcpdump", &["--version"]).is_ok_and(|o| o.status.success())
}

/// One running daemon.
#[derive(Debug)]
pub struct Node {
    /// Which implementation.
    pub imp: Impl,
    /// The main process (what the lab spawned).
    pub pid: u32,
    /// keepalived's `-r` file (keepalived-rs writes its own pid there).
    vrrp_pid_file: PathBuf,
}

/// Starts `imp` in host `host` with configuration `conf`; `label` names
/// the files (unique per start, so earlier logs survive for evidence).
pub fn start(
    lab: &mut Lab,
    host: usize,
    imp: Impl,
    conf: &str,
    label: &str,
) -> Result<Node, String> {
    let files = DaemonFiles::write(lab.dir(), label, conf)?;
    let (prog, extra) = imp.command();
    let spawned = lab.start_daemon(host, label, prog, &files, &[], extra);
    let pid = spawned.map_err(|e| format!("start {label}: {e}"))?;
    Ok(Node {
        imp,
        pid,
        vrrp_pid_file: files.vrrp,
    })
}

/// Crashes a node: no priority 0, the VIPs stay where they were.
pub fn crash(lab: &mut Lab, node: &Node) -> Result<(), String> {
    if node.imp == Impl::Keepalived {
        let child = read_pid(&node.vrrp_pid_file, Duration::from_secs(3))
            .ok_or_else(|| {
                format!("no VRRP child pid in {}", node.vrrp_pid_file.display())
            })?;
        // A stopped parent cannot respawn the child it is about to lose.
        lab.signal(node.pid, Signal::SIGSTOP);
        let killed = kill(Pid::from_raw(child), Signal::SIGKILL);
        lab.signal(node.pid, Signal::SIGKILL);
        killed.map_err(|e| format!("kill VRRP child {child}: {e}"))?;
    } else {
        lab.signal(node.pid, Signal::SIGKILL);
    }
    lab.wait_exit(node.pid, Duration::from_secs(5))
        .map(|_| ())
        .ok_or_else(|| format!("pid {} survived SIGKILL", node.pid))
}

/// Stops a node gracefully (SIGTERM: a master sends priority 0) and
/// waits for it to exit.
pub fn stop(lab: &mut Lab, node: &Node) -> Result<(), String> {
    terminate(lab, node);
    reap(lab, node)
}

/// Sends SIGTERM without waiting: failover is timed from here, while
/// the old master is still shutting down (keepalived's parent waits for
/// its child and takes about a second to exit).
pub fn terminate(lab: &mut Lab, node: &Node) {
    lab.signal(node.pid, Signal::SIGTERM);
}

/// Waits (at most 10 s) for a terminated node to exit.
pub fn reap(lab: &mut Lab, node: &Node) -> Result<(), String> {
    lab.wait_exit(node.pid, Duration::from_secs(10))
        .map(|_| ())
        .ok_or_else(|| {
            format!("pid {} did not exit within 10 s of SIGTERM", node.pid)
        })
}

/// Reads a pid file, waiting up to `timeout` for it to appear.
fn read_pid(path: &PathBuf, timeout: Duration) -> Option<i32> {
    let start = Instant::now();
    loop {
        if let Some(p) = std::fs::read_to_string(path)
            .ok()
            .and_then(|s| s.trim().parse().ok())
        {
            return Some(p);
        }
        if start.elapsed() > timeout {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Who holds each of `vips`, as the outside sees it (`ip addr` on eth0).
pub fn holders(lab: &Lab, vips: &[IpAddr]) -> Vec<Vec<usize>> {
    // One `ip addr` per host per poll: the matrix polls from 20 threads.
    let addrs: Vec<_> =
        (0..lab.hosts().len()).map(|h| lab.addresses(h)).collect();
    vips.iter()
        .map(|v| (0..addrs.len()).filter(|&h| addrs[h].contains(v)).collect())
        .collect()
}

/// Every VIP is held by exactly `host`.
pub fn only(lab: &Lab, vips: &[IpAddr], host: usize) -> bool {
    holders(lab, vips).iter().all(|h| *h == [host])
}

/// Every VIP is held by `host` (others may still hold it too).
pub fn has(lab: &Lab, vips: &[IpAddr], host: usize) -> bool {
    holders(lab, vips).iter().all(|h| h.contains(&host))
}

/// How often steps poll: fine enough for second-scale bounds, coarse
/// enough that 20 labs polling with `ip` leave the CPUs to the daemons.
const POLL: Duration = Duration::from_millis(40);

/// One checked step of a scenario.
#[derive(Clone, Debug)]
pub struct Step {
    /// What was checked.
    pub what: String,
    /// How long it took (for holds: how long it held).
    pub took: Duration,
    /// The bound it had to meet.
    pub bound: Duration,
}

/// The steps a scenario has passed so far, for the report.
#[derive(Debug, Default)]
pub struct Steps(pub Vec<Step>);

impl Steps {
    /// Waits until `cond` holds, at most `bound`; records the step.
    pub fn expect(
        &mut self,
        lab: &Lab,
        what: &str,
        bound: Duration,
        cond: impl FnMut(&Lab) -> bool,
    ) -> Result<Duration, String> {
        self.expect_since(lab, what, Instant::now(), bound, cond)
    }

    /// Like [`Self::expect`], timed from `since` (e.g. the fault).
    pub fn expect_since(
        &mut self,
        lab: &Lab,
        what: &str,
        since: Instant,
        bound: Duration,
        mut cond: impl FnMut(&Lab) -> bool,
    ) -> Result<Duration, String> {
        loop {
            // Read the clock before the check: a pass counts as of then.
            let took = since.elapsed();
            if cond(lab) {
                self.0.push(Step {
                    what: what.into(),
                    took,
                    bound,
                });
                return Ok(took);
            }
            if took > bound {
                let b = bound.as_secs_f64();
                return Err(format!("{what}: not within {b:.1} s"));
            }
            std::thread::sleep(POLL);
        }
    }

    /// Checks that `cond` holds on every poll for `span`.
    pub fn hold(
        &mut self,
        lab: &Lab,
        what: &str,
        span: Duration,
        mut cond: impl FnMut(&Lab) -> bool,
    ) -> Result<(), String> {
        let start = Instant::now();
        while start.elapsed() < span {
            if !cond(lab) {
                return Err(format!(
                    "{what}: broke after {:.2} s",
                    start.elapsed().as_secs_f64()
                ));
            }
            std::thread::sleep(POLL);
        }
        self.0.push(Step {
            what: what.into(),
            took: span,
            bound: span,
        });
        Ok(())
    }

    /// The steps as `what took/bound` lines.
    pub fn render(&self) -> String {
        let mut s = String::new();
        for st in &self.0 {
            let _ = writeln!(
                s,
                "      {:<52} {:>6.2} s (bound {:.2} s)",
                st.what,
                st.took.as_secs_f64(),
                st.bound.as_secs_f64()
            );
        }
        s
    }
}

/// The last `n` lines of `text`.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

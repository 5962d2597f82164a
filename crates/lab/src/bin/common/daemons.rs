//! Shared by the benchmark binaries: which VRRP daemon to run (keepalived-rs
//! or Debian's keepalived 2.2.7), their configurations, starting and
//! stopping them in a lab host, and the pids that make up each daemon.
//!
//! keepalived runs as a parent and a VRRP child (`-P`: no checker child);
//! keepalived-rs is one process. A crash of keepalived is a SIGKILL of its
//! VRRP child (a SIGKILL of the parent alone makes the child resign with
//! priority 0), so [`Daemon::crash_pid`] finds that child from the `-r`
//! pid file and checks it is the child of the process we started;
//! keepalived runs with `--dont-respawn` so its parent does not restart
//! the child.

#![allow(dead_code)] // each benchmark uses a different part of this module

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ka_lab::{DaemonFiles, Lab};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// Set when SIGINT or SIGTERM arrived.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Turns the first SIGINT/SIGTERM into a flag (see [`interrupted`]) so a
/// benchmark finishes its current run, drops its lab (deleting namespaces
/// and links) and stops; a second one exits at once. The handler lives in
/// a small tokio runtime on its own thread; no signal mask changes, so the
/// daemons the benchmark starts receive SIGTERM normally.
pub(crate) fn catch_interrupts() {
    use tokio::signal::unix::{SignalKind, signal};
    std::thread::spawn(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        let Ok(rt) = rt else { return };
        rt.block_on(async {
            let (Ok(mut int), Ok(mut term)) = (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) else {
                return;
            };
            loop {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
                if INTERRUPTED.swap(true, Ordering::Relaxed) {
                    std::process::exit(130);
                }
                eprintln!("interrupted: cleaning up after the current run");
            }
        });
    });
}

/// Whether the benchmark was asked to stop.
pub(crate) fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}

/// Sleeps for `d` in short steps; false if interrupted meanwhile.
pub(crate) fn sleep_unless_interrupted(d: Duration) -> bool {
    let end = Instant::now() + d;
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        if interrupted() {
            return false;
        }
        std::thread::sleep(left.min(Duration::from_millis(100)));
    }
    !interrupted()
}

/// Debian's keepalived.
pub(crate) const KEEPALIVED: &str = "/usr/sbin/keepalived";

/// An implementation under test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Impl {
    /// keepalived-rs, at this path.
    Rs(PathBuf),
    /// keepalived 2.2.7.
    Keepalived,
}

impl Impl {
    /// The binary this implementation runs.
    pub(crate) fn program(&self) -> PathBuf {
        match self {
            Self::Rs(bin) => bin.clone(),
            Self::Keepalived => PathBuf::from(KEEPALIVED),
        }
    }

    /// The name used in tables.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::Rs(_) => "keepalived-rs",
            Self::Keepalived => "keepalived",
        }
    }

    /// `--impl` values: `keepalived-rs`, `keepalived` or `both`.
    pub(crate) fn parse_list(
        s: &str,
        rs_bin: &Path,
    ) -> Result<Vec<Self>, String> {
        let rs = Self::Rs(rs_bin.to_path_buf());
        match s {
            "keepalived-rs" | "rs" => Ok(vec![rs]),
            "keepalived" => Ok(vec![Self::Keepalived]),
            "both" => Ok(vec![Self::Keepalived, rs]),
            other => Err(format!(
                "--impl {other}: want keepalived-rs, keepalived or both"
            )),
        }
    }
}

/// Fails with a hint when a binary to benchmark is missing.
fn check_installed(impls: &[Impl]) -> Result<(), String> {
    for imp in impls {
        let path = imp.program();
        if !path.exists() {
            return Err(format!(
                "{} not found at {} (build keepalived-rs with `cargo build \
                 --release -p keepalived-rs` and pass --bin; install Debian's \
                 keepalived for the comparison)",
                imp.name(),
                path.display()
            ));
        }
    }
    Ok(())
}

/// Start-up shared by the benchmarks: exits 2 on bad options or a missing
/// binary, 1 when labs cannot run here; returns the options otherwise.
pub(crate) fn options_or_exit<O>(
    parsed: Result<O, String>,
    impls: impl Fn(&O) -> &[Impl],
) -> O {
    let opts = match parsed.and_then(|o| check_installed(impls(&o)).map(|()| o))
    {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    if let Some(why) = ka_lab::skip_reason() {
        eprintln!("cannot run: {why}");
        std::process::exit(1);
    }
    opts
}

/// Prints the load average, so figures can be judged against the load
/// they were taken under.
pub(crate) fn print_load(when: &str) {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    eprintln!("load {when}: {}", load.trim());
}

/// The default keepalived-rs binary: next to this benchmark (same target
/// directory), else `target/release/keepalived-rs`.
pub(crate) fn default_rs_bin() -> PathBuf {
    let sibling = std::env::current_exe()
        .ok()
        .and_then(|e| Some(e.parent()?.join("keepalived-rs")));
    sibling
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("target/release/keepalived-rs"))
}

/// VRRP timing of a configuration.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timing {
    /// VRRP version, 2 or 3.
    pub(crate) version: u8,
    /// `advert_int` as written in the configuration ("1", "0.01").
    pub(crate) advert_int: &'static str,
}

/// A configuration with `count` VRRP instances on eth0, all at `prio`,
/// VRIDs 1..=count. With one instance the VIP is 192.0.2.100/24; with more,
/// instance k holds 198.51.100.k/24 (k ≤ 254).
pub(crate) fn config(count: u8, prio: u8, t: Timing) -> String {
    let mut s = String::from("global_defs {\n    router_id bench\n}\n");
    for k in 1..=count {
        let vip = if count == 1 {
            "192.0.2.100/24".to_owned()
        } else {
            format!("198.51.100.{k}/24")
        };
        s.push_str(&format!(
            "vrrp_instance VI_{k} {{\n    state BACKUP\n    interface eth0\n    virtual_router_id {k}\n    \
             version {}\n    priority {prio}\n    advert_int {}\n    virtual_ipaddress {{\n        {vip}\n    }}\n}}\n",
            t.version, t.advert_int
        ));
    }
    s
}

/// A daemon started in a lab host.
#[derive(Debug)]
pub(crate) struct Daemon {
    /// Which implementation.
    pub(crate) imp: Impl,
    /// The process the lab started (keepalived's parent).
    pub(crate) pid: u32,
    /// Its `-r` pid file (keepalived's VRRP child).
    pub(crate) vrrp_pid_file: PathBuf,
}

/// Writes `conf` and starts `imp` in lab host `host` under `name`.
pub(crate) fn start(
    lab: &mut Lab,
    imp: &Impl,
    host: usize,
    name: &str,
    conf: &str,
) -> Result<Daemon, String> {
    // keepalived: VRRP only (-P). -R: when the VRRP child dies the parent
    // exits instead of starting a new child, so a SIGKILL of the child is
    // a crash of keepalived (a respawned child would win the election back
    // before the backup's Master_Down timer expires).
    let extra: &[&str] = match imp {
        Impl::Rs(_) => &[],
        Impl::Keepalived => &["-P", "-R"],
    };
    start_with(lab, imp, host, name, conf, extra)
}

/// [`start`] with `extra` options after the common ones
/// ([`ka_lab::DaemonFiles::args`]: every pid file in the lab, so two
/// daemons on one machine do not share keepalived's defaults in /run).
pub(crate) fn start_with(
    lab: &mut Lab,
    imp: &Impl,
    host: usize,
    name: &str,
    conf: &str,
    extra: &[&str],
) -> Result<Daemon, String> {
    let files = DaemonFiles::write(lab.dir(), name, conf)?;
    let prog = imp.program().display().to_string();
    let pid = lab
        .start_daemon(host, name, &prog, &files, &[], extra)
        .map_err(|e| e.to_string())?;
    Ok(Daemon {
        imp: imp.clone(),
        pid,
        vrrp_pid_file: files.vrrp,
    })
}

impl Daemon {
    /// keepalived's VRRP child, once it has written its pid file (waits up
    /// to `timeout`); only a live child of [`Daemon::pid`] is returned.
    pub(crate) fn vrrp_child(&self, timeout: Duration) -> Option<u32> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            let pid = std::fs::read_to_string(&self.vrrp_pid_file)
                .ok()
                .and_then(|s| s.trim().parse::<u32>().ok());
            if let Some(pid) =
                pid.filter(|&p| p != self.pid && parent_of(p) == Some(self.pid))
            {
                return Some(pid);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// The process to SIGKILL to simulate a crash of the VRRP engine.
    pub(crate) fn crash_pid(&self) -> Result<u32, String> {
        match self.imp {
            Impl::Rs(_) => Ok(self.pid),
            Impl::Keepalived => self
                .vrrp_child(Duration::from_secs(5))
                .ok_or_else(|| "keepalived's VRRP child not found".to_owned()),
        }
    }

    /// Every process of the daemon (keepalived: parent and VRRP child).
    pub(crate) fn pids(&self) -> Vec<u32> {
        let mut v = vec![self.pid];
        if self.imp == Impl::Keepalived {
            v.extend(self.vrrp_child(Duration::from_secs(5)));
        }
        v
    }

    /// Stops the daemon: SIGTERM, then waits (bounded) for it and for
    /// keepalived's VRRP child to go; the lab's Drop SIGKILLs stragglers.
    pub(crate) fn stop(&self, lab: &mut Lab) {
        let child = if self.imp == Impl::Keepalived {
            self.vrrp_child(Duration::ZERO)
        } else {
            None
        };
        lab.signal(self.pid, Signal::SIGTERM);
        let _ = lab.wait_exit(self.pid, Duration::from_secs(5));
        if let Some(c) = child {
            wait_gone(c, Duration::from_secs(5));
        }
    }
}

/// SIGKILLs `pid`, which must be a process of `d` (the lab's own process,
/// or keepalived's VRRP child as checked by [`Daemon::vrrp_child`]).
pub(crate) fn sigkill(lab: &mut Lab, d: &Daemon, pid: u32) -> bool {
    if pid == d.pid {
        return lab.signal(pid, Signal::SIGKILL);
    }
    parent_of(pid) == Some(d.pid)
        && i32::try_from(pid)
            .is_ok_and(|p| kill(Pid::from_raw(p), Signal::SIGKILL).is_ok())
}

/// The parent pid of `pid`, from /proc/PID/stat.
pub(crate) fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; fields after it follow ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Waits up to `timeout` for `pid` to disappear (or become a zombie).
fn wait_gone(pid: u32, timeout: Duration) {
    let start = Instant::now();
    while start.elapsed() < timeout {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(s) if !s.contains(") Z ") => {
                std::thread::sleep(Duration::from_millis(20))
            }
            _ => return,
        }
    }
}

/// The hosts holding `vip`, or a message listing them.
pub(crate) fn wait_holder(
    lab: &Lab,
    vip: std::net::IpAddr,
    want: usize,
    timeout: Duration,
) -> Result<Duration, String> {
    lab.wait_until(timeout, |l| l.holders(vip) == [want])
        .ok_or_else(|| {
            format!(
                "h{want} did not hold {vip} within {timeout:?}; holders {:?}",
                lab.holders(vip)
            )
        })
}

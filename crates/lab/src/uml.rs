//! User-mode Linux guests: a kernel with IPVS (and the other modules the
//! host kernel lacks) booted as an ordinary process over the host's root
//! file system (read-only, hostfs), running one shell script as init.
//! See `shared/docs/TESTING.md`, "Real IPVS: user-mode Linux".
//!
//! [`Guest::run`] boots, waits at most the guest's timeout and returns the
//! console. The guest is killed by its process group (the group the
//! harness created for it) when it overstays, and in `Drop`.
//!
//! Inside the script: `$KA_UML_WORK` is a host folder mounted read-write
//! at the same path (results, configurations), `ka_modprobe NAME…`
//! loads modules of the UML kernel, `ka_wait_for TENTHS CMD…` polls CMD
//! every 0.2 s for at most TENTHS/10 s, `ka_stop PID` sends SIGTERM and
//! waits for PID (at most 10 s) and reaps it, `/run` is a tmpfs. The script's exit status
//! is printed as `ka-uml-status=N` and returned as [`UmlRun::status`].

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::TmpDir;

/// The UML kernel.
pub const LINUX_UML: &str = "/usr/bin/linux.uml";
/// Where Debian's `user-mode-linux` package keeps the kernel's modules
/// (one folder per kernel version).
pub const UML_MODULES: &str = "/usr/lib/uml/modules";

/// Why UML guests cannot run here, or `None` when they can: root (the
/// tests that use them program the guest's kernel and expect the CI
/// machine's setup), `linux.uml` with its modules, and the host's
/// `modprobe` (kmod), which the guest runs.
pub fn skip_reason() -> Option<String> {
    if !nix::unistd::geteuid().is_root() {
        return Some("not root: the UML tests need root".into());
    }
    if !Path::new(LINUX_UML).exists() {
        return Some(format!(
            "{LINUX_UML} is missing (apt-get install user-mode-linux)"
        ));
    }
    if modules_version().is_none() {
        return Some(format!("no kernel modules under {UML_MODULES}"));
    }
    if !Path::new("/usr/sbin/modprobe").exists()
        && !Path::new("/sbin/modprobe").exists()
    {
        return Some("modprobe is missing (apt-get install kmod)".into());
    }
    None
}

/// [`skip_reason`], or why Debian's keepalived 2.2.7 (run beside
/// keepalived-rs in the guest) cannot run: `/usr/sbin/keepalived` missing.
pub fn skip_reason_with_keepalived() -> Option<String> {
    const KEEPALIVED: &str = "/usr/sbin/keepalived";
    skip_reason().or_else(|| {
        (!Path::new(KEEPALIVED).exists()).then(|| {
            format!("{KEEPALIVED} is missing (apt-get install keepalived)")
        })
    })
}

/// The UML kernel's version: the one folder under [`UML_MODULES`].
fn modules_version() -> Option<String> {
    let mut dirs = std::fs::read_dir(UML_MODULES).ok()?;
    let e = dirs.next()?.ok()?;
    e.file_name().into_string().ok()
}

/// What a guest printed and how its script ended.
#[derive(Debug)]
pub struct UmlRun {
    /// The whole console: kernel messages and the script's output.
    pub console: String,
    /// The script's exit status; `None` when the guest never printed it
    /// (killed at the timeout, crashed).
    pub status: Option<i32>,
    /// How long the boot, the script and the halt took.
    pub elapsed: Duration,
}

/// Why a guest could not be run.
#[derive(Debug)]
pub enum UmlError {
    /// Setting up its folder or starting `linux.uml` failed.
    Setup(std::io::Error),
    /// The guest ran past its timeout and was killed; its console so far.
    Timeout(String),
}

impl std::fmt::Display for UmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Setup(e) => write!(f, "starting the UML guest: {e}"),
            Self::Timeout(c) => {
                write!(f, "the UML guest timed out; console:\n{c}")
            }
        }
    }
}

impl std::error::Error for UmlError {}

/// One guest to boot.
#[derive(Debug)]
pub struct Guest {
    /// The name given to [`Guest::new`], for messages.
    tag: String,
    work: TmpDir,
    env: Vec<(String, String)>,
    mem: String,
    timeout: Duration,
}

impl Guest {
    /// A guest with 256 MiB and a 120 s bound; `tag` keeps parallel
    /// tests' folders apart (the pid keeps parallel binaries apart).
    pub fn new(tag: &str) -> Self {
        Self {
            tag: tag.to_owned(),
            work: TmpDir::new("ka-uml", tag),
            env: Vec::new(),
            mem: "256M".into(),
            timeout: Duration::from_secs(120),
        }
    }

    /// The host folder the guest sees read-write at the same path.
    pub fn work(&self) -> &Path {
        self.work.path()
    }

    /// Passes `KEY=value` to the script's environment (a word on the
    /// kernel command line: no spaces, no quotes).
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// The guest's memory (`mem=`), e.g. `512M`.
    pub fn mem(mut self, mem: &str) -> Self {
        self.mem = mem.into();
        self
    }

    /// The longest the guest may run before it is killed.
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// [`Guest::run`] for a test: panics unless the script ran and exited
    /// 0, with the console and the work folder's `files` (the logs that
    /// explain a failure) in the message.
    pub fn run_ok(&self, body: &str, files: &[&str]) -> UmlRun {
        let logs = || {
            files
                .iter()
                .map(|f| {
                    let text = std::fs::read_to_string(self.work().join(f))
                        .unwrap_or_default();
                    format!("--- {f}:\n{text}")
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        let run = self
            .run(body)
            .unwrap_or_else(|e| panic!("{}: {e}\n{}", self.tag, logs()));
        assert_eq!(
            run.status,
            Some(0),
            "{}'s guest failed:\n{}\n{}",
            self.tag,
            run.console,
            logs()
        );
        run
    }

    /// Boots the guest with `body` (shell) as its init script and waits
    /// for it to halt.
    pub fn run(&self, body: &str) -> Result<UmlRun, UmlError> {
        let version = modules_version().ok_or_else(|| {
            UmlError::Setup(std::io::Error::other(format!(
                "no modules under {UML_MODULES}"
            )))
        })?;
        let init = self.write_init(body, &version).map_err(UmlError::Setup)?;
        let mut cmd = Command::new(LINUX_UML);
        cmd.arg(format!("mem={}", self.mem))
            .args(["rootfstype=hostfs", "rootflags=/", "ro"])
            .arg(format!("init={}", init.display()))
            .arg(format!("uml_dir={}", self.work().display()))
            .arg(format!("umid=ka{}", std::process::id()))
            .arg(format!("KA_UML_WORK={}", self.work().display()));
        for (k, v) in &self.env {
            cmd.arg(format!("{k}={v}"));
        }
        cmd.args(["con=null", "con0=fd:0,fd:1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let start = Instant::now();
        let child = cmd.spawn().map_err(UmlError::Setup)?;
        let mut running = Running::new(child);
        let finished = running.wait(self.timeout);
        let console = running.console();
        if !finished {
            return Err(UmlError::Timeout(console));
        }
        let status = console
            .lines()
            .filter_map(|l| l.trim().strip_prefix("ka-uml-status="))
            .find_map(|s| s.parse().ok());
        Ok(UmlRun {
            console,
            status,
            elapsed: start.elapsed(),
        })
    }

    /// The init script: a preamble, the body in a subshell, its status,
    /// the halt.
    fn write_init(
        &self,
        body: &str,
        version: &str,
    ) -> std::io::Result<PathBuf> {
        let moddir = self.work().join("modroot");
        std::fs::create_dir_all(moddir.join("lib/modules"))?;
        let link = moddir.join("lib/modules").join(version);
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(
            Path::new(UML_MODULES).join(version),
            &link,
        )?;
        let script = format!(
            "#!/bin/sh\n\
             export PATH=/usr/sbin:/usr/bin:/sbin:/bin\n\
             mount -t proc proc /proc; mount -t sysfs sys /sys\n\
             mount -t tmpfs tmpfs /run\n\
             mount -t hostfs none \"$KA_UML_WORK\" -o \"$KA_UML_WORK\"\n\
             ka_modprobe() {{ for m in \"$@\"; do modprobe -d {moddir} \"$m\" || return 1; done; }}\n\
             ka_wait_for() {{ n=$1; shift; i=0; while [ $i -lt \"$n\" ]; do \"$@\" && return 0; sleep 0.2; i=$((i + 2)); done; return 1; }}\n\
             ka_stop() {{ kill -TERM \"$1\"; i=0; while kill -0 \"$1\" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done; wait \"$1\"; }}\n\
             ip link set lo up\n\
             (\n{body}\n)\n\
             echo \"ka-uml-status=$?\"\n\
             halt -f\n",
            moddir = moddir.display(),
        );
        let path = self.work().join("init.sh");
        std::fs::write(&path, script)?;
        std::fs::set_permissions(
            &path,
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )?;
        Ok(path)
    }
}

/// A booted guest: its process (group) and the thread reading its
/// console. Dropping it kills the group.
struct Running {
    child: Child,
    reader: Option<JoinHandle<String>>,
    done: bool,
}

impl Running {
    fn new(mut child: Child) -> Self {
        let reader = child.stdout.take().map(|mut out| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let _ = out.read_to_end(&mut buf);
                String::from_utf8_lossy(&buf).into_owned()
            })
        });
        Self {
            child,
            reader,
            done: false,
        }
    }

    /// Waits for the guest to exit, at most `timeout`; kills it after.
    fn wait(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.exited() {
                // Helper processes of the guest may still hold the
                // console: end the group before reaping the leader.
                self.kill();
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill();
        false
    }

    /// Whether the guest's main process has exited, without reaping it
    /// (a zombie keeps its pid, and so its group, from being reused).
    fn exited(&self) -> bool {
        match std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
        {
            // The state follows the command name in parentheses.
            Ok(stat) => stat.rsplit_once(')').is_some_and(|(_, rest)| {
                rest.trim_start().starts_with(['Z', 'X'])
            }),
            Err(_) => true,
        }
    }

    /// Everything the console printed (after the guest is gone).
    fn console(&mut self) -> String {
        self.reader
            .take()
            .and_then(|r| r.join().ok())
            .unwrap_or_default()
    }

    fn kill(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // The group was created for this guest (process_group(0)).
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        let _ = self.child.wait();
        self.done = true;
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if !self.done {
            self.kill();
        }
    }
}

#[cfg(test)]
#[path = "uml_tests.rs"]
mod tests;

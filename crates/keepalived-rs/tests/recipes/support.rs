//! What the recipe tests share: a network of namespaces on bridges (no
//! address in the root namespace), processes started in them and killed
//! by pid, a recipe's files copied with the test's values substituted,
//! both `-t` checks, and a client that records every request.

use std::fs::File;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ka_lab::DaemonFiles;
use nix::sched::{CloneFlags, setns};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// The daemon under test.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_keepalived-rs");

/// The recipe folder `examples/<name>` of the workspace.
pub(crate) fn recipe_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

/// Why the recipe tests cannot run here (root, iproute2, and `tools`).
pub(crate) fn skip(tools: &[&str]) -> bool {
    let reason = ka_lab::skip_reason().or_else(|| {
        tools.iter().find_map(|t| {
            let found = Command::new("sh")
                .args(["-c", &format!("command -v {t}")])
                .output()
                .is_ok_and(|o| o.status.success());
            (!found).then(|| format!("{t} is not installed"))
        })
    });
    ka_lab::skip_if(reason)
}

/// Runs a command and waits for it (at most 20 s, `ka_lab::run`).
pub(crate) fn run(prog: &str, args: &[&str]) -> Output {
    ka_lab::run(prog, args)
        .unwrap_or_else(|e| panic!("{prog} {}: {e}", args.join(" ")))
}

/// Runs a command; panics unless it exits 0. Returns its stdout.
pub(crate) fn run_ok(prog: &str, args: &[&str]) -> String {
    ka_lab::run_ok(prog, args).unwrap_or_else(|e| panic!("{e}"))
}

/// A started process, killed (SIGKILL) on drop if still running.
pub(crate) struct Proc {
    child: Child,
    log: PathBuf,
}

impl Proc {
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends `sig` and waits up to 15 s for the exit.
    pub(crate) fn stop(&mut self, sig: Signal) -> Option<ExitStatus> {
        if let Ok(Some(st)) = self.child.try_wait() {
            return Some(st);
        }
        if let Ok(pid) = i32::try_from(self.child.id()) {
            let _ = kill(Pid::from_raw(pid), sig);
        }
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(15) {
            if let Ok(Some(st)) = self.child.try_wait() {
                return Some(st);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.stop(Signal::SIGTERM).is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Namespaces joined by bridges; removed on drop, with the directory.
pub(crate) struct Net {
    tag: String,
    namespaces: Vec<String>,
    bridges: Vec<String>,
    ports: usize,
    dir: PathBuf,
}

impl Net {
    pub(crate) fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let tag = format!("{:05x}", (std::process::id() ^ nanos) & 0xfffff);
        let dir = std::env::temp_dir().join(format!("ka-recipe-{tag}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the test directory");
        // Whatever the umask: the servers' users must reach their files.
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::Permissions::from_mode(0o755);
        std::fs::set_permissions(&dir, mode).expect("chmod the test dir");
        Self {
            tag,
            namespaces: Vec::new(),
            bridges: Vec::new(),
            ports: 0,
            dir,
        }
    }

    /// The test's directory (mode 0755, owned by root).
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// A new namespace; returns its name.
    pub(crate) fn host(&mut self, name: &str) -> String {
        let ns = format!("kr{}{name}", self.tag);
        run_ok("ip", &["netns", "add", &ns]);
        self.namespaces.push(ns.clone());
        run_ok("ip", &["-n", &ns, "link", "set", "lo", "up"]);
        ns
    }

    /// A new bridge that forwards at once; returns its name.
    pub(crate) fn bridge(&mut self) -> String {
        let br = format!("kr{}b{}", self.tag, self.bridges.len());
        run_ok(
            "ip",
            &["link", "add", &br, "type", "bridge", "forward_delay", "0"],
        );
        self.bridges.push(br.clone());
        run_ok("ip", &["link", "set", &br, "up"]);
        br
    }

    /// Plugs `ns` into `bridge` with interface `ifname` holding `addrs`;
    /// returns the bridge-side port (down it to cut the cable).
    pub(crate) fn link(
        &mut self,
        ns: &str,
        ifname: &str,
        bridge: &str,
        addrs: &[&str],
    ) -> String {
        let port = format!("kr{}p{}", self.tag, self.ports);
        self.ports += 1;
        run_ok(
            "ip",
            &[
                "link", "add", &port, "type", "veth", "peer", "name", ifname,
                "netns", ns,
            ],
        );
        run_ok("ip", &["link", "set", &port, "master", bridge, "up"]);
        for a in addrs {
            run_ok("ip", &["-n", ns, "addr", "add", a, "dev", ifname]);
        }
        run_ok("ip", &["-n", ns, "link", "set", ifname, "up"]);
        port
    }

    /// Runs `prog args` in `ns` (bounded).
    pub(crate) fn exec(&self, ns: &str, prog: &str, args: &[&str]) -> Output {
        let mut all = vec!["netns", "exec", ns, prog];
        all.extend_from_slice(args);
        run("ip", &all)
    }

    /// Starts a long-running `prog args` in `ns`, output to `<name>.log`.
    pub(crate) fn spawn(
        &self,
        ns: &str,
        name: &str,
        prog: &str,
        args: &[&str],
    ) -> Proc {
        let log = self.dir.join(format!("{name}.log"));
        let out = File::create(&log).expect("create a log file");
        let err = out.try_clone().expect("clone a log file");
        let child = Command::new("ip")
            .args(["netns", "exec", ns, prog])
            .args(args)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("start {prog}: {e}"));
        Proc { child, log }
    }

    /// Whether `addr` (as `ip addr` prints it, `A.B.C.D/len`) is on `ns`.
    pub(crate) fn has_addr(&self, ns: &str, addr: &str) -> bool {
        let out = self.exec(ns, "ip", &["-o", "addr", "show"]);
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .any(|w| w == addr)
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        for ns in &self.namespaces {
            let _ = ka_lab::run("ip", &["netns", "del", ns]);
        }
        for br in &self.bridges {
            let _ = ka_lab::run("ip", &["link", "del", br]);
        }
        if std::env::var_os("KA_LAB_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Copies every file of recipe `name` into `to` (created, mode 0755)
/// with `subst` applied to the text: the values the recipe's README lists
/// as the ones to change. Scripts (`*.sh`) stay executable.
pub(crate) fn install_recipe(name: &str, to: &Path, subst: &[(&str, &str)]) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(to).expect("create a node directory");
    let entries = std::fs::read_dir(recipe_dir(name)).expect("read recipe");
    for e in entries.flatten() {
        let from = e.path();
        let file = e.file_name().to_string_lossy().into_owned();
        if file.ends_with(".md") || from.is_dir() {
            continue;
        }
        let mut text = std::fs::read_to_string(&from).expect("read a file");
        for (a, b) in subst {
            text = text.replace(a, b);
        }
        let dest = to.join(&file);
        std::fs::write(&dest, text).expect("write a recipe file");
        let mode = if file.ends_with(".sh") { 0o755 } else { 0o644 };
        std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(mode))
            .expect("chmod");
    }
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
}

/// keepalived 2.2.7 and keepalived-rs both accept `conf` (`-t`, in
/// `ns`, where its interfaces exist).
pub(crate) fn config_test(net: &Net, ns: &str, conf: &Path) {
    let conf = conf.display().to_string();
    let pid = |n: &str| net.dir().join(n).display().to_string();
    let pids = [
        "-p",
        &pid("t.pid"),
        "-r",
        &pid("t-v.pid"),
        "-c",
        &pid("t-c.pid"),
    ];
    for prog in ["keepalived", BIN] {
        let mut args = vec!["-t", "-f", conf.as_str()];
        args.extend_from_slice(&pids);
        let out = net.exec(ns, prog, &args);
        assert!(
            out.status.success(),
            "{prog} -t -f {conf}: {}\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Starts keepalived-rs in `ns` on `conf`, with its pid files and log in
/// the directory of `conf`, and `extra` options.
pub(crate) fn start_daemon(
    net: &Net,
    ns: &str,
    name: &str,
    conf: &Path,
    extra: &[&str],
) -> Proc {
    let d = conf.parent().unwrap_or(net.dir());
    let files = DaemonFiles {
        conf: conf.to_path_buf(),
        ..DaemonFiles::new(d, "ka")
    };
    let common = files.args();
    let mut args: Vec<&str> = common.iter().map(String::as_str).collect();
    args.extend_from_slice(extra);
    net.spawn(ns, name, BIN, &args)
}

/// Polls `cond` every 20 ms until it holds (how long it took) or `limit`
/// passes (`None`).
pub(crate) fn wait_until(
    limit: Duration,
    mut cond: impl FnMut() -> bool,
) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// When a request was made and what it returned (or why it failed).
pub(crate) type Record = (Instant, Result<String, String>);

/// A client in a namespace, making one request every `period` until
/// dropped, recording every result.
pub(crate) struct Client {
    log: Arc<Mutex<Vec<Record>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Client {
    pub(crate) fn start(
        ns: &str,
        period: Duration,
        request: impl Fn() -> Result<String, String> + Send + 'static,
    ) -> Self {
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (ns, l, flag) = (ns.to_owned(), log.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            // This thread (and what it spawns) lives in the namespace.
            let f = File::open(format!("/run/netns/{ns}")).expect("open netns");
            setns(f.as_fd(), CloneFlags::CLONE_NEWNET).expect("setns");
            // Bounded: the test stops it long before.
            for _ in 0..100_000 {
                if flag.load(Ordering::Relaxed) {
                    break;
                }
                let r = request();
                if let Ok(mut l) = l.lock() {
                    l.push((Instant::now(), r));
                }
                std::thread::sleep(period);
            }
        });
        Self {
            log,
            stop,
            thread: Some(thread),
        }
    }

    /// The requests made since `t`.
    pub(crate) fn since(&self, t: Instant) -> Vec<Record> {
        self.log
            .lock()
            .map(|l| l.iter().filter(|(at, _)| *at >= t).cloned().collect())
            .unwrap_or_default()
    }

    /// Waits until `n` requests in a row since `t` succeeded and
    /// `ok(answer)` holds for them; how long it took.
    pub(crate) fn wait_ok(
        &self,
        t: Instant,
        n: usize,
        limit: Duration,
        ok: impl Fn(&str) -> bool,
    ) -> Option<Duration> {
        wait_until(limit, || {
            let got = self.since(t);
            got.len() >= n
                && got[got.len() - n..]
                    .iter()
                    .all(|(_, r)| r.as_deref().is_ok_and(&ok))
        })
    }

    /// The longest time without a successful request since `t` (from `t`
    /// or a success to the next success), and the failures seen.
    pub(crate) fn gap(&self, t: Instant) -> (Duration, usize) {
        let got = self.since(t);
        let mut last = t;
        let mut worst = Duration::ZERO;
        for (at, r) in &got {
            if r.is_ok() {
                worst = worst.max(*at - last);
                last = *at;
            }
        }
        (worst, got.iter().filter(|(_, r)| r.is_err()).count())
    }
}

impl Client {
    /// After `event` at `t`: waits for 5 good answers in a row (`ok`),
    /// prints the longest time without one and asserts it is within
    /// `bound`; `logs` explains a failure. Returns that time.
    pub(crate) fn expect_recovery(
        &self,
        event: &str,
        t: Instant,
        bound: Duration,
        ok: impl Fn(&str) -> bool,
        logs: impl Fn() -> String,
    ) -> Duration {
        let done = self.wait_ok(t, 5, Duration::from_secs(25), ok);
        let (gap, failed) = self.gap(t);
        assert!(
            done.is_some(),
            "{event}: no good answers since: {:?}\n{}",
            self.since(t),
            logs()
        );
        eprintln!(
            "{event}: longest time without a good answer {gap:?} \
             ({failed} failed requests, bound {bound:?})"
        );
        assert!(
            gap <= bound,
            "{event}: {gap:?} without an answer:\n{}",
            logs()
        );
        gap
    }

    /// How long after `t` the last failed request came (zero if none).
    pub(crate) fn last_failure(&self, t: Instant) -> Duration {
        self.since(t)
            .iter()
            .filter(|(_, r)| r.is_err())
            .map(|(at, _)| *at - t)
            .max()
            .unwrap_or_default()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One HTTP/1.0 GET of `/` from `addr:port`: the body of a 200, else why
/// not (status line, connection error, timeout).
pub(crate) fn http_get(addr: std::net::SocketAddr) -> Result<String, String> {
    use std::io::{Read, Write};
    let mut s =
        std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(500))
            .map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_millis(1000)))
        .map_err(|e| e.to_string())?;
    s.write_all(b"GET / HTTP/1.0\r\nHost: recipe\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut text = String::new();
    s.read_to_string(&mut text).map_err(|e| e.to_string())?;
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.lines().next().unwrap_or("");
    if status.split_whitespace().nth(1) == Some("200") {
        Ok(body.trim().to_owned())
    } else {
        Err(format!("answer {status:?}"))
    }
}

/// An nginx serving `body` at `/` on port `port` of every address, in
/// the foreground as one process (so its pid is all of it), with every
/// path under `dir`.
pub(crate) fn start_nginx(
    net: &Net,
    ns: &str,
    name: &str,
    dir: &Path,
    port: u16,
    body: &str,
) -> Proc {
    let www = dir.join("www");
    std::fs::create_dir_all(&www).expect("create www");
    std::fs::write(www.join("index.html"), format!("{body}\n"))
        .expect("write index.html");
    let d = dir.display();
    let conf = format!(
        "daemon off; master_process off; pid {d}/nginx.pid; error_log {d}/error.log;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {d}; proxy_temp_path {d}; fastcgi_temp_path {d}; uwsgi_temp_path {d}; scgi_temp_path {d};
  server {{ listen {port}; root {d}/www; }}
}}
"
    );
    let path = dir.join("nginx.conf");
    std::fs::write(&path, conf).expect("write nginx.conf");
    let path = path.display().to_string();
    let prefix = format!("{d}/");
    net.spawn(
        ns,
        name,
        "nginx",
        &["-p", &prefix, "-e", &format!("{d}/error.log"), "-c", &path],
    )
}

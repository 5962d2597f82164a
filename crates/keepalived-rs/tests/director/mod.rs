//! The director lab for the end-to-end tests: namespaces for a client
//! (its own subnet), a director and three real servers on a bridge with
//! no address; small HTTP servers; a client that requests through the
//! VIP; keepalived-rs as the director. Everything is removed on drop.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ka_lab::DaemonFiles;
use nix::sched::{CloneFlags, setns};

/// The virtual address, on the client's subnet.
pub(crate) const VIP: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 100);
const CLIENT: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 2);
/// The real servers' port.
pub(crate) const PORT: u16 = 8080;

/// Real server `i`'s address.
pub(crate) fn rs_addr(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(198, 51, 100, 11 + i as u8)
}

pub(crate) fn sh(prog: &str, args: &[&str]) {
    let out = Command::new(prog).args(args).output().expect("run command");
    assert!(
        out.status.success(),
        "{prog} {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Enters network namespace `netns` on the calling thread.
fn enter(netns: &str) {
    let f =
        std::fs::File::open(format!("/run/netns/{netns}")).expect("open netns");
    setns(f.as_fd(), CloneFlags::CLONE_NEWNET).expect("setns");
}

/// The namespaces, links and bridge of one test; removed on drop.
pub(crate) struct Topology {
    tag: String,
    /// The client's namespace.
    pub(crate) client: String,
    /// The director's namespace.
    pub(crate) director: String,
    /// The real servers' namespaces.
    pub(crate) servers: Vec<String>,
    /// Where configurations, pid files and logs go.
    pub(crate) dir: PathBuf,
}

impl Topology {
    pub(crate) fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let tag = format!("{:05x}", (std::process::id() ^ nanos) & 0xfffff);
        let dir = std::env::temp_dir().join(format!("ka-director-{tag}"));
        let _ = std::fs::create_dir_all(&dir);
        let t = Self {
            client: format!("kd{tag}c"),
            director: format!("kd{tag}d"),
            servers: (0..3).map(|i| format!("kd{tag}s{i}")).collect(),
            tag,
            dir,
        };
        t.build();
        t
    }

    fn build(&self) {
        let (c, d, tag) = (&self.client, &self.director, &self.tag);
        for ns in [c, d].into_iter().chain(&self.servers) {
            sh("ip", &["netns", "add", ns]);
            sh("ip", &["-n", ns, "link", "set", "lo", "up"]);
        }
        // Client <-> director, on the client's own subnet.
        sh(
            "ip",
            &[
                "link", "add", "cl", "netns", d, "type", "veth", "peer",
                "name", "eth0", "netns", c,
            ],
        );
        sh(
            "ip",
            &[
                "-n",
                c,
                "addr",
                "add",
                &format!("{CLIENT}/24"),
                "dev",
                "eth0",
            ],
        );
        sh("ip", &["-n", c, "link", "set", "eth0", "up"]);
        sh(
            "ip",
            &["-n", c, "route", "add", "default", "via", "203.0.113.1"],
        );
        sh(
            "ip",
            &["-n", d, "addr", "add", "203.0.113.1/24", "dev", "cl"],
        );
        sh("ip", &["-n", d, "link", "set", "cl", "up"]);
        // Director and real servers on a bridge with no address.
        let br = format!("kd{tag}br");
        sh(
            "ip",
            &["link", "add", &br, "type", "bridge", "forward_delay", "0"],
        );
        sh("ip", &["link", "set", &br, "up"]);
        let port = format!("kd{tag}p");
        sh(
            "ip",
            &[
                "link", "add", &port, "type", "veth", "peer", "name", "sv",
                "netns", d,
            ],
        );
        sh("ip", &["link", "set", &port, "master", &br, "up"]);
        sh(
            "ip",
            &["-n", d, "addr", "add", "198.51.100.1/24", "dev", "sv"],
        );
        sh("ip", &["-n", d, "link", "set", "sv", "up"]);
        sh(
            "ip",
            &["netns", "exec", d, "sysctl", "-qw", "net.ipv4.ip_forward=1"],
        );
        for (i, ns) in self.servers.iter().enumerate() {
            let port = format!("kd{tag}p{i}");
            sh(
                "ip",
                &[
                    "link", "add", &port, "type", "veth", "peer", "name",
                    "eth0", "netns", ns,
                ],
            );
            sh("ip", &["link", "set", &port, "master", &br, "up"]);
            sh(
                "ip",
                &[
                    "-n",
                    ns,
                    "addr",
                    "add",
                    &format!("{}/24", rs_addr(i)),
                    "dev",
                    "eth0",
                ],
            );
            sh("ip", &["-n", ns, "link", "set", "eth0", "up"]);
            // Replies go back through the director (NAT without SNAT).
            sh(
                "ip",
                &["-n", ns, "route", "add", "default", "via", "198.51.100.1"],
            );
        }
    }

    pub(crate) fn has_vip(&self) -> bool {
        Command::new("ip")
            .args(["-n", &self.director, "addr", "show", "dev", "cl"])
            .output()
            .is_ok_and(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .contains(&format!("{VIP}/24"))
            })
    }
}

impl Drop for Topology {
    fn drop(&mut self) {
        for ns in [&self.client, &self.director]
            .into_iter()
            .chain(&self.servers)
        {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
        let br = format!("kd{}br", self.tag);
        let _ = Command::new("ip").args(["link", "del", &br]).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A small HTTP server in a namespace, answering its own name; it counts
/// the requests that came from the client (not the director's checks).
pub(crate) struct Server {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    pub(crate) fn start(netns: &str, i: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let (netns, flag) = (netns.to_owned(), stop.clone());
        let (ready_tx, ready) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            enter(&netns);
            let addr = SocketAddr::new(IpAddr::V4(rs_addr(i)), PORT);
            let l = TcpListener::bind(addr).expect("bind server");
            l.set_nonblocking(true).expect("nonblocking");
            let _ = ready_tx.send(());
            while !flag.load(Ordering::Relaxed) {
                match l.accept() {
                    Ok((s, _)) => answer(s, i),
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        let _ = ready.recv_timeout(Duration::from_secs(5));
        Self {
            stop,
            thread: Some(thread),
        }
    }

    /// Closes the listening socket: new connections are refused.
    pub(crate) fn kill(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn answer(mut s: TcpStream, i: usize) {
    let _ = s.set_nonblocking(false);
    let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
    let mut buf = [0u8; 1024];
    let mut got = Vec::new();
    while !got.windows(4).any(|w| w == b"\r\n\r\n") && got.len() < 4096 {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    let body = format!("rs{i}\n");
    let _ = write!(
        s,
        "HTTP/1.0 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// One request through the VIP: which server answered, or why it failed.
fn request() -> Result<usize, String> {
    let vip = SocketAddr::new(IpAddr::V4(VIP), 80);
    let mut s = TcpStream::connect_timeout(&vip, Duration::from_millis(500))
        .map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_millis(800)))
        .map_err(|e| e.to_string())?;
    s.write_all(b"GET / HTTP/1.0\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut text = String::new();
    s.read_to_string(&mut text).map_err(|e| e.to_string())?;
    let body = text.rsplit("\r\n\r\n").next().unwrap_or("");
    body.trim()
        .strip_prefix("rs")
        .and_then(|n| n.parse().ok())
        .ok_or(format!("bad answer {text:?}"))
}

/// When a request was made and which server answered (or why it failed).
pub(crate) type Record = (Instant, Result<usize, String>);

/// Requests from the client, every 20 ms until stopped.
pub(crate) struct Client {
    log: Arc<Mutex<Vec<Record>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Client {
    pub(crate) fn start(netns: &str) -> Self {
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (netns, l, flag) = (netns.to_owned(), log.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            enter(&netns);
            // Bounded: the test stops it long before.
            for _ in 0..20_000 {
                if flag.load(Ordering::Relaxed) {
                    break;
                }
                let r = request();
                l.lock().unwrap().push((Instant::now(), r));
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        Self {
            log,
            stop,
            thread: Some(thread),
        }
    }

    pub(crate) fn since(&self, t: Instant) -> Vec<Record> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|(at, _)| *at >= t)
            .cloned()
            .collect()
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

/// The director: keepalived-rs in its namespace; stopped (SIGTERM, then
/// SIGKILL) on drop.
pub(crate) struct Director {
    child: Child,
    log: PathBuf,
    /// Its configuration (rewritten for reloads) and pid files.
    pub(crate) files: DaemonFiles,
}

impl Director {
    pub(crate) fn start(t: &Topology, conf_text: &str) -> Self {
        let files = DaemonFiles::write(&t.dir, "director", conf_text)
            .unwrap_or_else(|e| panic!("{e}"));
        let log = t.dir.join("director.log");
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new("ip")
            .args([
                "netns",
                "exec",
                &t.director,
                env!("CARGO_BIN_EXE_keepalived-rs"),
            ])
            .args(files.args())
            .args(["--lvs-backend", "nftables"])
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("start keepalived-rs");
        Self { child, log, files }
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    pub(crate) fn signal(&self, sig: nix::sys::signal::Signal) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, sig);
    }

    /// SIGTERM, and the exit status within 10 s.
    pub(crate) fn stop(&mut self) -> Option<std::process::ExitStatus> {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        for _ in 0..1000 {
            if let Ok(Some(st)) = self.child.try_wait() {
                return Some(st);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }
}

impl Drop for Director {
    fn drop(&mut self) {
        if self.stop().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub(crate) fn wait_until(
    limit: Duration,
    mut cond: impl FnMut() -> bool,
) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

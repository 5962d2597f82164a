//! The director end to end on the host kernel, with the nftables data
//! plane: a client on its own subnet, a director running the real
//! keepalived-rs binary (a VRRP instance holding the VIP and a
//! virtual_server with TCP_CHECK and HTTP_GET real servers,
//! `--lvs-backend nftables`), and three real servers (small HTTP servers
//! written here) routed back through the director.
//!
//! Requests through the VIP spread over the servers; a killed server
//! gets no new connection, and no request fails, once
//! `delay_loop + retry * (delay_before_retry + connect_timeout)` has
//! passed (measured and printed); it gets requests again once restarted.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sched::{CloneFlags, setns};

const VIP: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 100);
const CLIENT: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 2);
const PORT: u16 = 8080;

/// delay_loop 1 + retry 1 * (delay_before_retry 1 + connect_timeout 1).
const BOUND: Duration = Duration::from_secs(3);
/// What the bound does not cover: the nft transaction, the client's own
/// request period and timeout, and a loaded CI machine.
const SLACK: Duration = Duration::from_millis(1500);

fn rs_addr(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(198, 51, 100, 11 + i as u8)
}

fn config() -> String {
    let check = |i: usize| {
        if i == 1 {
            "HTTP_GET { url { path /health status_code 200 } connect_timeout 1 retry 1 delay_before_retry 1 }"
        } else {
            "TCP_CHECK { connect_timeout 1 retry 1 delay_before_retry 1 }"
        }
    };
    let servers: String = (0..3)
        .map(|i| {
            format!(
                "    real_server {} {PORT} {{\n        {}\n    }}\n",
                rs_addr(i),
                check(i)
            )
        })
        .collect();
    format!(
        "vrrp_instance VI_1 {{
    state MASTER
    interface cl
    virtual_router_id 51
    priority 150
    advert_int 1
    virtual_ipaddress {{
        {VIP}/24
    }}
}}
virtual_server {VIP} 80 {{
    delay_loop 1
    lvs_sched rr
    lvs_method NAT
    protocol TCP
{servers}}}
"
    )
}

fn sh(prog: &str, args: &[&str]) {
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
struct Topology {
    tag: String,
    client: String,
    director: String,
    servers: Vec<String>,
    dir: PathBuf,
}

impl Topology {
    fn new() -> Self {
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

    fn has_vip(&self) -> bool {
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
struct Server {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start(netns: &str, i: usize) -> Self {
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
    fn kill(&mut self) {
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

/// Requests from the client, every 20 ms until stopped.
struct Client {
    log: Arc<Mutex<Vec<(Instant, Result<usize, String>)>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Client {
    fn start(netns: &str) -> Self {
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

    fn since(&self, t: Instant) -> Vec<(Instant, Result<usize, String>)> {
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
struct Director {
    child: Child,
    log: PathBuf,
}

impl Director {
    fn start(t: &Topology) -> Self {
        let conf = t.dir.join("keepalived.conf");
        std::fs::write(&conf, config()).unwrap();
        let log = t.dir.join("director.log");
        let out = std::fs::File::create(&log).unwrap();
        let p = |n: &str| t.dir.join(n).display().to_string();
        let child = Command::new("ip")
            .args([
                "netns",
                "exec",
                &t.director,
                env!("CARGO_BIN_EXE_keepalived-rs"),
            ])
            .args(["-n", "-l", "-D", "-f", &conf.display().to_string()])
            .args([
                "-p",
                &p("ka.pid"),
                "-r",
                &p("vrrp.pid"),
                "-c",
                &p("checkers.pid"),
            ])
            .args(["--lvs-backend", "nftables"])
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("start keepalived-rs");
        Self { child, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, and the exit status within 10 s.
    fn stop(&mut self) -> Option<std::process::ExitStatus> {
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

fn wait_until(
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

fn skip() -> bool {
    let reason = ka_lab::skip_reason().or_else(|| {
        ka_lab::run("nft", &["--version"])
            .err()
            .map(|e| format!("nft is not installed: {e}"))
    });
    ka_lab::skip_if(reason)
}

#[test]
fn traffic_through_the_vip_leaves_a_dead_server_within_the_checker_bound() {
    if skip() {
        return;
    }
    let t = Topology::new();
    let mut servers: Vec<Server> = t
        .servers
        .iter()
        .enumerate()
        .map(|(i, ns)| Server::start(ns, i))
        .collect();
    let mut director = Director::start(&t);
    let up = wait_until(Duration::from_secs(15), || t.has_vip());
    assert!(up.is_some(), "the VIP never came up:\n{}", director.log());
    let client = Client::start(&t.client);
    // Every server answers through the VIP.
    let t0 = Instant::now();
    let all = wait_until(Duration::from_secs(10), || {
        let seen: Vec<usize> = client
            .since(t0)
            .into_iter()
            .filter_map(|(_, r)| r.ok())
            .collect();
        (0..3).all(|i| seen.contains(&i))
    });
    assert!(
        all.is_some(),
        "not every server answered: {:?}\n{}",
        client.since(t0),
        director.log()
    );
    // A steady phase: spread over the three, nothing fails.
    let steady = Instant::now();
    std::thread::sleep(Duration::from_secs(2));
    let phase = client.since(steady);
    let mut counts = [0usize; 3];
    for (_, r) in &phase {
        match r {
            Ok(i) => counts[*i] += 1,
            Err(e) => panic!(
                "a request failed in the steady phase: {e}\n{}",
                director.log()
            ),
        }
    }
    let total: usize = counts.iter().sum();
    assert!(total >= 30, "too few requests: {counts:?}");
    assert!(
        counts.iter().all(|&c| c * 5 >= total),
        "not spread: {counts:?}"
    );

    // rs0 dies.
    servers[0].kill();
    let killed = Instant::now();
    std::thread::sleep(BOUND + SLACK + Duration::from_secs(2));
    let after = client.since(killed);
    let last_failure = after
        .iter()
        .filter(|(_, r)| r.is_err())
        .map(|(at, _)| *at)
        .max();
    let out = last_failure.map_or(Duration::ZERO, |at| at - killed);
    eprintln!(
        "rs0 killed: its last failed request came {out:?} after (bound {BOUND:?})"
    );
    assert!(
        out <= BOUND + SLACK,
        "requests failed for {out:?} after the kill:\n{after:?}\n{}",
        director.log()
    );
    let tail = client.since(killed + BOUND + SLACK);
    assert!(tail.len() >= 20, "too few requests after the bound");
    assert!(
        tail.iter().all(|(_, r)| matches!(r, Ok(1 | 2))),
        "after the bound: {tail:?}"
    );
    assert!(
        director
            .log()
            .contains("Removing service [198.51.100.11]:tcp:8080"),
        "{}",
        director.log()
    );

    // rs0 returns.
    servers[0] = Server::start(&t.servers[0], 0);
    let back = Instant::now();
    let seen = wait_until(BOUND + SLACK, || {
        client.since(back).iter().any(|(_, r)| matches!(r, Ok(0)))
    });
    eprintln!("rs0 restarted: it got a request after {seen:?}");
    assert!(seen.is_some(), "rs0 never came back:\n{}", director.log());
    let failures: Vec<_> = client
        .since(back)
        .into_iter()
        .filter(|(_, r)| r.is_err())
        .collect();
    assert!(
        failures.is_empty(),
        "requests failed after the return: {failures:?}"
    );
    drop(client);

    let st = director.stop();
    assert_eq!(st.and_then(|s| s.code()), Some(0), "{}", director.log());
    // The table is gone after the stop.
    let listed = Command::new("ip")
        .args(["netns", "exec", &t.director, "nft", "list", "tables"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    assert!(!listed.contains("keepalived_rs_lb"), "{listed}");
}

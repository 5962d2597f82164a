//! A director lab for the nftables data plane, shared by the traffic test
//! (`tests/traffic.rs`) and the benchmark: a client on its own subnet, a
//! director that runs the table, and three real servers routed back
//! through the director. Each real server is a thread of this process in
//! the server's namespace, answering every connection with its name.
//!
//! ```text
//!  client 198.51.100.2 ── director 198.51.100.1 ─┐ 192.0.2.11 (bridge)
//!         2001:db8:1::2            2001:db8:1::1 │ 2001:db8::11
//!  VIPs 203.0.113.10, .20, 2001:db8:2::10 on the ├─ rs0 192.0.2.12 / ::12
//!  director's lo; the director also answers on   ├─ rs1 192.0.2.13 / ::13
//!  ports 80 and 8080 itself, as "director"       └─ rs2 192.0.2.14 / ::14
//! ```

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{
    IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, UdpSocket,
};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use ka_lab::Lab;
use ka_types::lvs::DataPlane;

/// The IPv4 virtual address.
pub(crate) const VIP4: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 10);
/// The IPv6 virtual address.
pub(crate) const VIP6: Ipv6Addr =
    Ipv6Addr::new(0x2001, 0xdb8, 2, 0, 0, 0, 0, 0x10);
/// The ports every real server answers on.
pub(crate) const PORTS: [u16; 2] = [80, 8080];
/// The TCP port where real servers keep a connection open: they send
/// their name, then echo what they read until the client closes (or 10 s
/// of silence).
pub(crate) const HOLD_PORT: u16 = 9000;

/// Host indices in the lab.
const CLIENT: usize = 0;
const DIRECTOR: usize = 1;
/// The first real server's host index.
const RS0: usize = 2;

/// The lab; servers stop, then namespaces go, on drop.
pub(crate) struct Topo {
    // Dropped first: the server threads leave their namespaces.
    servers: Vec<Server>,
    lab: Lab,
}

impl Topo {
    /// Builds the lab and starts the three real servers.
    pub(crate) fn new() -> Result<Self, String> {
        let lab = Lab::new(5).map_err(|e| e.to_string())?;
        let mut topo = Self {
            servers: Vec::new(),
            lab,
        };
        topo.wire().map_err(|e| e.to_string())?;
        for i in 0..3 {
            let server =
                Server::start(&topo.lab.host(RS0 + i).netns, &format!("rs{i}"))
                    .map_err(|e| format!("real server rs{i}: {e}"))?;
            topo.servers.push(server);
        }
        // A local service on the director's own ports: virtual services
        // take precedence over it, as with IPVS, and a virtual service
        // with no real server must refuse rather than fall through to it.
        let local = Server::start(&topo.lab.host(DIRECTOR).netns, "director")
            .map_err(|e| format!("director's local server: {e}"))?;
        topo.servers.push(local);
        Ok(topo)
    }

    fn wire(&self) -> Result<(), ka_lab::CmdError> {
        let lab = &self.lab;
        let (c, d) = (&lab.host(CLIENT).netns, &lab.host(DIRECTOR).netns);
        let ip = |args: &[&str]| ka_lab::run_ok("ip", args).map(|_| ());
        // The client leaves the bridge and gets a cable to the director.
        ip(&["-n", c, "link", "set", "eth0", "down"])?;
        ip(&[
            "-n",
            d,
            "link",
            "add",
            "toclient",
            "type",
            "veth",
            "peer",
            "name",
            "todirector",
            "netns",
            c,
        ])?;
        lab.sysctl(CLIENT, "net/ipv6/conf/all/accept_dad", "0")?;
        lab.sysctl(DIRECTOR, "net/ipv6/conf/all/accept_dad", "0")?;
        for (ns, dev, v4, v6) in [
            (c, "todirector", "198.51.100.2/24", "2001:db8:1::2/64"),
            (d, "toclient", "198.51.100.1/24", "2001:db8:1::1/64"),
        ] {
            ip(&["-n", ns, "addr", "add", v4, "dev", dev])?;
            ip(&["-n", ns, "addr", "add", v6, "dev", dev, "nodad"])?;
            ip(&["-n", ns, "link", "set", dev, "up"])?;
        }
        // The VIPs are the director's own, as VRRP would add them.
        for vip in ["203.0.113.10/32", "203.0.113.20/32"] {
            ip(&["-n", d, "addr", "add", vip, "dev", "lo"])?;
        }
        ip(&["-n", d, "addr", "add", "2001:db8:2::10/128", "dev", "lo"])?;
        ip(&["-n", c, "route", "add", "default", "via", "198.51.100.1"])?;
        ip(&[
            "-n",
            c,
            "-6",
            "route",
            "add",
            "default",
            "via",
            "2001:db8:1::1",
        ])?;
        lab.sysctl(DIRECTOR, "net/ipv4/ip_forward", "1")?;
        lab.sysctl(DIRECTOR, "net/ipv6/conf/all/forwarding", "1")?;
        let (d4, d6) = (lab.host(DIRECTOR).ipv4, lab.host(DIRECTOR).ipv6);
        for i in 0..3 {
            let ns = &lab.host(RS0 + i).netns;
            ip(&["-n", ns, "route", "add", "default", "via", &d4.to_string()])?;
            ip(&[
                "-n",
                ns,
                "-6",
                "route",
                "add",
                "default",
                "via",
                &d6.to_string(),
            ])?;
        }
        Ok(())
    }

    /// Real server `i`'s address on `port`, in family `v6` or not.
    pub(crate) fn rs(&self, i: usize, v6: bool, port: u16) -> SocketAddr {
        let h = self.lab.host(RS0 + i);
        let ip = if v6 {
            IpAddr::V6(h.ipv6)
        } else {
            IpAddr::V4(h.ipv4)
        };
        SocketAddr::new(ip, port)
    }

    /// Applies `table` in the director's namespace; returns how long
    /// `apply` took.
    pub(crate) fn apply(
        &self,
        table: &DataPlane,
    ) -> Result<Duration, ka_lvs_nft::NftLbError> {
        let table = table.clone();
        in_netns(&self.lab.host(DIRECTOR).netns, move || {
            let rt = ka_lab::current_thread_runtime();
            let start = std::time::Instant::now();
            rt.block_on(ka_lvs_nft::apply(&table))
                .map(|()| start.elapsed())
        })
    }

    /// Applies an nftables script of the operator's own in the director.
    pub(crate) fn director_nft(&self, script: &str) {
        let script = script.to_owned();
        let got = in_netns(&self.lab.host(DIRECTOR).netns, move || {
            let rt = ka_lab::current_thread_runtime();
            rt.block_on(ka_sys::nft::apply(&script))
        });
        if let Err(e) = got {
            panic!("director nft: {e}");
        }
    }

    /// Runs `f` on a thread in the director's namespace.
    pub(crate) fn in_director<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> T {
        in_netns(&self.lab.host(DIRECTOR).netns, f)
    }

    /// Runs `f` on a thread in the client's namespace.
    pub(crate) fn in_client<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> T {
        in_netns(&self.lab.host(CLIENT).netns, f)
    }
}

/// One request: connect, read the server's answer to the end.
pub(crate) fn request(to: SocketAddr) -> io::Result<String> {
    let mut s = TcpStream::connect_timeout(&to, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut answer = String::new();
    s.read_to_string(&mut answer)?;
    Ok(answer.trim().to_owned())
}

/// One UDP query from a fresh socket (so a fresh conntrack entry): the
/// answering server's name.
pub(crate) fn query(to: SocketAddr) -> io::Result<String> {
    let any: SocketAddr = if to.is_ipv4() {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let s = UdpSocket::bind(any)?;
    s.connect(to)?;
    s.set_read_timeout(Some(Duration::from_secs(2)))?;
    s.send(b"?")?;
    let mut buf = [0u8; 64];
    let n = s.recv(&mut buf)?;
    Ok(String::from_utf8_lossy(&buf[..n]).trim().to_owned())
}

/// Runs `f` on a new thread that has entered namespace `netns`.
pub(crate) fn in_netns<T: Send + 'static>(
    netns: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let path = format!("/run/netns/{netns}");
    let h = std::thread::spawn(move || {
        let ns = File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        nix::sched::setns(&ns, nix::sched::CloneFlags::CLONE_NEWNET)
            .unwrap_or_else(|e| panic!("setns {path}: {e}"));
        f()
    });
    match h.join() {
        Ok(v) => v,
        Err(p) => std::panic::resume_unwind(p),
    }
}

/// A server: on each of `PORTS`, a TCP thread answering every connection
/// with its name and closing it, and a UDP thread answering every
/// datagram with its name; on `HOLD_PORT`, connections kept open.
struct Server {
    listeners: Vec<Arc<TcpListener>>,
    threads: Vec<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    fn start(netns: &str, name: &str) -> io::Result<Self> {
        type Sockets = (Vec<TcpListener>, Vec<UdpSocket>);
        let (listeners, udp) = in_netns(netns, || -> io::Result<Sockets> {
            let any = |p: &u16| (Ipv6Addr::UNSPECIFIED, *p);
            Ok((
                PORTS
                    .iter()
                    .chain(&[HOLD_PORT])
                    .map(|p| TcpListener::bind(any(p)))
                    .collect::<Result<_, _>>()?,
                PORTS
                    .iter()
                    .map(|p| UdpSocket::bind(any(p)))
                    .collect::<Result<_, _>>()?,
            ))
        })?;
        let stop = Arc::new(AtomicBool::new(false));
        let mut server = Self {
            listeners: Vec::new(),
            threads: Vec::new(),
            stop: stop.clone(),
        };
        for l in listeners {
            let l = Arc::new(l);
            server.listeners.push(l.clone());
            let (stop, name) = (stop.clone(), format!("{name}\n"));
            let hold = l.local_addr().is_ok_and(|a| a.port() == HOLD_PORT);
            server.threads.push(std::thread::spawn(move || {
                // Accepted sockets need no namespace: they are the listener's.
                while !stop.load(Ordering::Relaxed) {
                    match l.accept() {
                        Ok((s, _)) if hold => {
                            let name = name.clone();
                            std::thread::spawn(move || echo(s, &name));
                        }
                        Ok((mut s, _)) => {
                            let _ = s.write_all(name.as_bytes());
                        }
                        // Out of descriptors or shut down: do not spin.
                        Err(_) => std::thread::sleep(Duration::from_millis(1)),
                    }
                }
            }));
        }
        for u in udp {
            // Woken every 50 ms to see `stop`.
            u.set_read_timeout(Some(Duration::from_millis(50)))?;
            let (stop, name) = (stop.clone(), name.to_owned());
            server.threads.push(std::thread::spawn(move || {
                let mut buf = [0u8; 64];
                while !stop.load(Ordering::Relaxed) {
                    if let Ok((_, from)) = u.recv_from(&mut buf) {
                        let _ = u.send_to(name.as_bytes(), from);
                    }
                }
            }));
        }
        Ok(server)
    }
}

/// A held connection: the name, then an echo of each read, until EOF or
/// 10 s of silence.
fn echo(mut s: TcpStream, name: &str) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = s.write_all(name.as_bytes());
    let mut buf = [0u8; 256];
    while let Ok(n @ 1..) = s.read(&mut buf) {
        if s.write_all(&buf[..n]).is_err() {
            break;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Shutting a listening socket down wakes its blocked accept.
        for l in &self.listeners {
            let _ = nix::sys::socket::shutdown(
                l.as_raw_fd(),
                nix::sys::socket::Shutdown::Both,
            );
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

//! `examples/nginx-ha`: two nodes running Debian's nginx and keepalived-rs
//! with the recipe's own files, a client fetching http://VIP/ every
//! 50 ms. nginx dies on the master: the VIP moves and the client keeps
//! getting 200s; nginx comes back: the VIP comes back; the master's
//! keepalived-rs is killed: the VIP moves again. Each gap is printed.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::support::{
    Client, Net, Proc, config_test, http_get, install_recipe, start_daemon,
    start_nginx, wait_until,
};

const VIP: &str = "192.0.2.100";
/// Longest time the client may go without a 200 across one failover:
/// the check's `fall 2` at `interval 1` (2 s) or three missed adverts
/// plus skew (3.4 s), the takeover, and a loaded CI machine.
const GAP: Duration = Duration::from_secs(10);
/// Any wait for something that normally takes a few seconds.
const LONG: Duration = Duration::from_secs(25);

/// One node: its directory (the recipe's /etc/keepalived) and processes.
struct Node {
    ns: String,
    dir: std::path::PathBuf,
    nginx: Option<Proc>,
    daemon: Option<Proc>,
}

impl Node {
    fn state(&self) -> String {
        std::fs::read_to_string(self.dir.join("nginx-ha.state"))
            .unwrap_or_default()
            .trim()
            .to_owned()
    }

    fn logs(&self) -> String {
        let d = self.daemon.as_ref().map(Proc::log).unwrap_or_default();
        format!("--- {}:\n{d}", self.ns)
    }
}

/// Installs node `name` (`a` or `b`) and checks its configuration.
fn node(net: &mut Net, bridge: &str, name: &str, addr: &str) -> Node {
    let ns = net.host(name);
    net.link(&ns, "eth0", bridge, &[&format!("{addr}/24")]);
    let dir = net.dir().join(name);
    let etc = format!("{}/", dir.display());
    let state = dir.join("nginx-ha.state").display().to_string();
    // The README's values to change: the scripts' directory and the
    // notify script's state file (addresses and eth0 are the recipe's).
    install_recipe(
        "nginx-ha",
        &dir,
        &[("/etc/keepalived/", &etc), ("/run/nginx-ha.state", &state)],
    );
    let conf = dir.join(format!("keepalived-{name}.conf"));
    config_test(net, &ns, &conf);
    Node {
        ns,
        dir,
        nginx: None,
        daemon: None,
    }
}

fn nginx(net: &Net, n: &Node, name: &str) -> Proc {
    let d = n.dir.join("nginx");
    std::fs::create_dir_all(&d).expect("nginx dir");
    start_nginx(
        net,
        &n.ns,
        &format!("nginx-{name}"),
        &d,
        80,
        &format!("node-{name}"),
    )
}

/// The recipe's chk_nginx.sh passes on node `n`.
fn check_passes(net: &Net, n: &Node) -> bool {
    let script = n.dir.join("chk_nginx.sh").display().to_string();
    net.exec(&n.ns, &script, &[]).status.success()
}

/// The two nodes and the client's namespace; `net` last, so the
/// processes stop before their namespaces go.
struct Pair {
    a: Node,
    b: Node,
    client_ns: String,
    net: Net,
}

impl Pair {
    /// Both nodes installed and checked, nginx answering on both, both
    /// keepalived-rs started, node A master.
    fn start() -> Self {
        let mut net = Net::new();
        let br = net.bridge();
        let mut a = node(&mut net, &br, "a", "192.0.2.10");
        let mut b = node(&mut net, &br, "b", "192.0.2.11");
        let client_ns = net.host("c");
        net.link(&client_ns, "eth0", &br, &["192.0.2.50/24"]);
        for (n, name) in [(&mut a, "a"), (&mut b, "b")] {
            n.nginx = Some(nginx(&net, n, name));
            let up = wait_until(LONG, || check_passes(&net, n));
            assert!(up.is_some(), "nginx in {} never answered", n.ns);
        }
        for (n, name) in [(&mut a, "a"), (&mut b, "b")] {
            let conf = n.dir.join(format!("keepalived-{name}.conf"));
            let log = format!("ka-{name}");
            n.daemon = Some(start_daemon(&net, &n.ns, &log, &conf, &[]));
        }
        let p = Self {
            a,
            b,
            client_ns,
            net,
        };
        let up = wait_until(LONG, || {
            p.holds(&p.a) && p.a.state() == "MASTER" && p.b.state() == "BACKUP"
        });
        assert!(up.is_some(), "node A never became master:\n{}", p.logs());
        assert!(!p.holds(&p.b), "both nodes hold the VIP");
        p
    }

    fn holds(&self, n: &Node) -> bool {
        self.net.has_addr(&n.ns, &format!("{VIP}/24"))
    }

    fn logs(&self) -> String {
        format!("{}\n{}", self.a.logs(), self.b.logs())
    }
}

#[test]
fn the_vip_follows_a_healthy_nginx() {
    if crate::support::skip(&["nginx", "curl", "keepalived"]) {
        return;
    }
    let mut p = Pair::start();
    let target: SocketAddr = format!("{VIP}:80").parse().expect("VIP");
    let client = Client::start(&p.client_ns, Duration::from_millis(50), {
        move || http_get(target)
    });
    let t0 = Instant::now();
    let served = client.wait_ok(t0, 5, LONG, |body| body == "node-a");
    assert!(served.is_some(), "no 200 from A: {:?}", client.since(t0));
    let from = |node: &'static str| move |body: &str| body == node;

    // nginx dies on the master (a crash: SIGKILL).
    p.a.nginx.as_mut().map(|n| n.stop(Signal::SIGKILL));
    let event = "nginx killed on node A";
    client.expect_recovery(event, Instant::now(), GAP, from("node-b"), || {
        p.logs()
    });
    let fault =
        wait_until(LONG, || p.a.state() == "FAULT" && p.b.state() == "MASTER");
    assert!(fault.is_some(), "after the kill:\n{}", p.logs());
    assert!(p.holds(&p.b) && !p.holds(&p.a), "{}", p.logs());

    // nginx comes back on node A: A (priority 150) takes the VIP back.
    p.a.nginx = Some(nginx(&p.net, &p.a, "a"));
    let event = "nginx restarted on node A";
    client.expect_recovery(event, Instant::now(), GAP, from("node-a"), || {
        p.logs()
    });
    let back = wait_until(LONG, || p.a.state() == "MASTER");
    assert!(back.is_some(), "{}", p.logs());

    // Node A's keepalived-rs dies (SIGKILL: no priority-0 advert, node B
    // waits out the master-down timer). A keeps the address, and its
    // nginx answers, until B's gratuitous ARPs move the clients.
    p.a.daemon.as_mut().map(|d| d.stop(Signal::SIGKILL));
    let event = "keepalived-rs killed on node A";
    client.expect_recovery(event, Instant::now(), GAP, from("node-b"), || {
        p.logs()
    });
    assert!(p.holds(&p.b) && p.b.state() == "MASTER", "{}", p.logs());
    drop(client);

    let st = p.b.daemon.as_mut().and_then(|d| d.stop(Signal::SIGTERM));
    assert_eq!(st.and_then(|s| s.code()), Some(0), "{}", p.b.logs());
    assert!(!p.holds(&p.b), "node B kept the VIP after its stop");
}

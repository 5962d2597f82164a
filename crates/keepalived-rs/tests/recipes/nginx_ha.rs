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

#[test]
fn the_vip_follows_a_healthy_nginx() {
    if crate::support::skip(&["nginx", "curl", "keepalived"]) {
        return;
    }
    let mut net = Net::new();
    let br = net.bridge();
    let mut a = node(&mut net, &br, "a", "192.0.2.10");
    let mut b = node(&mut net, &br, "b", "192.0.2.11");
    let client_ns = net.host("c");
    net.link(&client_ns, "eth0", &br, &["192.0.2.50/24"]);

    a.nginx = Some(nginx(&net, &a, "a"));
    b.nginx = Some(nginx(&net, &b, "b"));
    for n in [&a, &b] {
        let up = wait_until(LONG, || check_passes(&net, n));
        assert!(
            up.is_some(),
            "nginx in {} never answered chk_nginx.sh",
            n.ns
        );
    }
    for (n, name) in [(&mut a, "a"), (&mut b, "b")] {
        let conf = n.dir.join(format!("keepalived-{name}.conf"));
        n.daemon =
            Some(start_daemon(&net, &n.ns, &format!("ka-{name}"), &conf, &[]));
    }
    let logs = |a: &Node, b: &Node| format!("{}\n{}", a.logs(), b.logs());
    let vip = format!("{VIP}/24");
    let holds = |n: &Node| net.has_addr(&n.ns, &vip);
    let up = wait_until(LONG, || holds(&a) && a.state() == "MASTER");
    assert!(
        up.is_some(),
        "node A never became master:\n{}",
        logs(&a, &b)
    );
    assert!(
        wait_until(LONG, || b.state() == "BACKUP").is_some(),
        "{}",
        logs(&a, &b)
    );
    assert!(!holds(&b));

    let target: SocketAddr = format!("{VIP}:80").parse().expect("VIP");
    let client =
        Client::start(&client_ns, Duration::from_millis(50), move || {
            http_get(target)
        });
    let t0 = Instant::now();
    let served = client.wait_ok(t0, 5, LONG, |body| body == "node-a");
    assert!(
        served.is_some(),
        "no 200 from node A: {:?}",
        client.since(t0)
    );

    // nginx dies on the master (a crash: SIGKILL).
    a.nginx.as_mut().map(|p| p.stop(Signal::SIGKILL));
    let t1 = Instant::now();
    let moved = client.wait_ok(t1, 5, LONG, |body| body == "node-b");
    assert!(
        moved.is_some(),
        "node B never served the VIP:\n{}",
        logs(&a, &b)
    );
    let (gap, failed) = client.gap(t1);
    eprintln!(
        "nginx killed on node A: longest time without a 200 {gap:?} ({failed} failed requests)"
    );
    assert!(
        gap <= GAP,
        "the client went {gap:?} without a 200:\n{}",
        logs(&a, &b)
    );
    assert!(holds(&b), "node B serves but does not hold the VIP");
    let fault =
        wait_until(LONG, || a.state() == "FAULT" && b.state() == "MASTER");
    assert!(
        fault.is_some(),
        "states {} {}:\n{}",
        a.state(),
        b.state(),
        logs(&a, &b)
    );
    assert!(!holds(&a), "node A kept the VIP in FAULT");

    // nginx comes back on node A: A (priority 150) takes the VIP back.
    a.nginx = Some(nginx(&net, &a, "a"));
    let t2 = Instant::now();
    let back = client.wait_ok(t2, 5, LONG, |body| body == "node-a");
    assert!(
        back.is_some(),
        "node A never took the VIP back:\n{}",
        logs(&a, &b)
    );
    let (gap, failed) = client.gap(t2);
    eprintln!(
        "nginx restarted on node A: VIP back after {back:?}, longest time without a 200 {gap:?} ({failed} failed requests)"
    );
    assert!(
        gap <= GAP,
        "the client went {gap:?} without a 200:\n{}",
        logs(&a, &b)
    );
    assert!(
        wait_until(LONG, || a.state() == "MASTER").is_some(),
        "{}",
        logs(&a, &b)
    );

    // node A's keepalived-rs dies (SIGKILL: no priority-0 advert, the
    // backup waits out master_down_interval).
    a.daemon.as_mut().map(|p| p.stop(Signal::SIGKILL));
    let t3 = Instant::now();
    let moved = client.wait_ok(t3, 5, LONG, |body| body == "node-b");
    assert!(moved.is_some(), "node B never took over:\n{}", logs(&a, &b));
    let (gap, failed) = client.gap(t3);
    eprintln!(
        "keepalived-rs killed on node A: longest time without a 200 {gap:?} ({failed} failed requests)"
    );
    assert!(
        gap <= GAP,
        "the client went {gap:?} without a 200:\n{}",
        logs(&a, &b)
    );
    assert!(holds(&b) && b.state() == "MASTER", "{}", logs(&a, &b));
    drop(client);

    let st = b.daemon.as_mut().and_then(|p| p.stop(Signal::SIGTERM));
    assert_eq!(st.and_then(|s| s.code()), Some(0), "{}", b.logs());
    assert!(!holds(&b), "node B kept the VIP after its stop");
}

//! `examples/director`: two LVS-NAT directors running the recipe's files
//! (a sync group holding the client-side VIP and the real servers'
//! gateway VIP, one virtual_server with HTTP_GET checks), three Debian
//! nginx real servers routed through the gateway VIP, a client fetching
//! http://VIP/ every 50 ms. A real server dies: it leaves both
//! directors' tables within the checker bound. The master director dies
//! (daemon killed, cables cut): the backup takes both VIPs, and new
//! connections work through its already-loaded table.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::support::{
    Client, Net, Proc, config_test, http_get, install_recipe, run_ok,
    start_daemon, start_nginx, wait_until,
};

/// Any wait for something that normally takes a few seconds.
const LONG: Duration = Duration::from_secs(25);
/// After a real server dies, requests may fail for one check round:
/// delay_loop 2 + retry 1 * (delay_before_retry 1 + connect_timeout 2),
/// plus the table update and a loaded CI machine.
const RS_BOUND: Duration = Duration::from_secs(9);
/// Longest time without a 200 across the master's death: three missed
/// adverts plus skew (3.4 s), the takeover, and a loaded CI machine.
const GAP: Duration = Duration::from_secs(10);

/// A director: its directory (the recipe's /etc/keepalived), its
/// cables, its keepalived-rs.
struct Director {
    ns: String,
    dir: std::path::PathBuf,
    ports: Vec<String>,
    daemon: Option<Proc>,
}

impl Director {
    fn state(&self) -> String {
        std::fs::read_to_string(self.dir.join("state"))
            .unwrap_or_default()
            .trim()
            .to_owned()
    }

    fn log(&self) -> String {
        self.daemon.as_ref().map(Proc::log).unwrap_or_default()
    }
}

fn director(
    net: &mut Net,
    name: &str,
    front: (&str, &str),
    back: (&str, &str),
) -> Director {
    let ns = net.host(name);
    let ports = vec![
        net.link(&ns, "eth0", front.0, &[front.1]),
        net.link(&ns, "eth1", back.0, &[back.1]),
    ];
    net.exec(&ns, "sysctl", &["-qw", "net.ipv4.ip_forward=1"]);
    let dir = net.dir().join(name);
    let etc = format!("{}/", dir.display());
    let state = dir.join("state").display().to_string();
    // The README's values to change: the scripts' directory and the
    // notify script's state file (interfaces and addresses are the
    // recipe's).
    install_recipe(
        "director",
        &dir,
        &[
            ("/etc/keepalived/", &etc),
            ("/run/lvs-director.state", &state),
        ],
    );
    Director {
        ns,
        dir,
        ports,
        daemon: None,
    }
}

/// The directors, the real servers and the client's namespace; `net`
/// last, so the processes stop before their namespaces go.
struct Farm {
    a: Director,
    b: Director,
    servers: Vec<Proc>,
    client_ns: String,
    net: Net,
}

impl Farm {
    /// Everything built and started; director A holds both VIPs.
    fn start() -> Self {
        let mut net = Net::new();
        let (front, back) = (net.bridge(), net.bridge());
        let client_ns = net.host("c");
        net.link(&client_ns, "eth0", &front, &["203.0.113.2/24"]);
        let front_a = (front.as_str(), "203.0.113.11/24");
        let mut a =
            director(&mut net, "a", front_a, (&back, "198.51.100.2/24"));
        let front_b = (front.as_str(), "203.0.113.12/24");
        let mut b =
            director(&mut net, "b", front_b, (&back, "198.51.100.3/24"));
        let servers = (0..3).map(|i| real_server(&mut net, &back, i)).collect();
        for (d, name) in [(&mut a, "a"), (&mut b, "b")] {
            let conf = d.dir.join(format!("keepalived-{name}.conf"));
            config_test(&net, &d.ns, &conf);
            let extra = ["--lvs-backend", "auto"];
            let log = format!("ka-{name}");
            d.daemon = Some(start_daemon(&net, &d.ns, &log, &conf, &extra));
        }
        let f = Self {
            a,
            b,
            servers,
            client_ns,
            net,
        };
        let up = wait_until(LONG, || {
            f.holds_both(&f.a)
                && f.a.state() == "MASTER"
                && f.b.state() == "BACKUP"
        });
        assert!(
            up.is_some(),
            "director A never took both VIPs:\n{}",
            f.logs()
        );
        let b_holds = ["203.0.113.100/24", "198.51.100.1/24"]
            .iter()
            .any(|v| f.net.has_addr(&f.b.ns, v));
        assert!(!b_holds, "director B holds a VIP:\n{}", f.logs());
        f
    }

    fn holds_both(&self, d: &Director) -> bool {
        self.net.has_addr(&d.ns, "203.0.113.100/24")
            && self.net.has_addr(&d.ns, "198.51.100.1/24")
    }

    fn logs(&self) -> String {
        let (a, b) = (&self.a, &self.b);
        format!(
            "--- director A ({}):\n{}\n--- director B ({}):\n{}",
            a.state(),
            a.log(),
            b.state(),
            b.log()
        )
    }
}

/// Real server `i`: nginx answering `rs<i>` on 198.51.100.(11+i):80,
/// its default route through the directors' gateway VIP.
fn real_server(net: &mut Net, back: &str, i: usize) -> Proc {
    let name = format!("rs{i}");
    let ns = net.host(&name);
    net.link(&ns, "eth0", back, &[&format!("198.51.100.{}/24", 11 + i)]);
    run_ok(
        "ip",
        &["-n", &ns, "route", "add", "default", "via", "198.51.100.1"],
    );
    let dir = net.dir().join(&name);
    std::fs::create_dir_all(&dir).expect("server dir");
    start_nginx(net, &ns, &name, &dir, 80, &name)
}

#[test]
fn clients_keep_getting_200s_through_a_real_server_and_a_director_death() {
    if crate::support::skip(&["nginx", "keepalived", "nft"]) {
        return;
    }
    let mut f = Farm::start();
    let target: SocketAddr = "203.0.113.100:80".parse().expect("VIP");
    let client = Client::start(&f.client_ns, Duration::from_millis(50), {
        move || http_get(target)
    });
    let t0 = Instant::now();
    let all = wait_until(LONG, || {
        let ok: Vec<String> = client
            .since(t0)
            .into_iter()
            .filter_map(|(_, r)| r.ok())
            .collect();
        ["rs0", "rs1", "rs2"]
            .iter()
            .all(|s| ok.iter().any(|o| o == s))
    });
    assert!(all.is_some(), "{:?}\n{}", client.since(t0), f.logs());
    let others = |r: &str| r == "rs1" || r == "rs2";

    // rs0's nginx dies: within one check round it leaves both tables.
    f.servers[0].stop(Signal::SIGKILL);
    let killed = Instant::now();
    let moved = client.wait_ok(killed, 10, LONG, others);
    assert!(moved.is_some(), "{:?}\n{}", client.since(killed), f.logs());
    let out = client.last_failure(killed);
    eprintln!(
        "rs0 killed: its last failed request came {out:?} after (bound {RS_BOUND:?})"
    );
    assert!(out <= RS_BOUND, "{:?}\n{}", client.since(killed), f.logs());
    let removed = |d: &Director| {
        d.log().contains("Removing service [198.51.100.11]:tcp:80")
    };
    let both = wait_until(LONG, || removed(&f.a) && removed(&f.b));
    assert!(both.is_some(), "rs0 left a table:\n{}", f.logs());

    // Director A dies: its daemon is killed and its cables are cut.
    f.a.daemon.as_mut().map(|p| p.stop(Signal::SIGKILL));
    for p in &f.a.ports {
        run_ok("ip", &["link", "set", p, "down"]);
    }
    let event = "director A died";
    client.expect_recovery(event, Instant::now(), GAP, others, || f.logs());
    assert!(f.holds_both(&f.b), "director B lacks a VIP:\n{}", f.logs());
    let master = wait_until(LONG, || f.b.state() == "MASTER");
    assert!(master.is_some(), "{}", f.logs());
    drop(client);

    let st = f.b.daemon.as_mut().and_then(|p| p.stop(Signal::SIGTERM));
    assert_eq!(st.and_then(|s| s.code()), Some(0), "{}", f.b.log());
}

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

#[test]
fn clients_keep_getting_200s_through_a_real_server_and_a_director_death() {
    if crate::support::skip(&["nginx", "keepalived", "nft"]) {
        return;
    }
    let mut net = Net::new();
    let (front, back) = (net.bridge(), net.bridge());
    let client_ns = net.host("c");
    net.link(&client_ns, "eth0", &front, &["203.0.113.2/24"]);
    let mut a = director(
        &mut net,
        "a",
        (&front, "203.0.113.11/24"),
        (&back, "198.51.100.2/24"),
    );
    let mut b = director(
        &mut net,
        "b",
        (&front, "203.0.113.12/24"),
        (&back, "198.51.100.3/24"),
    );
    let mut servers: Vec<Proc> = (0..3)
        .map(|i| {
            let name = format!("rs{i}");
            let ns = net.host(&name);
            net.link(
                &ns,
                "eth0",
                &back,
                &[&format!("198.51.100.{}/24", 11 + i)],
            );
            // Replies go back through the directors' gateway VIP.
            run_ok(
                "ip",
                &["-n", &ns, "route", "add", "default", "via", "198.51.100.1"],
            );
            let dir = net.dir().join(&name);
            std::fs::create_dir_all(&dir).expect("server dir");
            start_nginx(&net, &ns, &name, &dir, 80, &name)
        })
        .collect();

    for (d, conf) in
        [(&mut a, "keepalived-a.conf"), (&mut b, "keepalived-b.conf")]
    {
        let conf = d.dir.join(conf);
        config_test(&net, &d.ns, &conf);
        let name = format!(
            "ka-{}",
            d.dir
                .display()
                .to_string()
                .rsplit('/')
                .next()
                .unwrap_or("d")
        );
        d.daemon = Some(start_daemon(
            &net,
            &d.ns,
            &name,
            &conf,
            &["--lvs-backend", "auto"],
        ));
    }
    let logs = |a: &Director, b: &Director| {
        format!(
            "--- director A ({}):\n{}\n--- director B ({}):\n{}",
            a.state(),
            a.log(),
            b.state(),
            b.log()
        )
    };
    let holds_both = |d: &Director| {
        net.has_addr(&d.ns, "203.0.113.100/24")
            && net.has_addr(&d.ns, "198.51.100.1/24")
    };
    let up = wait_until(LONG, || holds_both(&a) && a.state() == "MASTER");
    assert!(
        up.is_some(),
        "director A never took both VIPs:\n{}",
        logs(&a, &b)
    );
    assert!(
        !net.has_addr(&b.ns, "203.0.113.100/24")
            && !net.has_addr(&b.ns, "198.51.100.1/24")
    );

    let target: SocketAddr = "203.0.113.100:80".parse().expect("VIP");
    let client =
        Client::start(&client_ns, Duration::from_millis(50), move || {
            http_get(target)
        });
    let t0 = Instant::now();
    let seen = |t: Instant| {
        let mut s: Vec<String> = client
            .since(t)
            .into_iter()
            .filter_map(|(_, r)| r.ok())
            .collect();
        s.sort();
        s.dedup();
        s
    };
    let all = wait_until(LONG, || seen(t0).len() == 3);
    assert!(
        all.is_some(),
        "not every real server answered: {:?}\n{}",
        client.since(t0),
        logs(&a, &b)
    );

    // rs0's nginx dies: within one check round it leaves both tables.
    servers[0].stop(Signal::SIGKILL);
    let killed = Instant::now();
    let others = client.wait_ok(killed, 10, LONG, |r| r == "rs1" || r == "rs2");
    assert!(
        others.is_some(),
        "{:?}\n{}",
        client.since(killed),
        logs(&a, &b)
    );
    let out = client
        .since(killed)
        .iter()
        .filter(|(_, r)| r.is_err())
        .map(|(at, _)| *at - killed)
        .max()
        .unwrap_or_default();
    eprintln!(
        "rs0 killed: its last failed request came {out:?} after (bound {RS_BOUND:?})"
    );
    assert!(
        out <= RS_BOUND,
        "requests failed for {out:?}:\n{:?}",
        client.since(killed)
    );
    let removed = |d: &Director| {
        d.log().contains("Removing service [198.51.100.11]:tcp:80")
    };
    let both = wait_until(LONG, || removed(&a) && removed(&b));
    assert!(
        both.is_some(),
        "rs0 not removed on both directors:\n{}",
        logs(&a, &b)
    );

    // Director A dies: its daemon is killed and its cables are cut.
    a.daemon.as_mut().map(|p| p.stop(Signal::SIGKILL));
    for p in &a.ports {
        run_ok("ip", &["link", "set", p, "down"]);
    }
    let died = Instant::now();
    let served = client.wait_ok(died, 10, LONG, |r| r == "rs1" || r == "rs2");
    assert!(
        served.is_some(),
        "no service through director B:\n{:?}\n{}",
        client.since(died),
        logs(&a, &b)
    );
    let (gap, failed) = client.gap(died);
    eprintln!(
        "director A died: longest time without a 200 {gap:?} ({failed} failed requests)"
    );
    assert!(
        gap <= GAP,
        "the client went {gap:?} without a 200:\n{}",
        logs(&a, &b)
    );
    assert!(
        holds_both(&b),
        "director B does not hold both VIPs:\n{}",
        logs(&a, &b)
    );
    assert!(
        wait_until(LONG, || b.state() == "MASTER").is_some(),
        "{}",
        logs(&a, &b)
    );
    drop(client);

    let st = b.daemon.as_mut().and_then(|p| p.stop(Signal::SIGTERM));
    assert_eq!(st.and_then(|s| s.code()), Some(0), "{}", b.log());
}

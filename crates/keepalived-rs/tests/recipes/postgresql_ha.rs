//! `examples/postgresql-ha` with Debian's PostgreSQL in namespaces:
//! (1) a VIP that follows the primary of a streaming-replication pair
//! (the recipe's keepalived-primary.conf and chk_pg_primary.sh on both
//! nodes); (2) a director spreading read-only connections over two
//! servers with MISC_CHECK pg_isready (keepalived-readers.conf).

use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::pg::{Cluster, query, query_in};
use crate::support::{
    Client, Net, Proc, config_test, install_recipe, start_daemon, wait_until,
};

/// Any wait for something that normally takes a few seconds.
const LONG: Duration = Duration::from_secs(25);
/// Longest time the client may fail across one change: two failed checks
/// (2 s) or a check round (delay_loop 2 + misc_timeout 3), the takeover,
/// and a loaded CI machine.
const GAP: Duration = Duration::from_secs(12);

fn skip() -> bool {
    let reason =
        ka_lab::skip_reason()
            .or_else(crate::pg::missing)
            .or_else(|| {
                ka_lab::run("keepalived", &["-v"])
                    .err()
                    .map(|e| format!("keepalived is not installed: {e}"))
            });
    ka_lab::skip_if(reason)
}

/// A database node of part 1: the recipe installed, its cluster, its
/// keepalived-rs.
struct DbNode {
    ns: String,
    dir: std::path::PathBuf,
    pg: Cluster,
    daemon: Option<Proc>,
}

impl DbNode {
    fn new(net: &mut Net, bridge: &str, name: &str, addr: &str) -> Self {
        let ns = net.host(name);
        net.link(&ns, "eth0", bridge, &[&format!("{addr}/24")]);
        let dir = net.dir().join(name);
        std::fs::create_dir_all(&dir).expect("node dir");
        let pg = Cluster::new(&ns, &dir, name);
        let etc = format!("{}/", dir.display());
        let state = dir.join("state").display().to_string();
        let sock = pg.sock.display().to_string();
        // The README's values to change: the scripts' directory, the
        // notify script's state file, the socket directory.
        install_recipe(
            "postgresql-ha",
            &dir,
            &[
                ("/etc/keepalived/", &etc),
                ("/run/postgresql-ha.state", &state),
                ("/var/run/postgresql", &sock),
            ],
        );
        config_test(net, &ns, &dir.join("keepalived-primary.conf"));
        Self {
            ns,
            dir,
            pg,
            daemon: None,
        }
    }

    fn state(&self) -> String {
        std::fs::read_to_string(self.dir.join("state"))
            .unwrap_or_default()
            .trim()
            .to_owned()
    }

    fn logs(&self) -> String {
        let d = self.daemon.as_ref().map(Proc::log).unwrap_or_default();
        format!(
            "--- {} ({}):\n{d}\n--- its PostgreSQL:\n{}",
            self.ns,
            self.state(),
            self.pg.log()
        )
    }
}

/// The two database nodes and the client's namespace; `net` last, so
/// the processes stop before their namespaces go.
struct DbPair {
    a: DbNode,
    b: DbNode,
    client_ns: String,
    net: Net,
}

impl DbPair {
    /// A primary on node A, a streaming standby of it on node B, both
    /// keepalived-rs started; the VIP on A, B's instance in FAULT.
    fn start() -> Self {
        let mut net = Net::new();
        let br = net.bridge();
        let mut a = DbNode::new(&mut net, &br, "a", "192.0.2.10");
        let mut b = DbNode::new(&mut net, &br, "b", "192.0.2.11");
        let client_ns = net.host("c");
        net.link(&client_ns, "eth0", &br, &["192.0.2.50/24"]);
        a.pg.initdb(&net);
        a.pg.start(&net);
        let create = "create table t (v int); insert into t values (1)";
        a.pg.sql(&net, create).expect("write on the primary");
        b.pg.basebackup(&net, "192.0.2.10");
        b.pg.start(&net);
        let recovery = b.pg.sql(&net, "select pg_is_in_recovery()");
        assert_eq!(recovery.as_deref(), Ok("t"), "{}", b.pg.log());
        for (n, name) in [(&mut a, "a"), (&mut b, "b")] {
            let conf = n.dir.join("keepalived-primary.conf");
            let log = format!("ka-{name}");
            n.daemon = Some(start_daemon(&net, &n.ns, &log, &conf, &[]));
        }
        let p = Self {
            a,
            b,
            client_ns,
            net,
        };
        let up = wait_until(LONG, || p.holds(&p.a) && p.a.state() == "MASTER");
        assert!(up.is_some(), "the primary's node has no VIP:\n{}", p.logs());
        // The live standby is not a candidate.
        let faulty = || {
            let log = p.b.daemon.as_ref().map(Proc::log).unwrap_or_default();
            log.contains("Entering FAULT STATE")
        };
        assert!(wait_until(LONG, faulty).is_some(), "{}", p.logs());
        assert!(!p.holds(&p.b), "the standby holds the VIP:\n{}", p.logs());
        p
    }

    fn holds(&self, n: &DbNode) -> bool {
        self.net.has_addr(&n.ns, "192.0.2.100/24")
    }

    fn logs(&self) -> String {
        format!("{}\n{}", self.a.logs(), self.b.logs())
    }
}

#[test]
fn the_vip_follows_the_postgresql_primary() {
    if skip() {
        return;
    }
    let mut p = DbPair::start();
    let sql = "select current_setting('cluster_name') || ' ' || \
               pg_is_in_recovery()";
    let client = Client::start(&p.client_ns, Duration::from_millis(100), {
        move || query("192.0.2.100", sql)
    });
    let t0 = Instant::now();
    let ok = client.wait_ok(t0, 3, LONG, |r| r == "a false");
    assert!(ok.is_some(), "no answer from A: {:?}", client.since(t0));

    // The primary crashes: node A gives the VIP up.
    p.a.pg.crash(&p.net);
    let crashed = Instant::now();
    let fault = wait_until(LONG, || p.a.state() == "FAULT" && !p.holds(&p.a));
    assert!(fault.is_some(), "A kept the VIP, no primary:\n{}", p.logs());
    eprintln!(
        "primary crashed: node A left MASTER after {:?}",
        crashed.elapsed()
    );

    // The operator (or a failover tool) promotes the standby: the VIP
    // follows it.
    p.b.pg.promote(&p.net);
    let event = "standby promoted";
    client.expect_recovery(
        event,
        Instant::now(),
        GAP,
        |r| r == "b false",
        || p.logs(),
    );
    assert!(p.holds(&p.b) && p.b.state() == "MASTER", "{}", p.logs());
    // Writes through the VIP land on the new primary, which has the
    // replicated row.
    let insert = "insert into t values (2)";
    let vip = "192.0.2.100";
    let written = wait_until(Duration::from_secs(10), || {
        query_in(&p.net, &p.client_ns, vip, insert).is_ok()
    });
    drop(client);
    assert!(written.is_some(), "no write through the VIP:\n{}", p.logs());
    let rows = p.b.pg.sql(&p.net, "select count(*) from t");
    assert_eq!(rows.as_deref(), Ok("2"));

    for n in [&mut p.a, &mut p.b] {
        let st = n.daemon.as_mut().and_then(|d| d.stop(Signal::SIGTERM));
        assert_eq!(st.and_then(|s| s.code()), Some(0), "{}", n.logs());
    }
    assert!(!p.holds(&p.b), "node B kept the VIP after its stop");
}

/// The read director, the replicas and the client's namespace; `net`
/// last, so the processes stop before their namespaces go.
struct Readers {
    director: Proc,
    replicas: Vec<Cluster>,
    client_ns: String,
    net: Net,
}

impl Readers {
    /// The director on two networks, two replicas routed through it, the
    /// recipe's keepalived-readers.conf running; the read VIP is up.
    fn start() -> Self {
        let mut net = Net::new();
        let (front, back) = (net.bridge(), net.bridge());
        let client_ns = net.host("c");
        net.link(&client_ns, "eth0", &front, &["203.0.113.2/24"]);
        let d = net.host("d");
        net.link(&d, "eth0", &front, &["203.0.113.1/24"]);
        net.link(&d, "eth1", &back, &["198.51.100.1/24"]);
        net.exec(&d, "sysctl", &["-qw", "net.ipv4.ip_forward=1"]);
        let replicas: Vec<Cluster> = ["r1", "r2"]
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let ns = net.host(name);
                let addr = format!("198.51.100.{}/24", 11 + i);
                net.link(&ns, "eth0", &back, &[&addr]);
                let gw = ["-n", &ns, "route", "add", "default", "via"];
                crate::support::run_ok(
                    "ip",
                    &[&gw[..], &["198.51.100.1"]].concat(),
                );
                Cluster::new(&ns, &net.dir().join(name), name)
            })
            .collect();
        // Two independent clusters stand in for replicas (the balancing
        // does not care how they are fed).
        replicas[0].initdb(&net);
        replicas[1].copy_of(&replicas[0]);
        for r in &replicas {
            r.start(&net);
        }
        let dir = net.dir().join("d");
        let etc = format!("{}/", dir.display());
        install_recipe("postgresql-ha", &dir, &[("/etc/keepalived/", &etc)]);
        let conf = dir.join("keepalived-readers.conf");
        config_test(&net, &d, &conf);
        let extra = ["--lvs-backend", "auto"];
        let director = start_daemon(&net, &d, "director", &conf, &extra);
        let up = wait_until(LONG, || net.has_addr(&d, "203.0.113.100/24"));
        assert!(up.is_some(), "no read VIP:\n{}", director.log());
        Self {
            director,
            replicas,
            client_ns,
            net,
        }
    }
}

#[test]
fn reads_spread_over_the_replicas_and_leave_a_stopped_one() {
    if skip() {
        return;
    }
    let mut r = Readers::start();
    let sql = "select current_setting('cluster_name')";
    let client = Client::start(&r.client_ns, Duration::from_millis(100), {
        move || query("203.0.113.100", sql)
    });
    let log = |r: &Readers| r.director.log();
    let t0 = Instant::now();
    let seen = |t: Instant, name: &str| {
        client
            .since(t)
            .iter()
            .any(|(_, a)| a.as_deref() == Ok(name))
    };
    let both = wait_until(LONG, || seen(t0, "r1") && seen(t0, "r2"));
    assert!(both.is_some(), "{:?}\n{}", client.since(t0), log(&r));

    // r1 stops: after one check round, every read goes to r2.
    r.replicas[0].crash(&r.net);
    let stopped = Instant::now();
    let only_r2 = client.wait_ok(stopped, 10, LONG, |a| a == "r2");
    assert!(
        only_r2.is_some(),
        "{:?}\n{}",
        client.since(stopped),
        log(&r)
    );
    let out = client.last_failure(stopped);
    eprintln!(
        "replica r1 stopped: the last failed read came {out:?} after (bound {GAP:?})"
    );
    assert!(out <= GAP, "{:?}\n{}", client.since(stopped), log(&r));
    let removed = "Removing service [198.51.100.11]:tcp:5432";
    assert!(log(&r).contains(removed), "{}", log(&r));

    // r1 returns and gets reads again; nothing fails meanwhile.
    r.replicas[0].start(&r.net);
    let back_at = Instant::now();
    let back = wait_until(LONG, || seen(back_at, "r1"));
    eprintln!("replica r1 restarted: it served a read after {back:?}");
    assert!(back.is_some(), "r1 never came back:\n{}", log(&r));
    let failed = client
        .since(back_at)
        .into_iter()
        .filter(|(_, a)| a.is_err());
    let failed: Vec<_> = failed.collect();
    drop(client);
    assert!(
        failed.is_empty(),
        "reads failed after the return: {failed:?}"
    );

    let st = r.director.stop(Signal::SIGTERM);
    assert_eq!(st.and_then(|s| s.code()), Some(0), "{}", log(&r));
}

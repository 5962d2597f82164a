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

#[test]
fn the_vip_follows_the_postgresql_primary() {
    if skip() {
        return;
    }
    let mut net = Net::new();
    let br = net.bridge();
    let mut a = DbNode::new(&mut net, &br, "a", "192.0.2.10");
    let mut b = DbNode::new(&mut net, &br, "b", "192.0.2.11");
    let client_ns = net.host("c");
    net.link(&client_ns, "eth0", &br, &["192.0.2.50/24"]);

    // A primary on node A, a streaming standby of it on node B.
    a.pg.initdb(&net);
    a.pg.start(&net);
    a.pg.sql(&net, "create table t (v int); insert into t values (1)")
        .expect("write on the primary");
    b.pg.basebackup(&net, "192.0.2.10");
    b.pg.start(&net);
    assert_eq!(
        b.pg.sql(&net, "select pg_is_in_recovery()").as_deref(),
        Ok("t")
    );

    for (n, name) in [(&mut a, "a"), (&mut b, "b")] {
        let conf = n.dir.join("keepalived-primary.conf");
        n.daemon =
            Some(start_daemon(&net, &n.ns, &format!("ka-{name}"), &conf, &[]));
    }
    let logs = |a: &DbNode, b: &DbNode| format!("{}\n{}", a.logs(), b.logs());
    let holds = |n: &DbNode| net.has_addr(&n.ns, "192.0.2.100/24");
    let up = wait_until(LONG, || holds(&a) && a.state() == "MASTER");
    assert!(
        up.is_some(),
        "the primary's node never took the VIP:\n{}",
        logs(&a, &b)
    );
    // The live standby is not a candidate.
    let faulty = |n: &DbNode| {
        n.daemon
            .as_ref()
            .is_some_and(|p| p.log().contains("Entering FAULT STATE"))
    };
    assert!(
        wait_until(LONG, || faulty(&b)).is_some(),
        "{}",
        logs(&a, &b)
    );
    assert!(
        !holds(&b) && b.state() != "MASTER",
        "the standby holds the VIP"
    );

    let sql =
        "select current_setting('cluster_name') || ' ' || pg_is_in_recovery()";
    let client =
        Client::start(&client_ns, Duration::from_millis(100), move || {
            query("192.0.2.100", sql)
        });
    let t0 = Instant::now();
    let ok = client.wait_ok(t0, 3, LONG, |r| r == "a false");
    assert!(
        ok.is_some(),
        "no answer from the primary: {:?}",
        client.since(t0)
    );

    // The primary crashes; the operator (or a failover tool) promotes
    // the standby; the VIP follows.
    a.pg.crash(&net);
    let crashed = Instant::now();
    let fault = wait_until(LONG, || a.state() == "FAULT" && !holds(&a));
    assert!(
        fault.is_some(),
        "node A kept the VIP without a primary:\n{}",
        logs(&a, &b)
    );
    eprintln!(
        "primary crashed: node A left MASTER after {:?}",
        crashed.elapsed()
    );
    b.pg.promote(&net);
    let promoted = Instant::now();
    let moved = client.wait_ok(promoted, 3, LONG, |r| r == "b false");
    assert!(
        moved.is_some(),
        "the VIP never reached the new primary:\n{}",
        logs(&a, &b)
    );
    eprintln!(
        "standby promoted: the client reached the new primary through the VIP after {:?}",
        moved.unwrap_or_default()
    );
    assert!(moved.unwrap_or_default() <= GAP, "{}", logs(&a, &b));
    assert!(holds(&b) && b.state() == "MASTER", "{}", logs(&a, &b));
    // Writes through the VIP land on the new primary, which has the
    // replicated row.
    let rows = wait_until(Duration::from_secs(10), || {
        query_in(&net, &client_ns, "192.0.2.100", "insert into t values (2)")
            .is_ok()
    });
    drop(client);
    assert!(
        rows.is_some(),
        "no write through the VIP:\n{}",
        logs(&a, &b)
    );
    assert_eq!(b.pg.sql(&net, "select count(*) from t").as_deref(), Ok("2"));

    for n in [&mut a, &mut b] {
        let st = n.daemon.as_mut().and_then(|p| p.stop(Signal::SIGTERM));
        assert_eq!(st.and_then(|s| s.code()), Some(0), "{}", n.logs());
    }
    assert!(!holds(&b), "node B kept the VIP after its stop");
}

#[test]
fn reads_spread_over_the_replicas_and_leave_a_stopped_one() {
    if skip() {
        return;
    }
    let mut net = Net::new();
    let (front, back) = (net.bridge(), net.bridge());
    let client_ns = net.host("c");
    net.link(&client_ns, "eth0", &front, &["203.0.113.2/24"]);
    let d = net.host("d");
    net.link(&d, "eth0", &front, &["203.0.113.1/24"]);
    net.link(&d, "eth1", &back, &["198.51.100.1/24"]);
    net.exec(&d, "sysctl", &["-qw", "net.ipv4.ip_forward=1"]);
    let replicas: Vec<Cluster> =
        [("r1", "198.51.100.11"), ("r2", "198.51.100.12")]
            .iter()
            .map(|(name, addr)| {
                let ns = net.host(name);
                net.link(&ns, "eth0", &back, &[&format!("{addr}/24")]);
                crate::support::run_ok(
                    "ip",
                    &[
                        "-n",
                        &ns,
                        "route",
                        "add",
                        "default",
                        "via",
                        "198.51.100.1",
                    ],
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
    let mut director =
        start_daemon(&net, &d, "director", &conf, &["--lvs-backend", "auto"]);
    let up = wait_until(LONG, || net.has_addr(&d, "203.0.113.100/24"));
    assert!(
        up.is_some(),
        "the read VIP never came up:\n{}",
        director.log()
    );

    let sql = "select current_setting('cluster_name')";
    let client =
        Client::start(&client_ns, Duration::from_millis(100), move || {
            query("203.0.113.100", sql)
        });
    let t0 = Instant::now();
    let seen = |t: Instant, name: &str| {
        client
            .since(t)
            .iter()
            .any(|(_, r)| r.as_deref() == Ok(name))
    };
    let both = wait_until(LONG, || seen(t0, "r1") && seen(t0, "r2"));
    assert!(
        both.is_some(),
        "reads did not reach both: {:?}\n{}",
        client.since(t0),
        director.log()
    );

    // r1 stops: after one check round, every read goes to r2.
    replicas[0].crash(&net);
    let stopped = Instant::now();
    let only_r2 = client.wait_ok(stopped, 10, LONG, |r| r == "r2");
    assert!(
        only_r2.is_some(),
        "{:?}\n{}",
        client.since(stopped),
        director.log()
    );
    let last_failure = client
        .since(stopped)
        .iter()
        .filter(|(_, r)| r.is_err())
        .map(|(at, _)| *at - stopped)
        .max()
        .unwrap_or_default();
    eprintln!(
        "replica r1 stopped: the last failed read came {last_failure:?} after"
    );
    assert!(
        last_failure <= GAP,
        "{:?}\n{}",
        client.since(stopped),
        director.log()
    );
    assert!(
        director
            .log()
            .contains("Removing service [198.51.100.11]:tcp:5432"),
        "{}",
        director.log()
    );

    // r1 returns and gets reads again; nothing fails meanwhile.
    replicas[0].start(&net);
    let back_at = Instant::now();
    let back = wait_until(LONG, || seen(back_at, "r1"));
    eprintln!("replica r1 restarted: it served a read after {back:?}");
    assert!(back.is_some(), "r1 never came back:\n{}", director.log());
    let failed: Vec<_> = client
        .since(back_at)
        .into_iter()
        .filter(|(_, r)| r.is_err())
        .collect();
    drop(client);
    assert!(
        failed.is_empty(),
        "reads failed after the return: {failed:?}"
    );

    let st = director.stop(Signal::SIGTERM);
    assert_eq!(st.and_then(|s| s.code()), Some(0), "{}", director.log());
}

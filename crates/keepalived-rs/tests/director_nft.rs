//! The director end to end on the host kernel, with the nftables data
//! plane: a client on its own subnet, a director running the real
//! keepalived-rs binary (a VRRP instance holding the VIP and a
//! virtual_server with TCP_CHECK and HTTP_GET real servers,
//! `--lvs-backend nftables`), and three real servers (small HTTP servers
//! written here) routed back through the director (`director/`).
//!
//! Requests through the VIP spread over the servers; a killed server
//! gets no new connection, and no request fails, once
//! `delay_loop + retry * (delay_before_retry + connect_timeout)` has
//! passed (measured and printed); it gets requests again once restarted.

mod director;

use std::process::Command;
use std::time::{Duration, Instant};

use director::{
    Client, Director, PORT, Server, Topology, VIP, rs_addr, sh, wait_until,
};

/// delay_loop 1 + retry 1 * (delay_before_retry 1 + connect_timeout 1).
const BOUND: Duration = Duration::from_secs(3);
/// What the bound does not cover: the nft transaction, the client's own
/// request period and timeout, and a loaded CI machine.
const SLACK: Duration = Duration::from_millis(1500);

/// The director's configuration: with `vrrp`, an instance holds the VIP;
/// `servers` are the real servers configured.
fn config(vrrp: bool, servers: &[usize]) -> String {
    let check = |i: usize| {
        if i == 1 {
            "HTTP_GET { url { path /health status_code 200 } connect_timeout 1 retry 1 delay_before_retry 1 }"
        } else {
            "TCP_CHECK { connect_timeout 1 retry 1 delay_before_retry 1 }"
        }
    };
    let servers: String = servers
        .iter()
        .map(|&i| {
            format!(
                "    real_server {} {PORT} {{\n        {}\n    }}\n",
                rs_addr(i),
                check(i)
            )
        })
        .collect();
    let instance = if vrrp {
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
"
        )
    } else {
        String::new()
    };
    format!(
        "{instance}virtual_server {VIP} 80 {{
    delay_loop 1
    lvs_sched rr
    lvs_method NAT
    protocol TCP
{servers}}}
"
    )
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
    let mut director = Director::start(&t, &config(true, &[0, 1, 2]));
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

/// Which servers answered the client's requests since `t`.
fn answered(client: &Client, t: Instant) -> Vec<usize> {
    let mut seen: Vec<usize> = client
        .since(t)
        .into_iter()
        .filter_map(|(_, r)| r.ok())
        .collect();
    seen.sort_unstable();
    seen.dedup();
    seen
}

#[test]
fn a_configuration_with_only_virtual_servers_runs_the_checkers() {
    if skip() {
        return;
    }
    let t = Topology::new();
    let _servers: Vec<Server> = t
        .servers
        .iter()
        .enumerate()
        .map(|(i, ns)| Server::start(ns, i))
        .collect();
    // No VRRP: the VIP is configured by hand.
    sh(
        "ip",
        &[
            "-n",
            &t.director,
            "addr",
            "add",
            &format!("{VIP}/24"),
            "dev",
            "cl",
        ],
    );
    let mut director = Director::start(&t, &config(false, &[0, 1, 2]));
    let client = Client::start(&t.client);
    let t0 = Instant::now();
    let all = wait_until(Duration::from_secs(10), || {
        answered(&client, t0) == [0, 1, 2]
    });
    assert!(
        all.is_some(),
        "not every server answered: {:?}\n{}",
        client.since(t0),
        director.log()
    );
    // keepalived compat: only the checkers run, and their pid file says so.
    let pid = std::fs::read_to_string(&director.files.chk).unwrap_or_default();
    assert_eq!(pid.trim(), director.pid().to_string());
    assert!(!director.files.vrrp.exists(), "VRRP does not run");
    assert!(
        director.log().contains("Using the nftables data plane"),
        "{}",
        director.log()
    );

    // A reload without rs2: it gets no new connection, nothing fails.
    std::fs::write(&director.files.conf, config(false, &[0, 1])).unwrap();
    director.signal(nix::sys::signal::Signal::SIGHUP);
    let reloaded = Instant::now();
    let gone = wait_until(Duration::from_secs(5), || {
        let since = client.since(reloaded + Duration::from_millis(500));
        since.len() >= 10 && since.iter().all(|(_, r)| matches!(r, Ok(0 | 1)))
    });
    assert!(
        gone.is_some(),
        "after the reload: {:?}\n{}",
        client.since(reloaded),
        director.log()
    );
    let failed: Vec<_> = client
        .since(reloaded)
        .into_iter()
        .filter(|(_, r)| r.is_err())
        .collect();
    assert!(
        failed.is_empty(),
        "requests failed across the reload: {failed:?}"
    );
    drop(client);

    let st = director.stop();
    assert_eq!(st.and_then(|s| s.code()), Some(0), "{}", director.log());
    assert!(!director.files.chk.exists(), "pid file left behind");
}

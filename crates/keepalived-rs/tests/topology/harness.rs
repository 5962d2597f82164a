//! Starting daemons in a lab and waiting for VIP ownership.

use std::net::IpAddr;
use std::time::Duration;

use ka_lab::Lab;
use nix::sys::signal::Signal;

/// The daemon under test.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_keepalived-rs");

/// The VIP most tests use.
pub(crate) fn vip4() -> IpAddr {
    "192.0.2.100".parse().unwrap()
}

/// A daemon started in a lab host.
pub(crate) struct Node {
    /// The lab host.
    pub(crate) host: usize,
    /// The daemon's pid.
    pub(crate) pid: u32,
    /// Its name in the lab (pid files, logs).
    pub(crate) name: String,
}

/// A lab for `n` hosts, or `None` (with the reason printed) when labs
/// cannot run here.
pub(crate) fn lab(n: usize) -> Option<Lab> {
    if ka_lab::skip() {
        return None;
    }
    Some(Lab::new(n).expect("build lab"))
}

/// Writes `conf` and starts keepalived-rs in host `host` with extra
/// environment variables.
pub(crate) fn start_env(
    lab: &mut Lab,
    host: usize,
    name: &str,
    conf: &str,
    env: &[&str],
) -> Node {
    let pid = crate::common::start_keepalived_rs(lab, host, name, conf, env);
    Node {
        host,
        pid,
        name: name.to_owned(),
    }
}

/// Writes `conf` and starts keepalived-rs in host `host`.
pub(crate) fn start(
    lab: &mut Lab,
    host: usize,
    name: &str,
    conf: &str,
) -> Node {
    start_env(lab, host, name, conf, &[])
}

/// A VRRP instance block `VI_1` on eth0 with the given body lines.
pub(crate) fn instance(
    vrid: u8,
    prio: u8,
    extra: &str,
    vips: &[&str],
) -> String {
    let vips: String = vips.iter().map(|v| format!("        {v}\n")).collect();
    format!(
        "vrrp_instance VI_1 {{\n    state BACKUP\n    interface eth0\n    virtual_router_id {vrid}\n    \
         priority {prio}\n{extra}    virtual_ipaddress {{\n{vips}    }}\n}}\n"
    )
}

/// Waits until exactly `want` hold `vip`; panics with the logs otherwise.
pub(crate) fn expect_holders(
    lab: &Lab,
    vip: IpAddr,
    want: &[usize],
    within: Duration,
    nodes: &[&Node],
) -> Duration {
    match lab.wait_until(within, |l| l.holders(vip) == want) {
        Some(t) => t,
        None => {
            let logs: String = nodes
                .iter()
                .map(|n| {
                    format!(
                        "--- {} (h{}):\n{}\n",
                        n.name,
                        n.host,
                        lab.log_of(n.pid)
                    )
                })
                .collect();
            panic!(
                "expected {vip} on hosts {want:?} within {within:?}, holders are {:?}\n{logs}",
                lab.holders(vip)
            );
        }
    }
}

/// Asserts that for `during`, `vip` stays on exactly `want` (polled every
/// 10 ms), i.e. no flap.
pub(crate) fn expect_steady(
    lab: &Lab,
    vip: IpAddr,
    want: &[usize],
    during: Duration,
) {
    let start = std::time::Instant::now();
    while start.elapsed() < during {
        let h = lab.holders(vip);
        assert_eq!(h, want, "{vip} moved after {:?}", start.elapsed());
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Stops a node the way the test says and waits for it to exit.
pub(crate) fn kill(lab: &mut Lab, node: &Node, sig: Signal) {
    assert!(lab.signal(node.pid, sig), "signal {sig} to {}", node.name);
    assert!(
        lab.wait_exit(node.pid, Duration::from_secs(10)).is_some(),
        "{} did not exit after {sig}:\n{}",
        node.name,
        lab.log_of(node.pid)
    );
}

/// Lines of a node's log that mention a state change.
pub(crate) fn transitions(lab: &Lab, node: &Node) -> Vec<String> {
    lab.log_of(node.pid)
        .lines()
        .filter(|l| l.contains("Entering"))
        .map(str::to_owned)
        .collect()
}

//! Configurations and daemons of the BFD benchmark: a node A with BFD
//! sessions (and, for the failover, a VRRP instance tracking one), and a
//! peer P running the same implementation's BFD.

use std::net::Ipv4Addr;
use std::time::Duration;

use ka_lab::Lab;

use super::daemons::{self, Daemon, Impl};

/// The VIP of the tracking VRRP instance.
pub(crate) const VIP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 100);
/// The log line of a session coming Up (both implementations log
/// keepalived's text).
pub(crate) const UP_LINE: &str = "Entering Up state";
/// The log line of a session going Down.
pub(crate) const DOWN_LINE: &str = "Entering Down state";

/// BFD timers: min_rx = min_tx = `ms`, and the multiplier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Bfd {
    pub(crate) ms: u32,
    pub(crate) mult: u8,
}

impl Bfd {
    pub(crate) fn name(self) -> String {
        format!("BFD {} ms × {}", self.ms, self.mult)
    }

    /// The detection time with these timers on both ends, in seconds
    /// (RFC 5880 §6.8.4: the peer's multiplier × the agreed interval).
    pub(crate) fn detection_secs(self) -> f64 {
        f64::from(self.ms) * f64::from(self.mult) / 1000.0
    }
}

/// One `bfd_instance` named `name`.
pub(crate) fn bfd_instance(
    name: &str,
    peer: Ipv4Addr,
    local: Ipv4Addr,
    t: Bfd,
) -> String {
    format!(
        "bfd_instance {name} {{\n    neighbor_ip {peer}\n    source_ip {local}\n    \
         min_rx {}\n    min_tx {}\n    multiplier {}\n}}\n",
        t.ms, t.ms, t.mult
    )
}

/// `global_defs` with `router_id`.
pub(crate) fn globals(router_id: &str) -> String {
    globals_with(router_id, &[])
}

/// `global_defs` with `router_id` and the `extra` lines (`--global`).
pub(crate) fn globals_with(router_id: &str, extra: &[String]) -> String {
    let lines: String = extra.iter().map(|l| format!("    {l}\n")).collect();
    format!("global_defs {{\n    router_id {router_id}\n{lines}}}\n")
}

/// Node A of the failover: BFD session `B` to `peer`, and a VRRP master
/// holding [`VIP`] that tracks `B` (weight 0: FAULT when `B` is down).
pub(crate) fn tracking_config(
    peer: Ipv4Addr,
    local: Ipv4Addr,
    t: Bfd,
) -> String {
    format!(
        "{}{}vrrp_instance VI_1 {{\n    state MASTER\n    interface eth0\n    \
         virtual_router_id 51\n    priority 150\n    advert_int 1\n    \
         track_bfd {{\n        B weight 0\n    }}\n    virtual_ipaddress {{\n        \
         {VIP}/24\n    }}\n}}\n",
        globals("a"),
        bfd_instance("B", peer, local, t)
    )
}

/// `n` sessions `B1..Bn` from `local(k)` to `peer(k)`.
pub(crate) fn many_sessions(
    router_id: &str,
    n: u8,
    peer: impl Fn(u8) -> Ipv4Addr,
    local: impl Fn(u8) -> Ipv4Addr,
    t: Bfd,
) -> String {
    let mut s = globals(router_id);
    for k in 1..=n {
        s.push_str(&bfd_instance(&format!("B{k}"), peer(k), local(k), t));
    }
    s
}

/// Starts `imp` with configuration `conf` in host `host`. keepalived runs
/// with its VRRP and BFD children (not `-P`, which would leave BFD out);
/// keepalived-rs as the other benchmarks start it.
pub(crate) fn start(
    lab: &mut Lab,
    imp: &Impl,
    host: usize,
    name: &str,
    conf: &str,
) -> Result<Daemon, String> {
    daemons::start_with(lab, imp, host, name, conf, &[])
}

/// How many times `line` appears in the daemon's log.
pub(crate) fn count(lab: &Lab, d: &Daemon, line: &str) -> usize {
    lab.log_of(d.pid).matches(line).count()
}

/// Waits until the daemon's log shows `n` sessions Up.
pub(crate) fn wait_up(
    lab: &Lab,
    d: &Daemon,
    n: usize,
    timeout: Duration,
) -> Result<(), String> {
    lab.wait_until(timeout, |l| count(l, d, UP_LINE) >= n)
        .map(|_| ())
        .ok_or_else(|| {
            format!(
                "{} of {n} session(s) Up within {timeout:?}; log:\n{}",
                count(lab, d, UP_LINE),
                tail(&lab.log_of(d.pid), 30)
            )
        })
}

/// The last `n` lines of `s`.
pub(crate) fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Every process of the daemon: the one the lab started and its
/// descendants (keepalived's children).
pub(crate) fn processes(d: &Daemon) -> Vec<u32> {
    let mut all = vec![d.pid];
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return all;
    };
    let pids: Vec<u32> = dir
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    // Children are few and one level deep; two passes find grandchildren.
    for _ in 0..2 {
        for &p in &pids {
            if !all.contains(&p)
                && daemons::parent_of(p).is_some_and(|pp| all.contains(&pp))
            {
                all.push(p);
            }
        }
    }
    all
}

/// utime + stime of `pid` in clock ticks, from /proc/PID/stat.
pub(crate) fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_ticks(&stat)
}

/// utime + stime (fields 14 and 15) of a /proc/PID/stat line.
pub(crate) fn parse_ticks(stat: &str) -> Option<u64> {
    // Fields after the command name (which may hold spaces) follow ')'.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state): utime is field 14, index 11.
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

//! The lab: namespaces on a bridge, processes inside them, and faults.

use std::fs::File;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::cmd::{CmdError, run, run_ok};

/// One host of a lab.
#[derive(Clone, Debug)]
pub struct Host {
    /// Position in the lab, from 0.
    pub index: usize,
    /// Network namespace name.
    pub netns: String,
    /// The bridge-side end of the host's veth (its "switch port").
    pub port: String,
    /// The host's IPv4 address on `eth0` (192.0.2.(10+i)/24).
    pub ipv4: Ipv4Addr,
    /// The host's IPv6 address on `eth0` (2001:db8::(10+i)/64).
    pub ipv6: Ipv6Addr,
}

/// A process started in a lab host.
#[derive(Debug)]
pub struct Proc {
    /// Its pid (`ip netns exec` execs the program, so this is the program).
    pub pid: u32,
    /// Which host it runs in.
    pub host: usize,
    /// Where its stdout and stderr go.
    pub log: PathBuf,
    child: Child,
}

/// Namespaces on a bridge; everything is removed on drop.
#[derive(Debug)]
pub struct Lab {
    tag: String,
    bridge: String,
    hosts: Vec<Host>,
    procs: Vec<Proc>,
    dir: PathBuf,
    firewall: bool,
}

impl Lab {
    /// Builds `n` hosts on a fresh bridge.
    pub fn new(n: usize) -> Result<Self, CmdError> {
        let tag = unique_tag();
        let dir = std::env::temp_dir().join(format!("ka-lab-{tag}"));
        let _ = std::fs::create_dir_all(&dir);
        let mut lab = Self {
            bridge: format!("ka{tag}br"),
            tag,
            hosts: Vec::new(),
            procs: Vec::new(),
            dir,
            firewall: false,
        };
        // From here on, Drop cleans up whatever was created.
        run_ok("ip", &["link", "add", &lab.bridge, "type", "bridge"])?;
        // A bridge forwards at once (no STP listening delay) and has no
        // address: it is a plain switch between the namespaces.
        run_ok(
            "ip",
            &[
                "link",
                "set",
                &lab.bridge,
                "type",
                "bridge",
                "forward_delay",
                "0",
            ],
        )?;
        run_ok("ip", &["link", "set", &lab.bridge, "up"])?;
        for i in 0..n {
            lab.add_host(i)?;
        }
        Ok(lab)
    }

    fn add_host(&mut self, i: usize) -> Result<(), CmdError> {
        let netns = format!("ka{}h{i}", self.tag);
        let port = format!("ka{}v{i}", self.tag);
        let ipv4 = Ipv4Addr::new(192, 0, 2, 10 + i as u8);
        let ipv6 = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x10 + i as u16);
        run_ok("ip", &["netns", "add", &netns])?;
        self.hosts.push(Host {
            index: i,
            netns: netns.clone(),
            port: port.clone(),
            ipv4,
            ipv6,
        });
        run_ok(
            "ip",
            &[
                "link", "add", &port, "type", "veth", "peer", "name", "eth0",
                "netns", &netns,
            ],
        )?;
        run_ok("ip", &["link", "set", &port, "master", &self.bridge, "up"])?;
        let ns = |args: &[&str]| {
            let mut all = vec!["-n", netns.as_str()];
            all.extend_from_slice(args);
            run_ok("ip", &all).map(|_| ())
        };
        ns(&["link", "set", "lo", "up"])?;
        ns(&["addr", "add", &format!("{ipv4}/24"), "dev", "eth0"])?;
        ns(&["addr", "add", &format!("{ipv6}/64"), "dev", "eth0", "nodad"])?;
        // Link-local addresses must be usable at once as VRRP sources.
        self.sysctl(i, "net/ipv6/conf/eth0/accept_dad", "0")?;
        ns(&["link", "set", "eth0", "up"])?;
        Ok(())
    }

    /// The hosts.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// Host `i`.
    pub fn host(&self, i: usize) -> &Host {
        &self.hosts[i]
    }

    /// A private directory for configurations, logs and captures.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes a sysctl inside host `i`.
    pub fn sysctl(
        &self,
        i: usize,
        key: &str,
        value: &str,
    ) -> Result<(), CmdError> {
        let kv = format!("{}={value}", key.replace('/', "."));
        self.exec_ok(i, "sysctl", &["-q", "-w", &kv]).map(|_| ())
    }

    /// Runs a command inside host `i` and waits for it (at most 20 s).
    pub fn exec(
        &self,
        i: usize,
        prog: &str,
        args: &[&str],
    ) -> Result<Output, CmdError> {
        let mut all = vec!["netns", "exec", self.hosts[i].netns.as_str(), prog];
        all.extend_from_slice(args);
        run("ip", &all)
    }

    /// Runs a command inside host `i`; fails unless it exits 0.
    pub fn exec_ok(
        &self,
        i: usize,
        prog: &str,
        args: &[&str],
    ) -> Result<String, CmdError> {
        let mut all = vec!["netns", "exec", self.hosts[i].netns.as_str(), prog];
        all.extend_from_slice(args);
        run_ok("ip", &all)
    }

    /// Starts a long-running process in host `i`, output to a log file in
    /// the lab directory. Returns its pid.
    pub fn spawn(
        &mut self,
        i: usize,
        name: &str,
        prog: &str,
        args: &[&str],
    ) -> Result<u32, CmdError> {
        let log = self.dir.join(format!("{name}.log"));
        let err = |detail: String| CmdError {
            cmd: format!("{prog} {}", args.join(" ")),
            detail,
        };
        let out = File::create(&log).map_err(|e| err(e.to_string()))?;
        let errf = out.try_clone().map_err(|e| err(e.to_string()))?;
        let child = Command::new("ip")
            .args(["netns", "exec", &self.hosts[i].netns, prog])
            .args(args)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(errf)
            .spawn()
            .map_err(|e| err(e.to_string()))?;
        let pid = child.id();
        self.procs.push(Proc {
            pid,
            host: i,
            log,
            child,
        });
        Ok(pid)
    }

    /// Sends `sig` to a process this lab started (others are refused).
    pub fn signal(&mut self, pid: u32, sig: Signal) -> bool {
        if !self.procs.iter().any(|p| p.pid == pid) {
            return false;
        }
        i32::try_from(pid).is_ok_and(|p| kill(Pid::from_raw(p), sig).is_ok())
    }

    /// Waits up to `timeout` for a process this lab started to exit.
    pub fn wait_exit(
        &mut self,
        pid: u32,
        timeout: Duration,
    ) -> Option<ExitStatus> {
        let p = self.procs.iter_mut().find(|p| p.pid == pid)?;
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Ok(Some(st)) = p.child.try_wait() {
                return Some(st);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }

    /// The log of a process this lab started.
    pub fn log_of(&self, pid: u32) -> String {
        self.procs
            .iter()
            .find(|p| p.pid == pid)
            .and_then(|p| std::fs::read_to_string(&p.log).ok())
            .unwrap_or_default()
    }

    /// The addresses on host `i`'s `eth0`.
    pub fn addresses(&self, i: usize) -> Vec<IpAddr> {
        let Ok(out) = run_ok(
            "ip",
            &[
                "-n",
                &self.hosts[i].netns,
                "-j",
                "addr",
                "show",
                "dev",
                "eth0",
            ],
        ) else {
            return Vec::new();
        };
        parse_addrs(&out)
    }

    /// The hosts that have `vip` on `eth0`.
    pub fn holders(&self, vip: IpAddr) -> Vec<usize> {
        (0..self.hosts.len())
            .filter(|&i| self.addresses(i).contains(&vip))
            .collect()
    }

    /// Polls `cond` every 5 ms until it holds or `timeout` passes; returns
    /// how long it took.
    pub fn wait_until(
        &self,
        timeout: Duration,
        mut cond: impl FnMut(&Self) -> bool,
    ) -> Option<Duration> {
        let start = Instant::now();
        loop {
            if cond(self) {
                return Some(start.elapsed());
            }
            if start.elapsed() > timeout {
                return None;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Cuts host `i`'s cable: its switch port goes down, so its `eth0`
    /// loses carrier.
    pub fn link_down(&self, i: usize) -> Result<(), CmdError> {
        run_ok("ip", &["link", "set", &self.hosts[i].port, "down"]).map(|_| ())
    }

    /// Reconnects host `i`'s cable.
    pub fn link_up(&self, i: usize) -> Result<(), CmdError> {
        run_ok("ip", &["link", "set", &self.hosts[i].port, "up"]).map(|_| ())
    }

    /// Silently isolates host `i`: its link stays up but the bridge drops
    /// everything to and from its port (an nftables bridge-family rule).
    pub fn partition(&mut self, i: usize) -> Result<(), CmdError> {
        let table = self.nft_table();
        if !self.firewall {
            run_ok("nft", &["add", "table", "bridge", &table])?;
            run_ok(
                "nft",
                &[
                    "add", "chain", "bridge", &table, "cut", "{", "type",
                    "filter", "hook", "forward", "priority", "0", ";", "}",
                ],
            )?;
            self.firewall = true;
        }
        let port = &self.hosts[i].port;
        run_ok(
            "nft",
            &[
                "add", "rule", "bridge", &table, "cut", "iifname", port, "drop",
            ],
        )?;
        run_ok(
            "nft",
            &[
                "add", "rule", "bridge", &table, "cut", "oifname", port, "drop",
            ],
        )?;
        Ok(())
    }

    /// Ends every partition.
    pub fn heal(&mut self) -> Result<(), CmdError> {
        if self.firewall {
            run_ok(
                "nft",
                &["flush", "chain", "bridge", &self.nft_table(), "cut"],
            )?;
        }
        Ok(())
    }

    fn nft_table(&self) -> String {
        format!("ka{}", self.tag)
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for p in &mut self.procs {
            if matches!(p.child.try_wait(), Ok(None)) {
                let _ = p.child.kill();
                let _ = p.child.wait();
            }
        }
        if self.firewall {
            let _ =
                run("nft", &["delete", "table", "bridge", &self.nft_table()]);
        }
        for h in &self.hosts {
            let _ = run("ip", &["link", "del", &h.port]);
            let _ = run("ip", &["netns", "del", &h.netns]);
        }
        let _ = run("ip", &["link", "del", &self.bridge]);
        if std::env::var_os("KA_LAB_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A short tag, unique per lab on this machine, for namespace and link
/// names (interface names are limited to 15 bytes).
fn unique_tag() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut x = (u64::from(std::process::id()) << 20) ^ u64::from(nanos);
    let mut s = String::new();
    for _ in 0..6 {
        let d = (x % 36) as u8;
        s.push(char::from(if d < 10 { b'0' + d } else { b'a' + d - 10 }));
        x /= 36;
    }
    s
}

/// Addresses from `ip -j addr show` output.
fn parse_addrs(json: &str) -> Vec<IpAddr> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(json) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for link in v.as_array().into_iter().flatten() {
        for a in link["addr_info"].as_array().into_iter().flatten() {
            if let Some(ip) = a["local"].as_str().and_then(|s| s.parse().ok()) {
                out.push(ip);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ip_json() {
        let j = r#"[{"ifname":"eth0","addr_info":[{"family":"inet","local":"192.0.2.10","prefixlen":24},{"family":"inet6","local":"2001:db8::10","prefixlen":64}]}]"#;
        assert_eq!(
            parse_addrs(j),
            vec![
                IpAddr::from([192, 0, 2, 10]),
                "2001:db8::10".parse::<IpAddr>().unwrap()
            ]
        );
        assert!(parse_addrs("garbage").is_empty());
    }

    #[test]
    fn tags_are_short() {
        let t = unique_tag();
        assert_eq!(t.len(), 6);
        assert!(format!("ka{t}br").len() <= 15);
    }
}

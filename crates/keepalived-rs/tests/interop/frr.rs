//! FRR 8.4 vrrpd as the second, independent VRRPv3 peer.
//!
//! As TESTING.md describes: zebra and vrrpd run in the lab host's
//! namespace with per-namespace paths (`-N NS`, pid files and the zserv
//! socket in `/var/run/frr/NS`, owned by frr:frr, configuration in the
//! lab directory, also frr:frr), in the foreground so that the lab owns
//! their pids. vrrpd runs a virtual router only on a macvlan in bridge
//! mode that carries the virtual MAC (00:00:5e:00:01:VRID for IPv4,
//! 00:00:5e:00:02:VRID for IPv6) and the VIP; `addrgenmode random` is set
//! after the macvlan is created. FRR's state is read with
//! `vtysh -N NS -c 'show vrrp json'`.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ka_lab::Lab;
use nix::sys::signal::Signal;

use crate::conf::Family;

const ZEBRA: &str = "/usr/lib/frr/zebra";
const VRRPD: &str = "/usr/lib/frr/vrrpd";

/// Why FRR cannot run here, or `None`.
pub fn skip_reason() -> Option<String> {
    for p in [ZEBRA, VRRPD] {
        if !Path::new(p).exists() {
            return Some(format!(
                "FRR is not installed ({p} is missing; CI installs the Debian package `frr`)"
            ));
        }
    }
    if ka_lab::run("vtysh", &["--help"]).is_err() {
        return Some(
            "FRR's vtysh is not installed (Debian package `frr`)".into(),
        );
    }
    if !ka_lab::run("id", &["-u", "frr"]).is_ok_and(|o| o.status.success()) {
        return Some(
            "there is no `frr` user (the Debian package `frr` creates it)"
                .into(),
        );
    }
    None
}

/// zebra and vrrpd in one lab host, with one VRRPv3 router.
pub struct Frr {
    host: usize,
    ns: String,
    run_dir: PathBuf,
    conf_dir: PathBuf,
    family: Family,
    vrid: u8,
    vip: IpAddr,
    vrrpd: Option<u32>,
    starts: usize,
}

impl Frr {
    /// Creates the macvlan and the directories and starts zebra.
    pub fn setup(
        lab: &mut Lab,
        host: usize,
        family: Family,
        vrid: u8,
        vip: IpAddr,
    ) -> Result<Self, String> {
        let ns = lab.host(host).netns.clone();
        let run_dir = PathBuf::from(format!("/var/run/frr/{ns}"));
        let conf_dir = lab.dir().join("frr");
        let frr = Self {
            host,
            ns,
            run_dir,
            conf_dir,
            family,
            vrid,
            vip,
            vrrpd: None,
            starts: 0,
        };
        frr.macvlan(lab)?;
        for d in [&frr.run_dir, &frr.conf_dir] {
            std::fs::create_dir_all(d)
                .map_err(|e| format!("mkdir {}: {e}", d.display()))?;
        }
        frr.write("zebra.conf", &format!("hostname {}\n", frr.ns))?;
        let (conf, pid, api) = (
            frr.conf("zebra.conf"),
            frr.run("zebra.pid"),
            frr.run("zserv.api"),
        );
        lab.spawn(
            host,
            "zebra",
            ZEBRA,
            &[
                "-N", &frr.ns, "-f", &conf, "-i", &pid, "-z", &api, "-P", "0",
            ],
        )
        .map_err(|e| e.to_string())?;
        let api_path = frr.run_dir.join("zserv.api");
        let up = lab.wait_until(Duration::from_secs(10), |_| api_path.exists());
        up.map(|_| frr).ok_or_else(|| {
            "zebra did not create its zserv.api socket within 10 s".into()
        })
    }

    fn macvlan(&self, lab: &Lab) -> Result<(), String> {
        let (name, mac, len) = match self.family {
            Family::V4 => (
                format!("vrrp4-{}", self.vrid),
                format!("00:00:5e:00:01:{:02x}", self.vrid),
                24,
            ),
            Family::V6 => (
                format!("vrrp6-{}", self.vrid),
                format!("00:00:5e:00:02:{:02x}", self.vrid),
                64,
            ),
        };
        let vip = format!("{}/{len}", self.vip);
        let steps: [&[&str]; 5] = [
            &[
                "link", "add", &name, "link", "eth0", "type", "macvlan",
                "mode", "bridge",
            ],
            &["link", "set", &name, "address", &mac],
            &["link", "set", &name, "addrgenmode", "random"],
            &["addr", "add", &vip, "dev", &name, "nodad"],
            &["link", "set", &name, "up"],
        ];
        for args in steps {
            let args: Vec<&str> = args
                .iter()
                .copied()
                .filter(|a| !(self.family == Family::V4 && *a == "nodad"))
                .collect();
            lab.exec_ok(self.host, "ip", &args)
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    fn conf(&self, f: &str) -> String {
        self.conf_dir.join(f).display().to_string()
    }

    fn run(&self, f: &str) -> String {
        self.run_dir.join(f).display().to_string()
    }

    fn write(&self, file: &str, text: &str) -> Result<(), String> {
        std::fs::write(self.conf_dir.join(file), text)
            .map_err(|e| format!("write {file}: {e}"))?;
        for d in [&self.run_dir, &self.conf_dir] {
            ka_lab::run_ok(
                "chown",
                &["-R", "frr:frr", &d.display().to_string()],
            )
            .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// Starts vrrpd with one router at `prio`, `adv_ms` advert interval,
    /// and waits (at most 10 s) until vtysh reports it.
    pub fn start_vrrpd(
        &mut self,
        lab: &mut Lab,
        prio: u8,
        adv_ms: u32,
    ) -> Result<(), String> {
        let v = self.vrid;
        let addr = if self.family == Family::V4 {
            "ip"
        } else {
            "ipv6"
        };
        let text = format!(
            "log stdout informational\ninterface eth0\n vrrp {v} version 3\n vrrp {v} priority {prio}\n \
             vrrp {v} advertisement-interval {adv_ms}\n vrrp {v} {addr} {}\n",
            self.vip
        );
        self.write("vrrpd.conf", &text)?;
        self.starts += 1;
        let (conf, pid, api) = (
            self.conf("vrrpd.conf"),
            self.run("vrrpd.pid"),
            self.run("zserv.api"),
        );
        let name = format!("vrrpd-{}", self.starts);
        let args = [
            "-N", &self.ns, "-f", &conf, "-i", &pid, "-z", &api, "-P", "0",
        ];
        self.vrrpd = Some(
            lab.spawn(self.host, &name, VRRPD, &args)
                .map_err(|e| e.to_string())?,
        );
        let up = lab
            .wait_until(Duration::from_secs(10), |_| self.status().is_some());
        up.map(|_| ()).ok_or_else(|| {
            format!(
                "vrrpd did not answer vtysh within 10 s: {}",
                self.vrrpd_log(lab)
            )
        })
    }

    /// The router's state as vtysh shows it ("Master", "Backup",
    /// "Initialize"), or `None` when vrrpd does not answer.
    pub fn status(&self) -> Option<String> {
        let out =
            ka_lab::run("vtysh", &["-N", &self.ns, "-c", "show vrrp json"])
                .ok()?;
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
        let fam = if self.family == Family::V4 {
            "v4"
        } else {
            "v6"
        };
        v.as_array()?
            .iter()
            .find(|r| r["vrid"] == u64::from(self.vrid))?[fam]["status"]
            .as_str()
            .map(str::to_owned)
    }

    /// Whether vtysh shows the router in `state`.
    pub fn is(&self, state: &str) -> bool {
        self.status().as_deref() == Some(state)
    }

    /// SIGKILLs vrrpd (a crash: no priority 0).
    pub fn crash(&mut self, lab: &mut Lab) -> Result<(), String> {
        self.signal(lab, Signal::SIGKILL)
    }

    /// SIGTERMs vrrpd and waits for it.
    pub fn stop(&mut self, lab: &mut Lab) -> Result<(), String> {
        self.signal(lab, Signal::SIGTERM)
    }

    fn signal(&mut self, lab: &mut Lab, sig: Signal) -> Result<(), String> {
        let pid = self.vrrpd.take().ok_or("vrrpd is not running")?;
        lab.signal(pid, sig);
        lab.wait_exit(pid, Duration::from_secs(10))
            .map(|_| ())
            .ok_or_else(|| format!("vrrpd survived {sig}"))
    }

    /// `vrrp VRID shutdown`: the master resigns with priority 0.
    pub fn shutdown_router(&self) -> Result<(), String> {
        let cmd = format!("vrrp {} shutdown", self.vrid);
        let args = [
            "-N",
            &self.ns,
            "-c",
            "configure terminal",
            "-c",
            "interface eth0",
            "-c",
            &cmd,
        ];
        ka_lab::run_ok("vtysh", &args)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// vrrpd's log so far.
    pub fn vrrpd_log(&self, lab: &Lab) -> String {
        let path = lab.dir().join(format!("vrrpd-{}.log", self.starts));
        std::fs::read_to_string(path).unwrap_or_default()
    }
}

impl Drop for Frr {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.run_dir);
    }
}

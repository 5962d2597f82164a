//! net-snmp's master agent and trap receiver in a lab host, for the SNMP
//! tests: `snmpd` with `master agentx` on a socket in the lab directory,
//! answering SNMPv2c on 127.0.0.1 inside the host's namespace and sending
//! its traps to `snmptrapd` there; `snmpwalk`/`snmpget` with numeric OIDs
//! (`-On`), so no MIB files are needed.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use ka_lab::Lab;

/// The tools the tests need, with the Debian package of each.
pub(crate) fn skip_reason() -> Option<String> {
    if let Some(why) = ka_lab::skip_reason() {
        return Some(why);
    }
    for (tool, pkg) in [
        ("snmpd", "snmpd"),
        ("snmptrapd", "snmptrapd"),
        ("snmpwalk", "snmp"),
    ] {
        if ka_lab::run("sh", &["-c", &format!("command -v {tool}")])
            .map_or(true, |o| !o.status.success())
        {
            return Some(format!(
                "`{tool}` is not installed (Debian package `{pkg}`)"
            ));
        }
    }
    None
}

/// An snmpd and an snmptrapd running in a lab host.
pub(crate) struct NetSnmp {
    /// The host they run in.
    pub(crate) host: usize,
    /// The AgentX socket (`snmp_socket unix:…`).
    pub(crate) socket: PathBuf,
    /// snmpd's pid.
    pub(crate) snmpd: u32,
    /// snmptrapd's pid (its log holds the traps).
    pub(crate) trapd: u32,
}

const SNMP_PORT: u16 = 16161;
const TRAP_PORT: u16 = 16162;

impl NetSnmp {
    /// Starts both in host `host`; `tag` names their files.
    pub(crate) fn start(lab: &mut Lab, host: usize, tag: &str) -> Self {
        let dir = lab.dir().to_path_buf();
        let socket = dir.join(format!("{tag}-agentx"));
        let trapd_conf = dir.join(format!("{tag}-trapd.conf"));
        std::fs::write(&trapd_conf, "disableAuthorization yes\n").unwrap();
        let trapd_conf = trapd_conf.display().to_string();
        let listen = format!("udp:127.0.0.1:{TRAP_PORT}");
        let trapd = lab
            .spawn(
                host,
                &format!("{tag}-trapd"),
                "env",
                &[
                    "MIBS=",
                    "snmptrapd",
                    "-f",
                    "-Lo",
                    "-On",
                    "-C",
                    "-c",
                    &trapd_conf,
                    &listen,
                ],
            )
            .expect("start snmptrapd");
        let snmpd = Self::spawn_snmpd(lab, host, tag, &socket, "snmpd");
        let me = Self {
            host,
            socket,
            snmpd,
            trapd,
        };
        me.wait_socket(lab);
        me
    }

    /// Starts (another) snmpd on the same socket; returns its pid.
    pub(crate) fn restart(&mut self, lab: &mut Lab, tag: &str, name: &str) {
        self.snmpd = Self::spawn_snmpd(lab, self.host, tag, &self.socket, name);
        self.wait_socket(lab);
    }

    fn spawn_snmpd(
        lab: &mut Lab,
        host: usize,
        tag: &str,
        socket: &std::path::Path,
        name: &str,
    ) -> u32 {
        let conf = lab.dir().join(format!("{tag}-snmpd.conf"));
        let text = format!(
            "master agentx\nagentXSocket unix:{}\nagentaddress udp:127.0.0.1:{SNMP_PORT}\n\
             rocommunity public 127.0.0.1\ntrap2sink 127.0.0.1:{TRAP_PORT} public\n",
            socket.display()
        );
        std::fs::write(&conf, text).unwrap();
        let conf = conf.display().to_string();
        let pid_file =
            lab.dir().join(format!("{name}.pid")).display().to_string();
        lab.spawn(
            host,
            name,
            "env",
            &[
                "MIBS=", "snmpd", "-f", "-Lo", "-C", "-c", &conf, "-p",
                &pid_file,
            ],
        )
        .expect("start snmpd")
    }

    fn wait_socket(&self, lab: &Lab) {
        let ok =
            lab.wait_until(Duration::from_secs(10), |_| self.socket.exists());
        assert!(
            ok.is_some(),
            "snmpd made no AgentX socket:\n{}",
            lab.log_of(self.snmpd)
        );
    }

    /// Kills snmpd (SIGTERM) and waits for it; its socket goes away.
    pub(crate) fn stop_snmpd(&self, lab: &mut Lab) {
        assert!(lab.signal(self.snmpd, nix::sys::signal::Signal::SIGTERM));
        assert!(
            lab.wait_exit(self.snmpd, Duration::from_secs(10)).is_some(),
            "snmpd did not stop"
        );
    }

    /// `snmpwalk -v2c -On` of `oid`: OID → "TYPE: value".
    pub(crate) fn walk(
        &self,
        lab: &Lab,
        oid: &str,
    ) -> BTreeMap<String, String> {
        let port = format!("127.0.0.1:{SNMP_PORT}");
        let out = lab
            .exec(
                self.host,
                "env",
                &[
                    "MIBS=", "snmpwalk", "-v2c", "-c", "public", "-On", "-t",
                    "3", "-r", "1", &port, oid,
                ],
            )
            .expect("snmpwalk");
        parse(&String::from_utf8_lossy(&out.stdout))
    }

    /// Walks every subtree in `oids` into one map.
    pub(crate) fn walk_all(
        &self,
        lab: &Lab,
        oids: &[&str],
    ) -> BTreeMap<String, String> {
        oids.iter().flat_map(|o| self.walk(lab, o)).collect()
    }

    /// `snmpget -v2c -On` of `oid`: "TYPE: value", or the error text.
    pub(crate) fn get(&self, lab: &Lab, oid: &str) -> String {
        let port = format!("127.0.0.1:{SNMP_PORT}");
        match lab.exec(
            self.host,
            "env",
            &[
                "MIBS=", "snmpget", "-v2c", "-c", "public", "-On", "-t", "1",
                "-r", "0", &port, oid,
            ],
        ) {
            Ok(out) => {
                let text = String::from_utf8_lossy(&out.stdout).into_owned();
                parse(&text).into_values().next().unwrap_or(text)
            }
            Err(e) => e.to_string(),
        }
    }

    /// Waits (bounded) until `oid` reads `want`.
    pub(crate) fn wait_value(
        &self,
        lab: &Lab,
        oid: &str,
        want: &str,
        bound: Duration,
    ) -> Result<(), String> {
        let mut last = String::new();
        let ok = lab.wait_until(bound, |lab| {
            last = self.get(lab, oid);
            if last == want {
                return true;
            }
            std::thread::sleep(Duration::from_millis(200));
            false
        });
        ok.map(drop).ok_or(last)
    }

    /// The traps snmptrapd printed so far, one line each.
    pub(crate) fn traps(&self, lab: &Lab) -> Vec<String> {
        lab.log_of(self.trapd)
            .lines()
            .filter(|l| l.contains(".1.3.6.1.6.3.1.1.4.1.0 = OID:"))
            .map(str::to_owned)
            .collect()
    }

    /// Waits (bounded) until a trap line contains every one of `parts`.
    pub(crate) fn wait_trap(
        &self,
        lab: &Lab,
        parts: &[&str],
        bound: Duration,
    ) -> Result<String, Vec<String>> {
        let mut found = None;
        lab.wait_until(bound, |lab| {
            found = self
                .traps(lab)
                .into_iter()
                .find(|t| parts.iter().all(|p| t.contains(p)));
            if found.is_none() {
                std::thread::sleep(Duration::from_millis(200));
            }
            found.is_some()
        });
        found.ok_or_else(|| self.traps(lab))
    }
}

/// `.1.3… = TYPE: value` lines into a map (the leading dot dropped).
pub(crate) fn parse(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| {
            let (oid, value) = l.split_once(" = ")?;
            let oid = oid.trim().strip_prefix('.')?;
            Some((oid.to_string(), value.trim().to_string()))
        })
        .collect()
}

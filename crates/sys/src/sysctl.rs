//! Per-interface sysctls under `/proc/sys/net`, with a journal that puts
//! back what was changed.
//!
//! `/proc/sys/net` shows the network namespace of the task that opens it,
//! so this acts on the daemon's own namespace. Keys are relative to
//! `/proc/sys/net`, e.g. `ipv4/conf/eth0/arp_ignore`; interface names keep
//! their dots here (`ipv4/conf/vrrp.51/rp_filter`).

use std::io;
use std::path::PathBuf;

/// A sysctl key below `/proc/sys/net`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key(pub String);

impl Key {
    /// `net.ipv4.conf.<iface>.<param>`.
    pub fn ipv4_conf(iface: &str, param: &str) -> Self {
        Self(format!("ipv4/conf/{iface}/{param}"))
    }

    /// `net.ipv6.conf.<iface>.<param>`.
    pub fn ipv6_conf(iface: &str, param: &str) -> Self {
        Self(format!("ipv6/conf/{iface}/{param}"))
    }

    fn path(&self, root: &std::path::Path) -> PathBuf {
        root.join(&self.0)
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // sysctl(8) swaps the separators: `vrrp.51` shows as `vrrp/51`.
        let swapped: String = self
            .0
            .chars()
            .map(|c| match c {
                '.' => '/',
                '/' => '.',
                c => c,
            })
            .collect();
        write!(f, "net.{swapped}")
    }
}

/// Reads and writes sysctls, remembering the first value it replaced for
/// each key so that [`Sysctls::restore`] can put it back.
#[derive(Debug)]
pub struct Sysctls {
    root: PathBuf,
    saved: Vec<(Key, u32)>,
}

impl Default for Sysctls {
    fn default() -> Self {
        Self::with_root("/proc/sys/net")
    }
}

impl Sysctls {
    /// A journal over another root (tests use a temporary directory).
    pub fn with_root(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            saved: Vec::new(),
        }
    }

    /// The current value of `key`.
    pub fn get(&self, key: &Key) -> io::Result<u32> {
        let s = std::fs::read_to_string(key.path(&self.root))?;
        s.trim().parse().map_err(|e| {
            io::Error::new(io::ErrorKind::InvalidData, format!("{key}: {e}"))
        })
    }

    /// Writes `value` without remembering the old one.
    pub fn put(&self, key: &Key, value: u32) -> io::Result<()> {
        std::fs::write(key.path(&self.root), value.to_string())
    }

    /// Sets `key` to `value`, remembering the value it had if it differs
    /// (only the first time: a second change keeps the original).
    /// Returns the previous value.
    pub fn set(&mut self, key: &Key, value: u32) -> io::Result<u32> {
        let old = self.get(key)?;
        if old != value {
            self.put(key, value)?;
            if !self.saved.iter().any(|(k, _)| k == key) {
                self.saved.push((key.clone(), old));
            }
        }
        Ok(old)
    }

    /// Forgets the saved values of keys below an interface that is gone
    /// (deleting a link deletes its sysctls).
    pub fn forget_iface(&mut self, iface: &str) {
        let v4 = format!("ipv4/conf/{iface}/");
        let v6 = format!("ipv6/conf/{iface}/");
        self.saved
            .retain(|(k, _)| !k.0.starts_with(&v4) && !k.0.starts_with(&v6));
    }

    /// Whether a value of `key` is saved.
    pub fn is_saved(&self, key: &Key) -> bool {
        self.saved.iter().any(|(k, _)| k == key)
    }

    /// Puts the saved value of `key` back and forgets it; nothing to do
    /// (`Ok`) when none is saved.
    pub fn restore_key(&mut self, key: &Key) -> io::Result<()> {
        let Some(at) = self.saved.iter().position(|(k, _)| k == key) else {
            return Ok(());
        };
        let (k, v) = self.saved.remove(at);
        self.put(&k, v)
    }

    /// Puts every saved value back, newest first, and forgets them.
    /// Returns the keys that could not be restored, with why.
    pub fn restore(&mut self) -> Vec<(Key, io::Error)> {
        let mut failed = Vec::new();
        while let Some((k, v)) = self.saved.pop() {
            if let Err(e) = self.put(&k, v) {
                failed.push((k, e));
            }
        }
        failed
    }
}

/// The sysctls keepalived sets for a VMAC (`vrrp_if_config.c`), in the
/// order it sets them: `(key, value)`.
///
/// * IPv4 VMAC: on the VMAC `arp_ignore=1` (answer ARP only for its own
///   addresses), `accept_local=1` (hear the other node's adverts),
///   `rp_filter=0` (receive while it has no address) and
///   `promote_secondaries=1`; on the parent `arp_ignore=1` and
///   `arp_filter=1` (the parent must not answer ARP for the VIPs).
/// * IPv6 on the VMAC is disabled unless the instance is IPv6 or has
///   eVIPs of the other family (`disable_ipv6`).
pub fn vmac_settings(
    vmac: &str,
    parent: &str,
    ipv6_instance: bool,
    other_family: bool,
) -> Vec<(Key, u32)> {
    let mut out = Vec::new();
    if !ipv6_instance {
        out.push((Key::ipv4_conf(vmac, "arp_ignore"), 1));
        out.push((Key::ipv4_conf(vmac, "accept_local"), 1));
        out.push((Key::ipv4_conf(vmac, "rp_filter"), 0));
        out.push((Key::ipv4_conf(vmac, "promote_secondaries"), 1));
        out.push((Key::ipv4_conf(parent, "arp_ignore"), 1));
        out.push((Key::ipv4_conf(parent, "arp_filter"), 1));
    }
    // keepalived compat: IPv6 stays off on an IPv4 VMAC unless eVIPs of
    // the other family need it.
    let v6_on = ipv6_instance || other_family;
    out.push((Key::ipv6_conf(vmac, "disable_ipv6"), u32::from(!v6_on)));
    out
}

/// keepalived compat (`clear_rp_filter`): an IPv4 VMAC needs an effective
/// `rp_filter` of 0, but the kernel uses the larger of `all.rp_filter` and
/// the interface's. When `all` is non-zero, first raise `default` and
/// every interface to at least `all`'s value (so nothing else changes
/// behaviour), then set `all` to 0. `ifaces` are `(name, rp_filter)`.
/// Returns the writes to make, in order.
pub fn clear_rp_filter_plan(
    all: u32,
    default: u32,
    ifaces: &[(String, u32)],
) -> Vec<(Key, u32)> {
    if all == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    if default < all {
        out.push((Key::ipv4_conf("default", "rp_filter"), all));
    }
    for (name, v) in ifaces {
        if *v < all {
            out.push((Key::ipv4_conf(name, "rp_filter"), all));
        }
    }
    out.push((Key::ipv4_conf("all", "rp_filter"), 0));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> (PathBuf, Sysctls) {
        let dir = std::env::temp_dir().join(format!(
            "ka-sysctl-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        for p in ["ipv4/conf/eth0", "ipv4/conf/vrrp.51"] {
            std::fs::create_dir_all(dir.join(p)).unwrap();
        }
        std::fs::write(dir.join("ipv4/conf/eth0/arp_ignore"), "0\n").unwrap();
        std::fs::write(dir.join("ipv4/conf/vrrp.51/rp_filter"), "2\n").unwrap();
        (dir.clone(), Sysctls::with_root(dir))
    }

    #[test]
    fn set_then_restore_puts_back_the_first_value() {
        let (dir, mut s) = root();
        let k = Key::ipv4_conf("eth0", "arp_ignore");
        assert_eq!(s.set(&k, 1).unwrap(), 0);
        assert_eq!(s.set(&k, 2).unwrap(), 1);
        assert_eq!(s.get(&k).unwrap(), 2);
        assert!(s.restore().is_empty());
        assert_eq!(s.get(&k).unwrap(), 0);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn unchanged_values_are_not_journaled_and_gone_ifaces_are_forgotten() {
        let (dir, mut s) = root();
        let k = Key::ipv4_conf("vrrp.51", "rp_filter");
        s.set(&k, 2).unwrap();
        assert!(!s.is_saved(&k));
        s.set(&k, 0).unwrap();
        assert!(s.is_saved(&k));
        s.forget_iface("vrrp.51");
        assert!(!s.is_saved(&k));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn ipv4_vmac_settings_match_keepalived() {
        let got: Vec<(String, u32)> =
            vmac_settings("vrrp.51", "eth0", false, false)
                .into_iter()
                .map(|(k, v)| (k.0, v))
                .collect();
        let want = [
            ("ipv4/conf/vrrp.51/arp_ignore", 1),
            ("ipv4/conf/vrrp.51/accept_local", 1),
            ("ipv4/conf/vrrp.51/rp_filter", 0),
            ("ipv4/conf/vrrp.51/promote_secondaries", 1),
            ("ipv4/conf/eth0/arp_ignore", 1),
            ("ipv4/conf/eth0/arp_filter", 1),
            ("ipv6/conf/vrrp.51/disable_ipv6", 1),
        ];
        assert_eq!(got, want.map(|(k, v)| (k.to_owned(), v)));
        let v4_with_v6_evips = vmac_settings("vrrp.51", "eth0", false, true);
        assert_eq!(v4_with_v6_evips.last().unwrap().1, 0);
    }

    #[test]
    fn ipv6_vmac_settings_touch_no_ipv4_knob() {
        let got = vmac_settings("vrrp.52", "eth0", true, false);
        assert_eq!(got, vec![(Key::ipv6_conf("vrrp.52", "disable_ipv6"), 0)]);
    }

    #[test]
    fn rp_filter_is_cleared_without_loosening_other_interfaces() {
        assert!(clear_rp_filter_plan(0, 1, &[]).is_empty());
        let ifaces = [("eth0".to_owned(), 0), ("eth1".to_owned(), 2)];
        let got = clear_rp_filter_plan(1, 0, &ifaces);
        assert_eq!(
            got,
            vec![
                (Key::ipv4_conf("default", "rp_filter"), 1),
                (Key::ipv4_conf("eth0", "rp_filter"), 1),
                (Key::ipv4_conf("all", "rp_filter"), 0),
            ]
        );
    }

    #[test]
    fn keys_display_as_sysctl_names() {
        assert_eq!(
            Key::ipv4_conf("vrrp.51", "arp_ignore").to_string(),
            "net.ipv4.conf.vrrp/51.arp_ignore"
        );
        assert_eq!(
            Key::ipv6_conf("all", "disable_ipv6").to_string(),
            "net.ipv6.conf.all.disable_ipv6"
        );
    }
}

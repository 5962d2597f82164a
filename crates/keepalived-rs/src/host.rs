//! The real machine as configuration loading sees it, through `std` only.

use std::io;
use std::path::{Path, PathBuf};

use ka_config::host::{FileInfo, Host, UserInfo};

/// The real machine, through `std` only.
#[derive(Clone, Debug, Default)]
pub(crate) struct SystemHost;

impl Host for SystemHost {
    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        let bytes = std::fs::read(path)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    fn glob(&self, pattern: &str) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = match glob::glob(pattern) {
            Ok(paths) => paths.filter_map(Result::ok).collect(),
            Err(_) => Vec::new(),
        };
        out.sort();
        out
    }

    fn env_var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn hostname(&self) -> String {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    }

    fn interface_exists(&self, name: &str) -> Option<bool> {
        if name.is_empty() || name.contains('/') || name == "." || name == ".."
        {
            return Some(false);
        }
        let root = Path::new("/sys/class/net");
        if !root.is_dir() {
            return None;
        }
        Some(root.join(name).exists())
    }

    fn user(&self, name: &str) -> Option<UserInfo> {
        let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
        passwd.lines().find_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            (f.len() >= 4 && f[0] == name).then(|| UserInfo {
                uid: f[2].parse().unwrap_or(u32::MAX),
                gid: f[3].parse().unwrap_or(u32::MAX),
            })
        })
    }

    fn group(&self, name: &str) -> Option<u32> {
        let groups = std::fs::read_to_string("/etc/group").ok()?;
        groups.lines().find_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            (f.len() >= 3 && f[0] == name)
                .then(|| f[2].parse().ok())
                .flatten()
        })
    }

    fn file_info(&self, path: &Path) -> Option<FileInfo> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        Some(FileInfo {
            uid: m.uid(),
            gid: m.gid(),
            mode: m.mode() & 0o7777,
            is_dir: m.is_dir(),
        })
    }

    fn resolves(&self, name: &str) -> Option<bool> {
        use std::net::ToSocketAddrs;
        Some(
            (name, 25)
                .to_socket_addrs()
                .is_ok_and(|mut a| a.next().is_some()),
        )
    }

    fn link_info(&self, path: &Path) -> Option<(FileInfo, bool)> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::symlink_metadata(path).ok()?;
        let info = FileInfo {
            uid: m.uid(),
            gid: m.gid(),
            mode: m.mode() & 0o7777,
            is_dir: m.is_dir(),
        };
        Some((info, m.file_type().is_symlink()))
    }

    fn canonicalize(&self, path: &Path) -> Option<PathBuf> {
        std::fs::canonicalize(path).ok()
    }

    fn random_seed(&self) -> u64 {
        // keepalived compat: `${_RANDOM}` is seeded from the time when no
        // `random_seed` is configured. The low bits of the clock are as good
        // a seed as keepalived's.
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
    }
}

//! What configuration loading needs to know about the machine: files,
//! globs, environment variables, the host name, interfaces, users and file
//! ownership for script security. Production code implements it in
//! the binary (it reads `/sys/class/net`, `/etc/passwd`, …);
//! tests use [`FakeHost`] so that no test depends on the machine it runs on.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

/// A user account, for `script_user` and `user` keywords.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInfo {
    /// Numeric user id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
}

/// Ownership and permissions of a path, for script security checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileInfo {
    /// Owner uid.
    pub uid: u32,
    /// Owner gid.
    pub gid: u32,
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
    /// True for directories.
    pub is_dir: bool,
}

/// The machine as configuration loading sees it.
pub trait Host {
    /// Reads a whole file.
    fn read_to_string(&self, path: &Path) -> io::Result<String>;
    /// Paths matching a shell glob, sorted. Brace expansion is done by the
    /// caller.
    fn glob(&self, pattern: &str) -> Vec<PathBuf>;
    /// An environment variable (`${_ENV NAME}`).
    fn env_var(&self, name: &str) -> Option<String>;
    /// The host name (its first label is the default config id).
    fn hostname(&self) -> String;
    /// Whether a network interface exists; `None` when that cannot be told,
    /// in which case the check is skipped.
    fn interface_exists(&self, name: &str) -> Option<bool>;
    /// Looks up a user by name.
    fn user(&self, name: &str) -> Option<UserInfo>;
    /// Looks up a group by name.
    fn group(&self, name: &str) -> Option<u32>;
    /// Ownership and mode of a path, following symlinks; `None` if absent.
    fn file_info(&self, path: &Path) -> Option<FileInfo>;
    /// Ownership and mode of a path itself (`lstat`), and whether it is a
    /// symbolic link; `None` if absent.
    fn link_info(&self, path: &Path) -> Option<(FileInfo, bool)> {
        self.file_info(path).map(|f| (f, false))
    }
    /// Whether a host name resolves to an address (for `smtp_server`);
    /// `None` when that cannot be told, in which case the check is skipped.
    fn resolves(&self, _name: &str) -> Option<bool> {
        None
    }
    /// Resolves `path` to an absolute path with symlinks resolved.
    fn canonicalize(&self, path: &Path) -> Option<PathBuf>;
    /// Seed for `${_RANDOM}` when the configuration sets no `random_seed`.
    fn random_seed(&self) -> u64;
}

/// An in-memory machine for tests.
#[derive(Clone, Debug, Default)]
pub struct FakeHost {
    /// File contents by path.
    pub files: BTreeMap<PathBuf, String>,
    /// Environment variables.
    pub env: BTreeMap<String, String>,
    /// The host name.
    pub hostname: String,
    /// Existing interfaces; `None` means "cannot tell".
    pub interfaces: Option<BTreeSet<String>>,
    /// Users by name.
    pub users: BTreeMap<String, UserInfo>,
    /// Groups by name.
    pub groups: BTreeMap<String, u32>,
    /// Ownership of paths (scripts and their directories).
    pub file_infos: BTreeMap<PathBuf, FileInfo>,
    /// The `${_RANDOM}` seed.
    pub seed: u64,
    /// Host names that resolve; `None` means "cannot tell".
    pub resolvable: Option<BTreeSet<String>>,
    /// Symbolic links and their (absolute) targets.
    pub symlinks: BTreeMap<PathBuf, PathBuf>,
}

impl FakeHost {
    /// A host named `lb1` with interfaces `lo`, `eth0` and `eth1`, users
    /// `root` and `keepalived_script`, and no files.
    pub fn new() -> Self {
        let mut h = Self {
            hostname: "lb1.example.org".into(),
            ..Self::default()
        };
        h.interfaces = Some(
            ["lo", "eth0", "eth1"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        );
        h.resolvable = Some(["localhost".to_string()].into());
        h.users.insert("root".into(), UserInfo { uid: 0, gid: 0 });
        h.users.insert(
            "keepalived_script".into(),
            UserInfo { uid: 998, gid: 998 },
        );
        h.groups.insert("root".into(), 0);
        h
    }

    /// Adds a file.
    pub fn with_file(
        mut self,
        path: impl Into<PathBuf>,
        text: impl Into<String>,
    ) -> Self {
        self.files.insert(path.into(), text.into());
        self
    }
}

impl FakeHost {
    /// Adds root-owned 0755 programs at `paths`, and their directories,
    /// so that script checks find them secure.
    pub fn with_programs(mut self, paths: &[&str]) -> Self {
        for p in paths {
            let p = Path::new(p);
            for (i, a) in p.ancestors().enumerate() {
                let info = FileInfo {
                    uid: 0,
                    gid: 0,
                    mode: 0o755,
                    is_dir: i > 0,
                };
                self.file_infos.insert(a.to_path_buf(), info);
            }
        }
        self
    }
}

impl Host for FakeHost {
    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        self.files.get(path).cloned().ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, "no such file")
        })
    }

    fn glob(&self, pattern: &str) -> Vec<PathBuf> {
        let Ok(pat) = glob::Pattern::new(pattern) else {
            return Vec::new();
        };
        let opts = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: true,
        };
        // BTreeMap keys are already sorted.
        self.files
            .keys()
            .filter(|p| pat.matches_path_with(p, opts))
            .cloned()
            .collect()
    }

    fn env_var(&self, name: &str) -> Option<String> {
        self.env.get(name).cloned()
    }

    fn hostname(&self) -> String {
        self.hostname.clone()
    }

    fn interface_exists(&self, name: &str) -> Option<bool> {
        self.interfaces.as_ref().map(|set| set.contains(name))
    }

    fn user(&self, name: &str) -> Option<UserInfo> {
        self.users.get(name).cloned()
    }

    fn group(&self, name: &str) -> Option<u32> {
        self.groups.get(name).copied()
    }

    fn file_info(&self, path: &Path) -> Option<FileInfo> {
        match self.symlinks.get(path) {
            Some(target) => self.file_infos.get(target).copied(),
            None => self.file_infos.get(path).copied(),
        }
    }

    fn resolves(&self, name: &str) -> Option<bool> {
        self.resolvable.as_ref().map(|set| set.contains(name))
    }

    fn link_info(&self, path: &Path) -> Option<(FileInfo, bool)> {
        if self.symlinks.contains_key(path) {
            // A link made by root: `lstat` shows root and mode 0777.
            let link = FileInfo {
                uid: 0,
                gid: 0,
                mode: 0o777,
                is_dir: false,
            };
            return Some((link, true));
        }
        self.file_infos.get(path).map(|f| (*f, false))
    }

    fn canonicalize(&self, path: &Path) -> Option<PathBuf> {
        let path = self.symlinks.get(path).map_or(path, PathBuf::as_path);
        self.file_infos
            .contains_key(path)
            .then(|| path.to_path_buf())
    }

    fn random_seed(&self) -> u64 {
        self.seed
    }
}

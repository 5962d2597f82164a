//! One script's security, as keepalived 2.2.7's `check_script_secure()`
//! (`lib/notify.c`), through the [`Host`] trait.
//!
//! keepalived compat, the rules reproduced:
//! * a command starting `<` then `/` only tests a file: [`Flags::SYSTEM`];
//! * a bare name is looked up in `PATH` (default `/bin:/usr/bin`, glibc's
//!   `_CS_PATH`) for a regular file the script user may execute; none
//!   found is [`Flags::NOT_FOUND`];
//! * the real path (symlinks resolved) must exist, else `NOT_FOUND`;
//! * the file is [`Flags::IS_SCRIPT`], and [`Flags::EXECUTABLE`] when the
//!   script user may execute it (root: any `x` bit);
//! * only when the script runs as uid 0 or gid 0, or the file is set-uid
//!   or set-gid root, is every component of the real path checked with
//!   `lstat`: "/" and each directory must be directories, the last a file
//!   or symlink; a component not owned by root, or (for files and
//!   directories without the sticky bit) writable by a non-root group or
//!   by others, is [`Flags::INSECURE`], and with `enable_script_security`
//!   also [`Flags::INHIBIT`].
//!
//! Not reproduced: keepalived resolves the real path with the script
//! user's effective ids; here it is resolved as the caller.

use std::path::{Path, PathBuf};

use crate::host::{FileInfo, Host};

/// keepalived's `SC_*` flags from `check_script_secure()`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flags(u8);

impl Flags {
    /// `SC_INSECURE`: some path component is writable by non-root.
    pub const INSECURE: Self = Self(0x01);
    /// `SC_ISSCRIPT`: the file exists.
    pub const IS_SCRIPT: Self = Self(0x02);
    /// `SC_INHIBIT`: the script must not run.
    pub const INHIBIT: Self = Self(0x04);
    /// `SC_NOTFOUND`: the file or a path component cannot be found.
    pub const NOT_FOUND: Self = Self(0x08);
    /// `SC_EXECUTABLE`: the script user may execute it.
    pub const EXECUTABLE: Self = Self(0x10);
    /// `SC_SYSTEM`: a `</path` file test, never executed.
    pub const SYSTEM: Self = Self(0x20);

    /// True when every flag of `other` is set.
    pub fn has(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// True when any flag of `other` is set.
    pub fn any(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }
}

impl std::ops::BitOr for Flags {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for Flags {
    fn bitor_assign(&mut self, rhs: Self) {
        self.0 |= rhs.0;
    }
}

/// The ids a script runs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ids {
    /// User id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
}

const S_ISUID: u32 = 0o4000;
const S_ISGID: u32 = 0o2000;
const S_ISVTX: u32 = 0o1000;
const S_IWGRP: u32 = 0o020;
const S_IWOTH: u32 = 0o002;
const S_IXUSR: u32 = 0o100;
const S_IXGRP: u32 = 0o010;
const S_IXOTH: u32 = 0o001;

/// keepalived's `is_executable()`.
fn is_executable(f: &FileInfo, ids: Ids) -> bool {
    (ids.uid == 0 && f.mode & (S_IXUSR | S_IXGRP | S_IXOTH) != 0)
        || (ids.uid == f.uid && f.mode & S_IXUSR != 0)
        || (ids.uid != f.uid
            && ((ids.gid == f.gid && f.mode & S_IXGRP != 0)
                || (ids.gid != f.gid && f.mode & S_IXOTH != 0)))
}

/// Checks the program `prog` of a script run with `ids`.
pub fn check(
    prog: &str,
    ids: Ids,
    script_security: bool,
    host: &dyn Host,
) -> Flags {
    if let Some(rest) = prog.strip_prefix('<')
        && rest.trim_start_matches([' ', '\t']).starts_with('/')
    {
        return Flags::SYSTEM;
    }
    let path = if prog.contains('/') {
        PathBuf::from(prog)
    } else {
        match find_path(prog, ids, host) {
            Some(p) => p,
            None => return Flags::NOT_FOUND,
        }
    };
    let Some(real) = host.canonicalize(&path) else {
        return Flags::NOT_FOUND;
    };
    let Some(file) = host.file_info(&real) else {
        return Flags::NOT_FOUND;
    };
    let mut flags = Flags::IS_SCRIPT;
    let mut protect = false;
    if is_executable(&file, ids) {
        flags |= Flags::EXECUTABLE;
        protect = ids.uid == 0
            || ids.gid == 0
            || (file.uid == 0
                && file.mode & S_IXUSR != 0
                && file.mode & S_ISUID != 0)
            || (file.gid == 0
                && file.mode & S_IXGRP != 0
                && file.mode & S_ISGID != 0);
    }
    if protect {
        flags |= check_components(&real, script_security, host);
    }
    flags
}

/// glibc's `execvp` path search as keepalived's `find_path()` does it.
fn find_path(prog: &str, ids: Ids, host: &dyn Host) -> Option<PathBuf> {
    if prog.is_empty() {
        return None;
    }
    let path = host
        .env_var("PATH")
        .unwrap_or_else(|| "/bin:/usr/bin".into());
    path.split(':').find_map(|dir| {
        let dir = if dir.is_empty() { "." } else { dir };
        let p = Path::new(dir).join(prog);
        let f = host.file_info(&p)?;
        (!f.is_dir && is_executable(&f, ids)).then_some(p)
    })
}

/// keepalived's `check_security()`: every component of `path`, from `/`.
fn check_components(
    path: &Path,
    script_security: bool,
    host: &dyn Host,
) -> Flags {
    let mut parts: Vec<PathBuf> =
        path.ancestors().map(Path::to_path_buf).collect();
    parts.reverse();
    let last = parts.len().saturating_sub(1);
    for (i, p) in parts.iter().enumerate() {
        let Some((f, is_link)) = host.link_info(p) else {
            return Flags::NOT_FOUND;
        };
        let is_last = i == last;
        if (!is_last && !f.is_dir) || (is_last && f.is_dir) {
            return Flags::INHIBIT;
        }
        let writable_dir_or_file =
            (f.is_dir && f.mode & S_ISVTX == 0) || (!f.is_dir && !is_link);
        let writable =
            (f.gid != 0 && f.mode & S_IWGRP != 0) || f.mode & S_IWOTH != 0;
        if f.uid != 0 || (writable_dir_or_file && writable) {
            return if script_security {
                Flags::INSECURE | Flags::INHIBIT
            } else {
                Flags::INSECURE
            };
        }
    }
    Flags::default()
}

#[cfg(test)]
mod tests;

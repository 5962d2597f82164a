//! A scan of `/proc` for `vrrp_track_process`: every live process with
//! its parent, short name (`comm`) and, when asked, the start of its
//! command line.
//!
//! keepalived 2.2.7 reads `/proc` once at startup and then follows the
//! kernel's process events connector (netlink `CN_IDX_PROC`). keepalived-rs
//! rescans `/proc` on a short interval instead: the connector needs
//! `CAP_NET_ADMIN` and delivers its events only to sockets in the initial
//! network namespace (a socket opened in another namespace is created
//! without error but never hears anything), and daemons run in network
//! namespaces in containers and in our own labs. The scan takes a root
//! directory so tests can point it at a fake `/proc`.
//!
//! The driver decides nothing: matching against the configuration is the
//! caller's.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// One process found in `/proc`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcEntry {
    /// Process id (thread-group id).
    pub pid: u32,
    /// Parent's process id.
    pub ppid: u32,
    /// Short name (`/proc/PID/comm`, at most 15 bytes).
    pub comm: Vec<u8>,
    /// The first bytes of `/proc/PID/cmdline` (arguments separated and
    /// terminated by NUL bytes), if asked for.
    pub cmdline: Option<Vec<u8>>,
}

/// Lists the live processes under `root` (normally `/proc`). Zombies are
/// left out. With `cmdline_max`, up to that many bytes of each command
/// line are read too. Processes that exit during the scan are skipped.
pub fn scan(
    root: &Path,
    cmdline_max: Option<usize>,
) -> io::Result<Vec<ProcEntry>> {
    let mut out = Vec::new();
    for ent in std::fs::read_dir(root)? {
        let Ok(ent) = ent else { continue };
        if !ent.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let name = ent.file_name();
        let Some(pid) = name.to_str().and_then(parse_pid) else {
            continue;
        };
        let dir = ent.path();
        let Some(stat) = read_prefix(&dir.join("stat"), 512) else {
            continue;
        };
        let Some(st) = parse_stat(&stat) else {
            continue;
        };
        // keepalived compat: zombies are not running, so never counted.
        if st.state == b'Z' {
            continue;
        }
        let cmdline = match cmdline_max {
            Some(max) => match read_prefix(&dir.join("cmdline"), max) {
                Some(c) => Some(c),
                None => continue,
            },
            None => None,
        };
        out.push(ProcEntry {
            pid,
            ppid: st.ppid,
            comm: st.comm,
            cmdline,
        });
    }
    out.sort_by_key(|e| e.pid);
    Ok(out)
}

/// A `/proc` directory name: digits, not starting with 0.
fn parse_pid(name: &str) -> Option<u32> {
    let first = *name.as_bytes().first()?;
    if !(b'1'..=b'9').contains(&first)
        || !name.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    name.parse().ok()
}

/// Up to `max` bytes of a file; `None` if it cannot be opened or read
/// (the process has gone).
fn read_prefix(path: &Path, max: usize) -> Option<Vec<u8>> {
    let f = File::open(path).ok()?;
    let mut buf = Vec::new();
    f.take(max as u64).read_to_end(&mut buf).ok()?;
    Some(buf)
}

/// The fields of `/proc/PID/stat` the scan uses.
#[derive(Debug, PartialEq, Eq)]
struct Stat {
    comm: Vec<u8>,
    state: u8,
    ppid: u32,
}

/// Parses `PID (COMM) STATE PPID …`. The name may itself contain spaces
/// and parentheses, so it ends at the last `)`.
fn parse_stat(s: &[u8]) -> Option<Stat> {
    let open = s.iter().position(|&b| b == b'(')?;
    let close = s.iter().rposition(|&b| b == b')')?;
    if close < open {
        return None;
    }
    let comm = s[open + 1..close].to_vec();
    let rest = std::str::from_utf8(s.get(close + 1..)?).ok()?;
    let mut fields = rest.split_ascii_whitespace();
    let state = *fields.next()?.as_bytes().first()?;
    let ppid = fields.next()?.parse().ok()?;
    Some(Stat { comm, state, ppid })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn fake_proc(tag: &str) -> PathBuf {
        let d = std::env::temp_dir()
            .join(format!("ka-procscan-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn add(root: &Path, pid: u32, stat: &str, cmdline: &[u8]) {
        let d = root.join(pid.to_string());
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("stat"), stat).unwrap();
        std::fs::write(d.join("cmdline"), cmdline).unwrap();
    }

    #[test]
    fn stat_fields() {
        let s = parse_stat(b"42 (my (odd) name) S 7 42 42 0 -1\n").unwrap();
        assert_eq!(
            s,
            Stat {
                comm: b"my (odd) name".to_vec(),
                state: b'S',
                ppid: 7
            }
        );
        assert_eq!(parse_stat(b"42 nocomm S 1"), None);
        assert_eq!(parse_stat(b"42 (x) S"), None);
    }

    #[test]
    fn pid_names() {
        assert_eq!(parse_pid("123"), Some(123));
        for bad in ["0", "012", "self", "1a", ""] {
            assert_eq!(parse_pid(bad), None, "{bad}");
        }
    }

    #[test]
    fn scan_skips_zombies_and_non_processes() {
        let root = fake_proc("scan");
        add(&root, 10, "10 (sleep) S 1 0", b"sleep\x00600\x00");
        add(&root, 11, "11 (sleep) Z 1 0", b"");
        add(
            &root,
            12,
            "12 (nginx: worker) R 10 0",
            b"nginx: worker process\x00",
        );
        std::fs::create_dir_all(root.join("self")).unwrap();
        std::fs::write(root.join("99"), "not a dir").unwrap();
        let all = scan(&root, None).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(
            all[0],
            ProcEntry {
                pid: 10,
                ppid: 1,
                comm: b"sleep".to_vec(),
                cmdline: None
            }
        );
        assert_eq!(all[1].comm, b"nginx: worker");
        assert_eq!(all[1].ppid, 10);
        let with = scan(&root, Some(7)).unwrap();
        assert_eq!(with[0].cmdline.as_deref(), Some(&b"sleep\x006"[..]));
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn scan_of_the_real_proc_finds_this_process() {
        let me = std::process::id();
        let all = scan(Path::new("/proc"), Some(4096)).unwrap();
        let e = all.iter().find(|e| e.pid == me).expect("own pid");
        assert_eq!(e.ppid, std::os::unix::process::parent_id());
        assert!(e.cmdline.as_ref().is_some_and(|c| !c.is_empty()));
    }
}

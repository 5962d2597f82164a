//! Helpers shared by the corpus tests: where the corpus is, which files it
//! holds, and keepalived 2.2.7's recorded exit status for each.

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ka_config::host::{FakeHost, FileInfo};

/// `tests/corpus` of this crate.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("corpus")
}

/// Every `NN-topic.conf` of the corpus (not the `includes/`), sorted.
pub fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("tests/corpus is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .collect();
    files.sort();
    files
}

/// keepalived 2.2.7's exit status per file name, from
/// `corpus/keepalived-2.2.7.status`.
pub fn recorded_statuses() -> BTreeMap<String, i32> {
    let text =
        std::fs::read_to_string(corpus_dir().join("keepalived-2.2.7.status"))
            .expect("corpus/keepalived-2.2.7.status is readable");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (name, status) = l.split_once(' ')?;
            Some((name.to_string(), status.trim().parse().ok()?))
        })
        .collect()
}

/// The file name of a corpus path.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Where the corpus appears inside the fake host.
pub const ROOT: &str = "/corpus";

/// Every file under `dir`, recursively, as (real path, path under ROOT).
fn walk(dir: &Path, virt: &Path, out: &mut Vec<(PathBuf, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let v = virt.join(e.file_name());
        if p.is_dir() {
            walk(&p, &v, out);
        } else {
            out.push((p, v));
        }
    }
}

/// Executables the corpus scripts use, and their directories, owned by
/// root and not writable by others (as on a Debian system).
fn add_script_paths(host: &mut FakeHost) {
    let dir = FileInfo {
        uid: 0,
        gid: 0,
        mode: 0o755,
        is_dir: true,
    };
    let exe = FileInfo {
        is_dir: false,
        ..dir
    };
    for d in ["/", "/usr", "/usr/bin", "/etc", "/tmp"] {
        host.file_infos.insert(PathBuf::from(d), dir);
    }
    if let Some(tmp) = host.file_infos.get_mut(Path::new("/tmp")) {
        tmp.mode = 0o1777;
    }
    for f in ["/usr/bin/true", "/usr/bin/false", "/usr/bin/test"] {
        host.file_infos.insert(PathBuf::from(f), exe);
    }
}

/// One script fixture of `corpus/fixtures.txt`.
pub struct Fixture {
    /// Where the corpus names it (under `/mnt`).
    pub path: PathBuf,
    /// `dir`, `file` or `link`.
    pub kind: String,
    /// Permission bits (`0` for links).
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// A link's target.
    pub target: Option<PathBuf>,
}

/// Where the fixtures appear, in both the namespace and the fake host.
pub const FIXTURE_ROOT: &str = "/mnt";

/// The script fixtures of `corpus/fixtures.txt`, parents first.
pub fn fixtures() -> Vec<Fixture> {
    let text = std::fs::read_to_string(corpus_dir().join("fixtures.txt"))
        .expect("corpus/fixtures.txt is readable");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            assert!(w.len() >= 5, "bad fixtures.txt line: {l}");
            let num =
                |s: &str, radix| u32::from_str_radix(s, radix).unwrap_or(0);
            Fixture {
                path: PathBuf::from(w[0]),
                kind: w[1].to_string(),
                mode: num(w[2], 8),
                uid: num(w[3], 10),
                gid: num(w[4], 10),
                target: w.get(5).map(PathBuf::from),
            }
        })
        .collect()
}

fn add_fixtures(host: &mut FakeHost) {
    for f in fixtures() {
        match &f.target {
            Some(t) => {
                host.symlinks.insert(f.path, t.clone());
            }
            None => {
                let info = FileInfo {
                    uid: f.uid,
                    gid: f.gid,
                    mode: f.mode,
                    is_dir: f.kind == "dir",
                };
                host.file_infos.insert(f.path, info);
            }
        }
    }
}

/// A machine like the differential test's namespace, holding the corpus
/// under [`ROOT`] and the script fixtures under [`FIXTURE_ROOT`].
pub fn fake_host() -> FakeHost {
    let mut host = FakeHost::new();
    // The machines that run the differential test have no
    // keepalived_script user.
    host.users.remove("keepalived_script");
    host.seed = 7;
    add_script_paths(&mut host);
    add_fixtures(&mut host);
    // The namespace's PATH, for bare script names.
    host.env.insert("PATH".into(), "/usr/bin:/bin".into());
    let mut files = Vec::new();
    walk(&corpus_dir(), Path::new(ROOT), &mut files);
    for (real, virt) in files {
        if let Ok(text) = std::fs::read_to_string(&real) {
            host.files.insert(virt, text);
        }
    }
    host
}

/// Writes `conf` to the lab directory and starts keepalived-rs in lab host
/// `host` on the files [`ka_lab::DaemonFiles`] names after `name`, with
/// `env` (`NAME=value`) in its environment; returns its pid.
pub fn start_keepalived_rs(
    lab: &mut ka_lab::Lab,
    host: usize,
    name: &str,
    conf: &str,
    env: &[&str],
) -> u32 {
    start_keepalived_rs_with(lab, host, name, conf, env, &[])
}

/// [`start_keepalived_rs`] with `extra` options after the standard ones.
pub fn start_keepalived_rs_with(
    lab: &mut ka_lab::Lab,
    host: usize,
    name: &str,
    conf: &str,
    env: &[&str],
    extra: &[&str],
) -> u32 {
    let files = ka_lab::DaemonFiles::write(lab.dir(), name, conf)
        .unwrap_or_else(|e| panic!("{e}"));
    let bin = env!("CARGO_BIN_EXE_keepalived-rs");
    lab.start_daemon(host, name, bin, &files, env, extra)
        .expect("start keepalived-rs")
}

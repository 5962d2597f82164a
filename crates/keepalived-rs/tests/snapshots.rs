//! Snapshot tests of diagnostics: for every corpus file, the rendered
//! diagnostics and the `-t` exit status keepalived-rs gives, compared with
//! the checked-in `tests/corpus/NN-topic.expected`.
//!
//! The configuration is loaded in-process through `ka_config::load` with a
//! [`FakeHost`] that mirrors the differential test's namespace (interfaces
//! `lo`, `eth0`, `eth1`; user `root` only; host `lb1.example.org`; config id
//! `lb1`; a fixed `${_RANDOM}` seed) and holds the corpus under the virtual
//! directory `/corpus`, so nothing depends on the machine or the checkout
//! path. `KA_BLESS=1 cargo test -p keepalived-rs --test snapshots`
//! rewrites the `.expected` files.

mod common;

use std::path::{Path, PathBuf};

use ka_config::host::{FakeHost, FileInfo};
use ka_config::{LoadOptions, Loaded};

/// Where the corpus appears inside the fake host.
const ROOT: &str = "/corpus";

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

fn fake_host() -> FakeHost {
    let mut host = FakeHost::new();
    // The machines that run the differential test have no
    // keepalived_script user.
    host.users.remove("keepalived_script");
    host.seed = 7;
    add_script_paths(&mut host);
    let mut files = Vec::new();
    walk(&common::corpus_dir(), Path::new(ROOT), &mut files);
    for (real, virt) in files {
        if let Ok(text) = std::fs::read_to_string(&real) {
            host.files.insert(virt, text);
        }
    }
    host
}

/// The `-t` exit status for a loaded configuration (as the binary's
/// `config_test::exit_status`).
fn exit_status(loaded: &Loaded) -> i32 {
    if loaded.diagnostics.has_security_violation() {
        6
    } else if loaded.diagnostics.has_errors() {
        5
    } else {
        0
    }
}

fn snapshot(host: &FakeHost, name: &str) -> String {
    let opts = LoadOptions {
        config_id: Some("lb1".into()),
        strict: false,
    };
    let loaded = ka_config::load(&Path::new(ROOT).join(name), host, &opts);
    format!(
        "# keepalived-rs -t exit status: {}\n{}",
        exit_status(&loaded),
        loaded.diagnostics.render(&loaded.sources)
    )
}

#[test]
fn diagnostics_match_snapshots() {
    let bless = std::env::var_os("KA_BLESS").is_some_and(|v| v == "1");
    let host = fake_host();
    let mut failures = Vec::new();
    for file in common::corpus_files() {
        let name = common::file_name(&file);
        let got = snapshot(&host, &name);
        let expected_path = file.with_extension("expected");
        if bless {
            std::fs::write(&expected_path, &got).expect("write .expected");
            continue;
        }
        match std::fs::read_to_string(&expected_path) {
            Ok(want) if want == got => {}
            Ok(want) => failures
                .push(format!("--- {name}\nexpected:\n{want}got:\n{got}")),
            Err(_) => failures
                .push(format!("--- {name}: no {}", expected_path.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} snapshot(s) differ (KA_BLESS=1 regenerates them):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

//! Helpers shared by the corpus tests: where the corpus is, which files it
//! holds, and keepalived 2.2.7's recorded exit status for each.

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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

//! Small helpers for unit tests in other crates: a scratch directory and
//! a current-thread runtime.

use std::path::{Path, PathBuf};

/// A fresh directory `<temp>/<prefix>-<tag>-<pid>`, removed on drop. The
/// pid keeps concurrent test binaries apart; `prefix` and `tag` must keep
/// the tests of one binary apart.
#[derive(Debug)]
pub struct TmpDir(PathBuf);

impl TmpDir {
    /// Creates the directory, removing what an earlier run left there.
    ///
    /// # Panics
    /// When the directory cannot be created (a test setup failure).
    pub fn new(prefix: &str, tag: &str) -> Self {
        let d = std::env::temp_dir()
            .join(format!("{prefix}-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("create test directory");
        Self(d)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TmpDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A current-thread tokio runtime with every driver enabled.
///
/// # Panics
/// When the runtime cannot be built (a test setup failure).
pub fn current_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("build tokio runtime")
}

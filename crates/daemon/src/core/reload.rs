//! What surrounds a reload (keepalived's `start_reload` and
//! `reload_config`, core/main.c): `reload_check_config` validates the new
//! configuration in a child first, `reload_file` marks the time the
//! configuration is being read, `config_save_dir` keeps each framework's
//! data dump from before and after.
//!
//! Each setting is the running configuration's, as keepalived reads them
//! from its `global_data` before the new configuration is loaded.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use super::log::target;

/// How long the configuration check may take (keepalived: `5 *
/// TIMER_HZ`).
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// The reload settings of a loaded configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReloadPlan {
    /// `reload_check_config [LOGFILE]`: where the check's report goes
    /// (`/dev/null` without a file).
    pub check_config: Option<PathBuf>,
    /// `reload_file [PATH]`, the default path resolved.
    pub file: Option<PathBuf>,
    /// `config_save_dir DIR`.
    pub save_dir: Option<PathBuf>,
    /// `reload_time_file PATH`.
    pub time_file: Option<PathBuf>,
    /// `reload_repeat`.
    pub repeat: bool,
}

/// The `reload_time_file` watch of the running configuration, if any.
#[derive(Debug, Default)]
pub(crate) struct TimeWatch(Option<tokio::task::JoinHandle<()>>);

impl TimeWatch {
    /// Starts watching `plan`'s time file (inside a tokio runtime).
    pub(crate) fn start(plan: &ReloadPlan) -> Self {
        Self(plan.time_file.clone().map(|path| {
            tokio::spawn(super::reload_time::watch(path, plan.repeat))
        }))
    }

    /// Stops watching (keepalived's `stop_reload_monitor`).
    pub(crate) fn stop(&mut self) {
        if let Some(h) = self.0.take() {
            h.abort();
        }
    }
}

impl Drop for TimeWatch {
    fn drop(&mut self) {
        self.stop();
    }
}

/// keepalived's default `reload_file`: `/run/keepalived/keepalived_INST.reload`
/// with an `instance`, `/run/keepalived/keepalived.reload` with a pid
/// directory, else `/run/keepalived.reload` (global_data.c).
pub fn default_reload_file(instance: Option<&str>, pid_dir: bool) -> PathBuf {
    match instance {
        Some(i) => {
            PathBuf::from(format!("/run/keepalived/keepalived_{i}.reload"))
        }
        None if pid_dir => PathBuf::from("/run/keepalived/keepalived.reload"),
        None => PathBuf::from("/run/keepalived.reload"),
    }
}

/// Runs this program again with the command line it was started with and
/// `--config-test=LOG` (keepalived's `start_validate_reload_conf_child`);
/// true when the new configuration passed. The log is emptied first.
pub(crate) async fn validate(log: &Path) -> bool {
    if let Err(e) = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(log)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::info!(target: target::CORE, "truncate of config check log {} failed - {e}", log.display());
    }
    let exe = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => {
            tracing::info!(target: target::CORE, "readlink(\"/proc/self/exe\") failed - {e} - config-test aborted");
            return false;
        }
    };
    let mut test = std::ffi::OsString::from("--config-test=");
    test.push(log);
    let child = tokio::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .arg(test)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            tracing::info!(target: target::CORE, "Could not run config-test: {e}");
            return false;
        }
    };
    match tokio::time::timeout(CHECK_TIMEOUT, child.wait()).await {
        Ok(Ok(status)) if status.success() => true,
        Ok(Ok(_)) => {
            // keepalived's words.
            tracing::info!(target: target::CORE, "New config failed validation, see {} for details", log.display());
            false
        }
        Ok(Err(e)) => {
            tracing::info!(target: target::CORE, "config check failed: {e}");
            false
        }
        Err(_) => {
            tracing::info!(target: target::CORE, "config check timed out");
            false
        }
    }
}

/// `reload_file`: present while the configuration is being read.
#[derive(Debug)]
pub(crate) struct ReloadFile(Option<PathBuf>);

impl ReloadFile {
    /// Creates `path` (mode 0644, whatever the umask, as keepalived
    /// does), if configured.
    pub(crate) fn create(path: Option<&Path>) -> Self {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let Some(path) = path else { return Self(None) };
        let made = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o644)
            .open(path)
            .and_then(|f| {
                f.set_permissions(std::fs::Permissions::from_mode(0o644))
            });
        if let Err(e) = made {
            tracing::info!(target: target::CORE, "Failed to create reload file ({}) - {e}", path.display());
        }
        Self(Some(path.to_owned()))
    }
}

impl Drop for ReloadFile {
    fn drop(&mut self) {
        if let Some(p) = &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// `config_save_dir`: writes `text`, a framework's data dump, to
/// `DIR/keepalived_PROCESS.PID.N.pre|post` (keepalived's `save_config`;
/// `process` is `vrrp`, `check` or `bfd`, `n` counts reloads from 1).
pub(crate) fn save(dir: &Path, process: &str, n: u32, post: bool, text: &str) {
    use std::os::unix::fs::DirBuilderExt;
    // keepalived compat: a missing directory is created, mode 0700.
    let _ = std::fs::DirBuilder::new().mode(0o700).create(dir);
    let when = if post { "post" } else { "pre" };
    let pid = std::process::id();
    let path = dir.join(format!("keepalived_{process}.{pid}.{n}.{when}"));
    if let Err(e) = ka_sys::files::write_private(&path, text.as_bytes()) {
        tracing::info!(target: target::CORE, "Failed to open config_save file {} - {e}", path.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_reload_files_are_keepalived_s() {
        let p = |i, d| default_reload_file(i, d).display().to_string();
        assert_eq!(p(None, false), "/run/keepalived.reload");
        assert_eq!(p(None, true), "/run/keepalived/keepalived.reload");
        assert_eq!(
            p(Some("lb1"), true),
            "/run/keepalived/keepalived_lb1.reload"
        );
    }

    #[test]
    fn the_reload_file_exists_while_held() {
        let dir = std::env::temp_dir()
            .join(format!("ka-reload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("k.reload");
        {
            let _f = ReloadFile::create(Some(&path));
            let meta = std::fs::metadata(&path).unwrap();
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(meta.permissions().mode() & 0o777, 0o644);
        }
        assert!(!path.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

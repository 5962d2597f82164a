//! The files and command line of a keepalived-compatible daemon in a lab:
//! keepalived 2.2.7 and keepalived-rs take the same options, so tests and
//! benchmarks start either one the same way.

use std::path::{Path, PathBuf};

use crate::{CmdError, Lab};

/// A daemon's configuration and pid files. Every pid file lives in the
/// lab's folder: tests run in parallel and must not share the defaults in
/// `/run` (keepalived refuses to start beside a live pid file).
#[derive(Debug, Clone)]
pub struct DaemonFiles {
    pub conf: PathBuf,
    pub main: PathBuf,
    pub vrrp: PathBuf,
    pub chk: PathBuf,
    pub bfd: PathBuf,
}

impl DaemonFiles {
    /// `LABEL.conf`, `LABEL.pid`, `LABEL-vrrp.pid`, `LABEL-chk.pid` and
    /// `LABEL-bfd.pid` in `dir`.
    pub fn new(dir: &Path, label: &str) -> Self {
        let file = |tail: &str| dir.join(format!("{label}{tail}"));
        Self {
            conf: file(".conf"),
            main: file(".pid"),
            vrrp: file("-vrrp.pid"),
            chk: file("-chk.pid"),
            bfd: file("-bfd.pid"),
        }
    }

    /// [`DaemonFiles::new`] with `conf` written and the pid files an
    /// earlier start left removed (a reader must not see a stale pid).
    pub fn write(dir: &Path, label: &str, conf: &str) -> Result<Self, String> {
        let files = Self::new(dir, label);
        std::fs::write(&files.conf, conf)
            .map_err(|e| format!("write {}: {e}", files.conf.display()))?;
        for pid in [&files.main, &files.vrrp, &files.chk, &files.bfd] {
            let _ = std::fs::remove_file(pid);
        }
        Ok(files)
    }

    /// In the foreground (`-n`), logging to the console (`-l`) with detail
    /// (`-D`), on this configuration and these pid files.
    pub fn args(&self) -> Vec<String> {
        let mut args: Vec<String> = ["-n", "-l", "-D"].map(String::from).into();
        for (option, path) in [
            ("-f", &self.conf),
            ("-p", &self.main),
            ("-r", &self.vrrp),
            ("-c", &self.chk),
            ("-b", &self.bfd),
        ] {
            args.push(option.into());
            args.push(path.display().to_string());
        }
        args
    }

    /// Reads the pid a pid file holds, if it is there.
    pub fn read_pid(path: &Path) -> Option<u32> {
        std::fs::read_to_string(path).ok()?.trim().parse().ok()
    }
}

impl Lab {
    /// Starts the daemon `prog` (keepalived or keepalived-rs) in host `i`
    /// on `files` ([`DaemonFiles::args`]), with `env` (`NAME=value`) in its
    /// environment and `extra` options after the common ones; its output
    /// goes to `LABEL.log`. Returns its pid.
    pub fn start_daemon(
        &mut self,
        i: usize,
        label: &str,
        prog: &str,
        files: &DaemonFiles,
        env: &[&str],
        extra: &[&str],
    ) -> Result<u32, CmdError> {
        let common = files.args();
        let mut args: Vec<&str> = env.to_vec();
        args.push(prog);
        args.extend(common.iter().map(String::as_str));
        args.extend_from_slice(extra);
        self.spawn(i, label, "env", &args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_names_every_file() {
        let f = DaemonFiles::new(Path::new("/lab"), "a");
        assert_eq!(
            f.args().join(" "),
            "-n -l -D -f /lab/a.conf -p /lab/a.pid -r /lab/a-vrrp.pid \
             -c /lab/a-chk.pid -b /lab/a-bfd.pid"
        );
    }
}

//! `-t, --config-test[=LOG_FILE]` and `--dump-config`: load the
//! configuration, report every finding and exit with keepalived's status.
//!
//! keepalived's statuses in this mode (`keepalived/core/main.c:
//! config_test_exit`, `lib/scheduler.h: chk_exit_code`): 0 when nothing
//! was reported; 4 when the configuration cannot run (missing file with
//! `-e`, …); 5 for any configuration error; 6 for a script security
//! violation. keepalived keeps the *highest* `config_err_t` reported, and
//! the security violation is the highest, so 6 wins over 5.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use ka_config::{LoadOptions, Loaded};

use crate::cli::Options;
use crate::host::SystemHost;

/// Exit status: nothing wrong.
pub(crate) const EXIT_OK: i32 = 0;
/// Exit status: the configuration cannot run (`KEEPALIVED_CHK_EXIT_CONFIG`).
pub(crate) const EXIT_CANNOT_RUN: i32 = 4;
/// Exit status: configuration errors (`KEEPALIVED_CHK_EXIT_CONFIG_TEST`).
pub(crate) const EXIT_CONFIG_ERROR: i32 = 5;
/// keepalived's default configuration file.
pub(crate) const DEFAULT_CONFIG_FILE: &str = "/etc/keepalived/keepalived.conf";

/// The `-t` exit status for a loaded configuration.
pub(crate) fn exit_status(loaded: &Loaded) -> i32 {
    loaded.diagnostics.config_test_status()
}

/// Runs the configuration test; returns the exit status.
pub(crate) fn run(opts: &Options) -> i32 {
    // keepalived compat: `-t=LOG_FILE` sends the report to that file
    // (appended, created 0644, never through a symlink); failing to open it
    // is EXIT_FAILURE.
    let mut out: Box<dyn Write> =
        match opts.config_test.as_ref().and_then(Option::as_ref) {
            Some(path) => match open_log(path) {
                Ok(f) => Box::new(f),
                Err(e) => {
                    eprintln!(
                        "Unable to open config-test log file {} - {e}",
                        path.display()
                    );
                    return 1;
                }
            },
            None => Box::new(io::stderr()),
        };
    let path = match find_config_file(opts, &mut out) {
        Ok(path) => path,
        Err(status) => return status,
    };
    let load_opts = LoadOptions {
        config_id: opts.config_id.clone(),
        strict: opts.strict_config,
        check_all_includes: opts.all_config,
    };
    let loaded = ka_config::load(&path.file, &SystemHost, &load_opts);
    let mut report = loaded.diagnostics.render(&loaded.sources);
    if let Some(first) = path.multiple {
        report.insert_str(0, &first);
    }
    let _ = out.write_all(report.as_bytes());
    let _ = out.flush();
    if opts.dump_config {
        match serde_json::to_string_pretty(&loaded.config) {
            Ok(json) => println!("{json}"),
            Err(e) => eprintln!(
                "keepalived-rs: cannot print the configuration as JSON: {e}"
            ),
        }
    }
    let status = exit_status(&loaded);
    if path.multiple_is_error && status == EXIT_OK {
        EXIT_CONFIG_ERROR
    } else {
        status
    }
}

/// The file to load, after keepalived's checks on `-f`.
struct ConfigPath {
    file: PathBuf,
    /// keepalived's warning when `-f` matched several files.
    multiple: Option<String>,
    multiple_is_error: bool,
}

/// keepalived compat (`lib/parser.c: check_conf_file`, `read_conf_file`):
/// `-f` is a glob. No match is only logged and the test passes (status 0)
/// unless `-e` asks for every file to exist (status 4); a directory is
/// skipped the same way; several matches are a configuration error, and
/// keepalived reads them all (keepalived-rs reads the first only).
fn find_config_file(
    opts: &Options,
    out: &mut dyn Write,
) -> Result<ConfigPath, i32> {
    let name = opts
        .config_file
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_FILE));
    let missing = if opts.all_config {
        EXIT_CANNOT_RUN
    } else {
        EXIT_OK
    };
    let text = name.to_string_lossy().into_owned();
    let matches: Vec<PathBuf> = match glob::glob(&text) {
        Ok(paths) => paths.filter_map(Result::ok).collect(),
        Err(_) => vec![name.clone()],
    };
    let Some(first) = matches.first().cloned() else {
        let _ = writeln!(out, "Config files missing '{text}'.");
        return Err(missing);
    };
    if first.is_dir() {
        let shown = first.to_string_lossy();
        let shown = shown.trim_end_matches('/');
        let _ = writeln!(
            out,
            "Configuration file '{shown}/' is a directory - skipping"
        );
        return Err(missing);
    }
    let multiple = (matches.len() > 1).then(|| {
        format!(
            "WARNING, multiple configuration file matches of {text}, starting with {}\n\
             keepalived-rs: only {} is read\n",
            first.display(),
            first.display()
        )
    });
    Ok(ConfigPath {
        file: first,
        multiple_is_error: multiple.is_some(),
        multiple,
    })
}

/// Opens the `-t` log file as keepalived does: append, create 0644, and
/// refuse a symlink (keepalived opens with `O_NOFOLLOW`; std has no
/// portable constant for it, so the link is checked first).
fn open_log(path: &Path) -> io::Result<std::fs::File> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
    {
        return Err(io::Error::other("Too many levels of symbolic links"));
    }
    OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o644)
        .open(path)
}

//! `keepalived-rs ctl`: asks a running daemon through its control socket
//! (`ka_daemon::core::control_socket`) and prints the answer as tables,
//! or as JSON with `--json`. Exit status 0 when answered, 1 when the
//! daemon cannot be reached or refuses (or a reload is not taken), 2 for
//! a bad command line.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use ka_daemon::core::control_socket::{DEFAULT_PATH, Request};
use ka_daemon::core::status_json::Response;
use lexopt::{Arg, Parser};

use crate::ctl_table;

/// How long `ctl` waits for an answer (a reload loads the whole
/// configuration first).
const ANSWER_WAIT: Duration = Duration::from_secs(40);

/// The largest answer read (a dump of thousands of real servers fits).
const MAX_ANSWER: u64 = 64 * 1024 * 1024;

/// The `ctl` usage text.
pub(crate) fn usage(prog: &str) -> String {
    format!(
        "Usage: {prog} ctl [--socket PATH] [--json] COMMAND
Ask a running keepalived-rs through its control socket.

Commands:
  status           the process: pid, version, uptime, what runs, totals
  instances        VRRP instances: state, priorities, master, VIPs, counters
  virtual-servers  virtual servers and their real servers
  bfd              BFD sessions
  reload           reload the configuration as SIGHUP does
  dump             everything above, with the VRRP trackers

Options:
  -s, --socket PATH  the daemon's control socket (default {DEFAULT_PATH})
  -j, --json         print the answer as JSON instead of tables
  -h, --help         print this text
"
    )
}

/// Why `ctl` printed no answer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CtlError {
    /// A bad option or value.
    #[error("{0}")]
    Usage(#[from] lexopt::Error),
    /// A command `ctl` does not know.
    #[error("unknown command {0:?}")]
    UnknownCommand(String),
    /// No command.
    #[error("no command given")]
    NoCommand,
    /// The socket cannot be reached.
    #[error("cannot connect to {}: {source}{hint}", .path.display())]
    Connect {
        /// The socket.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
        /// What it probably means.
        hint: &'static str,
    },
    /// Sending or reading failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The socket.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The daemon closed the connection without an answer.
    #[error("{}: the daemon closed the connection", .0.display())]
    Closed(PathBuf),
    /// The answer is not what the daemon sends.
    #[error("unreadable answer from the daemon: {0}")]
    Unreadable(#[source] serde_json::Error),
    /// The daemon refused the request (its `error` answer).
    #[error("{0}")]
    Refused(String),
}

/// What the `ctl` command line asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Invocation {
    /// Ask the daemon.
    Ask {
        /// The socket.
        socket: PathBuf,
        /// Print JSON.
        json: bool,
        /// The command.
        request: Request,
    },
    /// `--help`.
    Help,
}

/// Parses the arguments after `ctl`.
pub(crate) fn parse(args: &[String]) -> Result<Invocation, CtlError> {
    let mut p = Parser::from_args(args.iter());
    let mut socket = PathBuf::from(DEFAULT_PATH);
    let mut json = false;
    let mut request = None;
    while let Some(arg) = p.next()? {
        match arg {
            Arg::Short('h') | Arg::Long("help") => return Ok(Invocation::Help),
            Arg::Short('j') | Arg::Long("json") => json = true,
            Arg::Short('s') | Arg::Long("socket") => {
                socket = p.value()?.into();
            }
            Arg::Value(v) if request.is_none() => {
                let name = v.to_string_lossy();
                request = Some(Request::from_name(&name).ok_or_else(|| {
                    CtlError::UnknownCommand(name.into_owned())
                })?);
            }
            other => return Err(other.unexpected().into()),
        }
    }
    let request = request.ok_or(CtlError::NoCommand)?;
    Ok(Invocation::Ask {
        socket,
        json,
        request,
    })
}

/// Runs `ctl` with the arguments after it; returns the exit status.
pub(crate) fn main(prog: &str, args: &[String]) -> i32 {
    let (socket, json, request) = match parse(args) {
        Ok(Invocation::Help) => {
            print!("{}", usage(prog));
            return 0;
        }
        Ok(Invocation::Ask {
            socket,
            json,
            request,
        }) => (socket, json, request),
        Err(e) => {
            eprintln!("{prog} ctl: {e}\n\n{}", usage(prog));
            return 2;
        }
    };
    let line = match ask(&socket, request) {
        Ok(line) => line,
        Err(e) => {
            eprintln!("{prog} ctl: {e}");
            return 1;
        }
    };
    let shown = if json {
        json_text(&line)
    } else {
        serde_json::from_str::<Response>(&line)
            .map_err(CtlError::Unreadable)
            .and_then(|r| match r {
                Response::Error(e) => Err(CtlError::Refused(e)),
                r => Ok(ctl_table::render(&r, SystemTime::now())),
            })
    };
    match shown {
        Ok(text) => {
            print!("{text}");
            i32::from(refused_reload(&line))
        }
        Err(e) => {
            eprintln!("{prog} ctl: {e}");
            1
        }
    }
}

/// Sends `request` on `socket`; returns the answer line.
fn ask(socket: &Path, request: Request) -> Result<String, CtlError> {
    let mut stream = UnixStream::connect(socket).map_err(|source| {
        let hint = match source.kind() {
            std::io::ErrorKind::NotFound => {
                " (is keepalived-rs running, with this --control-socket?)"
            }
            std::io::ErrorKind::ConnectionRefused => {
                " (the daemon is not running)"
            }
            std::io::ErrorKind::PermissionDenied => {
                " (the control socket is for root only)"
            }
            _ => "",
        };
        CtlError::Connect {
            path: socket.to_path_buf(),
            source,
            hint,
        }
    })?;
    let io = |source| CtlError::Io {
        path: socket.to_path_buf(),
        source,
    };
    stream.set_read_timeout(Some(ANSWER_WAIT)).map_err(io)?;
    stream.set_write_timeout(Some(ANSWER_WAIT)).map_err(io)?;
    // The daemon may answer (a refusal) and close before it reads the
    // request: the write then fails with EPIPE, yet the answer is there.
    let sent = match stream.write_all(request.line().as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(e),
        Err(e) => return Err(io(e)),
        Ok(()) => Ok(()),
    };
    let mut line = String::new();
    let read = BufReader::new(stream.take(MAX_ANSWER)).read_line(&mut line);
    if line.trim().is_empty() {
        return match (sent, read) {
            (Err(e), _) | (Ok(()), Err(e)) => Err(io(e)),
            (Ok(()), Ok(_)) => Err(CtlError::Closed(socket.to_path_buf())),
        };
    }
    Ok(line)
}

/// `--json`: the answer's value, pretty; an `error` answer is an error.
fn json_text(line: &str) -> Result<String, CtlError> {
    let v: serde_json::Value =
        serde_json::from_str(line).map_err(CtlError::Unreadable)?;
    // Checks the shape too: one of the daemon's answers.
    let r: Response =
        serde_json::from_value(v.clone()).map_err(CtlError::Unreadable)?;
    if let Response::Error(e) = r {
        return Err(CtlError::Refused(e));
    }
    let value = v.as_object().and_then(|o| o.values().next()).unwrap_or(&v);
    let mut text =
        serde_json::to_string_pretty(value).map_err(CtlError::Unreadable)?;
    text.push('\n');
    Ok(text)
}

/// A reload the daemon did not take (exit status 1, after printing why).
fn refused_reload(line: &str) -> bool {
    matches!(
        serde_json::from_str::<Response>(line),
        Ok(Response::Reload(r)) if !r.taken
    )
}

#[cfg(test)]
#[path = "ctl_tests.rs"]
mod tests;

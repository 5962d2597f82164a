//! The control socket behind `keepalived-rs ctl`: a Unix stream socket,
//! root only, one JSON request per line (`{"cmd":"status"}`) and one JSON
//! answer per line ([`Response`]). It asks the supervising loop through
//! an [`Operator`], as signals do; it never touches a framework itself.
//!
//! Bounded everywhere: a request line is at most [`MAX_REQUEST`] bytes,
//! a connection idle for [`IDLE_TIMEOUT`] is closed, an answer that cannot
//! be written within [`WRITE_TIMEOUT`] is dropped, and at most
//! [`MAX_CLIENTS`] connections are served at once (the next one is told
//! so and closed). Protocol and fields: docs/control-socket.md.

use std::os::unix::fs::{
    DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::Semaphore;

use super::log::target;
use super::operator::Operator;
use super::status_json::{self as json, ReloadOutcome, Response};

/// Where the daemon listens and `ctl` connects unless told otherwise.
pub const DEFAULT_PATH: &str = "/run/keepalived-rs/control.sock";

/// The longest request line accepted, newline included.
pub const MAX_REQUEST: usize = 64 * 1024;

/// Connections served at once.
pub const MAX_CLIENTS: usize = 8;

/// A connection that sends no complete request for this long is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// An answer not written within this long is dropped with its connection.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a request waits for the supervising loop's answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// A command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// The process and its totals.
    Status,
    /// Every VRRP instance.
    Instances,
    /// Every virtual server.
    VirtualServers,
    /// Every BFD session.
    Bfd,
    /// Reload the configuration, as SIGHUP does.
    Reload,
    /// Everything.
    Dump,
}

/// Every command, by its name on the wire.
pub const COMMANDS: [(&str, Request); 6] = [
    ("status", Request::Status),
    ("instances", Request::Instances),
    ("virtual-servers", Request::VirtualServers),
    ("bfd", Request::Bfd),
    ("reload", Request::Reload),
    ("dump", Request::Dump),
];

impl Request {
    /// Its name on the wire (`virtual-servers`, ...).
    pub fn name(self) -> &'static str {
        COMMANDS
            .iter()
            .find(|(_, r)| *r == self)
            .map_or("status", |(n, _)| n)
    }

    /// The command called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        COMMANDS.iter().find(|(n, _)| *n == name).map(|(_, r)| *r)
    }

    /// The request line a client sends (newline included).
    pub fn line(self) -> String {
        format!("{{\"cmd\":\"{}\"}}\n", self.name())
    }
}

/// Why a request line is refused (the text is sent back as `error`).
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// Longer than [`MAX_REQUEST`].
    #[error("request longer than {MAX_REQUEST} bytes")]
    TooLarge,
    /// Not JSON.
    #[error("request is not JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    /// JSON, but not an object with a string `cmd`.
    #[error("request must be an object with a string \"cmd\"")]
    NoCmd,
    /// A command we do not know.
    #[error(
        "unknown command {0:?}; expected status, instances, virtual-servers, bfd, reload or dump"
    )]
    UnknownCmd(String),
}

/// Parses one request line (without or with its newline).
pub fn parse_request(line: &[u8]) -> Result<Request, RequestError> {
    if line.len() > MAX_REQUEST {
        return Err(RequestError::TooLarge);
    }
    let value: serde_json::Value =
        serde_json::from_slice(line).map_err(RequestError::NotJson)?;
    let cmd = value
        .get("cmd")
        .and_then(serde_json::Value::as_str)
        .ok_or(RequestError::NoCmd)?;
    // `virtual_servers` too: the answer's key is spelled so.
    let name = if cmd == "virtual_servers" {
        "virtual-servers"
    } else {
        cmd
    };
    Request::from_name(name).ok_or_else(|| RequestError::UnknownCmd(cmd.into()))
}

/// Why the control socket cannot listen.
#[derive(Debug, thiserror::Error)]
pub enum SocketError {
    /// The directory cannot be created.
    #[error("cannot create {}: {source}", .path.display())]
    Dir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Another process answers on the path.
    #[error("{} is in use by another process", .0.display())]
    InUse(PathBuf),
    /// Something other than a socket is there.
    #[error("{} exists and is not a socket", .0.display())]
    NotSocket(PathBuf),
    /// A stale socket cannot be removed.
    #[error("cannot remove the stale socket {}: {source}", .path.display())]
    Stale {
        /// The socket.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// bind, chmod or stat failed.
    #[error("cannot listen on {}: {source}", .path.display())]
    Listen {
        /// The socket.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Our socket file: removed on drop if it is still ours (not replaced
/// by another daemon's).
#[derive(Debug)]
pub struct SocketFile {
    path: PathBuf,
    id: FileId,
}

/// What tells one file from another at the same path: device and inode,
/// and the inode's change time (a freed inode number is soon reused).
type FileId = (u64, u64, i64, i64);

fn file_id(m: &std::fs::Metadata) -> FileId {
    (m.dev(), m.ino(), m.ctime(), m.ctime_nsec())
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        let ours = std::fs::symlink_metadata(&self.path)
            .is_ok_and(|m| file_id(&m) == self.id);
        if ours {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Listens on `path`, mode 0600: creates its directory (0700) when
/// missing, replaces a stale socket, refuses to take one another process
/// still answers on.
pub fn bind(path: &Path) -> Result<(UnixListener, SocketFile), SocketError> {
    let listen = |source| SocketError::Listen {
        path: path.to_path_buf(),
        source,
    };
    let missing_dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.exists());
    if let Some(dir) = missing_dir {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|source| SocketError::Dir {
                path: dir.to_path_buf(),
                source,
            })?;
    }
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if !meta.file_type().is_socket() {
            return Err(SocketError::NotSocket(path.to_path_buf()));
        }
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(SocketError::InUse(path.to_path_buf()));
        }
        std::fs::remove_file(path).map_err(|source| SocketError::Stale {
            path: path.to_path_buf(),
            source,
        })?;
    }
    let listener = UnixListener::bind(path).map_err(listen)?;
    // The umask (0177 by default) already leaves 0600; `-u` may not.
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(listen)?;
    let meta = std::fs::symlink_metadata(path).map_err(listen)?;
    let file = SocketFile {
        path: path.to_path_buf(),
        id: file_id(&meta),
    };
    Ok((listener, file))
}

/// Starts the control socket on `path` (a task answering through `op`);
/// a failure is logged and the daemon runs without it.
pub fn start(op: &Operator, path: &Path) {
    match bind(path) {
        Ok((listener, file)) => {
            tracing::debug!(target: target::CORE, "control socket listening on {}", path.display());
            tokio::spawn(serve(listener, file, op.clone()));
        }
        Err(e) => {
            tracing::warn!(target: target::CORE, "control socket not started: {e}");
        }
    }
}

/// Accepts connections until the runtime ends; `file` is removed then.
pub async fn serve(listener: UnixListener, file: SocketFile, op: Operator) {
    let _file = file;
    let slots = Arc::new(Semaphore::new(MAX_CLIENTS));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!(target: target::CORE, "control socket: accept failed: {e}");
                // EMFILE and the like: give the other tasks a moment.
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let op = op.clone();
        match Arc::clone(&slots).try_acquire_owned() {
            Ok(permit) => {
                tokio::spawn(async move {
                    connection(stream, &op).await;
                    drop(permit);
                });
            }
            Err(_) => {
                tokio::spawn(async move {
                    let busy = Response::Error(format!(
                        "too many control connections (at most {MAX_CLIENTS})"
                    ));
                    let mut stream = stream;
                    let _ = send(&mut stream, &busy).await;
                });
            }
        }
    }
}

/// Whether a peer with uid `uid` may use the socket: root, or the user
/// the daemon runs as.
pub fn allowed(uid: u32, ours: u32) -> bool {
    uid == 0 || uid == ours
}

/// Serves one connection: requests line by line until EOF, an idle
/// timeout, an oversized request or a write that does not complete.
async fn connection(mut stream: UnixStream, op: &Operator) {
    let ours = nix::unistd::geteuid().as_raw();
    match stream.peer_cred() {
        Ok(cred) if allowed(cred.uid(), ours) => {}
        Ok(cred) => {
            tracing::warn!(target: target::CORE, "control socket: refused a client with uid {} (pid {:?})", cred.uid(), cred.pid());
            let no = Response::Error(format!(
                "permission denied: uid {} may not use the control socket",
                cred.uid()
            ));
            let _ = send(&mut stream, &no).await;
            return;
        }
        Err(e) => {
            tracing::warn!(target: target::CORE, "control socket: no peer credentials: {e}");
            return;
        }
    }
    let (rd, mut wr) = stream.split();
    let mut rd = BufReader::new(rd);
    let mut line = Vec::new();
    loop {
        line.clear();
        let limit = u64::try_from(MAX_REQUEST).unwrap_or(u64::MAX) + 1;
        let mut bounded = (&mut rd).take(limit);
        let read = bounded.read_until(b'\n', &mut line);
        match tokio::time::timeout(IDLE_TIMEOUT, read).await {
            Ok(Ok(n)) if n > 0 => {}
            // EOF, a read error, or idle too long.
            _ => return,
        }
        if line.len() > MAX_REQUEST {
            // The rest of the line cannot be told from the next request.
            let big = Response::Error(RequestError::TooLarge.to_string());
            let _ = send(&mut wr, &big).await;
            return;
        }
        let complete = line.ends_with(b"\n");
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let answer = match parse_request(text) {
            Ok(req) => answer(op, req).await,
            Err(e) => Response::Error(e.to_string()),
        };
        if send(&mut wr, &answer).await.is_err() || !complete {
            return;
        }
    }
}

/// Writes one answer line, bounded by [`WRITE_TIMEOUT`].
async fn send<W: AsyncWriteExt + Unpin>(
    w: &mut W,
    r: &Response,
) -> std::io::Result<()> {
    let mut text = serde_json::to_string(r).map_err(std::io::Error::other)?;
    text.push('\n');
    let write = async {
        w.write_all(text.as_bytes()).await?;
        w.flush().await
    };
    tokio::time::timeout(WRITE_TIMEOUT, write)
        .await
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))?
}

/// Answers one request through the supervising loop.
pub async fn answer(op: &Operator, req: Request) -> Response {
    let stopping = || Response::Error("the daemon is stopping".into());
    if req == Request::Reload {
        tracing::info!(target: target::CORE, "Reload requested on the control socket");
        return match tokio::time::timeout(ANSWER_TIMEOUT, op.reload()).await {
            Ok(Some(Ok(()))) => Response::Reload(ReloadOutcome {
                taken: true,
                error: None,
            }),
            Ok(Some(Err(e))) => Response::Reload(ReloadOutcome {
                taken: false,
                error: Some(e.to_string()),
            }),
            Ok(None) => stopping(),
            Err(_) => {
                Response::Error("the daemon did not answer in time".into())
            }
        };
    }
    let status = match tokio::time::timeout(ANSWER_TIMEOUT, op.status()).await {
        Ok(Some(s)) => s,
        Ok(None) => return stopping(),
        Err(_) => {
            return Response::Error("the daemon did not answer in time".into());
        }
    };
    let now = SystemTime::now();
    match req {
        Request::Status => Response::Status(json::process_status(&status, now)),
        Request::Instances => {
            Response::Instances(json::instances(&status, now))
        }
        Request::VirtualServers => {
            Response::VirtualServers(json::virtual_servers(&status))
        }
        Request::Bfd => Response::Bfd(json::bfd_sessions(&status)),
        // `Reload` was answered above.
        Request::Dump | Request::Reload => {
            Response::Dump(Box::new(json::dump(&status, now)))
        }
    }
}

#[cfg(test)]
#[path = "control_socket_tests.rs"]
mod tests;

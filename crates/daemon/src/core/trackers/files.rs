//! The `track_file` driver: initialise each file as `init_file` asks,
//! read its value, and publish every change on the bus as
//! [`Signal::FileValue`], watching the file's directory with inotify
//! so replacement by rename and deletion are seen.
//!
//! The engines apply weights, `reverse` and the FAULT threshold; this
//! driver only says what number the file holds, parsed exactly as
//! keepalived 2.2.7 does (`track_file.c: process_track_file`).

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use ka_sys::inotify::{Change, DirWatcher, WatchId};
use nix::fcntl::OFlag;
use tokio::task::JoinHandle;

use super::{FileTracker, InitFile};
use crate::core::bus::{Bus, Signal};
use crate::core::log::target;

/// keepalived compat: `read(fd, buf, sizeof(buf) - 1)` with a 128-byte
/// buffer: only the first 127 bytes of the file count.
const READ_MAX: usize = 127;

/// keepalived compat: files keepalived creates get 0666 & ~umask_val, and
/// its default umask_val is 0177, so 0600.
const INIT_MODE: u32 = 0o600;

/// A tracked file being watched.
#[derive(Debug)]
struct Watched {
    name: String,
    path: PathBuf,
    watch: Option<WatchId>,
    file_part: OsString,
    value: i64,
}

/// Initialises and reads every file now (so the values are queued before
/// the engine starts), then watches them in one task. `reload` is true on
/// SIGHUP: existing files are then never overwritten.
pub(crate) fn spawn_files(
    files: &[FileTracker],
    reload: bool,
    bus: &Bus,
) -> Option<JoinHandle<()>> {
    if files.is_empty() {
        return None;
    }
    let mut watched = Vec::new();
    for f in files {
        if let Some(init) = f.init_file
            && let Err(e) = init_file(Path::new(&f.path), init, reload)
        {
            tracing::warn!(target: target::VRRP, "Unable to initialise track file {} - {e}", f.name);
        }
        match resolve(&f.path) {
            Ok((path, exists)) => {
                // keepalived compat: a missing file reads as 0.
                let value = if exists {
                    read_value(&path).unwrap_or(0)
                } else {
                    0
                };
                let file_part =
                    path.file_name().map(OsString::from).unwrap_or_default();
                watched.push(Watched {
                    name: f.name.clone(),
                    path,
                    watch: None,
                    file_part,
                    value,
                });
            }
            Err(why) => {
                tracing::warn!(target: target::VRRP, "Track file {} {why}", f.name)
            }
        }
    }
    for w in &watched {
        bus.publish(&Signal::FileValue {
            file: w.name.clone(),
            value: w.value,
        });
    }
    let watcher = match DirWatcher::new() {
        Ok(w) => w,
        Err(e) => {
            tracing::warn!(target: target::VRRP, "Unable to monitor track files - {e}");
            return None;
        }
    };
    for w in &mut watched {
        let dir = w.path.parent().unwrap_or(Path::new("/"));
        match watcher.watch(dir) {
            Ok(id) => w.watch = Some(id),
            Err(e) => {
                tracing::warn!(target: target::VRRP, "Unable to watch {} for track file {} - {e}", dir.display(), w.name)
            }
        }
    }
    Some(tokio::spawn(watch_loop(watcher, watched, bus.clone())))
}

/// Reads inotify events forever, reporting changed values.
async fn watch_loop(watcher: DirWatcher, mut files: Vec<Watched>, bus: Bus) {
    let index: HashMap<(WatchId, OsString), Vec<usize>> = files
        .iter()
        .enumerate()
        .fold(HashMap::new(), |mut m, (i, w)| {
            if let Some(id) = w.watch {
                m.entry((id, w.file_part.clone())).or_default().push(i);
            }
            m
        });
    loop {
        let events = match watcher.next().await {
            Ok(ev) => ev,
            Err(e) => {
                tracing::warn!(target: target::VRRP, "inotify read() returned error - {e}");
                return;
            }
        };
        for ev in events {
            let hit: Vec<usize> = match (ev.change, ev.watch) {
                // Lost events: anything may have changed (keepalived
                // ignores overflows; rereading is strictly better).
                (Change::Overflow, _) | (_, None) => (0..files.len()).collect(),
                (_, Some(id)) => {
                    index.get(&(id, ev.name)).cloned().unwrap_or_default()
                }
            };
            for i in hit {
                let w = &mut files[i];
                let new = match ev.change {
                    // keepalived compat: a file deleted or moved away
                    // counts as 0.
                    Change::Gone => Some(0),
                    Change::Written | Change::Overflow => read_value(&w.path),
                };
                if let Some(v) = new.filter(|v| *v != w.value) {
                    w.value = v;
                    if !bus.publish(&Signal::FileValue {
                        file: w.name.clone(),
                        value: v,
                    }) {
                        return;
                    }
                }
            }
        }
    }
}

/// The file's value: `Some(0)` if it cannot be opened or is empty, `None`
/// (keep the old value) if the number is out of range.
fn read_value(path: &Path) -> Option<i64> {
    let Ok(mut f) = OpenOptions::new()
        .read(true)
        .custom_flags(OFlag::O_NONBLOCK.bits())
        .open(path)
    else {
        return Some(0);
    };
    let mut buf = [0u8; READ_MAX];
    let Ok(len) = f.read(&mut buf) else {
        return Some(0);
    };
    let v = parse_value(&buf[..len]);
    if v.is_none() {
        tracing::info!(target: target::VRRP, "Invalid number read from {} - ignoring", path.display());
    }
    v
}

/// Parses a file's contents as keepalived does: `strtol(buf, NULL, 0)`,
/// then values outside [-2^31, 2^31] are ignored (`None`).
pub(super) fn parse_value(buf: &[u8]) -> Option<i64> {
    let v = strtol0(buf)?;
    // keepalived compat: the upper bound is INT32_MAX + 1, not INT32_MAX.
    (i64::from(i32::MIN)..=i64::from(i32::MAX) + 1)
        .contains(&v)
        .then_some(v)
}

/// C `strtol` with base 0 (64-bit `long`): leading white space, a sign,
/// `0x` for hexadecimal, a leading `0` for octal, then as many digits as
/// fit; no digits at all gives 0, overflow gives `None` (ERANGE).
fn strtol0(s: &[u8]) -> Option<i64> {
    let mut i = s
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .count();
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let at = |k: usize| s.get(k).copied().unwrap_or(0);
    let radix = if at(i) == b'0'
        && matches!(at(i + 1), b'x' | b'X')
        && at(i + 2).is_ascii_hexdigit()
    {
        i += 2;
        16
    } else if at(i) == b'0' {
        8
    } else {
        10
    };
    let mut mag: u64 = 0;
    while let Some(d) = (at(i) as char).to_digit(radix) {
        mag = mag
            .checked_mul(u64::from(radix))?
            .checked_add(u64::from(d))?;
        i += 1;
    }
    if neg {
        0i64.checked_sub_unsigned(mag)
    } else {
        i64::try_from(mag).ok()
    }
}

/// Resolves the tracked path as keepalived does (`init_track_files`):
/// symlinks followed; a missing file is fine if its directory exists.
/// Returns the path and whether the file exists.
fn resolve(path: &str) -> Result<(PathBuf, bool), String> {
    match std::fs::canonicalize(path) {
        Ok(p) => Ok((p, true)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let (dir, file) = match path.rfind('/') {
                // keepalived resolves "" (and so loses /FILE); "/" is
                // what was meant.
                Some(0) => ("/", &path[1..]),
                Some(i) => (&path[..i], &path[i + 1..]),
                None => (".", path),
            };
            match std::fs::canonicalize(dir) {
                Ok(d) if d.is_dir() => Ok((d.join(file), false)),
                _ => Err("directory does not exist - removing".into()),
            }
        }
        Err(_) => Err("is not accessible - ignoring".into()),
    }
}

/// `init_file VALUE [overwrite]` (keepalived `track_file_end_handler`):
/// write the value if the file is missing; with `overwrite`, also if it
/// exists, but only over a regular file and never on reload.
fn init_file(path: &Path, init: InitFile, reload: bool) -> io::Result<()> {
    if let Ok(m) = std::fs::metadata(path) {
        if !init.overwrite {
            return Ok(());
        }
        if !m.is_file() {
            return Err(io::Error::other("it is not a regular file"));
        }
        if reload {
            return Ok(());
        }
    }
    write_value(path, init.value)
}

/// Writes `VALUE\n` to a new private file beside `path` and renames it
/// over `path` (keepalived `fopen_safe(path, "w")`), so a reader never
/// sees a half-written file and a planted symlink is replaced, not
/// followed.
fn write_value(path: &Path, value: i32) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    tmp.push(format!("{:06x}", (nanos ^ std::process::id()) & 0xff_ffff));
    let tmp = PathBuf::from(tmp);
    let mut f: File = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(INIT_MODE)
        .custom_flags((OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC).bits())
        .open(&tmp)?;
    let done = f
        .set_permissions(std::fs::Permissions::from_mode(INIT_MODE))
        .and_then(|()| writeln!(f, "{value}"))
        .and_then(|()| std::fs::rename(&tmp, path));
    if done.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn temp_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir()
            .join(format!("ka-trackfile-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn values_parse_like_strtol_base_0() {
        let cases: &[(&str, Option<i64>)] = &[
            ("5\n", Some(5)),
            ("  \t-12abc", Some(-12)),
            ("+7", Some(7)),
            ("", Some(0)),
            ("abc", Some(0)),
            ("- 5", Some(0)),
            ("0x1F", Some(31)),
            ("-0x10", Some(-16)),
            ("0x", Some(0)),
            ("0xg", Some(0)),
            ("010", Some(8)),
            ("08", Some(0)),
            ("2147483648", Some(2_147_483_648)),
            ("2147483649", None),
            ("-2147483648", Some(-2_147_483_648)),
            ("-2147483649", None),
            ("99999999999999999999", None),
            ("\n\n42 trailing", Some(42)),
        ];
        for (text, want) in cases {
            assert_eq!(parse_value(text.as_bytes()), *want, "{text:?}");
        }
    }

    #[test]
    fn init_file_creates_overwrites_and_respects_reload() {
        let dir = temp_dir("init");
        let p = dir.join("f");
        let init = |value, overwrite| InitFile { value, overwrite };
        init_file(&p, init(5, false), false).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "5\n");
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        init_file(&p, init(6, false), false).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "5\n");
        init_file(&p, init(-7, true), true).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "5\n");
        init_file(&p, init(-7, true), false).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "-7\n");
        std::fs::remove_file(&p).unwrap();
        init_file(&p, init(3, true), true).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "3\n");
        assert!(init_file(&dir, init(1, true), false).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn missing_files_resolve_through_their_directory() {
        let dir = temp_dir("resolve");
        let p = dir.join("absent");
        let (got, exists) = resolve(p.to_str().unwrap()).unwrap();
        assert_eq!(
            (got, exists),
            (std::fs::canonicalize(&dir).unwrap().join("absent"), false)
        );
        assert!(resolve(dir.join("nodir/x").to_str().unwrap()).is_err());
        assert_eq!(read_value(&p), Some(0));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Receives the next value reported for `file` (bounded by 5 s).
    async fn next_value(
        rx: &mut tokio::sync::mpsc::UnboundedReceiver<Signal>,
    ) -> i64 {
        match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
            Ok(Some(Signal::FileValue { value, .. })) => value,
            other => panic!("no file event: {other:?}"),
        }
    }

    #[test]
    fn the_driver_reports_initial_value_writes_renames_and_deletion() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let dir = temp_dir("driver");
            let p = dir.join("val");
            let tracker = FileTracker {
                name: "F".into(),
                path: p.display().to_string(),
                init_file: Some(InitFile {
                    value: 4,
                    overwrite: false,
                }),
            };
            let bus = Bus::default();
            let mut rx = bus.subscribe();
            let task = spawn_files(&[tracker], false, &bus).expect("task");
            assert_eq!(next_value(&mut rx).await, 4);
            std::fs::write(&p, "-20\n").unwrap();
            assert_eq!(next_value(&mut rx).await, -20);
            std::fs::write(dir.join("tmp"), "0x11").unwrap();
            std::fs::rename(dir.join("tmp"), &p).unwrap();
            assert_eq!(next_value(&mut rx).await, 17);
            std::fs::remove_file(&p).unwrap();
            assert_eq!(next_value(&mut rx).await, 0);
            std::fs::write(&p, "9").unwrap();
            assert_eq!(next_value(&mut rx).await, 9);
            task.abort();
            let _ = std::fs::remove_dir_all(&dir);
        });
    }
}

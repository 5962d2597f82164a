//! `reload_time_file PATH` and `reload_repeat`: a reload at the time the
//! file names (keepalived's core/reload_monitor.c).
//!
//! The file holds `HH:MM:SS`, `YY-MM-DD HH:MM:SS` or `YYYY-MM-DD
//! HH:MM:SS`, local time, or UTC with a trailing `Z`. A time of day
//! already past means tomorrow; a date already past is ignored. Writing
//! the file (re)schedules, removing it cancels. When the time comes the
//! file is removed (kept with `reload_repeat` and a time of day, so the
//! reload repeats daily) and the process reloads as on SIGHUP, which
//! starts the watch again with the reloaded settings. Log lines are
//! keepalived's.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{
    DateTime, Local, LocalResult, NaiveDate, NaiveDateTime, NaiveTime,
    TimeZone, Utc,
};
use ka_sys::inotify::{Change, DirWatcher};

use super::log::target;

/// Why a reload time was not taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeError {
    /// Not one of the three lengths.
    Format,
    /// The fields do not parse.
    Invalid,
    /// Parsed, but no such local time (a date like 02-30, a DST gap).
    NotValid,
    /// A date and time already past.
    Past,
}

/// A parsed reload time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReloadAt {
    /// When.
    pub at: DateTime<Utc>,
    /// A date was given (the file is removed when it fires, even with
    /// `reload_repeat`).
    pub dated: bool,
}

/// Parses the file's first line against `now` (keepalived's
/// `parse_datetime`).
pub fn parse(text: &str, now: DateTime<Utc>) -> Result<ReloadAt, TimeError> {
    let (body, utc) = match text.strip_suffix('Z') {
        Some(b) => (b, true),
        None => (text, false),
    };
    let fmt = match body.len() {
        8 => "%H:%M:%S",
        17 => "%y-%m-%d %H:%M:%S",
        19 => "%Y-%m-%d %H:%M:%S",
        _ => return Err(TimeError::Format),
    };
    let naive = if body.len() == 8 {
        let t = NaiveTime::parse_from_str(body, fmt)
            .map_err(|_| TimeError::Invalid)?;
        let today: NaiveDate = if utc {
            now.date_naive()
        } else {
            now.with_timezone(&Local).date_naive()
        };
        today.and_time(t)
    } else {
        NaiveDateTime::parse_from_str(body, fmt)
            .map_err(|_| TimeError::Invalid)?
    };
    let at = resolve(naive, utc).ok_or(TimeError::NotValid)?;
    if at > now {
        return Ok(ReloadAt {
            at,
            dated: body.len() != 8,
        });
    }
    if body.len() != 8 {
        return Err(TimeError::Past);
    }
    // keepalived compat: a time of day already past is tomorrow's.
    let tomorrow = naive + chrono::Duration::days(1);
    let at = resolve(tomorrow, utc).ok_or(TimeError::NotValid)?;
    Ok(ReloadAt { at, dated: false })
}

/// A wall-clock time in UTC or local time (the earlier of two at a DST
/// fold, as mktime's choice is one of them).
fn resolve(naive: NaiveDateTime, utc: bool) -> Option<DateTime<Utc>> {
    if utc {
        return Some(Utc.from_utc_datetime(&naive));
    }
    match Local.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
            Some(t.with_timezone(&Utc))
        }
        LocalResult::None => None,
    }
}

/// keepalived's `format_time_t`: local time, `%Y-%m-%d %H:%M:%S`.
fn show(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Watches `path` until its time comes, then reloads (SIGHUP to this
/// process). Runs until aborted or fired.
pub(crate) async fn watch(path: PathBuf, repeat: bool) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new("/")
    } else {
        dir
    };
    let Ok(watcher) = DirWatcher::new().and_then(|w| w.watch(dir).map(|_| w))
    else {
        tracing::info!(target: target::CORE, "Unable to monitor reload timer file directory {}- ignoring", dir.display());
        return;
    };
    let mut scheduled = read(&path, None);
    loop {
        let sleep = async {
            match scheduled {
                Some(s) => {
                    let left =
                        (s.at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
                    tokio::time::sleep(left).await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = sleep => {
                let Some(s) = scheduled else { continue };
                if !repeat || s.dated {
                    let _ = std::fs::remove_file(&path);
                }
                if let Err(e) = nix::sys::signal::raise(nix::sys::signal::Signal::SIGHUP) {
                    tracing::error!(target: target::CORE, "cannot start the scheduled reload: {e}");
                }
                return;
            }
            events = watcher.next() => {
                let Ok(events) = events else {
                    cancel(&mut scheduled);
                    tracing::info!(target: target::CORE, "Reload timer file monitoring stopped");
                    return;
                };
                for e in &events {
                    match e.change {
                        Change::Written if e.name == name => scheduled = read(&path, scheduled),
                        Change::Gone if e.name == name => cancel(&mut scheduled),
                        // Events were lost: read the file again.
                        Change::Overflow => scheduled = read(&path, scheduled),
                        _ => {}
                    }
                }
            }
        }
    }
}

fn cancel(scheduled: &mut Option<ReloadAt>) {
    if let Some(s) = scheduled.take() {
        tracing::info!(target: target::CORE, "Cancelling reload scheduled for {}", show(s.at));
    }
}

/// Reads the file and (re)schedules or cancels (keepalived's `read_file`).
fn read(path: &Path, mut scheduled: Option<ReloadAt>) -> Option<ReloadAt> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let Some(line) = text.lines().next().filter(|l| !l.is_empty()) else {
        cancel(&mut scheduled);
        return None;
    };
    let line: String = line.chars().take(20).collect();
    let at = match parse(&line, Utc::now()) {
        Ok(at) => at,
        Err(e) => {
            let why = match e {
                TimeError::Format => {
                    format!("Reload time {line} format is incorrect - ignoring")
                }
                TimeError::Invalid => {
                    format!("Reload date/time {line} invalid - ignoring")
                }
                TimeError::NotValid => {
                    format!("Reload time {line} is not valid - ignoring")
                }
                TimeError::Past => {
                    format!("Reload time {line} is in the past - ignoring")
                }
            };
            tracing::info!(target: target::CORE, "{why}");
            if e == TimeError::Past {
                tracing::info!(target: target::CORE, "Reload date/time is in the past - ignoring");
            } else {
                tracing::info!(target: target::CORE, "Invalid reload time '{line}' specified - ignoring");
            }
            cancel(&mut scheduled);
            return None;
        }
    };
    match scheduled {
        Some(old) if old.at == at.at => {}
        Some(old) => {
            tracing::info!(target: target::CORE, "Reload time updated from {} to {}", show(old.at), show(at.at));
        }
        None => {
            tracing::info!(target: target::CORE, "Scheduling reload for {}", show(at.at))
        }
    }
    Some(at)
}

#[cfg(test)]
#[path = "reload_time_tests.rs"]
mod tests;

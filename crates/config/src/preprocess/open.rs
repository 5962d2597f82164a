//! Opening files: the main configuration, include patterns and the files
//! they match, one after another (keepalived's `open_glob_file`,
//! `open_conf_file`, `get_next_file`, `end_file`, `end_glob`).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use crate::source::Span;

use super::files::{Entry, OpenFile, dir_of};
use super::include::{
    self, INCLUDE_M, INCLUDE_R, INCLUDE_W, file_error, has_brace, has_magic,
};
use super::reader::Reader;

/// Include nesting allowed. keepalived has no limit of its own and stops
/// only when it runs out of file descriptors.
pub(crate) const MAX_INCLUDE_DEPTH: usize = 64;
/// Files that may be opened for one configuration.
pub(crate) const MAX_FILES: usize = 4096;

impl Reader<'_> {
    /// Opens the main configuration file (keepalived `-f`), which may be a
    /// glob read as `R|M|W` checked include.
    pub(crate) fn open_main(&mut self, path: &Path) {
        let s = path.to_string_lossy().into_owned();
        if has_magic(&s) || has_brace(&s) {
            let before = self.stack.len();
            self.open_glob(&s, INCLUDE_R | INCLUDE_M | INCLUDE_W, None);
            if self.stack.len() == before {
                self.diags.error(None, "Failed to open configuration file");
            } else if self.stack.last().is_some_and(|e| !e.pending.is_empty()) {
                self.diags.error(
                    None,
                    format!(
                        "WARNING, multiple configuration file matches of {s}"
                    ),
                );
            }
            return;
        }
        let id = self.sources.add(path, None);
        match self.host.read_to_string(path) {
            Ok(text) => self.push_text(id, path, &text),
            Err(e) => self
                .diags
                .error(None, format!("cannot read {}: {e}", path.display())),
        }
    }

    /// Reads `text` as the main file `name`.
    pub(crate) fn open_text(&mut self, name: &Path, text: &str) {
        let id = self.sources.add(name, None);
        self.push_text(id, name, text);
    }

    fn push_text(
        &mut self,
        id: crate::source::FileId,
        path: &Path,
        text: &str,
    ) {
        let file = OpenFile::new(
            id,
            path.to_path_buf(),
            self.pwd_for(path),
            text,
            self.diags,
        );
        self.stack.push(Entry {
            pending: VecDeque::new(),
            file: Some(file),
            saved_check: self.include_check,
            include_type: 0,
            pattern: path.to_string_lossy().into_owned(),
            span: None,
            opened: 1,
        });
    }

    /// `${_PWD}` for a file: keepalived changes into the directory of each
    /// file whose name has a `/`, and reports `getcwd()`.
    fn pwd_for(&self, path: &Path) -> String {
        let dir = dir_of(path);
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        let dir = if dir.is_absolute() {
            dir
        } else {
            self.host.canonicalize(&dir).unwrap_or(dir)
        };
        dir.to_string_lossy().into_owned()
    }

    /// The directory relative includes are resolved against.
    fn current_dir(&self) -> PathBuf {
        self.stack
            .iter()
            .rev()
            .find_map(|e| e.file.as_ref())
            .map_or_else(PathBuf::new, |f| dir_of(&f.path))
    }

    /// Globs an include pattern and starts reading the first file.
    pub(crate) fn open_glob(
        &mut self,
        pattern: &str,
        flags: u8,
        span: Option<Span>,
    ) {
        if self.stack.len() >= MAX_INCLUDE_DEPTH {
            self.diags.error(
                span,
                format!("includes nested more than {MAX_INCLUDE_DEPTH} deep (include loop?); '{pattern}' skipped"),
            );
            return;
        }
        let checks = self.include_check | flags;
        let dir = self.current_dir();
        let found =
            include::glob(self.host, pattern, &dir, checks, span, self.diags);
        if found.paths.is_empty() {
            return;
        }
        self.stack.push(Entry {
            pending: found.paths.into(),
            file: None,
            saved_check: self.include_check,
            include_type: flags,
            pattern: pattern.to_string(),
            span,
            opened: 0,
        });
        if !self.open_next() {
            self.end_glob();
        }
    }

    /// Opens the next readable file of the current include; false when
    /// none is left.
    fn open_next(&mut self) -> bool {
        loop {
            let Some(entry) = self.stack.last_mut() else {
                return false;
            };
            let Some(path) = entry.pending.pop_front() else {
                return false;
            };
            let checks = self.include_check | entry.include_type;
            let span = entry.span;
            if let Err(msg) = self.check_file(&path) {
                file_error(self.diags, checks, INCLUDE_R, span, msg);
                continue;
            }
            if self
                .stack
                .iter()
                .any(|e| e.file.as_ref().is_some_and(|f| f.path == path))
            {
                // Deliberate difference: keepalived re-opens the file until
                // it runs out of descriptors.
                self.diags.error(
                    span,
                    format!(
                        "include loop: '{}' is already being read; skipped",
                        path.display()
                    ),
                );
                if let Some(entry) = self.stack.last_mut() {
                    entry.opened += 1;
                }
                continue;
            }
            if self.sources.len() >= MAX_FILES {
                self.stop(format!("more than {MAX_FILES} configuration files opened; the rest is ignored"));
                return false;
            }
            match self.host.read_to_string(&path) {
                Ok(text) => self.start_file(path, &text, span),
                Err(e) => {
                    let msg = format!(
                        "Configuration file '{}' open problem ({e}) - skipping",
                        path.display()
                    );
                    file_error(self.diags, checks, INCLUDE_R, span, msg);
                    continue;
                }
            }
            return true;
        }
    }

    /// Registers an opened include file and makes it the current one.
    fn start_file(&mut self, path: PathBuf, text: &str, span: Option<Span>) {
        let id = self.sources.add(&path, span);
        let pwd = self.pwd_for(&path);
        let file = OpenFile::new(id, path, pwd, text, self.diags);
        if let Some(entry) = self.stack.last_mut() {
            entry.file = Some(file);
            entry.opened += 1;
        }
    }

    /// keepalived's `check_glob_file`: directories and executable or
    /// non-regular files are skipped.
    fn check_file(&self, path: &Path) -> Result<(), String> {
        let info = self.host.file_info(path);
        if path.to_string_lossy().ends_with('/')
            || info.is_some_and(|f| f.is_dir)
        {
            let p = path.to_string_lossy();
            let p = p.trim_end_matches('/');
            return Err(format!(
                "Configuration file '{p}/' is a directory - skipping"
            ));
        }
        if info.is_some_and(|f| f.mode & 0o111 != 0) {
            return Err(format!(
                "Configuration file '{}' is not a regular non-executable file - skipping",
                path.display()
            ));
        }
        Ok(())
    }

    /// The current file is finished: restore `include_check`, open the
    /// next match, or end the include.
    pub(crate) fn next_file(&mut self) {
        if let Some(entry) = self.stack.last_mut() {
            entry.file = None;
            self.include_check = entry.saved_check;
        }
        if !self.open_next() {
            self.end_glob();
        }
    }

    /// keepalived's `end_glob`: the include is done.
    fn end_glob(&mut self) {
        if let Some(entry) = self.stack.pop() {
            self.include_check = entry.saved_check;
            if entry.opened == 0 {
                self.diags.warning(
                    entry.span,
                    format!("No config files matched '{}'.", entry.pattern),
                );
            }
        }
    }
}

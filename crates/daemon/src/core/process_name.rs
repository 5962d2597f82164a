//! `process_name`: the name `ps`, `pgrep` and `/proc/PID/comm` show.
//!
//! keepalived compat: keepalived's parent renames itself with
//! `prctl(PR_SET_NAME)` at start and again at a reload that changes the
//! name; a reload that removes it goes back to `keepalived`
//! (lib/utils.c `set_process_name`). Here the name goes back to the one
//! the process started with. The `*_process_name` keywords of
//! keepalived's children have nothing to rename: VRRP, the checkers and
//! BFD run in this one process (the configuration loader says so).

use super::log::target;

/// The process's name, as configured.
#[derive(Debug)]
pub(crate) struct ProcessName {
    /// The name the process started with.
    original: Option<String>,
    /// The configured name applied last.
    current: Option<String>,
}

impl ProcessName {
    /// Notes the starting name, then applies `name`. Must run on the
    /// main thread (the name of the process is its main thread's).
    pub(crate) fn start(name: Option<&str>) -> Self {
        let mut this = Self {
            original: ka_sys::process::name().ok(),
            current: None,
        };
        this.apply(name);
        this
    }

    /// Applies a reloaded configuration's `name`, if it changed.
    pub(crate) fn reload(&mut self, name: Option<&str>) {
        if self.current.as_deref() != name {
            self.apply(name);
        }
    }

    fn apply(&mut self, name: Option<&str>) {
        self.current = name.map(str::to_owned);
        let Some(to) = name.or(self.original.as_deref()) else {
            return;
        };
        if let Err(e) = ka_sys::process::set_name(to) {
            // keepalived's words.
            tracing::info!(target: target::CORE, "Failed to set process name '{to}': {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a thread of its own (the test harness's threads are shared).
    #[test]
    fn names_the_thread_and_restores_the_original_when_removed() {
        std::thread::Builder::new()
            .name("pn-orig".into())
            .spawn(|| {
                let mut n = ProcessName::start(Some("kars-named"));
                assert_eq!(ka_sys::process::name().unwrap(), "kars-named");
                n.reload(Some("kars-other"));
                assert_eq!(ka_sys::process::name().unwrap(), "kars-other");
                n.reload(None);
                assert_eq!(ka_sys::process::name().unwrap(), "pn-orig");
            })
            .unwrap()
            .join()
            .unwrap();
    }
}

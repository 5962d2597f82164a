//! Process-wide settings: signal dispositions, the file-creation mask,
//! the process's name.
//!
//! keepalived compat: keepalived's parent starts by ignoring every signal
//! but SIGILL, SIGFPE, SIGSEGV, SIGBUS, SIGKILL and SIGSTOP
//! (`lib/signals.c: signal_handler_parent_init`), then handles the few it
//! uses; so no signal an operator sends (SIGQUIT, SIGALRM, SIGPIPE, a
//! stray real-time signal) can kill it without its shutdown. Scripts get
//! the standard dispositions back before `exec` (`signal_handler_script`),
//! since ignored dispositions survive `exec`.

use std::io;

/// Signals whose default action keepalived keeps: faults (so a bug still
/// stops the process and can dump core) and the two that cannot be
/// caught. SIGCHLD also keeps its default: ignoring it would make the
/// kernel reap children before we could read their exit status.
const KEPT: [i32; 7] = [
    libc::SIGILL,
    libc::SIGFPE,
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGKILL,
    libc::SIGSTOP,
    libc::SIGCHLD,
];

/// The signals [`ignore_operator_signals`] ignores: every standard signal
/// but [`KEPT`], and every real-time signal the C library lets programs
/// use (glibc keeps the first two, 32 and 33, for its threads).
pub fn ignored_signals() -> impl Iterator<Item = i32> {
    let standard = (1..32).filter(|s| !KEPT.contains(s));
    standard.chain(libc::SIGRTMIN()..=libc::SIGRTMAX())
}

/// Sets the disposition of `sig` to `handler` (SIG_IGN or SIG_DFL), with
/// an empty mask and no flags.
fn set_disposition(sig: i32, handler: libc::sighandler_t) -> io::Result<()> {
    // SAFETY: sigaction is plain old data; all-zero is a valid value
    // (no flags, empty mask) before the handler is filled in.
    #[allow(unsafe_code)]
    let mut act: libc::sigaction = unsafe { std::mem::zeroed() };
    act.sa_sigaction = handler;
    // SAFETY: `act` is a valid, initialised sigaction that lives for the
    // call; SIG_IGN and SIG_DFL are not functions, so nothing can run
    // later; the old action is not asked for (null). sigaction is
    // async-signal-safe, so this is also fine between fork and exec.
    #[allow(unsafe_code)]
    let rc =
        unsafe { libc::sigaction(sig, &raw const act, std::ptr::null_mut()) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Ignores every signal of [`ignored_signals`] but those in `except`;
/// call it before installing handlers for the signals the daemon acts on
/// (those then replace the ignore). Returns the first failure, after
/// trying them all.
pub fn ignore_operator_signals(except: &[i32]) -> io::Result<()> {
    let mut first = Ok(());
    for sig in ignored_signals().filter(|s| !except.contains(s)) {
        if let Err(e) = set_disposition(sig, libc::SIG_IGN) {
            first = first.and(Err(e));
        }
    }
    first
}

/// Gives a child about to `exec` a script the standard dispositions and
/// an empty signal mask (keepalived's `signal_handler_script`). Only
/// async-signal-safe calls: meant for `Command::pre_exec`.
pub fn reset_for_exec() -> io::Result<()> {
    for sig in ignored_signals() {
        set_disposition(sig, libc::SIG_DFL)?;
    }
    let set = nix::sys::signal::SigSet::empty();
    set.thread_set_mask().map_err(io::Error::from)
}

/// Sets the process's file-creation mask (keepalived's `umask_val`,
/// default 0177, `-u` or the `umask` keyword); returns the old one.
pub fn set_umask(mask: u32) -> u32 {
    let mode = nix::sys::stat::Mode::from_bits_truncate(mask & 0o777);
    nix::sys::stat::umask(mode).bits()
}

/// The calling thread's name (`PR_GET_NAME`; on the main thread, the
/// process's name in `ps` and `/proc/PID/comm`).
pub fn name() -> io::Result<String> {
    let n = nix::sys::prctl::get_name().map_err(io::Error::from)?;
    Ok(n.to_string_lossy().into_owned())
}

/// Names the calling thread (`PR_SET_NAME`; the kernel keeps at most 15
/// bytes). keepalived compat: `process_name` renames the parent with
/// `prctl(PR_SET_NAME)` (lib/utils.c `set_process_name`).
pub fn set_name(name: &str) -> io::Result<()> {
    let c = std::ffi::CString::new(name).map_err(io::Error::other)?;
    nix::sys::prctl::set_name(&c).map_err(io::Error::from)
}

/// Raises the soft limit on open files to the hard one; returns the new
/// soft limit. keepalived compat: its checker process raises
/// `RLIMIT_NOFILE` to what its checkers need (`set_max_file_limit`): every
/// running probe holds a socket, and 10,000 real servers at
/// `delay_loop 1` keep thousands open at once, far past the usual soft
/// limit of 1024.
pub fn raise_open_files_limit() -> nix::Result<u64> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE)?;
    if soft < hard {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard)?;
    }
    Ok(hard.max(soft))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_open_files_limit_ends_at_the_hard_limit() {
        let (_, hard) = nix::sys::resource::getrlimit(
            nix::sys::resource::Resource::RLIMIT_NOFILE,
        )
        .expect("getrlimit");
        assert_eq!(raise_open_files_limit().expect("setrlimit"), hard);
        let (soft, _) = nix::sys::resource::getrlimit(
            nix::sys::resource::Resource::RLIMIT_NOFILE,
        )
        .expect("getrlimit");
        assert_eq!(soft, hard);
    }

    #[test]
    fn ignores_what_keepalived_ignores_and_nothing_else() {
        let ignored: Vec<i32> = ignored_signals().collect();
        for sig in [
            libc::SIGHUP,
            libc::SIGINT,
            libc::SIGQUIT,
            libc::SIGPIPE,
            libc::SIGALRM,
            libc::SIGTERM,
            libc::SIGUSR1,
            libc::SIGUSR2,
            libc::SIGXCPU,
            libc::SIGTSTP,
            libc::SIGRTMIN() + 2,
            libc::SIGRTMAX() - 1,
            libc::SIGRTMAX(),
        ] {
            assert!(ignored.contains(&sig), "{sig} must be ignored");
        }
        for sig in KEPT {
            assert!(!ignored.contains(&sig), "{sig} must keep its default");
        }
        // glibc's own real-time signals are not touched.
        assert!(!ignored.contains(&32) && !ignored.contains(&33));
    }

    #[test]
    fn umask_is_set_and_returned() {
        let old = set_umask(0o177);
        assert_eq!(set_umask(0o027), 0o177);
        set_umask(old);
    }
}

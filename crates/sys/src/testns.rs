//! Private network namespaces for privileged tests.
//!
//! `in_new_netns` runs a closure on a fresh thread that has unshared its
//! network namespace: links, addresses and sockets it creates are invisible
//! to the host and vanish with the thread, so nothing leaks even when the
//! test fails. Child processes spawned from that thread (e.g. `ip`) inherit
//! the namespace.

use std::process::Command;

/// Why privileged tests cannot run here, or `None` when they can.
pub fn skip_reason() -> Option<String> {
    if !nix::unistd::geteuid().is_root() {
        return Some("not root: network namespace tests need CAP_SYS_ADMIN and CAP_NET_RAW".into());
    }
    if Command::new("ip").arg("-V").output().is_err() {
        return Some("`ip` (iproute2) is not installed".into());
    }
    None
}

/// Runs `f` in a new network namespace on its own thread, with a
/// current-thread tokio runtime, and returns its result. Panics in `f`
/// propagate to the caller.
pub fn in_new_netns<T, F>(f: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let h = std::thread::spawn(move || {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET)
            .expect("unshare(CLONE_NEWNET)");
        f()
    });
    match h.join() {
        Ok(v) => v,
        Err(p) => std::panic::resume_unwind(p),
    }
}

/// Runs an `ip` command in the current thread's namespace, panicking with
/// its stderr if it fails.
pub fn ip(args: &str) {
    let out = Command::new("ip")
        .args(args.split_whitespace())
        .output()
        .expect("run ip");
    assert!(
        out.status.success(),
        "ip {args}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes a sysctl in the current thread's network namespace.
pub fn sysctl(path: &str, value: &str) {
    std::fs::write(format!("/proc/sys/{path}"), value)
        .unwrap_or_else(|e| panic!("sysctl {path}={value}: {e}"));
}

//! Network-namespace labs: a few hosts on one bridge, for topology tests,
//! interop tests against the real keepalived, failover benchmarks and the
//! demo.
//!
//! A [`Lab`] creates namespaces `ka<tag>h<i>` joined by a bridge that has
//! no address in the root namespace and no link to a real interface. Each
//! host has one interface named `eth0` with 192.0.2.(10+i)/24 and
//! 2001:db8::(10+i)/64. Processes are started inside hosts and killed only
//! by the pids the lab recorded. Dropping the lab kills its processes and
//! deletes its namespaces and links, even when a test fails.

mod cmd;
mod lab;

pub use cmd::{CmdError, run, run_ok};
pub use lab::{Host, Lab, Proc};

/// Why a lab cannot be built here, or `None` when it can: labs need root
/// (namespaces, veth, bridges) and iproute2.
pub fn skip_reason() -> Option<String> {
    if !nix::unistd::geteuid().is_root() {
        return Some("not root: network namespace labs need CAP_SYS_ADMIN and CAP_NET_ADMIN".into());
    }
    if run("ip", &["-V"]).is_err() {
        return Some("`ip` (iproute2) is not installed".into());
    }
    None
}

/// Prints the skip reason and returns true when labs cannot run, so tests
/// can `if ka_lab::skip() { return; }`.
pub fn skip() -> bool {
    match skip_reason() {
        Some(why) => {
            eprintln!("skipped: {why}");
            true
        }
        None => false,
    }
}

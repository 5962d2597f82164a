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
mod daemon;
mod lab;
mod tmpdir;
pub mod uml;

pub use cmd::{CmdError, run, run_ok};
pub use daemon::DaemonFiles;
pub use lab::{Host, Lab, Proc};
pub use tmpdir::{TmpDir, current_thread_runtime};

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

/// The variable under which a privileged test that cannot run fails
/// instead of skipping: `.ci/run` sets it, so a CI machine that lost its
/// privileges or a tool fails loudly rather than passing every test.
pub const REQUIRE_PRIVILEGED: &str = "KA_REQUIRE_PRIVILEGED";

/// Prints the skip reason and returns true when labs cannot run, so tests
/// can `if ka_lab::skip() { return; }`; panics instead when
/// [`REQUIRE_PRIVILEGED`] is set.
pub fn skip() -> bool {
    skip_if(skip_reason())
}

/// The one place privileged tests decide to skip. With no reason, false
/// (the test runs). With a reason, prints `skipped: REASON` and returns
/// true; but when [`REQUIRE_PRIVILEGED`] is set (to anything but empty or
/// `0`) it panics with the reason, so the test fails.
pub fn skip_if(reason: Option<impl std::fmt::Display>) -> bool {
    let required = required(std::env::var_os(REQUIRE_PRIVILEGED).as_deref());
    match verdict(reason.map(|r| r.to_string()), required) {
        Verdict::Run => false,
        Verdict::Skip(why) => {
            eprintln!("skipped: {why}");
            true
        }
        Verdict::Fail(msg) => panic!("{msg}"),
    }
}

/// What a privileged test does.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Run,
    Skip(String),
    Fail(String),
}

fn verdict(reason: Option<String>, required: bool) -> Verdict {
    match reason {
        None => Verdict::Run,
        Some(why) if required => Verdict::Fail(format!(
            "{REQUIRE_PRIVILEGED} is set, so this test may not skip: {why}"
        )),
        Some(why) => Verdict::Skip(why),
    }
}

/// Whether a value of [`REQUIRE_PRIVILEGED`] asks for it: set, not empty,
/// not `0`.
fn required(value: Option<&std::ffi::OsStr>) -> bool {
    value.is_some_and(|v| !v.is_empty() && v != "0")
}

#[cfg(test)]
mod tests;

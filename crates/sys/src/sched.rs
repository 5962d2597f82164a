//! Process scheduling and resource limits: nice value, SCHED_RR, locked
//! memory, CPU affinity, RLIMIT_RTTIME and core dumps, the calls
//! keepalived's `set_process_priorities` and `core_dump_init` make (read
//! for behaviour: keepalived lib/process.c, core/main.c).
//!
//! Each function acts on the calling thread where the kernel call is per
//! thread (scheduler, affinity): call them on the main thread before other
//! threads start, and those inherit the affinity (the real-time policy is
//! set with `SCHED_RESET_ON_FORK`, so scripts and helper threads do not
//! run real-time).

use std::io;
use std::path::Path;

use nix::sys::resource::{Resource, getrlimit, setrlimit};

/// Where the kernel's core file pattern lives.
pub const CORE_PATTERN: &str = "/proc/sys/kernel/core_pattern";

/// The highest SCHED_RR priority on Linux (`sched_get_priority_max`).
pub const RT_PRIORITY_MAX: u32 = 99;

fn check(rc: libc::c_int) -> io::Result<()> {
    if rc == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// The process's nice value (`setpriority(PRIO_PROCESS, 0, nice)`).
pub fn set_nice(nice: i32) -> io::Result<()> {
    // SAFETY: setpriority takes plain integers and touches no memory.
    #[allow(unsafe_code)]
    let rc = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, nice) };
    check(rc)
}

/// The calling thread's nice value.
pub fn nice() -> io::Result<i32> {
    nix::errno::Errno::clear();
    // SAFETY: getpriority takes plain integers and touches no memory.
    #[allow(unsafe_code)]
    let n = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
    if n == -1 && nix::errno::Errno::last_raw() != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n)
}

/// Runs the calling thread SCHED_RR at `priority` (1..=99), with
/// `SCHED_RESET_ON_FORK` as keepalived does: children start SCHED_OTHER.
pub fn set_realtime(priority: u32) -> io::Result<()> {
    let p = priority.clamp(1, RT_PRIORITY_MAX);
    let param = libc::sched_param {
        sched_priority: i32::try_from(p).unwrap_or(1),
    };
    // SAFETY: `param` is a valid sched_param living for the call; the
    // kernel only reads it.
    #[allow(unsafe_code)]
    let rc = unsafe {
        libc::sched_setscheduler(
            0,
            libc::SCHED_RR | libc::SCHED_RESET_ON_FORK,
            &raw const param,
        )
    };
    check(rc)
}

/// Back to SCHED_OTHER (keepalived's `reset_process_priorities`).
pub fn set_normal() -> io::Result<()> {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: as in `set_realtime`.
    #[allow(unsafe_code)]
    let rc = unsafe {
        libc::sched_setscheduler(0, libc::SCHED_OTHER, &raw const param)
    };
    check(rc)
}

/// The calling thread's policy (`SCHED_OTHER` = 0, `SCHED_RR` = 2; the
/// reset-on-fork flag is masked off) and real-time priority.
pub fn policy() -> io::Result<(i32, i32)> {
    // SAFETY: sched_getscheduler takes a pid and touches no memory.
    #[allow(unsafe_code)]
    let pol = unsafe { libc::sched_getscheduler(0) };
    check(pol)?;
    let mut param = libc::sched_param { sched_priority: 0 };
    // SAFETY: `param` is a valid, writable sched_param for the call.
    #[allow(unsafe_code)]
    let rc = unsafe { libc::sched_getparam(0, &raw mut param) };
    check(rc)?;
    Ok((pol & !libc::SCHED_RESET_ON_FORK, param.sched_priority))
}

/// RLIMIT_RTTIME: the CPU time (µs) a real-time thread may use without
/// sleeping. keepalived sets the soft limit to half (a SIGXCPU warning,
/// which the daemon ignores) and the hard limit (SIGKILL) to `usecs`.
pub fn set_rlimit_rttime(usecs: u64) -> io::Result<()> {
    setrlimit(Resource::RLIMIT_RTTIME, usecs / 2, usecs)
        .map_err(io::Error::from)
}

/// Locks every current and future page in memory (`mlockall`; pages are
/// locked as they are touched, `MCL_ONFAULT`, as keepalived does).
pub fn lock_memory() -> io::Result<()> {
    // SAFETY: mlockall takes flags and touches no memory of ours.
    #[allow(unsafe_code)]
    let rc = unsafe {
        libc::mlockall(libc::MCL_CURRENT | libc::MCL_FUTURE | libc::MCL_ONFAULT)
    };
    check(rc)
}

/// Unlocks the pages [`lock_memory`] locked.
pub fn unlock_memory() -> io::Result<()> {
    nix::sys::mman::munlockall().map_err(io::Error::from)
}

/// Restricts the calling thread (and the threads it starts) to `cpus`.
pub fn set_cpu_affinity(cpus: &[u32]) -> io::Result<()> {
    let mut set = nix::sched::CpuSet::new();
    for &c in cpus {
        let c = usize::try_from(c)
            .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
        set.set(c).map_err(io::Error::from)?;
    }
    nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &set)
        .map_err(io::Error::from)
}

/// The number of CPUs online.
pub fn online_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Sets RLIMIT_CORE to unlimited (`-m`); returns the limits before.
pub fn unlimited_core() -> io::Result<(u64, u64)> {
    let old = getrlimit(Resource::RLIMIT_CORE).map_err(io::Error::from)?;
    setrlimit(
        Resource::RLIMIT_CORE,
        libc::RLIM_INFINITY,
        libc::RLIM_INFINITY,
    )
    .map_err(io::Error::from)?;
    Ok(old)
}

/// Writes the kernel's core pattern at `path` ([`CORE_PATTERN`]); returns
/// the pattern it replaced.
pub fn swap_core_pattern(path: &Path, pattern: &str) -> io::Result<String> {
    let old = std::fs::read_to_string(path)?;
    std::fs::write(path, pattern)?;
    Ok(old.trim_end_matches('\n').to_string())
}

#[cfg(test)]
#[path = "sched_tests.rs"]
mod tests;

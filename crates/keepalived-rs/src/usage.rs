//! Texts of `-h`, `-v` and `--signum`, as keepalived 2.2.7 prints them.

/// The keepalived version whose behaviour keepalived-rs reproduces.
pub(crate) const KEEPALIVED_VERSION: &str = "2.2.7";

/// The `-h` text (keepalived prints it on stderr).
pub(crate) fn usage(prog: &str) -> String {
    format!(
        "Usage: {prog} [OPTION...]
  -f, --use-file=FILE          Use the specified configuration file
                                default '/etc/keepalived/keepalived.conf'
  -P, --vrrp                   Only run with VRRP subsystem
  -C, --check                  Only run with Health-checker subsystem
  -B, --no_bfd                 Don't run BFD subsystem
      --all                    Force all child processes to run, even if have no configuration
  -l, --log-console            Log messages to local console
  -D, --log-detail             Detailed log messages
  -S, --log-facility=([0-7]|local[0-7]|user|daemon)
                               Set syslog facility to LOG_LOCAL[0-7], user or daemon (default)
  -g, --log-file=FILE          Also log to FILE (no effect in keepalived-rs yet)
  -G, --no-syslog              Don't log via syslog
  -u, --umask=MASK             umask for file creation (in numeric form)
  -X, --release-vips           Drop VIP on transition from signal.
  -V, --dont-release-vrrp      Don't remove VRRP VIPs and VROUTEs on daemon stop
  -I, --dont-release-ipvs      Don't remove IPVS topology on daemon stop
  -R, --dont-respawn           Don't respawn child processes
  -n, --dont-fork              Don't fork the daemon process
  -d, --dump-conf              Dump the configuration data
  -p, --pid=FILE               Use specified pidfile for parent process
  -r, --vrrp_pid=FILE          Use specified pidfile for VRRP child process
  -T, --genhash                Enter into genhash utility mode (this should be the first option used).
  -c, --checkers_pid=FILE      Use specified pidfile for checkers child process
  -a, --address-monitoring     Report all address additions/deletions notified via netlink
  -b, --bfd_pid=FILE           Use specified pidfile for BFD child process
  -x, --snmp                   Enable SNMP subsystem
  -A, --snmp-agent-socket=FILE Use the specified socket for master agent
  -s, --namespace=NAME         Run in network namespace NAME (overrides config)
  -m, --core-dump              Produce core dump if terminate abnormally
  -M, --core-dump-pattern=PATN Also set /proc/sys/kernel/core_pattern to PATN (default 'core')
  -e, --all-config             Error if any configuration file missing (same as includet)
  -i, --config-id id           Skip any configuration lines beginning '@' that don't match id
                                or any lines beginning @^ that do match.
                                The config-id defaults to the node name if option not used
      --signum=SIGFUNC         Return signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON
  -t, --config-test[=LOG_FILE] Check the configuration for obvious errors, output to
                                stderr by default
      --strict-config          keepalived-rs: treat every configuration warning as an error
      --dump-config            keepalived-rs: print the validated configuration as JSON
                                on stdout (exit status as for -t)
      --record-events=FILE     keepalived-rs: write every VRRP engine event and action
                                to FILE as JSON lines, for replay tests
      --lvs-backend=KIND       keepalived-rs: the load balancer's kernel table: ipvs,
                                nftables, or auto (IPVS if the kernel has it; default)
      --control-socket=PATH    keepalived-rs: the control socket `keepalived-rs ctl` uses
                                (default /run/keepalived-rs/control.sock)
      --metrics-listen=ADDR:PORT
                               keepalived-rs: serve Prometheus metrics (GET /metrics)
                                on ADDR:PORT, e.g. 127.0.0.1:9650 or [::1]:9650
  -v, --version                Display the version number
  -h, --help                   Display this help message
"
    )
}

/// The `-v` text (on stderr). The first line keeps keepalived's form so
/// that scripts reading the version keep working.
pub(crate) fn version() -> String {
    format!(
        "Keepalived v{KEEPALIVED_VERSION} (keepalived-rs {})\n\n\
         keepalived-rs: a memory-safe reimplementation of keepalived in Rust.\n\
         Configuration language and command line of keepalived {KEEPALIVED_VERSION}.\n\
         Implemented: configuration test (-t). Not yet: the VRRP, checker and BFD runtime.\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// Linux's real-time signal range as glibc presents it: glibc keeps
/// signals 32 and 33 for itself, so `SIGRTMIN` is 34; `SIGRTMAX` is 64.
const SIGRTMIN: i32 = 34;
const SIGRTMAX: i32 = 64;

/// `--signum`: the number keepalived uses for a signal function
/// (`lib/signals.c: get_signum`). Names are case sensitive. `TDUMP` only
/// exists in keepalived debug builds (not in Debian's), and keepalived-rs
/// has no thread dump, so it is unknown here too.
pub(crate) fn signum(name: &str) -> Option<i32> {
    Some(match name {
        "STOP" => 15,  // SIGTERM
        "RELOAD" => 1, // SIGHUP
        "DATA" => 10,  // SIGUSR1
        "STATS" => 12, // SIGUSR2
        "STATS_CLEAR" => SIGRTMAX - 1,
        "JSON" => SIGRTMIN + 2,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_numbers_match_keepalived_on_linux() {
        // Values printed by Debian's keepalived 2.2.7 on x86_64.
        let want = [("STOP", 15), ("RELOAD", 1), ("DATA", 10), ("STATS", 12)];
        for (name, num) in want {
            assert_eq!(signum(name), Some(num), "{name}");
        }
        assert_eq!(signum("STATS_CLEAR"), Some(63));
        assert_eq!(signum("JSON"), Some(36));
        assert_eq!(signum("TDUMP"), None);
        assert_eq!(signum("stop"), None);
    }

    #[test]
    fn version_starts_like_keepalived() {
        assert!(version().starts_with("Keepalived v2.2.7 "));
        assert!(
            usage("keepalived").starts_with("Usage: keepalived [OPTION...]\n")
        );
    }
}

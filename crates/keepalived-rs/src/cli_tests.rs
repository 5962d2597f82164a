//! Unit tests of the option parser, checked against keepalived 2.2.7's
//! getopt_long behaviour.

use super::*;

fn run(args: &[&str]) -> Options {
    let p = parse(args.iter().copied());
    assert!(p.errors.is_empty(), "unexpected errors {:?}", p.errors);
    match p.action {
        Action::Run(o) => *o,
        other => panic!("expected Run, got {other:?}"),
    }
}

fn errors(args: &[&str]) -> Vec<String> {
    parse(args.iter().copied()).errors
}

#[test]
fn no_arguments_is_a_plain_run() {
    assert_eq!(run(&[]), Options::default());
}

#[test]
fn bundled_short_flags() {
    let o = run(&["-nlDD"]);
    assert!(o.dont_fork && o.log_console);
    assert_eq!(o.log_detail, 2);
    let o = run(&["-PB"]);
    assert!(o.daemons.vrrp && !o.daemons.checker && !o.daemons.bfd);
    let o = run(&["-C"]);
    assert!(!o.daemons.vrrp && o.daemons.checker);
}

#[test]
fn required_values_in_every_spelling() {
    for args in [
        &["-f", "a.conf"][..],
        &["-fa.conf"],
        &["--use-file", "a.conf"],
        &["--use-file=a.conf"],
        &["--use=a.conf"],
        &["-nfa.conf"],
    ] {
        assert_eq!(
            run(args).config_file,
            Some(PathBuf::from("a.conf")),
            "{args:?}"
        );
    }
    // getopt takes the next word even when it looks like an option.
    assert_eq!(run(&["-f", "-n"]).config_file, Some(PathBuf::from("-n")));
    // getopt does not strip `=` after a short option.
    assert_eq!(run(&["-f=x"]).config_file, Some(PathBuf::from("=x")));
}

#[test]
fn pid_files_and_ids() {
    let o = run(&[
        "-p",
        "/t/p",
        "-r/t/r",
        "--checkers_pid=/t/c",
        "-b",
        "/t/b",
        "-i",
        "lb1",
    ]);
    assert_eq!(o.pid_file, Some(PathBuf::from("/t/p")));
    assert_eq!(o.vrrp_pid_file, Some(PathBuf::from("/t/r")));
    assert_eq!(o.checkers_pid_file, Some(PathBuf::from("/t/c")));
    assert_eq!(o.bfd_pid_file, Some(PathBuf::from("/t/b")));
    assert_eq!(o.config_id.as_deref(), Some("lb1"));
    assert_eq!(run(&["--config-id", "x"]).config_id.as_deref(), Some("x"));
}

#[test]
fn optional_values_only_when_attached() {
    assert_eq!(run(&["-t"]).config_test, Some(None));
    assert_eq!(
        run(&["-tlog"]).config_test,
        Some(Some(PathBuf::from("log")))
    );
    assert_eq!(
        run(&["--config-test=log"]).config_test,
        Some(Some(PathBuf::from("log")))
    );
    // A separate word is not the optional value but a stray argument.
    let o = run(&["-t", "log"]);
    assert_eq!(o.config_test, Some(None));
    assert_eq!(o.unexpected, vec![OsString::from("log")]);
    // In a bundle, what follows `t` is its value (getopt `t::`).
    assert_eq!(run(&["-nt"]).config_test, Some(None));
    assert_eq!(run(&["-tn"]).config_test, Some(Some(PathBuf::from("n"))));
    assert_eq!(run(&["-M"]).core_dump_pattern, Some(None));
    assert_eq!(
        run(&["-Mcore.%p"]).core_dump_pattern,
        Some(Some("core.%p".into()))
    );
}

#[test]
fn long_prefixes_follow_getopt() {
    assert!(run(&["--dont-f"]).dont_fork);
    assert!(run(&["--log-c"]).log_console);
    // Exact match wins over a longer name with the same prefix.
    let o = run(&["--vrrp"]);
    assert!(!o.daemons.checker);
    assert_eq!(parse(["--vers"]).action, Action::Version);
    // Ambiguous prefixes are unknown options.
    assert_eq!(errors(&["--conf"]), vec!["Unknown option --conf"]);
    assert_eq!(errors(&["--dont"]), vec!["Unknown option --dont"]);
}

#[test]
fn bad_options_use_keepalived_messages() {
    assert_eq!(errors(&["-q"]), vec!["Unknown option -q"]);
    assert_eq!(errors(&["--bogus=3"]), vec!["Unknown option --bogus=3"]);
    assert_eq!(errors(&["--version=3"]), vec!["Unknown option --version=3"]);
    assert_eq!(errors(&["-f"]), vec!["Missing parameter for option -f"]);
    assert_eq!(
        errors(&["--use-file="]),
        vec!["Missing parameter for option --use-file"]
    );
    assert_eq!(
        errors(&["--use"]),
        vec!["Missing parameter for option --use-file"]
    );
    assert_eq!(errors(&["-q", "-Z", "-n"]).len(), 2);
}

#[test]
fn help_version_and_signum_act_at_once() {
    assert_eq!(parse(["-h"]).action, Action::Help);
    assert_eq!(parse(["--help"]).action, Action::Help);
    let p = parse(["-q", "-v", "-Z"]);
    assert_eq!(p.action, Action::Version);
    assert_eq!(p.errors, vec!["Unknown option -q"]);
    assert_eq!(
        parse(["--signum=RELOAD"]).action,
        Action::Signum("RELOAD".into())
    );
    assert_eq!(
        parse(["--signum", "STOP"]).action,
        Action::Signum("STOP".into())
    );
    assert_eq!(parse(["-T", "-s", "x"]).action, Action::Genhash);
}

#[test]
fn all_resets_daemon_selection() {
    let o = run(&["-P", "-B", "--all"]);
    assert_eq!(
        o.daemons,
        Daemons {
            vrrp: true,
            checker: true,
            bfd: true,
            all: true
        }
    );
}

#[test]
fn facility_and_umask_are_checked_but_not_fatal() {
    assert_eq!(run(&["-S", "local3"]).log_facility, Some(19));
    assert_eq!(run(&["-S7"]).log_facility, Some(23));
    assert_eq!(run(&["-Suser"]).log_facility, Some(1));
    assert_eq!(run(&["--log-facility=daemon"]).log_facility, Some(3));
    let p = parse(["-S", "bogus"]);
    assert!(p.errors.is_empty());
    assert_eq!(p.warnings, vec!["Invalid log facility 'bogus'"]);
    assert_eq!(run(&["-u", "022"]).umask, Some(0o22));
    assert_eq!(run(&["-u0x3f"]).umask, Some(0o77));
    assert_eq!(run(&["--umask=18"]).umask, Some(18));
    assert_eq!(
        parse(["-u", "0777x"]).warnings,
        vec!["Invalid --umask option 0777x"]
    );
    assert_eq!(parse(["-u", "01000"]).warnings.len(), 1);
}

#[test]
fn remaining_keepalived_options_are_accepted() {
    let o = run(&[
        "-X", "-V", "-I", "-R", "-d", "-a", "-e", "-G", "-s", "ns1", "-m",
    ]);
    assert!(o.release_vips && o.dont_release_vrrp && o.dont_release_ipvs);
    assert!(o.dont_respawn && o.dump_conf && o.address_monitoring);
    assert!(o.all_config && o.no_syslog && o.core_dump);
    assert_eq!(o.namespace.as_deref(), Some("ns1"));
    let p = parse([
        "-x",
        "-A",
        "/s",
        "-g",
        "--flush-log-file",
        "--perf=all",
        "--debug",
        "-L",
    ]);
    assert!(p.errors.is_empty());
    assert_eq!(
        p.no_effect,
        vec!["flush-log-file", "perf", "debug", "mem-check-log"]
    );
    let p = parse(["--no-mem-check", "--config-fd=9", "-M"]);
    assert_eq!(p.no_effect, vec!["no-mem-check", "config-fd"]);
}

#[test]
fn log_file_and_core_dump_options_are_acted_on() {
    let o = run(&["-g"]);
    assert_eq!(o.log_file, Some(None));
    let o = run(&["-g/var/log/ka.log", "-MPATN"]);
    assert_eq!(o.log_file, Some(Some(PathBuf::from("/var/log/ka.log"))));
    // keepalived compat: -M implies -m.
    assert!(o.core_dump);
    assert_eq!(o.core_dump_pattern, Some(Some("PATN".to_string())));
    let p = parse(["-m", "-M", "-g"]);
    assert!(p.no_effect.is_empty(), "{:?}", p.no_effect);
    assert_eq!(run(&["-M"]).core_dump_pattern, Some(None));
}

#[test]
fn own_options_and_separator() {
    let o = run(&["--strict-config", "--dump-config", "--", "-n"]);
    assert!(o.strict_config && o.dump_config && !o.dont_fork);
    assert_eq!(o.unexpected, vec![OsString::from("-n")]);
    // Non-options may stand anywhere, as with GNU getopt.
    let o = run(&["x", "-n", "y"]);
    assert!(o.dont_fork);
    assert_eq!(o.unexpected.len(), 2);
}

#[test]
fn record_events_takes_a_file_in_both_long_spellings() {
    for args in [
        &["--record-events=/tmp/r.jsonl"][..],
        &["--record-events", "/tmp/r.jsonl"],
    ] {
        let o = run(args);
        assert_eq!(o.record_events, Some(PathBuf::from("/tmp/r.jsonl")));
    }
    assert_eq!(run(&["-n"]).record_events, None);
    assert_eq!(
        errors(&["--record-events"]),
        vec!["Missing parameter for option --record-events"]
    );
}

#[test]
fn keepalived_abbreviations_win_over_our_own_options() {
    // keepalived compat: `--re` is keepalived's only `re...` option,
    // although `--record-events` starts the same way.
    let o = run(&["--re"]);
    assert!(o.release_vips);
    assert_eq!(o.record_events, None);
    assert!(errors(&["--re"]).is_empty());
    // `--dump-c` is keepalived's `--dump-conf`, not `--dump-config`.
    let o = run(&["--dump-c"]);
    assert!(o.dump_conf);
    assert!(!o.dump_config);
    // Our options still abbreviate where keepalived has no match.
    let o = run(&["--rec", "/tmp/r.jsonl"]);
    assert_eq!(o.record_events, Some(PathBuf::from("/tmp/r.jsonl")));
    assert!(!o.release_vips);
    assert!(run(&["--str"]).strict_config);
    // Ambiguous among keepalived's own options stays unknown.
    assert_eq!(errors(&["--dont-re"]), vec!["Unknown option --dont-re"]);
}

#[test]
fn lvs_backend_takes_ipvs_nftables_or_auto() {
    use ka_daemon::check::LvsBackend;
    assert_eq!(run(&["-n"]).lvs_backend, LvsBackend::Auto);
    assert_eq!(
        run(&["--lvs-backend=nftables"]).lvs_backend,
        LvsBackend::Nftables
    );
    assert_eq!(
        run(&["--lvs-backend", "ipvs"]).lvs_backend,
        LvsBackend::Ipvs
    );
    assert_eq!(run(&["--lvs-backend=auto"]).lvs_backend, LvsBackend::Auto);
    assert_eq!(
        errors(&["--lvs-backend=xdp"]),
        vec!["invalid --lvs-backend \"xdp\": expected ipvs, nftables or auto"]
    );
}

#[test]
fn control_socket_takes_a_path_in_both_long_spellings() {
    assert_eq!(run(&["-n"]).control_socket, None);
    for args in [
        &["--control-socket=/tmp/c.sock"][..],
        &["--control-socket", "/tmp/c.sock"],
    ] {
        let o = run(args);
        assert_eq!(o.control_socket, Some(PathBuf::from("/tmp/c.sock")));
    }
    assert_eq!(
        errors(&["--control-socket"]),
        vec!["Missing parameter for option --control-socket"]
    );
}

#[test]
fn metrics_listen_takes_an_ipv4_or_ipv6_socket_address() {
    assert_eq!(run(&["-n"]).metrics_listen, None);
    assert_eq!(
        run(&["--metrics-listen=192.0.2.1:9650"]).metrics_listen,
        Some("192.0.2.1:9650".parse().unwrap())
    );
    assert_eq!(
        run(&["--metrics-listen", "[2001:db8::1]:9650"]).metrics_listen,
        Some("[2001:db8::1]:9650".parse().unwrap())
    );
    assert_eq!(
        errors(&["--metrics-listen=localhost"]),
        vec![
            "invalid --metrics-listen \"localhost\": expected ADDR:PORT \
             (192.0.2.1:9650, [2001:db8::1]:9650)"
        ]
    );
}

//! keepalived-rs: the keepalived(8)-compatible command line.
//!
//! [`cli`] parses the arguments as keepalived 2.2.7 does; [`config_test`]
//! implements `-t` (and `--dump-config`) on top of `ka_config::load`;
//! [`usage`] holds the `-h`/`-v`/`--signum` texts; [`daemon_mode`] runs
//! the daemon (VRRP; the checker and BFD frameworks say they are not
//! implemented yet).

mod cli;
mod config_test;
mod daemon_mode;
mod host;
mod usage;

use std::process::ExitCode;

use cli::{Action, Options, Parsed};

fn main() -> ExitCode {
    let mut args = std::env::args_os();
    let prog = args.next().map_or_else(
        || "keepalived".to_string(),
        |p| p.to_string_lossy().into_owned(),
    );
    let parsed = cli::parse(args);
    ExitCode::from(u8::try_from(dispatch(&prog, parsed)).unwrap_or(1))
}

/// Acts on the parsed command line; returns the exit status.
fn dispatch(prog: &str, parsed: Parsed) -> i32 {
    for e in parsed.errors.iter().chain(&parsed.warnings) {
        eprintln!("{e}");
    }
    match parsed.action {
        Action::Help => {
            eprint!("{}", usage::usage(prog));
            0
        }
        Action::Version => {
            eprint!("{}", usage::version());
            0
        }
        Action::Signum(name) => match usage::signum(&name) {
            Some(n) => {
                println!("{n}");
                0
            }
            None => {
                eprintln!("Unknown sigfunc {name}");
                1
            }
        },
        Action::Genhash => {
            eprintln!(
                "keepalived-rs: genhash mode (-T, --genhash) is not implemented yet"
            );
            1
        }
        // keepalived reports every bad option, then exits 1.
        Action::Run(_) if !parsed.errors.is_empty() => 1,
        Action::Run(opts) => run(&opts, &parsed.no_effect),
    }
}

/// Runs the configuration test, or explains that the daemon is missing.
fn run(opts: &Options, no_effect: &[&str]) -> i32 {
    if !opts.unexpected.is_empty() {
        // keepalived compat: stray arguments are printed on stdout and
        // otherwise ignored.
        let words: Vec<String> = opts
            .unexpected
            .iter()
            .map(|w| format!("{} ", w.to_string_lossy()))
            .collect();
        println!("Unexpected argument(s): {}", words.concat());
    }
    for long in no_effect {
        eprintln!(
            "keepalived-rs: option --{long} has no effect in keepalived-rs yet"
        );
    }
    if opts.config_test.is_some() || opts.dump_config {
        if opts.namespace.is_some() {
            eprintln!(
                "keepalived-rs: option --namespace has no effect in keepalived-rs yet; \
                 interfaces are checked in the current network namespace"
            );
        }
        return config_test::run(opts);
    }
    if let Some(ns) = &opts.namespace {
        // Running in the wrong network namespace would move addresses on
        // the wrong interfaces: refuse rather than warn.
        eprintln!(
            "keepalived-rs: --namespace is not implemented yet; run it under `ip netns exec {ns}` instead"
        );
        return 1;
    }
    daemon_mode::run(opts)
}

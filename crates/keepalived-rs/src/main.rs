//! keepalived-rs: the keepalived(8)-compatible command line.
//!
//! [`cli`] parses the arguments as keepalived 2.2.7 does; [`config_test`]
//! implements `-t` (and `--dump-config`) on top of `ka_config::load`;
//! [`usage`] holds the `-h`/`-v`/`--signum` texts; [`daemon_mode`] runs
//! the daemon (VRRP; the checker and BFD frameworks say they are not
//! implemented yet).

mod cli;
mod config_test;
mod ctl;
mod ctl_table;
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
    let rest: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    // keepalived compat: run as `genhash` (its symlink), keepalived is
    // genhash; `keepalived-rs genhash ...` is our spelling of `-T`.
    let base = prog.rsplit('/').next().unwrap_or(&prog);
    if base == "genhash" {
        return exit(ka_probe::genhash::main(&prog, true, &rest));
    }
    if rest.first().map(String::as_str) == Some("genhash") {
        return exit(ka_probe::genhash::main(&prog, false, &rest[1..]));
    }
    // keepalived-rs: `ctl` asks a running daemon (its control socket).
    if rest.first().map(String::as_str) == Some("ctl") {
        return exit(ctl::main(&prog, &rest[1..]));
    }
    let parsed = cli::parse(args);
    if parsed.action == Action::Genhash {
        // keepalived hands genhash the arguments after `-T`/`--genhash`.
        let at = rest
            .iter()
            .position(|a| is_genhash_opt(a))
            .map_or(0, |i| i + 1);
        return exit(ka_probe::genhash::main(&prog, false, &rest[at..]));
    }
    exit(dispatch(&prog, parsed))
}

fn exit(status: i32) -> ExitCode {
    ExitCode::from(u8::try_from(status).unwrap_or(1))
}

/// `-T`, or `--genhash` (or a prefix of it, as getopt_long takes).
fn is_genhash_opt(a: &str) -> bool {
    a == "-T" || (a.len() > 3 && "--genhash".starts_with(a))
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
        // Handled in `main`, which has the arguments after the option.
        Action::Genhash => 1,
        // keepalived reports every bad option, then exits 1.
        Action::Run(_) if !parsed.errors.is_empty() => 1,
        Action::Run(opts) => run(&opts, &parsed.no_effect),
    }
}

/// Why an accepted option does nothing here.
fn no_effect_reason(long: &str) -> &'static str {
    match long {
        "flush-log-file" => {
            "has no effect: keepalived-rs writes each -g log line at once"
        }
        _ => {
            "has no effect in keepalived-rs (a keepalived build or debugging option)"
        }
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
        eprintln!("keepalived-rs: option --{long} {}", no_effect_reason(long));
    }
    if opts.release_vips {
        // keepalived compat: -X makes keepalived remove the VIPs of an
        // instance leaving MASTER even when it did not record adding
        // them; keepalived-rs always removes them.
        eprintln!(
            "keepalived-rs: option --release-vips has no effect: keepalived-rs always removes the virtual addresses when an instance leaves MASTER state"
        );
    }
    if opts.config_test.is_some() || opts.dump_config {
        // keepalived compat: with -t the namespace is not joined either
        // (set_namespaces mounts nothing under CONFIG_TEST); interfaces are
        // checked where the test runs.
        return config_test::run(opts);
    }
    daemon_mode::run(opts)
}

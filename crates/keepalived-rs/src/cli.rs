//! The keepalived(8) command line, parsed with getopt_long semantics.
//!
//! keepalived 2.2.7 parses its arguments with `getopt_long()` and the option
//! string `:vhlndu:DRS:f:p:i:es:mM::g::Gt::PCr:VXac:ITBb:xA:L`
//! (`keepalived/core/main.c: parse_cmdline`). lexopt gives the same
//! grammar: bundled short flags (`-nlD`), attached values (`-fFILE`,
//! `--use-file=FILE`), separate values (`-f FILE`), optional values only
//! when attached (`-tLOG`, `--config-test=LOG`), `--` ending the options and
//! non-options anywhere. What lexopt leaves to us is done here: unique
//! prefixes of long names (`--vers`), `-f=FILE` meaning the file `=FILE`,
//! and keepalived's own error texts. As keepalived does, every bad option is
//! reported and the status is 1 only after the whole line has been read;
//! `-h`, `-v` and `--signum` act at once.

use std::ffi::OsString;
use std::path::PathBuf;

use ka_daemon::check::LvsBackend;
use lexopt::{Arg, Parser};

/// What the command line asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Test the configuration or run the daemon.
    Run(Box<Options>),
    /// `-h, --help`.
    Help,
    /// `-v, --version`.
    Version,
    /// `--signum=NAME`.
    Signum(String),
    /// `-T, --genhash`, with the arguments after it.
    Genhash,
}

/// The result of parsing: the action and every error met before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Parsed {
    /// What to do.
    pub(crate) action: Action,
    /// keepalived's messages for bad options, in order (printed on stderr).
    pub(crate) errors: Vec<String>,
    /// Messages that do not change the exit status (bad `-S`/`-u` values).
    pub(crate) warnings: Vec<String>,
    /// Options accepted but without effect in keepalived-rs yet.
    pub(crate) no_effect: Vec<&'static str>,
}

/// Which child processes to run (`-P`, `-C`, `-B`, `--all`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Daemons {
    pub(crate) vrrp: bool,
    pub(crate) checker: bool,
    pub(crate) bfd: bool,
    /// `--all`: run children even without configuration for them.
    pub(crate) all: bool,
}

impl Default for Daemons {
    fn default() -> Self {
        Self {
            vrrp: true,
            checker: true,
            bfd: true,
            all: false,
        }
    }
}

/// Every option keepalived 2.2.7 knows, plus keepalived-rs's own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Options {
    pub(crate) config_file: Option<PathBuf>,
    pub(crate) daemons: Daemons,
    pub(crate) log_console: bool,
    /// `-D` once is detail, twice extra detail.
    pub(crate) log_detail: u8,
    /// Syslog facility number (`LOG_LOCAL0..7` are 16..23, user 1, daemon 3).
    pub(crate) log_facility: Option<u8>,
    /// `-g[FILE]`: `Some(None)` means the default file name.
    pub(crate) log_file: Option<Option<PathBuf>>,
    pub(crate) no_syslog: bool,
    pub(crate) umask: Option<u32>,
    pub(crate) release_vips: bool,
    pub(crate) dont_release_vrrp: bool,
    pub(crate) dont_release_ipvs: bool,
    pub(crate) dont_respawn: bool,
    pub(crate) dont_fork: bool,
    pub(crate) dump_conf: bool,
    pub(crate) pid_file: Option<PathBuf>,
    pub(crate) vrrp_pid_file: Option<PathBuf>,
    pub(crate) checkers_pid_file: Option<PathBuf>,
    pub(crate) bfd_pid_file: Option<PathBuf>,
    pub(crate) address_monitoring: bool,
    pub(crate) snmp: bool,
    pub(crate) snmp_socket: Option<String>,
    pub(crate) namespace: Option<String>,
    pub(crate) config_id: Option<String>,
    pub(crate) all_config: bool,
    pub(crate) core_dump: bool,
    /// `-M[PATN]`: `Some(None)` means keepalived's default pattern.
    pub(crate) core_dump_pattern: Option<Option<String>>,
    /// `-t[LOG_FILE]`: `Some(None)` means report on stderr.
    pub(crate) config_test: Option<Option<PathBuf>>,
    /// keepalived-rs: every warning is an error.
    pub(crate) strict_config: bool,
    /// keepalived-rs: print the validated model as JSON.
    pub(crate) dump_config: bool,
    /// keepalived-rs: write every VRRP engine step to this file.
    pub(crate) record_events: Option<PathBuf>,
    /// keepalived-rs: the checkers' kernel table (`ipvs`, `nftables`,
    /// `auto`).
    pub(crate) lvs_backend: LvsBackend,
    /// keepalived-rs: where the control socket listens (`ctl`).
    pub(crate) control_socket: Option<PathBuf>,
    /// keepalived-rs: serve Prometheus metrics on this address.
    pub(crate) metrics_listen: Option<std::net::SocketAddr>,
    /// Non-option arguments; keepalived prints and ignores them.
    pub(crate) unexpected: Vec<OsString>,
}

/// How an option takes its value (getopt's `has_arg`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HasArg {
    No,
    Required,
    Optional,
}

/// One option: its short letter (if any), long name and value kind.
struct Spec {
    short: Option<char>,
    long: &'static str,
    arg: HasArg,
}

const fn spec(short: Option<char>, long: &'static str, arg: HasArg) -> Spec {
    Spec { short, long, arg }
}

/// keepalived 2.2.7's `long_options[]` (with every build option enabled),
/// in its order.
const SPECS: &[Spec] = &[
    spec(Some('f'), "use-file", HasArg::Required),
    spec(Some('P'), "vrrp", HasArg::No),
    spec(Some('C'), "check", HasArg::No),
    spec(Some('B'), "no_bfd", HasArg::No),
    spec(None, "all", HasArg::No),
    spec(Some('l'), "log-console", HasArg::No),
    spec(Some('D'), "log-detail", HasArg::No),
    spec(Some('S'), "log-facility", HasArg::Required),
    spec(Some('g'), "log-file", HasArg::Optional),
    spec(Some('e'), "all-config", HasArg::No),
    spec(None, "flush-log-file", HasArg::No),
    spec(Some('G'), "no-syslog", HasArg::No),
    spec(Some('u'), "umask", HasArg::Required),
    spec(Some('X'), "release-vips", HasArg::No),
    spec(Some('V'), "dont-release-vrrp", HasArg::No),
    spec(Some('I'), "dont-release-ipvs", HasArg::No),
    spec(Some('R'), "dont-respawn", HasArg::No),
    spec(Some('n'), "dont-fork", HasArg::No),
    spec(Some('d'), "dump-conf", HasArg::No),
    spec(Some('p'), "pid", HasArg::Required),
    spec(Some('r'), "vrrp_pid", HasArg::Required),
    spec(Some('T'), "genhash", HasArg::No),
    spec(Some('c'), "checkers_pid", HasArg::Required),
    spec(Some('a'), "address-monitoring", HasArg::No),
    spec(Some('b'), "bfd_pid", HasArg::Required),
    spec(Some('x'), "snmp", HasArg::No),
    spec(Some('A'), "snmp-agent-socket", HasArg::Required),
    spec(Some('m'), "core-dump", HasArg::No),
    spec(Some('M'), "core-dump-pattern", HasArg::Optional),
    spec(None, "no-mem-check", HasArg::No),
    spec(Some('L'), "mem-check-log", HasArg::No),
    spec(Some('s'), "namespace", HasArg::Required),
    spec(Some('i'), "config-id", HasArg::Required),
    spec(None, "signum", HasArg::Required),
    spec(Some('t'), "config-test", HasArg::Optional),
    spec(None, "config-fd", HasArg::Required),
    spec(None, "perf", HasArg::Optional),
    spec(None, "debug", HasArg::Optional),
    spec(Some('v'), "version", HasArg::No),
    spec(Some('h'), "help", HasArg::No),
];

/// keepalived-rs's own options (long only).
const EXTENSIONS: &[Spec] = &[
    spec(None, "strict-config", HasArg::No),
    spec(None, "dump-config", HasArg::No),
    spec(None, "record-events", HasArg::Required),
    spec(None, "lvs-backend", HasArg::Required),
    spec(None, "control-socket", HasArg::Required),
    spec(None, "metrics-listen", HasArg::Required),
];

/// getopt_long's lookup: an exact long name, or a prefix of exactly one.
/// Ambiguous prefixes are unknown options (keepalived's option string
/// starts with `:`, so getopt prints nothing of its own).
// keepalived compat: an abbreviation means what it means to keepalived
// (`--re` is `--release-vips`, `--dump-c` is `--dump-conf`); our own
// options are looked up only when no keepalived option matches, so
// adding one never makes a keepalived abbreviation ambiguous.
fn find_long(name: &str) -> Option<&'static Spec> {
    if let Some(s) = SPECS.iter().chain(EXTENSIONS).find(|s| s.long == name) {
        return Some(s);
    }
    let mut hits = SPECS.iter().filter(|s| s.long.starts_with(name));
    match (hits.next(), hits.next()) {
        (Some(s), None) => Some(s),
        (Some(_), Some(_)) => None,
        (None, _) => {
            let mut own =
                EXTENSIONS.iter().filter(|s| s.long.starts_with(name));
            match (own.next(), own.next()) {
                (Some(s), None) => Some(s),
                _ => None,
            }
        }
    }
}

fn find_short(c: char) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.short == Some(c))
}

/// Parses the arguments after the program name.
pub(crate) fn parse<I>(args: I) -> Parsed
where
    I: IntoIterator,
    I::Item: Into<OsString>,
{
    let mut parser = Parser::from_args(args);
    // getopt: `-f=FILE` is the file `=FILE`.
    parser.set_short_equals(false);
    let mut st = State::default();
    loop {
        let arg = match parser.next() {
            Ok(Some(arg)) => arg,
            Ok(None) => break,
            // Only reachable for a value attached to a no-value long
            // option, which `one_option` consumes itself; keep going.
            Err(e) => {
                st.errors.push(format!("Unknown option {e}"));
                continue;
            }
        };
        let is_long = matches!(arg, Arg::Long(_));
        let (spec, shown) = match arg {
            Arg::Value(v) => {
                st.opts.unexpected.push(v);
                continue;
            }
            Arg::Short(c) => match find_short(c) {
                Some(s) => (s, format!("-{c}")),
                None => {
                    st.errors.push(format!("Unknown option -{c}"));
                    continue;
                }
            },
            Arg::Long(name) => {
                let name = name.to_string();
                match find_long(&name) {
                    Some(s) => (s, format!("--{}", s.long)),
                    None => {
                        let shown = match parser.optional_value() {
                            Some(v) => {
                                format!("--{name}={}", v.to_string_lossy())
                            }
                            None => format!("--{name}"),
                        };
                        st.errors.push(format!("Unknown option {shown}"));
                        continue;
                    }
                }
            }
        };
        let given = Given {
            spec,
            shown,
            is_long,
        };
        if let Some(action) = one_option(&mut parser, &given, &mut st) {
            return st.finish(action);
        }
    }
    // The options themselves are moved in by `finish`.
    st.finish(Action::Run(Box::default()))
}

/// What is being built while the arguments are read.
#[derive(Default)]
struct State {
    opts: Options,
    errors: Vec<String>,
    warnings: Vec<String>,
    no_effect: Vec<&'static str>,
}

impl State {
    fn finish(self, action: Action) -> Parsed {
        let action = match action {
            Action::Run(_) => Action::Run(Box::new(self.opts)),
            other => other,
        };
        Parsed {
            action,
            errors: self.errors,
            warnings: self.warnings,
            no_effect: self.no_effect,
        }
    }

    fn no_effect(&mut self, long: &'static str) {
        if !self.no_effect.contains(&long) {
            self.no_effect.push(long);
        }
    }
}

/// An option as it was met on the command line.
struct Given {
    spec: &'static Spec,
    /// `-f` or `--use-file`, for messages.
    shown: String,
    is_long: bool,
}

/// The value of an option, as getopt hands it over: `None` for a missing
/// value (reported), `Some(None)` for an absent optional value.
fn take_value(
    parser: &mut Parser,
    given: &Given,
    st: &mut State,
) -> Option<Option<String>> {
    let shown = &given.shown;
    match given.spec.arg {
        // `--version=3` is an unknown option to getopt; in a short bundle
        // what follows is the next option, not a value.
        HasArg::No if given.is_long => match parser.optional_value() {
            Some(v) => {
                st.errors.push(format!(
                    "Unknown option {shown}={}",
                    v.to_string_lossy()
                ));
                None
            }
            None => Some(None),
        },
        HasArg::No => Some(None),
        HasArg::Optional => Some(
            parser
                .optional_value()
                .map(|v| v.to_string_lossy().into_owned()),
        ),
        HasArg::Required => match parser.value() {
            // keepalived compat: `--use-file=` is a missing parameter.
            Ok(v) if !v.is_empty() => {
                Some(Some(v.to_string_lossy().into_owned()))
            }
            _ => {
                st.errors
                    .push(format!("Missing parameter for option {shown}"));
                None
            }
        },
    }
}

/// Applies one recognised option; returns an action that ends parsing.
fn one_option(
    parser: &mut Parser,
    given: &Given,
    st: &mut State,
) -> Option<Action> {
    let spec = given.spec;
    let value = take_value(parser, given, st)?;
    let o = &mut st.opts;
    match spec.long {
        "version" => return Some(Action::Version),
        "help" => return Some(Action::Help),
        "genhash" => return Some(Action::Genhash),
        "signum" => return Some(Action::Signum(value.unwrap_or_default())),
        "use-file" => o.config_file = value.map(PathBuf::from),
        "vrrp" => o.daemons.checker = false,
        "check" => o.daemons.vrrp = false,
        "no_bfd" => o.daemons.bfd = false,
        "all" => {
            o.daemons = Daemons {
                vrrp: true,
                checker: true,
                bfd: true,
                all: true,
            };
        }
        "log-console" => o.log_console = true,
        "log-detail" => o.log_detail = o.log_detail.saturating_add(1).min(2),
        "log-facility" => {
            set_facility(st, value.as_deref().unwrap_or_default())
        }
        "log-file" => {
            o.log_file =
                Some(value.filter(|v| !v.is_empty()).map(PathBuf::from));
        }
        "no-syslog" => o.no_syslog = true,
        "umask" => set_umask(st, value.as_deref().unwrap_or_default()),
        "release-vips" => o.release_vips = true,
        "dont-release-vrrp" => o.dont_release_vrrp = true,
        "dont-release-ipvs" => o.dont_release_ipvs = true,
        "dont-respawn" => o.dont_respawn = true,
        "dont-fork" => o.dont_fork = true,
        "dump-conf" => o.dump_conf = true,
        "pid" => o.pid_file = value.map(PathBuf::from),
        "vrrp_pid" => o.vrrp_pid_file = value.map(PathBuf::from),
        "checkers_pid" => o.checkers_pid_file = value.map(PathBuf::from),
        "bfd_pid" => o.bfd_pid_file = value.map(PathBuf::from),
        "address-monitoring" => o.address_monitoring = true,
        "namespace" => o.namespace = value,
        "config-id" => o.config_id = value,
        "all-config" => o.all_config = true,
        "config-test" => {
            o.config_test =
                Some(value.filter(|v| !v.is_empty()).map(PathBuf::from));
        }
        "strict-config" => o.strict_config = true,
        "dump-config" => o.dump_config = true,
        "record-events" => o.record_events = value.map(PathBuf::from),
        "lvs-backend" => match value.as_deref().unwrap_or_default().parse() {
            Ok(b) => o.lvs_backend = b,
            Err(e) => st.errors.push(e),
        },
        "control-socket" => o.control_socket = value.map(PathBuf::from),
        "metrics-listen" => {
            let v = value.unwrap_or_default();
            match v.parse() {
                Ok(a) => o.metrics_listen = Some(a),
                Err(_) => st.errors.push(format!(
                    "invalid --metrics-listen {v:?}: expected ADDR:PORT \
                     (192.0.2.1:9650, [2001:db8::1]:9650)"
                )),
            }
        }
        other => return no_effect_option(st, spec, other, value),
    }
    None
}

/// Options keepalived-rs accepts but does not act on.
fn no_effect_option(
    st: &mut State,
    spec: &'static Spec,
    long: &str,
    value: Option<String>,
) -> Option<Action> {
    let o = &mut st.opts;
    match long {
        "snmp" => {
            o.snmp = true;
            return None;
        }
        "snmp-agent-socket" => {
            o.snmp_socket = value;
            return None;
        }
        "core-dump" => {
            o.core_dump = true;
            return None;
        }
        "core-dump-pattern" => {
            o.core_dump = true;
            o.core_dump_pattern = Some(value.filter(|v| !v.is_empty()));
            return None;
        }
        // --flush-log-file, --no-mem-check, -L, --config-fd, --perf,
        // --debug: keepalived build or debugging options.
        _ => {}
    }
    st.no_effect(spec.long);
    None
}

/// `-S`: `0`-`7`, `local0`-`local7`, `user` or `daemon`; anything else is
/// reported and ignored, as keepalived does.
fn set_facility(st: &mut State, v: &str) {
    let digit = |s: &str| {
        s.parse::<u8>()
            .ok()
            .filter(|n| *n <= 7 && !s.starts_with('+'))
    };
    let facility = match v {
        "user" => Some(1),
        "daemon" => Some(3),
        _ => digit(v)
            .or_else(|| v.strip_prefix("local").and_then(digit))
            .map(|n| 16 + n),
    };
    match facility {
        Some(f) => st.opts.log_facility = Some(f),
        None => st.warnings.push(format!("Invalid log facility '{v}'")),
    }
}

/// `-u`: a number in C notation (`022`, `0x12`, `18`) within 0777;
/// anything else is reported and ignored, as keepalived does.
fn set_umask(st: &mut State, v: &str) {
    match parse_c_number(v).filter(|n| *n & !0o777 == 0) {
        Some(n) => st.opts.umask = Some(n),
        None => st.warnings.push(format!("Invalid --umask option {v}")),
    }
}

/// `strtoll(s, &end, 0)` accepting only a fully numeric string.
fn parse_c_number(s: &str) -> Option<u32> {
    let s = s.trim_start();
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let n = if let Some(hex) =
        s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))
    {
        u32::from_str_radix(hex, 16).ok()?
    } else if s.len() > 1 && s.starts_with('0') {
        u32::from_str_radix(&s[1..], 8).ok()?
    } else {
        s.parse().ok()?
    };
    (!neg || n == 0).then_some(n)
}

#[cfg(test)]
#[path = "cli_tests.rs"]
mod tests;

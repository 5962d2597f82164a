//! keepalived's `genhash` (check_genhash.c): fetch a page with the
//! HTTP_GET request and print the MD5 digest of its body, for `url {
//! digest … }`.
//!
//! keepalived compat: the options and messages of genhash 2.2.7; the
//! digest is printed whatever the status code; a failure prints
//! keepalived's words for it and still exits 0; a usage error prints the
//! usage on stderr and exits 1. Without `-t` the wait is unbounded in
//! keepalived (`UINT_MAX` µs, about 71 minutes), and the same here.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use ka_config::model::lvs::HttpProtocol;

use crate::ctx::ProbeCtx;
use crate::http::{self, Fetched};
use crate::outcome::Reason;
use crate::spec::{HttpSpec, Target, TlsSpec, UrlSpec};

/// keepalived's default: `co->connection_to = UINT_MAX` (µs).
const DEFAULT_TIMEOUT: Duration = Duration::from_micros(u32::MAX as u64);

/// The parsed command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Args {
    /// `-s`.
    pub server: IpAddr,
    /// `-p`.
    pub port: u16,
    /// `-u`.
    pub url: String,
    /// `-V`.
    pub vhost: Option<String>,
    /// `-S`.
    pub ssl: bool,
    /// `-I`.
    pub sni: bool,
    /// `-P`.
    pub protocol: HttpProtocol,
    /// `-t` (whole seconds).
    pub timeout: Option<Duration>,
    /// `-m`.
    pub fwmark: Option<u32>,
    /// `-v`.
    pub verbose: bool,
}

/// Options: (short, long, takes a value).
const OPTS: &[(char, &str, bool)] = &[
    ('h', "help", false),
    ('v', "verbose", false),
    ('S', "use-ssl", false),
    ('I', "use-sni", false),
    ('s', "server", true),
    ('V', "use-virtualhost", true),
    ('p', "port", true),
    ('u', "url", true),
    ('m', "fwmark", true),
    ('P', "protocol", true),
    ('t', "timeout", true),
];

/// keepalived's usage text; `prog` is argv\[0\], `am_genhash` when run as
/// `genhash` rather than `keepalived --genhash`.
pub fn usage(prog: &str, am_genhash: bool) -> String {
    let cmd = if am_genhash { "" } else { " --genhash" };
    format!(
        "Usage: {prog}{cmd} COMMAND [OPTIONS]\n\
Commands:\n   -s server-address -p port -u url\n   -S -s server-address -p port -u url\n   -h\n\n\
Options:\n\
Either long or short options are allowed.\n\
   --use-ssl         -S       Use SSL connection to remote server.\n\
   --use-sni         -I       Use SNI during SSL handshake (uses virtualhost setting; see -V).\n\
   --server          -s       Use the specified remote server address.\n\
   --port            -p       Use the specified remote server port.\n\
   --url             -u       Use the specified remote server url.\n\
   --use-virtualhost -V       Use the specified virtualhost in GET query.\n\
   --verbose         -v       Use verbose mode output.\n\
   --help            -h       Display this short inlined help screen.\n\
   --fwmark          -m       Use the specified FW mark.\n\
   --protocol        -P       Use the specified HTTP protocol - '1.0', 1.0c', '1.1'.\n\
                                1.0c means 1.0 with 'Connection: close'\n\
   --timeout         -t       Timeout in seconds\n"
    )
}

/// Splits the arguments into (option, value) pairs as getopt_long does:
/// bundled short options, attached or separate values, `--name=value`
/// and unambiguous long prefixes. Errors are keepalived's messages.
fn getopt(args: &[String]) -> Result<Vec<(char, Option<String>)>, Vec<String>> {
    let mut out = Vec::new();
    let mut errs = Vec::new();
    let mut stray = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if let Some(long) = a.strip_prefix("--") {
            let (name, val) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let hits: Vec<_> =
                OPTS.iter().filter(|o| o.1.starts_with(name)).collect();
            let exact = OPTS.iter().find(|o| o.1 == name);
            let Some(&(c, lname, takes)) =
                exact.or((hits.len() == 1).then(|| hits[0]))
            else {
                errs.push(format!("Unknown option {a}"));
                continue;
            };
            let val = match (takes, val) {
                (true, Some(v)) => Some(v),
                (true, None) if i < args.len() => {
                    i += 1;
                    Some(args[i - 1].clone())
                }
                (true, None) => {
                    errs.push(format!(
                        "Missing parameter for option --{lname}"
                    ));
                    continue;
                }
                (false, _) => None,
            };
            out.push((c, val));
        } else if let Some(shorts) =
            a.strip_prefix('-').filter(|s| !s.is_empty())
        {
            let chars: Vec<char> = shorts.chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                j += 1;
                let Some(&(_, _, takes)) = OPTS.iter().find(|o| o.0 == c)
                else {
                    errs.push(format!("Unknown option -{c}"));
                    continue;
                };
                if !takes {
                    out.push((c, None));
                    continue;
                }
                let rest: String = chars[j..].iter().collect();
                j = chars.len();
                if !rest.is_empty() {
                    out.push((c, Some(rest)));
                } else if i < args.len() {
                    i += 1;
                    out.push((c, Some(args[i - 1].clone())));
                } else {
                    errs.push(format!("Missing parameter for option -{c}"));
                }
            }
        } else {
            // GNU getopt moves operands to the end; keepalived then
            // refuses them.
            stray.push(a.as_str());
        }
    }
    if errs.is_empty() && !stray.is_empty() {
        errs.push(format!("Unexpected argument(s): {}", stray.join(" ")));
    }
    if errs.is_empty() { Ok(out) } else { Err(errs) }
}

/// Parses genhash's arguments (after the program name or `--genhash`).
/// `Err` holds the messages to print before the usage (maybe none).
pub fn parse(args: &[String]) -> Result<Args, Vec<String>> {
    if args.len() < 2 {
        return Err(Vec::new());
    }
    let opts = getopt(args)?;
    let (mut server, mut port, mut url) = (None, None, None);
    let mut a = Args {
        server: IpAddr::from([0, 0, 0, 0]),
        port: 0,
        url: String::new(),
        vhost: None,
        ssl: false,
        sni: false,
        protocol: HttpProtocol::Http10,
        timeout: None,
        fwmark: None,
        verbose: false,
    };
    let mut help = false;
    for (c, v) in opts {
        let v = v.unwrap_or_default();
        match c {
            'h' => help = true,
            'v' => a.verbose = true,
            'S' => a.ssl = true,
            'I' => a.sni = true,
            's' => match v.parse::<IpAddr>() {
                Ok(ip) => server = Some(ip),
                Err(_) => {
                    return Err(vec![format!(
                        "server should be an IP, not {v}"
                    )]);
                }
            },
            'V' => a.vhost = Some(v),
            'p' => match v.parse::<u16>() {
                Ok(p) if p > 0 => port = Some(p),
                _ => return Err(vec![format!("invalid port number '{v}'")]),
            },
            'u' => url = Some(v),
            'm' => match v.trim_start().parse::<u32>() {
                Ok(m) => a.fwmark = Some(m),
                Err(_) => return Err(vec![format!("invalid fwmark '{v}'")]),
            },
            'P' => {
                a.protocol = match v.as_str() {
                    "1.0" => HttpProtocol::Http10,
                    "1.0c" | "1.0C" => HttpProtocol::Http10Close,
                    "1.1" => HttpProtocol::Http11,
                    _ => {
                        return Err(vec![format!(
                            "invalid HTTP protocol version '{v}'"
                        )]);
                    }
                }
            }
            't' => match v.trim_start().parse::<u64>() {
                Ok(s) => a.timeout = Some(Duration::from_secs(s)),
                Err(_) => return Err(vec![format!("invalid timeout '{v}'")]),
            },
            _ => {}
        }
    }
    match (help, server, port, url) {
        (false, Some(s), Some(p), Some(u)) => {
            a.server = s;
            a.port = p;
            a.url = u;
            Ok(a)
        }
        _ => Err(Vec::new()),
    }
}

/// The probe pieces genhash's arguments describe.
pub fn spec(a: &Args) -> (HttpSpec, Target) {
    let mut url = UrlSpec::new(&a.url);
    url.vhost = a.vhost.clone();
    if a.ssl && a.sni {
        url.sni = a.vhost.clone();
    }
    let mut target = Target::new(
        SocketAddr::new(a.server, a.port),
        a.timeout.unwrap_or(DEFAULT_TIMEOUT),
    );
    target.fwmark = a.fwmark;
    let spec = HttpSpec {
        protocol: a.protocol,
        urls: vec![url],
        tls: a.ssl.then_some(TlsSpec { enable_sni: a.sni }),
        fast_recovery: false,
    };
    (spec, target)
}

/// Fetches the page as genhash does and returns what it found.
pub async fn genhash(a: &Args, ctx: &ProbeCtx) -> Result<Fetched, Reason> {
    let (spec, target) = spec(a);
    http::fetch_with(&spec, &spec.urls[0], &target, ctx, a.verbose).await
}

/// Runs genhash with `args` (those after `--genhash`, or after the
/// program name when run as `genhash`); prints as keepalived does and
/// returns the exit status.
pub fn main(prog: &str, am_genhash: bool, args: &[String]) -> i32 {
    let a = match parse(args) {
        Ok(a) => a,
        Err(msgs) => {
            for m in msgs {
                eprintln!("{m}");
            }
            eprint!("{}", usage(prog, am_genhash));
            return 1;
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("genhash: cannot start: {e}");
            return 1;
        }
    };
    let start = Instant::now();
    let res = rt.block_on(genhash(&a, &ProbeCtx::new()));
    let mut out = std::io::stdout().lock();
    let _ = print_result(&mut out, &a, &res);
    if a.verbose {
        let _ = writeln!(
            out,
            "\nGlobal response time for [{}] = {} usecs",
            a.url,
            start.elapsed().as_micros()
        );
    }
    0
}

const HEADER_HEXA: &str = "-----------------------[    HTTP Header Buffer    ]-----------------------";
const HEADER_ASCII: &str = "-----------------------[ HTTP Header Ascii Buffer ]-----------------------";
const HTML_HEXA: &str = "-----------------------[        HTML Buffer        ]-----------------------";
const HTML_HASH: &str = "-----------------------[    HTML hash resulting    ]-----------------------";
const HTML_HASH_FINAL: &str = "-----------------------[ HTML hash final resulting ]-----------------------";

/// Prints genhash's output for `res`.
pub fn print_result(
    out: &mut dyn Write,
    a: &Args,
    res: &Result<Fetched, Reason>,
) -> std::io::Result<()> {
    match res {
        Err(Reason::NoData) => {
            eprintln!("no data received from remote webserver");
            Ok(())
        }
        Err(r) => writeln!(out, "{r}"),
        Ok(f) => {
            if a.verbose {
                writeln!(out, "{HEADER_HEXA}")?;
                dump(out, &f.header)?;
                writeln!(out, "{HEADER_ASCII}")?;
                writeln!(out, "{}", String::from_utf8_lossy(&f.header))?;
                if !f.body.is_empty() {
                    writeln!(out, "{HTML_HEXA}")?;
                    let n = f.content_length.map_or(f.body.len(), |cl| {
                        f.body
                            .len()
                            .min(usize::try_from(cl).unwrap_or(usize::MAX))
                    });
                    dump(out, &f.body[..n])?;
                }
                writeln!(out, "\n{HTML_HASH}")?;
                dump(out, &f.digest)?;
                writeln!(out, "{HTML_HASH_FINAL}")?;
            }
            writeln!(out, "{}", hex(&f.digest))
        }
    }
}

/// Lower-case hex, as `digest` is written.
pub fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// keepalived compat: `dump_buffer` (utils.c): 16 bytes a line, offset
/// in decimal, a `-` between the halves, printable ASCII at the end.
pub fn dump(out: &mut dyn Write, b: &[u8]) -> std::io::Result<()> {
    for (n, line) in b.chunks(16).enumerate() {
        let mut s = format!("{:04} ", (n * 16) & 0xffff);
        for i in 0..16 {
            match line.get(i) {
                Some(c) => s.push_str(&format!(" {c:02x}")),
                None => s.push_str("   "),
            }
            if i == 7 {
                s.push_str(" -");
            }
        }
        s.push_str("   ");
        for i in 0..16 {
            s.push(match line.get(i) {
                Some(&c) if (0x20..=0x7e).contains(&c) => char::from(c),
                Some(_) => '.',
                None => ' ',
            });
        }
        writeln!(out, "{s}")?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "genhash_tests.rs"]
mod tests;

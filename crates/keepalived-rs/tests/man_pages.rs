//! The manual pages and the systemd unit, as committed: the generated
//! keepalived-rs.conf(5) is up to date and lists every keyword table,
//! keepalived-rs(8) describes every option `--help` prints, both render
//! without groff warnings, and the unit keeps what VRRP needs. The
//! installed package is tested in `package.rs`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> String {
    let p = repo().join(rel);
    std::fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

/// roff's spelling of a word: hyphens are `\-`.
fn roff(word: &str) -> String {
    word.replace('-', "\\-")
}

fn generate(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_keepalived-rs-man"))
        .args(args)
        .output()
        .expect("run keepalived-rs-man")
}

#[test]
fn conf_page_is_up_to_date() {
    let out = generate(&[]);
    assert!(
        out.status.success(),
        "keepalived-rs-man failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fresh = String::from_utf8(out.stdout).expect("utf-8 page");
    assert!(
        fresh == read("docs/man/keepalived-rs.conf.5"),
        "docs/man/keepalived-rs.conf.5 is stale: regenerate it with\n  \
         cargo run --release -p keepalived-rs --bin keepalived-rs-man > docs/man/keepalived-rs.conf.5"
    );
}

#[test]
fn conf_page_lists_every_keyword_of_every_table() {
    let page = read("docs/man/keepalived-rs.conf.5");
    let tables = ka_config::build::keyword_tables();
    assert!(tables.len() > 15, "keyword tables: {}", tables.len());
    for (block, keywords) in tables {
        let head = format!(".SS {}\n", roff(block));
        let start = page
            .find(&head)
            .unwrap_or_else(|| panic!("no section for {block}"));
        let body = &page[start + head.len()..];
        let body = &body[..body.find(".SS ").unwrap_or(body.len())];
        for kw in keywords {
            let k = roff(kw);
            let listed = body.contains(&format!("\\fB{k}\\fP"))
                || body.contains(&format!(".B {k}\n"))
                || body.contains(&format!(".BI \"{k} \""));
            assert!(listed, "{block}: keyword {kw} is not on the page");
        }
    }
}

#[test]
fn generator_refuses_prose_for_unknown_keywords_and_blocks() {
    let dir = std::env::temp_dir()
        .join(format!("ka-man-prose-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let cases = [
        (
            "[vrrp_instance]\nno_such_keyword N\n    Text.\n",
            "no_such_keyword",
        ),
        ("[no_such_block]\n    Text.\n", "no_such_block"),
        ("stray N\n", "before any [block]"),
    ];
    for (i, (prose, named)) in cases.iter().enumerate() {
        let f = dir.join(format!("prose{i}.txt"));
        std::fs::write(&f, prose).expect("write prose");
        let out = generate(&["--prose", f.to_str().expect("utf-8 path")]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "accepted {prose:?}");
        assert!(err.contains(named), "{prose:?}: {err}");
    }
    // The same format with known names is accepted.
    let f = dir.join("good.txt");
    std::fs::write(&f, "[vrrp_instance]\npriority N\n    Text.\n")
        .expect("write prose");
    let out = generate(&["--prose", f.to_str().expect("utf-8 path")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The long options `keepalived-rs --help` prints (`--use-file`, ...).
fn long_options() -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_keepalived-rs"))
        .arg("--help")
        .output()
        .expect("run keepalived-rs --help");
    let help = String::from_utf8_lossy(&out.stderr);
    let mut longs: Vec<String> = help
        .split(|c: char| c.is_whitespace() || c == ',' || c == '=' || c == '[')
        .filter_map(|w| w.strip_prefix("--"))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    longs.dedup();
    longs
}

#[test]
fn daemon_page_describes_every_option_of_help() {
    let page = read("docs/man/keepalived-rs.8");
    let options = &page[page.find(".SH OPTIONS").expect("OPTIONS")..];
    let options =
        &options[..options[4..].find(".SH ").map_or(options.len(), |i| i + 4)];
    // The heading line of each entry (the line after `.TP`).
    let lines: Vec<&str> = options.lines().collect();
    let headings: Vec<&str> = lines
        .windows(2)
        .filter(|w| w[0] == ".TP")
        .map(|w| w[1])
        .collect();
    let longs = long_options();
    assert!(longs.len() > 30, "options read from --help: {longs:?}");
    for long in longs {
        let name = format!("\\-\\-{}", roff(&long));
        // The whole name: `--vrrp` is not `--vrrp_pid`.
        let described = headings.iter().any(|h| {
            h.match_indices(&name).any(|(i, _)| {
                !h[i + name.len()..].starts_with(|c: char| {
                    c.is_ascii_alphanumeric() || c == '_' || c == '\\'
                })
            })
        });
        assert!(described, "keepalived-rs.8 has no entry for --{long}");
    }
}

#[test]
fn pages_render_without_groff_warnings() {
    let groff = Command::new("groff").arg("--version").output();
    if ka_lab::skip_if(
        groff
            .is_err()
            .then_some("groff is not installed (apt-get install groff-base)"),
    ) {
        return;
    }
    for page in ["docs/man/keepalived-rs.8", "docs/man/keepalived-rs.conf.5"] {
        let out = Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(repo().join(page))
            .output()
            .expect("run groff");
        assert!(out.status.success(), "groff failed on {page}");
        assert!(
            out.stderr.is_empty(),
            "{page}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `Key=value` lines of the unit (last one wins, as systemd reads them
/// for these keys) and every value of a repeated key.
fn unit_values(unit: &str, key: &str) -> Vec<String> {
    unit.lines()
        .filter_map(|l| l.strip_prefix(&format!("{key}=")))
        .map(str::to_string)
        .collect()
}

#[test]
fn unit_keeps_raw_sockets_netlink_and_scripts_working() {
    let unit = read("packaging/keepalived-rs.service");
    let one = |key: &str| -> String {
        let v = unit_values(&unit, key);
        assert_eq!(v.len(), 1, "{key}: {v:?}");
        v[0].clone()
    };
    assert_eq!(one("Type"), "notify");
    assert_eq!(one("ExecReload"), "/bin/kill -HUP $MAINPID");
    assert_eq!(one("EnvironmentFile"), "-/etc/default/keepalived-rs");
    let exec = one("ExecStart");
    assert!(
        exec.starts_with("/usr/sbin/keepalived-rs --dont-fork "),
        "{exec}"
    );
    assert!(
        exec.ends_with(" $DAEMON_ARGS"),
        "DAEMON_ARGS must come last: {exec}"
    );
    let caps = one("CapabilityBoundingSet");
    for cap in [
        "CAP_NET_ADMIN",
        "CAP_NET_RAW",
        "CAP_NET_BIND_SERVICE",
        "CAP_KILL",
        "CAP_SETUID",
        "CAP_SETGID",
        "CAP_DAC_OVERRIDE",
        "CAP_SYS_ADMIN",
        "CAP_SYS_NICE",
    ] {
        assert!(caps.split(' ').any(|c| c == cap), "{cap} missing: {caps}");
    }
    let families = one("RestrictAddressFamilies");
    for af in ["AF_INET", "AF_INET6", "AF_NETLINK", "AF_PACKET", "AF_UNIX"] {
        assert!(families.split(' ').any(|f| f == af), "{af}: {families}");
    }
    assert_eq!(one("PrivateTmp"), "no", "dumps go to /tmp");
    assert_eq!(one("ProtectSystem"), "full");
    assert_eq!(one("ReadWritePaths"), "/run");
    // Each of these would break something the daemon or its scripts do.
    for key in [
        "NoNewPrivileges",
        "ProtectKernelTunables",
        "ProtectKernelModules",
        "RestrictNamespaces",
        "RestrictRealtime",
        "PrivateNetwork",
        "PrivateDevices",
    ] {
        assert!(unit_values(&unit, key).is_empty(), "{key} is set");
    }
}

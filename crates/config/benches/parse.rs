//! Parse + validate throughput on a generated 100,000-line configuration.
//!
//! Not a timed test: it prints figures. Run with
//! `cargo bench -p ka-config --bench parse`. The configuration mixes
//! vrrp_script blocks, vrrp_instance blocks with virtual addresses and
//! tracked scripts, and virtual servers with real servers and checkers; it
//! is written to a temporary directory and loaded from there through a
//! small std-only [`Host`], several times; the minimum, median and maximum
//! wall-clock times are printed with lines per second.
// A benchmark measures wall time; the engine-crate ban on clocks
// (clippy.toml) is for library code.
#![allow(clippy::disallowed_methods)]

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ka_config::LoadOptions;
use ka_config::host::{FileInfo, Host, UserInfo};

const TARGET_LINES: usize = 100_000;
const RUNS: usize = 7;

/// The real file system for files; everything else is answered without
/// looking at the machine (every interface exists, only root exists).
struct BenchHost;

impl Host for BenchHost {
    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        std::fs::read_to_string(path)
    }
    fn glob(&self, pattern: &str) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = glob::glob(pattern)
            .map(|paths| paths.filter_map(Result::ok).collect())
            .unwrap_or_default();
        v.sort();
        v
    }
    fn env_var(&self, _name: &str) -> Option<String> {
        None
    }
    fn hostname(&self) -> String {
        "bench.example.org".into()
    }
    fn interface_exists(&self, _name: &str) -> Option<bool> {
        Some(true)
    }
    fn user(&self, name: &str) -> Option<UserInfo> {
        (name == "root").then_some(UserInfo { uid: 0, gid: 0 })
    }
    fn group(&self, name: &str) -> Option<u32> {
        (name == "root").then_some(0)
    }
    fn file_info(&self, _path: &Path) -> Option<FileInfo> {
        Some(FileInfo {
            uid: 0,
            gid: 0,
            mode: 0o755,
            is_dir: false,
        })
    }
    fn canonicalize(&self, path: &Path) -> Option<PathBuf> {
        Some(path.to_path_buf())
    }
    fn random_seed(&self) -> u64 {
        1
    }
}

fn script(out: &mut String, i: usize) {
    let _ = write!(
        out,
        "vrrp_script chk_{i} {{\n    script \"/usr/bin/test -e /run/svc{i}\"\n    \
         interval 2\n    timeout 1\n    weight -10\n    rise 2\n    fall 2\n}}\n"
    );
}

fn instance(out: &mut String, i: usize) {
    let (a, b) = (i / 250 % 250, i % 250 + 1);
    let _ = write!(
        out,
        "vrrp_instance VI_{i} {{\n    state BACKUP\n    interface eth{}\n    \
         virtual_router_id {b}\n    priority {}\n    advert_int 1\n    \
         authentication {{\n        auth_type PASS\n        auth_pass p{i}\n    }}\n    \
         virtual_ipaddress {{\n        10.{a}.{b}.1/24 dev eth{}\n        10.{a}.{b}.2/24\n        \
         10.{a}.{b}.3/24 label eth0:v{b}\n    }}\n    track_script {{\n        chk_{i}\n    }}\n}}\n",
        i / 250,
        100 + i % 100,
        i / 250,
    );
}

fn virtual_server(out: &mut String, i: usize) {
    let (a, b) = (i / 250 % 250, i % 250 + 1);
    let _ = write!(
        out,
        "virtual_server 172.16.{a}.{b} 80 {{\n    delay_loop 5\n    lb_algo wrr\n    \
         lb_kind NAT\n    protocol TCP\n    persistence_timeout 60\n"
    );
    for r in 1..=3 {
        let _ = write!(
            out,
            "    real_server 172.17.{a}.{} 80 {{\n        weight {r}\n        \
             TCP_CHECK {{\n            connect_timeout 3\n            retry 2\n        }}\n        \
             HTTP_GET {{\n            url {{\n                path /health\n                \
             status_code 200\n            }}\n        }}\n    }}\n",
            (b + r * 3) % 250 + 1
        );
    }
    out.push_str("}\n");
}

/// A configuration of at least [`TARGET_LINES`] lines.
fn generate() -> String {
    let mut out = String::from(
        "global_defs {\n    router_id bench\n    enable_script_security\n    script_user root\n}\n",
    );
    let mut i = 0;
    while out.lines().count() < TARGET_LINES {
        // Batches keep the line count cheap to check.
        for _ in 0..100 {
            script(&mut out, i);
            instance(&mut out, i);
            virtual_server(&mut out, i);
            i += 1;
        }
    }
    out
}

fn main() {
    let text = generate();
    let lines = text.lines().count();
    let dir = std::env::temp_dir()
        .join(format!("ka-config-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let path = dir.join("keepalived.conf");
    std::fs::write(&path, &text).expect("write config");
    let opts = LoadOptions {
        config_id: Some("bench".into()),
        strict: false,
        check_all_includes: false,
    };
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut diags = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let loaded = ka_config::load(&path, &BenchHost, &opts);
        times.push(start.elapsed());
        diags = loaded.diagnostics.len();
        std::hint::black_box(&loaded);
    }
    let _ = std::fs::remove_dir_all(&dir);
    times.sort();
    let median = times[RUNS / 2];
    let per_s = lines as f64 / median.as_secs_f64();
    println!(
        "parse+validate {lines} lines ({} bytes), {RUNS} runs: min {:.1} ms, median {:.1} ms, \
         max {:.1} ms; {:.0} lines/s at the median; {diags} diagnostics",
        text.len(),
        ms(times[0]),
        ms(median),
        ms(times[RUNS - 1]),
        per_s
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

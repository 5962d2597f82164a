//! Where the real servers live, and the files and the shell script that
//! run one measurement (the same script on the host, in a namespace, and
//! as the UML guest's init).
//!
//! TCP_CHECK real server i: address 198.51.100.(1 + i / 1000), port
//! 10000 + i % 1000, in virtual servers of 1,000 (192.0.2.(101 + i /
//! 1000):80). HTTP_GET real server j: nginx on 203.0.113.(1 + j / 1000),
//! port 20000 + j % 1000, in virtual servers of 100 (192.0.2.(151 + j /
//! 100):80, up to 192.0.2.250 at 10,000 servers). All addresses sit on the loopback
//! link, documentation ranges only.

use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::path::Path;

/// `delay_loop` of every virtual server, in seconds.
pub(crate) const DELAY_LOOP: u64 = 1;
const TCP_PER_ADDR: usize = 1000;
const HTTP_PER_ADDR: usize = 1000;
const HTTP_PER_VS: usize = 100;

/// TCP_CHECK real server `i`.
pub(crate) fn tcp_rs(i: usize) -> (Ipv4Addr, u16) {
    (
        Ipv4Addr::new(198, 51, 100, (1 + i / TCP_PER_ADDR) as u8),
        (10_000 + i % TCP_PER_ADDR) as u16,
    )
}

/// HTTP_GET real server `j`.
pub(crate) fn http_rs(j: usize) -> (Ipv4Addr, u16) {
    (
        Ipv4Addr::new(203, 0, 113, (1 + j / HTTP_PER_ADDR) as u8),
        (20_000 + j % HTTP_PER_ADDR) as u16,
    )
}

/// The index of the HTTP real server `addr:port` (nginx's
/// `$server_addr:$server_port`).
pub(crate) fn http_index(s: &str) -> Option<usize> {
    let (a, p) = s.rsplit_once(':')?;
    let a: Ipv4Addr = a.parse().ok()?;
    let p: usize = p.parse().ok()?;
    let o = a.octets();
    if o[..3] != [203, 0, 113]
        || o[3] == 0
        || !(20_000..20_000 + HTTP_PER_ADDR).contains(&p)
    {
        return None;
    }
    Some((usize::from(o[3]) - 1) * HTTP_PER_ADDR + p - 20_000)
}

/// Refuses counts the address plan cannot hold.
pub(crate) fn check_counts(tcp: usize, http: usize) -> Result<(), String> {
    if tcp > 10 * TCP_PER_ADDR * 5 {
        return Err(format!("--tcp {tcp}: at most 50000"));
    }
    if http > 100 * HTTP_PER_VS {
        return Err(format!("--http {http}: at most 10000"));
    }
    Ok(())
}

/// The addresses the loopback link carries.
pub(crate) fn addresses(tcp: usize, http: usize) -> Vec<Ipv4Addr> {
    let mut v: Vec<Ipv4Addr> = (0..tcp)
        .step_by(TCP_PER_ADDR)
        .map(|i| tcp_rs(i).0)
        .collect();
    v.extend((0..http).step_by(HTTP_PER_ADDR).map(|j| http_rs(j).0));
    v
}

/// keepalived.conf: the TCP_CHECK and HTTP_GET virtual servers.
pub(crate) fn keepalived_conf(tcp: usize, http: usize) -> String {
    let mut s = String::from("global_defs {\n    router_id check_bench\n}\n");
    let vs_head = |s: &mut String, vip: Ipv4Addr| {
        let _ = write!(
            s,
            "virtual_server {vip} 80 {{\n    delay_loop {DELAY_LOOP}\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n"
        );
    };
    for i in 0..tcp {
        if i % TCP_PER_ADDR == 0 {
            if i > 0 {
                s.push_str("}\n");
            }
            vs_head(
                &mut s,
                Ipv4Addr::new(192, 0, 2, (101 + i / TCP_PER_ADDR) as u8),
            );
        }
        let (a, p) = tcp_rs(i);
        let _ = write!(
            s,
            "    real_server {a} {p} {{\n        TCP_CHECK {{\n            connect_timeout 1\n        }}\n    }}\n"
        );
    }
    if tcp > 0 {
        s.push_str("}\n");
    }
    for j in 0..http {
        if j % HTTP_PER_VS == 0 {
            if j > 0 {
                s.push_str("}\n");
            }
            vs_head(
                &mut s,
                Ipv4Addr::new(192, 0, 2, (151 + j / HTTP_PER_VS) as u8),
            );
        }
        let (a, p) = http_rs(j);
        let _ = write!(
            s,
            "    real_server {a} {p} {{\n        HTTP_GET {{\n            url {{\n                path /\n                status_code 200\n            }}\n            connect_timeout 1\n        }}\n    }}\n"
        );
    }
    if http > 0 {
        s.push_str("}\n");
    }
    s
}

/// nginx.conf: one server listening on every HTTP real server, answering
/// 200, logging `$msec $server_addr:$server_port $status`; every path it
/// writes is under `work` (the guest's root is read-only).
pub(crate) fn nginx_conf(http: usize, work: &Path) -> String {
    let w = work.display();
    let mut listen = String::new();
    for j in 0..http {
        let (a, p) = http_rs(j);
        let _ = writeln!(listen, "        listen {a}:{p};");
    }
    format!(
        "daemon off;\nuser root;\nworker_processes 1;\nworker_rlimit_nofile 16384;\npid {w}/nginx.pid;\n\
         error_log {w}/nginx-error.log;\nevents {{\n    worker_connections 8192;\n}}\n\
         http {{\n    client_body_temp_path {w}/nginx-tmp;\n    proxy_temp_path {w}/nginx-tmp;\n    \
         fastcgi_temp_path {w}/nginx-tmp;\n    uwsgi_temp_path {w}/nginx-tmp;\n    scgi_temp_path {w}/nginx-tmp;\n    \
         log_format bench '$msec $server_addr:$server_port $status';\n    \
         access_log {w}/access.log bench buffer=256k flush=1s;\n    \
         server {{\n{listen}        location / {{\n            return 200 \"ok\\n\";\n        }}\n    }}\n}}\n"
    )
}

/// What the measurement script runs.
#[derive(Debug)]
pub(crate) struct Script<'a> {
    pub(crate) work: &'a Path,
    pub(crate) bench: &'a Path,
    /// The daemon's command line (after the files it is given).
    pub(crate) daemon: String,
    pub(crate) tcp: usize,
    pub(crate) http: usize,
    pub(crate) settle: u64,
    pub(crate) window: u64,
    /// Seconds of `strace -c -f` on the daemon and its children (keepalived's
    /// checker), 2 s into the window.
    pub(crate) strace: Option<u64>,
    /// Whether the daemon serves [`METRICS`] (keepalived-rs), for `serve`
    /// to read its own timer delay once the window is measured.
    pub(crate) metrics: bool,
}

/// Where keepalived-rs serves its metrics in the namespace or guest.
pub(crate) const METRICS: &str = "127.0.0.1:9650";

/// The shell script of one measurement: addresses on the loopback link (the host kernel has no
/// dummy driver), nginx,
/// `check-bench serve`, the daemon; it waits for `serve` to finish, then
/// stops the daemon and nginx (only the pids it started). Every wait is
/// bounded.
pub(crate) fn script(s: &Script<'_>) -> String {
    let w = s.work.display();
    let mut addrs = String::new();
    for a in addresses(s.tcp, s.http) {
        let _ = writeln!(addrs, "ip addr add {a}/32 dev lo || exit 92");
    }
    let nginx = if s.http > 0 {
        format!(
            "mkdir -p {w}/nginx-tmp\nnginx -e {w}/nginx-error.log -p {w} -c {w}/nginx.conf &\nNP=$!\n"
        )
    } else {
        "NP=\n".to_owned()
    };
    format!(
        "W={w}\nulimit -n 65536 2>/dev/null || ulimit -n $(ulimit -Hn)\n{addrs}\
         {nginx}\
         \"{bench}\" serve --tcp {tcp} --http {http} --settle {settle} --window {window} \
         --pid-file $W/daemon.pid --ready $W/ready --out $W/result.json --http-log $W/access.log{metrics} > $W/serve.log 2>&1 &\n\
         SP=$!\n\
         for i in $(seq 1 600); do [ -e $W/ready ] && break; kill -0 $SP 2>/dev/null || break; sleep 0.1; done\n\
         [ -e $W/ready ] || {{ cat $W/serve.log; [ -n \"$NP\" ] && kill $NP; exit 93; }}\n\
         {daemon} > $W/daemon.log 2>&1 &\n\
         DP=$!\necho $DP > $W/daemon.pid\n\
         {strace}\
         wait $SP; ST=$?\n\
         kill -TERM $DP; for i in $(seq 1 100); do kill -0 $DP 2>/dev/null || break; sleep 0.1; done; kill -KILL $DP 2>/dev/null\n\
         [ -n \"$NP\" ] && kill $NP\n\
         wait\n\
         exit $ST\n",
        bench = s.bench.display(),
        tcp = s.tcp,
        http = s.http,
        settle = s.settle,
        window = s.window,
        daemon = s.daemon,
        metrics = if s.metrics {
            format!(" --metrics {METRICS}")
        } else {
            String::new()
        },
        strace = s.strace.map_or(String::new(), |secs| format!(
            "( sleep {}; timeout {secs} strace -c -f $(for p in $DP $(pgrep -P $DP); do echo -p $p; done) -o $W/strace.txt ) &\n",
            s.settle + 2
        )),
    )
}

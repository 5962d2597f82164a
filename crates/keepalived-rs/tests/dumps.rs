//! `keepalived.data` (SIGUSR1) and `keepalived.json` (SIGRTMIN+2)
//! against keepalived 2.2.7's, structurally: keepalived and keepalived-rs
//! run one after the other in the same lab host on the same
//! configuration (several instances: v2 and v3, IPv4 and IPv6, unicast,
//! a sync group, tracked interfaces, scripts, files and processes, VIPs
//! with dev/scope/label, eVIPs, virtual routes and rules), each with its
//! own `$TMPDIR` so that their dumps cannot mix, and:
//!
//! - `.data`: the sequence of line labels must be equal (a label is what
//!   precedes ` = `, or the whole line, with every number masked);
//! - `.json`: the key tree must be equal (keys in order, array lengths,
//!   value types).
//!
//! Needs root and keepalived; skipped with the reason otherwise.

// The interop suite's node starter; most of that module is unused here.
#[allow(dead_code, unreachable_pub)]
#[path = "interop/support.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ka_lab::{DaemonFiles, Lab};
use nix::sys::signal::Signal;
use serde_json::Value;
use support::Impl;

/// Every instance reaches MASTER (no peers) well within this.
const SETTLE: Duration = Duration::from_secs(20);

/// The configuration both programs run; `dir` holds the track file.
fn conf(dir: &Path) -> String {
    let file = dir.join("track.file");
    let _ = std::fs::write(&file, "0\n");
    format!(
        r#"global_defs {{
  router_id dumps
}}
vrrp_script chk_true {{
  script "/bin/true"
  interval 1
  weight -10
  fall 2
  rise 2
}}
track_file tf1 {{
  file "{file}"
  weight 1
}}
vrrp_track_process tp1 {{
  process no-such-process-dumps
  weight 5
  quorum 1
}}
vrrp_sync_group SG1 {{
  group {{
    VI_1
    VI_2
  }}
  track_interface {{
    lo
  }}
}}
vrrp_instance VI_1 {{
  state MASTER
  interface eth0
  virtual_router_id 201
  priority 150
  advert_int 1
  authentication {{
    auth_type PASS
    auth_pass secret
  }}
  virtual_ipaddress {{
    192.0.2.100/24 dev eth0 scope global label eth0:v1
    192.0.2.101
  }}
  virtual_ipaddress_excluded {{
    198.51.100.5/24 dev eth0
  }}
  virtual_routes {{
    203.0.113.0/24 via 192.0.2.1 dev eth0
  }}
  virtual_rules {{
    from 203.0.113.5 table 100 priority 100
  }}
  track_interface {{
    lo weight 10
  }}
  track_file {{
    tf1
  }}
  track_process {{
    tp1
  }}
}}
vrrp_instance VI_2 {{
  state BACKUP
  interface eth0
  virtual_router_id 202
  priority 100
  version 3
  advert_int 1
  unicast_src_ip 192.0.2.10
  unicast_peer {{
    192.0.2.3
  }}
  virtual_ipaddress {{
    192.0.2.102/24
  }}
}}
vrrp_instance VI_3 {{
  state BACKUP
  interface eth0
  virtual_router_id 203
  priority 90
  version 3
  advert_int 1
  virtual_ipaddress {{
    2001:db8::53/64
  }}
  track_script {{
    chk_true
  }}
}}
"#,
        file = file.display()
    )
}

/// The second configuration: states besides MASTER and the conditional
/// lines. Host 1 runs keepalived as the master of VRID 211, so VI_B is
/// BACKUP (master router lines); VI_F tracks a link that is down
/// (FAULT); VI_A uses AH (its own socket); VI_N has notify scripts,
/// preemption settings and GARP timers; static entries are configured.
fn conf_states() -> String {
    let b = "vrrp_instance VI_B {\n state BACKUP\n interface eth0\n virtual_router_id 211\n \
             priority 100\n advert_int 1\n authentication {\n auth_type PASS\n auth_pass pw\n }\n \
             virtual_ipaddress {\n 192.0.2.211/24\n }\n}\n";
    format!(
        r#"global_defs {{
  vrrp_garp_master_repeat 3
  vrrp_garp_master_refresh 30
}}
static_ipaddress {{
  203.0.113.1/32 dev eth0
}}
static_routes {{
  203.0.113.128/25 via 192.0.2.1 dev eth0
}}
static_rules {{
  from 203.0.113.2 table 101 priority 101
}}
{b}vrrp_instance VI_F {{
  state BACKUP
  interface eth0
  virtual_router_id 212
  priority 100
  virtual_ipaddress {{
    192.0.2.212/24
  }}
  track_interface {{
    dmp0
  }}
}}
vrrp_instance VI_A {{
  state MASTER
  interface eth0
  virtual_router_id 213
  priority 100
  authentication {{
    auth_type AH
    auth_pass secret
  }}
  virtual_ipaddress {{
    192.0.2.213/24
  }}
}}
vrrp_instance VI_N {{
  state BACKUP
  interface eth0
  virtual_router_id 214
  priority 100
  version 3
  advert_int 0.5
  preempt_delay 2
  garp_master_delay 2
  garp_master_refresh 10
  notify_master "/bin/true master"
  notify "/bin/true"
  virtual_ipaddress {{
    198.51.100.214/24 dev eth0
  }}
}}
"#
    )
}

/// The master of VRID 211 for `conf_states`, in host 1.
fn conf_peer() -> String {
    "vrrp_instance VI_P {\n state MASTER\n interface eth0\n virtual_router_id 211\n \
     priority 200\n advert_int 1\n authentication {\n auth_type PASS\n auth_pass pw\n }\n \
     virtual_ipaddress {\n 192.0.2.211/24\n }\n}\n"
        .into()
}

/// Both dumps of one program, read once every instance is MASTER.
struct Dumps {
    data: String,
    json: Value,
}

/// Starts `imp` in host 0 with its own `$TMPDIR`, waits for every
/// instance to be MASTER (by its own JSON dump), dumps, stops it.
fn run(
    lab: &mut Lab,
    label: &str,
    imp: Impl,
    conf: &str,
    want: &[u64],
) -> Result<Dumps, String> {
    let tmp = lab.dir().join(format!("{label}-tmp"));
    std::fs::create_dir_all(&tmp).map_err(|e| e.to_string())?;
    let files = DaemonFiles::write(lab.dir(), label, conf)?;
    let env_tmp = format!("TMPDIR={}", tmp.display());
    let (prog, extra) = imp.command();
    let pid = lab
        .start_daemon(0, label, prog, &files, &[&env_tmp], extra)
        .map_err(|e| format!("start {label}: {e}"))?;
    let result = dump_when_settled(lab, pid, &tmp, want);
    let log = lab.log_of(pid);
    lab.signal(pid, Signal::SIGTERM);
    let _ = lab.wait_exit(pid, SETTLE);
    result
        .map_err(|e| format!("{label}: {e}\nlog:\n{}", support::tail(&log, 40)))
}

/// SIGRTMIN+2 (keepalived's JSON signal) to our own child: nix's
/// `Signal` has no real-time signals, so through kill(1).
fn send_json_signal(pid: u32) -> bool {
    ka_lab::run("kill", &["-s", "RTMIN+2", &pid.to_string()])
        .is_ok_and(|o| o.status.success())
}

fn dump_when_settled(
    lab: &mut Lab,
    pid: u32,
    tmp: &Path,
    want: &[u64],
) -> Result<Dumps, String> {
    let json_path = tmp.join("keepalived.json");
    let data_path = tmp.join("keepalived.data");
    let start = Instant::now();
    let mut last = String::new();
    while start.elapsed() < SETTLE {
        std::thread::sleep(Duration::from_millis(500));
        let _ = std::fs::remove_file(&json_path);
        if !send_json_signal(pid) {
            return Err("cannot send SIGRTMIN+2".into());
        }
        let Some(text) = wait_file(&json_path) else {
            continue;
        };
        last = text.clone();
        let Ok(json) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let states: Vec<u64> = json
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|i| i["data"]["state"].as_u64())
                    .collect()
            })
            .unwrap_or_default();
        if states == want {
            let _ = std::fs::remove_file(&data_path);
            if !lab.signal(pid, Signal::SIGUSR1) {
                return Err("cannot send SIGUSR1".into());
            }
            let data = wait_file(&data_path).ok_or("no keepalived.data")?;
            return Ok(Dumps { data, json });
        }
    }
    Err(format!(
        "the instances never reached states {want:?}; last json: {last}"
    ))
}

/// The file's contents once it exists and has stopped growing.
fn wait_file(path: &PathBuf) -> Option<String> {
    let start = Instant::now();
    let mut prev = None;
    while start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(100));
        let now = std::fs::read_to_string(path).ok();
        if now.is_some() && now == prev {
            return now;
        }
        prev = now;
    }
    None
}

/// The label of a `.data` line: what precedes ` = `, else the line; in
/// both, every number (digits, with a leading `-`) is masked as `N`.
fn label(line: &str) -> String {
    let base = line.split(" = ").next().unwrap_or(line);
    let mut out = String::new();
    let mut chars = base.chars().peekable();
    while let Some(c) = chars.next() {
        let negative =
            c == '-' && chars.peek().is_some_and(char::is_ascii_digit);
        if c.is_ascii_digit() || negative {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            out.push('N');
        } else {
            out.push(c);
        }
    }
    out
}

/// Labels of every line of `.data`.
fn labels(data: &str) -> Vec<String> {
    data.lines().map(label).collect()
}

/// The key tree of a JSON value, one line per node.
fn tree(v: &Value, path: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                tree(x, &format!("{path}.{k}"), out);
            }
        }
        Value::Array(a) => {
            out.push(format!("{path}[{}]", a.len()));
            for (n, x) in a.iter().enumerate() {
                tree(x, &format!("{path}[{n}]"), out);
            }
        }
        Value::String(_) => out.push(format!("{path}: string")),
        Value::Number(_) => out.push(format!("{path}: number")),
        Value::Bool(_) => out.push(format!("{path}: bool")),
        Value::Null => out.push(format!("{path}: null")),
    }
}

/// The first difference of two sequences, with context, for messages.
fn first_difference(a: &[String], b: &[String]) -> Option<String> {
    let n = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if n == a.len() && n == b.len() {
        return None;
    }
    let ctx =
        |s: &[String]| s[n.saturating_sub(3)..(n + 3).min(s.len())].join("\n");
    Some(format!(
        "first difference at item {n}:\nkeepalived:\n{}\nkeepalived-rs:\n{}",
        ctx(a),
        ctx(b)
    ))
}

/// Runs keepalived, then keepalived-rs, in host 0 on `conf`; compares.
fn compare(lab: &mut Lab, name: &str, conf: &str, want: &[u64]) {
    let ka = run(lab, &format!("{name}-ka"), Impl::Keepalived, conf, want)
        .expect("keepalived dumps");
    let rs = run(lab, &format!("{name}-rs"), Impl::Rust, conf, want)
        .expect("keepalived-rs dumps");

    // KA_DUMPS_SAVE=DIR keeps all four files for reading.
    if let Some(dir) = std::env::var_os("KA_DUMPS_SAVE").map(PathBuf::from) {
        for (who, d) in [("ka", &ka), ("rs", &rs)] {
            let _ =
                std::fs::write(dir.join(format!("{name}-{who}.data")), &d.data);
            let _ = std::fs::write(
                dir.join(format!("{name}-{who}.json")),
                d.json.to_string(),
            );
        }
    }
    let (ka_labels, rs_labels) = (labels(&ka.data), labels(&rs.data));
    assert!(
        ka_labels.len() > 100,
        "keepalived's data dump is too short to compare:\n{}",
        ka.data
    );
    if let Some(d) = first_difference(&ka_labels, &rs_labels) {
        panic!(
            "{name}: keepalived.data differs: {d}\n--- keepalived:\n{}\n--- keepalived-rs:\n{}",
            ka.data, rs.data
        );
    }

    let (mut ka_tree, mut rs_tree) = (Vec::new(), Vec::new());
    tree(&ka.json, "", &mut ka_tree);
    tree(&rs.json, "", &mut rs_tree);
    if let Some(d) = first_difference(&ka_tree, &rs_tree) {
        panic!(
            "{name}: keepalived.json differs: {d}\n--- keepalived:\n{}\n--- keepalived-rs:\n{}",
            ka.json, rs.json
        );
    }
}

#[test]
fn dumps_of_masters_have_keepalived_structure() {
    if let Some(why) = support::skip_reason() {
        eprintln!("skipped: {why}");
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    let conf = conf(lab.dir());
    compare(&mut lab, "masters", &conf, &[2, 2, 2]);
}

#[test]
fn dumps_of_backup_fault_ah_and_statics_have_keepalived_structure() {
    if let Some(why) = support::skip_reason() {
        eprintln!("skipped: {why}");
        return;
    }
    let mut lab = Lab::new(2).expect("lab");
    // A link that stays down, tracked by VI_F.
    lab.exec_ok(
        0,
        "ip",
        &[
            "link", "add", "dmp0", "type", "veth", "peer", "name", "dmp1",
        ],
    )
    .expect("add dmp0");
    let peer =
        support::start(&mut lab, 1, Impl::Keepalived, &conf_peer(), "peer")
            .expect("start the peer");
    let peer_vip: std::net::IpAddr = "192.0.2.211".parse().expect("address");
    assert!(
        lab.wait_until(SETTLE, |l| support::has(l, &[peer_vip], 1))
            .is_some(),
        "the peer never became master:\n{}",
        lab.log_of(peer.pid)
    );
    compare(&mut lab, "states", &conf_states(), &[1, 3, 2, 2]);
    support::terminate(&mut lab, &peer);
}

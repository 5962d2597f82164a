//! Keywords keepalived-rs used to accept without acting on them (issue
//! 13): `-t` no longer calls them "not implemented", and each behaves as
//! keepalived 2.2.7 does, checked beside it in lab namespaces:
//!
//! - `vrrp_iptables` / `vrrp_ipsets`: the reference build's messages and
//!   `-t` status;
//! - `fifo_write_vrrp_states_on_reload`: the FIFO lines after a SIGHUP;
//! - `vrrp_rx_bufs_policy`: the VRRP socket's receive buffer (`ss -m`);
//! - `data_use_instance`: the data dump's file name;
//! - `reload_check_config`, `config_save_dir`: a bad configuration is
//!   not loaded, the dumps around a good reload are kept;
//! - `reload_time_file`: a reload at the time the file names;
//! - `process_name`: the process's name (`/proc/PID/comm`);
//! - `lvs_netlink_*_rcv_bufs`: the checkers' netlink sockets (keepalived-rs
//!   only: keepalived's checker needs IPVS, which this kernel lacks).
//!
//! The `-t` tests need nothing; the others need root and keepalived and
//! are skipped with the reason otherwise.

// The interop suite's node starter; most of that module is unused here.
#[allow(dead_code, unreachable_pub)]
#[path = "interop/support.rs"]
mod support;

use std::net::IpAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use ka_lab::{DaemonFiles, Lab};
use nix::sys::signal::Signal;
use support::Impl;

const BIN: &str = env!("CARGO_BIN_EXE_keepalived-rs");

/// `prog -t -l -f FILE` on `conf`: (stderr+stdout, exit status).
fn config_test(prog: &str, dir: &Path, conf: &str) -> (String, i32) {
    let path = dir.join("t.conf");
    std::fs::write(&path, conf).expect("write config");
    let out = Command::new(prog)
        .args(["-t", "-l", "-f"])
        .arg(&path)
        .output()
        .expect("run -t");
    let mut text = String::from_utf8_lossy(&out.stderr).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stdout));
    (text, out.status.code().unwrap_or(-1))
}

fn tmp_dir(tag: &str) -> ka_lab::TmpDir {
    ka_lab::TmpDir::new("ka-kw", tag)
}

/// An instance that is valid anywhere (`eth0` need not exist for `-t`
/// to report keywords; the interface error is the same for every case).
const INSTANCE: &str = "vrrp_instance VI_1 {\n interface eth0\n \
    virtual_router_id 51\n priority 100\n virtual_ipaddress {\n  \
    192.0.2.100/24\n }\n}\n";

#[test]
fn applied_keywords_are_not_reported_as_not_implemented() {
    let dir = tmp_dir("applied");
    let conf = format!(
        "namespace_with_ipsets\n\
         global_defs {{\n smtp_server 192.0.2.25\n \
         vrrp_rt_priority 10\n checker_rt_priority 10\n bfd_rt_priority 10\n \
         vrrp_cpu_affinity 0\n vrrp_rlimit_rttime 10000\n vrrp_no_swap\n \
         max_auto_priority 20\n min_auto_priority_delay 1000\n \
         fifo_write_vrrp_states_on_reload\n data_use_instance\n \
         vrrp_rx_bufs_policy ADVERT\n vrrp_rx_bufs_multiplier 4\n \
         vrrp_netlink_cmd_rcv_bufs 100000\n lvs_netlink_cmd_rcv_bufs 100000\n \
         lvs_netlink_monitor_rcv_bufs_force\n no_email_faults\n \
         no_checker_emails\n rs_init_notifies\n \
         enable_dbus\n dbus_service_name org.example.Vrrp1\n}}\n{INSTANCE}"
    );
    let (out, _) = config_test(BIN, dir.path(), &conf);
    assert!(!out.contains("not implemented"), "{out}");
}

#[test]
fn snmp_checker_is_still_reported_once() {
    let dir = tmp_dir("snmp");
    let conf = format!(
        "global_defs {{\n enable_snmp_vrrp\n enable_snmp_rfc\n enable_traps\n \
         enable_snmp_checker\n enable_dbus\n}}\n{INSTANCE}"
    );
    let (out, _) = config_test(BIN, dir.path(), &conf);
    // The SNMP subagent serves the VRRP and RFC MIBs and the traps; the
    // DBus interface runs.
    for kw in [
        "`enable_snmp_vrrp`",
        "`enable_snmp_rfc`",
        "`enable_traps`",
        "`enable_dbus`",
    ] {
        assert!(!out.contains(&format!("{kw} is accepted")), "{kw}: {out}");
    }
    let kw = "`enable_snmp_checker`";
    let n = out
        .lines()
        .filter(|l| l.contains(kw) && l.contains("not implemented"))
        .count();
    assert_eq!(n, 1, "{kw}: {out}");
}

#[test]
fn vrrp_iptables_and_vrrp_ipsets_as_the_reference_build() {
    let dir = tmp_dir("ipt");
    let conf = "global_defs {\n vrrp_iptables IN OUT\n vrrp_ipsets a b\n}\n";
    let (out, status) = config_test(BIN, dir.path(), conf);
    assert!(out.contains("iptables not supported, using nftables instead. Please replace 'vrrp_iptables and 'vrrp_ipsets' with 'nftables' config option"), "{out}");
    assert!(out.contains("unknown keyword `vrrp_ipsets`"), "{out}");
    assert!(!out.contains("not implemented"), "{out}");
    assert_eq!(status, 5, "{out}");
    if support::skip_reason().is_some() {
        return;
    }
    let (theirs, their_status) = config_test("keepalived", dir.path(), conf);
    assert_eq!(status, their_status, "{theirs}");
    assert!(
        theirs.contains("(Line 2) iptables not supported"),
        "{theirs}"
    );
    assert!(theirs.contains("Unknown keyword 'vrrp_ipsets'"), "{theirs}");
}

/// Starts `imp` in host 0 on `conf`, with `TMPDIR` at `tmp`; returns its
/// pid.
fn start(lab: &mut Lab, label: &str, imp: Impl, conf: &str, tmp: &Path) -> u32 {
    std::fs::create_dir_all(tmp).expect("tmp dir");
    let files = DaemonFiles::write(lab.dir(), label, conf).expect("write");
    let env_tmp = format!("TMPDIR={}", tmp.display());
    let (prog, extra) = imp.command();
    lab.start_daemon(0, label, prog, &files, &[&env_tmp], extra)
        .expect("start")
}

fn stop(lab: &mut Lab, pid: u32) {
    lab.signal(pid, Signal::SIGTERM);
    let _ = lab.wait_exit(pid, Duration::from_secs(10));
}

/// Polls `f` every 200 ms for at most `limit`.
fn wait_for<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(v) = f() {
            return Some(v);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    None
}

/// Two groups and a slow instance: after 5 s VI_1, VI_2 (group G) and
/// VI_3 (group H) are MASTER, VI_4 (advert_int 5) still BACKUP.
fn fifo_conf(fifo: &Path) -> String {
    let inst = |n: u8, prio: u8, int: u8| {
        format!(
            "vrrp_instance VI_{n} {{\n interface eth0\n virtual_router_id {}\n \
             priority {prio}\n advert_int {int}\n virtual_ipaddress {{\n  \
             203.0.113.{n}/24\n }}\n}}\n",
            50 + n
        )
    };
    format!(
        "global_defs {{\n fifo_write_vrrp_states_on_reload\n notify_fifo {}\n}}\n\
         vrrp_sync_group G {{\n group {{\n  VI_1\n  VI_2\n }}\n}}\n\
         vrrp_sync_group H {{\n group {{\n  VI_3\n }}\n}}\n{}{}{}{}",
        fifo.display(),
        inst(1, 100, 1),
        inst(2, 90, 1),
        inst(3, 255, 1),
        inst(4, 80, 5)
    )
}

/// The lines the FIFO got after a SIGHUP sent once the states settled.
fn lines_after_reload(lab: &mut Lab, label: &str, imp: Impl) -> Vec<String> {
    let fifo = lab.dir().join(format!("{label}.fifo"));
    let out = lab.dir().join(format!("{label}.out"));
    ka_lab::run_ok("mkfifo", &[&fifo.display().to_string()]).expect("mkfifo");
    // A reader that survives the FIFO being reopened at the reload.
    let script = format!(
        "for i in 1 2 3 4 5 6 7 8; do cat {f}; done >> {o}",
        f = fifo.display(),
        o = out.display()
    );
    let reader = lab
        .spawn(0, &format!("{label}-reader"), "sh", &["-c", &script])
        .expect("reader");
    let tmp = lab.dir().join(format!("{label}-tmp"));
    let pid = start(lab, label, imp, &fifo_conf(&fifo), &tmp);
    std::thread::sleep(Duration::from_secs(6));
    let before = std::fs::read_to_string(&out).unwrap_or_default();
    lab.signal(pid, Signal::SIGHUP);
    std::thread::sleep(Duration::from_secs(3));
    let all = std::fs::read_to_string(&out).unwrap_or_default();
    stop(lab, pid);
    lab.signal(reader, Signal::SIGKILL);
    let _ = lab.wait_exit(reader, Duration::from_secs(5));
    all[before.len().min(all.len())..]
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn fifo_states_after_a_reload_match_keepalived() {
    if let Some(why) = support::skip_reason() {
        eprintln!("skipped: {why}");
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    let theirs = lines_after_reload(&mut lab, "ka", Impl::Keepalived);
    let ours = lines_after_reload(&mut lab, "rs", Impl::Rust);
    assert_eq!(
        theirs,
        [
            "GROUP \"G\" MASTER 0",
            "GROUP \"H\" MASTER 0",
            "INSTANCE \"VI_4\" BACKUP 80"
        ],
        "keepalived itself changed?"
    );
    assert_eq!(ours, theirs);
}

/// Prints the `SO_RCVBUF` of every raw IP socket (`argv[2]` `ip`) or
/// netlink socket (`netlink`) of process `argv[1]`, read on a copy of
/// each descriptor (`pidfd_getfd`): `ss -m` shows no memory for raw
/// sockets without the kernel's `raw_diag`.
const RCVBUF_PY: &str = r#"
import ctypes, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
pid = int(sys.argv[1])
pfd = libc.syscall(434, pid, 0)  # pidfd_open
out = []
for fd in os.listdir(f"/proc/{pid}/fd"):
    try:
        if not os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
            continue
    except OSError:
        continue
    nfd = libc.syscall(438, pfd, int(fd), 0)  # pidfd_getfd
    if nfd < 0:
        continue
    s = socket.socket(fileno=nfd)
    ip = s.type == socket.SOCK_RAW and s.family in (socket.AF_INET, socket.AF_INET6)
    if (ip and sys.argv[2] == "ip") or (s.family == socket.AF_NETLINK and sys.argv[2] == "netlink"):
        out.append(s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))
    s.detach()
    os.close(nfd)
print(" ".join(str(x) for x in sorted(out)))
"#;

/// The receive buffers of `pid`'s raw IP sockets, smallest first.
fn raw_rcvbufs(lab: &Lab, pid: &str) -> Vec<u64> {
    rcvbufs(lab, pid, "ip")
}

/// The receive buffers of `pid`'s sockets of `kind` (`ip`: raw IP,
/// `netlink`), smallest first.
fn rcvbufs(lab: &Lab, pid: &str, kind: &str) -> Vec<u64> {
    let script = lab.dir().join("rcvbuf.py");
    if std::fs::write(&script, RCVBUF_PY).is_err() {
        return Vec::new();
    }
    ka_lab::run_ok("python3", &[&script.display().to_string(), pid, kind])
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect()
}

fn rx_conf(policy: &str) -> String {
    format!(
        "global_defs {{\n vrrp_rx_bufs_policy {policy}\n vrrp_rx_bufs_multiplier 40\n}}\n\
         vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n \
         priority 100\n virtual_ipaddress {{\n  203.0.113.1/24\n  203.0.113.2/24\n }}\n}}\n"
    )
}

/// The VRRP process's raw socket buffers once it opened them; for
/// keepalived, its VRRP child (the `-r` pid file).
fn rcvbufs_of(lab: &mut Lab, label: &str, imp: Impl, conf: &str) -> Vec<u64> {
    let tmp = lab.dir().join(format!("{label}-tmp"));
    let pid = start(lab, label, imp, conf, &tmp);
    let vrrp_pid = DaemonFiles::new(lab.dir(), label).vrrp;
    let bufs = wait_for(Duration::from_secs(10), || {
        let who = if imp == Impl::Keepalived {
            DaemonFiles::read_pid(&vrrp_pid)?
        } else {
            pid
        };
        Some(raw_rcvbufs(lab, &who.to_string())).filter(|b| !b.is_empty())
    })
    .unwrap_or_default();
    stop(lab, pid);
    bufs
}

/// Prints why the socket-buffer tests cannot run here, if they cannot.
fn skip_without_python() -> bool {
    if let Some(why) = support::skip_reason() {
        eprintln!("skipped: {why}");
        return true;
    }
    if ka_lab::run("python3", &["-c", "pass"]).is_err() {
        eprintln!("skipped: python3 (to read the sockets' buffers) is missing");
        return true;
    }
    false
}

/// Whether lab host 0 holds `203.0.113.LAST`.
fn has(lab: &Lab, last: u8) -> bool {
    let a: IpAddr = format!("203.0.113.{last}").parse().expect("ip");
    lab.addresses(0).contains(&a)
}

#[test]
fn vrrp_socket_receive_buffers_match_keepalived() {
    if skip_without_python() {
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    for policy in ["ADVERT", "MTU", "50000"] {
        let conf = rx_conf(policy);
        let theirs = rcvbufs_of(
            &mut lab,
            &format!("ka-{policy}"),
            Impl::Keepalived,
            &conf,
        );
        let ours =
            rcvbufs_of(&mut lab, &format!("rs-{policy}"), Impl::Rust, &conf);
        assert!(!theirs.is_empty(), "{policy}: no keepalived socket");
        // keepalived opens a send and a receive socket, keepalived-rs one:
        // the largest (the receiving one) must agree.
        assert_eq!(
            ours.last(),
            theirs.last(),
            "{policy}: ours {ours:?}, keepalived {theirs:?}"
        );
    }
}

/// `lvs_netlink_cmd_rcv_bufs` / `lvs_netlink_monitor_rcv_bufs` (forced)
/// size the checkers' netlink sockets (the address watch `ha_suspend`
/// opens); the kernel reports twice the size set. keepalived's checker
/// cannot run on this kernel (no IPVS): only keepalived-rs is read.
#[test]
fn lvs_netlink_rcv_bufs_size_the_checkers_netlink_sockets() {
    if skip_without_python() {
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    let conf = "global_defs {\n lvs_netlink_cmd_rcv_bufs 300000\n \
        lvs_netlink_cmd_rcv_bufs_force\n lvs_netlink_monitor_rcv_bufs 400000\n \
        lvs_netlink_monitor_rcv_bufs_force\n}\n\
        virtual_server 203.0.113.10 80 {\n ha_suspend\n lvs_sched rr\n \
        lvs_method NAT\n protocol TCP\n real_server 203.0.113.11 80 {\n \
        TCP_CHECK {\n }\n }\n}\n";
    let tmp = lab.dir().join("lvs-nl-tmp");
    let pid = start(&mut lab, "lvs-nl", Impl::Rust, conf, &tmp);
    let want = [600_000, 800_000];
    let got = wait_for(Duration::from_secs(10), || {
        let b = rcvbufs(&lab, &pid.to_string(), "netlink");
        want.iter().all(|w| b.contains(w)).then_some(b)
    });
    let seen = rcvbufs(&lab, &pid.to_string(), "netlink");
    stop(&mut lab, pid);
    assert!(got.is_some(), "netlink buffers {seen:?}, want {want:?}");
}

/// The children's names have nothing to rename here: said once each,
/// as a warning (the status stays 0).
#[test]
fn child_process_names_say_they_have_no_effect() {
    let dir = tmp_dir("pnames");
    let conf = "global_defs {\n process_names\n vrrp_process_name v\n \
        checker_process_name c\n bfd_process_name b\n process_name p\n}\n";
    let (out, _) = config_test(BIN, dir.path(), conf);
    for kw in [
        "process_names",
        "vrrp_process_name",
        "checker_process_name",
        "bfd_process_name",
    ] {
        let n = out
            .lines()
            .filter(|l| l.contains(&format!("`{kw}` has no effect")))
            .count();
        assert_eq!(n, 1, "{kw}: {out}");
    }
    // Line 6, `process_name`, is acted on.
    assert!(!out.contains("t.conf:6:"), "{out}");
    assert!(!out.contains("not implemented"), "{out}");
}

/// `process_name` renames the process as keepalived renames its parent.
#[test]
fn process_name_renames_the_process_as_keepalived() {
    if let Some(why) = support::skip_reason() {
        eprintln!("skipped: {why}");
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    let conf =
        format!("global_defs {{\n process_name kars-named\n}}\n{INSTANCE}");
    let mut names = Vec::new();
    for (label, imp) in [("pn-ka", Impl::Keepalived), ("pn-rs", Impl::Rust)] {
        let tmp = lab.dir().join(format!("{label}-tmp"));
        let pid = start(&mut lab, label, imp, &conf, &tmp);
        let comm = wait_for(Duration::from_secs(10), || {
            let c =
                std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
            Some(c.trim().to_owned()).filter(|c| c == "kars-named")
        });
        stop(&mut lab, pid);
        names.push((imp, comm));
    }
    for (imp, comm) in names {
        assert_eq!(comm.as_deref(), Some("kars-named"), "{imp:?}");
    }
}

/// `reload_check_config` with a log, `config_save_dir`: one VRRP instance
/// on VIP `203.0.113.VIP/24`, `extra` appended (a bad keyword).
fn reload_conf(dir: &Path, vip: u8, extra: &str) -> String {
    format!(
        "global_defs {{\n reload_check_config {log}\n config_save_dir {save}\n}}\n\
         vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n \
         priority 100\n advert_int 1\n virtual_ipaddress {{\n  203.0.113.{vip}/24\n }}\n}}\n{extra}",
        log = dir.join("check.log").display(),
        save = dir.join("saved").display(),
    )
}

/// What a daemon did with `reload_check_config`: (the bad reload kept the
/// old VIP, the check log named the error, the good reload moved the VIP,
/// the saved dumps' suffixes).
fn reload_check_run(
    lab: &mut Lab,
    label: &str,
    imp: Impl,
) -> (bool, String, bool, Vec<String>) {
    let dir = lab.dir().join(format!("{label}-rc"));
    std::fs::create_dir_all(&dir).expect("dir");
    let tmp = lab.dir().join(format!("{label}-tmp"));
    let conf_path = DaemonFiles::new(lab.dir(), label).conf;
    let pid = start(lab, label, imp, &reload_conf(&dir, 1, ""), &tmp);
    let master =
        wait_for(Duration::from_secs(10), || has(lab, 1).then_some(()));
    assert!(
        master.is_some(),
        "{label}: never MASTER\n{}",
        lab.log_of(pid)
    );
    std::fs::write(&conf_path, reload_conf(&dir, 2, "bogus_keyword_here\n"))
        .expect("conf");
    lab.signal(pid, Signal::SIGHUP);
    std::thread::sleep(Duration::from_secs(3));
    let kept = has(lab, 1) && !has(lab, 2);
    let log =
        std::fs::read_to_string(dir.join("check.log")).unwrap_or_default();
    std::fs::write(&conf_path, reload_conf(&dir, 2, "")).expect("conf");
    lab.signal(pid, Signal::SIGHUP);
    let moved = wait_for(Duration::from_secs(10), || {
        (has(lab, 2) && !has(lab, 1)).then_some(())
    })
    .is_some();
    let mut saved: Vec<String> = std::fs::read_dir(dir.join("saved"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("keepalived_vrrp."))
                .map(|n| n.rsplit('.').take(2).collect::<Vec<_>>().join("."))
                .collect()
        })
        .unwrap_or_default();
    saved.sort();
    let daemon_log = lab.log_of(pid);
    stop(lab, pid);
    assert!(
        daemon_log.contains("New config failed validation"),
        "{label}: {daemon_log}"
    );
    (kept, log, moved, saved)
}

/// `reload_check_config`: a configuration with an error is not loaded
/// (the check's report goes to the log file) and a good one is;
/// `config_save_dir` keeps the VRRP data dump from before and after the
/// good reload. Beside keepalived 2.2.7.
#[test]
fn reload_check_config_refuses_a_bad_configuration_as_keepalived() {
    if let Some(why) = support::skip_reason() {
        eprintln!("skipped: {why}");
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    for (label, imp) in [("rc-ka", Impl::Keepalived), ("rc-rs", Impl::Rust)] {
        let (kept, log, moved, saved) = reload_check_run(&mut lab, label, imp);
        assert!(kept, "{label}: the bad configuration was loaded");
        assert!(
            log.contains("bogus_keyword_here"),
            "{label}: check log {log:?}"
        );
        assert!(moved, "{label}: the good configuration was not loaded");
        assert_eq!(saved, ["post.1", "pre.1"], "{label}");
    }
}

/// `reload_time_file`: one VRRP instance on `203.0.113.VIP/24`.
fn timed_conf(file: &Path, vip: u8) -> String {
    format!(
        "global_defs {{\n reload_time_file {}\n}}\n\
         vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 52\n \
         priority 100\n advert_int 1\n virtual_ipaddress {{\n  203.0.113.{vip}/24\n }}\n}}\n",
        file.display()
    )
}

/// (the configuration changed on disk was loaded at the time the file
/// named, not before; the file was removed).
fn timed_reload_run(
    lab: &mut Lab,
    label: &str,
    imp: Impl,
) -> (bool, bool, bool) {
    let dir = lab.dir().join(format!("{label}-rt"));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("reload.time");
    let tmp = lab.dir().join(format!("{label}-tmp"));
    let conf_path = DaemonFiles::new(lab.dir(), label).conf;
    let pid = start(lab, label, imp, &timed_conf(&file, 11), &tmp);
    let master =
        wait_for(Duration::from_secs(10), || has(lab, 11).then_some(()));
    assert!(
        master.is_some(),
        "{label}: never MASTER\n{}",
        lab.log_of(pid)
    );
    std::fs::write(&conf_path, timed_conf(&file, 12)).expect("conf");
    let at = ka_lab::run_ok("date", &["+%H:%M:%S", "-d", "+5 seconds"])
        .expect("date");
    std::fs::write(&file, at.trim()).expect("time file");
    std::thread::sleep(Duration::from_secs(2));
    let waited = has(lab, 11) && !has(lab, 12);
    let moved =
        wait_for(Duration::from_secs(12), || has(lab, 12).then_some(()))
            .is_some();
    let removed =
        wait_for(Duration::from_secs(3), || (!file.exists()).then_some(()))
            .is_some();
    let log = lab.log_of(pid);
    stop(lab, pid);
    assert!(log.contains("Scheduling reload for"), "{label}: {log}");
    (waited, moved, removed)
}

/// `reload_time_file`: the reload happens at the time written in the
/// file, which is then removed. Beside keepalived 2.2.7.
#[test]
fn reload_time_file_reloads_at_the_time_as_keepalived() {
    if let Some(why) = support::skip_reason() {
        eprintln!("skipped: {why}");
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    for (label, imp) in [("rt-ka", Impl::Keepalived), ("rt-rs", Impl::Rust)] {
        let (waited, moved, removed) = timed_reload_run(&mut lab, label, imp);
        assert!(waited, "{label}: reloaded before the time");
        assert!(moved, "{label}: did not reload at the time");
        assert!(removed, "{label}: the time file is still there");
    }
}

#[test]
fn data_use_instance_names_the_dump_as_keepalived() {
    if let Some(why) = support::skip_reason() {
        eprintln!("skipped: {why}");
        return;
    }
    let mut lab = Lab::new(1).expect("lab");
    let conf = format!(
        "instance lb1\nglobal_defs {{\n data_use_instance\n}}\n{}",
        rx_conf("ADVERT")
    );
    let mut names = Vec::new();
    for (label, imp) in [("ka", Impl::Keepalived), ("rs", Impl::Rust)] {
        let tmp = lab.dir().join(format!("{label}-dtmp"));
        let pid = start(&mut lab, label, imp, &conf, &tmp);
        std::thread::sleep(Duration::from_secs(2));
        lab.signal(pid, Signal::SIGUSR1);
        let found = wait_for(Duration::from_secs(5), || {
            let mut n: Vec<String> = std::fs::read_dir(&tmp)
                .ok()?
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                // keepalived-rs is one process: no keepalived_parent.data.
                .filter(|n| {
                    n.ends_with(".data") && !n.starts_with("keepalived_parent")
                })
                .collect();
            n.sort();
            (!n.is_empty()).then_some(n)
        });
        stop(&mut lab, pid);
        names.push(found.unwrap_or_default());
    }
    assert_eq!(
        names[0],
        ["keepalived.lb1.data"],
        "keepalived itself changed?"
    );
    assert_eq!(names[1], names[0]);
}

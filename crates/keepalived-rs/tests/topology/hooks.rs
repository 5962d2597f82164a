//! What operators hook into: notify scripts with keepalived's arguments,
//! the notify FIFO's line format, and the SIGUSR2/SIGRTMIN+2 dumps.

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::time::Duration;

use nix::sys::signal::Signal;

use crate::*;

#[test]
fn notify_scripts_and_fifo_report_transitions_in_order() {
    let Some(mut lab) = lab(2) else { return };
    let dir = lab.dir().to_path_buf();
    let out = dir.join("notify.out");
    let script = dir.join("notify.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"$@\" >> {}\n", out.display()),
    )
    .unwrap();
    std::fs::set_permissions(
        &script,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let fifo = dir.join("notify.fifo");
    let extra = format!(
        "    notify \"{}\"\n    notify_master \"{} master-only\"\n",
        script.display(),
        script.display()
    );
    let conf = format!(
        "global_defs {{\n    notify_fifo {}\n}}\n{}",
        fifo.display(),
        instance(51, 150, &extra, &["192.0.2.100/24"])
    );
    let hi = start(&mut lab, 0, "hi", &conf);
    expect_holders(&lab, vip4(), &[0], Duration::from_secs(10), &[&hi]);
    // The FIFO holds the lines the daemon wrote even though nobody was
    // reading (it keeps the FIFO open read-write); read them while it
    // still runs, since a pipe's data is gone once every end is closed.
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    let mut text = String::new();
    let _ = f.read_to_string(&mut text);
    assert!(
        text.starts_with(
            "INSTANCE \"VI_1\" BACKUP 150\nINSTANCE \"VI_1\" MASTER 150\n"
        ),
        "fifo: {text:?}"
    );
    kill(&mut lab, &hi, Signal::SIGTERM);
    // Scripts: BACKUP (init), MASTER (notify_master then notify), STOP.
    let want = "INSTANCE VI_1 BACKUP 150\nmaster-only\nINSTANCE VI_1 MASTER 150\nINSTANCE VI_1 STOP 150\n";
    let done = lab.wait_until(Duration::from_secs(5), |_| {
        std::fs::read_to_string(&out).unwrap_or_default() == want
    });
    assert!(
        done.is_some(),
        "notify output:\n{}\nlog:\n{}",
        std::fs::read_to_string(&out).unwrap_or_default(),
        lab.log_of(hi.pid)
    );
}

#[test]
fn stats_and_json_dumps_are_written_on_signals() {
    let Some(mut lab) = lab(1) else { return };
    let dir = lab.dir().to_path_buf();
    let tmpdir = format!("TMPDIR={}", dir.display());
    let hi = start_env(
        &mut lab,
        0,
        "hi",
        &instance(51, 150, "", &["192.0.2.100/24"]),
        &[&tmpdir],
    );
    expect_holders(&lab, vip4(), &[0], Duration::from_secs(10), &[&hi]);
    assert!(lab.signal(hi.pid, Signal::SIGUSR2));
    let stats = dir.join("keepalived.stats");
    let ok = lab.wait_until(Duration::from_secs(3), |_| {
        std::fs::read_to_string(&stats)
            .is_ok_and(|s| s.contains("Became master: 1"))
    });
    assert!(ok.is_some(), "stats: {:?}", std::fs::read_to_string(&stats));
    let text = std::fs::read_to_string(&stats).unwrap();
    assert!(text.starts_with("VRRP Instance: VI_1\n  Advertisements:\n    Received: 0\n    Sent: "), "{text}");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&stats).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    // SIGRTMIN+2 (keepalived's JSON dump) is not in nix's Signal enum:
    // send it by number to the pid this test started.
    let json_sig = format!("-{}", nix::libc::SIGRTMIN() + 2);
    let sent = std::process::Command::new("kill")
        .args([json_sig.as_str(), &hi.pid.to_string()])
        .status();
    assert!(sent.is_ok_and(|s| s.success()));
    let json = dir.join("keepalived.json");
    let ok = lab.wait_until(Duration::from_secs(3), |_| {
        std::fs::read_to_string(&json)
            .is_ok_and(|s| s.contains("\"iname\":\"VI_1\""))
    });
    assert!(ok.is_some(), "json: {:?}", std::fs::read_to_string(&json));
}

#[test]
fn without_n_it_daemonizes_writes_pid_files_and_stops_on_sigterm() {
    let Some(mut lab) = lab(1) else { return };
    let dir = lab.dir().to_path_buf();
    let conf = dir.join("d.conf");
    std::fs::write(&conf, instance(51, 150, "", &["192.0.2.100/24"])).unwrap();
    let (pid_file, vrrp_pid) = (dir.join("d.pid"), dir.join("d-vrrp.pid"));
    let args = [
        "-l",
        "-f",
        &conf.display().to_string(),
        "-p",
        &pid_file.display().to_string(),
        "-r",
        &vrrp_pid.display().to_string(),
    ]
    .map(String::from);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let launcher = lab.spawn(0, "launcher", BIN, &args).unwrap();
    // The command returns at once, as keepalived's does without -n.
    let st = lab
        .wait_exit(launcher, Duration::from_secs(10))
        .expect("launcher returns");
    assert!(st.success(), "{}", lab.log_of(launcher));
    let read_pid = |p: &std::path::Path| {
        std::fs::read_to_string(p)
            .ok()
            .and_then(|s| s.trim().parse::<i32>().ok())
    };
    let got = lab
        .wait_until(Duration::from_secs(5), |_| read_pid(&pid_file).is_some());
    assert!(got.is_some(), "pid file written");
    let pid = read_pid(&pid_file).unwrap();
    assert_ne!(pid as u32, launcher, "the daemon is a new process");
    assert_eq!(
        read_pid(&vrrp_pid),
        Some(pid),
        "one process: -r holds the same pid"
    );
    expect_holders(&lab, vip4(), &[0], Duration::from_secs(10), &[]);
    // This test started the daemon (through the launcher): stop it by pid.
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), Signal::SIGTERM)
        .unwrap();
    let gone = lab.wait_until(Duration::from_secs(10), |l| {
        !std::path::Path::new(&format!("/proc/{pid}")).exists()
            && l.holders(vip4()).is_empty()
    });
    if gone.is_none() {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            Signal::SIGKILL,
        );
        panic!("daemon {pid} did not stop on SIGTERM");
    }
    assert!(
        !pid_file.exists() && !vrrp_pid.exists(),
        "pid files removed"
    );
}

#[test]
fn tells_systemd_ready_reloading_and_stopping() {
    let Some(mut lab) = lab(1) else { return };
    // Debian's keepalived.service is Type=notify: systemd waits for
    // READY=1 on $NOTIFY_SOCKET (a path socket, usable from any network
    // namespace).
    let path = lab.dir().join("notify.sock");
    let rx = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let env = format!("NOTIFY_SOCKET={}", path.display());
    let node = start_env(
        &mut lab,
        0,
        "n",
        &instance(51, 150, "", &["192.0.2.100/24"]),
        &[&env],
    );
    let next = || {
        let mut buf = [0u8; 64];
        let n = rx.recv(&mut buf).expect("a notification within 10 s");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    assert_eq!(next(), "READY=1");
    assert!(lab.signal(node.pid, Signal::SIGHUP));
    assert_eq!(next(), "RELOADING=1");
    assert_eq!(next(), "READY=1");
    kill(&mut lab, &node, Signal::SIGTERM);
    assert_eq!(next(), "STOPPING=1");
}

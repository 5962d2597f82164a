//! MISC_CHECK with scripts written here.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{rt, skip_unprivileged};
use ka_lab::TmpDir;
use ka_probe::{
    MiscSpec, ProbeCtx, ProbeKind, ProbeSpec, Reason, Target, Verdict,
};

fn script(dir: &Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
    p.to_string_lossy().into_owned()
}

fn misc(argv: &[&str], dynamic: bool, timeout_ms: u64) -> ProbeSpec {
    ProbeSpec {
        target: Target::new(
            ([192, 0, 2, 1], 80).into(),
            Duration::from_secs(5),
        ),
        kind: ProbeKind::Misc(MiscSpec {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            timeout: Duration::from_millis(timeout_ms),
            dynamic,
            user: None,
            group: None,
        }),
    }
}

#[test]
fn exit_codes_as_keepalived_reads_them() {
    let dir = TmpDir::new("ka-probe-misc", "codes");
    let s = script(dir.path(), "exit.sh", "exit \"$1\"");
    rt().block_on(async {
        let ctx = ProbeCtx::new();
        let run = |code: &str, dynamic: bool| {
            let spec = misc(&[&s, code], dynamic, 5000);
            async move { ka_probe::run(&spec, &ProbeCtx::new()).await.verdict }
        };
        assert_eq!(run("0", false).await, Verdict::Up);
        assert_eq!(run("1", false).await, Verdict::Down(Reason::ScriptExit(1)));
        assert_eq!(run("7", false).await, Verdict::Down(Reason::ScriptExit(7)));
        assert_eq!(run("0", true).await, Verdict::Up);
        assert_eq!(run("1", true).await, Verdict::Down(Reason::ScriptExit(1)));
        assert_eq!(run("2", true).await, Verdict::UpWithWeight(0));
        assert_eq!(run("7", true).await, Verdict::UpWithWeight(5));
        assert_eq!(run("255", true).await, Verdict::UpWithWeight(253));
        let o = ka_probe::run(&misc(&["/nonexistent/check"], false, 1000), &ctx).await;
        assert!(matches!(o.verdict, Verdict::Down(Reason::ScriptSpawn(_))), "{:?}", o.verdict);
        assert_eq!(
            ka_probe::log::misc("[192.0.2.1]:tcp:80", "[192.0.2.100]:tcp:80", &s, &Reason::ScriptExit(1), ", will do 1 retry"),
            format!("Misc check for [[192.0.2.1]:tcp:80 VS [192.0.2.100]:tcp:80] by [{s}] failed, will do 1 retry (exited with status 1).")
        );
    });
}

#[test]
fn past_misc_timeout_the_script_is_killed_and_down() {
    let dir = TmpDir::new("ka-probe-misc", "timeout");
    let pidfile = dir.path().join("pid");
    let s = script(
        dir.path(),
        "hang.sh",
        &format!("echo $$ > {}\nexec sleep 30", pidfile.display()),
    );
    rt().block_on(async {
        let start = Instant::now();
        let o = ka_probe::run(&misc(&[&s], false, 300), &ProbeCtx::new()).await;
        assert_eq!(o.verdict, Verdict::Down(Reason::ScriptTimeout));
        assert!(
            start.elapsed() < Duration::from_secs(4),
            "{:?}",
            start.elapsed()
        );
    });
    let pid = std::fs::read_to_string(&pidfile).expect("pid file");
    let pid = pid.trim();
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "script {pid} still runs"
    );
}

#[test]
fn runs_as_its_user() {
    if skip_unprivileged() {
        return;
    }
    let dir = TmpDir::new("ka-probe-misc", "user");
    std::fs::set_permissions(
        dir.path(),
        std::fs::Permissions::from_mode(0o777),
    )
    .expect("chmod");
    let out = dir.path().join("uid");
    let s = script(dir.path(), "who.sh", &format!("id -u > {}", out.display()));
    let mut spec = misc(&[&s], false, 5000);
    if let ProbeKind::Misc(m) = &mut spec.kind {
        m.user = Some("nobody".into());
    }
    rt().block_on(async {
        assert_eq!(
            ka_probe::run(&spec, &ProbeCtx::new()).await.verdict,
            Verdict::Up
        );
    });
    let uid = nix::unistd::User::from_name("nobody")
        .expect("getpwnam")
        .expect("nobody")
        .uid;
    assert_eq!(
        std::fs::read_to_string(&out).expect("uid file").trim(),
        uid.to_string()
    );
    if let ProbeKind::Misc(m) = &mut spec.kind {
        m.user = Some("no-such-user-here".into());
    }
    rt().block_on(async {
        let o = ka_probe::run(&spec, &ProbeCtx::new()).await;
        assert!(
            matches!(o.verdict, Verdict::Down(Reason::ScriptSpawn(_))),
            "{:?}",
            o.verdict
        );
    });
}

use std::time::{Duration, Instant};

use super::*;

struct Ids;

impl UserResolver for Ids {
    fn uid_gid(&self, user: &str, _group: Option<&str>) -> Option<(u32, u32)> {
        (user == "root").then_some((0, 0))
    }
}

fn globals(text: &str) -> GlobalDefs {
    let path = "/etc/keepalived/keepalived.conf";
    let host = ka_config::host::FakeHost::new()
        .with_file(path, text)
        .with_programs(&["/bin/true", "/bin/false"]);
    let loaded = ka_config::load(
        std::path::Path::new(path),
        &host,
        &ka_config::LoadOptions::default(),
    );
    loaded.config.global
}

#[test]
fn scripts_get_their_timeouts_and_an_unknown_user_is_reported() {
    let mut g = globals(
        "global_defs {\n startup_script \"/bin/true\" root\n startup_script_timeout 3\n}\n",
    );
    // Validation drops a script whose user does not exist on the host; a
    // user gone between validation and now is reported here.
    let mut gone = g.startup_script.clone().expect("startup script");
    gone.user = Some("nobody-here".into());
    g.shutdown_script = Some(gone);
    let mut notes = Vec::new();
    let h = ProcessHooks::new(&g, &Ids, &mut notes);
    let s = h.startup.expect("startup script");
    assert_eq!(s.argv, vec!["/bin/true".to_string()]);
    assert_eq!(s.timeout, Some(Duration::from_secs(3)));
    assert_eq!((s.uid, s.gid), (Some(0), Some(0)));
    assert!(h.shutdown.is_none());
    assert!(
        notes.iter().any(|n| n.contains("shutdown_script not run")),
        "{notes:?}"
    );
}

#[test]
fn a_script_past_its_timeout_is_killed_and_the_wait_ends() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let spec = ScriptSpec {
        argv: vec!["/bin/sleep".into(), "30".into()],
        uid: None,
        gid: None,
        timeout: Some(Duration::from_millis(200)),
    };
    let started = Instant::now();
    rt.block_on(run(Hook::Startup, Some(&spec), true));
    assert!(started.elapsed() < Duration::from_secs(20));
}

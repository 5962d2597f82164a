//! `lvs_sync_daemon` side by side (issue 11): keepalived 2.2.7 and
//! keepalived-rs, each in its own user-mode Linux boot (the host kernel
//! has no IPVS), run one configuration whose sync daemon follows a VRRP
//! instance (`sync_daemon_uml/keepalived.conf`). The guest
//! (`sync_daemon_uml/guest.sh`) records every change of
//! `ipvsadm -L --daemon` while the instance starts (BACKUP, then MASTER),
//! falls to FAULT (its tracked script fails), recovers, and the daemon
//! stops. The two sequences must be the same, and keepalived's must be
//! the one its sources describe (the harness checks itself).

use std::time::Duration;

use ka_lab::uml::{Guest, skip_reason_with_keepalived};

const KEEPALIVED: &str = "/usr/sbin/keepalived";
const KEEPALIVED_RS: &str = env!("CARGO_BIN_EXE_keepalived-rs");
const GUEST_SH: &str = include_str!("sync_daemon_uml/guest.sh");
const CONF: &str = include_str!("sync_daemon_uml/keepalived.conf");

const MASTER: &str = "master sync daemon (mcast=kad0, syncid=61, maxlen=1400, group=239.1.2.3, port=8849, ttl=2);";
const BACKUP: &str = "backup sync daemon (mcast=kad0, syncid=61, maxlen=1400, group=239.1.2.3, port=8849, ttl=2);";

/// The sequence of daemon states one implementation went through, with
/// its daemon's log for failure messages.
struct Run {
    seq: Vec<String>,
    log: String,
}

fn run(name: &str, daemon: &str) -> Run {
    let g = Guest::new(name)
        .env("KA_DAEMON", daemon)
        .timeout(Duration::from_secs(250));
    let work = g.work().to_path_buf();
    std::fs::write(
        work.join("keepalived.conf"),
        CONF.replace("@WORK@", &work.display().to_string()),
    )
    .expect("write keepalived.conf");
    g.run_ok(GUEST_SH, &["daemon.log"]);
    let read =
        |f: &str| std::fs::read_to_string(work.join(f)).unwrap_or_default();
    let log = read("daemon.log");
    Run {
        seq: normalise(&read("seq.log")),
        log,
    }
}

/// The recorded lines, without the empty table that may or may not be
/// seen right after the start (how fast the daemon starts).
fn normalise(seq: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in seq.lines() {
        let after_start = out.last().is_some_and(|l| l == "step start");
        if !(after_start && line == "none") {
            out.push(line.to_owned());
        }
    }
    out
}

#[test]
fn the_sync_daemon_follows_the_instance_as_keepalived_s_does_under_uml() {
    if ka_lab::skip_if(skip_reason_with_keepalived()) {
        return;
    }
    let k = run("sync-keepalived", KEEPALIVED);
    let expected = [
        "step start",
        BACKUP,
        MASTER,
        "step fault",
        BACKUP,
        "step recover",
        MASTER,
        "step stop",
        "none",
    ];
    assert_eq!(
        k.seq, expected,
        "keepalived did not do what its sources say\n{}",
        k.log
    );
    let r = run("sync-keepalived-rs", KEEPALIVED_RS);
    assert_eq!(
        r.seq, k.seq,
        "keepalived-rs and keepalived 2.2.7 differ\nkeepalived-rs log:\n{}",
        r.log
    );
}

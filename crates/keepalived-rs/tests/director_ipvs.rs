//! The director on real IPVS, under user-mode Linux (the host kernel has
//! no IPVS): keepalived-rs with `--lvs-backend ipvs` and a configuration
//! with only a virtual server; two real servers (this test binary,
//! re-run as a small TCP server inside the guest). The IPVS table
//! (`ipvsadm-save -n`) holds both, loses the one that dies, and is
//! emptied at SIGTERM (the guest polls each step, bounded at 30 s).

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use ka_lab::uml::{Guest, skip_reason};

const CONF: &str = "virtual_server 192.0.2.1 80 {
    delay_loop 1
    lvs_sched rr
    lvs_method NAT
    protocol TCP
    real_server 198.51.100.11 8080 {
        weight 2
        TCP_CHECK { connect_timeout 1 retry 1 delay_before_retry 1 }
    }
    real_server 198.51.100.12 8080 {
        TCP_CHECK { connect_timeout 1 retry 1 delay_before_retry 1 }
    }
}
";

/// Not a test: the real servers, when the guest runs this binary with
/// `KA_TEST_SERVE=ADDR` (accepts and closes connections until killed).
#[test]
#[ignore = "a helper the UML test runs inside its guest"]
fn serve_helper() {
    let Ok(addr) = std::env::var("KA_TEST_SERVE") else {
        return;
    };
    let addr: SocketAddr = addr.parse().expect("KA_TEST_SERVE=IP:PORT");
    let l = TcpListener::bind(addr).expect("bind");
    // Bounded: the guest's script kills it long before.
    for mut s in l.incoming().take(100_000).flatten() {
        let _ = s.write_all(
            b"ok
",
        );
    }
}

const SCRIPT: &str = r#"
ka_modprobe ip_vs ip_vs_rr || exit 90
for a in 198.51.100.11/32 198.51.100.12/32 192.0.2.1/32; do ip addr add $a dev lo || exit 91; done
W="$KA_UML_WORK"
KA_TEST_SERVE=198.51.100.11:8080 "$KA_TEST_BIN" --ignored --exact serve_helper >/dev/null 2>&1 &
S1=$!
KA_TEST_SERVE=198.51.100.12:8080 "$KA_TEST_BIN" --ignored --exact serve_helper >/dev/null 2>&1 &
"$KA_BIN" -n -l -D -f "$W/keepalived.conf" -p "$W/ka.pid" -r "$W/vrrp.pid" -c "$W/checkers.pid" --lvs-backend ipvs > "$W/ka.log" 2>&1 &
K=$!
# Bounded polls, not fixed sleeps: a guest its host starves is slow.
both() { n=$(ipvsadm-save -n | grep -c -- '-r 198\.51\.100\.1[12]:8080'); [ "$n" = 2 ]; }
one_gone() { ! ipvsadm-save -n | grep -q -- '-r 198\.51\.100\.11:8080'; }
ka_wait_for 300 both || echo "guest: both servers never in"
ipvsadm-save -n > "$W/start.txt"
kill $S1
ka_wait_for 300 one_gone || echo "guest: the dead server stayed in"
ipvsadm-save -n > "$W/dead.txt"
kill -TERM $K
wait $K
echo "ka-exit=$?"
ipvsadm-save -n > "$W/stop.txt"
"#;

#[test]
fn the_ipvs_table_follows_the_checkers_under_uml() {
    if ka_lab::skip_if(skip_reason()) {
        return;
    }
    let me = std::env::current_exe().expect("test binary path");
    let guest = Guest::new("director-ipvs")
        .env("KA_BIN", env!("CARGO_BIN_EXE_keepalived-rs"))
        .env("KA_TEST_BIN", &me.display().to_string())
        .timeout(Duration::from_secs(150));
    std::fs::write(guest.work().join("keepalived.conf"), CONF).unwrap();
    let run = guest.run(SCRIPT).expect("boot the guest");
    let read = |n: &str| {
        std::fs::read_to_string(guest.work().join(n)).unwrap_or_default()
    };
    let log = read("ka.log");
    assert_eq!(
        run.status,
        Some(0),
        "guest script failed:\n{}\n{log}",
        run.console
    );
    let start = read("start.txt");
    assert!(start.contains("-A -t 192.0.2.1:80 -s rr"), "{start}\n{log}");
    assert!(
        start.contains("-a -t 192.0.2.1:80 -r 198.51.100.11:8080 -m -w 2"),
        "{start}\n{log}"
    );
    assert!(
        start.contains("-a -t 192.0.2.1:80 -r 198.51.100.12:8080 -m -w 1"),
        "{start}\n{log}"
    );
    let dead = read("dead.txt");
    assert!(
        !dead.contains("198.51.100.11:8080"),
        "the dead server is still in:\n{dead}\n{log}"
    );
    assert!(dead.contains("198.51.100.12:8080"), "{dead}\n{log}");
    assert!(run.console.contains("ka-exit=0"), "{}\n{log}", run.console);
    let stop = read("stop.txt");
    assert!(
        !stop.contains("192.0.2.1:80"),
        "the service survived SIGTERM:\n{stop}\n{log}"
    );
    assert!(log.contains("Using the IPVS data plane"), "{log}");
}

//! Issue 8, item 1: an `auth_type AH` master must not yield to unsigned
//! adverts. An injector on the link sends plain protocol-112 adverts for
//! the master's VRID with priority 255 whose VRRP header claims auth type
//! 2 (AH) but that carry no AH header. keepalived 2.2.7 reads AH
//! instances from a protocol-51 socket, so it never sees them: the VIP
//! stays and no counter moves. The same injection runs against
//! keepalived-rs and against keepalived as the reference, and their
//! outcomes and counters must agree.

use std::net::Ipv4Addr;
use std::time::Duration;

use ka_lab::{DaemonFiles, Lab};
use ka_wire::vrrp::{AddrList, AdverInt, Auth, Repr, Version};
use nix::sys::signal::Signal;

use crate::inject::{packet, send_from};
use crate::*;

const AH_CONF: &str = "    advert_int 1\n    authentication {\n        auth_type AH\n        auth_pass s3cret\n    }\n";

/// What each implementation did under the injection.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    /// The master kept the VIP throughout.
    kept_vip: bool,
    /// `Advertisements: Received`, `Type Mismatch` and `Failure` from the
    /// SIGUSR2 statistics.
    counters: (u64, u64, u64),
}

/// The forged advert: VRID 51, priority 255, VRRP auth type AH, no AH
/// header (IP protocol 112), from the injector 192.0.2.12.
fn forged() -> Vec<u8> {
    let vrrp = Repr {
        version: Version::V2,
        vrid: 51,
        priority: 255,
        adver_int: AdverInt::Secs(1),
        addrs: AddrList::V4(vec![Ipv4Addr::new(192, 0, 2, 100)]),
        auth: Auth::Ah,
    };
    packet(255, vrrp)
}

/// Starts keepalived (the reference) with `conf` in host `host`, its
/// statistics file under `TMPDIR`; returns its pid.
fn start_keepalived(lab: &mut Lab, host: usize, name: &str, conf: &str) -> u32 {
    let files = DaemonFiles::write(lab.dir(), name, conf)
        .unwrap_or_else(|e| panic!("{e}"));
    let tmpdir = format!("TMPDIR={}", lab.dir().display());
    lab.start_daemon(host, name, "keepalived", &files, &[&tmpdir], &[])
        .expect("start keepalived")
}

/// Runs the injection against keepalived (`reference`) or keepalived-rs.
fn run(reference: bool) -> Outcome {
    let mut lab = Lab::new(3).expect("build lab");
    let dir = lab.dir().to_path_buf();
    let conf = instance(51, 150, AH_CONF, &["192.0.2.100/24"]);
    let node = if reference {
        let pid = start_keepalived(&mut lab, 0, "ka", &conf);
        Node {
            host: 0,
            pid,
            name: "ka".into(),
        }
    } else {
        let tmpdir = format!("TMPDIR={}", dir.display());
        start_env(&mut lab, 0, "rs", &conf, &[&tmpdir])
    };
    expect_holders(&lab, vip4(), &[0], Duration::from_secs(10), &[&node]);
    let netns = lab.host(2).netns.clone();
    for _ in 0..10 {
        send_from(&netns, vec![forged(); 3]);
        std::thread::sleep(Duration::from_millis(200));
    }
    // Longer than a backup's Master_Down_Interval after the last one.
    let kept_vip = lab
        .wait_until(Duration::from_secs(4), |l| l.holders(vip4()) != [0])
        .is_none();
    assert!(lab.signal(node.pid, Signal::SIGUSR2));
    let stats = dir.join("keepalived.stats");
    let text = lab
        .wait_until(Duration::from_secs(3), |_| stats.exists())
        .and_then(|_| {
            // keepalived writes the file from its VRRP child: let it finish.
            std::thread::sleep(Duration::from_millis(200));
            std::fs::read_to_string(&stats).ok()
        })
        .unwrap_or_else(|| panic!("no statistics\n{}", lab.log_of(node.pid)));
    let count = |label: &str| -> u64 {
        text.lines()
            .find(|l| l.trim_start().starts_with(label))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {label} in\n{text}"))
    };
    Outcome {
        kept_vip,
        counters: (
            count("Received:"),
            count("Type Mismatch:"),
            count("Failure:"),
        ),
    }
}

#[test]
fn ah_master_keeps_the_vip_against_unsigned_adverts_as_keepalived_does() {
    if ka_lab::skip() {
        return;
    }
    let ours = run(false);
    let want = Outcome {
        kept_vip: true,
        counters: (0, 0, 0),
    };
    let version = ka_lab::run("keepalived", &["-v"])
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .unwrap_or_default();
    if version.contains("VRRP_AUTH") {
        assert_eq!(run(true), want, "keepalived 2.2.7, the reference");
    } else {
        println!(
            "skipping the keepalived reference run: no keepalived with VRRP_AUTH"
        );
    }
    assert_eq!(ours, want, "keepalived-rs");
}

//! Hostile and broken packets: a malformed, wrong-TTL, wrong-auth or
//! wrong-VRID advert sent at the master changes nothing, and is counted.
//!
//! Every injected advert claims priority 254, so accepting any of them
//! would make the priority-150 master step down.

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use ka_wire::advert::{Ipv4Advert, Ipv4EmitCtx};
use ka_wire::vrrp::{AddrList, AdverInt, Auth, ChecksumMode, Repr, Version};
use nix::sys::signal::Signal;

use crate::*;

const GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);

fn advert(vrid: u8, auth: Auth) -> Repr {
    Repr {
        version: Version::V2,
        vrid,
        priority: 254,
        adver_int: AdverInt::Secs(1),
        addrs: AddrList::V4(vec![Ipv4Addr::new(192, 0, 2, 100)]),
        auth,
    }
}

pub(crate) fn packet(ttl: u8, vrrp: Repr) -> Vec<u8> {
    let src = Ipv4Addr::new(192, 0, 2, 12);
    let a = Ipv4Advert::keepalived(src, GROUP, 7, ttl, vrrp, None);
    let mut buf = vec![0; a.buffer_len()];
    a.emit(
        &mut buf,
        &Ipv4EmitCtx {
            checksum: ChecksumMode::Standard,
            ah_key: None,
            unicast: false,
        },
    );
    buf
}

/// Sends raw IPv4 packets (header included) to the VRRP group from inside
/// the namespace `netns`.
pub(crate) fn send_from(netns: &str, packets: Vec<Vec<u8>>) {
    let ns = File::open(format!("/var/run/netns/{netns}")).expect("open netns");
    std::thread::spawn(move || {
        nix::sched::setns(&ns, nix::sched::CloneFlags::CLONE_NEWNET)
            .expect("setns");
        let s = socket2::Socket::new(
            socket2::Domain::IPV4,
            socket2::Type::RAW,
            Some(socket2::Protocol::from(112)),
        )
        .expect("raw socket");
        s.set_header_included_v4(true).unwrap();
        s.bind_device(Some(b"eth0")).unwrap();
        let to = SocketAddrV4::new(GROUP, 0).into();
        for p in packets {
            s.send_to(&p, &to).expect("send");
        }
    })
    .join()
    .expect("sender thread");
}

#[test]
fn broken_and_hostile_adverts_change_nothing_and_are_counted() {
    let Some(mut lab) = lab(3) else { return };
    let dir = lab.dir().to_path_buf();
    let tmpdir = format!("TMPDIR={}", dir.display());
    let auth = "    authentication {\n        auth_type PASS\n        auth_pass right\n    }\n";
    let hi = start_env(
        &mut lab,
        0,
        "hi",
        &instance(51, 150, auth, &["192.0.2.100/24"]),
        &[&tmpdir],
    );
    expect_holders(&lab, vip4(), &[0], Duration::from_secs(10), &[&hi]);
    let right = Auth::pass(b"right");
    let mut truncated = packet(255, advert(51, right));
    // IP header + VRRP header + half the address: long enough to carry a
    // VRID, too short for what the header announces.
    truncated.truncate(20 + 10);
    let mut bad_sum = packet(255, advert(51, right));
    bad_sum[26] ^= 0xff;
    let batch = vec![
        truncated,
        packet(64, advert(51, right)), // TTL must be 255
        packet(255, advert(51, Auth::pass(b"wrong"))), // authentication failure
        packet(255, advert(51, Auth::None)), // auth type mismatch
        packet(255, advert(52, right)), // another VRID
        bad_sum,                       // checksum
    ];
    let netns = lab.host(2).netns.clone();
    for _ in 0..5 {
        send_from(&netns, batch.clone());
        std::thread::sleep(Duration::from_millis(200));
    }
    // Nothing moved, for longer than Master_Down_Interval.
    expect_steady(&lab, vip4(), &[0], Duration::from_secs(4));
    assert!(
        !transitions(&lab, &hi)
            .iter()
            .any(|l| l.contains("BACKUP STATE") && !l.contains("(init)"))
    );
    // And the errors were counted.
    assert!(lab.signal(hi.pid, Signal::SIGUSR2));
    let stats = dir.join("keepalived.stats");
    let got = lab.wait_until(Duration::from_secs(3), |_| {
        std::fs::read_to_string(&stats).is_ok()
    });
    assert!(got.is_some());
    let text = std::fs::read_to_string(&stats).unwrap();
    let count = |label: &str| -> u64 {
        text.lines()
            .find(|l| l.trim_start().starts_with(label))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    assert!(count("TTL:") >= 5, "{text}");
    assert!(count("Failure:") >= 5, "{text}");
    assert!(count("Type Mismatch:") >= 5, "{text}");
    assert!(count("Length:") >= 5, "{text}");
}

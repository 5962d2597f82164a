use std::net::{IpAddr, Ipv4Addr};

use super::*;
use crate::testns::{in_new_netns, ip, skip_reason};

fn link(index: u32, name: &str, up: bool) -> LinkInfo {
    LinkInfo {
        index,
        name: name.into(),
        up,
        running: up,
        mac: vec![2, 0, 0, 0, 0, index as u8],
        link: None,
    }
}

fn addr(ifindex: u32, last: u8) -> AddrInfo {
    AddrInfo {
        ifindex,
        addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, last)),
        prefix_len: 24,
    }
}

#[test]
fn replace_reports_the_differences_in_order() {
    let mut s = NetState::new(
        &[
            link(1, "lo", true),
            link(2, "eth0", true),
            link(3, "eth1", true),
        ],
        &[addr(2, 1), addr(2, 2), addr(3, 3)],
    );
    // Lost while the buffer was full: eth0 went down and lost .2, got .9;
    // eth1 was deleted; eth2 appeared.
    let diff = s.replace(
        vec![
            link(1, "lo", true),
            link(2, "eth0", false),
            link(4, "eth2", true),
        ],
        vec![addr(2, 1), addr(2, 9)],
    );
    assert_eq!(
        diff,
        vec![
            NetEvent::LinkChanged(link(2, "eth0", false)),
            NetEvent::LinkChanged(link(4, "eth2", true)),
            NetEvent::AddrRemoved(addr(2, 2)),
            NetEvent::AddrAdded(addr(2, 9)),
            NetEvent::LinkRemoved(link(3, "eth1", true)),
        ]
    );
    // Nothing lost: nothing to report.
    let same = s.clone();
    assert!(
        s.replace(
            vec![
                link(1, "lo", true),
                link(2, "eth0", false),
                link(4, "eth2", true)
            ],
            vec![addr(2, 9), addr(2, 1)],
        )
        .is_empty()
    );
    assert_eq!(s.links, same.links);
}

#[test]
fn apply_follows_changes() {
    let mut s = NetState::new(&[link(2, "eth0", true)], &[addr(2, 1)]);
    s.apply(&NetEvent::AddrAdded(addr(2, 1)));
    s.apply(&NetEvent::AddrAdded(addr(2, 2)));
    s.apply(&NetEvent::LinkChanged(link(2, "eth0", false)));
    assert_eq!(
        s,
        NetState::new(&[link(2, "eth0", false)], &[addr(2, 1), addr(2, 2)])
    );
    s.apply(&NetEvent::LinkRemoved(link(2, "eth0", false)));
    assert_eq!(s, NetState::default());
}

/// Links whose name starts with `prefix` that exist and are up, as
/// the watcher reported them.
fn up_links(s: &NetState, prefix: &str) -> usize {
    s.links
        .values()
        .filter(|l| l.name.starts_with(prefix) && l.up)
        .count()
}

#[test]
fn an_overrun_is_recovered_by_re_reading_links() {
    if let Some(why) = skip_reason() {
        eprintln!("skipped: {why}");
        return;
    }
    in_new_netns(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let nl = Netlink::connect().unwrap();
            // The smallest buffer the kernel allows: a burst overflows it.
            let buf = RcvBuf {
                size: Some(1),
                force: true,
            };
            let mut w = NetWatcher::open(nl, buf).unwrap();
            w.dump().await.unwrap();
            let n = 20;
            // The runtime is blocked while `ip` runs, so nothing reads
            // the socket: notifications are lost to ENOBUFS.
            for i in 0..n {
                ip(&format!("link add kaw-{i} type veth peer name kawp-{i}"));
                ip(&format!("link set kaw-{i} up"));
            }
            let mut seen = NetState::default();
            let end = tokio::time::Instant::now() + Duration::from_secs(20);
            while up_links(&seen, "kaw-") < n {
                let left =
                    end.saturating_duration_since(tokio::time::Instant::now());
                let ev = tokio::time::timeout(left, w.next())
                    .await
                    .unwrap_or_else(|_| {
                        panic!(
                            "only {} of {n} links reported up ({} resyncs)",
                            up_links(&seen, "kaw-"),
                            w.resyncs()
                        )
                    });
                seen.apply(&ev);
            }
            assert!(
                w.resyncs() >= 1,
                "no overrun happened: the test proves nothing"
            );
        });
    });
}

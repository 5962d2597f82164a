//! The lab builds hosts that can talk to each other, and cleans up.

use std::time::Duration;

use ka_lab::{Lab, skip};

#[test]
fn hosts_ping_each_other_and_everything_is_removed_on_drop() {
    if skip() {
        return;
    }
    let netns;
    {
        let lab = Lab::new(2).expect("build lab");
        netns = lab.host(0).netns.clone();
        let peer = lab.host(1).ipv4.to_string();
        lab.exec_ok(0, "ping", &["-c", "1", "-W", "2", &peer])
            .expect("IPv4 ping across the bridge");
        let peer6 = lab.host(1).ipv6.to_string();
        lab.exec_ok(0, "ping", &["-6", "-c", "1", "-W", "2", &peer6])
            .expect("IPv6 ping across the bridge");
        assert!(lab.addresses(1).contains(&lab.host(1).ipv4.into()));
        // A cut link stops traffic; reconnecting restores it.
        lab.link_down(1).unwrap();
        assert!(
            lab.exec_ok(0, "ping", &["-c", "1", "-W", "1", &peer])
                .is_err()
        );
        lab.link_up(1).unwrap();
        let back = lab.wait_until(Duration::from_secs(5), |l| {
            l.exec_ok(0, "ping", &["-c", "1", "-W", "1", &peer]).is_ok()
        });
        assert!(back.is_some(), "link back up");
    }
    let list = ka_lab::run_ok("ip", &["netns", "list"]).unwrap();
    assert!(!list.contains(&netns), "namespace {netns} left behind");
}

#[test]
fn silent_partition_drops_traffic_but_keeps_the_link() {
    if skip() {
        return;
    }
    let no_nft = ka_lab::run("nft", &["--version"]).is_err();
    if ka_lab::skip_if(no_nft.then_some("nft (nftables) is not installed")) {
        return;
    }
    let mut lab = Lab::new(2).expect("build lab");
    let peer = lab.host(1).ipv4.to_string();
    lab.partition(1).unwrap();
    assert!(
        lab.exec_ok(0, "ping", &["-c", "1", "-W", "1", &peer])
            .is_err()
    );
    let link = lab
        .exec_ok(1, "ip", &["-j", "link", "show", "eth0"])
        .unwrap();
    assert!(link.contains("LOWER_UP"), "carrier stays up: {link}");
    lab.heal().unwrap();
    lab.exec_ok(0, "ping", &["-c", "1", "-W", "2", &peer])
        .expect("healed");
}

//! The reference peer in the lab: two Debian keepalived 2.2.7 nodes elect
//! a master and fail over. This checks the lab itself (multicast VRRP
//! crosses the bridge with TTL 255, VIP holders are read correctly) before
//! any test relies on it for keepalived-rs.

use std::net::IpAddr;
use std::time::Duration;

use ka_lab::{DaemonFiles, Lab, skip};
use nix::sys::signal::Signal;

fn keepalived_conf(prio: u8) -> String {
    format!(
        "vrrp_instance VI_1 {{\n  state BACKUP\n  interface eth0\n  virtual_router_id 51\n  \
         priority {prio}\n  advert_int 1\n  virtual_ipaddress {{\n    192.0.2.100/24\n  }}\n}}\n"
    )
}

fn start(lab: &mut Lab, i: usize, prio: u8) -> u32 {
    let label = format!("keepalived-h{i}");
    let files =
        DaemonFiles::write(lab.dir(), &label, &keepalived_conf(prio)).unwrap();
    lab.start_daemon(i, &label, "keepalived", &files, &[], &["-P"])
        .unwrap()
}

#[test]
fn two_keepalived_nodes_elect_and_fail_over() {
    if skip() {
        return;
    }
    let missing = ka_lab::run("keepalived", &["-v"]).is_err();
    if ka_lab::skip_if(missing.then_some("keepalived is not installed")) {
        return;
    }
    let vip: IpAddr = "192.0.2.100".parse().unwrap();
    let mut lab = Lab::new(2).unwrap();
    let hi = start(&mut lab, 0, 150);
    let _lo = start(&mut lab, 1, 100);
    let elected =
        lab.wait_until(Duration::from_secs(10), |l| l.holders(vip) == [0]);
    assert!(
        elected.is_some(),
        "h0 (150) should hold the VIP; holders {:?}\n{}",
        lab.holders(vip),
        lab.log_of(hi)
    );
    // SIGTERM: the master resigns with priority 0 and h1 takes over.
    lab.signal(hi, Signal::SIGTERM);
    let took =
        lab.wait_until(Duration::from_secs(10), |l| l.holders(vip) == [1]);
    assert!(
        took.is_some(),
        "h1 takes over; holders {:?}",
        lab.holders(vip)
    );
    assert!(lab.wait_exit(hi, Duration::from_secs(10)).is_some());
}

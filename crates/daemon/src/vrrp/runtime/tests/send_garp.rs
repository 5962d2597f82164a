//! `Control::Admin(SendGarp)` (DBus `SendGarp`): one GARP round for the
//! named instance while it is MASTER.

use std::time::Duration;

use super::{Harness, config, plan};
use crate::core::control::Admin;
use crate::vrrp::fake::Call;
use crate::vrrp::runtime::Control;

fn frames(h: &Harness) -> usize {
    h.fake
        .calls()
        .iter()
        .filter(|c| matches!(c, Call::Frame { .. }))
        .count()
}

fn send_garp(h: &Harness, instance: &str) {
    let cmd = Admin::SendGarp {
        instance: instance.into(),
    };
    h.control.send(Control::Admin(cmd)).unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_master_sends_one_round_on_request_and_a_backup_none() {
    let h = Harness::start(plan(&config(255, "state MASTER"))).await;
    // Past the master's second burst (garp_master_delay, 5 s).
    tokio::time::sleep(Duration::from_secs(8)).await;
    let before = frames(&h);
    send_garp(&h, "VI_1");
    super::settle().await;
    assert_eq!(frames(&h), before + 1, "one VIP, one GARP");
    send_garp(&h, "VI_9");
    super::settle().await;
    assert_eq!(frames(&h), before + 1, "unknown instance");
    h.stop().await;

    let h = Harness::start(plan(&config(100, ""))).await;
    send_garp(&h, "VI_1");
    super::settle().await;
    assert_eq!(frames(&h), 0, "a BACKUP has no VIP set");
    h.stop().await;
}

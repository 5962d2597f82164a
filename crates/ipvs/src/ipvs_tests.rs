use std::net::IpAddr;

use super::*;

fn daemon(state: SyncState) -> SyncDaemon {
    SyncDaemon {
        state,
        ifname: "eth0".into(),
        sync_id: 50,
        max_len: None,
        group: None,
        port: None,
        ttl: None,
    }
}

#[test]
fn a_sync_daemon_sends_its_options_only_when_set() {
    assert_eq!(
        daemon_attrs(&daemon(SyncState::Backup)),
        vec![
            DaemonAttr::State(2),
            DaemonAttr::McastIfn("eth0".into()),
            DaemonAttr::SyncId(50),
        ]
    );
    let full = SyncDaemon {
        max_len: Some(1400),
        group: Some(IpAddr::from([0xff02, 0, 0, 0, 0, 0, 0, 0x81])),
        port: Some(8849),
        ttl: Some(2),
        ..daemon(SyncState::Master)
    };
    let attrs = daemon_attrs(&full);
    assert_eq!(attrs.len(), 7);
    assert_eq!(daemon_from(&attrs), Some(full));
    let v4 = SyncDaemon {
        group: Some(IpAddr::from([224, 0, 0, 81])),
        ..daemon(SyncState::Master)
    };
    assert!(
        daemon_attrs(&v4)
            .contains(&DaemonAttr::McastGroup([224, 0, 0, 81].into()))
    );
    assert_eq!(daemon_from(&daemon_attrs(&v4)), Some(v4));
}

#[test]
fn a_dumped_daemon_without_a_known_state_is_dropped() {
    assert_eq!(
        daemon_from(&[DaemonAttr::State(0), DaemonAttr::SyncId(1)]),
        None
    );
    assert_eq!(daemon_from(&[DaemonAttr::SyncId(1)]), None);
}

#[test]
fn kernel_errors_keep_their_errno_and_say_what_was_asked() {
    let e = kernel(Failure::Errno(EEXIST), "add service FWM 1".into());
    assert_eq!(e.errno(), Some(EEXIST));
    assert!(e.to_string().starts_with("IPVS add service FWM 1: "), "{e}");
    let e = kernel(Failure::Other(IpvsError::Absent), "x".into());
    assert_eq!(e.errno(), None);
}

#[test]
fn the_driver_can_live_in_a_spawned_task() {
    fn send<T: Send>(_: &T) {}
    let open = Ipvs::open();
    send(&open);
    drop(open);
    async fn uses(mut i: Ipvs, op: Op) {
        let _ = i.apply(&op).await;
        let _ = i.dump().await;
        let _ = i.timeouts().await;
    }
    let op = Op::DelService(SvcKey::Fwmark {
        mark: 1,
        family: ka_types::lvs::Family::Inet,
    });
    // Only type-checked: a future is never polled without a runtime.
    let f = |i: Ipvs| uses(i, op.clone());
    fn send_fn<F: Fn(Ipvs) -> Fut, Fut: Send>(_: &F) {}
    send_fn(&f);
}

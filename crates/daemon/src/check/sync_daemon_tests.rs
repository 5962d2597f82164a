use std::sync::{Arc, Mutex};

use ka_config::LoadOptions;
use ka_config::host::FakeHost;

use super::*;

fn plan(instance: Option<&str>) -> SyncPlan {
    SyncPlan {
        instance: instance.map(str::to_owned),
        ifname: "eth0".into(),
        sync_id: 51,
        max_len: None,
        port: None,
        ttl: None,
        group: None,
    }
}

fn start(p: &SyncPlan, state: SyncState) -> Cmd {
    Cmd::Start(p.daemon(state))
}

fn stop(state: SyncState, quiet: bool) -> Cmd {
    Cmd::Stop { state, quiet }
}

use SyncState::{Backup, Master};

const LEFTOVERS: [Cmd; 2] = [
    Cmd::Stop {
        state: Master,
        quiet: true,
    },
    Cmd::Stop {
        state: Backup,
        quiet: true,
    },
];

#[test]
fn bound_daemon_follows_the_instance_as_keepalived_does() {
    let p = plan(Some("VI_1"));
    let mut f = Follower::new(Some(p.clone()));
    // Nothing runs before the instance's first state.
    assert_eq!(f.start(), LEFTOVERS);
    // Other instances do not matter.
    assert_eq!(f.state("VI_2", VrrpState::Master), []);
    // vrrp_init_state: BACKUP (init) starts the backup daemon.
    assert_eq!(f.state("VI_1", VrrpState::Backup), [start(&p, Backup)]);
    // become_master: stop backup, start master.
    assert_eq!(
        f.state("VI_1", VrrpState::Master),
        [stop(Backup, false), start(&p, Master)]
    );
    assert_eq!(f.state("VI_1", VrrpState::Master), []);
    // leave_master towards FAULT: back to the backup daemon.
    assert_eq!(
        f.state("VI_1", VrrpState::Fault),
        [stop(Master, false), start(&p, Backup)]
    );
    // FAULT -> BACKUP keeps the backup daemon.
    assert_eq!(f.state("VI_1", VrrpState::Backup), []);
    // Shutdown stops the running one.
    assert_eq!(f.stop(), [stop(Backup, false)]);
    assert_eq!(f.stop(), []);
}

#[test]
fn fault_at_start_runs_the_backup_daemon() {
    let p = plan(Some("VI_1"));
    let mut f = Follower::new(Some(p.clone()));
    f.start();
    assert_eq!(f.state("VI_1", VrrpState::Fault), [start(&p, Backup)]);
}

#[test]
fn a_state_announced_before_start_is_followed_at_start() {
    let p = plan(Some("VI_1"));
    let mut f = Follower::new(Some(p.clone()));
    // Queued on the bus before the checkers ran (an address owner).
    assert_eq!(f.state("VI_1", VrrpState::Master), [start(&p, Master)]);
    let mut g = Follower::new(Some(p.clone()));
    g.states.insert("VI_1".into(), VrrpState::Master);
    let mut want = LEFTOVERS.to_vec();
    want.push(start(&p, Master));
    assert_eq!(g.start(), want);
}

#[test]
fn unbound_daemons_run_both_and_stop_both_quietly() {
    let p = plan(None);
    let mut f = Follower::new(Some(p.clone()));
    let mut want = LEFTOVERS.to_vec();
    want.extend([start(&p, Master), start(&p, Backup)]);
    assert_eq!(f.start(), want);
    assert_eq!(f.state("VI_1", VrrpState::Fault), []);
    assert_eq!(f.stop(), [stop(Master, true), stop(Backup, true)]);
}

#[test]
fn reload_touches_nothing_unless_the_settings_change() {
    let p = plan(Some("VI_1"));
    let mut f = Follower::new(Some(p.clone()));
    f.start();
    f.state("VI_1", VrrpState::Master);
    assert_eq!(f.reload(Some(p.clone())), []);
    let q = SyncPlan {
        port: Some(8850),
        ..p.clone()
    };
    assert_eq!(
        f.reload(Some(q.clone())),
        [stop(Master, false), start(&q, Master)]
    );
    // Bound to another instance, known to be BACKUP.
    f.state("VI_2", VrrpState::Backup);
    let r = SyncPlan {
        instance: Some("VI_2".into()),
        ..q.clone()
    };
    assert_eq!(
        f.reload(Some(r.clone())),
        [stop(Master, false), start(&r, Backup)]
    );
    // Removed: what runs is stopped.
    assert_eq!(f.reload(None), [stop(Backup, false)]);
    assert_eq!(f.state("VI_2", VrrpState::Master), []);
}

fn config_plan(text: &str) -> (Option<SyncPlan>, Vec<String>) {
    let path = "/etc/keepalived/keepalived.conf";
    let host = FakeHost::new().with_file(path, text);
    let loaded = ka_config::load(
        std::path::Path::new(path),
        &host,
        &LoadOptions::default(),
    );
    let mut notes = Vec::new();
    (sync_plan(&loaded.config, &mut notes), notes)
}

const INSTANCE: &str = "
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    virtual_ipaddress { 192.0.2.100/24 }
}
";

#[test]
fn the_sync_id_defaults_to_the_instance_s_vrid() {
    let text = format!(
        "global_defs {{ lvs_sync_daemon eth1 VI_1 maxlen 1400 port 8850 ttl 2 group 239.1.2.3 }}\n{INSTANCE}"
    );
    let (p, notes) = config_plan(&text);
    assert_eq!(notes, Vec::<String>::new());
    assert_eq!(
        p,
        Some(SyncPlan {
            instance: Some("VI_1".into()),
            ifname: "eth1".into(),
            sync_id: 51,
            max_len: Some(1400),
            port: Some(8850),
            ttl: Some(2),
            group: Some(IpAddr::from([239, 1, 2, 3])),
        })
    );
    let text =
        format!("global_defs {{ lvs_sync_daemon eth1 VI_1 id 7 }}\n{INSTANCE}");
    assert_eq!(config_plan(&text).0.map(|p| p.sync_id), Some(7));
    let text = format!("global_defs {{ lvs_sync_daemon eth1 }}\n{INSTANCE}");
    let p = config_plan(&text).0.expect("an unbound daemon");
    assert_eq!((p.instance, p.sync_id), (None, 0));
}

#[test]
fn an_unknown_instance_clears_the_setting() {
    let text =
        format!("global_defs {{ lvs_sync_daemon eth1 VI_9 }}\n{INSTANCE}");
    let (p, notes) = config_plan(&text);
    assert_eq!(p, None);
    assert_eq!(
        notes,
        [
            "Unable to find vrrp instance VI_9 for lvs_syncd - clearing lvs_syncd config"
        ]
    );
    assert_eq!(config_plan(INSTANCE), (None, vec![]));
}

/// Records the requests; fails the ones `fail` says.
#[derive(Clone, Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<Cmd>>>,
}

impl SyncKernel for Recorder {
    async fn run(&mut self, cmd: &Cmd) -> Result<(), IpvsError> {
        self.seen.lock().unwrap().push(cmd.clone());
        match cmd {
            Cmd::Stop { quiet: true, .. } => Err(IpvsError::Kernel {
                what: "stop sync daemon".into(),
                source: std::io::Error::from_raw_os_error(3),
            }),
            _ => Ok(()),
        }
    }
}

#[tokio::test]
async fn the_task_follows_bus_signals_and_stops_at_shutdown() {
    let p = plan(Some("VI_1"));
    let rec = Recorder::default();
    let mut d = SyncDaemons::spawn_on(p.clone(), rec.clone());
    let state = |s| Signal::VrrpState {
        instance: "VI_1".into(),
        state: s,
    };
    d.signal(&state(VrrpState::Backup));
    d.signal(&Signal::FileValue {
        file: "f".into(),
        value: 1,
    });
    d.signal(&state(VrrpState::Master));
    d.reload(Some(&p));
    d.stop().await;
    let mut want = LEFTOVERS.to_vec();
    want.extend([
        start(&p, Backup),
        stop(Backup, false),
        start(&p, Master),
        stop(Master, false),
    ]);
    assert_eq!(*rec.seen.lock().unwrap(), want);
    // Stopped once: a second stop has nothing to do.
    d.stop().await;
}

#[tokio::test]
async fn nothing_runs_without_the_setting_or_with_nftables() {
    let mut d = SyncDaemons::spawn(None, LvsBackend::Auto);
    assert!(d.task.is_none());
    let mut n = SyncDaemons::spawn(Some(&plan(None)), LvsBackend::Nftables);
    assert!(n.task.is_none());
    d.stop().await;
    n.stop().await;
}

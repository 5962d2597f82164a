//! Object paths and instance lookup from a real plan and engine.

use std::path::Path;
use std::time::UNIX_EPOCH;

use ka_config::LoadOptions;
use ka_config::host::FakeHost;
use ka_types::Instant;

use super::*;
use crate::core::control::{Plan, Snapshot};
use crate::vrrp::plan::{UserResolver, vrrp_plan};

struct RootOnly;

impl UserResolver for RootOnly {
    fn uid_gid(&self, user: &str, _: Option<&str>) -> Option<(u32, u32)> {
        (user == "root").then_some((0, 0))
    }
}

const CONF: &str = "
instance lb1
global_defs {
    enable_dbus
    dbus_service_name org.example.Vrrp
}
vrrp_instance VI_1 {
    interface eth0.10
    virtual_router_id 51
    virtual_ipaddress {
        192.0.2.100/24
    }
}
vrrp_instance VI_6 {
    interface eth1
    virtual_router_id 52
    virtual_ipaddress {
        2001:db8::100/64
    }
}
";

/// The status once the engine started (both BACKUP), or without the
/// engine's snapshot.
fn status(conf: &str, started: bool) -> Status {
    let path = Path::new("/etc/keepalived/keepalived.conf");
    let mut host = FakeHost::new().with_file(path.to_str().unwrap(), conf);
    if let Some(i) = &mut host.interfaces {
        i.insert("eth0.10".into());
    }
    let cfg = ka_config::load(path, &host, &LoadOptions::default()).config;
    let vrrp = vrrp_plan(&cfg, &RootOnly);
    let mut e = ka_vrrp::Engine::new(vrrp.engine.clone());
    let mut out = Vec::new();
    if started {
        e.handle(Instant::from_micros(0), ka_vrrp::Event::Started, &mut out);
    }
    Status {
        snapshot: Snapshot {
            vrrp: started.then(|| e.snapshot_at(Instant::from_micros(1))),
            ..Snapshot::default()
        },
        plan: Plan {
            vrrp: Some(vrrp),
            ..Plan::default()
        },
        started: UNIX_EPOCH,
    }
}

#[test]
fn interface_names_become_path_safe_as_keepalived_makes_them() {
    assert_eq!(path_component("eth0"), "eth0");
    assert_eq!(path_component("eth0.10"), "eth0_10");
    assert_eq!(path_component("br-lan@x"), "br_lan_x");
    // Bytes, not characters: a two-byte letter is two underscores.
    assert_eq!(path_component("é1"), "__1");
}

#[test]
fn paths_carry_the_namespace_and_instance_name() {
    let key = Key {
        iface: "eth0".into(),
        vrid: 51,
        ipv6: false,
    };
    let plain = Paths::new(None, None);
    assert_eq!(plain.vrrp(), "/org/keepalived/Vrrp1/Vrrp");
    assert_eq!(
        plain.instance(&key),
        "/org/keepalived/Vrrp1/Instance/eth0/51/IPv4"
    );
    let both = Paths::new(Some("blue"), Some("lb1"));
    assert_eq!(both.vrrp(), "/org/keepalived/Vrrp1/blue/lb1/Vrrp");
    let v6 = Key { ipv6: true, ..key };
    assert_eq!(
        Paths::new(None, Some("lb1")).instance(&v6),
        "/org/keepalived/Vrrp1/lb1/Instance/eth0/51/IPv6"
    );
}

#[test]
fn state_numbers_are_keepalived_vrrp_state_values() {
    assert_eq!(number(ka_vrrp::State::Init), 0);
    assert_eq!(number(ka_vrrp::State::Backup), 1);
    assert_eq!(number(ka_vrrp::State::Master), 2);
    assert_eq!(number(ka_vrrp::State::Fault), 3);
    assert_eq!(number(ka_vrrp::State::Stop), 98);
    assert_eq!(announced(NotifyState::Deleted), 97);
    assert_eq!(announced(NotifyState::Stop), 98);
    assert_eq!(announced(NotifyState::Fault), 3);
    let names: Vec<_> = [0, 1, 2, 3, 97, 98, 7].map(state_name).to_vec();
    assert_eq!(
        names,
        [
            "Init", "Backup", "Master", "Fault", "Deleted", "Stop", "Unknown"
        ]
    );
}

#[test]
fn instances_come_from_the_plan_with_live_states() {
    let s = status(CONF, true);
    let found = instances(&s);
    let summary: Vec<_> = found
        .iter()
        .map(|f| (f.name.as_str(), f.key.to_string(), f.state))
        .collect();
    assert_eq!(
        summary,
        [
            ("VI_1", "eth0_10/51/IPv4".to_owned(), state::BACKUP),
            ("VI_6", "eth1/52/IPv6".to_owned(), state::BACKUP),
        ]
    );
    // Before the engine answered: INIT.
    let early = instances(&status(CONF, false));
    assert!(early.iter().all(|f| f.state == state::INIT));
}

#[test]
fn service_and_instance_name_come_from_global_defs() {
    let s = status(CONF, false);
    assert_eq!(service(&s).as_deref(), Some("org.example.Vrrp"));
    assert_eq!(instance_name(&s).as_deref(), Some("lb1"));
    let plain = CONF.replace("    dbus_service_name org.example.Vrrp\n", "");
    let s = status(&plain, false);
    assert_eq!(service(&s).as_deref(), Some(DEFAULT_SERVICE));
    let off = plain.replace("    enable_dbus\n", "");
    assert_eq!(service(&status(&off, false)), None);
}

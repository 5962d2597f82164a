//! The MIB filled from the real engine's snapshot of a configuration
//! loaded through `ka_config::load` (no I/O), checked against what
//! keepalived 2.2.7 serves for the same configuration (values read from
//! a walk of keepalived under net-snmp 5.9.3).

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use ka_agentx::{MibView, Oid, SearchRange, Value};
use ka_config::LoadOptions;
use ka_config::host::FakeHost;
use ka_types::Instant;

use super::{Clock, Parts, build};
use crate::core::control::{Plan, Snapshot};
use crate::core::operator::Status;
use crate::vrrp::dump::IfaceInfo;
use crate::vrrp::plan::{UserResolver, vrrp_plan};

struct RootOnly;

impl UserResolver for RootOnly {
    fn uid_gid(&self, user: &str, _: Option<&str>) -> Option<(u32, u32)> {
        (user == "root").then_some((0, 0))
    }
}

const CONF: &str = "
global_defs {
    router_id ref1
    enable_snmp_vrrp
    enable_snmp_rfc
    enable_traps
}
vrrp_sync_group G1 {
    group {
        VI_1
    }
}
vrrp_instance VI_1 {
    interface eth0
    state BACKUP
    virtual_router_id 51
    priority 150
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24
        192.0.2.101
    }
}
vrrp_instance VI_6 {
    interface eth0
    state MASTER
    virtual_router_id 52
    priority 100
    version 3
    advert_int 1
    virtual_ipaddress {
        2001:db8::100/64
    }
}
";

const START: u64 = 1_796_217_894;

/// 5 s after start: VI_1 alone on its link is MASTER, VI_6 too.
pub(crate) fn status() -> Status {
    let path = Path::new("/etc/keepalived/keepalived.conf");
    let host = FakeHost::new().with_file(path.to_str().unwrap(), CONF);
    let cfg = ka_config::load(path, &host, &LoadOptions::default()).config;
    let vrrp = vrrp_plan(&cfg, &RootOnly);
    let now = Instant::from_micros(5_000_000);
    let mut e = ka_vrrp::Engine::new(vrrp.engine.clone());
    let mut out = Vec::new();
    e.handle(Instant::from_micros(0), ka_vrrp::Event::Started, &mut out);
    e.handle_timeout(now, &mut out);
    Status {
        snapshot: Snapshot {
            vrrp: Some(e.snapshot_at(now)),
            ..Snapshot::default()
        },
        plan: Plan {
            vrrp: Some(vrrp),
            ..Plan::default()
        },
        started: UNIX_EPOCH + Duration::from_secs(START),
    }
}

pub(crate) fn ifaces() -> Vec<IfaceInfo> {
    vec![IfaceInfo {
        name: "eth0".into(),
        index: 7,
        ipv4: vec![Ipv4Addr::new(192, 0, 2, 1)],
        ipv6_ll: vec!["fe80::1".parse::<Ipv6Addr>().unwrap()],
        mac: Some(("7e:67:d1:ed:9b:da".into(), "ff:ff:ff:ff:ff:ff".into())),
        ..IfaceInfo::default()
    }]
}

fn view() -> MibView {
    let started = UNIX_EPOCH + Duration::from_secs(START);
    let clock = Clock {
        now: started + Duration::from_secs(8),
        snmp_start: started,
        instances_start: started,
    };
    let parts = Parts {
        global: true,
        vrrp: true,
        rfcv2: true,
        rfcv3: true,
    };
    build(&status(), parts, &ifaces(), clock)
}

fn get(v: &MibView, oid: &str) -> Value {
    v.get(&oid.parse::<Oid>().unwrap())
}

const K: &str = "1.3.6.1.4.1.9586.100.5";

#[test]
fn global_scalars_as_keepalived() {
    let v = view();
    assert_eq!(get(&v, &format!("{K}.1.2.0")), Value::string("ref1"));
    // No smtp_server: family 0 reads as ipv6(2), the address as 4 zeros.
    assert_eq!(get(&v, &format!("{K}.1.3.1.0")), Value::Integer(2));
    assert_eq!(
        get(&v, &format!("{K}.1.3.2.0")),
        Value::OctetString(vec![0; 4])
    );
    assert_eq!(get(&v, &format!("{K}.1.3.3.0")), Value::Gauge32(0));
    assert_eq!(get(&v, &format!("{K}.1.3.4.0")), Value::NoSuchInstance);
    assert_eq!(get(&v, &format!("{K}.1.3.8.0")), Value::Integer(3));
    assert_eq!(get(&v, &format!("{K}.1.4.0")), Value::Integer(1));
    assert_eq!(get(&v, &format!("{K}.1.8.0")), Value::string(""));
    assert_eq!(get(&v, &format!("{K}.1.11.0")), Value::Integer(2));
    assert_eq!(get(&v, &format!("{K}.1.2.1")), Value::NoSuchInstance);
}

#[test]
fn instance_table_in_configuration_order() {
    let v = view();
    let i = |col: u32, row: u32| get(&v, &format!("{K}.2.3.1.{col}.{row}"));
    assert_eq!(i(2, 1), Value::string("VI_1"));
    assert_eq!(i(2, 2), Value::string("VI_6"));
    assert_eq!(i(3, 1), Value::Gauge32(51));
    assert_eq!(i(4, 1), Value::Integer(2), "VI_1 is MASTER");
    assert_eq!((i(5, 1), i(5, 2)), (Value::Integer(1), Value::Integer(2)));
    assert_eq!(
        (i(7, 1), i(8, 1)),
        (Value::Integer(150), Value::Integer(150))
    );
    assert_eq!(i(10, 1), Value::string("eth0"));
    // v2 in seconds, v3 in centiseconds.
    assert_eq!(
        (i(12, 1), i(12, 2)),
        (Value::Gauge32(1), Value::Gauge32(100))
    );
    assert_eq!(i(18, 1), Value::string("G1"));
    assert_eq!(i(18, 2), Value::NoSuchInstance);
    assert_eq!(i(19, 1), Value::Gauge32(5));
    assert_eq!(i(27, 1), Value::Integer(0));
    assert_eq!((i(30, 1), i(30, 2)), (Value::Integer(2), Value::Integer(3)));
    assert_eq!(i(35, 1), Value::OctetString(vec![224, 0, 0, 18]));
    assert_eq!(i(2, 3), Value::NoSuchInstance);
    // Sync group and member tables.
    assert_eq!(get(&v, &format!("{K}.2.1.1.2.1")), Value::string("G1"));
    assert_eq!(get(&v, &format!("{K}.2.2.1.2.1.1")), Value::string("VI_1"));
    // Addresses: VI_1's two VIPs, VI_6's one.
    assert_eq!(
        get(&v, &format!("{K}.2.6.1.3.1.2")),
        Value::OctetString(vec![192, 0, 2, 101])
    );
    assert_eq!(get(&v, &format!("{K}.2.6.1.5.1.1")), Value::Gauge32(24));
    assert_eq!(get(&v, &format!("{K}.2.6.1.7.2.1")), Value::Integer(7));
    assert_eq!(get(&v, &format!("{K}.2.6.1.6.1.1")), Value::Integer(14));
}

#[test]
fn rfc_tables_indexed_by_ifindex_and_vrid() {
    let v = view();
    let r2 = "1.3.6.1.2.1.68";
    assert_eq!(get(&v, &format!("{r2}.1.1.0")), Value::Integer(2));
    assert_eq!(get(&v, &format!("{r2}.1.3.1.3.7.51")), Value::Integer(3));
    assert_eq!(
        get(&v, &format!("{r2}.1.3.1.2.7.51")),
        Value::OctetString(vec![0x7e, 0x67, 0xd1, 0xed, 0x9b, 0xda])
    );
    assert_eq!(
        get(&v, &format!("{r2}.1.3.1.8.7.51")),
        Value::IpAddress([192, 0, 2, 1])
    );
    assert_eq!(
        get(&v, &format!("{r2}.1.4.1.2.7.51.192.0.2.100")),
        Value::Integer(1)
    );
    // VRRPv3 instances are not in RFC 2787's table.
    assert_eq!(
        get(&v, &format!("{r2}.1.3.1.3.7.52")),
        Value::NoSuchInstance
    );
    assert_eq!(get(&v, &format!("{r2}.2.4.1.1.7.51")), Value::Counter32(1));
    let r3 = "1.3.6.1.2.1.207";
    assert_eq!(
        get(&v, &format!("{r3}.1.1.1.1.6.7.52.2")),
        Value::Integer(3)
    );
    assert_eq!(
        get(&v, &format!("{r3}.1.1.1.1.9.7.52.2")),
        Value::Integer(100)
    );
    let ll: Vec<u8> = "fe80::1".parse::<Ipv6Addr>().unwrap().octets().to_vec();
    assert_eq!(
        get(&v, &format!("{r3}.1.1.1.1.4.7.52.2")),
        Value::OctetString(ll)
    );
    assert_eq!(
        get(&v, &format!("{r3}.1.1.1.1.12.7.51.1")),
        Value::TimeTicks(800)
    );
    assert_eq!(
        get(&v, &format!("{r3}.1.2.5.1.2.7.51.1")),
        Value::Integer(3)
    );
    assert_eq!(
        get(&v, &format!("{r3}.1.2.5.1.13.7.51.1")),
        Value::Gauge32(1000)
    );
    assert_eq!(get(&v, &format!("{r3}.1.2.4.0")), Value::TimeTicks(0));
}

/// A walk visits the parts in OID order: RFC 2787, RFC 6527, then
/// KEEPALIVED-MIB, global before VRRP.
#[test]
fn walk_order() {
    let v = view();
    let next = |from: &str| {
        v.get_next(&SearchRange {
            start: from.parse().unwrap(),
            include: false,
            end: Oid::default(),
        })
        .name
        .to_string()
    };
    assert_eq!(next("1.3.6.1.2.1"), "1.3.6.1.2.1.68.1.1.0");
    assert_eq!(next("1.3.6.1.2.1.68.9"), "1.3.6.1.2.1.207.1.1.1.1.3.7.51.1");
    assert_eq!(next(K), format!("{K}.1.1.0"));
    assert_eq!(next(&format!("{K}.1.11.0")), format!("{K}.2.1.1.2.1"));
}

//! The notifications of a state change, object by object, as keepalived
//! 2.2.7 sent them to net-snmp's snmptrapd for the same configuration.

use std::time::{Duration, UNIX_EPOCH};

use ka_agentx::{Oid, Value};

use super::{TrapFacts, build};
use crate::core::bus::NotifyState;
use crate::core::snmp::mib::Parts;

fn facts() -> TrapFacts {
    // The configuration and status of the MIB tests.
    let status = crate::core::snmp::mib::tests_support::status();
    let mut f = TrapFacts::default();
    let now = UNIX_EPOCH + Duration::from_secs(1_796_217_900);
    f.update(
        &status,
        &crate::core::snmp::mib::tests_support::ifaces(),
        now,
    );
    f
}

const ALL: Parts = Parts {
    global: true,
    vrrp: true,
    rfcv2: true,
    rfcv3: true,
};

fn oid(s: &str) -> Oid {
    s.parse().unwrap()
}

#[test]
fn instance_master_sends_three_notifications() {
    let out = build(&facts(), ALL, false, "VI_1", NotifyState::Master);
    let oids: Vec<String> = out.iter().map(|(o, _)| o.to_string()).collect();
    assert_eq!(
        oids,
        [
            "1.3.6.1.4.1.9586.100.5.2.10.0.2",
            "1.3.6.1.2.1.68.0.1",
            "1.3.6.1.2.1.207.0.1"
        ]
    );
    let k = &out[0].1;
    // keepalived compat: objects named without their row index.
    assert_eq!(k[0].name, oid("1.3.6.1.4.1.9586.100.5.2.3.1.2"));
    assert_eq!(k[0].value, Value::string("VI_1"));
    assert_eq!(k[1].value, Value::Integer(2));
    assert_eq!(k[2].value, Value::Integer(1));
    assert_eq!(k[3].name, oid("1.3.6.1.4.1.9586.100.5.1.2.0"));
    assert_eq!(k[3].value, Value::string("ref1"));
    let v2 = &out[1].1;
    assert_eq!(v2[0].name, oid("1.3.6.1.2.1.68.1.3.1.7.7.51"));
    assert_eq!(v2[0].value, Value::IpAddress([192, 0, 2, 1]));
    let v3 = &out[2].1;
    assert_eq!(v3[0].name, oid("1.3.6.1.2.1.207.1.1.1.1.3.7.51.1"));
    assert_eq!(v3[1].name, oid("1.3.6.1.2.1.207.1.2.5.1.2.7.51.1"));
    assert_eq!(v3[1].value, Value::Integer(3));
}

#[test]
fn other_states_groups_and_parts() {
    let f = facts();
    // BACKUP: the KEEPALIVED-MIB notification only.
    assert_eq!(build(&f, ALL, false, "VI_1", NotifyState::Backup).len(), 1);
    // STOP is 5 in keepalived's traps.
    let stop = build(&f, ALL, false, "VI_6", NotifyState::Stop);
    assert_eq!(stop[0].1[1].value, Value::Integer(5));
    assert_eq!(stop[0].1[2].value, Value::Integer(2));
    // A VRRPv3 instance: no RFC 2787 notification.
    let v3 = build(&f, ALL, false, "VI_6", NotifyState::Master);
    assert_eq!(v3.len(), 2);
    let grp = build(&f, ALL, true, "G1", NotifyState::Fault);
    assert_eq!(grp[0].0, oid("1.3.6.1.4.1.9586.100.5.2.10.0.1"));
    assert_eq!(grp[0].1[1].value, Value::Integer(3));
    // Without enable_snmp_vrrp, only the RFC notifications.
    let rfc = Parts {
        rfcv2: true,
        rfcv3: true,
        ..Parts::default()
    };
    assert_eq!(build(&f, rfc, true, "G1", NotifyState::Master).len(), 0);
    assert_eq!(build(&f, rfc, false, "VI_1", NotifyState::Master).len(), 2);
}
